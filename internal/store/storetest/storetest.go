// Package storetest holds what the store's contract suite needs: a fresh
// database per test on each backend. SQLite always runs; PostgreSQL runs
// when TREMENT_TEST_POSTGRES_URL is set, each test in a schema of its own.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
)

// PostgresEnv names the variable that enables the PostgreSQL runs.
const PostgresEnv = "TREMENT_TEST_POSTGRES_URL"

// Backend makes fresh databases of one kind.
type Backend struct {
	Name string
	// New returns the URL of an empty database that is dropped when the
	// test ends, and (for SQLite) the file path.
	New func(t testing.TB) (dbURL, path string)
}

// Backends returns SQLite and, if configured, PostgreSQL.
func Backends(t testing.TB) []Backend {
	t.Helper()
	bs := []Backend{{Name: "sqlite", New: NewSQLite}}
	if os.Getenv(PostgresEnv) != "" {
		bs = append(bs, Backend{Name: "postgres", New: NewPostgres})
	} else {
		t.Logf("PostgreSQL runs skipped: set %s to run them", PostgresEnv)
	}
	return bs
}

// NewSQLite returns a fresh SQLite database file in the test's temp dir.
func NewSQLite(t testing.TB) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "trement.db")
	return "sqlite:" + p, p
}

// NewPostgres creates a schema of its own for the test and returns a URL
// whose search_path points at it; the schema is dropped afterwards.
func NewPostgres(t testing.TB) (string, string) {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("set %s to run PostgreSQL tests", PostgresEnv)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "trement_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), ""
}
