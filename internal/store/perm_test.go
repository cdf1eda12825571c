//go:build unix

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
)

// TestSQLiteFilesArePrivate: the database, the inbox file and their
// WAL/SHM companions are 0600 even under a usual umask (022), and a file
// left 0644 is narrowed at open (issue 9 item 13).
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "trement.db")
	inbox := store.InboxPath(path)
	if err := os.WriteFile(inbox, nil, 0o644); err != nil { // left wide by a copy
		t.Fatal(err)
	}
	db := open(t, "sqlite:"+path, newKey(t))
	if err := db.Audit(context.Background(), &audit.Event{ActorType: audit.ActorSystem, ActorID: "t", Action: "test.write", Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.InboxDepth(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, p := range []string{path, path + "-wal", path + "-shm", inbox, inbox + "-wal", inbox + "-shm"} {
		fi, err := os.Stat(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	if seen < 4 {
		t.Errorf("only %d of the database files exist; the test checks too little", seen)
	}
}
