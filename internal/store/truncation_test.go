package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// The attacks of issue 9 item 1, by someone with write access to the
// database but not the audit key. Each used to leave `audit verify`
// reporting an intact log.

func headNow(t *testing.T, db *store.DB) audit.Checkpoint {
	t.Helper()
	var head audit.Checkpoint
	err := db.AuditSnapshot(context.Background(), func(r audit.Reader) error {
		var err error
		head, _, err = r.AuditHead()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return head
}

func verifyAnchored(t *testing.T, db *store.DB, a audit.Checkpoint) *audit.Report {
	t.Helper()
	rep, err := audit.VerifyAnchored(context.Background(), db, db.DeriveKey(audit.CheckpointKeyPurpose), &a)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAuditTruncationDetected(t *testing.T) {
	tests := []struct {
		name string
		// tamper cuts the log (250 events, guards dropped); anchor is the
		// head before it.
		tamper func(t *testing.T, db *store.DB, raw *auditSQL)
		// plain is the break Verify reports without an anchor (empty:
		// none; that attack needs the anchor), anchored the one with it.
		plain, anchored audit.BreakKind
		seq             int64
	}{
		{"events past 200 deleted, checkpoint 200 copied into the head", func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("DELETE FROM audit_events WHERE seq > 200")
			raw.exec("UPDATE audit_head SET seq = 200, hash = (SELECT hash FROM audit_checkpoints WHERE seq = 200), mac = (SELECT mac FROM audit_checkpoints WHERE seq = 200)")
		}, audit.BreakForged, audit.BreakTruncated, 201},
		{"all three audit tables emptied", func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("DELETE FROM audit_events")
			raw.exec("DELETE FROM audit_checkpoints")
			raw.exec("DELETE FROM audit_head")
		}, "", audit.BreakTruncated, 1},
		{"cut back to an older genuine head (a backup's)", func(t *testing.T, db *store.DB, raw *auditSQL) {
			key := db.DeriveKey(audit.CheckpointKeyPurpose)
			ev := readEvents(t, db)[119]
			old := audit.NewHead(key, ev.Seq, ev.Hash, ev.At)
			raw.exec("DELETE FROM audit_events WHERE seq > 120")
			raw.exec("DELETE FROM audit_checkpoints WHERE seq > 120")
			raw.exec("UPDATE audit_head SET seq = ?, hash = ?, mac = ?", old.Seq, old.Hash, old.MAC)
		}, "", audit.BreakTruncated, 121},
	}
	for _, b := range storetest.Backends(t) {
		for _, tt := range tests {
			t.Run(b.Name+"/"+tt.name, func(t *testing.T) {
				url, _ := b.New(t)
				db := open(t, url, newKey(t))
				appendEvents(t, db, 250)
				anchor := headNow(t, db)
				raw := newAuditSQL(t, url)
				raw.dropGuards()
				tt.tamper(t, db, raw)
				rep := verifyAudit(t, db)
				switch {
				case tt.plain == "" && rep.Break != nil:
					t.Errorf("Verify = %v, want the attack invisible without an anchor (the test is wrong)", rep.Break)
				case tt.plain != "" && (rep.Break == nil || rep.Break.Kind != tt.plain):
					t.Errorf("Verify = %+v (break %v), want %s", rep, rep.Break, tt.plain)
				}
				rep = verifyAnchored(t, db, anchor)
				if rep.Break == nil || rep.Break.Kind != tt.anchored || rep.Break.Seq != tt.seq {
					t.Errorf("VerifyAnchored = %+v (break %v), want %s at %d", rep, rep.Break, tt.anchored, tt.seq)
				}
				brk, err := audit.CheckAnchor(context.Background(), db, db.DeriveKey(audit.CheckpointKeyPurpose), anchor)
				if err != nil || brk == nil {
					t.Errorf("CheckAnchor = %v, %v; want a break", brk, err)
				}
				if missing, err := db.AuditGuardsMissing(context.Background()); err != nil || len(missing) == 0 {
					t.Errorf("AuditGuardsMissing after dropping them = %v, %v; want them named", missing, err)
				}
			})
		}
	}
}

// TestAuditTablesRefuseTruncation: with the guards in place none of those
// attacks gets through ordinary SQL.
func TestAuditTablesRefuseTruncation(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		appendEvents(t, db, 120)
		if missing, err := db.AuditGuardsMissing(context.Background()); err != nil || len(missing) != 0 {
			t.Fatalf("AuditGuardsMissing = %v, %v; want none", missing, err)
		}
		raw := newAuditSQL(t, url)
		for _, q := range []string{
			"DELETE FROM audit_events WHERE seq > 100",
			"DELETE FROM audit_checkpoints",
			"UPDATE audit_checkpoints SET seq = 120",
			"DELETE FROM audit_head",
			"UPDATE audit_head SET seq = 100, hash = (SELECT hash FROM audit_checkpoints WHERE seq = 100)",
			"UPDATE audit_head SET hash = (SELECT hash FROM audit_checkpoints WHERE seq = 100)",
		} {
			if _, err := raw.db.Exec(q); err == nil || !(strings.Contains(err.Error(), "append-only") || strings.Contains(err.Error(), "only moves forward")) {
				t.Errorf("%s = %v, want refused", q, err)
			}
		}
		if raw.pg {
			for _, q := range []string{"TRUNCATE audit_checkpoints", "TRUNCATE audit_head", "TRUNCATE audit_events"} {
				if _, err := raw.db.Exec(q); err == nil {
					t.Errorf("%s succeeded, want refused", q)
				}
			}
		}
		// The head still moves forward.
		appendEvents(t, db, 1)
		if rep := verifyAudit(t, db); rep.Break != nil || rep.HeadSeq != 121 {
			t.Errorf("Verify = %+v (break %v)", rep, rep.Break)
		}
	})
}

