package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

func inboxLoc(id string) vault.Loc { return vault.Loc{Table: "inbox", Column: "payload", Row: id} }

// The inbox has a database of its own on SQLite (a second file beside the
// main one), so acknowledging webhooks never queues behind the processor's
// transactions for SQLite's one writer; on PostgreSQL it is a table of the
// main database. Processing commits its effects first and deletes the body
// after: a crash in between replays the body, and de-duplication by
// WhatsApp id makes the replay a no-op.

func (db *DB) inboxTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	bctx, relaxed := db.relaxing(ctx, db.inW, nil)
	tx, err := db.inW.BeginTx(bctx, nil)
	if err != nil {
		return fmt.Errorf("store: inbox begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: inbox commit: %w", err)
	}
	db.committed(relaxed)
	return nil
}

// AppendInbox stores webhook bodies, sealed under the inbox key, in one
// durable commit (whatever ctx says: it acknowledges them to Meta):
// callers batch many bodies so one fsync acknowledges all. The rows go in
// with one multi-row INSERT per inboxChunk bodies.
func (db *DB) AppendInbox(ctx context.Context, items ...*conversation.InboxItem) error {
	now := db.now().UTC()
	return db.inboxTx(conversation.Durable(ctx), func(tx *sql.Tx) error {
		for len(items) > 0 {
			chunk := items[:min(len(items), inboxChunk)]
			items = items[len(chunk):]
			var q strings.Builder
			pg := db.backend == Postgres
			if pg {
				q.WriteString("INSERT INTO inbox (id, received_at, payload_enc, next_attempt_at, part) VALUES ")
			} else {
				q.WriteString("INSERT INTO inbox (id, received_at, payload_enc, next_attempt_at) VALUES ")
			}
			args := make([]any, 0, 4*len(chunk))
			for i, it := range chunk {
				if it.ID == "" {
					it.ID = NewID()
				}
				if it.ReceivedAt.IsZero() {
					it.ReceivedAt = now
				}
				if i > 0 {
					q.WriteString(", ")
				}
				args = append(args, it.ID, ms(it.ReceivedAt), db.inboxSeal.Seal(inboxLoc(it.ID), it.Payload))
				if pg {
					q.WriteString("(?, ?, ?, 0, ?)")
					args = append(args, db.inboxPart(it.Customer))
				} else {
					q.WriteString("(?, ?, ?, 0)")
				}
			}
			if _, err := tx.ExecContext(ctx, db.q(q.String()), args...); err != nil {
				return fmt.Errorf("store: append inbox: %w", err)
			}
		}
		if db.backend == Postgres {
			// Delivered at commit to every replica's listener.
			if _, err := tx.ExecContext(ctx, "SELECT pg_notify($1, '')", db.notifyChannel()); err != nil {
				return fmt.Errorf("store: append inbox: notify: %w", err)
			}
		}
		return nil
	})
}

// inboxChunk is how many inbox rows one statement writes or deletes: a
// batch of webhooks costs one statement per chunk, not one per body, and
// the bound keeps each statement well under both backends' parameter
// limits.
const inboxChunk = 256

// inboxBatchBytes bounds the sealed bytes NextInbox returns at once (a
// single larger body is still returned alone), so the processor's memory
// does not grow with the size of the bodies it drains.
const inboxBatchBytes = 8 << 20

// NextInbox returns up to limit inbox items due now, oldest first, fewer
// once they hold inboxBatchBytes.
func (db *DB) NextInbox(ctx context.Context, limit int) ([]*conversation.InboxItem, error) {
	rows, err := db.inR.QueryContext(ctx, db.q("SELECT "+inboxCols+" FROM inbox WHERE next_attempt_at <= ? ORDER BY seq LIMIT ?"), ms(db.now()), limit)
	if err != nil {
		return nil, fmt.Errorf("store: next inbox: %w", err)
	}
	out, _, err := db.scanInbox(rows, inboxBatchBytes)
	return out, err
}

