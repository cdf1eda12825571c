package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/vault"
)

func TestKeysRotateCommand(t *testing.T) {
	dir := t.TempDir()
	oldFile, newFile := filepath.Join(dir, "old.key"), filepath.Join(dir, "new.key")
	os.WriteFile(oldFile, []byte(vault.GenerateKey()), 0o600)
	os.WriteFile(newFile, []byte(vault.GenerateKey()), 0o600)
	envWith := func(keyFile string) func(string) string {
		return func(k string) string {
			switch k {
			case "TREMENT_DATA_DIR":
				return dir
			case "TREMENT_MASTER_KEY_FILE":
				return keyFile
			}
			return ""
		}
	}
	openWith := func(keyFile string) (*store.DB, error) {
		cfg, _, err := config.Load(nil, envWith(keyFile))
		if err != nil {
			t.Fatal(err)
		}
		db, _, err := openStore(context.Background(), cfg, slog.New(slog.DiscardHandler), false)
		return db, err
	}
	db, err := openWith(oldFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"34612000001", "34612000002", "34612000003"} {
		if err := db.Update(context.Background(), func(tx *store.Tx) error {
			return tx.CreateContact(&conversation.Contact{WaID: n, Region: "ES", Language: "es"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"keys", "rotate", "-new-key-file", newFile, "-batch", "2"},
		&Env{Getenv: envWith(oldFile), Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "4/4 data keys") || !strings.Contains(out.String(), "version 2") {
		t.Errorf("progress %q, result %q; want 4/4 data keys re-wrapped to version 2", errOut.String(), out.String())
	}
	if _, err := openWith(oldFile); !errors.Is(err, store.ErrRetiredKey) {
		t.Errorf("start with the old key = %v, want ErrRetiredKey", err)
	}
	db, err = openWith(newFile)
	if err != nil {
		t.Fatalf("start with the new key: %v", err)
	}
	defer db.Close()
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		_, err := tx.ContactByWaID("34612000002")
		return err
	}); err != nil {
		t.Errorf("reading after rotation: %v", err)
	}
	if err := run(context.Background(), []string{"keys", "rotate"}, &Env{Getenv: envWith(newFile), Stdout: io.Discard, Stderr: io.Discard}); err == nil {
		t.Error("keys rotate without -new-key-file succeeded")
	}
}
