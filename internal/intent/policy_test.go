package intent_test

import (
	"testing"

	"github.com/trement/trement/internal/intent"
	"github.com/trement/trement/internal/policy"
)

// The bot's own texts tell people what to write; these tests make sure
// that what they are told to write is understood. The packages do not
// import each other; only this test joins them.

func TestPolicyCommandsAreUnderstood(t *testing.T) {
	for _, lang := range policy.Languages() {
		for _, c := range policy.Commands(lang) {
			t.Run(lang+"/"+c.Word, func(t *testing.T) {
				if got := intent.Parse(c.Word).Kind.String(); got != c.Action {
					t.Errorf("Parse(%q).Kind = %s, want %s (policy.Commands(%s))", c.Word, got, c.Action, lang)
				}
			})
		}
	}
}

func TestPolicyErasurePhraseIsUnderstood(t *testing.T) {
	for _, lang := range policy.Languages() {
		phrase := policy.ErasurePhrase(lang)
		t.Run(lang, func(t *testing.T) {
			if got := intent.Parse(phrase); got.Kind != intent.EraseConfirm || got.Language != lang {
				t.Errorf("Parse(%q) = %+v, want {erase_confirm %s}", phrase, got, lang)
			}
		})
	}
}

func TestPolicyButtonsAreUnderstood(t *testing.T) {
	for _, lang := range policy.Languages() {
		for _, b := range []struct {
			text policy.Text
			want intent.Kind
		}{{policy.AcceptButton, intent.Accept}, {policy.DeclineButton, intent.Decline}} {
			title, err := policy.Render(lang, b.text, policy.Vars{})
			if err != nil {
				t.Fatal(err)
			}
			t.Run(lang+"/"+title, func(t *testing.T) {
				if got := intent.ParseConsentAnswer(title); got != b.want {
					t.Errorf("ParseConsentAnswer(%q) = %s, want %s", title, got, b.want)
				}
			})
		}
	}
}