const inboxCols = "seq, id, received_at, payload_enc, attempts"

// scanInbox reads inbox rows (inboxCols), opening their bodies, until
// they hold maxBytes sealed bytes; it returns them and those bytes.
func (db *DB) scanInbox(rows *sql.Rows, maxBytes int) ([]*conversation.InboxItem, int, error) {
	defer rows.Close()
	var out []*conversation.InboxItem
	total := 0
	for total < maxBytes && rows.Next() {
		var it conversation.InboxItem
		var recv int64
		var enc []byte
		if err := rows.Scan(&it.Seq, &it.ID, &recv, &enc, &it.Attempts); err != nil {
			return nil, 0, err
		}
		total += len(enc)
		it.ReceivedAt = fromMS(recv)
		var err error
		if it.Payload, err = db.inboxSeal.Open(inboxLoc(it.ID), enc); err != nil {
			return nil, 0, fmt.Errorf("store: open inbox item %s: %w", it.ID, err)
		}
		out = append(out, &it)
	}
	return out, total, rows.Err()
}

// DeleteInbox removes processed inbox items.
func (db *DB) DeleteInbox(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := db.deleteInbox(ctx, ids); err != nil {
		return err
	}
	db.afterInboxDelete()
	return nil
}

func (db *DB) deleteInbox(ctx context.Context, ids []string) error {
	return db.inboxTx(ctx, func(tx *sql.Tx) error {
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), inboxChunk)]
			ids = ids[len(chunk):]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			if _, err := tx.ExecContext(ctx, db.q("DELETE FROM inbox WHERE id IN ("+placeholders(len(chunk))+")"), args...); err != nil {
				return fmt.Errorf("store: delete inbox: %w", err)
			}
		}
		return nil
	})
}

// placeholders is "?, ?, …, ?" with n marks (n ≥ 1).
func placeholders(n int) string { return strings.Repeat("?, ", n-1) + "?" }

// RetryInbox records a failed attempt and when to try again.
func (db *DB) RetryInbox(ctx context.Context, id string, next time.Time, reason string) error {
	_, err := db.inW.ExecContext(ctx, db.q("UPDATE inbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?"), ms(next), reason, id)
	return err
}

// InboxDepth returns how many items wait in the inbox.
func (db *DB) InboxDepth(ctx context.Context) (int, error) {
	var n int
	err := db.inR.QueryRowContext(ctx, "SELECT COUNT(*) FROM inbox").Scan(&n)
	return n, err
}

func outboxLoc(id string) vault.Loc { return vault.Loc{Table: "outbox", Column: "payload", Row: id} }

const outboxCols = "seq, id, message_id, conversation_id, contact_id, phone_number_id, kind, payload_enc, state, attempts, next_attempt_at, wa_message_id, last_error, created_at, updated_at"

// Enqueue adds an item to the outbox, sealing its payload under the
// contact's key (so erasure shreds unsent replies too). it.State is the
// state it was stored in (pending, or queued behind another) once the
// transaction's next statement has run: PostgreSQL pipelines the insert.
func (t *Tx) Enqueue(it *conversation.OutboxItem) error {
	if it.ID == "" {
		it.ID = NewID()
	}
	it.State = conversation.OutboxPending
	it.CreatedAt, it.UpdatedAt = t.Now, t.Now
	if it.NextAttemptAt.IsZero() {
		it.NextAttemptAt = t.Now
	}
	ci, err := t.cipherFor(it.ContactID)
	if errors.Is(err, ErrErased) && strings.HasPrefix(it.ContactID, ErasedOwnerPrefix) {
		// The confirmation to a customer erased in this transaction: sealed
		// under a one-shot key destroyed once it is sent (or fails).
		ci, err = t.newOwnerKey(it.ContactID)
	}
	if err != nil {
		return err
	}
	// Behind another message to the same customer, a message waits in
	// line (queued); the same statement looks, so an enqueue is one write.
	state := "'pending'"
	args := []any{it.ID, it.MessageID, it.ConversationID, it.ContactID, it.PhoneNumberID, it.Kind, ci.Seal(outboxLoc(it.ID), it.Payload)}
	if it.Kind != "read" {
		state = "CASE WHEN EXISTS (SELECT 1 FROM outbox WHERE contact_id = ? AND kind <> 'read' AND state IN ('pending', 'claimed', 'sending', 'unknown', 'paused', 'queued')) THEN 'queued' ELSE 'pending' END"
		args = append(args, it.ContactID)
	}
	args = append(args, ms(it.NextAttemptAt), ms(it.CreatedAt), ms(it.UpdatedAt))
	// it.State is set once the insert has run: on PostgreSQL it goes
	// with the transaction's next statement (pipeline.go).
	var got string
	err = t.scanLater(func() { it.State = conversation.OutboxState(got) },
		`INSERT INTO outbox (id, message_id, conversation_id, contact_id, phone_number_id, kind, payload_enc, state, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, `+state+`, ?, ?, ?) RETURNING state`, args, &got)
	if err != nil {
		return fmt.Errorf("store: enqueue: %w", err)
	}
	return nil
}

