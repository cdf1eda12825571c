package conversation

import (
	"context"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
)

// Store is the persistence the message path needs. Update runs fn in one
// read-write transaction: everything a step decides (the message, the
// consent event, the reply in the outbox, the audit record) commits
// together or not at all.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	// WaIndex is the blind index of a WhatsApp id; Pseudonym names a
	// customer in audit events without their number.
	WaIndex(waID string) []byte
	Pseudonym(waID string) string

	// Lead reports whether this replica is the one that runs the sweeps a
	// deployment runs once, and, on a store that is not Partitioned,
	// processes the inbox (one at a time, so each customer's messages are
	// handled in order).
	Lead(ctx context.Context) (bool, error)
	// Enlist marks a sender run alive until release (or its process
	// dies), so other replicas hand its claims to others only once it is
	// gone (Tx.ReleaseClaims).
	Enlist(ctx context.Context, worker string) (release func(), err error)

	// The inbox commits on its own (on SQLite it is a separate file), so
	// acknowledgements never wait for the flow's transactions.
	AppendInbox(ctx context.Context, items ...*InboxItem) error
	NextInbox(ctx context.Context, limit int) ([]*InboxItem, error)
	DeleteInbox(ctx context.Context, ids ...string) error
	RetryInbox(ctx context.Context, id string, next time.Time, reason string) error

	// Partitioned reports whether every replica processes the inbox, by
	// partitions each batch transaction locks (Tx.ClaimInbox), instead of
	// one lead reading it with NextInbox. InboxSignals then wakes this
	// replica for bodies others acknowledged (nil: nothing to listen to).
	Partitioned() bool
	InboxSignals(ctx context.Context) <-chan struct{}
}

// Tx is one transaction. Methods return ErrNotFound or ErrDuplicate as
// documented on the store.
type Tx interface {
	Time() time.Time
	Context() context.Context

	// ClaimInbox locks, for this transaction, inbox partitions no other
	// transaction holds and returns up to limit of their due bodies;
	// ClaimInboxItem locks one body's partition and reports whether it is
	// still there; DeleteInbox deletes processed bodies in the transaction.
	// Partitioned stores only.
	ClaimInbox(limit int) ([]*InboxItem, error)
	ClaimInboxItem(id string) (bool, error)
	DeleteInbox(ids ...string) error

	ContactByWaID(waID string) (*Contact, error)
	Contact(id string) (*Contact, error)
	CreateContact(c *Contact) error
	UpdateContact(c *Contact) error
	// ChangeContactNumber moves a contact to a new number (sealed again,
	// new blind index); ErrDuplicate if another contact has it.
	ChangeContactNumber(id, newWaID string) error
	EraseContact(id string) error
	// BlockContact erases by blocking: the data is unreadable to all but
	// the DPO answering an authority until, then shredded by retention.
	BlockContact(id string, until time.Time) error
	// ErasedOptedOut reports whether the number was erased while opted
	// out (the tombstone an erasure leaves).
	ErasedOptedOut(waID string) (bool, error)
	ContactMessages(contactID string) ([]*Message, error)

	OpenConversation(contactID, phoneNumberID string) (*Conversation, error)
	// LatestConversation is the contact's most recent conversation, open
	// or closed (ErrNotFound if none), for the number they last wrote to.
	LatestConversation(contactID string) (*Conversation, error)
	Conversation(id string) (*Conversation, error)
	UpdateConversation(c *Conversation) error
	// WaitingBefore lists unassigned conversations waiting for a person
	// since before t whose wait has not expired yet, oldest first.
	WaitingBefore(t time.Time, limit int) ([]*Conversation, error)

	InsertMessage(m *Message) error
	Message(id string) (*Message, error)
	Messages(conversationID string, limit int) ([]*Message, error)
	SetMessageStatus(id string, s Status) error
	SetMessageSent(id, wamid string) error
	SetMessageFailed(id string, code int, title string) error
	ApplyStatus(wamid string, s Status, code int, title string) (bool, error)
	// OutboundMessage finds the outbound message with WhatsApp id wamid.
	OutboundMessage(wamid string) (*Message, error)
	// ContactMessage finds the contact's message (either direction) with
	// WhatsApp id wamid; ErrNotFound if the contact has none.
	ContactMessage(contactID, wamid string) (*Message, error)
	// SetReaction records the contact's reaction on their message with
	// WhatsApp id wamid ("" clears it) and returns its id; ErrNotFound if
	// the contact has no such message.
	SetReaction(contactID, wamid, emoji string) (string, error)
	// PendingReactions finds the reactions kept as messages of
	// TypeReaction (their message was not recorded when they came) that
	// react to one of wamids: by wamid, oldest first by WhatsApp's time.
	PendingReactions(wamids ...string) (map[string][]*Message, error)
	// DeleteMessage removes a message row; ErrNotFound if there is none.
	DeleteMessage(id string) error
	PendingAgentMessages(limit int) ([]*Message, error)
	// PendingAgentMessagesBefore is PendingAgentMessages of messages
	// received before t.
	PendingAgentMessagesBefore(t time.Time, limit int) ([]*Message, error)
	// AgentTurnsBehind returns which of ids (messages waiting for the
	// agent) have an older message of their conversation, received since
	// since and not among ids, still waiting for it.
	AgentTurnsBehind(ids []string, since time.Time) (map[string]bool, error)
	ClaimAgentMessage(id string) (bool, error)
	// ClaimAgentMessages is ClaimAgentMessage for several messages at
	// once; it returns the ids this transaction claimed.
	ClaimAgentMessages(ids []string) (map[string]bool, error)
	// ConversationsAndContacts reads several conversations with their
	// contacts, keyed by id; those not found (or whose contact is
	// erased) are left out.
	ConversationsAndContacts(ids []string) (map[string]*Conversation, map[string]*Contact, error)
	MarkSeen(key string) (bool, error)
	// MarkSeenAll marks several keys at once, as MarkSeen would one by
	// one; each key's next MarkSeen in the transaction reports whether it
	// was new.
	MarkSeenAll(keys []string) error
	// Preload reads at once what the steps of a batch of inbound messages
	// will look up one by one (their senders' contacts, open
	// conversations and waiting reactions, and with history > 0 the newest
	// history messages of those conversations); the lookups then answer
	// the same as without it.
	Preload(msgs []Inbound, history int) error

	// QueueMedia records a customer's file (MessageID, ContactID, Ref) as
	// pending download; ErrDuplicate if the message has one already.
	QueueMedia(m *Media) error
	// ClaimMedia takes up to limit pending files that are due, moving
	// their next attempt to until (a lease) and counting the attempt.
	ClaimMedia(until time.Time, limit int) ([]*Media, error)
	// StoreMedia keeps message id's downloaded file, sealed.
	StoreMedia(id, mimeType string, data []byte) error
	RetryMedia(id string, next time.Time, reason string) error
	FailMedia(id, reason string) error

	AppendConsent(e *consent.Event) error
	ConsentEvents(waIndex []byte) ([]*consent.Event, error)
	AppendAudit(e *audit.Event) error
	OpenRequest(r *Request) error

	Enqueue(it *OutboxItem) error
	OutboxItem(id string) (*OutboxItem, error)
	ClaimOutbox(worker string, lease time.Duration, limit int, skipNumbers ...string) ([]*OutboxItem, error)
	StartOutbox(worker string, lease time.Duration, ids []string) ([]string, error)
	ReleaseClaims(worker string) (int64, error)
	OutboxSent(id, wamid string) (bool, error)
	// OutboxDelivered is OutboxSent for each of ds, then SetMessageSent
	// for those that name a message (an ErrDuplicate there is ignored),
	// in a few statements for the whole batch; it returns those of ds it
	// removed (an item settled meanwhile is left out).
	OutboxDelivered(ds []Delivery) ([]Delivery, error)
	OutboxRetry(id string, next time.Time, reason string) error
	OutboxDefer(id string, next time.Time) error
	OutboxSetState(id string, s OutboxState, reason string) error
	ExpireSending(worker string) ([]*OutboxItem, error)
	UnknownBefore(t time.Time) ([]*OutboxItem, error)
	ResumePaused() (int64, error)
	RepairLines() (int64, error)
}

