package whatsapp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Wire types for the webhook envelope (spec §1.2, §2, §3). IDs, phone
// numbers and timestamps are strings, as Meta sends them. Unknown fields are
// ignored when decoding; each Message and Status keeps its raw JSON so that
// nothing Meta sent is lost.

// ObjectWhatsAppBusinessAccount is the only envelope object this package
// accepts.
const ObjectWhatsAppBusinessAccount = "whatsapp_business_account"

// FieldMessages is the webhook field that carries messages, statuses and
// errors. Other fields reuse the envelope and are acknowledged but ignored.
const FieldMessages = "messages"

// Notification is one webhook POST body.
type Notification struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

// Entry groups changes for one WhatsApp Business Account.
type Entry struct {
	// ID is the WABA ID, not a phone number ID.
	ID      string   `json:"id"`
	Changes []Change `json:"changes"`
}

// Change is one subscribed field's update.
//
// Value is decoded only when Field is "messages"; for every other field it is
// nil and RawValue holds what Meta sent.
type Change struct {
	Field    string          `json:"field"`
	Value    *Value          `json:"value,omitempty"`
	RawValue json.RawMessage `json:"-"`
	// DecodeError describes a part of Value that had an unexpected JSON type
	// and was skipped; the rest of Value is still filled in.
	DecodeError string `json:"-"`
}

// UnmarshalJSON keeps the raw value and decodes it leniently: a field of the
// wrong JSON type is skipped and noted in DecodeError rather than failing the
// whole notification.
func (c *Change) UnmarshalJSON(data []byte) error {
	var wire struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*c = Change{Field: wire.Field}
	if len(wire.Value) > 0 {
		c.RawValue = append(json.RawMessage(nil), wire.Value...)
	}
	if wire.Field != FieldMessages || len(wire.Value) == 0 || string(wire.Value) == "null" {
		return nil
	}
	var v Value
	if err := json.Unmarshal(wire.Value, &v); err != nil {
		c.DecodeError = err.Error()
	}
	c.Value = &v
	return nil
}

// Value is the payload of a "messages" change. It normally holds messages
// (with contacts), statuses, or errors, but every array is read regardless.
type Value struct {
	MessagingProduct string    `json:"messaging_product,omitempty"`
	Metadata         Metadata  `json:"metadata"`
	Contacts         []Contact `json:"contacts,omitempty"`
	Messages         []Message `json:"messages,omitempty"`
	Statuses         []Status  `json:"statuses,omitempty"`
	Errors           []Error   `json:"errors,omitempty"`
}

// Metadata names the business phone number the change is for.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	// PhoneNumberID is the ID to route on and to send replies from.
	PhoneNumberID string `json:"phone_number_id"`
}

// Contact describes the sender of messages in the same value.
type Contact struct {
	Profile      Profile `json:"profile"`
	WaID         string  `json:"wa_id"`
	UserID       string  `json:"user_id,omitempty"`
	ParentUserID string  `json:"parent_user_id,omitempty"`
}

// Profile is the sender's WhatsApp profile.
type Profile struct {
	Name string `json:"name"`
}

// Message is one inbound message (spec §2). The content sits in the field
// named after Type; Raw always holds the message exactly as received.
type Message struct {
	From      string          `json:"from"`
	ID        string          `json:"id"`
	Timestamp string          `json:"timestamp"`
	Type      string          `json:"type"`
	Context   *MessageContext `json:"context,omitempty"`
	Referral  *Referral       `json:"referral,omitempty"`
	Errors    []Error         `json:"errors,omitempty"`

	Text        *Text           `json:"text,omitempty"`
	Image       *Media          `json:"image,omitempty"`
	Audio       *Media          `json:"audio,omitempty"`
	Video       *Media          `json:"video,omitempty"`
	Document    *Media          `json:"document,omitempty"`
	Sticker     *Media          `json:"sticker,omitempty"`
	Location    *Location       `json:"location,omitempty"`
	Contacts    []SharedContact `json:"contacts,omitempty"`
	Interactive *Interactive    `json:"interactive,omitempty"`
	Button      *Button         `json:"button,omitempty"`
	Reaction    *Reaction       `json:"reaction,omitempty"`
	Order       *Order          `json:"order,omitempty"`
	System      *System         `json:"system,omitempty"`
	Unsupported *Unsupported    `json:"unsupported,omitempty"`

	// Raw is the message object as received, for storage.
	Raw json.RawMessage `json:"-"`
	// DecodeError describes fields that had an unexpected JSON type and
	// were skipped. The message is still usable; Raw has everything.
	DecodeError string `json:"-"`
}