// ClaimOutbox moves up to limit due items to claimed and returns them; no
// request is made for a claimed item until StartOutbox has moved it to
// sending. The claim lasts lease: past it, ReleaseClaims puts the item
// back. Each customer has at most one message item at the head of their
// line (pending, claimed, sending, unknown or paused);
// the rest wait as queued and are promoted one at a time as the head
// leaves, so each customer receives replies in order and a claim reads
// only due heads.
func (t *Tx) ClaimOutbox(worker string, lease time.Duration, limit int, skipNumbers ...string) ([]*conversation.OutboxItem, error) {
	lock := ""
	if t.db.backend == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// Items of paused business numbers stay pending for their number's
	// resume; the others go on.
	skip, args := "", []any{ms(t.Now)}
	if len(skipNumbers) > 0 {
		skip = " AND phone_number_id NOT IN (" + strings.Repeat("?, ", len(skipNumbers)-1) + "?)"
		for _, n := range skipNumbers {
			args = append(args, n)
		}
	}
	// One statement: the oldest due items are chosen, claimed and read
	// back at once (RETURNING gives no order: sorted by seq after).
	args = append([]any{worker, ms(t.Now.Add(lease)), ms(t.Now)}, append(args, limit)...)
	items, err := t.outboxItems("UPDATE outbox SET state = 'claimed', locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ? "+
		"WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"+skip+" ORDER BY seq LIMIT ?"+lock+") RETURNING "+outboxCols, args...)
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	slices.SortFunc(items, func(a, b *conversation.OutboxItem) int { return cmp.Compare(a.Seq, b.Seq) })
	return items, nil
}

func (t *Tx) StartOutbox(worker string, lease time.Duration, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{ms(t.Now.Add(lease)), ms(t.Now), worker}
	for _, id := range ids {
		args = append(args, id)
	}
	in := strings.Repeat("?, ", len(ids)-1) + "?"
	rows, err := t.query("UPDATE outbox SET state = 'sending', locked_until = ?, updated_at = ? WHERE state = 'claimed' AND locked_by = ? AND id IN ("+in+") RETURNING id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: start outbox: %w", err)
	}
	started, err := scanStrings(rows)
	if t.db.commitHook != nil {
		t.started = append(t.started, started...)
	}
	return started, err
}

