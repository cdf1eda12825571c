package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/conversation"
)

// The store's transaction is the conversation flow's.
var _ conversation.Tx = (*Tx)(nil)

// Time returns the transaction's fixed now.
func (t *Tx) Time() time.Time { return t.Now }

// Conversations adapts the DB to the conversation package's Store.
func Conversations(db *DB) conversation.Store { return convStore{db} }

type convStore struct{ db *DB }

func (s convStore) Update(ctx context.Context, fn func(conversation.Tx) error) error {
	return s.db.Update(ctx, func(t *Tx) error { return fn(t) })
}

func (s convStore) View(ctx context.Context, fn func(conversation.Tx) error) error {
	return s.db.View(ctx, func(t *Tx) error { return fn(t) })
}

func (s convStore) Partitioned() bool { return s.db.Partitioned() }

func (s convStore) InboxSignals(ctx context.Context) <-chan struct{} { return s.db.InboxSignals(ctx) }

func (s convStore) AppendInbox(ctx context.Context, items ...*conversation.InboxItem) error {
	return s.db.AppendInbox(ctx, items...)
}

func (s convStore) NextInbox(ctx context.Context, limit int) ([]*conversation.InboxItem, error) {
	return s.db.NextInbox(ctx, limit)
}

func (s convStore) DeleteInbox(ctx context.Context, ids ...string) error {
	return s.db.DeleteInbox(ctx, ids...)
}

func (s convStore) RetryInbox(ctx context.Context, id string, next time.Time, reason string) error {
	return s.db.RetryInbox(ctx, id, next, reason)
}

func (s convStore) Lead(ctx context.Context) (bool, error) { return s.db.Lead(ctx) }

func (s convStore) Enlist(ctx context.Context, worker string) (func(), error) {
	return s.db.Enlist(ctx, worker)
}

func (s convStore) WaIndex(waID string) []byte   { return s.db.WaIndex(waID) }
func (s convStore) Pseudonym(waID string) string { return s.db.Pseudonym(waID) }

// SetMessageStatus sets a message's status without the forward-only rule
// (for inbound messages moving through the agent).
func (t *Tx) SetMessageStatus(id string, s conversation.Status) error {
	t.touched()
	return t.execLater(nil, "UPDATE messages SET status = ?, updated_at = ? WHERE id = ?", string(s), ms(t.Now), id)
}

// ClaimAgentMessage moves an inbound message from agent_pending to
// answered and reports whether this transaction did it; on PostgreSQL the
// row lock makes concurrent replicas agree on one winner.
func (t *Tx) ClaimAgentMessage(id string) (bool, error) {
	t.touched()
	res, err := t.exec("UPDATE messages SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
		string(conversation.StatusAnswered), ms(t.Now), id, string(conversation.StatusAgentPending))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimAgentMessages is ClaimAgentMessage for several messages in one
// statement per chunk; it returns the ids this transaction moved.
func (t *Tx) ClaimAgentMessages(ids []string) (map[string]bool, error) {
	t.touched()
	won := make(map[string]bool, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), inboxChunk)]
		ids = ids[len(chunk):]
		args := []any{string(conversation.StatusAnswered), ms(t.Now), string(conversation.StatusAgentPending)}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := t.query("UPDATE messages SET status = ?, updated_at = ? WHERE status = ? AND id IN ("+placeholders(len(chunk))+") RETURNING id", args...)
		if err != nil {
			return nil, fmt.Errorf("store: claim agent messages: %w", err)
		}
		got, err := scanStrings(rows)
		if err != nil {
			return nil, fmt.Errorf("store: claim agent messages: %w", err)
		}
		for _, id := range got {
			won[id] = true
		}
	}
	return won, nil
}

