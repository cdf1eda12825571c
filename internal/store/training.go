package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

// ConversationScan selects the conversations EachConversation reads.
type ConversationScan struct {
	// Since keeps conversations created at or after it; zero means all.
	Since time.Time
	// Batch is how many conversations one read transaction reads; zero
	// means 100.
	Batch int
}

// EachConversation calls fn with every conversation the scan selects, in
// id order (creation order: ids are UUIDv7), with its contact and its
// messages oldest first. It is for whole-database passes such as
// `trement export training`.
//
// Each batch is read in a short read transaction of its own, and fn runs
// between them, outside any transaction: a slow consumer never holds a
// snapshot open (on SQLite a long reader keeps the WAL from being
// checkpointed). So the pass is consistent per batch, not as a whole: a
// conversation erased before its batch is read is simply not seen.
//
// A conversation whose contact or messages cannot be opened is passed
// with err set, as filepath.WalkDir passes an unreadable folder: ErrErased
// if the contact's data key is gone, or an error matching
// vault.ErrDecrypt or vault.ErrFormat if a field does not authenticate;
// contact and messages are then nil. Any other error stops the pass and
// is returned, as is the first error fn returns.
func (db *DB) EachConversation(ctx context.Context, s ConversationScan, fn func(c *conversation.Contact, conv *conversation.Conversation, msgs []*conversation.Message, err error) error) error {
	n := s.Batch
	if n <= 0 {
		n = 100
	}
	since := ms(s.Since)
	after := ""
	for {
		var batch []scannedConversation
		err := db.View(ctx, func(t *Tx) error {
			var err error
			batch, err = t.conversationBatch(after, since, n)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: each conversation: %w", err)
		}
		for _, b := range batch {
			if err := fn(b.contact, b.conv, b.msgs, b.err); err != nil {
				return err
			}
		}
		if len(batch) < n {
			return nil
		}
		after = batch[len(batch)-1].conv.ID
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

type scannedConversation struct {
	contact *conversation.Contact
	conv    *conversation.Conversation
	msgs    []*conversation.Message
	err     error
}

// unreadable reports whether err concerns one owner's data only (their
// key destroyed, a field that does not authenticate), so the pass goes on
// without them.
func unreadable(err error) bool {
	return errors.Is(err, conversation.ErrNotFound) || errors.Is(err, vault.ErrDecrypt) || errors.Is(err, vault.ErrFormat)
}

const batchWhere = "id > ? AND created_at >= ? ORDER BY id LIMIT ?"

// conversationBatch reads up to n conversations after the given id, their
// contacts and their messages, in three kinds of query: the conversations,
// each contact once, and all the batch's messages in one.
func (t *Tx) conversationBatch(after string, since int64, n int) ([]scannedConversation, error) {
	rows, err := t.query("SELECT "+convCols+" FROM conversations WHERE "+batchWhere, after, since, n)
	if err != nil {
		return nil, err
	}
	var out []scannedConversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, scannedConversation{conv: c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}

	contacts := map[string]*conversation.Contact{}
	failed := map[string]error{}
	for i := range out {
		id := out[i].conv.ContactID
		if _, ok := contacts[id]; !ok && failed[id] == nil {
			c, err := t.Contact(id)
			switch {
			case err == nil:
				contacts[id] = c
			case unreadable(err):
				failed[id] = err
			default:
				return nil, err
			}
		}
		out[i].contact, out[i].err = contacts[id], failed[id]
	}

	// One query for the whole batch's messages. If one contact's cannot
	// be opened it fails as a whole; then read conversation by
	// conversation, so only theirs are set aside.
	msgs, err := t.scanMessages("SELECT "+msgCols+" FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE "+batchWhere+") ORDER BY conversation_id, created_at, id", after, since, n)
	if err == nil {
		byConv := map[string][]*conversation.Message{}
		for _, m := range msgs {
			byConv[m.ConversationID] = append(byConv[m.ConversationID], m)
		}
		for i := range out {
			if out[i].err == nil {
				out[i].msgs = byConv[out[i].conv.ID]
			}
		}
		return out, nil
	}
	if !unreadable(err) {
		return nil, err
	}
	for i := range out {
		if out[i].err != nil {
			continue
		}
		out[i].msgs, err = t.scanMessages("SELECT "+msgCols+" FROM messages WHERE conversation_id = ? ORDER BY created_at, id", out[i].conv.ID)
		switch {
		case err == nil:
		case unreadable(err):
			out[i].contact, out[i].msgs, out[i].err = nil, nil, err
		default:
			return nil, err
		}
	}
	return out, nil
}
