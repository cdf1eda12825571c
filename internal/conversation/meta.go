package conversation

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
)

// Error codes Meta reports that the flow reacts to beyond the outbox's
// classification (spec §4.5).
const (
	CodeThroughput       = 130429 // the number's throughput ceiling
	CodeWindowClosed     = 131047 // more than 24 hours since the customer wrote
	CodeMarketingHeld    = 131049 // Meta chose not to deliver a marketing message
	CodeMarketingStopped = 131050 // the customer stopped marketing messages
)

// windowFallback answers 131047, whether Meta said it in the send's answer
// or in a failed status later: the configured template is queued to the
// customer instead (kept as a message operators see), once per closed
// window. It returns what happened, for the failed item's reason.
func (f *Flow) windowFallback(tx Tx, contactID, conversationID string) (string, error) {
	c, err := tx.Contact(contactID)
	if errors.Is(err, ErrNotFound) {
		return "131047: outside the 24-hour window; the customer is gone", nil
	}
	if err != nil {
		return "", err
	}
	conv, err := tx.Conversation(conversationID)
	if err != nil {
		return "", err
	}
	tpl := f.windowTemplate(conv.PhoneNumberID)
	if tpl == nil {
		return "131047: outside the 24-hour window and no template configured", nil
	}
	// Several replies failing for the same closed window get one
	// template, not one each.
	first, err := tx.MarkSeen("tpl:" + c.ID + ":" + strconv.FormatInt(c.LastInboundAt.UnixMilli(), 10))
	if err != nil {
		return "", err
	}
	if !first {
		return "131047: outside the 24-hour window; template " + tpl.Name + " already queued", nil
	}
	out := Outbound{To: c.WaID, Template: tpl}
	if err := f.enqueue(tx, c, conv, out, "system", true); err != nil {
		return "", err
	}
	return "131047: outside the 24-hour window; template " + tpl.Name + " queued instead", nil
}

// failedStatus reacts to a failed status webhook for message m, which just
// moved to failed: 131047 gets the template fallback (never for a
// template: that would loop), 131050 and 131049 are recorded.
func (f *Flow) failedStatus(tx Tx, m *Message, s StatusEvent) error {
	switch {
	case s.Action == SendWindowClosed || s.ErrorCode == CodeWindowClosed:
		if m.Type == "template" {
			f.log.Warn("Meta refused a template as outside the 24-hour window; no fallback", "code", s.ErrorCode)
			return nil
		}
		reason, err := f.windowFallback(tx, m.ContactID, m.ConversationID)
		if err != nil {
			return fmt.Errorf("flow: template fallback: %w", err)
		}
		f.log.Info("a reply failed outside the 24-hour window", "reason", reason)
		return nil
	case s.ErrorCode == CodeMarketingStopped || s.ErrorCode == CodeMarketingHeld:
		return f.marketingRefused(tx, m.ContactID, m.ConversationID, s.ErrorCode, s.WAMessageID)
	}
	return nil
}

// marketingRefused records that Meta refused a marketing message: 131050
// is the customer's own stop (a consent fact for the marketing purpose, in
// the ledger), 131049 Meta's per-user cap (audited). Neither is retried:
// both are permanent failures in the outbox.
func (f *Flow) marketingRefused(tx Tx, contactID, conversationID string, code int, wamid string) error {
	c, err := tx.Contact(contactID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if code == CodeMarketingStopped {
		if err := f.recordMarketing(tx, c.ID, c.WaID, c.Region, consent.MarketingStop, "whatsapp", wamid); err != nil {
			return err
		}
	}
	reason := "Meta did not deliver a marketing message (131049: per-user marketing limit); not retried for 24 h"
	if code == CodeMarketingStopped {
		reason = "the customer stopped marketing messages (131050); never retried"
	}
	return tx.AppendAudit(&audit.Event{ActorType: "system", ActorID: "whatsapp", Action: "message.marketing_refused",
		Target: "conversation:" + conversationID, Outcome: "failure", Reason: reason})
}

// recordMarketing appends a marketing stop or resume to the consent ledger
// for waID (contactID may be empty: the ledger is keyed by the number's
// blind index), unless the ledger already says so.
func (f *Flow) recordMarketing(tx Tx, contactID, waID, region string, kind consent.Kind, channel, evidence string) error {
	idx := f.store.WaIndex(waID)
	events, err := tx.ConsentEvents(idx)
	if err != nil {
		return err
	}
	if lastMarketing(events) == kind {
		return nil
	}
	return tx.AppendConsent(&consent.Event{ContactID: contactID, WaIndex: idx, Kind: kind, Purpose: consent.PurposeMarketing,
		Region: region, Channel: channel, WAMessageID: evidence, At: tx.Time()})
}

func lastMarketing(events []*consent.Event) consent.Kind {
	var k consent.Kind
	for _, e := range events {
		if e.Kind == consent.MarketingStop || e.Kind == consent.MarketingResume {
			k = e.Kind
		}
	}
	return k
}

// Preference records a customer turning marketing messages off or on
// inside WhatsApp: a consent fact for the marketing purpose only, in the
// ledger (under the number's blind index even if the customer never wrote
// to us); service replies are not affected.
func (f *Flow) Preference(tx Tx, p Preference) error {
	if p.WaID == "" {
		f.stats.Malformed.Add(1)
		return nil
	}
	kind := consent.MarketingResume
	if p.Stop {
		kind = consent.MarketingStop
	}
	first, err := tx.MarkSeen("p:" + p.WaID + ":" + string(kind) + ":" + strconv.FormatInt(p.Timestamp.Unix(), 10))
	if err != nil || !first {
		return err
	}
	var contactID, region string
	c, err := tx.ContactByWaID(p.WaID)
	switch {
	case err == nil:
		contactID, region = c.ID, c.Region
	case !errors.Is(err, ErrNotFound):
		return err
	}
	return f.recordMarketing(tx, contactID, p.WaID, region, kind, "whatsapp", "")
}