// ReleaseClaims puts back to pending, due at once, the items claimed but
// never started (no request was made for them) whose claim ran out or
// whose run is gone: on SQLite, which one process serves, every run but
// worker's; on PostgreSQL, every run that no longer holds its Enlist lock.
// The claim does not count as an attempt. Releasing a live run's claim by
// mistake would only waste it: StartOutbox then refuses that run's start.
func (t *Tx) ReleaseClaims(worker string) (int64, error) {
	q := "UPDATE outbox SET state = 'pending', attempts = attempts - 1, locked_by = '', next_attempt_at = ?, updated_at = ? WHERE state = 'claimed' AND (locked_until < ?"
	args := []any{ms(t.Now), ms(t.Now), ms(t.Now)}
	switch t.db.backend {
	case SQLite:
		q += " OR locked_by <> ?"
		args = append(args, worker)
	case Postgres:
		dead, err := t.deadSenders(worker)
		if err != nil {
			return 0, fmt.Errorf("store: release claims: %w", err)
		}
		if len(dead) > 0 {
			q += " OR locked_by IN (" + strings.Repeat("?, ", len(dead)-1) + "?)"
			for _, w := range dead {
				args = append(args, w)
			}
		}
	}
	res, err := t.exec(q+")", args...)
	if err != nil {
		return 0, fmt.Errorf("store: release claims: %w", err)
	}
	return res.RowsAffected()
}

// deadSenders returns the runs other than worker that hold claims but no
// longer hold their Enlist lock (PostgreSQL). The try-lock is taken for
// the rest of the transaction, which a dead run never asks for again.
func (t *Tx) deadSenders(worker string) ([]string, error) {
	rows, err := t.query("SELECT DISTINCT locked_by FROM outbox WHERE state = 'claimed' AND locked_by <> ? AND locked_by <> ''", worker)
	if err != nil {
		return nil, err
	}
	runs, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	var dead []string
	for _, w := range runs {
		var got bool
		if err := t.queryRow("SELECT pg_try_advisory_xact_lock(?)", t.db.senderKey(w)).Scan(&got); err != nil {
			return nil, err
		}
		if got {
			dead = append(dead, w)
		}
	}
	return dead, nil
}

// RepairLines promotes the first queued message of every customer whose
// line has no head. Under PostgreSQL's read committed, an enqueue that saw
// the head and the settle that removed it can commit together with
// neither promoting; maintenance runs this every few seconds so such a
// message waits seconds, not forever.
func (t *Tx) RepairLines() (int64, error) {
	res, err := t.exec(`UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'queued'
		AND NOT EXISTS (SELECT 1 FROM outbox h WHERE h.contact_id = outbox.contact_id AND h.kind <> 'read' AND h.state IN ('pending', 'claimed', 'sending', 'unknown', 'paused'))
		AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.contact_id = outbox.contact_id AND e.state = 'queued' AND e.seq < outbox.seq)`, ms(t.Now))
	if err != nil {
		return 0, fmt.Errorf("store: repair lines: %w", err)
	}
	return res.RowsAffected()
}

// promote moves a customer's next queued message to pending once no other
// message of theirs is at the head of the line.
func (t *Tx) promote(contactID string) error {
	_, err := t.exec(`UPDATE outbox SET state = 'pending', updated_at = ? WHERE id = (
			SELECT id FROM outbox WHERE contact_id = ? AND state = 'queued' ORDER BY seq LIMIT 1)
		AND NOT EXISTS (SELECT 1 FROM outbox WHERE contact_id = ? AND kind <> 'read' AND state IN ('pending', 'claimed', 'sending', 'unknown', 'paused'))`,
		ms(t.Now), contactID, contactID)
	if err != nil {
		return fmt.Errorf("store: promote: %w", err)
	}
	return nil
}

