// Package storetest holds what the store's contract suite needs: a fresh
// database per test on each backend. SQLite always runs; PostgreSQL runs
// when TREMENT_TEST_POSTGRES_URL is set, each test in a schema of its own.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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

// SQLiteFiles returns the files a SQLite database at path consists of
// (main file, WAL, and the inbox file with its WAL), those that exist.
func SQLiteFiles(path string) []string {
	inbox := strings.TrimSuffix(path, ".db") + ".inbox.db"
	var out []string
	for _, p := range []string{path, path + "-wal", inbox, inbox + "-wal"} {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// WrappedKeySize is the length of a wrapped data key: format byte, master
// key version, nonce, key and tag (see vault).
const WrappedKeySize = 1 + 4 + 12 + 32 + 16

// Carve is what a forensic reader holding the master key would do with
// the raw files: it reads every byte of them, tries open on every blob
// that looks like a wrapped data key (format byte 1 followed by a small
// master-key version) wherever it starts, and counts the blobs open
// accepts. It also counts occurrences of each needle (ciphertext captured
// before an erasure). Both must be zero after an erasure holds.
func Carve(t testing.TB, files []string, open func(blob []byte) bool, needles ...[]byte) (opened, found int) {
	t.Helper()
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("carve %s: %v", p, err)
		}
		for i := 0; i+WrappedKeySize <= len(b); i++ {
			if b[i] == 1 && b[i+1] == 0 && b[i+2] == 0 && b[i+3] == 0 && b[i+4] != 0 && b[i+4] < 16 && open(b[i:i+WrappedKeySize]) {
				opened++
				t.Logf("carve: a wrapped key opens at byte %d of %s", i, filepath.Base(p))
			}
		}
		for _, n := range needles {
			if len(n) > 0 && bytes.Contains(b, n) {
				found++
				t.Logf("carve: captured ciphertext found in %s", filepath.Base(p))
			}
		}
	}
	return opened, found
}
