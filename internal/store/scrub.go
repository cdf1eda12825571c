package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Erasure destroys a customer's data key and deletes their rows, but the
// bytes of a deleted row can outlive the DELETE: in the SQLite WAL (every
// page written since the last checkpoint, and stale frames past the WAL's
// current end), in freed pages, and on PostgreSQL in dead tuples and WAL
// segments. The scrubber removes what the engine lets us remove, soon after
// every erasure commits:
//
//   - SQLite: the erasure only detached the contact (see Tx.shred); the
//     scrubber first deletes the detached contacts' messages and
//     conversations in batches of eraseBatch, each its own transaction so
//     the single writer is never held for long, then the contact row.
//   - SQLite: secure_delete (set on every connection) zeroes deleted cells
//     and freed pages; a wal_checkpoint(TRUNCATE) of the main file and of
//     the inbox file then writes the zeroed pages home and truncates both
//     WALs to zero bytes, so no frame holding the old page remains.
//   - Inbox: bodies already processed are deleted (and so zeroed) as
//     usual; bodies set aside as malformed that name the erased number are
//     deleted here. The checkpoint above then removes their frames.
//   - PostgreSQL: VACUUM of the tables an erasure touches, so dead tuples
//     become free space at once rather than at autovacuum's pace. What
//     PostgreSQL still holds (free space not yet overwritten, WAL segments
//     until recycled, archives) is stated in the README.
//
// The scrub runs on its own goroutine so an erasure's latency is its
// transaction's; Scrub runs it synchronously for tests and commands.
type scrubber struct {
	db      *DB
	mu      sync.Mutex
	waIDs   []string // erased numbers whose set-aside inbox bodies must go
	due     atomic.Bool
	inbox   atomic.Bool // the inbox file needs a checkpoint after the next delete
	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
	runs    atomic.Int64
	failed  atomic.Int64
	runMu   sync.Mutex // one scrub at a time
}

func (s *scrubber) start(db *DB) {
	s.db = db
	s.wake = make(chan struct{}, 1)
	s.done = make(chan struct{})
	s.stopped = make(chan struct{})
	go s.loop()
}

func (s *scrubber) stop() {
	if s.done == nil {
		return
	}
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	<-s.stopped
}

// request schedules a scrub for the erasure of waID (may be empty).
func (s *scrubber) request(waID string) {
	s.mu.Lock()
	if waID != "" {
		s.waIDs = append(s.waIDs, waID)
	}
	s.mu.Unlock()
	s.due.Store(true)
	s.inbox.Store(true)
	s.signal()
}

func (s *scrubber) signal() {
	if s.wake == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *scrubber) loop() {
	defer close(s.stopped)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
		case <-retry.C:
		}
		if !s.due.Load() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		err := s.run(ctx)
		cancel()
		if err != nil {
			s.failed.Add(1)
			s.db.log.Warn("scrub after erasure failed; retrying", "error", err)
			retry.Reset(time.Second)
		}
	}
}

// run does one scrub: it purges set-aside inbox bodies naming erased
// numbers, then checkpoints (SQLite) or vacuums (PostgreSQL).
func (s *scrubber) run(ctx context.Context) error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.due.Store(false)
	s.mu.Lock()
	waIDs := s.waIDs
	s.waIDs = nil
	s.mu.Unlock()
	err := s.db.deleteErased(ctx)
	if err == nil {
		err = s.db.purgeInboxNaming(ctx, waIDs)
	}
	if err == nil {
		err = s.db.compact(ctx)
	}
	if err != nil {
		s.mu.Lock()
		s.waIDs = append(s.waIDs, waIDs...)
		s.mu.Unlock()
		s.due.Store(true)
		return err
	}
	s.runs.Add(1)
	return nil
}

// Scrub removes, now, what erasures left in the database files (see
// scrubber). Erasures schedule it themselves; tests, `trement restore` and
// the retention command call it to be sure it ran.
func (db *DB) Scrub(ctx context.Context) error {
	db.scrub.due.Store(true)
	return db.scrub.run(ctx)
}

// Scrubs returns how many scrubs completed and how many failed (metrics).
func (db *DB) Scrubs() (ok, failed int64) { return db.scrub.runs.Load(), db.scrub.failed.Load() }

// eraseBatch is how many of a detached contact's messages one transaction
// of the scrubber deletes: ~30 ms of the writer on SQLite, so webhooks and
// replies wait at most that long behind an erasure.
const eraseBatch = 1000

// mediaEraseBatch is how many of a detached contact's files one
// transaction deletes (each up to MEDIA_MAX_BYTES).
const mediaEraseBatch = 16

