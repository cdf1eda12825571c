package knowledge

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trement/trement/internal/agent"
)

// otherShop is a knowledge base unlike the sample's, no synonyms.txt or
// neutral.txt: what the built-in lexicon brings is all it has.
func otherShop(tb testing.TB) *Agent {
	tb.Helper()
	md := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	a, err := New(fstest.MapFS{
		"pay.md":   md("---\nid: pay\ntitle: Paying\nlang: en\ntags: payment, card\n---\n## Which cards?\nWe take Visa and American Express.\n\n## Instalments\nSplit any order over $100 into 4 instalments with Affirm.\n"),
		"ship.md":  md("---\nid: ship\ntitle: Delivery\nlang: en\ntags: delivery, shipping\n---\n## How long does delivery take?\nDomestic orders arrive in 3-5 business days, international ones in 10-20.\n"),
		"cost.md":  md("---\nid: cost\ntitle: Shipping rates\nlang: en\ntags: shipping, rates\n---\n## Rates\nDomestic shipping is $5, international shipping $25.\n"),
		"hours.md": md("---\nid: hours\ntitle: Opening hours\nlang: es\ntags: horario, tienda, festivos\n---\n## Horario\nAbrimos de 9:00 a 18:00. En festivos, de 10:00 a 14:00.\n"),
		"gift.md":  md("---\nid: gift\ntitle: Gift cards\nlang: en\ntags: gift card\n---\n## Do gift cards expire?\nGift cards are valid for two years.\n"),
	}, Options{MinConfidence: 0.35})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func TestLexiconOnAnotherShop(t *testing.T) {
	a := otherShop(t)
	for _, c := range []struct{ lang, msg, want string }{
		{"en", "do you take amex?", "pay"},
		{"en", "can i make monthly payments?", "pay"},
		{"en", "how long to ship to australia", "ship"},
		{"en", "how much is shipping to australia", "cost"},
		{"es", "¿qué horario tenéis en nochebuena?", "hours"},
		{"en", "whats the expiry date of a gift card", "gift"},
	} {
		r, err := a.Reply(context.Background(), agent.Request{Language: c.lang, Message: c.msg})
		if err != nil {
			t.Fatal(err)
		}
		if r.Unsure || len(r.Sources) == 0 || r.Sources[0] != c.want {
			t.Errorf("Reply(%q) = %v unsure=%v confidence=%.2f, want %s", c.msg, r.Sources, r.Unsure, r.Confidence, c.want)
		}
	}
	// A place is not a destination unless something is sent there.
	r, _ := a.Reply(context.Background(), agent.Request{Language: "en", Message: "how much is a flight to london"})
	if !r.Unsure {
		t.Errorf("flight to London answered from %v", r.Sources)
	}
}

func TestSelfQuestion(t *testing.T) {
	a := sampleAgent(t)
	for _, c := range []struct{ lang, msg, want string }{
		{"en", "am i chatting with a bot or a person?", "AI assistant"},
		{"en", "are you a real person?", "AI assistant"},
		{"es", "¿hablo con un bot o con una persona?", "asistente de IA"},
		{"es", "eres humano?", "asistente de IA"},
		{"pt", "estou a falar com um robô?", "assistente de IA"},
	} {
		r, err := a.Reply(context.Background(), agent.Request{Language: c.lang, Message: c.msg, BusinessName: "Tienda Aurora"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Unsure || !strings.Contains(r.Text, c.want) || !strings.Contains(r.Text, "Tienda Aurora") {
			t.Errorf("Reply(%q) = %q unsure=%v, want the assistant's answer about itself", c.msg, r.Text, r.Unsure)
		}
	}
	for _, msg := range []string{"do you sell robot vacuums?", "i want to talk to a person", "the item arrived broken"} {
		if selfQuestion(queryWords(msg)) {
			t.Errorf("selfQuestion(%q) = true", msg)
		}
	}
}

func TestPriceCue(t *testing.T) {
	a := sampleAgent(t)
	for _, c := range []struct{ lang, msg, want string }{
		{"pt", "quanto são os portes para lisboa?", "shipping-costs"},
		{"en", "how much is shipping to portugal", "shipping-costs"},
		{"en", "how long does shipping to portugal take", "shipping-times"},
	} {
		m := a.best(queryWords(c.msg), c.lang, "")
		if !m.ok || a.ix.docs[m.doc].art.id != c.want {
			t.Errorf("best(%q) = %s, want %s", c.msg, a.ix.docs[m.doc].art.id, c.want)
		}
	}
}

// The lexicon's cash and courier groups: the customer's "estafeta",
// "repartidor" or "delivery guy" is the articles' carrier, "efectivo" cash.
func TestLexiconCashAndCourier(t *testing.T) {
	arts := []article{
		{id: "track", lang: "en", title: "Tracking", sections: []section{{heading: "Marked as delivered?", body: "Ask the carrier. We do not take cash."}}},
	}
	ix := newIndex(arts, lexiconSynonyms, 1.2, 0.75, 700)
	for _, c := range []struct{ lang, word, want string }{
		{"pt", "estafeta", "carrier"}, {"es", "repartidor", "carrier"}, {"es", "efectivo", "cash"},
	} {
		q := ix.expand(analyzers[c.lang], []string{c.word})
		want := analyzers["en"].stem(c.want)
		if len(q) != 1 || !hasAlt(q[0].alts, want) {
			t.Errorf("%q: %+v, want an alternative %q", c.word, q, want)
		}
	}
}
