package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/trement/trement/internal/conversation"
)

// Partitioned inbox processing (PostgreSQL).
//
// Every replica acknowledges webhooks into the shared inbox, and every
// replica processes it: the inbox is split into inboxPartitions partitions
// by a keyed hash of the customer's number (the body's first customer; a
// body with none, such as an account update, goes to partition 0), and a
// batch transaction takes a transaction-scoped advisory lock on each
// partition it processes (pg_try_advisory_xact_lock), skipping those
// another replica's transaction holds. One partition is processed by one
// transaction at a time, in arrival order, so a customer's messages are
// handled in order; the lock ends with the transaction, so a replica that
// dies (or loses its connection) mid-batch rolls back and the partition is
// free again at once: there is no lease to expire and no owner to
// reassign. Bodies are deleted in the transaction that applied them.
//
// New bodies are signalled with NOTIFY on commit; each replica LISTENs on
// a connection of its own (InboxSignals) and so wakes within milliseconds
// for work another replica acknowledged, polling only as a fallback.
const inboxPartitions = 64

// Partitioned reports whether inbox processing is partitioned across
// replicas (PostgreSQL); on SQLite one process drains the inbox file.
func (db *DB) Partitioned() bool { return db.backend == Postgres }

// inboxPart is the partition of a body about the customer with number
// waID ("" for none).
func (db *DB) inboxPart(waID string) int {
	if waID == "" {
		return 0
	}
	return int(binary.BigEndian.Uint16(db.index.Index("inbox-partition", waID)) % inboxPartitions)
}

// notifyChannel is the LISTEN/NOTIFY channel of this deployment's inbox
// (mixed with the schema, like the lock keys).
func (db *DB) notifyChannel() string {
	return "trement_inbox_" + strconv.FormatUint(uint64(db.lockSpace), 36)
}

// ClaimInbox (PostgreSQL) locks, for this transaction, partitions holding
// due bodies, starting from a random one and skipping those other
// transactions hold, and returns up to limit of their bodies, oldest first
// within each partition (and at most inboxBatchBytes of them).
func (t *Tx) ClaimInbox(limit int) ([]*conversation.InboxItem, error) {
	if t.db.backend != Postgres {
		return nil, fmt.Errorf("store: claim inbox: only PostgreSQL partitions the inbox")
	}
	now := ms(t.db.now())
	rows, err := t.query("SELECT DISTINCT part FROM inbox WHERE next_attempt_at <= ?", now)
	if err != nil {
		return nil, fmt.Errorf("store: claim inbox: %w", err)
	}
	var parts []int
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return nil, err
		}
		parts = append(parts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rand.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	var out []*conversation.InboxItem
	total := 0
	for _, p := range parts {
		if len(out) >= limit || total >= inboxBatchBytes {
			break
		}
		got, err := t.lockPartition(p)
		if err != nil {
			return nil, err
		}
		if !got {
			continue
		}
		items, n, err := t.partitionItems(p, now, limit-len(out), inboxBatchBytes-total)
		if err != nil {
			return nil, err
		}
		out, total = append(out, items...), total+n
	}
	return out, nil
}

// ClaimInboxItem locks, for this transaction, the partition of the body
// id and reports whether the body is still there to process (false if
// another replica holds the partition or processed it already).
func (t *Tx) ClaimInboxItem(id string) (bool, error) {
	if t.db.backend != Postgres {
		return false, fmt.Errorf("store: claim inbox item: only PostgreSQL partitions the inbox")
	}
	var p int
	err := t.queryRow("SELECT part FROM inbox WHERE id = ?", id).Scan(&p)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: claim inbox item: %w", err)
	}
	got, err := t.lockPartition(p)
	if err != nil || !got {
		return false, err
	}
	// Read again under the lock: the holder before may have processed it.
	var n int
	if err := t.queryRow("SELECT COUNT(*) FROM inbox WHERE id = ?", id).Scan(&n); err != nil {
		return false, fmt.Errorf("store: claim inbox item: %w", err)
	}
	return n == 1, nil
}

func (t *Tx) lockPartition(p int) (bool, error) {
	var got bool
	if err := t.queryRow("SELECT pg_try_advisory_xact_lock(?)", t.db.lockKey(lockPartitionBase+int64(p))).Scan(&got); err != nil {
		return false, fmt.Errorf("store: lock inbox partition: %w", err)
	}
	return got, nil
}

func (t *Tx) partitionItems(p int, now int64, limit, maxBytes int) ([]*conversation.InboxItem, int, error) {
	rows, err := t.query("SELECT "+inboxCols+" FROM inbox WHERE part = ? AND next_attempt_at <= ? ORDER BY seq LIMIT ?", p, now, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("store: claim inbox: %w", err)
	}
	return t.db.scanInbox(rows, maxBytes)
}

// DeleteInbox removes processed bodies in this transaction (PostgreSQL,
// where the inbox is a table of the main database): they go exactly when
// their effects commit.
func (t *Tx) DeleteInbox(ids ...string) error {
	if t.db.backend != Postgres {
		return fmt.Errorf("store: delete inbox in a transaction: only on PostgreSQL")
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), inboxChunk)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if _, err := t.exec("DELETE FROM inbox WHERE id IN ("+placeholders(len(chunk))+")", args...); err != nil {
			return fmt.Errorf("store: delete inbox: %w", err)
		}
	}
	return nil
}

// InboxSignals (PostgreSQL) returns a channel that receives a value soon
// after any replica commits new inbox bodies: it LISTENs on a connection
// of its own, reconnecting after a failure, until ctx ends. Nil on SQLite,
// where the one process wakes itself.
func (db *DB) InboxSignals(ctx context.Context) <-chan struct{} {
	if db.backend != Postgres {
		return nil
	}
	ch := make(chan struct{}, 1)
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	go func() {
		for ctx.Err() == nil {
			err := db.listen(ctx, signal)
			if ctx.Err() != nil {
				return
			}
			db.log.Warn("inbox notifications stopped; polling until they are back", "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return ch
}

func (db *DB) listen(ctx context.Context, signal func()) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// However it ends, the connection is not given back to the pool (it
	// is still listening, or broken): ErrBadConn makes database/sql close it.
	return conn.Raw(func(dc any) error {
		if cc, ok := dc.(*countingConn); ok {
			dc = cc.Conn
		}
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("%w: listen: not a pgx connection (%T)", driver.ErrBadConn, dc)
		}
		c := sc.Conn()
		if _, err := c.Exec(ctx, "LISTEN "+db.notifyChannel()); err != nil {
			return fmt.Errorf("%w: listen: %v", driver.ErrBadConn, err)
		}
		signal() // anything committed before LISTEN took effect
		for {
			if _, err := c.WaitForNotification(ctx); err != nil {
				return fmt.Errorf("%w: wait for notification: %v", driver.ErrBadConn, err)
			}
			signal()
		}
	})
}
