package readyz

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// Redis sends PING to the server at addr (host:port) and expects PONG.
func Redis(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(command("PING")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimRight(line, "\r\n")
	if line != "+PONG" {
		return fmt.Errorf("redis at %s answered %q to PING", addr, line)
	}
	return nil
}

// command encodes a command as a RESP array of bulk strings.
func command(args ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, arg := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(arg), arg)
	}
	return []byte(b.String())
}