func (t *Tx) outboxItems(query string, args ...any) ([]*conversation.OutboxItem, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	var out []*conversation.OutboxItem
	var sealed [][]byte
	for rows.Next() {
		var it conversation.OutboxItem
		var enc []byte
		var state string
		var next, created, updated int64
		if err := rows.Scan(&it.Seq, &it.ID, &it.MessageID, &it.ConversationID, &it.ContactID, &it.PhoneNumberID, &it.Kind, &enc, &state, &it.Attempts, &next, &it.WAMessageID, &it.LastError, &created, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		it.State = conversation.OutboxState(state)
		it.NextAttemptAt, it.CreatedAt, it.UpdatedAt = fromMS(next), fromMS(created), fromMS(updated)
		out = append(out, &it)
		sealed = append(sealed, enc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, it := range out {
		ci, err := t.cipherFor(it.ContactID)
		if err != nil {
			return nil, err
		}
		if it.Payload, err = ci.Open(outboxLoc(it.ID), sealed[i]); err != nil {
			return nil, fmt.Errorf("store: open outbox item %s: %w", it.ID, err)
		}
	}
	return out, nil
}

// OutboxItem returns one outbox item. ErrNotFound if there is none.
func (t *Tx) OutboxItem(id string) (*conversation.OutboxItem, error) {
	items, err := t.outboxItems("SELECT "+outboxCols+" FROM outbox WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, conversation.ErrNotFound
	}
	return items[0], nil
}

// OutboxSent records Meta's acceptance of an item by deleting it: the
// message row keeps the WhatsApp id, and a delivered request (which holds
// the customer's number) has no reason to stay on disk. It only removes an
// item that is claimed (a read receipt, which is sent without starting),
// sending or unknown, and reports whether it did.
func (t *Tx) OutboxSent(id, wamid string) (bool, error) {
	var contactID string
	err := t.queryRow("DELETE FROM outbox WHERE id = ? AND state IN ('claimed', 'sending', 'unknown') RETURNING contact_id", id).Scan(&contactID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := t.dropOneShot(contactID); err != nil {
		return false, err
	}
	return true, t.promote(contactID)
}

// OutboxDelivered records Meta's acceptance of a batch of items: one
// DELETE removes those still claimed, sending or unknown, one UPDATE
// promotes the next message of each of their customers, and each message
// gets its WhatsApp id (sealed under the contact's key, which the deleted
// row names). It returns how many items it removed.
func (t *Tx) OutboxDelivered(ds []conversation.Delivery) ([]conversation.Delivery, error) {
	owner := make(map[string]string, len(ds)) // item id -> contact id, for the items removed
	// Whose line has an item queued behind (read as the items go: the
	// DELETE removes none of those): only their lines can move.
	behind := map[string]bool{}
	for rest := ds; len(rest) > 0; {
		chunk := rest[:min(len(rest), inboxChunk)]
		rest = rest[len(chunk):]
		args := make([]any, len(chunk))
		for i, d := range chunk {
			args[i] = d.ID
		}
		rows, err := t.query("DELETE FROM outbox WHERE id IN ("+placeholders(len(chunk))+") AND state IN ('claimed', 'sending', 'unknown') RETURNING id, contact_id, "+
			"EXISTS (SELECT 1 FROM outbox q WHERE q.contact_id = outbox.contact_id AND q.state = 'queued')", args...)
		if err != nil {
			return nil, fmt.Errorf("store: outbox delivered: %w", err)
		}
		for rows.Next() {
			var id, contactID string
			var queued bool
			if err := rows.Scan(&id, &contactID, &queued); err != nil {
				rows.Close()
				return nil, err
			}
			owner[id] = contactID
			if queued {
				behind[contactID] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: outbox delivered: %w", err)
		}
	}
	contacts := make([]string, 0, len(owner))
	seen := make(map[string]bool, len(owner))
	for _, d := range ds {
		c, ok := owner[d.ID]
		if !ok || seen[c] {
			continue
		}
		seen[c] = true
		if err := t.dropOneShot(c); err != nil {
			return nil, err
		}
		if behind[c] {
			contacts = append(contacts, c)
		}
	}
	if err := t.promoteAll(contacts); err != nil {
		return nil, err
	}
	var known []sentMessage
	for _, d := range ds {
		if d.MessageID == "" || d.WAMessageID == "" {
			continue
		}
		if c, ok := owner[d.ID]; ok && !strings.HasPrefix(c, ErasedOwnerPrefix) {
			known = append(known, sentMessage{c, d.MessageID, d.WAMessageID})
			continue
		}
		if err := t.SetMessageSent(d.MessageID, d.WAMessageID); err != nil && !errors.Is(err, conversation.ErrDuplicate) {
			return nil, err
		}
	}
	if err := t.setMessagesSent(known); err != nil {
		return nil, err
	}
	removed := make([]conversation.Delivery, 0, len(owner))
	for _, d := range ds {
		if _, ok := owner[d.ID]; ok {
			removed = append(removed, d)
		}
	}
	return removed, nil
}

// sentMessage is a message Meta accepted, with its contact.
type sentMessage struct{ contactID, id, wamid string }

// setMessagesSent is setMessageSent for several messages, in one UPDATE
// per chunk. If one WhatsApp id is already taken (ErrDuplicate, which
// SetMessageSent's callers ignore), each message is written alone.
func (t *Tx) setMessagesSent(sent []sentMessage) error {
	if len(sent) == 0 {
		return nil
	}
	t.touched()
	if len(sent) == 1 {
		if err := t.setMessageSent(sent[0].contactID, sent[0].id, sent[0].wamid); err != nil && !errors.Is(err, conversation.ErrDuplicate) {
			return err
		}
		return nil
	}
	bytea := "?"
	if t.db.backend == Postgres {
		bytea = "CAST(? AS BYTEA)" // a CASE of bare parameters is text to PostgreSQL
	}
	for len(sent) > 0 {
		chunk := sent[:min(len(sent), inboxChunk)]
		sent = sent[len(chunk):]
		var idx, enc strings.Builder
		idxArgs := make([]any, 0, 2*len(chunk))
		encArgs := make([]any, 0, 2*len(chunk))
		ids := make([]any, 0, len(chunk))
		for _, m := range chunk {
			ci, err := t.cipherFor(m.contactID)
			if err != nil {
				return err
			}
			idx.WriteString(" WHEN ? THEN ?")
			idxArgs = append(idxArgs, m.id, t.db.WamidIndex(m.wamid))
			enc.WriteString(" WHEN ? THEN " + bytea)
			encArgs = append(encArgs, m.id, ci.SealString(wamidLoc(m.id), m.wamid))
			ids = append(ids, m.id)
		}
		args := append(append(append(idxArgs, encArgs...), ms(t.Now)), ids...)
		_, err := t.exec("UPDATE messages SET wa_message_id = CASE id"+idx.String()+" END, wa_message_id_enc = CASE id"+enc.String()+" END, "+
			"status = CASE WHEN status IN ('queued', '') THEN 'sent' ELSE status END, updated_at = ? WHERE id IN ("+placeholders(len(chunk))+")", args...)
		if isUniqueViolation(err) {
			for _, m := range chunk {
				if err := t.setMessageSent(m.contactID, m.id, m.wamid); err != nil && !errors.Is(err, conversation.ErrDuplicate) {
					return err
				}
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("store: messages sent: %w", err)
		}
	}
	return nil
}

// promoteAll is promote for several customers in one statement per chunk:
// the first queued message of each whose line has no head moves to
// pending (the statement reads the lines as they were before it).
func (t *Tx) promoteAll(contacts []string) error {
	for len(contacts) > 0 {
		chunk := contacts[:min(len(contacts), inboxChunk)]
		contacts = contacts[len(chunk):]
		args := []any{ms(t.Now)}
		for _, c := range chunk {
			args = append(args, c)
		}
		if _, err := t.exec(`UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'queued' AND contact_id IN (`+placeholders(len(chunk))+`)
		AND NOT EXISTS (SELECT 1 FROM outbox h WHERE h.contact_id = outbox.contact_id AND h.kind <> 'read' AND h.state IN ('pending', 'claimed', 'sending', 'unknown', 'paused'))
		AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.contact_id = outbox.contact_id AND e.state = 'queued' AND e.seq < outbox.seq)`, args...); err != nil {
			return fmt.Errorf("store: promote: %w", err)
		}
	}
	return nil
}

// ErasedOwnerPrefix marks the outbox owner of the one message sent to a
// customer after their erasure ("erased:<contact id>"). Its data key lives
// only until that message leaves.
const ErasedOwnerPrefix = "erased:"

// dropOneShot destroys the one-shot key of an erased customer's last
// message once it has left (or failed for good), and scrubs the files.
func (t *Tx) dropOneShot(owner string) error {
	if !strings.HasPrefix(owner, ErasedOwnerPrefix) {
		return nil
	}
	if _, err := t.exec("DELETE FROM outbox WHERE contact_id = ? AND state NOT IN ('pending', 'claimed', 'sending', 'unknown', 'paused', 'queued')", owner); err != nil {
		return err
	}
	var left int
	if err := t.queryRow("SELECT COUNT(*) FROM outbox WHERE contact_id = ?", owner).Scan(&left); err != nil {
		return err
	}
	if left > 0 {
		return nil
	}
	if err := t.DestroyDataKey(owner); err != nil {
		return err
	}
	t.afterCommit(func() { t.db.scrub.request("") })
	return nil
}

// OutboxRetry puts a claimed or sending item back to pending, due at next.
func (t *Tx) OutboxRetry(id string, next time.Time, reason string) error {
	_, err := t.exec("UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ?, locked_by = '', updated_at = ? WHERE id = ? AND state IN ('claimed', 'sending')", ms(next), reason, ms(t.Now), id)
	return err
}

// OutboxDefer puts a claimed item back unsent, due at next, without
// counting the claim as an attempt (the sender chose not to send).
func (t *Tx) OutboxDefer(id string, next time.Time) error {
	_, err := t.exec("UPDATE outbox SET state = 'pending', next_attempt_at = ?, attempts = attempts - 1, locked_by = '', updated_at = ? WHERE id = ? AND state = 'claimed'", ms(next), ms(t.Now), id)
	return err
}

// OutboxSetState moves an item to a final or paused state with a reason.
func (t *Tx) OutboxSetState(id string, state conversation.OutboxState, reason string) error {
	var contactID string
	err := t.queryRow("UPDATE outbox SET state = ?, last_error = ?, locked_by = '', updated_at = ? WHERE id = ? RETURNING contact_id", string(state), reason, ms(t.Now), id).Scan(&contactID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if state == conversation.OutboxFailed {
		if err := t.dropOneShot(contactID); err != nil {
			return err
		}
		return t.promote(contactID) // the line moves on past a failed message
	}
	return nil
}

// ResumePaused moves paused items back to pending (after the token is fixed).
func (t *Tx) ResumePaused() (int64, error) {
	res, err := t.exec("UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ? WHERE state = 'paused'", ms(t.Now), ms(t.Now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ExpireSending moves items whose request may have left but whose sender
// is gone to unknown: those whose lease ran out while sending, and, on
// SQLite, which one process serves, those another run than worker's
// started. They may have reached Meta, so they are reconciled from status
// webhooks, never resent blindly. It returns them.
func (t *Tx) ExpireSending(worker string) ([]*conversation.OutboxItem, error) {
	q, args := "SELECT "+outboxCols+" FROM outbox WHERE state = 'sending' AND (locked_until < ?", []any{ms(t.Now)}
	if t.db.backend == SQLite {
		q += " OR locked_by <> ?"
		args = append(args, worker)
	}
	items, err := t.outboxItems(q+")", args...)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	for _, it := range items {
		if err := t.OutboxSetState(it.ID, conversation.OutboxUnknown, "sender stopped mid-request; awaiting a status webhook to reconcile"); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// UnknownBefore returns items left unknown since before t0.
func (t *Tx) UnknownBefore(t0 time.Time) ([]*conversation.OutboxItem, error) {
	return t.outboxItems("SELECT "+outboxCols+" FROM outbox WHERE state = 'unknown' AND updated_at < ?", ms(t0))
}

// OutboxCounts returns how many items are in each state.
func (t *Tx) OutboxCounts() (map[conversation.OutboxState]int, error) {
	rows, err := t.query("SELECT state, COUNT(*) FROM outbox GROUP BY state")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[conversation.OutboxState]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[conversation.OutboxState(s)] = n
	}
	return out, rows.Err()
}
