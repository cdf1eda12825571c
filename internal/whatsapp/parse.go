package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Limits applied by ParseNotification before and after decoding.
const (
	// MaxBodyBytes caps a webhook body. Meta sends at most 3 MB (spec §1.2).
	MaxBodyBytes = 4 << 20
	// MaxDepth caps JSON nesting. Real payloads nest about 10 levels deep.
	MaxDepth = 64
	// MaxEvents caps messages + statuses + errors in one payload. Meta
	// batches up to 1000 updates.
	MaxEvents = 5000
)

// Errors returned by ParseNotification, wrapped with detail. Test with
// errors.Is.
var (
	ErrInvalidJSON   = errors.New("invalid JSON")
	ErrInvalidUTF8   = errors.New("invalid UTF-8")
	ErrWrongObject   = errors.New("object is not " + ObjectWhatsAppBusinessAccount)
	ErrTooDeep       = errors.New("JSON nested too deeply")
	ErrTooManyEvents = errors.New("too many events in one payload")
	ErrTooLarge      = errors.New("payload too large")
)

// ParseNotification decodes a webhook body. Call it only after
// VerifySignature accepted the same bytes.
//
// It returns an error wrapping ErrTooLarge, ErrInvalidUTF8, ErrTooDeep,
// ErrInvalidJSON, ErrWrongObject or ErrTooManyEvents. Inside a "messages"
// change, fields of an unexpected JSON type do not fail the parse: they are
// skipped and noted in DecodeError on the Change, Message or Status, whose
// raw JSON is kept.
func ParseNotification(raw []byte) (*Notification, error) {
	if len(raw) > MaxBodyBytes {
		return nil, fmt.Errorf("whatsapp: parse notification: %w: %d bytes", ErrTooLarge, len(raw))
	}
	if !utf8.Valid(raw) {
		return nil, fmt.Errorf("whatsapp: parse notification: %w", ErrInvalidUTF8)
	}
	if d := jsonDepth(raw); d > MaxDepth {
		return nil, fmt.Errorf("whatsapp: parse notification: %w: more than %d levels", ErrTooDeep, MaxDepth)
	}
	var n Notification
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, fmt.Errorf("whatsapp: parse notification: %w: %v", ErrInvalidJSON, err)
	}
	if n.Object != ObjectWhatsAppBusinessAccount {
		return nil, fmt.Errorf("whatsapp: parse notification: %w: got %q", ErrWrongObject, n.Object)
	}
	count := 0
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if c.Value != nil {
				count += len(c.Value.Messages) + len(c.Value.Statuses) + len(c.Value.Errors)
			}
		}
	}
	if count > MaxEvents {
		return nil, fmt.Errorf("whatsapp: parse notification: %w: %d > %d", ErrTooManyEvents, count, MaxEvents)
	}
	return &n, nil
}

// jsonDepth returns the deepest nesting of objects and arrays in data,
// ignoring brackets inside strings. It stops counting once past MaxDepth,
// so its cost is one pass over the bytes. It does not validate the JSON.
func jsonDepth(data []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > MaxDepth {
					return deepest
				}
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}

// Events is a flattened view of a Notification: every entry, change and
// array element, in payload order.
type Events struct {
	Messages []InboundMessage
	Statuses []StatusUpdate
	Errors   []ErrorEvent
	// Ignored lists changes for fields other than "messages"; they must
	// still be acknowledged with 200.
	Ignored []IgnoredChange
}

// Origin says which business account and number an event belongs to.
type Origin struct {
	WABAID             string
	PhoneNumberID      string
	DisplayPhoneNumber string
}

// InboundMessage is a message with its origin and sender resolved.
type InboundMessage struct {
	Origin
	// From is the sender's wa_id (messages[].from).
	From string
	// ProfileName is the sender's profile name from contacts[], if any.
	ProfileName string
	Kind        Kind
	Message     Message
}

// Summary is a short plaintext rendering of the message; see Message.Summary.
func (m InboundMessage) Summary() string { return m.Message.Summary() }

// StatusUpdate is a status with its origin.
type StatusUpdate struct {
	Origin
	Status Status
}

// ErrorEvent is an out-of-band error from value.errors[].
type ErrorEvent struct {
	Origin
	Error Error
}

// IgnoredChange is a change for a field this package does not handle.
type IgnoredChange struct {
	WABAID string
	Field  string
	Raw    json.RawMessage
}

// Events flattens the notification. A nil Notification has no events.
func (n *Notification) Events() Events {
	var ev Events
	if n == nil {
		return ev
	}
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if c.Field != FieldMessages {
				ev.Ignored = append(ev.Ignored, IgnoredChange{WABAID: e.ID, Field: c.Field, Raw: c.RawValue})
				continue
			}
			v := c.Value
			if v == nil {
				continue
			}
			o := Origin{WABAID: e.ID, PhoneNumberID: v.Metadata.PhoneNumberID, DisplayPhoneNumber: v.Metadata.DisplayPhoneNumber}
			for _, m := range v.Messages {
				ev.Messages = append(ev.Messages, InboundMessage{
					Origin:      o,
					From:        m.From,
					ProfileName: profileName(v.Contacts, m.From),
					Kind:        m.Kind(),
					Message:     m,
				})
			}
			for _, s := range v.Statuses {
				ev.Statuses = append(ev.Statuses, StatusUpdate{Origin: o, Status: s})
			}
			for _, er := range v.Errors {
				ev.Errors = append(ev.Errors, ErrorEvent{Origin: o, Error: er})
			}
		}
	}
	return ev
}

// profileName finds the sender's name in contacts[]. If no wa_id matches
// and there is exactly one contact, that contact is the sender: wa_id may
// differ from the from field (spec §1.2).
func profileName(contacts []Contact, from string) string {
	for _, c := range contacts {
		if c.WaID == from {
			return c.Profile.Name
		}
	}
	if len(contacts) == 1 {
		return contacts[0].Profile.Name
	}
	return ""
}
