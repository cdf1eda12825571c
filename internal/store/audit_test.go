package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// auditSQL runs raw SQL against the database behind url, as someone with
// write access to it (not through the store) would; ? placeholders are
// rebound for PostgreSQL.
type auditSQL struct {
	t   *testing.T
	db  *sql.DB
	pg  bool
	url string
}

func newAuditSQL(t *testing.T, url string) *auditSQL {
	t.Helper()
	driver, dsn, pg := "pgx", url, true
	if strings.HasPrefix(url, "sqlite:") {
		driver, dsn, pg = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:"), false
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &auditSQL{t: t, db: db, pg: pg, url: url}
}

func (a *auditSQL) q(query string) string {
	if !a.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (a *auditSQL) exec(query string, args ...any) {
	a.t.Helper()
	if _, err := a.db.Exec(a.q(query), args...); err != nil {
		a.t.Fatalf("%s: %v", query, err)
	}
}

// dropGuards removes the append-only triggers, as the database's owner can.
func (a *auditSQL) dropGuards() {
	a.t.Helper()
	if a.pg {
		a.exec("DROP TRIGGER audit_events_no_change ON audit_events")
		a.exec("DROP TRIGGER audit_checkpoints_no_change ON audit_checkpoints")
		a.exec("DROP TRIGGER audit_head_only_forward ON audit_head")
		a.exec("DROP TRIGGER audit_head_no_delete ON audit_head")
		a.exec("DROP TRIGGER audit_events_no_delete ON audit_events")
		a.exec("DROP TRIGGER audit_floor_only_forward ON audit_floor")
		a.exec("DROP TRIGGER audit_floor_no_delete ON audit_floor")
		return
	}
	for _, tr := range []string{"audit_events_no_update", "audit_events_no_delete", "audit_checkpoints_no_update",
		"audit_checkpoints_no_delete", "audit_head_only_forward", "audit_head_no_delete", "audit_floor_only_forward", "audit_floor_no_delete"} {
		a.exec("DROP TRIGGER " + tr)
	}
}

// appendEvents appends n events, in batches of a transaction each.
func appendEvents(t testing.TB, db *store.DB, n int) {
	t.Helper()
	for done := 0; done < n; {
		batch := min(50, n-done)
		update(t, db, func(tx *store.Tx) error {
			for i := range batch {
				e := &audit.Event{ActorType: audit.ActorOperator, ActorID: "op-" + strconv.Itoa((done+i)%3), Action: audit.ActionLogin,
					Target: "operator:x", Outcome: audit.Success, RequestID: fmt.Sprintf("req-%d", done+i), SourceIP: "192.0.2.7"}
				if i%4 == 0 {
					e.Action, e.Outcome, e.Reason = audit.ActionLoginFailed, audit.Failure, "wrong password"
				}
				if err := tx.AppendAudit(e); err != nil {
					return err
				}
			}
			return nil
		})
		done += batch
	}
}

func verifyAudit(t testing.TB, db *store.DB) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), db, db.DeriveKey(audit.CheckpointKeyPurpose))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func readEvents(t testing.TB, db *store.DB) []*audit.Event {
	t.Helper()
	var out []*audit.Event
	err := db.AuditSnapshot(context.Background(), func(r audit.Reader) error {
		var err error
		out, err = r.AuditEvents(audit.Filter{Limit: 10000})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuditChainIntact(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		if rep := verifyAudit(t, db); rep.Break != nil || rep.Events != 0 {
			t.Errorf("Verify(empty) = %+v, want intact and empty", rep)
		}
		appendEvents(t, db, 230)
		rep := verifyAudit(t, db)
		if rep.Break != nil || rep.LastSeq != 230 || rep.HeadSeq != 230 || rep.Checkpoints != 2 {
			t.Errorf("Verify = %+v (break %v), want 230 intact events, head 230, 2 checkpoints", rep, rep.Break)
		}
		c, ok, err := db.AuditCheckpoint(context.Background())
		if err != nil || !ok || c.Seq != 230 {
			t.Fatalf("AuditCheckpoint() = %+v, %v, %v; want a checkpoint at 230", c, ok, err)
		}
		if rep := verifyAudit(t, db); rep.Break != nil || rep.Checkpoints != 3 {
			t.Errorf("Verify after on-demand checkpoint = %+v, want 3 checkpoints, intact", rep)
		}
		evs := readEvents(t, db)
		if !bytes.Equal(evs[0].PrevHash, audit.Genesis) || evs[0].Seq != 1 {
			t.Errorf("first event = seq %d prev %x, want seq 1 and the zero genesis", evs[0].Seq, evs[0].PrevHash)
		}
		for i := 1; i < len(evs); i++ {
			if !bytes.Equal(evs[i].PrevHash, evs[i-1].Hash) {
				t.Fatalf("event %d does not link to %d", evs[i].Seq, evs[i-1].Seq)
			}
		}
	})
}

func TestAuditIsAppendOnlyInSQL(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		appendEvents(t, db, 3)
		raw := newAuditSQL(t, url)
		for _, q := range []string{"UPDATE audit_events SET reason = 'x' WHERE seq = 2", "DELETE FROM audit_events WHERE seq = 2"} {
			if _, err := raw.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s = %v, want refused as append-only", q, err)
			}
		}
	})
}

