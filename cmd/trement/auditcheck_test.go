package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/store/storetest"
)

// TestAlerterAuditCheckGarbledAnchor: the hourly check used to read an
// anchor file it could not parse as "no anchor" and report a healthy log,
// so garbling the file turned the check off. It must be a finding, and a
// good anchor of the same log must still pass.
func TestAlerterAuditCheckGarbledAnchor(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			ctx := context.Background()
			db := newCLIEnv(t, url).open()
			anchor := filepath.Join(t.TempDir(), "anchor.json")
			a := &app{cfg: &config.Config{AuditAnchorFile: anchor}, db: db, log: slog.New(slog.NewTextHandler(io.Discard, nil))}

			if got := a.auditBroken(ctx); got != "" {
				t.Fatalf("no anchor yet: auditBroken = %q, want healthy", got)
			}
			anc := &audit.Anchorer{Store: db, Key: db.DeriveKey(audit.CheckpointKeyPurpose), File: anchor}
			if err := db.Audit(ctx, &audit.Event{ActorType: audit.ActorSystem, Action: "test.event", Target: "x", Outcome: audit.Success}); err != nil {
				t.Fatal(err)
			}
			if err := anc.Once(ctx); err != nil {
				t.Fatal(err)
			}
			if got := a.auditBroken(ctx); got != "" {
				t.Fatalf("good anchor: auditBroken = %q, want healthy", got)
			}
			if err := os.WriteFile(anchor, []byte("{not an anchor"), 0o600); err != nil {
				t.Fatal(err)
			}
			if got := a.auditBroken(ctx); !strings.Contains(got, "anchor cannot be read") {
				t.Fatalf("garbled anchor: auditBroken = %q, want a finding", got)
			}
		})
	}
}
