package knowledge

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trement/trement/internal/agent"
)

func TestNameWords(t *testing.T) {
	got := slices.Sorted(maps.Keys(nameWords("- **Madrid:** Calle de la Aurora 12, 28013 Madrid.\n" +
		"Peak seasons (Black Friday, Christmas) can add days. Go to **My orders → Cancel order**; tap **Return items**. " +
		"Items must be returned. We return items.")))
	// "Madrid" after the bullet, "Black" after "(", "Cancel" after "→",
	// "Items" and "We" at a sentence's start are not names by place;
	// "Return" is written in lower case too.
	want := []string{"aurora", "calle", "christmas", "friday", "madrid", "my"}
	if !slices.Equal(got, want) {
		t.Errorf("nameWords = %v, want %v", got, want)
	}
}

// contactShop has a stores article whose address, in another language,
// stems like "call", and a contact article with the phone number.
func contactShop(t *testing.T) *Agent {
	t.Helper()
	md := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	a, err := New(fstest.MapFS{
		"stores.md": md("---\nid: stores\ntitle: Our stores\nlang: en\ntags: store, address\n---\n" +
			"## Where are your stores?\n\n- **Madrid:** Calle de la Aurora 12, 28013 Madrid.\n- **Porto:** Rua das Flores 45.\n"),
		"contact.md": md("---\nid: contact\ntitle: Contact us\nlang: en\ntags: contact, phone, email\n---\n" +
			"## How can I contact you?\n\n- Email: help@example.com\n- Phone: +34 910 000 000\n"),
		"tracking.md": md("---\nid: tracking\ntitle: Tracking your order\nlang: en\ntags: track, tracking, parcel\n---\n" +
			"## Where is my order?\n\nWe send you the tracking number by email. See it in My account.\n\n" +
			"## My tracking number does not work\n\nTracking starts a few hours after dispatch; if not, write to us.\n\n" +
			"## Why is my order late?\n\nHolidays add 1–2 days.\n"),
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func reply(t *testing.T, a *Agent, lang, msg string) agent.Reply {
	t.Helper()
	r, err := a.Reply(context.Background(), agent.Request{Language: lang, Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// "can I call you?" once got the stores' addresses: the English stem of
// the street name "Calle" is "call". A name is indexed as written, and
// the built-in lexicon reads calling as the phone.
func TestNameIsNotAStem(t *testing.T) {
	a := contactShop(t)
	for _, msg := range []string{"can i call you?", "can I ring you", "what's your phone number?"} {
		if r := reply(t, a, "en", msg); !r.Unsure && (len(r.Sources) == 0 || r.Sources[0] != "contact") {
			t.Errorf("%q: answered from %v, want contact or unsure", msg, r.Sources)
		}
	}
	if r := reply(t, a, "en", "calle de la aurora"); r.Unsure || r.Sources[0] != "stores" {
		t.Errorf("the address by its name: %v (unsure %v), want stores", r.Sources, r.Unsure)
	}
}

// A heading stating a problem answers a question stating one; a "why"
// question gets the heading asking why.
func TestProblemAndWhyHeadings(t *testing.T) {
	a := contactShop(t)
	for _, c := range []struct{ msg, want string }{
		{"how can i track my parcel", "tracking number by email"},
		{"my tracking number is not working", "few hours after dispatch"},
		{"why is my parcel so late", "Holidays"},
	} {
		if r := reply(t, a, "en", c.msg); r.Unsure || !strings.Contains(r.Text, c.want) {
			t.Errorf("%q: %q (unsure %v), want the passage with %q", c.msg, r.Text, r.Unsure, c.want)
		}
	}
}

// A passage is credited with what its translations say: the Spanish
// warranty never says "despegar", the Portuguese one says "descolou",
// which the lexicon's group of parts that came away joins.
func TestTranslationsPool(t *testing.T) {
	a := shop(t, map[string]string{
		"es/w.md": "---\nid: warranty\ntitle: Garantía\nlang: es\ntags: garantía, suela\n---\n## ¿Qué hago?\n\nEntra en Mis pedidos e informa del problema.\n",
		"pt/w.md": "---\nid: warranty\ntitle: Garantia\nlang: pt\ntags: garantia, sola, descolou\n---\n## O que faço?\n\nEntre em As minhas encomendas e comunique o problema.\n",
		"es/c.md": "---\nid: codes\ntitle: Códigos de descuento\nlang: es\ntags: cupón\n---\n## ¿Cómo uso un código?\n\nEscríbelo al pagar; hago lo posible.\n",
	})
	r := reply(t, a, "es", "se me despegó la suela")
	if r.Unsure || r.Sources[0] != "warranty" || !strings.Contains(r.Text, "informa del problema") {
		t.Errorf("got %q from %v (unsure %v), want the Spanish warranty", r.Text, r.Sources, r.Unsure)
	}
	// Each version covers half the question alone (0.52 without pooling);
	// the section, in both languages, covers all of it.
	if r.Confidence < 0.6 {
		t.Errorf("confidence %.2f, want ≥ 0.6: the translations together answer the whole question", r.Confidence)
	}
}

// Word forms the index does not have: the first half of a compound
// ("knit" of "knitwear"), a fixed phrase written with a typo.
func TestCompoundAndPhraseTypo(t *testing.T) {
	a := shop(t, map[string]string{
		"sizes.md":     "---\nid: sizes\ntitle: Sizes\nlang: en\ntags: size\n---\n## Which size?\n\nChoose the smaller one for knitwear, which stretches. Wear it loose.\n",
		"pay.md":       "---\nid: pay\ntitle: Formas de pago\nlang: es\ntags: pago\n---\n## ¿Cómo pago?\n\nCon tarjeta.\n\n## ¿Contrarreembolso?\n\nNo ofrecemos contrarreembolso.\n",
		"synonyms.txt": "=contrarreembolso, =contra reembolso\n",
	})
	if r := reply(t, a, "en", "which size for a knit jumper"); r.Unsure || r.Sources[0] != "sizes" {
		t.Errorf("knit: %v (unsure %v), want sizes", r.Sources, r.Unsure)
	}
	if r := reply(t, a, "es", "aceptáis pago contrareembolso"); r.Unsure || !strings.Contains(r.Text, "No ofrecemos") {
		t.Errorf("contrareembolso: %q (unsure %v), want the cash on delivery passage", r.Text, r.Unsure)
	}
}

// shop is an agent over the files given by path.
func shop(t *testing.T, files map[string]string) *Agent {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, text := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(text)}
	}
	a, err := New(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Readings of the sample shop's questions that each guard one rule.
func TestSampleReadings(t *testing.T) {
	a, err := New(Sample(), Options{MinConfidence: 0.35})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, msg, want string }{
		// Another business's hours are not the shop's.
		{"en", "what are ikea's opening hours on sunday", "unsure"},
		// Two letters left out are another word: no "presente" (gift card).
		{"pt", "quem e o presidente do brasil", "unsure"},
		// "Have I got to send it back" is a return; "get it back" a refund.
		{"en", "how many days have i got to send stuff back?", "returns"},
		{"en", "do i get the delivery cost back when i return everything", "refunds"},
		// The heading that asks what was asked ("¿Me devolvéis los gastos
		// de envío?"), not the customs passage that says "envío".
		{"es", "me devolveis tb lo q pague de envio?", "refunds"},
		// The article whose title says it ("Tracking your order") is
		// surer than those that only use the word in their text.
		{"en", "I never got any tracking info for my order", "order-tracking"},
		// But an FAQ's title is its question: "Vendem cartões-presente?"
		// does not answer whether phones are sold.
		{"pt", "vendem telemóveis?", "unsure"},
		// Reaching a place is a delivery; a day the customer ordered on
		// is not the stores' opening days.
		{"en", "how long for a parcel to reach belgium", "shipping-times"},
		{"en", "ordered on monday, when should it get to lisbon?", "unsure"},
		// The customer saying who they are asks nothing about customers;
		// "customer service" is still a topic. A length is a duration.
		{"en", "whats the guarantee for customers in france", "warranty"},
		{"en", "warranty length for customers in germany", "warranty"},
		{"en", "how do i contact customer service", "contact-human"},
		// Two questions, each answered alone when the whole is unsure.
		{"es", "¿puedo pagar con paypal? ¿y cuánto tiempo tengo para devolver?", "payment-methods"},
	} {
		if got, _ := replySource(t, a, c.lang, c.msg); got != c.want {
			t.Errorf("%q: %s, want %s", c.msg, got, c.want)
		}
	}
}

// A question about a day or opening gets the passage with times of day.
func TestOpeningGetsTimes(t *testing.T) {
	a, err := New(Sample(), Options{MinConfidence: 0.35})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, msg, want string }{
		{"pt", "a loja do porto está aberta ao domingo?", "encerrada"},
		{"en", "are you open on sundays", "11:00"},
	} {
		if _, text := replySource(t, a, c.lang, c.msg); !strings.Contains(text, c.want) {
			t.Errorf("%q: %q, want the passage with %q", c.msg, text, c.want)
		}
	}
}

// Derived adjectives meet their verb: "refundable" is a refund,
// "returnable" a return, "reembolsable" and "reembolsável" a reembolso.
func TestDerivedAdjectives(t *testing.T) {
	for _, c := range []struct {
		lang, word, want string
	}{{"en", "refundable", "refund"}, {"en", "returnable", "return"}, {"en", "washable", "wash"},
		{"es", "reembolsable", "reembols"}, {"es", "reembolsables", "reembols"}, {"pt", "reembolsavel", "reembols"}, {"pt", "reembolsaveis", "reembols"}, {"en", "table", "tabl"}} {
		if got := analyzers[c.lang].stem(c.word); got != c.want {
			t.Errorf("%s stem(%q) = %q, want %q", c.lang, c.word, got, c.want)
		}
	}
}
