package conversation

import (
	"errors"
	"time"
)

// Errors the Store reports. Callers test them with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist (or was erased).
	ErrNotFound = errors.New("not found")
	// ErrDuplicate means a row with the same unique key (such as a WhatsApp
	// message id) already exists.
	ErrDuplicate = errors.New("duplicate")
)

// ConsentState is where a contact stands in the consent flow.
type ConsentState string

// Consent states. Only ConsentGranted lets content be processed or kept.
const (
	ConsentNone      ConsentState = "none"      // never contacted us
	ConsentPending   ConsentState = "pending"   // asked, no answer yet
	ConsentGranted   ConsentState = "granted"   // opted in
	ConsentDeclined  ConsentState = "declined"  // declined at first contact
	ConsentWithdrawn ConsentState = "withdrawn" // opted out (STOP)
)

// Contact is a customer, known by their WhatsApp id.
type Contact struct {
	ID            string
	WaID          string // phone number as WhatsApp gives it, no '+'; sealed at rest
	ProfileName   string // kept only when configured; sealed at rest
	Region        string
	RegionReason  string
	Language      string
	ConsentState  ConsentState
	NoticeVersion string // the notice version consent was given under
	PendingAction string // e.g. "erase_confirm": a question awaiting the customer's answer
	// NoticeSentAt is when the privacy notice was last sent; while consent
	// is pending it is not sent again before Config.NoticeResend.
	NoticeSentAt time.Time
	// Unanswered counts messages received since the last consent ledger
	// event whose content was not kept; the next event records the count.
	Unanswered    int
	LastInboundAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// State is who is answering a conversation.
type State string

// Conversation states.
const (
	StateBot          State = "bot"           // the agent answers
	StateWaitingHuman State = "waiting_human" // escalated; the bot is silent
	StateHuman        State = "human"         // an operator took it
	StateClosed       State = "closed"
)

// Conversation is one thread between a contact and a business number.
type Conversation struct {
	ID            string
	ContactID     string
	PhoneNumberID string
	State         State
	AssignedTo    string
	Sensitive     bool
	NotHelpful    int
	// Language is the language the customer last wrote in ("" until a
	// message tells); replies to messages that do not tell use it.
	Language string
	// Failures counts the agent's unsure answers in a row.
	Failures int
	// WaitingSince is when the conversation was handed to a person and
	// began waiting for one (zero when not waiting).
	WaitingSince time.Time
	// WaitExpired is set once the customer was told that no one took the
	// conversation in time; the assistant answers again meanwhile.
	WaitExpired   bool
	LastInboundAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ClosedAt      time.Time
}

// Direction says who wrote a message.
type Direction string

// Directions.
const (
	In  Direction = "in"
	Out Direction = "out"
)

// Status is a message's delivery status. Outbound statuses only move
// forward: queued < sent < delivered < read < played; failed is terminal.
type Status string

// Statuses.
const (
	StatusReceived  Status = "received"
	StatusQueued    Status = "queued"
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusRead      Status = "read"
	StatusPlayed    Status = "played"
	StatusFailed    Status = "failed"
	// StatusNote marks a note for operators (Type TypeNote): never sent.
	StatusNote Status = "note"
)

// Rank orders statuses so updates never go backwards.
func (s Status) Rank() int {
	switch s {
	case StatusQueued:
		return 1
	case StatusSent:
		return 2
	case StatusDelivered:
		return 3
	case StatusRead:
		return 4
	case StatusPlayed:
		return 5
	case StatusFailed:
		return 6
	}
	return 0
}

// TypeNote is the Type of a message row that is a note for operators, not
// a message to or from the customer: why an agent answer was withheld.
// Notes are never sent and never shown to a provider.
const TypeNote = "note"

// TypeReaction is the Type of a customer's reaction kept as a row of its
// own because the message it reacts to was not recorded when it came (a
// reply whose send Meta had not confirmed yet, a webhook out of order, a
// message never kept). Body is the emoji ("" for a reaction removed) and
// ReplyTo the message's WhatsApp id; once that message is recorded the
// newest such row becomes its Reaction and the rows go (see
// linkReactions). It is not a turn of the conversation: the agent never
// sees or answers it.
const TypeReaction = "reaction"

// Message is one message in a conversation. Body is sealed at rest.
type Message struct {
	ID             string
	ConversationID string
	ContactID      string
	Direction      Direction
	WAMessageID    string // empty until Meta assigns one to an outbound message
	Type           string
	Body           string
	Author         string // "customer", "bot", "operator:<id>", "system"
	Status         Status
	ErrorCode      int
	ErrorTitle     string
	WATimestamp    time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Truncated says Body was cut at MaxBodyChars (see CapBody).
	Truncated bool
	// ReplyTo, on insert, is the WhatsApp id of the message this one
	// replies to (the webhook's context.id); only its blind index is
	// stored, so it reads back empty.
	ReplyTo string
	// ReplyToID, on read, is the stored message ReplyTo named, if it is
	// one of the same contact's messages ("" otherwise).
	ReplyToID string
	// Reaction is the emoji the customer reacted to this message with
	// ("" for none); sealed at rest.
	Reaction string
	// Meta is what the message said about itself (forwarded, the ad it
	// came from); nil when nothing. Sealed at rest.
	Meta *MessageMeta
}

// MessageMeta is what an inbound message carries besides its content.
type MessageMeta struct {
	Forwarded bool `json:"forwarded,omitempty"`
	// FrequentlyForwarded: forwarded more than five times.
	FrequentlyForwarded bool `json:"frequently_forwarded,omitempty"`
	// Referral is the Click-to-WhatsApp ad or post the customer tapped.
	Referral *Referral `json:"referral,omitempty"`
	// Product is the catalog product the customer asked about.
	Product *Product `json:"product,omitempty"`
}

// Referral is the ad or post a conversation started from. The ad's click
// id (ctwa_clid) and media URLs are not kept: they serve ad attribution,
// not answering the customer.
type Referral struct {
	SourceType string `json:"source_type,omitempty"` // "ad" or "post"
	SourceID   string `json:"source_id,omitempty"`
	SourceURL  string `json:"source_url,omitempty"`
	Headline   string `json:"headline,omitempty"`
	Body       string `json:"body,omitempty"`
	MediaType  string `json:"media_type,omitempty"`
}

// Product names a catalog item.
type Product struct {
	CatalogID         string `json:"catalog_id"`
	ProductRetailerID string `json:"product_retailer_id"`
}

// MaxBodyChars is the longest message body kept, in characters:
// WhatsApp's own limit on a text message.
const MaxBodyChars = 4096

// CapBody cuts s to MaxBodyChars characters and says whether it did.
func CapBody(s string) (string, bool) {
	if len(s) <= MaxBodyChars { // bytes ≥ characters
		return s, false
	}
	n := 0
	for i := range s {
		if n == MaxBodyChars {
			return s[:i], true
		}
		n++
	}
	return s, false
}

// InboxItem is a webhook body committed before it was acknowledged.
type InboxItem struct {
	Seq        int64
	ID         string
	ReceivedAt time.Time
	Payload    []byte // sealed at rest
	Attempts   int
	// Customer is the number of the customer the body is about (its first
	// message's sender or status's recipient; "" for none), read when the
	// webhook is acknowledged. It is not stored: it picks the body's inbox
	// partition (see store.Partitioned).
	Customer string
}

// OutboxState is where an outbox item is in delivery.
type OutboxState string

// Outbox states. A sender claims an item (Claimed) and, just before the
// request leaves, starts it (Sending), each committed: a crash leaves an
// item either Claimed, which no request was made for and which is sent
// again at once, or Sending, which may have reached Meta and is
// reconciled from status webhooks, never blindly resent.
const (
	OutboxQueued  OutboxState = "queued" // behind an earlier message to the same customer
	OutboxPending OutboxState = "pending"
	OutboxClaimed OutboxState = "claimed" // taken by a sender; no request started
	OutboxSending OutboxState = "sending" // the request may have left
	OutboxSent    OutboxState = "sent"    // transient: a sent item is deleted
	OutboxFailed  OutboxState = "failed"
	OutboxUnknown OutboxState = "unknown" // the send may or may not have reached Meta
	OutboxPaused  OutboxState = "paused"
)

// OutboxItem is one request to Meta's Graph API waiting to be made.
type OutboxItem struct {
	Seq            int64
	ID             string
	MessageID      string // the outbound message it delivers, if any
	ConversationID string
	ContactID      string
	PhoneNumberID  string
	Kind           string // "message" or "read"
	Payload        []byte // JSON of Outbound; sealed at rest
	State          OutboxState
	Attempts       int
	NextAttemptAt  time.Time
	WAMessageID    string
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Delivery is an outbox item Meta accepted, as the sender settles it.
type Delivery struct {
	ID          string // the outbox item
	MessageID   string // the outbound message it delivered, if any
	WAMessageID string // the id Meta gave it
	// PhoneNumberID is the business number it went from (for the
	// per-number counts).
	PhoneNumberID string
}
