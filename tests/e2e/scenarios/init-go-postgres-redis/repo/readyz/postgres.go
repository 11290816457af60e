// Package readyz checks that the servers a service depends on answer, using their wire
// protocols directly.
package readyz

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// PostgresInfo is what the server says about the session a check opened.
type PostgresInfo struct {
	User     string
	Database string
	// ServerVersion as the server reports it at startup, such as "15.6".
	ServerVersion string
}

// Postgres logs in with the user, password and database of a postgres:// URL (clear-text,
// MD5 or no password; sslmode=disable only) and asks who it is.
func Postgres(ctx context.Context, rawURL string) (PostgresInfo, error) {
	var info PostgresInfo
	u, err := url.Parse(rawURL)
	if err != nil {
		return info, err
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return info, fmt.Errorf("not a postgres URL: %q", u.Scheme)
	}
	if mode := u.Query().Get("sslmode"); mode != "" && mode != "disable" {
		return info, fmt.Errorf("sslmode=%s is not supported, use sslmode=disable", mode)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	user := u.User.Username()
	password, _ := u.User.Password()
	database := strings.TrimPrefix(u.Path, "/")
	if database == "" {
		database = user
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return info, err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	} else {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
	}
	r := bufio.NewReader(conn)

	if _, err := conn.Write(startupMessage(user, database)); err != nil {
		return info, err
	}
	for {
		kind, body, err := readMessage(r)
		if err != nil {
			return info, err
		}
		switch kind {
		case 'R':
			reply, err := authReply(body, user, password)
			if err != nil {
				return info, err
			}
			if reply != nil {
				if _, err := conn.Write(reply); err != nil {
					return info, err
				}
			}
		case 'S':
			if name, value := cstrings(body); name == "server_version" {
				info.ServerVersion = value
			}
		case 'E':
			return info, serverError(body)
		case 'Z':
			goto ready
		}
	}
ready:
	if _, err := conn.Write(message('Q', cstring("SELECT current_user, current_database()"))); err != nil {
		return info, err
	}
	for {
		kind, body, err := readMessage(r)
		if err != nil {
			return info, err
		}
		switch kind {
		case 'D':
			values := dataRow(body)
			if len(values) != 2 {
				return info, fmt.Errorf("expected 2 columns, got %d", len(values))
			}
			info.User, info.Database = values[0], values[1]
		case 'E':
			return info, serverError(body)
		case 'Z':
			conn.Write(message('X', nil))
			return info, nil
		}
	}
}

func startupMessage(user, database string) []byte {
	var params []byte
	for _, kv := range [][2]string{{"user", user}, {"database", database}, {"application_name", "readyz"}} {
		params = append(params, cstring(kv[0])...)
		params = append(params, cstring(kv[1])...)
	}
	params = append(params, 0)
	msg := make([]byte, 8, 8+len(params))
	binary.BigEndian.PutUint32(msg[0:4], uint32(8+len(params)))
	binary.BigEndian.PutUint32(msg[4:8], 196608) // protocol 3.0
	return append(msg, params...)
}

// authReply answers an authentication request: nil when none is due.
func authReply(body []byte, user, password string) ([]byte, error) {
	if len(body) < 4 {
		return nil, errors.New("short authentication message")
	}
	switch code := binary.BigEndian.Uint32(body[:4]); code {
	case 0: // AuthenticationOk
		return nil, nil
	case 3: // clear-text password
		return message('p', cstring(password)), nil
	case 5: // MD5: md5(md5(password + user) + salt)
		if len(body) < 8 {
			return nil, errors.New("short MD5 request")
		}
		inner := md5.Sum([]byte(password + user))
		outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), body[4:8]...))
		return message('p', cstring("md5"+hex.EncodeToString(outer[:]))), nil
	default:
		return nil, fmt.Errorf("authentication method %d is not supported", code)
	}
}

func message(kind byte, body []byte) []byte {
	msg := make([]byte, 5, 5+len(body))
	msg[0] = kind
	binary.BigEndian.PutUint32(msg[1:5], uint32(4+len(body)))
	return append(msg, body...)
}

func readMessage(r *bufio.Reader) (byte, []byte, error) {
	var header [5]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return 0, nil, err
	}
	size := binary.BigEndian.Uint32(header[1:5])
	if size < 4 || size > 1<<24 {
		return 0, nil, fmt.Errorf("bad message length %d", size)
	}
	body := make([]byte, size-4)
	_, err := io.ReadFull(r, body)
	return header[0], body, err
}

func cstring(s string) []byte {
	return append([]byte(s), 0)
}

// cstrings splits a body of NUL-terminated strings: the first two.
func cstrings(body []byte) (string, string) {
	parts := strings.SplitN(string(body), "\x00", 3)
	if len(parts) < 2 {
		return "", ""
	}
	return parts[0], parts[1]
}

func dataRow(body []byte) []string {
	if len(body) < 2 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(body[:2]))
	values := make([]string, 0, n)
	rest := body[2:]
	for i := 0; i < n && len(rest) >= 4; i++ {
		size := int32(binary.BigEndian.Uint32(rest[:4]))
		rest = rest[4:]
		if size < 0 || int(size) > len(rest) {
			values = append(values, "")
			continue
		}
		values = append(values, string(rest[:size]))
		rest = rest[size:]
	}
	return values
}

// serverError reads an ErrorResponse: its severity, code and message.
func serverError(body []byte) error {
	fields := map[byte]string{}
	for len(body) > 1 {
		end := strings.IndexByte(string(body[1:]), 0)
		if end < 0 {
			break
		}
		fields[body[0]] = string(body[1 : 1+end])
		body = body[2+end:]
	}
	return fmt.Errorf("postgres: %s %s: %s", fields['S'], fields['C'], fields['M'])
}
