package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/trement/trement/internal/vault"
)

// Backup keys make an erasure reach into backups taken before it.
//
// `trement backup` does not copy the wrapped data keys as they are: in the
// snapshot, every owner's wrapped key (data_keys and blocked_keys) is
// sealed once more under a per-owner backup key. Those keys live in a small
// SQLite file of their own (Options.BackupKeys, never inside the database
// or its backups), each sealed under a key derived from the system secret,
// and the erasure of a customer deletes theirs (secure_delete, then a
// truncating checkpoint) in the erasure's transaction. From then on, every
// backup taken before the erasure holds that customer's data key only
// under a key that no longer exists: decrypting a backup by hand with the
// master key opens nothing of theirs. `trement restore` unseals the keys
// of the owners still present and drops those whose backup key is gone.
//
// The file is what the backups need to be restored at all: losing it makes
// every backup unreadable, and a copy of it taken before an erasure still
// opens that customer in the backups of that time (see README).
type backupKeys struct {
	mu   sync.Mutex
	path string
	db   *sql.DB
	seal *vault.Cipher
}

// snapshotMarker, in a snapshot's settings, says its wrapped keys are
// sealed under backup keys.
const snapshotMarker = "backup_keys_sealed"

func backupKeysCipher(systemRoot []byte) *vault.Cipher {
	c, err := vault.NewCipher("backup-keys", vault.Derive(systemRoot, "backup-keys/v1"))
	if err != nil {
		panic(err)
	}
	return c
}

// openBackupKeys opens (creating it 0600 if needed) the backup key file.
func openBackupKeys(path string, systemRoot []byte) (*backupKeys, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: backup keys: %w", err)
	}
	f.Close()
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=secure_delete(1)&_pragma=synchronous(FULL)")
	if err != nil {
		return nil, fmt.Errorf("store: backup keys: %w", err)
	}
	c.SetMaxOpenConns(1)
	if _, err := c.Exec("CREATE TABLE IF NOT EXISTS backup_keys (owner_id TEXT PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID"); err != nil {
		c.Close()
		return nil, fmt.Errorf("store: backup keys %s: %w", path, err)
	}
	return &backupKeys{path: path, db: c, seal: backupKeysCipher(systemRoot)}, nil
}

func (b *backupKeys) close() error {
	if b == nil {
		return nil
	}
	return b.db.Close()
}

func backupKeyLoc(owner string) vault.Loc {
	return vault.Loc{Table: "backup_keys", Column: "key", Row: owner}
}

// keys returns the backup keys of owners, creating the missing ones if
// create is set (otherwise they are left out of the map).
func (b *backupKeys) keys(ctx context.Context, owners []string, create bool) (map[string][]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: backup keys: %w", err)
	}
	defer tx.Rollback()
	out := make(map[string][]byte, len(owners))
	for _, o := range owners {
		var sealed []byte
		err := tx.QueryRowContext(ctx, "SELECT sealed FROM backup_keys WHERE owner_id = ?", o).Scan(&sealed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if !create {
				continue
			}
			k := vault.RandomKey()
			if _, err := tx.ExecContext(ctx, "INSERT INTO backup_keys (owner_id, sealed) VALUES (?, ?)", o, b.seal.Seal(backupKeyLoc(o), k)); err != nil {
				return nil, fmt.Errorf("store: backup keys: %w", err)
			}
			out[o] = k
		case err != nil:
			return nil, fmt.Errorf("store: backup keys: %w", err)
		default:
			k, err := b.seal.Open(backupKeyLoc(o), sealed)
			if err != nil {
				return nil, fmt.Errorf("store: backup key of %s does not open (another database's key file?): %w", o, err)
			}
			out[o] = k
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: backup keys: %w", err)
	}
	return out, nil
}

// forget destroys owner's backup key: zeroed in the file, and the WAL
// checkpointed and truncated so no frame of it remains.
func (b *backupKeys) forget(ctx context.Context, owners ...string) error {
	if b == nil || len(owners) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := int64(0)
	for _, o := range owners {
		res, err := b.db.ExecContext(ctx, "DELETE FROM backup_keys WHERE owner_id = ?", o)
		if err != nil {
			return fmt.Errorf("store: forget backup key: %w", err)
		}
		m, _ := res.RowsAffected()
		n += m
	}
	if n == 0 {
		return nil
	}
	if _, err := b.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("store: forget backup key: checkpoint: %w", err)
	}
	return nil
}

// keyTables are the tables whose wrapped keys a snapshot seals.
var keyTables = []string{"data_keys", "blocked_keys"}

func wrappedLoc(table, owner string) vault.Loc {
	return vault.Loc{Table: table, Column: "wrapped:backup", Row: owner}
}

// openSnapshot opens a staged snapshot file for rewriting: deleted and
// replaced cells zeroed, and no rollback journal on disk (the stage is
// thrown away if anything fails).
func openSnapshot(path string) (*sql.DB, error) {
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=secure_delete(1)&_pragma=journal_mode(MEMORY)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return nil, err
	}
	c.SetMaxOpenConns(1)
	return c, nil
}

