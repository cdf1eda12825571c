package whatsapp

import (
	"encoding/json"
	"fmt"
	"time"
)

// FieldUserPreferences is the webhook field of a customer turning
// marketing messages off or on inside WhatsApp (spec §7.1).
const FieldUserPreferences = "user_preferences"

// UserPreference is one entry of a user_preferences change.
type UserPreference struct {
	WaID      string      `json:"wa_id"`
	Detail    string      `json:"detail,omitempty"`
	Category  string      `json:"category"` // "marketing_messages"
	Value     string      `json:"value"`    // "stop" or "resume"
	Timestamp json.Number `json:"timestamp"`
}

// Time is the preference's timestamp (Unix seconds).
func (p UserPreference) Time() time.Time {
	n, err := p.Timestamp.Int64()
	if err != nil {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// UserPreferences reads the value of a user_preferences change (an
// IgnoredChange's Raw), with the business number it was for.
func UserPreferences(raw json.RawMessage) (phoneNumberID string, prefs []UserPreference, err error) {
	var v struct {
		Metadata        Metadata         `json:"metadata"`
		UserPreferences []UserPreference `json:"user_preferences"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", nil, fmt.Errorf("whatsapp: user_preferences: %w", err)
	}
	return v.Metadata.PhoneNumberID, v.UserPreferences, nil
}