func TestAuditTamperingDetected(t *testing.T) {
	type tamper func(t *testing.T, db *store.DB, raw *auditSQL)
	tests := []struct {
		name   string
		n      int
		tamper tamper
		seq    int64
		kind   audit.BreakKind
	}{
		{"edited reason", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("UPDATE audit_events SET reason = 'nothing happened' WHERE seq = 5")
		}, 5, audit.BreakEdited},
		{"edited actor", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 13")
		}, 13, audit.BreakEdited},
		{"edited time", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("UPDATE audit_events SET at = at - 3600000 WHERE seq = 2")
		}, 2, audit.BreakEdited},
		{"deleted", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("DELETE FROM audit_events WHERE seq = 5")
		}, 5, audit.BreakMissing},
		{"deleted first", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("DELETE FROM audit_events WHERE seq = 1")
		}, 1, audit.BreakMissing},
		{"deleted last", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("DELETE FROM audit_events WHERE seq = 20")
		}, 20, audit.BreakTruncated},
		{"deleted last and head moved back", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("DELETE FROM audit_events WHERE seq >= 19")
			raw.exec("UPDATE audit_head SET seq = 18, hash = (SELECT hash FROM audit_events WHERE seq = 18)")
		}, 18, audit.BreakForged},
		{"inserted", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 5")
			raw.exec("UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1005")
			raw.exec(`INSERT INTO audit_events (seq, at, actor_type, actor_id, action, target, outcome, reason, request_id, source_ip, prev_hash, hash)
				VALUES (5, 1, 'operator', 'op-1', 'pii.reveal', 'conversation:x', 'success', 'looked fine', '', '', ?, ?)`,
				bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
		}, 5, audit.BreakLink},
		{"inserted and hashed to fit", 20, func(t *testing.T, db *store.DB, raw *auditSQL) {
			evs := readEvents(t, db)
			raw.exec("UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 5")
			raw.exec("UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1005")
			e := &audit.Event{At: evs[3].At, ActorType: audit.ActorOperator, ActorID: "op-1", Action: audit.ActionPIIReveal, Outcome: audit.Success}
			audit.Link(e, 4, evs[3].Hash)
			raw.exec(`INSERT INTO audit_events (seq, at, actor_type, actor_id, action, target, outcome, reason, request_id, source_ip, prev_hash, hash)
				VALUES (5, ?, 'operator', 'op-1', 'pii.reveal', '', 'success', '', '', '', ?, ?)`, e.At.UnixMilli(), e.PrevHash, e.Hash)
		}, 6, audit.BreakLink}, // event 5 fits; the original, now 6, no longer links
		{"appended without the key", 20, func(t *testing.T, db *store.DB, raw *auditSQL) {
			evs := readEvents(t, db)
			e := &audit.Event{At: evs[19].At, ActorType: audit.ActorSystem, ActorID: "cli", Action: audit.ActionKeysRotate, Outcome: audit.Success}
			audit.Link(e, 20, evs[19].Hash)
			raw.exec(`INSERT INTO audit_events (seq, at, actor_type, actor_id, action, target, outcome, reason, request_id, source_ip, prev_hash, hash)
				VALUES (21, ?, 'system', 'cli', 'keys.rotate', '', 'success', '', '', '', ?, ?)`, e.At.UnixMilli(), e.PrevHash, e.Hash)
		}, 21, audit.BreakUnsealed},
		{"reordered", 20, func(t *testing.T, _ *store.DB, raw *auditSQL) {
			raw.exec("UPDATE audit_events SET seq = 100000 WHERE seq = 5")
			raw.exec("UPDATE audit_events SET seq = 5 WHERE seq = 6")
			raw.exec("UPDATE audit_events SET seq = 6 WHERE seq = 100000")
		}, 5, audit.BreakLink},
		{"rewritten and re-hashed", 250, func(t *testing.T, db *store.DB, raw *auditSQL) {
			rehashFrom(t, db, raw, 150)
		}, 101, audit.BreakRewritten},
		{"rewritten, re-hashed, checkpoint forged", 250, func(t *testing.T, db *store.DB, raw *auditSQL) {
			rehashFrom(t, db, raw, 150)
			raw.exec("UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_events WHERE seq = 200) WHERE seq = 200")
		}, 200, audit.BreakForged},
		{"rewritten after the last checkpoint, head re-hashed", 250, func(t *testing.T, db *store.DB, raw *auditSQL) {
			rehashFrom(t, db, raw, 230)
			raw.exec("UPDATE audit_head SET hash = (SELECT hash FROM audit_events WHERE seq = 250)")
		}, 250, audit.BreakForged},
		{"rewritten after the last checkpoint, head left", 250, func(t *testing.T, db *store.DB, raw *auditSQL) {
			rehashFrom(t, db, raw, 230)
		}, 201, audit.BreakRewritten},
	}
	for _, b := range storetest.Backends(t) {
		for _, tt := range tests {
			t.Run(b.Name+"/"+tt.name, func(t *testing.T) {
				url, _ := b.New(t)
				db := open(t, url, newKey(t))
				appendEvents(t, db, tt.n)
				raw := newAuditSQL(t, url)
				raw.dropGuards()
				tt.tamper(t, db, raw)
				rep := verifyAudit(t, db)
				if rep.Break == nil || rep.Break.Seq != tt.seq || rep.Break.Kind != tt.kind {
					t.Errorf("Verify after %s = break %v, want seq %d (%s)", tt.name, rep.Break, tt.seq, tt.kind)
				}
			})
		}
	}
}

