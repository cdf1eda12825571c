package conversation

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Inbound is one customer message as the channel adapter reads it from a
// webhook. Text is the message's plain-text summary (the body of a text
// message, a caption, a button title…); ButtonID is the id of the reply
// button tapped, if any.
type Inbound struct {
	PhoneNumberID string
	From          string // wa_id
	ProfileName   string
	WAMessageID   string
	Timestamp     time.Time
	Type          string // text, image, interactive, button, …, unsupported
	Text          string
	ButtonID      string
	Truncated     bool // Text was cut at MaxBodyChars
	// System is set for WhatsApp's own notices about the customer (a
	// number or identity change): never answered, never a consent answer.
	System *SystemEvent
	// ReplyTo is the WhatsApp id of the message this one replies to
	// (context.id), if any.
	ReplyTo string
	// Reaction is set when the customer reacted to a message: it is
	// recorded on that message, never answered.
	Reaction *Reaction
	// Meta is the message's forward flags, ad referral and product; nil
	// when it carries none.
	Meta *MessageMeta
	// Media is the file an image, document, audio, video or sticker
	// message names (nil for other messages).
	Media *MediaRef
}

// Reaction is a customer's reaction to a message.
type Reaction struct {
	WAMessageID string // the message reacted to
	Emoji       string // "" when the customer removed their reaction
}

// SystemEvent is a WhatsApp system message.
type SystemEvent struct {
	Type    string // "user_changed_number", "customer_identity_changed", …
	NewWaID string // user_changed_number: the customer's new wa_id
}

// StatusEvent is a delivery status for a message we sent.
type StatusEvent struct {
	WAMessageID  string
	Status       Status
	Timestamp    time.Time
	ErrorCode    int
	ErrorTitle   string
	CallbackData string // biz_opaque_callback_data: our outbox item id
	// Action is what the error of a failed status means for the send,
	// classified like a synchronous error (0 without an error).
	Action SendAction
}

// Preference is a customer's marketing setting changed inside WhatsApp.
type Preference struct {
	PhoneNumberID string
	WaID          string
	Stop          bool // false: resume
	Timestamp     time.Time
}

// MetaError is an error Meta reported in an errors webhook.
type MetaError struct {
	PhoneNumberID string
	Code          int
	Title         string
}

// Batch is what one webhook body holds.
type Batch struct {
	Messages []Inbound
	Statuses []StatusEvent
	Errors   []string // out-of-band errors Meta reported, as text
	// Preferences are customers turning marketing messages off or on
	// inside WhatsApp (user_preferences webhooks).
	Preferences []Preference
	// ErrorEvents are the out-of-band errors with their codes, fed to the
	// same throttling as send errors.
	ErrorEvents []MetaError
	// Account are Meta's reports about the business's own number,
	// account and templates (quality, restrictions, template status).
	Account []AccountSignal
	// Numbers maps the display numbers seen in the body to their
	// phone_number_id, so a quality report (which names only the
	// display number) slows the right number.
	Numbers map[string]string
	Ignored int // changes of fields no one handles
}

// AccountSignal is one report from Meta about the business side, already
// judged by the channel: how serious it is and whether the number should
// slow down. It holds no customer data.
type AccountSignal struct {
	Field    string // Signal*: number quality, account, template, template quality
	Event    string // Meta's event, e.g. FLAGGED, DISABLED_UPDATE, PAUSED
	Number   string // the business display number, for number quality
	Template string // "name/language", for template updates
	WABAID   string
	Detail   string
	Severity string // "info", "warning" or "critical"
	Slow     bool   // the number's quality dropped: send slower
}

// Parser turns a verified webhook body into events. A body that cannot be
// parsed returns an error wrapping ErrMalformed.
type Parser func(raw []byte) (*Batch, error)

// ErrMalformed marks a webhook body that will never parse; it is kept aside
// (sealed) for inspection rather than retried.
var ErrMalformed = errors.New("malformed webhook body")

// Button is a reply button.
type Button struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Template names an approved message template.
type Template struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	// Body fills the template's body variables {{1}}, {{2}}, ... in order
	// (text parameters of the body component, spec §4.1).
	Body []string `json:"body,omitempty"`
	// Named fills a template approved with named variables ({{order_id}}):
	// parameter name → text. A template has one kind or the other.
	Named map[string]string `json:"named,omitempty"`
	// Buttons fill the variables of the template's buttons: a URL
	// button's suffix, a quick reply's payload.
	Buttons []TemplateButton `json:"buttons,omitempty"`
}

// TemplateButton fills one button of a template: Index is the button's
// position (0-based), Type "url" (Value completes its URL) or
// "quick_reply" (Value is the payload Meta sends back when tapped).
type TemplateButton struct {
	Index int    `json:"index"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Outbound is what an outbox item asks the channel to do: send a text
// (optionally with reply buttons) or a template, or mark a message read.
type Outbound struct {
	To       string    `json:"to"`
	Text     string    `json:"text,omitempty"`
	Buttons  []Button  `json:"buttons,omitempty"`
	Template *Template `json:"template,omitempty"`
	ReplyTo  string    `json:"reply_to,omitempty"`
	Read     string    `json:"read,omitempty"`   // wamid to mark read
	Typing   bool      `json:"typing,omitempty"` // with Read: show the typing indicator
	// Trace is the W3C traceparent of the turn that wrote the message, so
	// its send joins the customer message's trace (never sent to Meta).
	Trace string `json:"trace,omitempty"`
}

// SendAction says what to do after a failed send.
type SendAction int

// Send actions, from the channel's error classification.
const (
	SendRetry          SendAction = iota + 1 // back off and retry
	SendRetryRecipient                       // the recipient's pair limit: retry later (4^n)
	SendUnknown                              // timed out: may have been accepted; reconcile first
	SendPauseNumber                          // the number is restricted: pause and alert
	SendAuthFailed                           // the token is invalid or expired: pause all and alert
	SendWindowClosed                         // outside the 24-hour window: use a template
	SendPermanent                            // do not retry
)

// SendError is a failed send, classified by the channel adapter.
type SendError struct {
	Action SendAction
	Code   int
	Title  string
	Err    error
}

func (e *SendError) Error() string {
	return fmt.Sprintf("send: code %d %s: %v", e.Code, e.Title, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Sender delivers outbox items. callbackID is echoed back by Meta in status
// webhooks (biz_opaque_callback_data), which lets a send whose answer was
// lost be reconciled instead of repeated. Errors are *SendError.
type Sender interface {
	Send(ctx context.Context, phoneNumberID string, out Outbound, callbackID string) (wamid string, err error)
	// MarkRead marks wamid read; with typing, the customer also sees a
	// typing indicator until the reply (or 25 seconds).
	MarkRead(ctx context.Context, phoneNumberID, wamid string, typing bool) error
}