// TestAuditGuardsMissing: a dropped, disabled or defanged trigger is named.
func TestAuditGuardsMissing(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		raw := newAuditSQL(t, url)
		var want []string
		if raw.pg {
			raw.exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
			raw.exec(`CREATE OR REPLACE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$`)
			raw.exec("DROP TRIGGER audit_head_no_delete ON audit_head")
			want = []string{"audit_checkpoints_no_change", "audit_events_no_change", "audit_head_no_delete"}
		} else {
			raw.exec("DROP TRIGGER audit_events_no_delete")
			raw.exec("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT 1; END")
			raw.exec("DROP TRIGGER audit_head_no_delete")
			want = []string{"audit_events_no_delete", "audit_head_no_delete"}
		}
		missing, err := db.AuditGuardsMissing(context.Background())
		if err != nil || !slices.Equal(missing, want) {
			t.Errorf("AuditGuardsMissing = %v, %v; want %v", missing, err, want)
		}
	})
}

// TestAuditHeadResealedOnUpgrade: a head sealed before heads had a MAC
// domain of their own (a checkpoint's MAC) is re-sealed once, by the Open
// that applies the migration bringing the domain, and verifies after.
func TestAuditHeadResealedOnUpgrade(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		k := newKey(t)
		db := open(t, url, k)
		appendEvents(t, db, 7)
		key := db.DeriveKey(audit.CheckpointKeyPurpose)
		head := headNow(t, db)
		db.Close()
		// Put the database back as it was before migration 5.
		raw := newAuditSQL(t, url)
		raw.dropGuards()
		if raw.pg {
			raw.exec("DROP FUNCTION audit_checkpoints_append_only()")
			raw.exec("DROP FUNCTION audit_head_forward()")
		}
		raw.exec("DELETE FROM schema_migrations WHERE version = 5")
		raw.exec("UPDATE audit_head SET mac = ?", audit.MAC(key, head.Seq, head.Hash))
		db = open(t, url, k)
		if rep := verifyAudit(t, db); rep.Break != nil || rep.HeadSeq != 7 {
			t.Errorf("Verify after the upgrade = %+v (break %v), want intact", rep, rep.Break)
		}
		// Later opens do not re-seal: a checkpoint-sealed head stays forged.
		db.Close()
		raw.exec("DROP TRIGGER audit_head_only_forward" + map[bool]string{true: " ON audit_head", false: ""}[raw.pg])
		raw.exec("UPDATE audit_head SET mac = ?", audit.MAC(key, head.Seq, head.Hash))
		db = open(t, url, k)
		if rep := verifyAudit(t, db); rep.Break == nil || rep.Break.Kind != audit.BreakForged {
			t.Errorf("Verify of a checkpoint-sealed head on a later open = %v, want forged", rep.Break)
		}
	})
}
