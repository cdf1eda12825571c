package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
)

// Business-initiated messages: the business (an order system, a
// supervisor) sends an approved template to a customer, as WhatsApp's
// policy allows only to someone who opted in, and only for the purpose
// they opted in for (spec §5.4). A utility message (an order update, an
// appointment reminder) needs the service opt-in the customer gave on
// first contact; a marketing message also needs a marketing opt-in,
// collected by the business through any lawful channel and recorded with
// RecordMarketingConsent, not withdrawn or stopped inside WhatsApp since.

// Purposes of a business-initiated message.
const (
	PurposeUtility   = "utility"
	PurposeMarketing = consent.PurposeMarketing
)

// ErrNoOptIn refuses a business-initiated message: the customer has not
// opted in for its purpose, opted out, or is unknown. The three get the
// same answer, so the API does not tell who is a customer.
var ErrNoOptIn = errors.New("no opt-in")

// BusinessMessage is a template the business sends first.
type BusinessMessage struct {
	To       string // the customer's number, with or without '+', spaces or dashes
	Purpose  string // PurposeUtility or PurposeMarketing
	Template Template
}

// NormalizeNumber is a WhatsApp id from a number as people write it
// ("+34 600-12 34 56" → "34600123456"), or "" if it is not one.
func NormalizeNumber(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || (r == '+' && i == 0):
		default:
			return ""
		}
	}
	if n := b.Len(); n < 7 || n > 15 {
		return ""
	}
	return b.String()
}

// templateName reports whether s is a name as WhatsApp Manager allows it
// (lowercase letters, digits and underscores, at least one letter), or a
// language code once lowercased.
func templateName(s string, max int) bool {
	letter := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			letter = true
		case r >= '0' && r <= '9' || r == '_':
		default:
			return false
		}
	}
	return letter && len(s) <= max
}

func (m BusinessMessage) check() error {
	switch {
	case NormalizeNumber(m.To) == "":
		return fmt.Errorf("%w: to is a phone number in international form, e.g. +34600123456", ErrInvalid)
	case m.Purpose != PurposeUtility && m.Purpose != PurposeMarketing:
		return fmt.Errorf("%w: purpose is %q or %q", ErrInvalid, PurposeUtility, PurposeMarketing)
	case !templateName(m.Template.Name, 512) || !templateName(strings.ToLower(m.Template.Language), 15):
		return fmt.Errorf("%w: template and language are the approved template's name (lowercase letters, digits, underscores) and language code (e.g. es, en_US)", ErrInvalid)
	case len(m.Template.Body) > 20:
		return fmt.Errorf("%w: at most 20 body parameters", ErrInvalid)
	}
	for _, p := range m.Template.Body {
		if strings.TrimSpace(p) == "" || len([]rune(p)) > 1024 {
			return fmt.Errorf("%w: each body parameter holds 1 to 1024 characters", ErrInvalid)
		}
	}
	return m.Template.checkVariables()
}

// checkVariables holds named and button variables to what Meta accepts:
// named parameters (lowercase letters, digits, underscores) or positional
// ones, not both; at most 10 buttons, each once, url or quick_reply, with
// a value (a URL suffix of up to 2,000 characters, a payload of up to 128).
func (t Template) checkVariables() error {
	if len(t.Named) > 0 && len(t.Body) > 0 {
		return fmt.Errorf("%w: a template has positional (body) or named parameters, not both", ErrInvalid)
	}
	if len(t.Named) > 20 {
		return fmt.Errorf("%w: at most 20 named parameters", ErrInvalid)
	}
	for n, v := range t.Named {
		if !templateName(n, 60) {
			return fmt.Errorf("%w: the named parameter %q is not a parameter name (lowercase letters, digits, underscores)", ErrInvalid, n)
		}
		if strings.TrimSpace(v) == "" || len([]rune(v)) > 1024 {
			return fmt.Errorf("%w: the named parameter %s holds 1 to 1024 characters", ErrInvalid, n)
		}
	}
	if len(t.Buttons) > 10 {
		return fmt.Errorf("%w: at most 10 buttons", ErrInvalid)
	}
	seen := map[int]bool{}
	for _, b := range t.Buttons {
		limit := 0
		switch b.Type {
		case "url":
			limit = 2000
		case "quick_reply":
			limit = 128
		default:
			return fmt.Errorf("%w: a button's type is url or quick_reply, not %q", ErrInvalid, b.Type)
		}
		if b.Index < 0 || b.Index > 9 || seen[b.Index] {
			return fmt.Errorf("%w: button indexes are 0 to 9, each once", ErrInvalid)
		}
		seen[b.Index] = true
		if strings.TrimSpace(b.Value) == "" || len([]rune(b.Value)) > limit || strings.ContainsAny(b.Value, "\n\t") {
			return fmt.Errorf("%w: the %s button %d needs a value of 1 to %d characters on one line", ErrInvalid, b.Type, b.Index, limit)
		}
	}
	return nil
}

