package main

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store/storetest"
)

func TestAuditVerifyAndExport(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			c := newCLIEnv(t, url)
			if out, _, err := c.run("", "audit", "checkpoint"); err != nil || !strings.Contains(out, "empty") {
				t.Errorf("checkpoint of an empty log = %q, %v", out, err)
			}
			c.appendLogins(12)

			out, _, err := c.run("", "audit", "verify")
			if err != nil || !strings.Contains(out, "audit log intact: 12 events") {
				t.Fatalf("verify = %q, %v", out, err)
			}
			if out, _, err := c.run("", "audit", "checkpoint"); err != nil || !strings.Contains(out, "checkpoint sealed at seq 12") {
				t.Errorf("checkpoint = %q, %v", out, err)
			}
			out, errOut, err := c.run("", "audit", "export")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 13 || !strings.Contains(lines[12], `"action":"audit.export"`) || !strings.Contains(errOut, "exported 13 audit events") {
				t.Errorf("export = %d lines (last %s), stderr %q; want 12 events and the export's own record", len(lines), lines[len(lines)-1], errOut)
			}
			if rep, err := audit.VerifyExport(strings.NewReader(out)); err != nil || rep.Break != nil {
				t.Errorf("VerifyExport(export) = %+v, %v", rep, err)
			}
			if out, _, _ := c.run("", "audit", "export", "-after", "10", "-action", "auth.login"); strings.Count(out, "\n") != 2 {
				t.Errorf("export -after 10 -action auth.login = %q, want events 11 and 12", out)
			}

			// Someone edits event 3 behind trement's back.
			raw := cliRawDB(t, url)
			if strings.HasPrefix(url, "sqlite:") {
				mustExec(t, raw, "DROP TRIGGER audit_events_no_update")
				mustExec(t, raw, "UPDATE audit_events SET actor_id = 'op-2' WHERE seq = 3")
			} else {
				mustExec(t, raw, "DROP TRIGGER audit_events_no_change ON audit_events")
				mustExec(t, raw, "UPDATE audit_events SET actor_id = 'op-2' WHERE seq = 3")
			}
			out, _, err = c.run("", "audit", "verify")
			if err == nil || !strings.Contains(err.Error(), "seq 3") || !strings.Contains(out, "first broken link at seq 3 (edited)") {
				t.Errorf("verify after an edit = %q, %v; want a failure naming seq 3", out, err)
			}
		})
	}
}

func cliRawDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if strings.HasPrefix(url, "sqlite:") {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
