package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/trement/trement/internal/conversation"
)

// pendingRows are the contact and conversation updates of a SQLite write
// transaction not written yet. UpdateContact and UpdateConversation record
// a row's new values here, replacing an earlier record of the same row, and
// the rows are written together, one UPDATE per table and chunk, before
// the next statement that names either table (reads included), and before
// the commit: a batch of inbound messages updates each of its customers'
// rows once, in one statement, instead of once per message each.
//
// Only SQLite defers: its one writer connection runs one transaction at a
// time, so nothing can read or write those rows in between but this
// transaction, whose statements that might see them flush first. On
// PostgreSQL another transaction could change a row meanwhile (an operator
// taking the conversation), so updates there run at once, as before.
type pendingRows struct {
	contacts, convs rowSet
	err             error // a failed flush: the transaction fails with it
}

// rowSet is one table's pending rows, in the order first recorded.
type rowSet struct {
	order []string
	args  map[string][]any // by id: the values of the table's update columns, id last
}

func (s *rowSet) put(id string, args []any) {
	if s.args == nil {
		s.args = map[string][]any{}
	}
	if _, ok := s.args[id]; !ok {
		s.order = append(s.order, id)
	}
	s.args[id] = args
}

// The columns UpdateContact and UpdateConversation write, in the order of
// their arguments (the row's id comes last), with their PostgreSQL types.
var (
	contactUpdate = newRowUpdate("contacts", "profile_name_enc", "region", "region_reason", "language", "consent_state",
		"notice_version", "pending_action", "last_inbound_at", "updated_at", "notice_sent_at", "unanswered")
	convUpdate = newRowUpdate("conversations", "state", "assigned_to", "sensitive", "not_helpful", "last_inbound_at", "updated_at", "closed_at",
		"language", "failures", "waiting_since", "wait_expired")
)

type rowUpdate struct {
	table string
	cols  []string
	// one is the single-row UPDATE and what the table's row is called in
	// errors, built once rather than per update.
	one, what string
}

func newRowUpdate(table string, cols ...string) rowUpdate {
	return rowUpdate{table: table, cols: cols,
		one:  "UPDATE " + table + " SET " + strings.Join(cols, " = ?, ") + " = ? WHERE id = ?",
		what: strings.TrimSuffix(table, "s")}
}

// many is the UPDATE of n rows at once: every column is set from a VALUES
// row of the same id (SQLite names a VALUES table's columns column1…).
func (u rowUpdate) many(n int) string {
	var b strings.Builder
	b.WriteString("UPDATE " + u.table + " SET ")
	for i, c := range u.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = v.column%d", c, i+1)
	}
	row := "(" + placeholders(len(u.cols)+1) + ")"
	b.WriteString(" FROM (VALUES " + row + strings.Repeat(", "+row, n-1) + ") AS v")
	fmt.Fprintf(&b, " WHERE %s.id = v.column%d", u.table, len(u.cols)+1)
	return b.String()
}

// pendingChunk bounds the rows one multi-row UPDATE writes (12 parameters
// each).
const pendingChunk = 64

// defers reports whether t records contact and conversation updates for
// later (a SQLite write transaction).
func (t *Tx) defers() bool { return t.write && t.db.backend == SQLite }

// flushFor writes the pending rows before statement q if q names contacts,
// conversations or the change log their updates feed.
func (t *Tx) flushFor(q string) error {
	if t.pending == nil {
		return nil
	}
	if t.pending.err != nil {
		return t.pending.err
	}
	if !strings.Contains(q, "contacts") && !strings.Contains(q, "conversations") && !strings.Contains(q, "conversation_changes") {
		return nil
	}
	return t.flush()
}

// flush writes every pending row; a failure sticks, so the transaction
// cannot commit without them.
func (t *Tx) flush() error {
	p := t.pending
	if p == nil {
		return nil
	}
	if p.err != nil {
		return p.err
	}
	t.pending = nil
	for _, w := range []struct {
		u    rowUpdate
		rows *rowSet
	}{{contactUpdate, &p.contacts}, {convUpdate, &p.convs}} {
		if err := t.ownWrite(func() error { return t.writeRows(w.u, w.rows) }); err != nil {
			p.err = err
			t.pending = p
			return err
		}
	}
	return nil
}

// writeRows writes a table's pending rows, one statement per chunk.
// ErrNotFound if a row is gone, as the single-row update would say.
func (t *Tx) writeRows(u rowUpdate, rows *rowSet) error {
	for ids := rows.order; len(ids) > 0; {
		chunk := ids[:min(len(ids), pendingChunk)]
		ids = ids[len(chunk):]
		q := u.one
		if len(chunk) > 1 {
			q = u.many(len(chunk))
		}
		args := make([]any, 0, len(chunk)*(len(u.cols)+1))
		for _, id := range chunk {
			args = append(args, rows.args[id]...)
		}
		res, err := t.exec(q, args...)
		if err != nil {
			return fmt.Errorf("store: update %s: %w", u.table, err)
		}
		if n, _ := res.RowsAffected(); n != int64(len(chunk)) {
			return fmt.Errorf("store: update %s: %d of %d rows: %w", u.table, n, len(chunk), conversation.ErrNotFound)
		}
	}
	return nil
}

// updateRow runs or records (see pendingRows) the update of one row.
func (t *Tx) updateRow(u rowUpdate, set func(*pendingRows) *rowSet, args []any) error {
	if t.defers() {
		if t.pending == nil {
			t.pending = &pendingRows{}
		} else if t.pending.err != nil {
			return t.pending.err
		}
		set(t.pending).put(args[len(args)-1].(string), args)
		return nil
	}
	// PostgreSQL pipelines the update (pipeline.go): it goes with the
	// next statement, and a row that is gone fails the transaction.
	what := u.what
	err := t.ownWrite(func() error {
		return t.execLater(func(n int64) error {
			if n == 0 {
				return fmt.Errorf("store: update %s: %w", what, conversation.ErrNotFound)
			}
			return nil
		}, u.one, args...)
	})
	if err != nil && !errors.Is(err, conversation.ErrNotFound) {
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	return err
}