// UnmarshalJSON decodes leniently and keeps a copy of the raw bytes.
func (m *Message) UnmarshalJSON(data []byte) error {
	type plain Message
	var p plain
	err := json.Unmarshal(data, &p)
	*m = Message(p)
	m.Raw = append(json.RawMessage(nil), data...)
	if err != nil {
		m.DecodeError = err.Error()
		// Recover the common fields even if Meta changed their JSON type.
		var base struct {
			From      looseString `json:"from"`
			ID        looseString `json:"id"`
			Timestamp looseString `json:"timestamp"`
			Type      looseString `json:"type"`
		}
		_ = json.Unmarshal(data, &base) // best effort: fields that fail stay empty
		m.From, m.ID, m.Timestamp, m.Type = string(base.From), string(base.ID), string(base.Timestamp), string(base.Type)
	}
	return nil
}

// Time parses Timestamp (Unix seconds).
func (m *Message) Time() (time.Time, error) { return ParseTimestamp(m.Timestamp) }

// MessageContext carries reply, forward and product-inquiry information.
type MessageContext struct {
	// From is the business number when the user replied to a business message.
	From string `json:"from,omitempty"`
	// ID is the wamid of the message replied to.
	ID                  string           `json:"id,omitempty"`
	Forwarded           bool             `json:"forwarded,omitempty"`
	FrequentlyForwarded bool             `json:"frequently_forwarded,omitempty"`
	ReferredProduct     *ReferredProduct `json:"referred_product,omitempty"`
}

// ReferredProduct is the product a user asked about.
type ReferredProduct struct {
	CatalogID         string `json:"catalog_id"`
	ProductRetailerID string `json:"product_retailer_id"`
}

