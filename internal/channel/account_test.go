package channel

import (
	"errors"
	"testing"

	"github.com/trement/trement/internal/conversation"
)

// TestParseAccountWebhooks: each business-side field, in the shape Meta
// sends it, becomes one signal judged by what it means for the business;
// display numbers seen in the same body map to their phone_number_id.
func TestParseAccountWebhooks(t *testing.T) {
	env := func(field, value string) []byte {
		return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1748454394,"changes":[{"value":` + value + `,"field":"` + field + `"}]}]}`)
	}
	tests := []struct {
		field, value string
		want         conversation.AccountSignal
	}{
		{"phone_number_quality_update", `{"display_phone_number":"15550783881","event":"DOWNGRADE","current_limit":"TIER_1K","old_limit":"TIER_10K"}`,
			conversation.AccountSignal{Field: conversation.SignalNumberQuality, Event: "DOWNGRADE", Number: "15550783881", Detail: "limit TIER_1K, previous limit TIER_10K", Severity: "warning", Slow: true}},
		{"phone_number_quality_update", `{"display_phone_number":"15550783881","event":"THROUGHPUT_UPGRADE","current_limit":"TIER_UNLIMITED"}`,
			conversation.AccountSignal{Field: conversation.SignalNumberQuality, Event: "THROUGHPUT_UPGRADE", Number: "15550783881", Detail: "limit TIER_UNLIMITED", Severity: "info"}},
		{"account_update", `{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"ADULT"}}`,
			conversation.AccountSignal{Field: conversation.SignalAccount, Event: "ACCOUNT_VIOLATION", Detail: "violation ADULT", Severity: "critical"}},
		{"account_update", `{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"REINSTATE","waba_ban_date":"April 17, 2025"}}`,
			conversation.AccountSignal{Field: conversation.SignalAccount, Event: "DISABLED_UPDATE", Detail: "ban state REINSTATE, since April 17, 2025", Severity: "info"}},
		{"account_update", `{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1672511358}]}`,
			conversation.AccountSignal{Field: conversation.SignalAccount, Event: "ACCOUNT_RESTRICTION", Detail: "restriction RESTRICTED_BIZ_INITIATED_MESSAGING", Severity: "critical", Slow: true}},
		{"message_template_status_update", `{"event":"REJECTED","message_template_id":1689556908129835,"message_template_name":"abandoned_cart","message_template_language":"en","reason":"INVALID_FORMAT","message_template_category":"MARKETING","rejection_info":{"reason":"x","recommendation":"y"}}`,
			conversation.AccountSignal{Field: conversation.SignalTemplate, Event: "REJECTED", Template: "abandoned_cart/en", Detail: "category MARKETING, reason INVALID_FORMAT", Severity: "warning"}},
		{"message_template_status_update", `{"event":"PENDING_DELETION","message_template_id":1,"message_template_name":"old","message_template_language":"pt_BR","reason":null}`,
			conversation.AccountSignal{Field: conversation.SignalTemplate, Event: "PENDING_DELETION", Template: "old/pt_BR", Severity: "warning"}},
		{"message_template_quality_update", `{"previous_quality_score":"YELLOW","new_quality_score":"GREEN","message_template_id":1,"message_template_name":"welcome","message_template_language":"es"}`,
			conversation.AccountSignal{Field: conversation.SignalTemplateQuality, Event: "GREEN", Template: "welcome/es", Detail: "previous score YELLOW", Severity: "info"}},
	}
	for _, tt := range tests {
		t.Run(tt.field+"/"+tt.want.Event, func(t *testing.T) {
			b, err := Parse(env(tt.field, tt.value))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.WABAID = "102290129340398"
			if len(b.Account) != 1 || b.Account[0] != tt.want || b.Ignored != 0 {
				t.Errorf("Parse = %+v (ignored %d), want %+v", b.Account, b.Ignored, tt.want)
			}
		})
	}
	// A value of the wrong shape is a malformed body (kept aside), not
	// a silent drop.
	if _, err := Parse(env("account_update", `"not an object"`)); !errors.Is(err, conversation.ErrMalformed) {
		t.Errorf("Parse(bad account_update) = %v, want ErrMalformed", err)
	}
	// Fields nobody handles are still only counted.
	if b, err := Parse(env("smb_message_echoes", `{"x":1}`)); err != nil || b.Ignored != 1 || len(b.Account) != 0 {
		t.Errorf("Parse(smb_message_echoes) = %+v, %v", b, err)
	}
	b, err := Parse([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.X","status":"sent","timestamp":"1","recipient_id":"16505551234"}]}}]}]}`))
	if err != nil || b.Numbers["15550783881"] != "106540352242922" {
		t.Errorf("Numbers = %v, %v", b.Numbers, err)
	}
}
