package store

import (
	"context"
	"fmt"
)

// RegionsInUse returns the distinct regions of the customers on file, for
// `trement doctor` and the record of processing.
func (t *Tx) RegionsInUse() ([]string, error) {
	rows, err := t.query("SELECT DISTINCT region FROM contacts ORDER BY region")
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