// SendBusinessTemplate queues m to its customer through the outbox (paced
// by the number's limits like every send), kept in their conversation as a
// template message, and appends ev (with the conversation as target) in
// the same transaction. It returns ErrNoOptIn when m's purpose lacks the
// customer's opt-in.
func (s *Service) SendBusinessTemplate(ctx context.Context, m BusinessMessage, ev *audit.Event) (*Message, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	waID := NormalizeNumber(m.To)
	var out *Message
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.ContactByWaID(waID)
		if errors.Is(err, ErrNotFound) {
			return ErrNoOptIn
		}
		if err != nil {
			return err
		}
		if c.ConsentState != ConsentGranted {
			return ErrNoOptIn
		}
		if m.Purpose == PurposeMarketing {
			events, err := tx.ConsentEvents(s.store.WaIndex(waID))
			if err != nil {
				return err
			}
			if !consent.MarketingAllowed(events) {
				return ErrNoOptIn
			}
		}
		last, err := tx.LatestConversation(c.ID)
		if err != nil {
			return err
		}
		conv, err := tx.OpenConversation(c.ID, last.PhoneNumberID)
		if err != nil {
			return err
		}
		tpl := m.Template
		if out, err = s.Flow.enqueueMessage(tx, c, conv, Outbound{To: c.WaID, Template: &tpl}, "business", true); err != nil {
			return err
		}
		ev.Target = "conversation:" + conv.ID
		return tx.AppendAudit(ev)
	})
	if err == nil {
		s.wakeOutbox()
	}
	return out, err
}

// RecordMarketingConsent records in the ledger a marketing opt-in (granted)
// or opt-out the business collected outside WhatsApp, with a reference to
// its evidence (kept as a keyed hash, like message ids: the business can
// prove a reference matches, nobody can read it back), and appends ev. The
// customer must be known and opted in for service; ErrNoOptIn otherwise.
func (s *Service) RecordMarketingConsent(ctx context.Context, to string, granted bool, evidence string, ev *audit.Event) error {
	waID := NormalizeNumber(to)
	if waID == "" {
		return fmt.Errorf("%w: to is a phone number in international form, e.g. +34600123456", ErrInvalid)
	}
	if evidence = strings.TrimSpace(evidence); granted && (evidence == "" || len(evidence) > 256) {
		return fmt.Errorf("%w: an opt-in needs a reference to its evidence (1 to 256 characters: a form id, a signed record)", ErrInvalid)
	}
	return s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.ContactByWaID(waID)
		if errors.Is(err, ErrNotFound) {
			return ErrNoOptIn
		}
		if err != nil {
			return err
		}
		if granted && c.ConsentState != ConsentGranted {
			return ErrNoOptIn
		}
		kind := consent.MarketingOptOut
		if granted {
			kind = consent.MarketingOptIn
		}
		if err := tx.AppendConsent(&consent.Event{ContactID: c.ID, WaIndex: s.store.WaIndex(waID), Kind: kind, Purpose: consent.PurposeMarketing,
			NoticeVersion: c.NoticeVersion, Region: c.Region, Channel: "api", WAMessageID: evidence, At: tx.Time()}); err != nil {
			return err
		}
		ev.Target = "contact:" + c.ID
		return tx.AppendAudit(ev)
	})
}
