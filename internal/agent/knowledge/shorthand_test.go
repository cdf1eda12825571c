package knowledge

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/trement/trement/internal/agent/internal/fold"
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
		if r := reply(t, a, c.lang, c.msg); r.Unsure || len(r.Sources) == 0 || r.Sources[0] != c.want {
			t.Errorf("%q: unsure=%v sources=%v, want %s", c.msg, r.Unsure, r.Sources, c.want)
		}
	}
}

// TestClosingPhoneAndMistakes: the lexicon's closing time, paying with a
// phone and a customer's mistake, in words no article uses ("shut",
// "wallet", "móvil", "enganei"), written for this test, and the same words
// about another business still unanswered.
func TestClosingPhoneAndMistakes(t *testing.T) {
	a := sampleAgent(t)
	for _, c := range []struct{ lang, msg, want string }{
		{"en", "what time do you close in madrid", "store-hours"},
		{"es", "¿cuándo cierra la tienda de oporto?", "store-hours"},
		{"en", "do you take google wallet", "payment-methods"},
		{"es", "¿puedo pagar con el móvil?", "payment-methods"},
		{"pt", "posso pagar com o telemóvel?", "payment-methods"},
		{"en", "i made a mistake in my address", "order-changes"},
		{"es", "me equivoqué al poner la dirección", "order-changes"},
		{"pt", "enganei-me no endereço de entrega", "order-changes"},
		{"en", "what time does the pharmacy shut", ""},
		{"es", "¿a qué hora cierra el banco?", ""},
		{"pt", "enganei-me no caminho para casa", ""},
	} {
		r, got := reply(t, a, c.lang, c.msg), ""
		if !r.Unsure && r.Confidence >= 0.35 && len(r.Sources) > 0 {
			got = r.Sources[0]
		}
		if got != c.want {
			t.Errorf("%q: answered from %q (confidence %.2f), want %q", c.msg, got, r.Confidence, c.want)
		}
	}
}

// TestCashWhenItComes: cash on the parcel's arrival is cash on delivery
// once, not cash twice (the second found the gift cards' "cash").
func TestCashWhenItComes(t *testing.T) {
	for _, c := range []struct{ lang, in, want string }{
		{"en", "cash when it arrives", "cash on delivery"},
		{"en", "can i pay when it arrives", "can i pay cash on delivery"},
		{"pt", "pagamento quando chegar", "pagamento pagamento na entrega"},
	} {
		if got := strings.Join(readPayOnDelivery(strings.Fields(c.in), c.lang), " "); got != c.want {
			t.Errorf("readPayOnDelivery(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	a := sampleAgent(t)
	for _, msg := range []string{"cash when it arrives?", "can i do cash once it is delivered"} {
		if r := reply(t, a, "en", msg); r.Unsure || len(r.Sources) == 0 || r.Sources[0] != "payment-methods" {
			t.Errorf("%q: unsure=%v sources=%v, want payment-methods", msg, r.Unsure, r.Sources)
		}
	}
}

// TestChatSpellingsAreNotWords: articles are read through the chat table
// too, so a spelling that is a word of its language in the sample articles
// ("num", em + um) would take that word out of the index.
func TestChatSpellingsAreNotWords(t *testing.T) {
	fsys := Sample()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		lang, _, ok := strings.Cut(path, "/")
		an := analyzers[lang]
		if !ok || an == nil {
			return nil
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		for _, w := range fold.Words(string(b)) {
			if v, ok := an.chat[w]; ok && v != w && len(w) > 1 { // a letter is no term anyway
				t.Errorf("%s: %q is a chat spelling of %q in %s", path, w, v, lang)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
