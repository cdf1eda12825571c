package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/trement/trement/internal/conversation"
)

// Durability: every write transaction commits durably (SQLite's WAL is
// fsynced, PostgreSQL's commit waits for its WAL flush) unless, on SQLite,
// it was begun with a context conversation.Replayable marks, in which case
// it commits without waiting for the disk (synchronous=NORMAL). Such a
// commit is as durable as any against a crash of the process; against a
// power cut it is durable once a later durable commit is:
//
//   - SQLite (WAL mode): the WAL is appended to in commit order, its frames
//     carry a checksum chained from the one before, and recovery keeps the
//     frames up to the first that does not check out, so what survives a
//     power cut is a prefix of the commits. A durable commit fsyncs the
//     WAL file, every frame before its own with it. The file matters: the
//     inbox is a database file of its own, and an fsync of one file says
//     nothing of the other.
//   - PostgreSQL would allow the same (SET LOCAL synchronous_commit = off:
//     a synchronous commit waits for the WAL flush up to its own commit
//     record, which follows that of every transaction committed before
//     it), but there the flush is the server's work, not trement's, and
//     the SET costs a round trip per transaction: measured on this
//     machine it saved no trement CPU per answered message (BENCHMARKS,
//     "Durable where it must be"), so PostgreSQL commits stay synchronous.
//
// synchronous is a setting of the SQLite connection that cannot change
// inside a transaction. The one writer connection of each file rests at
// FULL (its DSN): a relaxed transaction sets NORMAL before it begins, and
// the next durable transaction, or any statement run outside a
// transaction, sets FULL again first. Back-to-back relaxed transactions
// set nothing, so the switch costs a PRAGMA per change of mode, not per
// transaction.

// relaxKey marks the context a write transaction is begun with when it may
// commit without waiting for the disk. Only run and inboxTx set it, on a
// writer pool, so reads and other pools never switch modes.
type relaxKey struct{}

// relaxing returns the context to begin a write transaction on pool with,
// and whether it commits relaxed: only transactions of a SQLite writer
// pool whose ctx conversation.Replayable marks do.
func (db *DB) relaxing(ctx context.Context, pool *sql.DB, opts *sql.TxOptions) (context.Context, bool) {
	if db.backend != SQLite || (pool != db.w && pool != db.inW) || (opts != nil && opts.ReadOnly) || !conversation.IsReplayable(ctx) {
		return ctx, false
	}
	return context.WithValue(ctx, relaxKey{}, true), true
}

// CommitInfo describes a committed write transaction, for OnCommit.
type CommitInfo struct {
	// Relaxed: it committed without waiting for the disk.
	Relaxed bool
	// Started are the outbox items it moved to sending (whose requests may
	// leave once it has committed).
	Started []string
}

// OnCommit calls f after every write transaction of the main database
// commits (tests check with it which commits wait for the disk). Set it
// before the store is used; nil stops it.
func (db *DB) OnCommit(f func(CommitInfo)) { db.commitHook = f }

// RelaxedCommits returns how many write transactions have committed
// without waiting for the disk since the store was opened, and how many
// write transactions committed in all.
func (db *DB) RelaxedCommits() (relaxed, writes int64) {
	return db.counts.relaxed.Load(), db.counts.writes.Load()
}

// committed counts a committed write transaction.
func (db *DB) committed(relaxed bool) {
	db.counts.writes.Add(1)
	if relaxed {
		db.counts.relaxed.Add(1)
	}
}

// Sync makes every commit made so far durable: if some committed relaxed
// since the last Sync, one durable write transaction on the main database
// (whose wait covers them all; see above). The inbox's own relaxed commits
// (the deletion of processed bodies) need none: losing them only replays
// bodies de-duplication skips. What leaves the process as a record of the
// database (an audit anchor, an export) is read after a Sync.
func (db *DB) Sync(ctx context.Context) error {
	n := db.counts.relaxed.Load() // commits counted after their commit: all before the barrier
	db.syncMu.Lock()
	defer db.syncMu.Unlock()
	if n == db.synced {
		return nil
	}
	if err := db.Update(conversation.Durable(ctx), func(t *Tx) error {
		_, err := t.exec("UPDATE durability_barrier SET n = n + 1 WHERE id = 1")
		return err
	}); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	db.synced = n
	return nil
}

// syncMode sets, for the transaction about to begin on cn, SQLite's
// synchronous setting: NORMAL if relax, else FULL; nothing if cn already
// has it. A connection whose setting cannot be restored is given up
// (driver.ErrBadConn): database/sql closes it, and a new one starts at
// FULL.
func (cn *countingConn) syncMode(ctx context.Context, relax bool) error {
	if !cn.sqlite || cn.relaxed == relax {
		return nil
	}
	mode := "FULL"
	if relax {
		mode = "NORMAL"
	}
	if err := cn.rawExec(ctx, "PRAGMA synchronous = "+mode); err != nil {
		return fmt.Errorf("%w: store: set synchronous=%s: %v", driver.ErrBadConn, mode, err)
	}
	cn.relaxed = relax
	return nil
}

// outsideTx restores FULL before a statement that runs on its own (its
// own transaction, committed at once) on a connection a relaxed
// transaction left at NORMAL.
func (cn *countingConn) outsideTx(ctx context.Context) error {
	if cn.inTx || !cn.relaxed {
		return nil
	}
	return cn.syncMode(ctx, false)
}

// rawExec runs a statement of the store's own bookkeeping on the driver's
// connection, counted like any.
func (cn *countingConn) rawExec(ctx context.Context, query string) error {
	e, ok := cn.Conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("store: %T cannot execute %q", cn.Conn, query)
	}
	cn.c.statement(query)
	_, err := e.ExecContext(ctx, query, nil)
	return err
}

// countingTx follows the transaction's end: the connection is outside a
// transaction again.
type countingTx struct {
	driver.Tx
	cn *countingConn
}

func (t countingTx) Commit() error {
	t.cn.inTx = false
	return t.Tx.Commit()
}

func (t countingTx) Rollback() error {
	t.cn.inTx = false
	return t.Tx.Rollback()
}