// deleteErased deletes the rows of every contact an erasure detached
// (erased_at set), in batches, and the contact rows last; the cascade of
// that last delete takes anything written for the contact meanwhile. The
// marker leaves with the contact row, in the same transaction as the last
// batch, so an interrupted run (a crash, a failed batch) resumes where it
// was at the next scrub; Open schedules one when markers are left.
func (db *DB) deleteErased(ctx context.Context) error {
	var ids []string
	err := db.View(ctx, func(t *Tx) error {
		rows, err := t.query("SELECT id FROM contacts WHERE erased_at > 0 ORDER BY erased_at")
		if err != nil {
			return err
		}
		ids, err = scanStrings(rows)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete erased contacts: %w", err)
	}
	for _, id := range ids {
		// Files first, a few at a time: a thousand messages' cascade could
		// otherwise be gigabytes in one transaction.
		for done := false; !done; {
			err := db.Update(ctx, func(t *Tx) error {
				res, err := t.exec("DELETE FROM message_media WHERE message_id IN (SELECT message_id FROM message_media WHERE contact_id = ? LIMIT ?)", id, mediaEraseBatch)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				done = n < mediaEraseBatch
				return nil
			})
			if err != nil {
				return fmt.Errorf("store: delete erased contact %s files: %w", id, err)
			}
		}
		for done := false; !done; {
			err := db.Update(ctx, func(t *Tx) error {
				res, err := t.exec("DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE contact_id = ? LIMIT ?)", id, eraseBatch)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == eraseBatch {
					return nil
				}
				done = true
				if _, err := t.exec("DELETE FROM conversations WHERE contact_id = ?", id); err != nil {
					return err
				}
				_, err = t.exec("DELETE FROM contacts WHERE id = ? AND erased_at > 0", id)
				return err
			})
			if err != nil {
				return fmt.Errorf("store: delete erased contact %s: %w", id, err)
			}
		}
	}
	return nil
}

// ErasedPending returns how many erased contacts still wait for the
// scrubber to delete their rows (zero once every erasure is complete).
func (db *DB) ErasedPending(ctx context.Context) (int, error) {
	var n int
	err := db.View(ctx, func(t *Tx) error {
		return t.queryRow("SELECT COUNT(*) FROM contacts WHERE erased_at > 0").Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: erased contacts pending: %w", err)
	}
	return n, nil
}

// resumeErased schedules a scrub if an earlier process erased customers
// whose rows it did not get to delete (it stopped or crashed in between).
func (db *DB) resumeErased(ctx context.Context) error {
	n, err := db.ErasedPending(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		db.log.Info("resuming the deletion of erased customers' rows", "contacts", n)
		db.scrub.request("")
	}
	return nil
}

// purgeInboxNaming deletes inbox bodies set aside (attempts > 0) whose
// plaintext names one of waIDs. Bodies still waiting to be processed are
// left: they are the customer writing again, and processing them is what
// the customer asked for.
func (db *DB) purgeInboxNaming(ctx context.Context, waIDs []string) error {
	if len(waIDs) == 0 {
		return nil
	}
	rows, err := db.inR.QueryContext(ctx, "SELECT id, payload_enc FROM inbox WHERE attempts > 0")
	if err != nil {
		return fmt.Errorf("store: scrub inbox: %w", err)
	}
	var doomed []string
	for rows.Next() {
		var id string
		var enc []byte
		if err := rows.Scan(&id, &enc); err != nil {
			rows.Close()
			return err
		}
		p, err := db.inboxSeal.Open(inboxLoc(id), enc)
		if err != nil {
			continue // not ours to judge; the retention purger removes it
		}
		for _, w := range waIDs {
			if bytes.Contains(p, []byte(`"`+w+`"`)) {
				doomed = append(doomed, id)
				break
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(doomed) == 0 {
		return nil
	}
	return db.deleteInbox(ctx, doomed)
}

// compact makes deleted rows leave the files: a truncating checkpoint of
// both SQLite files, or a VACUUM of the touched PostgreSQL tables, with
// ANALYZE: after a bulk erasure or purge the planner's statistics are
// stale, and a purge DELETE planned on them was seen running for minutes.
func (db *DB) compact(ctx context.Context) error {
	if db.backend == Postgres {
		_, err := db.w.ExecContext(ctx, "VACUUM (ANALYZE) data_keys, blocked_keys, contacts, conversations, messages, message_media, outbox, inbox, seen_events, dsar_exports, dsar_export_chunks")
		if err != nil {
			return fmt.Errorf("store: vacuum after erasure: %w", err)
		}
		return nil
	}
	return errors.Join(checkpoint(ctx, db, false), checkpoint(ctx, db, true))
}

// checkpoint runs wal_checkpoint(TRUNCATE) on the main or the inbox file
// through its writer connection, and fails if a reader kept it from
// completing (SQLite reports that as busy = 1).
func checkpoint(ctx context.Context, db *DB, inbox bool) error {
	w, name := db.w, "main"
	if inbox {
		w, name = db.inW, "inbox"
	}
	var busy, logFrames, done int
	if err := w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("store: checkpoint %s: %w", name, err)
	}
	if busy != 0 {
		return fmt.Errorf("store: checkpoint %s: readers kept the WAL busy", name)
	}
	return nil
}

// afterInboxDelete checkpoints the inbox file if an erasure asked for it
// since the last checkpoint: the body that carried a customer's "yes,
// delete" is deleted only after the erasure commits.
func (db *DB) afterInboxDelete() {
	if db.scrub.inbox.CompareAndSwap(true, false) {
		db.scrub.due.Store(true)
		db.scrub.signal()
	}
}
