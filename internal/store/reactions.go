package store

import (
	"fmt"
	"sync"
)

// waitingReactions is, on SQLite, the set of message ids (their blind
// indexes) that reaction rows wait for: the reply_to_wamid of the rows of
// type 'reaction', read once and added to by every InsertMessage of such a
// row, so PendingReactions asks the database only about ids a row may
// wait for, and a message no reaction came before costs no statement. An
// index stays in the set after its rows went (linked, erased, purged) or
// if the insert rolled back: that costs a query, never a missed reaction.
// Only SQLite keeps it: one process writes that database, while on
// PostgreSQL other replicas insert such rows.
type waitingReactions struct {
	mu     sync.Mutex
	loaded bool
	idx    map[string]bool
}

// add records that a reaction row waits for the message with blind index idx.
func (w *waitingReactions) add(idx string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.idx == nil {
		w.idx = map[string]bool{}
	}
	w.idx[idx] = true
}

// mayWait keeps, of the blind indexes idx, those some reaction row may
// wait for (all of them where the set is not kept).
func (t *Tx) mayWait(idx []string) ([]string, error) {
	if t.db.backend != SQLite {
		return idx, nil
	}
	w := &t.db.reactions
	w.mu.Lock()
	loaded := w.loaded
	w.mu.Unlock()
	if !loaded {
		// Every index read joins those added meanwhile: a row inserted
		// after this read's snapshot was added by its insert.
		rows, err := t.query("SELECT DISTINCT reply_to_wamid FROM messages WHERE type = 'reaction' AND reply_to_wamid IS NOT NULL")
		if err != nil {
			return nil, fmt.Errorf("store: waiting reactions: %w", err)
		}
		list, err := scanStrings(rows)
		if err != nil {
			return nil, fmt.Errorf("store: waiting reactions: %w", err)
		}
		for _, x := range list {
			w.add(x)
		}
		w.mu.Lock()
		w.loaded = true
		w.mu.Unlock()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := idx[:0:0]
	for _, x := range idx {
		if w.idx[x] {
			kept = append(kept, x)
		}
	}
	return kept, nil
}
