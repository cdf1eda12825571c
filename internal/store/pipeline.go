package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pipelined writes (PostgreSQL).
//
// Every statement on PostgreSQL is a round trip: the client sends it and
// waits for the server's answer before it sends the next. A write whose
// outcome the caller does not need at once (execLater: the flow's updates
// of a contact or a conversation, a message's status) is queued on the
// transaction instead, and goes to the server together with the next
// statement, in one round trip (a pgx.Batch, one Sync): with the next
// exec, whose own result comes back from the same batch, or just before
// the next query, or before the commit. Statements run in the order they
// were issued, on the transaction's connection, inside the transaction, so
// what any statement sees is what it would have seen unqueued; only the
// error of a queued write is reported later, by the statement that sent
// it, and it sticks: the transaction cannot commit (run rolls it back).
//
// On SQLite, where a statement is a function call, execLater runs at once.

// pipelineMax is how many queued writes a transaction holds before it
// sends them without waiting for another statement.
const pipelineMax = 64

// laterExec is a queued write and what to check of its outcome.
type laterExec struct {
	query string
	args  []any
	check func(rowsAffected int64) error // nil: nothing
	// row, if not nil, reads the write's one returned row instead.
	row func(rowScanner) error
}

// pipelined is a write transaction's queue (PostgreSQL).
type pipelined struct {
	queue []laterExec
	err   error // the first failure: the transaction fails with it
}

// execLater runs query now on SQLite, or queues it on PostgreSQL (see
// above); check, if not nil, judges its rows affected when it has run, and
// an error it returns fails the transaction.
func (t *Tx) execLater(check func(rowsAffected int64) error, query string, args ...any) error {
	if t.pipe == nil {
		res, err := t.exec(query, args...)
		if err != nil || check == nil {
			return err
		}
		n, _ := res.RowsAffected()
		return check(n)
	}
	return t.enqueue(laterExec{query: query, args: args, check: check})
}

// enqueue queues e (its query not yet rebound) on the transaction's
// pipeline, and sends the queue once it holds pipelineMax writes.
func (t *Tx) enqueue(e laterExec) error {
	if t.pipe.err != nil {
		return t.pipe.err
	}
	e.query = t.db.q(e.query)
	t.wrote(e.query)
	t.pipe.queue = append(t.pipe.queue, e)
	if len(t.pipe.queue) >= pipelineMax {
		return t.sendPipeline("", nil, nil)
	}
	return nil
}

// scanLater is scanRow(query, args, dest...) for a write returning one
// row that nobody reads before the transaction's next statement: queued on
// PostgreSQL, where dest is filled and then done runs when it has run (a
// missing row fails the transaction); at once on SQLite.
func (t *Tx) scanLater(done func(), query string, args []any, dest ...any) error {
	if t.pipe == nil {
		if err := t.scanRow(query, args, dest...); err != nil {
			return err
		}
		done()
		return nil
	}
	return t.enqueue(laterExec{query: query, args: args, row: func(r rowScanner) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		done()
		return nil
	}})
}

// flushPipeline sends the queued writes before a statement that is not
// pipelined (a query, whose rows database/sql reads), and before the
// commit. It returns the transaction's first pipelined failure, if any.
func (t *Tx) flushPipeline() error {
	if t.pipe == nil {
		return nil
	}
	if len(t.pipe.queue) == 0 {
		return t.pipe.err
	}
	return t.sendPipeline("", nil, nil)
}

// execPipelined runs an exec that is not queued: with the queued writes
// before it in one round trip. ok is false when nothing is queued (the
// caller runs it as usual).
func (t *Tx) execPipelined(q string, args []any) (res driver.Result, ok bool, err error) {
	if t.pipe == nil || (len(t.pipe.queue) == 0 && t.pipe.err == nil) {
		return nil, false, nil
	}
	var n int64
	err = t.sendPipeline(q, args, func(br pgx.BatchResults) error {
		ct, err := br.Exec()
		n = ct.RowsAffected()
		return err
	})
	if err != nil {
		return nil, true, err
	}
	return driver.RowsAffected(n), true, nil
}

// rowScanner is a row being read: *sql.Rows, or pgx's rows in a pipeline.
type rowScanner interface {
	Scan(dest ...any) error
}

// eachRow runs query and hands each row to f. In a PostgreSQL write
// transaction the query goes with the queued writes, in one round trip,
// and its rows are read as they come (f must not run statements).
func (t *Tx) eachRow(f func(rowScanner) error, query string, args ...any) error {
	if t.pipe == nil {
		rows, err := t.query(query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return readRows(rows, f)
	}
	q := t.db.q(query)
	t.wrote(q)
	return t.sendPipeline(q, args, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		return readRows(rows, f)
	})
}

// readRows hands each row of rows (database/sql's or pgx's) to f.
func readRows(rows interface {
	rowScanner
	Next() bool
	Err() error
}, f func(rowScanner) error) error {
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanRow is queryRow(query, args...).Scan(dest...) through eachRow:
// sql.ErrNoRows if there is no row.
func (t *Tx) scanRow(query string, args []any, dest ...any) error {
	found := false
	err := t.eachRow(func(r rowScanner) error {
		if found {
			return nil
		}
		found = true
		return r.Scan(dest...)
	}, query, args...)
	if err == nil && !found {
		err = sql.ErrNoRows
	}
	return err
}

// sendPipeline sends the queued writes, and last (if not "") after them
// with read reading its results, in one batch on the transaction's
// connection. A failure is kept: every later statement and the commit fail.
func (t *Tx) sendPipeline(last string, lastArgs []any, read func(pgx.BatchResults) error) error {
	if t.pipe.err != nil {
		return t.pipe.err
	}
	queue := t.pipe.queue
	t.pipe.queue = nil
	err := t.conn.Raw(func(dc any) error {
		if cc, ok := dc.(*countingConn); ok {
			dc = cc.Conn
		}
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: pipeline: not a pgx connection (%T)", dc)
		}
		c := sc.Conn()
		// The transaction may have ended under us (its context was
		// cancelled and database/sql rolled it back): outside it, these
		// writes would commit one by one.
		if s := c.PgConn().TxStatus(); s != 'T' {
			return fmt.Errorf("store: pipeline: the transaction is not open (status %q)", s)
		}
		b := &pgx.Batch{}
		for _, e := range queue {
			b.Queue(e.query, e.args...)
		}
		if last != "" {
			b.Queue(last, lastArgs...)
		}
		t.db.counts.statements.Add(int64(b.Len()))
		br := c.SendBatch(t.ctx, b)
		var first error
		for _, e := range queue {
			var err error
			if e.row != nil {
				err = readOne(br, e.row)
			} else {
				var ct pgconn.CommandTag
				ct, err = br.Exec()
				if err == nil && e.check != nil {
					err = e.check(ct.RowsAffected())
				}
			}
			if err != nil && first == nil {
				first = err
			}
		}
		if last != "" && first == nil {
			first = read(br)
		}
		return errors.Join(first, br.Close())
	})
	if err != nil {
		t.pipe.err = err
	}
	return err
}

// readOne hands the one row of the batch's next result to f: sql.ErrNoRows
// if there is none.
func readOne(br pgx.BatchResults, f func(rowScanner) error) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := f(rows); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}
