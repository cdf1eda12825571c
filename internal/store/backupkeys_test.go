package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// sealedBackupKeySize is a 32-byte backup key in vault's field format.
const sealedBackupKeySize = 1 + 12 + 32 + 16

// TestAnErasureReachesBackupsTakenBefore plays the reviewer who decrypts a
// backup by hand: the snapshot `trement backup` seals holds no wrapped key
// as the database has it, only sealed under per-customer backup keys kept
// in a file of their own. Erasing a customer destroys theirs, with nothing
// left of it in that file or its WAL, so the old snapshot opens nothing of
// theirs, even to someone holding the master key and the key file; a
// restore of it drops their key and keeps everyone else.
func TestAnErasureReachesBackupsTakenBefore(t *testing.T) {
	url, path := storetest.NewSQLite(t)
	k := newKey(t)
	dir := t.TempDir()
	keysPath := filepath.Join(dir, "backup-keys.db")
	opts := store.Options{URL: url, MasterKey: k, BackupKeys: keysPath, ErasureJournal: filepath.Join(dir, "erasures.jsonl")}
	ctx := context.Background()
	db, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !db.BackupKeysSealed() {
		t.Fatal("BackupKeysSealed() = false with a backup key file")
	}
	victim, _ := seed(t, db, "14155550199", "V", "restore me not", 10)
	keep, _ := seed(t, db, "14155550100", "K", "keep me", 3)
	c := capture(t, url, victim.ID)
	snap := filepath.Join(dir, "snapshot.db")
	if err := db.Snapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	ring := vault.NewKeyring(1, k)
	unwrapsAs := func(owner string) func([]byte) bool {
		return func(b []byte) bool { _, err := ring.Unwrap(owner, b); return err == nil }
	}
	if opened, found := storetest.Carve(t, []string{snap}, unwrapsAs(victim.ID), c.wrapped); opened != 0 || found != 0 {
		t.Errorf("the snapshot holds the wrapped key as it is (%d open, %d copies); want it sealed", opened, found)
	}
	// Before the erasure, the key file opens the victim's key in the snapshot.
	openBK := store.BackupKeyOpener(db)
	sealedBK := rawValue(t, keysPath, "SELECT sealed FROM backup_keys WHERE owner_id = ?", victim.ID)
	sealedDK := rawValue(t, snap, "SELECT wrapped FROM data_keys WHERE owner_id = ?", victim.ID)
	if !opensAsBackup(openBK, ring, victim.ID, sealedBK, sealedDK) {
		t.Fatal("before the erasure the victim's key does not open from the snapshot with the key file: the test cannot see")
	}

	update(t, db, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) })
	if err := db.Scrub(ctx); err != nil {
		t.Fatal(err)
	}
	files := []string{keysPath, keysPath + "-wal"}
	opened, found := storetest.Carve(t, existing(files), func([]byte) bool { return false }, sealedBK)
	if found != 0 {
		t.Errorf("the erased customer's sealed backup key is still in the key file (%d copies)", found)
	}
	for _, p := range existing(files) {
		b, _ := os.ReadFile(p)
		for i := 0; i+sealedBackupKeySize <= len(b); i++ {
			if bk, err := openBK(victim.ID, b[i:i+sealedBackupKeySize]); err == nil && opensAsBackup(func(string, []byte) ([]byte, error) { return bk, nil }, ring, victim.ID, nil, sealedDK) {
				opened++
			}
		}
	}
	if opened != 0 {
		t.Errorf("carving the key file recovered the erased customer's backup key %d times", opened)
	}
	if got := rawValue(t, keysPath, "SELECT sealed FROM backup_keys WHERE owner_id = ?", keep.ID); got == nil {
		t.Error("the erasure destroyed another customer's backup key")
	}
	db.Close()

	// Restoring the old snapshot: the victim's key is dropped, the other
	// customer's opens again with the master key alone.
	dropped, err := store.UnsealSnapshotKeys(ctx, snap, k, 1, keysPath)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 1 {
		t.Errorf("unsealing dropped %d keys, want 1 (the erased customer's)", dropped)
	}
	if rawValue(t, snap, "SELECT wrapped FROM data_keys WHERE owner_id = ?", victim.ID) != nil {
		t.Error("the unsealed snapshot still has a key row for the erased customer")
	}
	if w := rawValue(t, snap, "SELECT wrapped FROM data_keys WHERE owner_id = ?", keep.ID); !unwrapsAs(keep.ID)(w) {
		t.Error("the unsealed snapshot's key of the kept customer does not unwrap with the master key")
	}
	if rawValue(t, snap, "SELECT value FROM settings WHERE key = ?", "backup_keys_sealed") != nil {
		t.Error("the unsealed snapshot is still marked sealed")
	}
	if err := store.Install(ctx, snap, path); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	view(t, db, func(tx *store.Tx) error {
		if _, err := tx.Contact(victim.ID); !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("restored: Contact(victim) = %v, want erased", err)
		}
		got, err := tx.Contact(keep.ID)
		if err != nil || got.WaID != "14155550100" {
			t.Errorf("restored: the kept customer = %+v, %v", got, err)
		}
		return nil
	})
}

// TestRestoreNeedsTheBackupKeyFile: a sealed snapshot without its key file
// is refused with a message that names the file, and changes nothing.
func TestRestoreNeedsTheBackupKeyFile(t *testing.T) {
	url, _ := storetest.NewSQLite(t)
	k := newKey(t)
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: k, BackupKeys: filepath.Join(dir, "backup-keys.db")})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, db, "14155550100", "K", "keep me", 1)
	snap := filepath.Join(dir, "snapshot.db")
	if err := db.Snapshot(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(snap)
	missing := filepath.Join(dir, "elsewhere", "backup-keys.db")
	_, err = store.UnsealSnapshotKeys(context.Background(), snap, k, 1, missing)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("UnsealSnapshotKeys without the key file = %v, want an error naming it", err)
	}
	if after, _ := os.ReadFile(snap); !bytes.Equal(before, after) {
		t.Error("a refused unseal changed the snapshot")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused unseal created an empty key file")
	}
}

// opensAsBackup reports whether the sealed data key (as a snapshot holds
// it) opens to owner's data key with the backup key open returns.
func opensAsBackup(open func(string, []byte) ([]byte, error), ring *vault.Keyring, owner string, sealedBK, sealedDK []byte) bool {
	bk, err := open(owner, sealedBK)
	if err != nil {
		return false
	}
	ci, err := vault.NewCipher("backup-key:"+owner, bk)
	if err != nil {
		return false
	}
	w, err := ci.Open(vault.Loc{Table: "data_keys", Column: "wrapped:backup", Row: owner}, sealedDK)
	if err != nil {
		return false
	}
	_, err = ring.Unwrap(owner, w)
	return err == nil
}

func rawValue(t *testing.T, path, query string, args ...any) []byte {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b []byte
	err = c.QueryRow(query, args...).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return b
}

func existing(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}
