package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store/storetest"
)

// serve runs `trement serve -dev` on free ports until it is ready (then
// stops it) or fails, and returns the error and what it logged.
func (c *cliEnv) serve() (string, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The server logs from several goroutines: a synchronised buffer.
	var errOut syncBuffer
	env := c.env("", io.Discard, &errOut)
	env.Ready = func(string) { cancel() }
	err := run(ctx, []string{"serve", "-dev", "-listen", "127.0.0.1:0", "-sim-listen", "127.0.0.1:0",
		"-database-url", c.url, "-data-dir", c.dir, "-log-level", "warn"}, env)
	return errOut.String(), err
}

func dropAuditGuards(t *testing.T, url string) {
	t.Helper()
	raw := cliRawDB(t, url)
	if strings.HasPrefix(url, "sqlite:") {
		for _, tr := range []string{"audit_events_no_update", "audit_events_no_delete", "audit_checkpoints_no_update",
			"audit_checkpoints_no_delete", "audit_head_only_forward", "audit_head_no_delete", "audit_floor_only_forward", "audit_floor_no_delete"} {
			mustExec(t, raw, "DROP TRIGGER "+tr)
		}
		return
	}
	mustExec(t, raw, "DROP TRIGGER audit_events_no_change ON audit_events")
	mustExec(t, raw, "DROP TRIGGER audit_checkpoints_no_change ON audit_checkpoints")
	mustExec(t, raw, "DROP TRIGGER audit_head_only_forward ON audit_head")
	mustExec(t, raw, "DROP TRIGGER audit_head_no_delete ON audit_head")
	mustExec(t, raw, "DROP TRIGGER audit_events_no_delete ON audit_events")
	mustExec(t, raw, "DROP TRIGGER audit_floor_only_forward ON audit_floor")
	mustExec(t, raw, "DROP TRIGGER audit_floor_no_delete ON audit_floor")
}

// TestAuditAnchorCatchesAnEmptiedLog replays issue 9 item 1 end to end:
// the three audit tables are emptied by someone who owns the database.
// `audit verify` used to say "intact: 0 events" and the server started.
func TestAuditAnchorCatchesAnEmptiedLog(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			c := newCLIEnv(t, url)
			anchor := filepath.Join(t.TempDir(), "audit-anchor.json")
			c.vars["TREMENT_AUDIT_ANCHOR_FILE"] = anchor
			if _, err := c.serve(); err != nil { // a first run anchors the head
				t.Fatalf("first serve: %v", err)
			}
			c.appendLogins(12)
			if _, err := c.serve(); err != nil {
				t.Fatalf("second serve: %v", err)
			}
			a, ok, err := audit.ReadAnchorFile(anchor)
			if err != nil || !ok || a.Seq < 12 {
				t.Fatalf("anchor after serving = %+v, %v, %v; want the head written", a, ok, err)
			}
			if fi, err := os.Stat(anchor); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("anchor file mode = %v, %v; want 0600", fi.Mode(), err)
			}
			out, _, err := c.run("", "audit", "verify", "-anchor", anchor)
			if err != nil || !strings.Contains(out, "reaches its anchor") {
				t.Fatalf("verify = %q, %v", out, err)
			}

			dropAuditGuards(t, url)
			raw := cliRawDB(t, url)
			for _, tb := range []string{"audit_events", "audit_checkpoints", "audit_head"} {
				mustExec(t, raw, "DELETE FROM "+tb)
			}
			out, _, err = c.run("", "audit", "verify", "-anchor", anchor)
			if err == nil || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "(truncated)") {
				t.Errorf("verify -anchor on an emptied log = %q, %v; want broken (truncated)", out, err)
			}
			logged, err := c.serve()
			if err == nil || !strings.Contains(err.Error(), "refusing to start") || !strings.Contains(err.Error(), "anchor") || !strings.Contains(err.Error(), "triggers") {
				t.Errorf("serve on an emptied, unguarded log = %v (%s); want a refusal naming the anchor and the triggers", err, logged)
			}
			if a2, _, _ := audit.ReadAnchorFile(anchor); a2.Seq != a.Seq {
				t.Errorf("anchor moved to %d after the refusal, want it kept at %d", a2.Seq, a.Seq)
			}
		})
	}
}

// TestServeRefusesWithoutAuditTriggers: dropping the append-only triggers
// stops trement from starting, or with AUDIT_ON_TAMPER=alert starts it
// with an ALERT and an audit event.
func TestServeRefusesWithoutAuditTriggers(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			c := newCLIEnv(t, url)
			if _, err := c.serve(); err != nil {
				t.Fatalf("serve: %v", err)
			}
			dropAuditGuards(t, url)
			if _, err := c.serve(); err == nil || !strings.Contains(err.Error(), "append-only triggers") {
				t.Errorf("serve without the triggers = %v, want a refusal", err)
			}
			if out, _, err := c.run("", "audit", "verify"); err == nil || !strings.Contains(out, "UNGUARDED") {
				t.Errorf("verify without the triggers = %q, %v; want it to fail", out, err)
			}
			c.vars["TREMENT_AUDIT_ON_TAMPER"] = "alert"
			logged, err := c.serve()
			if err != nil || !strings.Contains(logged, "ALERT") {
				t.Fatalf("serve with AUDIT_ON_TAMPER=alert = %v, log %q; want started with an ALERT", err, logged)
			}
			db := c.open()
			defer db.Close()
			var found bool
			db.AuditSnapshot(context.Background(), func(r audit.Reader) error {
				evs, err := r.AuditEvents(audit.Filter{Action: ActionAuditTamper, Limit: 10})
				found = err == nil && len(evs) > 0 && strings.Contains(evs[0].Reason, "triggers")
				return err
			})
			if !found {
				t.Error("no audit.tamper_detected event after starting on an unguarded log")
			}
		})
	}
}
