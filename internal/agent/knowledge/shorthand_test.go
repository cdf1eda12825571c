package knowledge

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/trement/trement/internal/agent"
)

// TestSpell: chat spellings are read as their words before anything else
// reads the question, per language, several words where one stands for
// them, and the slice itself when nothing changes.
func TestSpell(t *testing.T) {
	for _, c := range []struct{ lang, in, want string }{
		{"en", "can u ship 2 france pls", "can you ship 2 france please"},
		{"en", "wht r ur hours", "what are your hours"},
		{"es", "cto cuesta el envio xfa", "cuanto cuesta el envio favor"},
		{"es", "ke hago el finde", "que hago el fin de semana"},
		{"pt", "qto custa p lisboa pf", "quanto custa para lisboa por favor"},
		{"pt", "vc abre ao fds", "voce abre ao fim de semana"},
		{"pt", "tem loja em lisboa", "tem loja em lisboa"},
	} {
		if got := strings.Join(analyzers[c.lang].spell(strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("%s spell(%q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
	in := []string{"where", "is", "my", "order"}
	if out := analyzers["en"].spell(in); &out[0] != &in[0] || !slices.Equal(out, in) {
		t.Errorf("spell changed a question with no chat spelling: %v", out)
	}
}

// TestShorthandQuestions: questions typed in WhatsApp shorthand find the
// article their spelled-out form does. None is an evaluation row.
func TestShorthandQuestions(t *testing.T) {
	a := sampleAgent(t)
	for _, c := range []struct{ lang, msg, want string }{
		{"pt", "qto custa o envio normal", "shipping-costs"},
		{"pt", "qnt tempo demora o reembolso", "refunds"},
		{"es", "cto cuesta el envio express", "shipping-costs"},
		{"es", "ke plazo tengo pa devolver algo", "returns"},
		{"en", "wht r ur store hours on sat", "store-hours"},
		{"en", "whats ur phone nr", "contact-human"},
	} {
		r, err := a.Reply(context.Background(), agent.Request{Language: c.lang, Message: c.msg})
		if err != nil {
			t.Fatal(err)
		}
		if r.Unsure || len(r.Sources) == 0 || r.Sources[0] != c.want {
			t.Errorf("%q: unsure=%v sources=%v, want %s", c.msg, r.Unsure, r.Sources, c.want)
		}
	}
}
