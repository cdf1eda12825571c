package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + db.backend
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number and '_'", name)
		}
		b, err := fs.ReadFile(migrations, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// SchemaVersion returns the newest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// migrate applies every migration not yet applied, each in its own
// transaction together with its record, so a half-applied migration cannot
// exist. On PostgreSQL an advisory lock keeps replicas starting together
// from racing. A database newer than this binary is refused.
func (db *DB) migrate(ctx context.Context) error {
	list, err := db.migrations()
	if err != nil {
		return err
	}
	create := "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
	if _, err := db.w.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	for _, m := range list {
		err := db.Update(ctx, func(t *Tx) error {
			if db.backend == Postgres {
				if _, err := t.exec("SELECT pg_advisory_xact_lock(?)", db.lockKey(lockMigrations)); err != nil {
					return err
				}
			}
			var n int
			if err := t.queryRow("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := t.tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := t.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name, ms(t.Now))
			if err == nil {
				db.log.Info("applied migration", "version", m.version, "name", m.name)
				db.applied = append(db.applied, m.version)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	if db.backend == SQLite {
		// The inbox file holds one transient table; its schema is created
		// here rather than versioned (it is empty whenever trement is idle).
		if _, err := db.inW.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS inbox (
			seq             INTEGER PRIMARY KEY AUTOINCREMENT,
			id              TEXT    NOT NULL UNIQUE,
			received_at     INTEGER NOT NULL,
			payload_enc     BLOB    NOT NULL,
			attempts        INTEGER NOT NULL DEFAULT 0,
			next_attempt_at INTEGER NOT NULL DEFAULT 0,
			last_error      TEXT    NOT NULL DEFAULT '')`); err != nil {
			return fmt.Errorf("store: create inbox: %w", err)
		}
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: schema version: %w", err)
	}
	if latest := list[len(list)-1].version; v > latest {
		return fmt.Errorf("store: database schema version %d is newer than this binary's %d; upgrade trement", v, latest)
	}
	return nil
}
