package readyz

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"testing"
	"time"
)

func TestCommandEncoding(t *testing.T) {
	got := string(command("SET", "k", "héllo"))
	want := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n"
	if got != want {
		t.Fatalf("command = %q, want %q", got, want)
	}
}

func TestStartupMessage(t *testing.T) {
	msg := startupMessage("app", "app_db")
	if len(msg) < 8 || !bytes.HasSuffix(msg, []byte("readyz\x00\x00")) {
		t.Fatalf("startup message = %q", msg)
	}
	if !bytes.Contains(msg, []byte("user\x00app\x00database\x00app_db\x00")) {
		t.Fatalf("startup message lacks user and database: %q", msg)
	}
}

// The server CI gives the tests: DATABASE_URL names its role, password and database.
func TestPostgresLogsInAsTheDeclaredRole(t *testing.T) {
	raw := os.Getenv("DATABASE_URL")
	if raw == "" {
		t.Fatal("DATABASE_URL is not set: this test needs the database CI provides")
	}
	want, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := Postgres(ctx, raw)
	if err != nil {
		t.Fatalf("postgres check: %v", err)
	}
	if info.User != "readyz" || info.Database != "readyz_test" || info.User != want.User.Username() {
		t.Fatalf("logged in as %s to %s, want readyz to readyz_test", info.User, info.Database)
	}
	if info.ServerVersion == "" {
		t.Fatal("the server reported no version")
	}
	t.Logf("postgres %s: %s@%s", info.ServerVersion, info.User, info.Database)
}

func TestRedisAnswersPing(t *testing.T) {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		t.Fatal("REDIS_ADDR is not set: this test needs the Redis server CI provides")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Redis(ctx, addr); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresRefusesTLSModes(t *testing.T) {
	_, err := Postgres(context.Background(), "postgres://u@127.0.0.1:1/db?sslmode=require")
	if err == nil {
		t.Fatal("sslmode=require was accepted")
	}
}
