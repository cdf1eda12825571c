package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Snapshot writes a consistent copy of the SQLite main database to path
// (which must not exist) while trement keeps running: VACUUM INTO reads
// one snapshot of the database on a connection of its own, so writers are
// not held up, and the copy is compact (no free pages, no WAL); with
// backup keys, the copy's data keys are sealed under them. The inbox
// file is not copied: it holds only bodies waiting to be processed, which
// Meta redelivers. `trement backup` seals the copy; see cmd/trement.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if db.backend != SQLite {
		return errors.New("store: snapshot: only SQLite databases are copied by trement backup; use pg_dump or your PostgreSQL backups (see README)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: snapshot: %s exists", path)
	}
	src, err := db.mainPath()
	if err != nil {
		return err
	}
	c, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)&_pragma=secure_delete(1)")
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	if db.backupKeys != nil {
		return db.sealSnapshotKeys(ctx, path)
	}
	return nil
}

// BackupKeysSealed reports whether Snapshot seals the data keys under
// backup keys (Options.BackupKeys is set and the database is SQLite).
func (db *DB) BackupKeysSealed() bool { return db.backupKeys != nil }

// mainPath returns the SQLite main file's path.
func (db *DB) mainPath() (string, error) {
	var seq int
	var name, file string
	if err := db.r.QueryRow("PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		return "", fmt.Errorf("store: database path: %w", err)
	}
	if file == "" || strings.Contains(file, "?") {
		return "", fmt.Errorf("store: database path %q", file)
	}
	return file, nil
}

// Install puts the SQLite database file at snapshot in place of the one at
// path (trement must be stopped): it checks the snapshot's integrity,
// removes the old file with its WAL and shared memory, and renames the
// snapshot into place. The inbox file beside it is kept: its bodies are
// processed against the restored database, and de-duplication drops those
// already applied.
func Install(ctx context.Context, snapshot, path string) error {
	c, err := sql.Open("sqlite", "file:"+snapshot+"?mode=ro")
	if err != nil {
		return fmt.Errorf("store: install: %w", err)
	}
	var res string
	err = c.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	c.Close()
	if err != nil {
		return fmt.Errorf("store: install: integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("store: install: the snapshot is damaged: %s", res)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: install: %w", err)
		}
	}
	if err := os.Rename(snapshot, path); err != nil {
		return fmt.Errorf("store: install: %w", err)
	}
	return nil
}
