package store

import (
	"context"
	"database/sql"
)

// PauseScrubber stops db's scrubber goroutine, as a process stopping (or
// crashing) right after an erasure commits would: erasures then leave their
// detached contacts for an explicit Scrub or the next Open to delete.
func PauseScrubber(db *DB) { db.scrub.stop() }

// BackupKeyOpener returns what opens an owner's sealed backup key from db's
// backup key file, as a forensic reader holding the master key (and so the
// system secret) could; nil without a backup key file.
func BackupKeyOpener(db *DB) func(owner string, blob []byte) ([]byte, error) {
	if db.backupKeys == nil {
		return nil
	}
	return func(owner string, blob []byte) ([]byte, error) {
		return db.backupKeys.seal.Open(backupKeyLoc(owner), blob)
	}
}

// SyncSetting is the durability setting of t's connection: SQLite's
// synchronous (1 NORMAL, 2 FULL) or PostgreSQL's synchronous_commit.
func SyncSetting(t *Tx) (string, error) { return syncSetting(t.db, t.queryRow) }

// WriterSyncSetting is SyncSetting for a statement run on its own on db's
// main writer (inbox: the inbox's writer).
func WriterSyncSetting(db *DB, inbox bool) (string, error) {
	pool := db.w
	if inbox {
		pool = db.inW
	}
	return syncSetting(db, func(q string, args ...any) *sql.Row { return pool.QueryRowContext(context.Background(), q, args...) })
}

// InboxSyncSetting is SyncSetting inside one of db's inbox transactions.
func InboxSyncSetting(ctx context.Context, db *DB) (s string, err error) {
	err = db.inboxTx(ctx, func(tx *sql.Tx) error {
		s, err = syncSetting(db, func(q string, args ...any) *sql.Row { return tx.QueryRowContext(ctx, q, args...) })
		return err
	})
	return s, err
}

func syncSetting(db *DB, queryRow func(string, ...any) *sql.Row) (string, error) {
	q := "PRAGMA synchronous"
	if db.backend == Postgres {
		q = "SHOW synchronous_commit"
	}
	var s string
	err := queryRow(q).Scan(&s)
	return s, err
}

// KeyCached reports whether db's key cache holds owner's data key.
func KeyCached(db *DB, owner string) bool { return db.keys.get(owner) != nil }