// ConversationsAndContacts reads the conversations of ids with their
// contacts in one statement per chunk, keyed by id. A conversation that
// does not exist, or whose contact is erased, is left out of both (as
// Conversation and Contact would answer ErrNotFound).
func (t *Tx) ConversationsAndContacts(ids []string) (map[string]*conversation.Conversation, map[string]*conversation.Contact, error) {
	convs := make(map[string]*conversation.Conversation, len(ids))
	contacts := make(map[string]*conversation.Contact, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), inboxChunk)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := t.query("SELECT "+prefixCols("c.", contactCols)+", "+prefixCols("cv.", convCols)+
			" FROM conversations cv JOIN contacts c ON c.id = cv.contact_id WHERE cv.id IN ("+placeholders(len(chunk))+")", args...)
		if err != nil {
			return nil, nil, fmt.Errorf("store: conversations and contacts: %w", err)
		}
		// Every row is read before any is opened: PostgreSQL cannot read a
		// data key on the connection while rows are still coming.
		var sealed []*sealedContact
		var read []*conversation.Conversation
		for rows.Next() {
			var cr convRow
			sc, err := scanSealedContact(rows, cr.dest()...)
			if err != nil {
				rows.Close()
				return nil, nil, err
			}
			sealed, read = append(sealed, sc), append(read, cr.conv())
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("store: conversations and contacts: %w", err)
		}
		for i, sc := range sealed {
			if _, ok := contacts[sc.c.ID]; !ok {
				c, err := t.openContact(sc)
				if errors.Is(err, ErrErased) {
					continue
				}
				if err != nil {
					return nil, nil, err
				}
				contacts[c.ID] = c
			}
			convs[read[i].ID] = read[i]
		}
	}
	return convs, contacts, nil
}

// prefixCols puts prefix before each of the comma-separated cols.
func prefixCols(prefix, cols string) string {
	return prefix + strings.ReplaceAll(cols, ", ", ", "+prefix)
}

// PendingAgentMessages returns inbound messages still waiting for the
// agent. Those of a customer erased meanwhile are skipped while the
// scrubber deletes them: they no longer open, and would fail the batch.
func (t *Tx) PendingAgentMessages(limit int) ([]*conversation.Message, error) {
	return t.scanMessages("SELECT "+msgCols+" FROM messages WHERE status = ? AND "+notErased("messages.contact_id")+" ORDER BY created_at, id LIMIT ?",
		string(conversation.StatusAgentPending), limit)
}

// PendingAgentMessagesBefore is PendingAgentMessages of messages received
// before t0.
func (t *Tx) PendingAgentMessagesBefore(t0 time.Time, limit int) ([]*conversation.Message, error) {
	return t.scanMessages("SELECT "+msgCols+" FROM messages WHERE status = ? AND created_at < ? AND "+notErased("messages.contact_id")+" ORDER BY created_at, id LIMIT ?",
		string(conversation.StatusAgentPending), ms(t0), limit)
}

// AgentTurnsBehind returns which of ids have an older inbound message of
// their conversation, received since since and not among ids, still
// waiting for the agent (read through messages_conversation_order).
// Messages stored in one transaction share their time and are not ordered
// here: one replica processed them, and its agent queue keeps their order.
func (t *Tx) AgentTurnsBehind(ids []string, since time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), inboxChunk)]
		ids = ids[len(chunk):]
		args := make([]any, 0, 2*len(chunk)+2)
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, string(conversation.StatusAgentPending), ms(since))
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := t.query(`SELECT m.id FROM messages m WHERE m.id IN (`+placeholders(len(chunk))+`) AND EXISTS (
			SELECT 1 FROM messages o WHERE o.conversation_id = m.conversation_id AND o.status = ? AND o.created_at >= ?
			AND o.created_at < m.created_at AND o.id NOT IN (`+placeholders(len(chunk))+`))`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: agent turns behind: %w", err)
		}
		got, err := scanStrings(rows)
		if err != nil {
			return nil, fmt.Errorf("store: agent turns behind: %w", err)
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}

// OpenRequest records a data-subject request.
func (t *Tx) OpenRequest(r *conversation.Request) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	completed := int64(0)
	if r.State == "completed" {
		completed = ms(t.Now)
	}
	_, err := t.exec(`INSERT INTO dsar_requests (id, contact_id, wa_index, kind, state, region, channel, due_at, created_at, completed_at, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.ContactID, r.WaIndex, r.Kind, r.State, r.Region, r.Channel, ms(r.DueAt), ms(t.Now), completed, r.Note)
	if err != nil {
		return fmt.Errorf("store: open request: %w", err)
	}
	return nil
}
