//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/store/storetest"
)

// TestServeRefusesReadableDataAndKeys replays issue 9 item 13: a data
// folder or master key file readable by group or others stops trement
// (or, with PERMISSIONS_CHECK=warn, is logged).
func TestServeRefusesReadableDataAndKeys(t *testing.T) {
	url, _ := storetest.NewSQLite(t)
	c := newCLIEnv(t, url)
	if _, err := c.serve(); err != nil {
		t.Fatalf("serve with a private data folder: %v", err)
	}
	if err := os.Chmod(c.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := c.serve(); err == nil || !strings.Contains(err.Error(), "refusing to start") || !strings.Contains(err.Error(), "data folder") {
		t.Errorf("serve with a 0755 data folder = %v, want a refusal naming it", err)
	}
	c.vars["TREMENT_PERMISSIONS_CHECK"] = "warn"
	logged, err := c.serve()
	if err != nil || !strings.Contains(logged, "file permissions too wide") {
		t.Errorf("serve with PERMISSIONS_CHECK=warn = %v, log %q; want started with a warning", err, logged)
	}
	delete(c.vars, "TREMENT_PERMISSIONS_CHECK")
	os.Chmod(c.dir, 0o700)

	keyFile := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(keyFile, []byte(c.key+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(keyFile, 0o644) // whatever the umask
	c.key, c.vars["TREMENT_MASTER_KEY_FILE"] = "", keyFile
	if _, err := c.serve(); err == nil || !strings.Contains(err.Error(), "master key file") {
		t.Errorf("serve with a 0644 key file = %v, want a refusal naming it", err)
	}
	os.Chmod(keyFile, 0o600)
	if _, err := c.serve(); err != nil {
		t.Errorf("serve with a 0600 key file: %v", err)
	}
}
