package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

// A customer's files (migration 0220): the webhook's reference and the
// file, each sealed under the contact's key, the row deleted with its
// message.

func mediaRefLoc(id string) vault.Loc {
	return vault.Loc{Table: "message_media", Column: "ref", Row: id}
}

func mediaDataLoc(id string) vault.Loc {
	return vault.Loc{Table: "message_media", Column: "data", Row: id}
}

const mediaCols = "message_id, contact_id, state, ref_enc, size, attempts, next_attempt_at, last_error, created_at, updated_at"

// QueueMedia records m (MessageID, ContactID, Ref) as pending download,
// due at once. ErrDuplicate if the message already has a file.
func (t *Tx) QueueMedia(m *conversation.Media) error {
	ci, err := t.cipherFor(m.ContactID)
	if err != nil {
		return err
	}
	ref, err := json.Marshal(m.Ref)
	if err != nil {
		return fmt.Errorf("store: queue media: %w", err)
	}
	m.State, m.CreatedAt, m.UpdatedAt = conversation.MediaPending, t.Now, t.Now
	res, err := t.exec("INSERT INTO message_media ("+mediaCols+") VALUES (?, ?, ?, ?, 0, 0, ?, '', ?, ?) ON CONFLICT DO NOTHING",
		m.MessageID, m.ContactID, string(m.State), ci.Seal(mediaRefLoc(m.MessageID), ref), ms(t.Now), ms(t.Now), ms(t.Now))
	if err != nil {
		return fmt.Errorf("store: queue media: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return conversation.ErrDuplicate
	}
	return nil
}

func (t *Tx) scanMedia(query string, args ...any) ([]*conversation.Media, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	var out []*conversation.Media
	var refs [][]byte
	for rows.Next() {
		var m conversation.Media
		var state string
		var ref []byte
		var next, created, updated int64
		if err := rows.Scan(&m.MessageID, &m.ContactID, &state, &ref, &m.Size, &m.Attempts, &next, &m.LastError, &created, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		m.State = conversation.MediaState(state)
		m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = fromMS(next), fromMS(created), fromMS(updated)
		out, refs = append(out, &m), append(refs, ref)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, m := range out {
		ci, err := t.cipherFor(m.ContactID)
		if err != nil {
			return nil, err
		}
		b, err := ci.Open(mediaRefLoc(m.MessageID), refs[i])
		if err != nil {
			return nil, fmt.Errorf("store: open media %s: %w", m.MessageID, err)
		}
		if err := json.Unmarshal(b, &m.Ref); err != nil {
			return nil, fmt.Errorf("store: open media %s: %w", m.MessageID, err)
		}
	}
	return out, nil
}

// ClaimMedia returns up to limit pending files due by now, oldest due
// first, and moves each one's next attempt to until, so that another
// worker (or replica) does not take it meanwhile; a worker that dies
// leaves it due again at until. Files of customers who are erased or
// blocked are skipped: their key no longer opens.
func (t *Tx) ClaimMedia(until time.Time, limit int) ([]*conversation.Media, error) {
	list, err := t.scanMedia("SELECT "+mediaCols+" FROM message_media WHERE state = 'pending' AND next_attempt_at <= ? AND "+notErased("message_media.contact_id")+
		fmt.Sprintf(notBlocked, "message_media.contact_id")+" ORDER BY next_attempt_at, message_id LIMIT ?", ms(t.Now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim media: %w", err)
	}
	out := list[:0]
	for _, m := range list {
		res, err := t.exec("UPDATE message_media SET next_attempt_at = ?, attempts = attempts + 1, updated_at = ? WHERE message_id = ? AND state = 'pending' AND next_attempt_at <= ?",
			ms(until), ms(t.Now), m.MessageID, ms(t.Now))
		if err != nil {
			return nil, fmt.Errorf("store: claim media: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			m.Attempts++
			out = append(out, m)
		}
	}
	return out, nil
}

// MediaBacklog counts the files waiting to be downloaded (those of
// erased and blocked customers aside: no one will fetch them) and how
// long the oldest has waited, for the metrics.
func (db *DB) MediaBacklog(ctx context.Context) (n int, oldest time.Duration, err error) {
	var first int64
	err = db.View(ctx, func(t *Tx) error {
		return t.queryRow("SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM message_media WHERE state = 'pending' AND "+notErased("message_media.contact_id")+
			fmt.Sprintf(notBlocked, "message_media.contact_id")).Scan(&n, &first)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: media backlog: %w", err)
	}
	if n > 0 {
		oldest = max(db.now().Sub(fromMS(first)), 0)
	}
	return n, oldest, nil
}

// StoreMedia keeps the downloaded file of message id, sealed, with the
// MIME type Meta's metadata gave. A message deleted meanwhile (retention,
// erasure) is not an error: there is nothing left to keep it with.
func (t *Tx) StoreMedia(id, mimeType string, data []byte) error {
	list, err := t.scanMedia("SELECT "+mediaCols+" FROM message_media WHERE message_id = ?", id)
	if err != nil || len(list) == 0 {
		return err
	}
	m := list[0]
	ci, err := t.cipherFor(m.ContactID)
	if err != nil {
		return err
	}
	if mimeType != "" {
		m.Ref.MimeType = mimeType
	}
	ref, err := json.Marshal(m.Ref)
	if err != nil {
		return fmt.Errorf("store: store media: %w", err)
	}
	_, err = t.exec("UPDATE message_media SET state = 'stored', ref_enc = ?, data_enc = ?, size = ?, last_error = '', updated_at = ? WHERE message_id = ?",
		ci.Seal(mediaRefLoc(id), ref), ci.Seal(mediaDataLoc(id), data), len(data), ms(t.Now), id)
	if err != nil {
		return fmt.Errorf("store: store media: %w", err)
	}
	return nil
}

// RetryMedia leaves message id's file pending until next, with reason.
func (t *Tx) RetryMedia(id string, next time.Time, reason string) error {
	_, err := t.exec("UPDATE message_media SET next_attempt_at = ?, last_error = ?, updated_at = ? WHERE message_id = ? AND state = 'pending'", ms(next), reason, ms(t.Now), id)
	return err
}

// FailMedia gives up on message id's file, with reason; nothing of it is
// kept but the webhook's (sealed) reference.
func (t *Tx) FailMedia(id, reason string) error {
	_, err := t.exec("UPDATE message_media SET state = 'failed', data_enc = NULL, size = 0, last_error = ?, updated_at = ? WHERE message_id = ?", reason, ms(t.Now), id)
	return err
}

// MessageMedia returns message id's file: with data, the file itself
// opened (stored files only). ErrNotFound if the message has none.
func (t *Tx) MessageMedia(id string, data bool) (*conversation.Media, error) {
	list, err := t.scanMedia("SELECT "+mediaCols+" FROM message_media WHERE message_id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, conversation.ErrNotFound
	}
	m := list[0]
	if !data || m.State != conversation.MediaStored {
		return m, nil
	}
	var sealed []byte
	if err := t.queryRow("SELECT data_enc FROM message_media WHERE message_id = ?", id).Scan(&sealed); err != nil {
		return nil, notFound(err)
	}
	ci, err := t.cipherFor(m.ContactID)
	if err != nil {
		return nil, err
	}
	if m.Data, err = ci.Open(mediaDataLoc(id), sealed); err != nil {
		return nil, fmt.Errorf("store: open media %s: %w", id, err)
	}
	return m, nil
}

// ContactMedia returns a contact's files (without their data), oldest
// first, for access and portability requests.
func (t *Tx) ContactMedia(contactID string) ([]*conversation.Media, error) {
	return t.scanMedia("SELECT "+mediaCols+" FROM message_media WHERE contact_id = ? ORDER BY created_at, message_id", contactID)
}

// ConversationMedia returns the files of a conversation's messages
// (without their data), by message id.
func (t *Tx) ConversationMedia(conversationID string) (map[string]*conversation.Media, error) {
	list, err := t.scanMedia("SELECT "+prefixed("message_media.", mediaCols)+" FROM message_media JOIN messages ON messages.id = message_media.message_id WHERE messages.conversation_id = ?", conversationID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*conversation.Media, len(list))
	for _, m := range list {
		out[m.MessageID] = m
	}
	return out, nil
}

// prefixed qualifies each of the comma-separated cols with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
