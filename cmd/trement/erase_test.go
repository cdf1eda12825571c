package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// command runs a trement subcommand against the test app's database, data
// folder and master key, and returns its standard output.
func (ta *testApp) command(args ...string) string {
	ta.t.Helper()
	out, err := ta.tryCommand(args...)
	if err != nil {
		ta.t.Fatalf("trement %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (ta *testApp) tryCommand(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	args = append(args, "-data-dir", ta.dir, "-database-url", ta.url)
	err := run(context.Background(), args, &Env{Getenv: func(k string) string {
		if k == "TREMENT_MASTER_KEY" {
			return ta.key
		}
		return ""
	}, Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

// wrappedKeyOf reads a contact's wrapped data key straight from the file.
func (ta *testApp) wrappedKeyOf(contactID string) []byte {
	ta.t.Helper()
	raw, err := sqlOpenReadOnly(ta)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer raw.Close()
	var w []byte
	if err := raw.QueryRow("SELECT wrapped FROM data_keys WHERE owner_id = ?", contactID).Scan(&w); err != nil {
		ta.t.Fatalf("wrapped key of %s: %v", contactID, err)
	}
	return w
}

// carveFor carves the database's four files for anything of contactID's
// that opens with the master key, or the captured wrapped key itself.
func carveFor(t *testing.T, path, key, contactID string, wrapped []byte) (opened, found int) {
	t.Helper()
	mk, err := vault.ParseMasterKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ring := vault.NewKeyring(1, mk)
	return storetest.Carve(t, storetest.SQLiteFiles(path), func(b []byte) bool {
		_, err := ring.Unwrap(contactID, b)
		return err == nil
	}, wrapped)
}

// TestEraseThenCarveThenRestore follows a customer through the simulator:
// they chat, a backup is taken, they write DELETE MY DATA and confirm.
// Then the SQLite main file, WAL and inbox files are carved for their
// wrapped data key with the master key: nothing opens. The backup is
// restored with `trement restore`: the journal erases them again, and the
// carve of the restored files finds nothing either.
func TestEraseThenCarveThenRestore(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "4915112340001" // GDPR: erased at once, no blocking
	const other = "4915112340002"
	ta.optIn(other)
	ta.say(other, "do you ship to Berlin?")
	ta.optIn(who)
	ta.say(who, "how long does shipping take?")
	ta.waitReplies(who, 3)
	ta.settle()
	c := ta.contactOf(who)
	wrapped := ta.wrappedKeyOf(c.ID)
	path := strings.TrimPrefix(ta.url, "sqlite:")
	if opened, _ := carveFor(t, path, ta.key, c.ID, nil); opened == 0 {
		t.Fatal("before the erasure the carve opens nothing: it cannot see")
	}

	backup := filepath.Join(t.TempDir(), "before-erasure.tbk")
	if out := ta.command("backup", "-o", backup); !strings.Contains(out, "written") {
		t.Errorf("backup said %q", out)
	}

	ta.say(who, "delete my data")
	ta.waitReplies(who, 4)
	ta.say(who, "yes delete")
	ta.waitReplies(who, 5)
	ta.settle()
	if err := ta.db.Scrub(context.Background()); err != nil {
		t.Fatal(err)
	}
	ta.stop()
	if opened, found := carveFor(t, path, ta.key, c.ID, wrapped); opened != 0 || found != 0 {
		t.Errorf("live files after erasure: %d blobs open as the erased customer's key, %d copies of it found; want none", opened, found)
	}
	// The backup decrypted by hand with the master key, as someone who
	// skips `trement restore` would: the erased customer's key is in it
	// only sealed under a backup key the erasure destroyed.
	mk, _ := vault.ParseMasterKey(ta.key)
	plain := filepath.Join(t.TempDir(), "by-hand.db")
	pf, _ := os.Create(plain)
	if _, v2, err := decryptBackup(backup, mk, pf, func(int64, int64) {}); err != nil || !v2 {
		t.Fatalf("decrypting the backup by hand: v2=%v, %v", v2, err)
	}
	pf.Close()
	if opened, found := storetest.Carve(t, []string{plain}, func(b []byte) bool {
		_, err := vault.NewKeyring(1, mk).Unwrap(c.ID, b)
		return err == nil
	}, wrapped); opened != 0 || found != 0 {
		t.Errorf("backup decrypted by hand: %d blobs open as the erased customer's key, %d copies of it; want none", opened, found)
	}

	out := ta.command("restore", "-i", backup)
	if !strings.Contains(out, "1 data keys had no backup key") || !strings.Contains(out, "1 customers erased since were erased again") {
		t.Errorf("restore said %q, want the erasure re-applied", out)
	}
	if opened, found := carveFor(t, path, ta.key, c.ID, wrapped); opened != 0 || found != 0 {
		t.Errorf("restored files: %d blobs open as the erased customer's key, %d copies of it found; want none", opened, found)
	}
	// A backup with one byte changed, or cut short, is refused.
	b, _ := os.ReadFile(backup)
	for name, bad := range map[string][]byte{"flipped": flipped(b, len(b)/2), "truncated": b[:len(b)-100]} {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, bad, 0o600)
		if _, err := ta.tryCommand("restore", "-i", p); err == nil {
			t.Errorf("restore of a %s backup succeeded", name)
		}
	}
	db, err := store.Open(context.Background(), store.Options{URL: ta.url, MasterKey: mk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(context.Background(), func(tx *store.Tx) error {
		if got, err := tx.ContactByWaID(who); err == nil {
			t.Errorf("restored database still holds the erased customer %s", got.ID)
		}
		o, err := tx.ContactByWaID(other)
		if err != nil {
			t.Errorf("restored database lost the other customer: %v", err)
			return nil
		}
		if msgs, err := tx.ContactMessages(o.ID); err != nil || len(msgs) == 0 || msgs[0].Body == "" {
			t.Errorf("the other customer's messages after the restore: %d, %v", len(msgs), err)
		}
		return nil
	})
}

func flipped(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}
