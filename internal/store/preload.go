package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/trement/trement/internal/conversation"
)

// preload is what Tx.Preload read for a batch of inbound messages. Each
// contact and conversation is served once, to the first lookup that asks
// for it; a lookup after that, or after a write this cache cannot follow,
// reads the database as it would have.
type preload struct {
	contacts map[string]*conversation.Contact      // by wa id; nil: no such contact
	byID     map[string]string                     // contact id -> wa id, of the contacts above
	convs    map[string]*conversation.Conversation // by convKey; nil: none open
	// reactions: whether a message with this WhatsApp id had reactions
	// waiting (false: none; true, or absent: ask the database).
	reactions map[string]bool
	// own is set while the store writes a row whose entry it drops
	// itself (UpdateContact, UpdateConversation, CreateContact).
	own bool
	// opened is, by convKey, the id of the conversation OpenConversation
	// last returned (see preloadWrittenConversation).
	opened map[string]string
}

func convKey(contactID, phoneNumberID string) string { return contactID + "\x00" + phoneNumberID }

// Preload reads in a few statements what the steps of a batch of inbound
// messages will ask for: the contacts of their senders, those contacts'
// open conversations on the numbers written to, and whether reactions wait
// for the messages' ids. The next ContactByWaID and OpenConversation of
// each answer from what was read, once (on SQLite, a row the flow then
// updates is served again as written: see preloadWritten); PendingReactions
// answers "none" without a statement for ids that had none and got none
// since. A write to contacts or conversations other than the flow's own
// updates drops the rest.
func (t *Tx) Preload(msgs []conversation.Inbound) error {
	p := &preload{contacts: map[string]*conversation.Contact{}, byID: map[string]string{}, convs: map[string]*conversation.Conversation{}, reactions: map[string]bool{},
		opened: map[string]string{}}
	var waIDs, wamids []string
	byIndex := map[string]string{}
	for i := range msgs {
		m := &msgs[i]
		if m.From != "" {
			ix := string(t.db.WaIndex(m.From))
			if _, ok := byIndex[ix]; !ok {
				byIndex[ix] = m.From
				waIDs = append(waIDs, m.From)
			}
		}
		if m.WAMessageID != "" && m.Reaction == nil && m.System == nil {
			wamids = append(wamids, m.WAMessageID)
		}
	}
	for rest := waIDs; len(rest) > 0; {
		chunk := rest[:min(len(rest), inboxChunk)]
		rest = rest[len(chunk):]
		args := make([]any, len(chunk))
		for i, w := range chunk {
			args[i] = t.db.WaIndex(w)
		}
		rows, err := t.query("SELECT "+contactCols+", wa_index FROM contacts WHERE wa_index IN ("+placeholders(len(chunk))+")", args...)
		if err != nil {
			return fmt.Errorf("store: preload contacts: %w", err)
		}
		// Every row is read before any is opened: PostgreSQL cannot read a
		// data key on the connection while rows are still coming.
		var sealed []*sealedContact
		var owners []string
		for rows.Next() {
			var ix []byte
			sc, err := scanSealedContact(rows, &ix)
			if err != nil {
				rows.Close()
				return err
			}
			sealed, owners = append(sealed, sc), append(owners, byIndex[string(ix)])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: preload contacts: %w", err)
		}
		for _, w := range chunk {
			p.contacts[w] = nil
		}
		for i, sc := range sealed {
			c, err := t.openContact(sc)
			if errors.Is(err, ErrErased) {
				delete(p.contacts, owners[i]) // left to ContactByWaID
				continue
			}
			if err != nil {
				return err
			}
			p.contacts[owners[i]] = c
			p.byID[c.ID] = owners[i]
		}
	}
	// The open conversations of the contacts found, on the numbers their
	// messages went to (the newest, as OpenConversation picks).
	want := map[string]bool{}
	var ids []string
	for i := range msgs {
		m := &msgs[i]
		c := p.contacts[m.From]
		if c == nil || m.PhoneNumberID == "" {
			continue
		}
		k := convKey(c.ID, m.PhoneNumberID)
		if !want[k] {
			want[k] = true
			p.convs[k] = nil
		}
		if !slicesContains(ids, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	for rest := ids; len(rest) > 0; {
		chunk := rest[:min(len(rest), inboxChunk)]
		rest = rest[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		convs, err := scanConversations(t.query("SELECT "+convCols+" FROM conversations WHERE contact_id IN ("+placeholders(len(chunk))+") AND closed_at = 0 ORDER BY created_at DESC", args...))
		if err != nil {
			return fmt.Errorf("store: preload conversations: %w", err)
		}
		for _, cv := range convs {
			k := convKey(cv.ContactID, cv.PhoneNumberID)
			if want[k] && p.convs[k] == nil {
				p.convs[k] = cv
			}
		}
	}
	if len(wamids) > 0 {
		pending, err := t.PendingReactions(wamids...)
		if err != nil {
			return err
		}
		for _, w := range wamids {
			p.reactions[w] = len(pending[w]) > 0
		}
	}
	t.pre = p
	return nil
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// preloadedContact serves ContactByWaID from the preload, once.
func (t *Tx) preloadedContact(waID string) (*conversation.Contact, bool) {
	if t.pre == nil {
		return nil, false
	}
	c, ok := t.pre.contacts[waID]
	if !ok {
		return nil, false
	}
	delete(t.pre.contacts, waID)
	if c != nil {
		delete(t.pre.byID, c.ID)
	}
	return c, true
}

// preloadedConversation serves OpenConversation from the preload, once:
// found false means the preload has no answer; conv nil with found true
// means there is no open conversation.
func (t *Tx) preloadedConversation(contactID, phoneNumberID string) (conv *conversation.Conversation, found bool) {
	if t.pre == nil {
		return nil, false
	}
	k := convKey(contactID, phoneNumberID)
	conv, found = t.pre.convs[k]
	delete(t.pre.convs, k)
	return conv, found
}

// wrote drops what the preload can no longer vouch for after statement q.
// Reads and writes to other tables keep it; a write to contacts or
// conversations drops that table's entries, unless the store marked the
// write as its own (it then dropped the entry concerned).
func (t *Tx) wrote(q string) {
	p := t.pre
	if p == nil || p.own || strings.HasPrefix(q, "SELECT") {
		return
	}
	if strings.Contains(q, "contacts") {
		clear(p.contacts)
		clear(p.byID)
	}
	if strings.Contains(q, "conversations") {
		clear(p.convs)
		clear(p.opened)
	}
}

// ownWrite runs a write whose preload entry the caller dropped.
func (t *Tx) ownWrite(f func() error) error {
	if t.pre == nil {
		return f()
	}
	t.pre.own = true
	defer func() { t.pre.own = false }()
	return f()
}

// forgetContact drops the preloaded entry of contact id, if any.
func (t *Tx) forgetContact(id string) {
	if t.pre == nil {
		return
	}
	if w, ok := t.pre.byID[id]; ok {
		delete(t.pre.contacts, w)
		delete(t.pre.byID, id)
	}
}

// servesWritten reports whether the preload may serve a row as this
// transaction's update wrote it: on SQLite's one writer, which runs one
// transaction at a time; on PostgreSQL because the update locks the row
// until this transaction ends (a pipelined update runs before the
// transaction's next statement, or the transaction fails), so no other
// transaction changes it meanwhile.
func (t *Tx) servesWritten() bool { return t.defers() || t.pipe != nil }

// preloadWritten serves contact c as UpdateContact just wrote it to the
// next ContactByWaID of its number, instead of a read of the row. Only
// where nothing but this transaction can change the row before it reads it
// again (servesWritten), and a write of its own to contacts other than the
// flow's updates drops the preload.
func (t *Tx) preloadWritten(c *conversation.Contact) {
	if t.pre == nil || !t.servesWritten() || c.WaID == "" {
		return
	}
	cp := *c
	t.pre.contacts[c.WaID] = &cp
	t.pre.byID[c.ID] = c.WaID
}

// preloadWrittenConversation is preloadWritten for the conversation
// UpdateConversation just wrote, if it is still open and is the one
// OpenConversation last returned for its contact and number (the newest
// open one): the next OpenConversation of theirs gets it as written.
func (t *Tx) preloadWrittenConversation(c *conversation.Conversation) {
	if t.pre == nil || !t.servesWritten() || !c.ClosedAt.IsZero() {
		return
	}
	k := convKey(c.ContactID, c.PhoneNumberID)
	if t.pre.opened[k] != c.ID {
		return
	}
	cp := *c
	t.pre.convs[k] = &cp
}

// openedConversation records that OpenConversation returned c.
func (t *Tx) openedConversation(c *conversation.Conversation) {
	if t.pre != nil && c != nil {
		t.pre.opened[convKey(c.ContactID, c.PhoneNumberID)] = c.ID
	}
}
