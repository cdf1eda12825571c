package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Change is one row of the change log: a conversation, or one of its
// messages, was written. It names ids and the conversation's state and
// assignee at the time, nothing about the customer.
type Change struct {
	Seq            int64
	ConversationID string
	Kind           string // "conversation" (state, assignment) or "message" (new message, tick, reaction)
	// State and AssignedTo are the conversation's state and operator (""
	// if none) after the change; for a message, as the reader found them.
	State      string
	AssignedTo string
	At         time.Time
}

// Triggers on conversations and messages (migrations 0230, 0231) append to
// conversation_changes in the writing transaction, whichever replica or
// code path wrote: the log is the database's, not this process's.

// LatestChange returns the newest change's seq, 0 if there is none.
func (db *DB) LatestChange(ctx context.Context) (int64, error) {
	var seq int64
	err := db.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM conversation_changes").Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: latest change: %w", err)
	}
	return seq, nil
}

// Changes returns up to limit changes with seq above after, oldest first.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := db.r.QueryContext(ctx, db.q("SELECT seq, conversation_id, kind, state, assigned_to, at FROM conversation_changes WHERE seq > ? ORDER BY seq LIMIT ?"), after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.Seq, &c.ConversationID, &c.Kind, &c.State, &c.AssignedTo, &at); err != nil {
			return nil, fmt.Errorf("store: changes: %w", err)
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	return out, nil
}

// PruneChanges deletes the changes up to seq and returns how many.
// Readers prune by a seq they noted a while ago (an hour): no index on
// time costs the write path.
func (db *DB) PruneChanges(ctx context.Context, seq int64) (int64, error) {
	res, err := db.w.ExecContext(ctx, db.q("DELETE FROM conversation_changes WHERE seq <= ?"), seq)
	if err != nil {
		return 0, fmt.Errorf("store: prune changes: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// fillStates sets State and AssignedTo of message changes, which the log
// does not hold (a lookup per written message would cost the write path):
// the conversation's as it is now, in one query per 50 conversations. A
// conversation that is gone (erased) leaves them empty.
func (db *DB) fillStates(ctx context.Context, list []Change) error {
	var ids []string
	seen := map[string]bool{}
	for _, c := range list {
		if c.Kind == "message" && !seen[c.ConversationID] {
			seen[c.ConversationID] = true
			ids = append(ids, c.ConversationID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	const chunk = 50
	q := db.q("SELECT id, state, assigned_to FROM conversations WHERE id IN (?" + strings.Repeat(", ?", chunk-1) + ")")
	states := map[string][2]string{}
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		args := make([]any, chunk)
		for i := range args {
			args[i] = ids[min(i, n-1)] // pad with the last: one query text
		}
		ids = ids[n:]
		rows, err := db.r.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: change states: %w", err)
		}
		for rows.Next() {
			var id, st, as string
			if err := rows.Scan(&id, &st, &as); err != nil {
				rows.Close()
				return fmt.Errorf("store: change states: %w", err)
			}
			states[id] = [2]string{st, as}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: change states: %w", err)
		}
	}
	for i := range list {
		if list[i].Kind == "message" {
			st := states[list[i].ConversationID]
			list[i].State, list[i].AssignedTo = st[0], st[1]
		}
	}
	return nil
}

// ChangeCursor follows the change log without missing a row or returning
// one twice. On SQLite one writer at a time makes seq commit-ordered; on
// PostgreSQL a transaction may commit after one that took a later seq, so
// the cursor re-reads from the oldest seq it has not seen for Settle: a
// late row is returned when it commits, and a seq that never commits (a
// rolled-back transaction) is given up after Settle. Not safe for
// concurrent use.
type ChangeCursor struct {
	DB *DB
	// Settle is how long a missing seq is waited for; zero: 30 seconds.
	Settle time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time

	low  int64               // every seq up to low was returned or given up
	seen map[int64]time.Time // seqs above low returned, with when first seen
	init bool
}

// Start places the cursor at the newest change: Next returns only later
// ones.
func (c *ChangeCursor) Start(ctx context.Context) error {
	seq, err := c.DB.LatestChange(ctx)
	if err != nil {
		return err
	}
	c.Reset(seq)
	return nil
}

// Reset places the cursor after seq: Next returns only later changes.
func (c *ChangeCursor) Reset(seq int64) {
	c.low, c.seen, c.init = seq, map[int64]time.Time{}, true
}

// Next returns the changes committed since the last call (at most a few
// thousand; call again if it returned that many).
func (c *ChangeCursor) Next(ctx context.Context) ([]Change, error) {
	if !c.init {
		if err := c.Start(ctx); err != nil {
			return nil, err
		}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	settle := c.Settle
	if settle <= 0 {
		settle = 30 * time.Second
	}
	list, err := c.DB.Changes(ctx, c.low, 2000)
	if err != nil {
		return nil, err
	}
	t := now()
	out := list[:0]
	for _, ch := range list {
		if _, ok := c.seen[ch.Seq]; !ok {
			out = append(out, ch)
		}
	}
	if err := c.DB.fillStates(ctx, out); err != nil {
		return nil, err // nothing marked seen: the next call reads them again
	}
	for _, ch := range out {
		c.seen[ch.Seq] = t
	}
	// Move low over the seen run that follows it, and over a gap whose
	// next seen seq has waited longer than settle.
	for len(c.seen) > 0 {
		if _, ok := c.seen[c.low+1]; ok {
			delete(c.seen, c.low+1)
			c.low++
			continue
		}
		next, first := int64(-1), time.Time{}
		for s, at := range c.seen {
			if next < 0 || s < next {
				next, first = s, at
			}
		}
		if t.Sub(first) < settle {
			break
		}
		c.low = next - 1 // give up the gap; the loop takes next
	}
	return out, nil
}

// changeSignal wakes the readers of the change log in this process when a
// transaction here wrote a conversation or message: they read at once
// instead of at their next poll.
type changeSignal struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// WatchChanges returns a channel that receives (coalesced) after every
// commit in this process that wrote a conversation or a message, and a
// function to stop watching. Changes by other processes are only in the
// log: read it (ChangeCursor) on a timer too.
func (db *DB) WatchChanges() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s := &db.changed
	s.mu.Lock()
	if s.subs == nil {
		s.subs = map[chan struct{}]struct{}{}
	}
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

func (s *changeSignal) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default: // a wake is already pending
		}
	}
}

// touched records that t wrote a conversation or message: the change
// watchers are woken once it commits.
func (t *Tx) touched() {
	if t.touch {
		return
	}
	t.touch = true
	t.afterCommit(t.db.changed.notify)
}