// Referral describes the Click-to-WhatsApp ad a conversation started from.
type Referral struct {
	SourceURL    string `json:"source_url,omitempty"`
	SourceID     string `json:"source_id,omitempty"`
	SourceType   string `json:"source_type,omitempty"`
	Headline     string `json:"headline,omitempty"`
	Body         string `json:"body,omitempty"`
	MediaType    string `json:"media_type,omitempty"`
	ImageURL     string `json:"image_url,omitempty"`
	VideoURL     string `json:"video_url,omitempty"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
	CTWAClid     string `json:"ctwa_clid,omitempty"`
}

// Text is a text message body.
type Text struct {
	Body string `json:"body"`
}

// Media is an image, audio, video, document or sticker. The webhook carries
// a media ID, not the file.
type Media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type,omitempty"`
	// SHA256 is opaque: base64 in current payloads, hex in older ones.
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Location is a shared pin; Name, Address and URL are optional.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// SharedContact is one vCard-like entry of a contacts message.
type SharedContact struct {
	Name      ContactName      `json:"name"`
	Org       *ContactOrg      `json:"org,omitempty"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	Addresses []ContactAddress `json:"addresses,omitempty"`
	URLs      []ContactURL     `json:"urls,omitempty"`
	Birthday  string           `json:"birthday,omitempty"`
}

// ContactName is a shared contact's name.
type ContactName struct {
	FormattedName string `json:"formatted_name,omitempty"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
}

// ContactOrg is a shared contact's organisation.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// ContactPhone is a shared contact's phone number.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	WaID  string `json:"wa_id,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactEmail is a shared contact's e-mail address.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactAddress is a shared contact's postal address.
type ContactAddress struct {
	Street      string `json:"street,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ContactURL is a shared contact's web address.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}

// Interactive is the user's answer to an interactive message: a reply
// button, a list row, or a Flows submission (nfm_reply).
type Interactive struct {
	Type        string       `json:"type"`
	ButtonReply *ReplyChoice `json:"button_reply,omitempty"`
	ListReply   *ReplyChoice `json:"list_reply,omitempty"`
	NFMReply    *NFMReply    `json:"nfm_reply,omitempty"`
}

// ReplyChoice is the button or list row the user picked; ID is the ID set
// when sending.
type ReplyChoice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// NFMReply is a Flows submission. ResponseJSON is a JSON string, kept
// undecoded (its shape is not verified in the spec).
type NFMReply struct {
	Name         string `json:"name,omitempty"`
	Body         string `json:"body,omitempty"`
	ResponseJSON string `json:"response_json,omitempty"`
}

// Button is a quick-reply button tapped on a template message.
type Button struct {
	Payload string `json:"payload,omitempty"`
	Text    string `json:"text,omitempty"`
}

// Reaction is an emoji reaction; Emoji is empty when it was removed.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// Order is a catalog order.
type Order struct {
	CatalogID    string        `json:"catalog_id"`
	Text         string        `json:"text,omitempty"`
	ProductItems []ProductItem `json:"product_items,omitempty"`
}

// ProductItem is one line of an order.
type ProductItem struct {
	ProductRetailerID string  `json:"product_retailer_id"`
	Quantity          float64 `json:"quantity"`
	ItemPrice         float64 `json:"item_price"`
	Currency          string  `json:"currency"`
}

// System is a system notice such as user_changed_number.
type System struct {
	Body     string `json:"body,omitempty"`
	WaID     string `json:"wa_id,omitempty"`
	NewWaID  string `json:"new_wa_id,omitempty"`
	Type     string `json:"type,omitempty"`
	Identity string `json:"identity,omitempty"`
	Customer string `json:"customer,omitempty"`
}

// Unsupported names the message type Cloud API could not show (edit,
// poll_creation, ...). Older payloads omit it.
type Unsupported struct {
	Type string `json:"type,omitempty"`
}

// Error is an error object as it appears in webhooks (value.errors,
// messages[].errors, statuses[].errors). Branch on Code.
type Error struct {
	Code      int        `json:"code"`
	Title     string     `json:"title,omitempty"`
	Message   string     `json:"message,omitempty"`
	ErrorData *ErrorData `json:"error_data,omitempty"`
	Href      string     `json:"href,omitempty"`
}

// ErrorData carries diagnostic details.
type ErrorData struct {
	Details string `json:"details,omitempty"`
}

// Status values of an outbound message (spec §3). Transitions should be
// monotonic: sent < delivered < read (played for voice); failed is terminal.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
)

// Status is a status update for a message the business sent.
type Status struct {
	// ID is the wamid returned by the send call.
	ID                       string        `json:"id"`
	Status                   string        `json:"status"`
	Timestamp                string        `json:"timestamp"`
	RecipientID              string        `json:"recipient_id"`
	RecipientType            string        `json:"recipient_type,omitempty"`
	RecipientIdentityKeyHash string        `json:"recipient_identity_key_hash,omitempty"`
	Conversation             *Conversation `json:"conversation,omitempty"`
	Pricing                  *Pricing      `json:"pricing,omitempty"`
	Errors                   []Error       `json:"errors,omitempty"`
	// BizOpaqueCallbackData echoes what was set on send.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`

	// Raw is the status object as received.
	Raw json.RawMessage `json:"-"`
	// DecodeError describes skipped fields of an unexpected JSON type.
	DecodeError string `json:"-"`
}

// UnmarshalJSON decodes leniently and keeps a copy of the raw bytes.
func (s *Status) UnmarshalJSON(data []byte) error {
	type plain Status
	var p plain
	err := json.Unmarshal(data, &p)
	*s = Status(p)
	s.Raw = append(json.RawMessage(nil), data...)
	if err != nil {
		s.DecodeError = err.Error()
		var base struct {
			ID          looseString `json:"id"`
			Status      looseString `json:"status"`
			Timestamp   looseString `json:"timestamp"`
			RecipientID looseString `json:"recipient_id"`
		}
		_ = json.Unmarshal(data, &base) // best effort
		s.ID, s.Status, s.Timestamp, s.RecipientID = string(base.ID), string(base.Status), string(base.Timestamp), string(base.RecipientID)
	}
	return nil
}

// Time parses Timestamp (Unix seconds).
func (s *Status) Time() (time.Time, error) { return ParseTimestamp(s.Timestamp) }

// Conversation is the pricing conversation a status belongs to. From v24.0
// it only appears for free-entry-point windows.
type Conversation struct {
	ID                  string              `json:"id,omitempty"`
	ExpirationTimestamp string              `json:"expiration_timestamp,omitempty"`
	Origin              *ConversationOrigin `json:"origin,omitempty"`
}

// ConversationOrigin is the conversation category.
type ConversationOrigin struct {
	Type string `json:"type,omitempty"`
}

// Pricing describes how a message is charged.
type Pricing struct {
	// Billable is marked for deprecation by Meta.
	Billable     *bool  `json:"billable,omitempty"`
	PricingModel string `json:"pricing_model,omitempty"`
	Type         string `json:"type,omitempty"`
	Category     string `json:"category,omitempty"`
}

// ParseTimestamp parses Meta's string timestamps (Unix seconds).
func ParseTimestamp(s string) (time.Time, error) {
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("whatsapp: parse timestamp %q: %w", s, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// looseString accepts a JSON string or number, for recovering IDs and
// timestamps if Meta ever changes their type.
type looseString string

func (l *looseString) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*l = looseString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return err
	}
	*l = looseString(n.String())
	return nil
}
