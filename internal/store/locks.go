package store

import (
	"context"
	"fmt"
	"hash/fnv"
)

// PostgreSQL advisory lock keys, in one place so that no two uses share a
// key: a session lock and a transaction lock on the same key, taken by one
// replica on two connections, wait for each other forever.
const (
	lockMigrations = 7364321001 // transaction lock: one replica migrates at a time
	lockAudit      = 7364321002 // transaction lock: appends extend one audit chain
	lockLead       = 7364321003 // session lock: the lead replica (once-per-deployment sweeps)
	// transaction locks: inbox partition p is lockPartitionBase + p
	// (inboxPartitions of them), held by the batch processing it.
	lockPartitionBase = 7364322000
)

// Advisory locks are per database, not per schema: two deployments (or two
// test runs) in different schemas of one database would share the inbox
// partitions and serialise each other's audit appends. Each key is therefore
// mixed with the schema trement works in, read once at start-up.
func (db *DB) loadLockSpace(ctx context.Context) error {
	var schema string
	if err := db.w.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("store: current schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte(schema))
	db.lockSpace = int64(h.Sum64() >> 1)
	return nil
}

// senderKey is the session lock a sender run holds while it lives (see
// Enlist), in this deployment's lock space.
func (db *DB) senderKey(worker string) int64 {
	h := fnv.New64a()
	h.Write([]byte("sender:" + worker))
	return db.lockKey(int64(h.Sum64() >> 1))
}

// lockKey is base in this deployment's lock space.
func (db *DB) lockKey(base int64) int64 {
	return base ^ db.lockSpace
}
