package store

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

const convCols = "id, contact_id, phone_number_id, state, assigned_to, sensitive, not_helpful, last_inbound_at, created_at, updated_at, closed_at, language, failures, waiting_since, wait_expired"

func scanConversation(row interface{ Scan(...any) error }) (*conversation.Conversation, error) {
	var r convRow
	if err := row.Scan(r.dest()...); err != nil {
		return nil, notFound(err)
	}
	return r.conv(), nil
}

// convRow is a conversations row being scanned (convCols).
type convRow struct {
	c                                       conversation.Conversation
	state                                   string
	last, created, updated, closed, waiting int64
}

func (r *convRow) dest() []any {
	c := &r.c
	return []any{&c.ID, &c.ContactID, &c.PhoneNumberID, &r.state, &c.AssignedTo, &c.Sensitive, &c.NotHelpful, &r.last, &r.created, &r.updated, &r.closed,
		&c.Language, &c.Failures, &r.waiting, &c.WaitExpired}
}

func (r *convRow) conv() *conversation.Conversation {
	c := r.c
	c.State = conversation.State(r.state)
	c.LastInboundAt, c.CreatedAt, c.UpdatedAt, c.ClosedAt = fromMS(r.last), fromMS(r.created), fromMS(r.updated), fromMS(r.closed)
	c.WaitingSince = fromMS(r.waiting)
	return &c
}

// OpenConversation returns the contact's open conversation on a business
// number, creating one if there is none.
func (t *Tx) OpenConversation(contactID, phoneNumberID string) (*conversation.Conversation, error) {
	c, err := t.openConversation(contactID, phoneNumberID)
	if err == nil {
		t.openedConversation(c)
	}
	return c, err
}

