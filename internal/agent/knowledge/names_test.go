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
