package whatsapp

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Webhook fields about the business's own account, number and templates
// rather than a customer: they reuse the envelope with a value of their
// own (Meta's webhook reference for each field).
const (
	// FieldPhoneNumberQuality: the number's messaging limit or throughput
	// changed, or its quality was flagged (event FLAGGED, UNFLAGGED,
	// DOWNGRADE, UPGRADE, THROUGHPUT_UPGRADE, ONBOARDING).
	FieldPhoneNumberQuality = "phone_number_quality_update"
	// FieldAccountUpdate: the WhatsApp Business Account was restricted,
	// disabled, reinstated, found in violation, deleted, …
	FieldAccountUpdate = "account_update"
	// FieldTemplateStatus: a template was approved, rejected, paused,
	// disabled, flagged, reinstated, …
	FieldTemplateStatus = "message_template_status_update"
	// FieldTemplateQuality: a template's quality score changed (GREEN,
	// YELLOW, RED, UNKNOWN).
	FieldTemplateQuality = "message_template_quality_update"
)

// AccountUpdate is one business-side change Meta reported, flattened: the
// event, what it is about and the details worth a human's attention. It
// holds no customer data.
type AccountUpdate struct {
	WABAID string
	Field  string
	Event  string // e.g. FLAGGED, DISABLED_UPDATE, PAUSED; for template quality, the new score
	// DisplayPhoneNumber is the business number (quality updates).
	DisplayPhoneNumber string
	// Template and Language name the template (template updates).
	Template, Language string
	// Detail is the rest in words: limits, ban state, violation type,
	// rejection reason, previous score.
	Detail string
}

// accountValue is the union of the four fields' values; json.Number and
// any keep template ids (numbers in Meta's payloads) from failing a parse.
type accountValue struct {
	Event              string  `json:"event"`
	DisplayPhoneNumber string  `json:"display_phone_number"`
	CurrentLimit       string  `json:"current_limit"`
	OldLimit           string  `json:"old_limit"`
	MaxDaily           string  `json:"max_daily_conversations_per_business"`
	TemplateName       string  `json:"message_template_name"`
	TemplateLanguage   string  `json:"message_template_language"`
	TemplateCategory   string  `json:"message_template_category"`
	Reason             *string `json:"reason"`
	PreviousScore      string  `json:"previous_quality_score"`
	NewScore           string  `json:"new_quality_score"`
	BanInfo            *struct {
		State string `json:"waba_ban_state"`
		Date  string `json:"waba_ban_date"`
	} `json:"ban_info"`
	ViolationInfo *struct {
		Type string `json:"violation_type"`
	} `json:"violation_info"`
	RestrictionInfo []struct {
		Type       string `json:"restriction_type"`
		Expiration any    `json:"expiration"`
	} `json:"restriction_info"`
	OtherInfo *struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"other_info"`
	DisableInfo json.RawMessage `json:"disable_info"`
}

// ParseAccountUpdate reads a change of one of the account fields; ok is
// false for any other field. A value that does not parse is an error (the
// caller keeps the body aside like any malformed one).
func ParseAccountUpdate(ig IgnoredChange) (u AccountUpdate, ok bool, err error) {
	switch ig.Field {
	case FieldPhoneNumberQuality, FieldAccountUpdate, FieldTemplateStatus, FieldTemplateQuality:
	default:
		return AccountUpdate{}, false, nil
	}
	var v accountValue
	if err := json.Unmarshal(ig.Raw, &v); err != nil {
		return AccountUpdate{}, true, fmt.Errorf("whatsapp: %s: %w", ig.Field, err)
	}
	u = AccountUpdate{WABAID: ig.WABAID, Field: ig.Field, Event: strings.ToUpper(strings.TrimSpace(v.Event)),
		DisplayPhoneNumber: v.DisplayPhoneNumber, Template: v.TemplateName, Language: v.TemplateLanguage}
	var d []string
	add := func(label, val string) {
		if val = strings.TrimSpace(val); val != "" && val != "NONE" {
			d = append(d, label+" "+val)
		}
	}
	switch ig.Field {
	case FieldPhoneNumberQuality:
		add("limit", v.CurrentLimit)
		add("previous limit", v.OldLimit)
		add("daily limit", v.MaxDaily)
	case FieldAccountUpdate:
		if v.BanInfo != nil {
			add("ban state", v.BanInfo.State)
			add("since", v.BanInfo.Date)
		}
		if v.ViolationInfo != nil {
			add("violation", v.ViolationInfo.Type)
		}
		for _, r := range v.RestrictionInfo {
			add("restriction", r.Type)
		}
	case FieldTemplateStatus:
		add("category", v.TemplateCategory)
		if v.Reason != nil {
			add("reason", *v.Reason)
		}
		if v.OtherInfo != nil {
			add("note", v.OtherInfo.Title)
		}
	case FieldTemplateQuality:
		u.Event = strings.ToUpper(v.NewScore)
		add("previous score", v.PreviousScore)
	}
	u.Detail = strings.TrimSpace(strings.Join(d, ", "))
	return u, true, nil
}