// rehashFrom edits event seq and recomputes the chain from there on, as
// someone with the database but not the audit key would.
func rehashFrom(t *testing.T, db *store.DB, raw *auditSQL, seq int64) {
	t.Helper()
	evs := readEvents(t, db)
	evs[seq-1].Reason = "rewritten"
	for i := seq - 1; i < int64(len(evs)); i++ {
		audit.Link(evs[i], evs[i-1].Seq, evs[i-1].Hash)
		raw.exec("UPDATE audit_events SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?", evs[i].Reason, evs[i].PrevHash, evs[i].Hash, evs[i].Seq)
	}
}

func TestAuditCommitsWithItsAction(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		appendEvents(t, db, 2)
		failed := errors.New("the action failed")
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			if err := tx.AppendAudit(&audit.Event{ActorType: audit.ActorSystem, Action: "x.y", Outcome: audit.Success}); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("Update = %v, want the action's error", err)
		}
		if err := db.Audit(context.Background(), &audit.Event{ActorType: audit.ActorSystem, Action: "x.z", Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
		rep := verifyAudit(t, db)
		if rep.Break != nil || rep.LastSeq != 3 {
			t.Errorf("Verify = %+v (break %v), want 3 intact events: the rolled-back one left no trace", rep, rep.Break)
		}
		// An invalid event fails the append: the caller's action must fail.
		err = db.Audit(context.Background(), &audit.Event{ActorType: audit.ActorOperator, Action: "pii.reveal", Target: "+34612345678", Outcome: audit.Success})
		if !errors.Is(err, audit.ErrInvalid) {
			t.Errorf("Audit(phone number as target) = %v, want ErrInvalid", err)
		}
	})
}

