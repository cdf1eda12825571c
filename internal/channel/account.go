package channel

import (
	"slices"
	"strings"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp"
)

// learn notes which phone_number_id a display number is, from a change's
// metadata, for reports that name only the display number.
func learn(b *conversation.Batch, o whatsapp.Origin) {
	if o.DisplayPhoneNumber == "" || o.PhoneNumberID == "" {
		return
	}
	if b.Numbers == nil {
		b.Numbers = map[string]string{}
	}
	b.Numbers[o.DisplayPhoneNumber] = o.PhoneNumberID
}

// accountSignal judges one of Meta's reports about the business side:
// critical when the business may soon not be able to message anyone
// (account disabled, restricted, in violation or deleted), warning when a
// number's quality or a template's standing dropped, info otherwise (an
// upgrade, an approval, a reinstatement). A flagged or downgraded number
// slows down: sustained low quality is what leads Meta to 131048.
func accountSignal(u whatsapp.AccountUpdate) conversation.AccountSignal {
	s := conversation.AccountSignal{Event: u.Event, WABAID: u.WABAID, Detail: u.Detail, Severity: "info"}
	if u.Template != "" {
		s.Template = u.Template + "/" + u.Language
	}
	switch u.Field {
	case whatsapp.FieldPhoneNumberQuality:
		s.Field, s.Number = conversation.SignalNumberQuality, u.DisplayPhoneNumber
		switch u.Event {
		case "FLAGGED", "DOWNGRADE":
			s.Severity, s.Slow = "warning", true
		}
	case whatsapp.FieldAccountUpdate:
		s.Field = conversation.SignalAccount
		switch u.Event {
		case "ACCOUNT_VIOLATION", "ACCOUNT_DELETED", "ACCOUNT_RESTRICTION":
			s.Severity = "critical"
		case "DISABLED_UPDATE":
			s.Severity = "critical"
			if containsWord(u.Detail, "REINSTATE") {
				s.Severity = "info"
			}
		}
		s.Slow = u.Event == "ACCOUNT_RESTRICTION"
	case whatsapp.FieldTemplateStatus:
		s.Field = conversation.SignalTemplate
		switch u.Event {
		case "PAUSED", "DISABLED", "FLAGGED", "REJECTED", "PENDING_DELETION", "DELETED", "LIMIT_EXCEEDED", "ARCHIVED":
			s.Severity = "warning"
		}
	case whatsapp.FieldTemplateQuality:
		s.Field = conversation.SignalTemplateQuality
		if u.Event == "RED" || u.Event == "YELLOW" {
			s.Severity = "warning"
		}
	}
	return s
}

// containsWord reports whether detail ("ban state REINSTATE, since …")
// holds word as a whole word.
func containsWord(detail, word string) bool {
	return slices.Contains(strings.FieldsFunc(detail, func(r rune) bool { return r == ' ' || r == ',' }), word)
}
