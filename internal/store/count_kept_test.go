package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A statement kept on its SQLite connection runs again while its rows
// from an earlier run are still being read: the second run gets a handle
// of its own, and both read every row.
func TestKeptStatementRunsWhileItsRowsAreOpen(t *testing.T) {
	var c sqlCounts
	db, err := openCounted("sqlite", "file:"+filepath.Join(t.TempDir(), "k.db"), &c)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO t (v) VALUES (1), (2), (3)"); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "SELECT v FROM t ORDER BY v"
	read := func() []int {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []int
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		return got
	}
	if got := read(); len(got) != 3 { // kept from here on
		t.Fatalf("first read %v", got)
	}
	outer, err := tx.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
		if inner := read(); len(inner) != 3 || inner[0] != 1 || inner[2] != 3 {
			t.Fatalf("inner read while the outer rows are open = %v", inner)
		}
	}
	outer.Close()
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("outer read = %v, want 1 2 3", got)
	}
	if got := read(); len(got) != 3 {
		t.Fatalf("read after = %v", got)
	}
}
