package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RegionsInUse returns the distinct regions of the customers on file, for
// `trement doctor` and the record of processing. An erased customer whose
// rows the scrubber has yet to delete is no longer on file.
func (t *Tx) RegionsInUse() ([]string, error) {
	rows, err := t.query("SELECT DISTINCT region FROM contacts WHERE erased_at = 0 ORDER BY region")
	if err != nil {
		return nil, fmt.Errorf("store: regions in use: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountOutbox counts outbox items in state (e.g. "paused").
func (t *Tx) CountOutbox(state string) (int, error) {
	var n int
	if err := t.queryRow("SELECT COUNT(*) FROM outbox WHERE state = ?", state).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count outbox: %w", err)
	}
	return n, nil
}

// SchemaCurrent reports whether every migration this binary knows is
// applied (a replica started before an upgrade finished is not ready).
func (db *DB) SchemaCurrent(ctx context.Context) (applied, latest int, err error) {
	list, err := db.migrations()
	if err != nil {
		return 0, 0, err
	}
	applied, err = db.SchemaVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: schema version: %w", err)
	}
	return applied, list[len(list)-1].version, nil
}

// AckPolicy records that an operator acknowledged version of the
// data-handling policy; acknowledging twice keeps the first time.
func (t *Tx) AckPolicy(operatorID, version string) (time.Time, error) {
	if _, err := t.exec("INSERT INTO operator_policy_acks (operator_id, version, acked_at) VALUES (?, ?, ?) ON CONFLICT (operator_id, version) DO NOTHING",
		operatorID, version, ms(t.Now)); err != nil {
		return time.Time{}, fmt.Errorf("store: ack policy: %w", err)
	}
	var at int64
	if err := t.queryRow("SELECT acked_at FROM operator_policy_acks WHERE operator_id = ? AND version = ?", operatorID, version).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: ack policy: %w", err)
	}
	return time.UnixMilli(at).UTC(), nil
}

// PolicyAck returns when operatorID acknowledged version (zero: never).
func (t *Tx) PolicyAck(operatorID, version string) (time.Time, error) {
	var at int64
	err := t.queryRow("SELECT acked_at FROM operator_policy_acks WHERE operator_id = ? AND version = ?", operatorID, version).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: policy ack: %w", err)
	}
	return time.UnixMilli(at).UTC(), nil
}
