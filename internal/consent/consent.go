// Package consent is the consent ledger: append-only evidence of what each
// customer agreed to, under which notice, when and through which message.
// The ledger is what a DPO shows an auditor, so it outlives erasure: it holds
// a blind index of the number, never the number.
package consent

import "time"

// Kind is what happened.
type Kind string

// Ledger event kinds.
const (
	Asked         Kind = "asked"          // the notice and consent question were sent
	OptIn         Kind = "opt_in"         // first acceptance
	Decline       Kind = "decline"        // declined at first contact
	OptOut        Kind = "opt_out"        // withdrew (STOP and friends)
	ReOptIn       Kind = "re_opt_in"      // accepted again after an opt-out, decline or notice change
	Erased        Kind = "erased"         // the customer's data was crypto-shredded; Purpose holds the legal basis
	NumberChanged Kind = "number_changed" // the customer moved to a new number (a WhatsApp system message); WaIndex is the new one
	Blocked       Kind = "blocked"        // erasure blocked the data first (Spain, Mexico); shredded when the period ends
	// MarketingStop and MarketingResume are the customer turning
	// marketing messages off or on inside WhatsApp (a user_preferences
	// webhook, or Meta refusing a send with 131050). Purpose is
	// PurposeMarketing: service replies are not affected.
	MarketingStop   Kind = "marketing_stop"
	MarketingResume Kind = "marketing_resume"
	// MarketingOptIn and MarketingOptOut are the customer's consent to
	// marketing messages, separate from the service opt-in and collected
	// by the business through any lawful channel (a web form, a checkbox
	// at checkout, paper), recorded with that evidence through the API.
	MarketingOptIn  Kind = "marketing_opt_in"
	MarketingOptOut Kind = "marketing_opt_out"
)

// PurposeMarketing is the purpose of marketing consent events, separate
// from the service purpose the first opt-in is for.
const PurposeMarketing = "marketing"

// MarketingStopped reports whether the latest marketing event in events
// (oldest first, as the ledger lists them) is a stop.
func MarketingStopped(events []*Event) bool {
	stopped := false
	for _, e := range events {
		switch e.Kind {
		case MarketingStop:
			stopped = true
		case MarketingResume:
			stopped = false
		}
	}
	return stopped
}

// MarketingAllowed reports whether events (oldest first) let the business
// send the customer marketing: a marketing opt-in not withdrawn since,
// not stopped inside WhatsApp (a later resume lifts the stop, not a
// withdrawal), and no opt-out, decline, erasure or blocking of the
// service consent since (which ends the marketing one too).
func MarketingAllowed(events []*Event) bool {
	allowed, stopped := false, false
	for _, e := range events {
		switch e.Kind {
		case MarketingOptIn:
			allowed, stopped = true, false
		case MarketingOptOut, OptOut, Decline, Erased, Blocked:
			allowed = false
		case MarketingStop:
			stopped = true
		case MarketingResume:
			stopped = false
		}
	}
	return allowed && !stopped
}

// Event is one ledger entry.
type Event struct {
	Seq           int64
	ContactID     string
	WaIndex       []byte // blind index of the WhatsApp id
	Kind          Kind
	NoticeVersion string
	Purpose       string
	Region        string
	Channel       string // "whatsapp", "console", "api"
	WAMessageID   string // the message that carried the decision, as evidence
	// Messages counts the messages received since the customer's previous
	// event while the question was pending, their content not kept: one
	// row sums them instead of a row per message.
	Messages int
	At       time.Time
}