// Request is a data-subject request (access, erasure) as the flow opens it.
type Request struct {
	ID        string
	ContactID string
	WaIndex   []byte
	Kind      string // "access", "erasure"
	State     string // "open", "completed"
	Region    string
	Channel   string
	DueAt     time.Time
	Note      string
}

// RightsButtonPrefix starts the ids of the buttons a rights request asks
// the customer to tap (confirming a request an operator entered); the
// flow hands such taps to Rights whatever the consent state, since a tap
// is an answer, not content to keep.
const RightsButtonPrefix = "rights:"

// Rights is the data-subject-rights service the flow hands requests to
// (internal/rights implements it). Every method runs inside the step's
// transaction.
type Rights interface {
	// Requested records a request the customer made from their own number
	// (kind "access" or "erasure") and returns what to answer, in lang; an
	// empty answer leaves it to the flow (the erasure confirmation).
	Requested(tx Tx, c *Contact, lang, kind string) (reply string, err error)
	// EraseConfirmed is called when the customer confirmed DELETE MY DATA;
	// erase false means the request waits (for the DPO) and reply says so.
	EraseConfirmed(tx Tx, c *Contact, lang string) (erase bool, reply string, err error)
	// EraseCancelled closes the erasure request the customer did not confirm.
	EraseCancelled(tx Tx, c *Contact) error
	// Erasing completes the erasure request and closes the contact's other
	// requests; it runs just before the contact's rows go.
	Erasing(tx Tx, c *Contact) error
	// Handle answers other rights messages (a confirmation tap, a
	// correction), in lang unless the customer changes it; handled false
	// leaves the message to the flow. It may change c, which the flow then
	// saves.
	Handle(tx Tx, c *Contact, lang, text, buttonID string) (reply string, handled bool, err error)
}
