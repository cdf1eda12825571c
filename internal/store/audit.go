package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
)

var (
	_ audit.Appender = (*Tx)(nil)
	_ audit.Reader   = (*Tx)(nil)
	_ audit.Store    = (*DB)(nil)
)

// lockAudit takes the chain for the rest of the transaction. SQLite needs
// nothing: its one writer connection already serialises writes.
func (t *Tx) lockAudit() error {
	if t.db.backend != Postgres {
		return nil
	}
	if _, err := t.exec("SELECT pg_advisory_xact_lock(?)", t.db.lockKey(lockAudit)); err != nil {
		return fmt.Errorf("store: lock audit chain: %w", err)
	}
	return nil
}

func (t *Tx) auditHead() (seq int64, hash []byte, err error) {
	err = t.queryRow("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, audit.Genesis, nil
	}
	return seq, hash, err
}

// AppendAudit appends e to the audit log within t, so the action and its
// record commit together or not at all; it sets e.Seq, e.At (the
// transaction's time), e.PrevHash and e.Hash. On PostgreSQL it takes an
// advisory lock held to commit, so concurrent replicas keep one chain. It
// also moves the sealed head and, every audit.CheckpointEvery events, writes
// a checkpoint. An error means nothing was recorded: the caller must fail
// its action (audit fails closed).
func (t *Tx) AppendAudit(e *audit.Event) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	if err := t.lockAudit(); err != nil {
		return err
	}
	seq, prev, err := t.auditHead()
	if err != nil {
		return fmt.Errorf("store: append audit: read head: %w", err)
	}
	e.At = t.Now
	audit.Link(e, seq, prev)
	_, err = t.exec(`INSERT INTO audit_events (seq, at, actor_type, actor_id, action, target, outcome, reason, request_id, source_ip, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, ms(e.At), string(e.ActorType), e.ActorID, e.Action, e.Target, string(e.Outcome), e.Reason, e.RequestID, e.SourceIP, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	key := t.db.DeriveKey(audit.CheckpointKeyPurpose)
	head := audit.NewHead(key, e.Seq, e.Hash, t.Now)
	_, err = t.exec(`INSERT INTO audit_head (id, seq, hash, mac, updated_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac, updated_at = excluded.updated_at`,
		head.Seq, head.Hash, head.MAC, ms(t.Now))
	if err != nil {
		return fmt.Errorf("store: append audit: seal head: %w", err)
	}
	if e.Seq%audit.CheckpointEvery == 0 {
		if err := t.putCheckpoint(audit.NewCheckpoint(key, e.Seq, e.Hash, t.Now)); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) putCheckpoint(c audit.Checkpoint) error {
	_, err := t.exec("INSERT INTO audit_checkpoints (seq, hash, mac, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING",
		c.Seq, c.Hash, c.MAC, ms(c.At))
	if err != nil {
		return fmt.Errorf("store: audit checkpoint: %w", err)
	}
	return nil
}

// Audit appends e in a transaction of its own, for events with no other
// write to join (a denial, a failed sign-in). An error means nothing was
// recorded.
func (db *DB) Audit(ctx context.Context, e *audit.Event) error {
	return db.Update(ctx, func(t *Tx) error { return t.AppendAudit(e) })
}

// AuditCheckpoint seals the current head as a checkpoint now (on demand,
// besides the automatic ones) and returns it; ok is false if the log is
// empty.
func (db *DB) AuditCheckpoint(ctx context.Context) (c audit.Checkpoint, ok bool, err error) {
	err = db.Update(ctx, func(t *Tx) error {
		if err := t.lockAudit(); err != nil {
			return err
		}
		seq, hash, err := t.auditHead()
		if err != nil || seq == 0 {
			return err
		}
		c, ok = audit.NewCheckpoint(db.DeriveKey(audit.CheckpointKeyPurpose), seq, hash, t.Now), true
		return t.putCheckpoint(c)
	})
	return c, ok, err
}

// AuditSnapshot runs fn over one consistent, read-only view of the log
// (REPEATABLE READ on PostgreSQL; a read transaction on SQLite, which WAL
// keeps at one snapshot). What it shows is durable: the events of relaxed
// commits are made so first (Sync), since a head read here may be anchored
// outside the database, and a head a power cut then took back would read as
// events removed.
func (db *DB) AuditSnapshot(ctx context.Context, fn func(audit.Reader) error) error {
	if err := db.Sync(ctx); err != nil {
		return err
	}
	var opts *sql.TxOptions
	if db.backend == Postgres {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return db.run(ctx, db.r, opts, func(t *Tx) error { return fn(t) })
}

const auditCols = "seq, at, actor_type, actor_id, action, target, outcome, reason, request_id, source_ip, prev_hash, hash"

// AuditEvents returns the events f selects, in seq order.
func (t *Tx) AuditEvents(f audit.Filter) ([]*audit.Event, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 10000)
	// The conditions are literals chosen by which filters are set, so the
	// query text stays one of a few (the rebind cache stays small).
	where, args := "seq > ?", []any{f.AfterSeq}
	if f.Action != "" {
		where, args = where+" AND action = ?", append(args, f.Action)
	}
	if f.ActorID != "" {
		where, args = where+" AND actor_id = ?", append(args, f.ActorID)
	}
	if !f.Since.IsZero() {
		where, args = where+" AND at >= ?", append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = where+" AND at < ?", append(args, ms(f.Until))
	}
	rows, err := t.query("SELECT "+auditCols+" FROM audit_events WHERE "+where+" ORDER BY seq LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	return scanAuditEvents(rows, "audit events")
}

// scanAuditEvents reads rows of auditCols and closes them; op names the
// caller in errors.
func scanAuditEvents(rows *sql.Rows, op string) ([]*audit.Event, error) {
	defer rows.Close()
	var out []*audit.Event
	for rows.Next() {
		var e audit.Event
		var at int64
		var actorType, outcome string
		if err := rows.Scan(&e.Seq, &at, &actorType, &e.ActorID, &e.Action, &e.Target, &outcome, &e.Reason, &e.RequestID, &e.SourceIP, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("store: %s: %w", op, err)
		}
		e.At, e.ActorType, e.Outcome = fromMS(at), audit.ActorType(actorType), audit.Outcome(outcome)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// AuditCheckpoints returns every checkpoint, in seq order.
func (t *Tx) AuditCheckpoints() ([]audit.Checkpoint, error) {
	rows, err := t.query("SELECT seq, hash, mac, created_at FROM audit_checkpoints ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("store: audit checkpoints: %w", err)
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var c audit.Checkpoint
		var at int64
		if err := rows.Scan(&c.Seq, &c.Hash, &c.MAC, &at); err != nil {
			return nil, fmt.Errorf("store: audit checkpoints: %w", err)
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AuditHead returns the sealed head; ok is false if nothing was appended.
func (t *Tx) AuditHead() (audit.Checkpoint, bool, error) {
	var c audit.Checkpoint
	var at int64
	err := t.queryRow("SELECT seq, hash, mac, updated_at FROM audit_head WHERE id = 1").Scan(&c.Seq, &c.Hash, &c.MAC, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Checkpoint{}, false, nil
	}
	if err != nil {
		return audit.Checkpoint{}, false, fmt.Errorf("store: audit head: %w", err)
	}
	c.At = fromMS(at)
	return c, true, nil
}

// AuditFloor returns the sealed floor (the last event the audit retention
// removed); ok is false if none was removed.
func (t *Tx) AuditFloor() (audit.Checkpoint, bool, error) {
	var c audit.Checkpoint
	var at int64
	err := t.queryRow("SELECT seq, hash, mac, updated_at FROM audit_floor WHERE id = 1").Scan(&c.Seq, &c.Hash, &c.MAC, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Checkpoint{}, false, nil
	}
	if err != nil {
		return audit.Checkpoint{}, false, fmt.Errorf("store: audit floor: %w", err)
	}
	c.At = fromMS(at)
	return c, true, nil
}

// ExpiredAudit counts the audit events PruneAudit would remove for
// before: those older than it, never the newest.
func (db *DB) ExpiredAudit(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.View(ctx, func(t *Tx) error {
		return t.queryRow("SELECT COUNT(*) FROM audit_events WHERE at < ? AND seq < (SELECT COALESCE(MAX(seq), 0) FROM audit_events)", ms(before)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: expired audit events: %w", err)
	}
	return n, nil
}

// PruneAudit removes up to limit of the oldest audit events older than
// before, in one transaction, and returns how many it removed (zero: none
// is left to remove). It never removes the newest event, so the head
// always has its event. The floor, a keyed seal of the last event removed,
// moves first: the schema refuses to delete an event above it, and Verify
// starts the chain from it.
func (db *DB) PruneAudit(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	err := db.Update(ctx, func(t *Tx) error {
		if err := t.lockAudit(); err != nil {
			return err
		}
		head, _, err := t.auditHead()
		if err != nil {
			return err
		}
		var from int64
		if f, ok, err := t.AuditFloor(); err != nil {
			return err
		} else if ok {
			from = f.Seq
		}
		var upTo int64
		if err := t.queryRow("SELECT COALESCE(MAX(seq), 0) FROM audit_events WHERE at < ? AND seq < ?", ms(before), head).Scan(&upTo); err != nil {
			return err
		}
		upTo = min(upTo, from+int64(limit))
		if upTo <= from {
			return nil
		}
		var hash []byte
		if err := t.queryRow("SELECT hash FROM audit_events WHERE seq = ?", upTo).Scan(&hash); err != nil {
			return fmt.Errorf("event %d: %w", upTo, err)
		}
		f := audit.NewFloor(db.DeriveKey(audit.CheckpointKeyPurpose), upTo, hash, t.Now)
		if _, err := t.exec(`INSERT INTO audit_floor (id, seq, hash, mac, updated_at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac, updated_at = excluded.updated_at`,
			f.Seq, f.Hash, f.MAC, ms(t.Now)); err != nil {
			return fmt.Errorf("seal floor: %w", err)
		}
		res, err := t.exec("DELETE FROM audit_events WHERE seq <= ?", upTo)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune audit: %w", err)
	}
	return n, nil
}

func (s retentionStore) ExpiredAudit(ctx context.Context, before time.Time) (int64, error) {
	return s.db.ExpiredAudit(ctx, before)
}

func (s retentionStore) PruneAudit(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.db.PruneAudit(ctx, before, limit)
}

// auditGuards are the triggers that keep the audit tables append-only (the
// head may only move forward), with a fragment of their definition that
// must still be there: a trigger replaced by one that does nothing is as
// good as dropped.
var auditGuards = map[string]map[string]string{
	SQLite: {
		"audit_events_no_update":      "RAISE(ABORT",
		"audit_events_no_delete":      "RAISE(ABORT",
		"audit_checkpoints_no_update": "RAISE(ABORT",
		"audit_checkpoints_no_delete": "RAISE(ABORT",
		"audit_head_only_forward":     "RAISE(ABORT",
		"audit_head_no_delete":        "RAISE(ABORT",
		"audit_floor_only_forward":    "RAISE(ABORT",
		"audit_floor_no_delete":       "RAISE(ABORT",
	},
	Postgres: {
		"audit_events_no_change":      "RAISE EXCEPTION",
		"audit_checkpoints_no_change": "RAISE EXCEPTION",
		"audit_head_only_forward":     "RAISE EXCEPTION",
		"audit_head_no_delete":        "RAISE EXCEPTION",
		"audit_events_no_delete":      "RAISE EXCEPTION",
		"audit_floor_only_forward":    "RAISE EXCEPTION",
		"audit_floor_no_delete":       "RAISE EXCEPTION",
	},
}

// AuditGuardsMissing names the append-only triggers of the audit tables
// that are gone, disabled or no longer refuse anything (someone who owns
// the database can do that); empty means all are in place. trement refuses
// to start (or alerts, AUDIT_ON_TAMPER) when any is missing.
func (db *DB) AuditGuardsMissing(ctx context.Context) ([]string, error) {
	want := auditGuards[db.backend]
	have := map[string]bool{}
	var q string
	if db.backend == Postgres {
		// Enabled (not 'D') triggers on tables of the current schema, and
		// the body of the function each one runs.
		q = `SELECT tg.tgname, p.prosrc FROM pg_trigger tg
			JOIN pg_proc p ON p.oid = tg.tgfoid
			WHERE tg.tgrelid IN (to_regclass('audit_events'), to_regclass('audit_checkpoints'), to_regclass('audit_head'), to_regclass('audit_floor'))
			AND NOT tg.tgisinternal AND tg.tgenabled <> 'D'`
	} else {
		q = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_events', 'audit_checkpoints', 'audit_head', 'audit_floor')"
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: audit guards: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, fmt.Errorf("store: audit guards: %w", err)
		}
		if frag, ok := want[name]; ok && strings.Contains(def, frag) {
			have[name] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit guards: %w", err)
	}
	var missing []string
	for name := range want {
		if !have[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return missing, nil
}

// resealHead re-seals a head written before heads had a MAC domain of
// their own (its MAC is a checkpoint's), once, when the migration that
// brought the domain is applied. A head that verifies under neither is
// left alone for Verify to report.
func (db *DB) resealHead(ctx context.Context) error {
	key := db.DeriveKey(audit.CheckpointKeyPurpose)
	return db.Update(ctx, func(t *Tx) error {
		c, ok, err := t.AuditHead()
		if err != nil || !ok || c.ValidHeadMAC(key) || !c.ValidMAC(key) {
			return err
		}
		h := audit.NewHead(key, c.Seq, c.Hash, t.Now)
		_, err = t.exec("UPDATE audit_head SET mac = ?, updated_at = ? WHERE id = 1", h.MAC, ms(t.Now))
		if err != nil {
			return fmt.Errorf("store: reseal audit head: %w", err)
		}
		return nil
	})
}