func TestAuditConcurrentReplicasKeepOneChain(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		key := newKey(t)
		replicas := []*store.DB{open(t, url, key), open(t, url, key)}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 8 {
			db := replicas[g%2]
			wg.Go(func() {
				for i := range 10 {
					e := &audit.Event{ActorType: audit.ActorOperator, ActorID: fmt.Sprintf("op-%d", g), Action: audit.ActionLogin,
						Outcome: audit.Success, RequestID: fmt.Sprintf("%d-%d", g, i)}
					if err := db.Audit(context.Background(), e); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Audit: %v", err)
		}
		rep := verifyAudit(t, replicas[0])
		if rep.Break != nil || rep.LastSeq != 80 {
			t.Errorf("Verify = %+v (break %v), want 80 intact events", rep, rep.Break)
		}
	})
}

func TestAuditFilterAndExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		clock := now
		db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(t), Now: func() time.Time { return clock }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		appendEvents(t, db, 40)
		clock = now.Add(time.Hour)
		appendEvents(t, db, 10)
		err = db.AuditSnapshot(context.Background(), func(r audit.Reader) error {
			failed, err := r.AuditEvents(audit.Filter{Action: audit.ActionLoginFailed, Limit: 1000})
			if err != nil {
				return err
			}
			if len(failed) != 13 {
				t.Errorf("AuditEvents(action=login_failed) = %d events, want 13", len(failed))
			}
			byActor, err := r.AuditEvents(audit.Filter{ActorID: "op-1", AfterSeq: 10, Limit: 1000})
			if err != nil {
				return err
			}
			for _, e := range byActor {
				if e.ActorID != "op-1" || e.Seq <= 10 {
					t.Errorf("AuditEvents(actor op-1, after 10) returned seq %d by %s", e.Seq, e.ActorID)
				}
			}
			late, err := r.AuditEvents(audit.Filter{Since: now.Add(time.Minute), Limit: 1000})
			if err != nil {
				return err
			}
			if len(late) != 10 || !late[0].At.Equal(now.Add(time.Hour)) {
				t.Errorf("AuditEvents(since) = %d events, want the 10 from an hour later", len(late))
			}
			page, err := r.AuditEvents(audit.Filter{Limit: 7})
			if err != nil {
				return err
			}
			if len(page) != 7 || page[6].Seq != 7 {
				t.Errorf("AuditEvents(limit 7) = %d events, want seq 1..7", len(page))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := audit.Export(context.Background(), db, &buf, audit.Filter{})
		if err != nil || n != 50 {
			t.Fatalf("Export = %d, %v; want 50", n, err)
		}
		rep, err := audit.VerifyExport(&buf)
		if err != nil || rep.Break != nil || rep.LastSeq != 50 {
			t.Errorf("VerifyExport = %+v, %v; want 50 intact", rep, err)
		}
	})
}

// TestAuditRetention: PruneAudit removes the oldest events in batches below
// a keyed floor, never the newest; the log still verifies from the floor;
// the schema refuses to delete above the floor, and a floor moved by SQL
// (without the audit key) is reported as forged.
func TestAuditRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		ctx := context.Background()
		db := open(t, url, newKey(t))
		appendEvents(t, db, 120)
		time.Sleep(5 * time.Millisecond)
		cut := time.Now()
		time.Sleep(5 * time.Millisecond)
		appendEvents(t, db, 130)
		if n, err := db.ExpiredAudit(ctx, cut); err != nil || n != 120 {
			t.Fatalf("ExpiredAudit = %d, %v; want 120", n, err)
		}
		var batches []int64
		for {
			n, err := db.PruneAudit(ctx, cut, 50)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			batches = append(batches, n)
		}
		if fmt.Sprint(batches) != "[50 50 20]" {
			t.Errorf("PruneAudit batches = %v, want [50 50 20]", batches)
		}
		rep := verifyAudit(t, db)
		if rep.Break != nil || rep.FloorSeq != 120 || rep.Events != 130 || rep.LastSeq != 250 {
			t.Errorf("Verify after retention = %+v (break %v), want floor 120, events 121..250 intact", rep, rep.Break)
		}
		if evs := readEvents(t, db); len(evs) != 130 || evs[0].Seq != 121 {
			t.Errorf("events left = %d from %d, want 130 from 121", len(evs), evs[0].Seq)
		}
		// Everything older than a cut after the last event: all but the
		// newest go, so the head keeps its event.
		if _, err := db.PruneAudit(ctx, time.Now().Add(time.Hour), 1000); err != nil {
			t.Fatal(err)
		}
		if rep := verifyAudit(t, db); rep.Break != nil || rep.FloorSeq != 249 || rep.Events != 1 {
			t.Errorf("Verify after pruning all = %+v (break %v), want floor 249 and the newest event", rep, rep.Break)
		}
		appendEvents(t, db, 60)
		raw := newAuditSQL(t, url)
		if _, err := raw.db.Exec(raw.q("DELETE FROM audit_events WHERE seq = 260")); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("deleting an event above the floor = %v, want refused", err)
		}
		if _, err := raw.db.Exec(raw.q("UPDATE audit_floor SET seq = 100")); err == nil || !strings.Contains(err.Error(), "only moves forward") {
			t.Errorf("moving the floor back = %v, want refused", err)
		}
		// Someone with the database but not the key moves the floor
		// forward (the schema allows it) and deletes what it now covers.
		raw.exec("UPDATE audit_floor SET seq = 270, hash = (SELECT hash FROM audit_events WHERE seq = 270)")
		raw.exec("DELETE FROM audit_events WHERE seq <= 270")
		if rep := verifyAudit(t, db); rep.Break == nil || rep.Break.Kind != audit.BreakForged || rep.Break.Seq != 270 {
			t.Errorf("Verify after a floor moved without the key = break %v, want forged at 270", rep.Break)
		}
		if missing, err := db.AuditGuardsMissing(ctx); err != nil || len(missing) != 0 {
			t.Errorf("AuditGuardsMissing = %v, %v", missing, err)
		}
	})
}