func (t *Tx) openConversation(contactID, phoneNumberID string) (*conversation.Conversation, error) {
	c, found := t.preloadedConversation(contactID, phoneNumberID)
	if found && c != nil {
		return c, nil
	}
	if !found {
		var err error
		c, err = scanConversation(t.queryRow("SELECT "+convCols+" FROM conversations WHERE contact_id = ? AND phone_number_id = ? AND closed_at = 0 ORDER BY created_at DESC LIMIT 1", contactID, phoneNumberID))
		if !errors.Is(err, conversation.ErrNotFound) {
			return c, err
		}
	}
	t.touched()
	c = &conversation.Conversation{ID: NewID(), ContactID: contactID, PhoneNumberID: phoneNumberID, State: conversation.StateBot, CreatedAt: t.Now, UpdatedAt: t.Now}
	err := t.ownWrite(func() error {
		_, err := t.exec("INSERT INTO conversations ("+convCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			c.ID, c.ContactID, c.PhoneNumberID, string(c.State), c.AssignedTo, c.Sensitive, c.NotHelpful, ms(c.LastInboundAt), ms(c.CreatedAt), ms(c.UpdatedAt), ms(c.ClosedAt),
			c.Language, c.Failures, ms(c.WaitingSince), c.WaitExpired)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create conversation: %w", err)
	}
	return c, nil
}

// LatestConversation returns the contact's most recent conversation, open
// or closed. ErrNotFound if there is none.
func (t *Tx) LatestConversation(contactID string) (*conversation.Conversation, error) {
	return scanConversation(t.queryRow("SELECT "+convCols+" FROM conversations WHERE contact_id = ? ORDER BY updated_at DESC, created_at DESC LIMIT 1", contactID))
}

// Conversation returns a conversation by id. ErrNotFound if there is none.
func (t *Tx) Conversation(id string) (*conversation.Conversation, error) {
	return scanConversation(t.queryRow("SELECT "+convCols+" FROM conversations WHERE id = ?", id))
}

// UpdateConversation writes c's mutable fields.
func (t *Tx) UpdateConversation(c *conversation.Conversation) error {
	t.touched()
	c.UpdatedAt = t.Now
	if t.pre != nil {
		delete(t.pre.convs, convKey(c.ContactID, c.PhoneNumberID))
	}
	if err := t.updateRow(convUpdate, func(p *pendingRows) *rowSet { return &p.convs }, []any{string(c.State), c.AssignedTo, c.Sensitive, c.NotHelpful,
		ms(c.LastInboundAt), ms(c.UpdatedAt), ms(c.ClosedAt), c.Language, c.Failures, ms(c.WaitingSince), c.WaitExpired, c.ID}); err != nil {
		return err
	}
	t.preloadWrittenConversation(c)
	return nil
}

func scanConversations(rows *sql.Rows, err error) ([]*conversation.Conversation, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*conversation.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// WaitingBefore returns up to limit conversations waiting for a person,
// unassigned, since before t, whose customer has not yet been told that no
// one took them in time; oldest first.
func (t *Tx) WaitingBefore(before time.Time, limit int) ([]*conversation.Conversation, error) {
	rows, err := t.query("SELECT "+convCols+" FROM conversations WHERE state = 'waiting_human' AND assigned_to = '' AND waiting_since > 0 AND waiting_since < ? AND NOT wait_expired AND "+notErased("contact_id")+" ORDER BY waiting_since LIMIT ?",
		ms(before), limit)
	return scanConversations(rows, err)
}

// ConversationFilter selects conversations to list.
type ConversationFilter struct {
	State      conversation.State // empty: any
	AssignedTo string             // empty: anyone
	// Queue, with AssignedTo, also selects unassigned conversations
	// waiting for a human (what an agent may pick up).
	Queue bool
	Limit int
}

// Conversations lists conversations, most recently updated first. An
// erased customer's conversations are gone from the lists at the erasure's
// commit, not only once the scrubber deleted them.
func (t *Tx) Conversations(f ConversationFilter) ([]*conversation.Conversation, error) {
	q := "SELECT " + convCols + " FROM conversations WHERE (? = '' OR state = ?) AND (? = '' OR assigned_to = ? OR (? AND assigned_to = '' AND state = 'waiting_human')) AND " +
		notErased("contact_id") + " ORDER BY updated_at DESC LIMIT ?"
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := t.query(q, string(f.State), string(f.State), f.AssignedTo, f.AssignedTo, f.Queue, f.Limit)
	return scanConversations(rows, err)
}

// msgCols are the columns messages are read with. WhatsApp message ids
// encode the customer's number (wamid.HBgL… is base64 of it), so the
// wa_message_id column holds only their blind index (for status and
// de-duplication look-ups) and wa_message_id_enc the id sealed under the
// contact's key (for marking read and quoting a reply).
//
// The message a message replies to is kept as the blind index of its id
// (reply_to_wamid) and found when read, through wa_message_id's unique
// index and only among the same contact's messages: a reply stored before
// its quoted message got its id (a send reconciled late) still finds it.
const msgCols = msgInsertCols + ", reaction_enc, (SELECT q.id FROM messages q WHERE q.wa_message_id = messages.reply_to_wamid AND q.contact_id = messages.contact_id) AS reply_to_id"

// msgInsertCols are the columns InsertMessage writes besides wa_message_id
// and reply_to_wamid.
const msgInsertCols = "id, conversation_id, contact_id, direction, wa_message_id_enc, type, body_enc, author, status, error_code, error_title, wa_timestamp, created_at, updated_at, truncated, meta_enc"

func msgLoc(id string) vault.Loc { return vault.Loc{Table: "messages", Column: "body", Row: id} }

func wamidLoc(id string) vault.Loc {
	return vault.Loc{Table: "messages", Column: "wa_message_id", Row: id}
}

func reactionLoc(id string) vault.Loc {
	return vault.Loc{Table: "messages", Column: "reaction", Row: id}
}

func metaLoc(id string) vault.Loc { return vault.Loc{Table: "messages", Column: "meta", Row: id} }

// WamidIndex is the blind index stored in place of a WhatsApp message id.
func (db *DB) WamidIndex(wamid string) string {
	if wamid == "" {
		return ""
	}
	return wamidPrefix + base64.RawURLEncoding.EncodeToString(db.index.Index("wamid", wamid))
}

// wamidPrefix marks a stored message id as a blind index (rows written
// before migration 0031 held the raw id; see migrateWamids).
const wamidPrefix = "wm:"

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// InsertMessage stores m, sealing its body under the contact's key; it sets
// m.ID if empty and the timestamps. ErrDuplicate if its WhatsApp message id
// is already stored.
func (t *Tx) InsertMessage(m *conversation.Message) error {
	t.touched()
	fresh := m.ID == ""
	if fresh {
		m.ID = NewID()
	}
	m.CreatedAt, m.UpdatedAt = t.Now, t.Now
	ci, err := t.cipherFor(m.ContactID)
	if err != nil {
		return err
	}
	var wamidEnc []byte
	if m.WAMessageID != "" {
		wamidEnc = ci.SealString(wamidLoc(m.ID), m.WAMessageID)
	}
	var meta []byte
	if m.Meta != nil {
		b, err := json.Marshal(m.Meta)
		if err != nil {
			return fmt.Errorf("store: insert message: %w", err)
		}
		meta = ci.Seal(metaLoc(m.ID), b)
	}
	if m.Type == conversation.TypeReaction {
		if t.pre != nil {
			delete(t.pre.reactions, m.ReplyTo) // a reaction now waits for it
		}
		if m.ReplyTo != "" {
			t.db.reactions.add(t.db.WamidIndex(m.ReplyTo))
		}
	}
	const insert = "INSERT INTO messages (" + msgInsertCols + ", wa_message_id, reply_to_wamid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
	args := []any{m.ID, m.ConversationID, m.ContactID, string(m.Direction), wamidEnc, m.Type,
		ci.SealString(msgLoc(m.ID), m.Body), m.Author, string(m.Status), m.ErrorCode, m.ErrorTitle,
		ms(m.WATimestamp), ms(m.CreatedAt), ms(m.UpdatedAt), m.Truncated, meta,
		nullString(t.db.WamidIndex(m.WAMessageID)), nullString(t.db.WamidIndex(m.ReplyTo))}
	if fresh && m.WAMessageID == "" {
		// Nothing can be its duplicate (a new id, no WhatsApp id): the
		// write may go with the next statement (pipeline.go); a conflict
		// after all fails the transaction.
		if err := t.ownWrite(func() error {
			return t.execLater(func(n int64) error {
				if n == 0 {
					return fmt.Errorf("store: insert message %s: %w", m.ID, conversation.ErrDuplicate)
				}
				return nil
			}, insert, args...)
		}); err != nil {
			return err
		}
		t.preloadInserted(m)
		return nil
	}
	var res sql.Result
	err = t.ownWrite(func() error {
		var err error
		res, err = t.exec(insert, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: insert message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return conversation.ErrDuplicate
	}
	t.preloadInserted(m)
	return nil
}

func (t *Tx) scanMessages(query string, args ...any) ([]*conversation.Message, error) {
	return t.scanMessagesWith(nil, query, args...)
}

// scanMessagesWith is scanMessages of a query with one more column, a
// nullable text appended to *extra for each row, if extra is not nil.
func (t *Tx) scanMessagesWith(extra *[]string, query string, args ...any) ([]*conversation.Message, error) {
	var out []*conversation.Message
	type sealed struct{ body, wamid, meta, reaction []byte }
	var enc []sealed
	err := t.eachRow(func(rows rowScanner) error {
		var m conversation.Message
		var e sealed
		var dir, status string
		var wts, created, updated int64
		var replyTo, more sql.NullString
		dest := []any{&m.ID, &m.ConversationID, &m.ContactID, &dir, &e.wamid, &m.Type, &e.body, &m.Author, &status, &m.ErrorCode, &m.ErrorTitle, &wts, &created, &updated, &m.Truncated,
			&e.meta, &e.reaction, &replyTo}
		if extra != nil {
			dest = append(dest, &more)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if extra != nil {
			*extra = append(*extra, more.String)
		}
		m.Direction, m.Status = conversation.Direction(dir), conversation.Status(status)
		m.WATimestamp, m.CreatedAt, m.UpdatedAt = fromMS(wts), fromMS(created), fromMS(updated)
		m.ReplyToID = replyTo.String
		out = append(out, &m)
		enc = append(enc, e)
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	// Open after the rows are closed: fetching a data key is a query of its
	// own, and a connection serves one result set at a time.
	for i, m := range out {
		ci, err := t.cipherFor(m.ContactID)
		if err != nil {
			return nil, err
		}
		if m.Body, err = ci.OpenString(msgLoc(m.ID), enc[i].body); err != nil {
			return nil, fmt.Errorf("store: open message %s: %w", m.ID, err)
		}
		if m.WAMessageID, err = ci.OpenString(wamidLoc(m.ID), enc[i].wamid); err != nil {
			return nil, fmt.Errorf("store: open message %s id: %w", m.ID, err)
		}
		if m.Reaction, err = ci.OpenString(reactionLoc(m.ID), enc[i].reaction); err != nil {
			return nil, fmt.Errorf("store: open message %s reaction: %w", m.ID, err)
		}
		if enc[i].meta != nil {
			b, err := ci.Open(metaLoc(m.ID), enc[i].meta)
			if err != nil {
				return nil, fmt.Errorf("store: open message %s meta: %w", m.ID, err)
			}
			m.Meta = new(conversation.MessageMeta)
			if err := json.Unmarshal(b, m.Meta); err != nil {
				return nil, fmt.Errorf("store: open message %s meta: %w", m.ID, err)
			}
		}
	}
	return out, nil
}

// Messages returns the last limit messages of a conversation, oldest first.
func (t *Tx) Messages(conversationID string, limit int) ([]*conversation.Message, error) {
	if list, ok := t.preloadedMessages(conversationID, limit); ok {
		return list, nil
	}
	list, err := t.scanMessages("SELECT "+msgCols+" FROM messages WHERE conversation_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", conversationID, limit)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, err
}

// ContactMessages returns every message of a contact, oldest first (for
// access and portability requests).
func (t *Tx) ContactMessages(contactID string) ([]*conversation.Message, error) {
	return t.scanMessages("SELECT "+msgCols+" FROM messages WHERE contact_id = ? ORDER BY created_at, id", contactID)
}

// Message returns one message by id. ErrNotFound if there is none.
func (t *Tx) Message(id string) (*conversation.Message, error) {
	list, err := t.scanMessages("SELECT "+msgCols+" FROM messages WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, conversation.ErrNotFound
	}
	return list[0], nil
}

// ContactMessage returns the contact's message with WhatsApp id wamid (a
// message a reply quotes). ErrNotFound if the contact has none.
func (t *Tx) ContactMessage(contactID, wamid string) (*conversation.Message, error) {
	if wamid == "" {
		return nil, conversation.ErrNotFound
	}
	list, err := t.scanMessages("SELECT "+msgCols+" FROM messages WHERE wa_message_id = ? AND contact_id = ?", t.db.WamidIndex(wamid), contactID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, conversation.ErrNotFound
	}
	return list[0], nil
}

// SetReaction records the contact's reaction emoji (sealed) on their
// conversation's message with WhatsApp id wamid; an empty emoji clears it.
// A customer reacts only to messages of their own chat, so another
// contact's message is not found. It returns the message's id;
// ErrNotFound if there is no such message.
func (t *Tx) SetReaction(contactID, wamid, emoji string) (string, error) {
	t.touched()
	var id string
	if err := t.queryRow("SELECT id FROM messages WHERE wa_message_id = ? AND contact_id = ?", t.db.WamidIndex(wamid), contactID).Scan(&id); err != nil {
		return "", notFound(err)
	}
	var enc []byte
	if emoji != "" {
		ci, err := t.cipherFor(contactID)
		if err != nil {
			return "", err
		}
		enc = ci.SealString(reactionLoc(id), emoji)
	}
	if _, err := t.exec("UPDATE messages SET reaction_enc = ?, updated_at = ? WHERE id = ?", enc, ms(t.Now), id); err != nil {
		return "", fmt.Errorf("store: set reaction: %w", err)
	}
	return id, nil
}

// PendingReactions finds the reactions kept as rows of their own
// (conversation.TypeReaction) because the message they react to was not
// recorded when they came, for the messages with WhatsApp ids wamids: by
// wamid, oldest first by WhatsApp's time. One query per chunk of ids,
// through a partial index that holds only such rows.
func (t *Tx) PendingReactions(wamids ...string) (map[string][]*conversation.Message, error) {
	if t.pre != nil && len(wamids) > 0 {
		none := true
		for _, w := range wamids {
			if has, ok := t.pre.reactions[w]; !ok || has {
				none = false
				break
			}
		}
		if none {
			return map[string][]*conversation.Message{}, nil
		}
	}
	byIndex := make(map[string]string, len(wamids))
	for _, w := range wamids {
		if w != "" {
			byIndex[t.db.WamidIndex(w)] = w
		}
	}
	idx := make([]string, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	idx, err := t.mayWait(idx)
	if err != nil {
		return nil, err
	}
	out := map[string][]*conversation.Message{}
	for rest := idx; len(rest) > 0; {
		chunk := rest[:min(len(rest), inboxChunk)]
		rest = rest[len(chunk):]
		args := make([]any, len(chunk))
		for i, x := range chunk {
			args[i] = x
		}
		// First which rows react to which id, then the rows themselves
		// (scanMessages reads msgCols, which hold no reply_to_wamid). The
		// type is written out, not bound: a planner uses the partial index
		// only for a condition it can see implies the index's.
		rows, err := t.query("SELECT id, reply_to_wamid FROM messages WHERE type = 'reaction' AND reply_to_wamid IN ("+placeholders(len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("store: pending reactions: %w", err)
		}
		target := map[string]string{}
		var ids []any
		for rows.Next() {
			var id, to string
			if err := rows.Scan(&id, &to); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: pending reactions: %w", err)
			}
			target[id] = byIndex[to]
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: pending reactions: %w", err)
		}
		if len(ids) == 0 {
			continue
		}
		ms, err := t.scanMessages("SELECT "+msgCols+" FROM messages WHERE id IN ("+placeholders(len(ids))+") ORDER BY wa_timestamp, created_at, id", ids...)
		if err != nil {
			return nil, fmt.Errorf("store: pending reactions: %w", err)
		}
		for _, m := range ms {
			out[target[m.ID]] = append(out[target[m.ID]], m)
		}
	}
	return out, nil
}

// DeleteMessage removes the message row id (a pending reaction now shown
// on its message). ErrNotFound if there is none.
func (t *Tx) DeleteMessage(id string) error {
	res, err := t.exec("DELETE FROM messages WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return conversation.ErrNotFound
	}
	return nil
}

// SetMessageSent records the WhatsApp id Meta gave an outbound message and
// moves it to sent (unless a status webhook already moved it further).
func (t *Tx) SetMessageSent(id, wamid string) error {
	t.touched()
	var contactID string
	if err := t.queryRow("SELECT contact_id FROM messages WHERE id = ?", id).Scan(&contactID); err != nil {
		return notFound(err)
	}
	return t.setMessageSent(contactID, id, wamid)
}

// setMessageSent is SetMessageSent for a message whose contact the caller
// knows.
func (t *Tx) setMessageSent(contactID, id, wamid string) error {
	t.touched()
	ci, err := t.cipherFor(contactID)
	if err != nil {
		return err
	}
	_, err = t.exec("UPDATE messages SET wa_message_id = ?, wa_message_id_enc = ?, status = CASE WHEN status IN ('queued', '') THEN 'sent' ELSE status END, updated_at = ? WHERE id = ?",
		t.db.WamidIndex(wamid), ci.SealString(wamidLoc(id), wamid), ms(t.Now), id)
	if isUniqueViolation(err) {
		return conversation.ErrDuplicate
	}
	return err
}

// SetMessageFailed marks an outbound message failed with Meta's code.
func (t *Tx) SetMessageFailed(id string, code int, title string) error {
	t.touched()
	_, err := t.exec("UPDATE messages SET status = 'failed', error_code = ?, error_title = ?, updated_at = ? WHERE id = ?", code, title, ms(t.Now), id)
	return err
}

// ApplyStatus moves the outbound message with WhatsApp id wamid to status,
// only forwards (sent < delivered < read < played; failed is terminal). It
// reports whether anything changed; ErrNotFound if no message has that id.
func (t *Tx) ApplyStatus(wamid string, status conversation.Status, code int, title string) (bool, error) {
	t.touched()
	var id, cur string
	// Statuses describe messages we sent: one naming an inbound message
	// (a malformed or hostile webhook) finds nothing.
	if err := t.queryRow("SELECT id, status FROM messages WHERE wa_message_id = ? AND direction = 'out'", t.db.WamidIndex(wamid)).Scan(&id, &cur); err != nil {
		return false, notFound(err)
	}
	c := conversation.Status(cur)
	if c == conversation.StatusFailed || status.Rank() <= c.Rank() {
		return false, nil
	}
	err := t.ownWrite(func() error {
		_, err := t.exec("UPDATE messages SET status = ?, error_code = ?, error_title = ?, updated_at = ? WHERE id = ?", string(status), code, title, ms(t.Now), id)
		return err
	})
	if err == nil {
		t.preloadStatus(id, status, code, title)
	}
	return err == nil, err
}

// MarkSeen records a webhook event key; it reports false if the key was
// already seen (a duplicate delivery). Keys name WhatsApp message ids, so
// only their blind index is stored.
func (t *Tx) MarkSeen(key string) (bool, error) {
	if first, ok := t.marked[key]; ok {
		delete(t.marked, key) // asked again, the key is seen: the table says so
		return first, nil
	}
	res, err := t.exec("INSERT INTO seen_events (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING", t.db.seenKey(key), ms(t.Now))
	if err != nil {
		return false, fmt.Errorf("store: mark seen: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MarkSeenAll marks keys seen in one statement per chunk, as MarkSeen
// would one by one; the next MarkSeen of each key in this transaction
// reports whether it was new, without a statement of its own. A batch of
// webhooks marks all its messages and statuses at once.
func (t *Tx) MarkSeenAll(keys []string) error {
	byIndex := make(map[string]string, len(keys))
	uniq := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, ok := t.marked[k]; ok || k == "" {
			continue
		}
		ix := t.db.seenKey(k)
		if _, ok := byIndex[ix]; ok {
			continue
		}
		byIndex[ix] = k
		uniq = append(uniq, ix)
	}
	if len(uniq) == 0 {
		return nil
	}
	if t.marked == nil {
		t.marked = make(map[string]bool, len(uniq))
	}
	for len(uniq) > 0 {
		chunk := uniq[:min(len(uniq), inboxChunk)]
		uniq = uniq[len(chunk):]
		var q strings.Builder
		q.WriteString("INSERT INTO seen_events (key, seen_at) VALUES ")
		args := make([]any, 0, 2*len(chunk))
		for i, ix := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, ix, ms(t.Now))
		}
		q.WriteString(" ON CONFLICT DO NOTHING RETURNING key")
		rows, err := t.query(q.String(), args...)
		if err != nil {
			return fmt.Errorf("store: mark seen: %w", err)
		}
		fresh, err := scanStrings(rows)
		if err != nil {
			return fmt.Errorf("store: mark seen: %w", err)
		}
		for _, ix := range chunk {
			t.marked[byIndex[ix]] = false
		}
		for _, ix := range fresh {
			t.marked[byIndex[ix]] = true
		}
	}
	return nil
}

// seenKey is the blind index stored for a de-duplication key.
func (db *DB) seenKey(key string) string {
	return wamidPrefix + base64.RawURLEncoding.EncodeToString(db.index.Index("seen", key))
}