func snapshotOwners(ctx context.Context, c *sql.DB) ([]string, error) {
	var owners []string
	for _, table := range keyTables {
		rows, err := c.QueryContext(ctx, "SELECT owner_id FROM "+table+" WHERE owner_id <> ?", systemOwner)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return nil, err
			}
			owners = append(owners, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return owners, nil
}

// sealSnapshotKeys seals every wrapped key of the snapshot at path under
// its owner's backup key (created for owners that have none yet), marks
// the snapshot, and compacts it so no page keeps a key as it was.
func (db *DB) sealSnapshotKeys(ctx context.Context, path string) error {
	c, err := openSnapshot(path)
	if err != nil {
		return fmt.Errorf("store: snapshot keys: %w", err)
	}
	defer c.Close()
	owners, err := snapshotOwners(ctx, c)
	if err != nil {
		return fmt.Errorf("store: snapshot keys: %w", err)
	}
	keys, err := db.backupKeys.keys(ctx, owners, true)
	if err != nil {
		return err
	}
	err = rewriteKeys(ctx, c, func(table, owner string, w []byte) ([]byte, bool, error) {
		ci, err := vault.NewCipher("backup-key:"+owner, keys[owner])
		if err != nil {
			return nil, false, err
		}
		return ci.Seal(wrappedLoc(table, owner), w), true, nil
	}, true)
	if err != nil {
		return fmt.Errorf("store: snapshot keys: %w", err)
	}
	if _, err := c.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("store: snapshot keys: %w", err)
	}
	return nil
}

// rewriteKeys replaces each non-system wrapped key of the snapshot with
// what f returns (or deletes the row when f says not to keep it), and sets
// or clears the marker, in one transaction.
func rewriteKeys(ctx context.Context, c *sql.DB, f func(table, owner string, w []byte) ([]byte, bool, error), mark bool) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type row struct {
		owner string
		w     []byte
	}
	for _, table := range keyTables {
		rows, err := tx.QueryContext(ctx, "SELECT owner_id, wrapped FROM "+table+" WHERE owner_id <> ?", systemOwner)
		if err != nil {
			return err
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.owner, &r.w); err != nil {
				rows.Close()
				return err
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range all {
			w, keep, err := f(table, r.owner, r.w)
			if err != nil {
				return err
			}
			if keep {
				_, err = tx.ExecContext(ctx, "UPDATE "+table+" SET wrapped = ? WHERE owner_id = ?", w, r.owner)
			} else {
				_, err = tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE owner_id = ?", r.owner)
			}
			if err != nil {
				return err
			}
		}
	}
	if mark {
		_, err = tx.ExecContext(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, 'v1', 0) ON CONFLICT (key) DO UPDATE SET value = 'v1'", snapshotMarker)
	} else {
		_, err = tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", snapshotMarker)
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}

// UnsealSnapshotKeys undoes what `trement backup` did to a snapshot's
// wrapped keys, before the snapshot is installed: each owner's key is
// unsealed with its backup key from the file at keysPath, and an owner
// whose backup key is gone (erased since the backup) loses the key row, so
// nothing of theirs opens in the restored database. It returns how many
// were dropped. A snapshot without the marker (an older backup) is left
// as it is.
func UnsealSnapshotKeys(ctx context.Context, snapshot string, mk *vault.MasterKey, kekVersion uint32, keysPath string) (dropped int, err error) {
	c, err := openSnapshot(snapshot)
	if err != nil {
		return 0, fmt.Errorf("store: unseal snapshot keys: %w", err)
	}
	defer c.Close()
	var v string
	err = c.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", snapshotMarker).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: unseal snapshot keys: %w", err)
	}
	if keysPath == "" {
		return 0, errors.New("store: the backup's data keys are sealed under backup keys, and no backup key file is configured (TREMENT_BACKUP_KEYS)")
	}
	if _, err := os.Stat(keysPath); err != nil {
		return 0, fmt.Errorf("store: the backup's data keys are sealed under the backup key file %s, which cannot be read (%w); without it the backup does not open", keysPath, err)
	}
	var w []byte
	if err := c.QueryRowContext(ctx, "SELECT wrapped FROM data_keys WHERE owner_id = ?", systemOwner).Scan(&w); err != nil {
		return 0, fmt.Errorf("store: unseal snapshot keys: system secret: %w", err)
	}
	root, err := vault.NewKeyring(kekVersion, mk).Unwrap(systemOwner, w)
	if err != nil {
		return 0, fmt.Errorf("store: unseal snapshot keys: system secret: %w", err)
	}
	bk, err := openBackupKeys(keysPath, root)
	if err != nil {
		return 0, err
	}
	defer bk.close()
	owners, err := snapshotOwners(ctx, c)
	if err != nil {
		return 0, fmt.Errorf("store: unseal snapshot keys: %w", err)
	}
	keys, err := bk.keys(ctx, owners, false)
	if err != nil {
		return 0, err
	}
	if len(keys) == 0 && len(owners) > 0 {
		// Every customer erased since is possible but unlikely; a new or
		// wrong file is the usual cause, and going on would drop them all.
		return 0, fmt.Errorf("store: the backup key file %s holds none of this backup's %d keys (a new file, or another deployment's?); restore it from where you keep it", keysPath, len(owners))
	}
	err = rewriteKeys(ctx, c, func(table, owner string, sealed []byte) ([]byte, bool, error) {
		k, ok := keys[owner]
		if !ok {
			dropped++
			return nil, false, nil
		}
		ci, err := vault.NewCipher("backup-key:"+owner, k)
		if err != nil {
			return nil, false, err
		}
		w, err := ci.Open(wrappedLoc(table, owner), sealed)
		if err != nil {
			return nil, false, fmt.Errorf("the key of %s does not open with its backup key (damaged or another key file)", owner)
		}
		return w, true, nil
	}, false)
	if err != nil {
		return 0, fmt.Errorf("store: unseal snapshot keys: %w", err)
	}
	if _, err := c.ExecContext(ctx, "VACUUM"); err != nil {
		return 0, fmt.Errorf("store: unseal snapshot keys: %w", err)
	}
	return dropped, nil
}
