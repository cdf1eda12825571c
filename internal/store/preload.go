package store

import (
	"errors"
	"fmt"
	"slices"
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
	// history is, by conversation id, the newest histLimit messages of the
	// open conversations preloaded, oldest first, with the messages this
	// transaction inserted in them since (see preloadedMessages).
	history   map[string][]*histEntry
	histLimit int
	// replying counts the history entries that reply to a message by its
	// WhatsApp id (replyIdx set), as an upper bound (histories dropped
	// since are not subtracted): with none, a new message cannot be one
	// they reply to, and preloadInserted skips looking through every
	// history of the batch for them.
	replying int
	// entries are the history entries by message id, for statuses (an
	// entry of a history dropped since may stay: it is served no more).
	entries map[string]*histEntry
}

// histEntry is a preloaded message, with the blind index of the message
// it replies to (which reads back as ReplyToID, found by its id).
type histEntry struct {
	m        conversation.Message
	replyIdx string
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
//
// With history > 0, the newest history messages of each of those open
// conversations are read too, in one statement: Messages of one of them,
// for up to that many, then answers from them and from what the
// transaction inserted in it since, as the database would.
func (t *Tx) Preload(msgs []conversation.Inbound, history int) error {
	p := &preload{contacts: map[string]*conversation.Contact{}, byID: map[string]string{}, convs: map[string]*conversation.Conversation{}, reactions: map[string]bool{}, entries: map[string]*histEntry{},
		opened: map[string]string{}, history: map[string][]*histEntry{}, histLimit: history}
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
	if history > 0 {
		if err := t.preloadHistory(p); err != nil {
			return err
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
// Reads and writes to other tables keep it; a write to contacts,
// conversations or messages drops that table's entries, unless the store
// marked the write as its own (it then dropped or updated the entry
// concerned).
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
	// An erasure destroys the key the history's messages were sealed under:
	// read again, they would not open.
	if strings.Contains(q, "messages") || strings.Contains(q, "contacts") || strings.Contains(q, "data_keys") {
		clear(p.history)
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

// preloadHistory reads the newest p.histLimit messages of every open
// conversation p holds, in one statement per chunk of conversations.
func (t *Tx) preloadHistory(p *preload) error {
	var ids []any
	for _, cv := range p.convs {
		// Only a consented customer's messages go to the agent.
		if cv != nil && p.contacts[p.byID[cv.ContactID]] != nil && p.contacts[p.byID[cv.ContactID]].ConsentState == conversation.ConsentGranted {
			ids = append(ids, cv.ID)
		}
	}
	for rest := ids; len(rest) > 0; {
		chunk := rest[:min(len(rest), inboxChunk)]
		rest = rest[len(chunk):]
		var replyIdx []string
		list, err := t.scanMessagesWith(&replyIdx, "SELECT "+msgCols+", reply_to_wamid FROM messages WHERE id IN (SELECT id FROM (SELECT id, "+
			"ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY created_at DESC, id DESC) AS n FROM messages WHERE conversation_id IN ("+
			placeholders(len(chunk))+")) AS r WHERE n <= ?) ORDER BY conversation_id, created_at, id", append(chunk, p.histLimit)...)
		if err != nil {
			return fmt.Errorf("store: preload history: %w", err)
		}
		for _, id := range chunk {
			p.history[id.(string)] = []*histEntry{}
		}
		for i, m := range list {
			e := &histEntry{m: *m, replyIdx: replyIdx[i]}
			p.history[m.ConversationID] = append(p.history[m.ConversationID], e)
			p.entries[m.ID] = e
			if replyIdx[i] != "" {
				p.replying++
			}
		}
	}
	return nil
}

// preloadedMessages serves Messages(conversationID, limit) from the
// preload: ok false if it has no answer.
func (t *Tx) preloadedMessages(conversationID string, limit int) ([]*conversation.Message, bool) {
	if t.pre == nil || limit > t.pre.histLimit {
		return nil, false
	}
	h, ok := t.pre.history[conversationID]
	if !ok {
		return nil, false
	}
	h = h[max(0, len(h)-limit):]
	out := make([]*conversation.Message, len(h))
	for i, e := range h {
		m := e.m
		out[i] = &m
	}
	return out, true
}

// preloadInserted adds m, which InsertMessage just stored, to its
// conversation's preloaded history as a read would return it: the message
// it replies to found by id among the history (or the history dropped, to
// be read), and the messages of its contact that reply to it now naming it.
func (t *Tx) preloadInserted(m *conversation.Message) {
	if t.pre == nil {
		return
	}
	h, ok := t.pre.history[m.ConversationID]
	if !ok {
		return
	}
	e := &histEntry{m: *m, replyIdx: t.db.WamidIndex(m.ReplyTo)}
	e.m.ReplyTo, e.m.Reaction = "", ""
	if e.replyIdx != "" {
		found := false
		for _, o := range h {
			if o.m.ContactID == m.ContactID && o.m.WAMessageID != "" && t.db.WamidIndex(o.m.WAMessageID) == e.replyIdx {
				e.m.ReplyToID, found = o.m.ID, true
			}
		}
		if !found {
			delete(t.pre.history, m.ConversationID) // it may reply to an older message
			return
		}
	}
	if m.WAMessageID != "" && t.pre.replying > 0 {
		idx := t.db.WamidIndex(m.WAMessageID)
		for _, hs := range t.pre.history {
			for _, o := range hs {
				if o.replyIdx == idx && o.m.ContactID == m.ContactID {
					o.m.ReplyToID = m.ID
				}
			}
		}
	}
	// In the order the database reads them: created_at, then id.
	i := len(h)
	for i > 0 && (h[i-1].m.CreatedAt.After(e.m.CreatedAt) || h[i-1].m.CreatedAt.Equal(e.m.CreatedAt) && h[i-1].m.ID > e.m.ID) {
		i--
	}
	t.pre.history[m.ConversationID] = slices.Insert(h, i, e)
	t.pre.entries[m.ID] = e
	if e.replyIdx != "" {
		t.pre.replying++
	}
}

// preloadStatus records a status ApplyStatus wrote to message id in the
// preloaded history that holds it.
func (t *Tx) preloadStatus(id string, status conversation.Status, code int, title string) {
	if t.pre == nil {
		return
	}
	// By id: each status of a batch looked through every history of it.
	if e := t.pre.entries[id]; e != nil {
		e.m.Status, e.m.ErrorCode, e.m.ErrorTitle, e.m.UpdatedAt = status, code, title, t.Now
	}
}
