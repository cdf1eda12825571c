package knowledge

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/agent/internal/fold"
)

// bikeShop is a small shop unlike the sample: its refunds article asks
// "when" in a heading, its returns article states the period only in its
// text, and its order article talks about order numbers.
func bikeShop(t *testing.T) *Agent {
	t.Helper()
	md := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	fsys := fstest.MapFS{
		"en/refunds.md": md("---\nid: refunds\ntitle: Refunds\nlang: en\ntags: refund, money back\n---\n" +
			"## When do I get my money back?\n\nAs soon as we receive the bike back, we refund the card you paid with. When we refund you we send an email.\n"),
		"en/returns.md": md("---\nid: returns\ntitle: Returning a bike\nlang: en\ntags: return\n---\n" +
			"## How do I return a bike?\n\nBook a pick-up in your account; our courier collects it.\n\n" +
			"## Conditions\n\nYou can return any bike within 21 days of delivery, unridden.\n"),
		"es/refunds.md": md("---\nid: refunds\ntitle: Reembolsos\nlang: es\ntags: reembolso, cuándo me devolvéis el dinero\n---\n" +
			"## ¿Cuándo me devolvéis el dinero?\n\nCuando recibimos la bici devolvemos el dinero a tu tarjeta.\n"),
		"es/returns.md": md("---\nid: returns\ntitle: Devoluciones\nlang: es\ntags: devolver\n---\n" +
			"## ¿Cómo devuelvo una bici?\n\nPide la recogida en tu cuenta.\n\n## Condiciones\n\nPuedes devolver una bici en los 21 días siguientes a la entrega.\n"),
		"es/sizes.md": md("---\nid: sizes\ntitle: Tallas de cuadro y de calzado\nlang: es\ntags: talla, tallas\n---\n" +
			"## ¿Qué talla de cuadro elijo?\n\nMira la tabla de cada bici. Las zapatillas de ciclismo van de la talla 38 a la 47.\n"),
		"es/orders.md": md("---\nid: orders\ntitle: Tu pedido\nlang: es\ntags: pedido, número de pedido\n---\n" +
			"## ¿Dónde veo el número de pedido?\n\nEl número de pedido está en el correo de confirmación.\n"),
	}
	a, err := New(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func replySource(t *testing.T, a *Agent, lang, msg string) (string, string) {
	t.Helper()
	r, err := a.Reply(context.Background(), agent.Request{Language: lang, Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	if r.Unsure || len(r.Sources) == 0 {
		return "unsure", ""
	}
	return r.Sources[0], r.Text
}

// TestDeadlineAsksForAPeriod: "until when" asks for a period; the "when"
// of a refunds heading is not what was asked, and the passage that states
// the period is the answer.
func TestDeadlineAsksForAPeriod(t *testing.T) {
	a := bikeShop(t)
	for _, tc := range []struct{ lang, msg string }{
		{"en", "until when can I return my bike?"},
		{"en", "how long do I have to return it?"},
		{"en", "what's the deadline to return a bike"},
		{"es", "¿hasta cuándo puedo devolver la bici?"},
		{"es", "¿qué plazo tengo para devolverla?"},
	} {
		id, text := replySource(t, a, tc.lang, tc.msg)
		if id != "returns" {
			t.Errorf("%q: answered from %s, want returns", tc.msg, id)
			continue
		}
		if !containsFold(text, "21") {
			t.Errorf("%q: answer %q does not state the period", tc.msg, text)
		}
	}
	// Without a deadline, "when" still finds its heading.
	if id, _ := replySource(t, a, "en", "when do I get my money back?"); id != "refunds" {
		t.Errorf("when do I get my money back: %s, want refunds", id)
	}
	// Paying "a plazos" is no deadline.
	if _, c := readTime(fold.Words("¿puedo pagar a plazos?")); c.deadline {
		t.Error("a plazos read as a deadline")
	}
}

// TestNumberBesideAShoeIsASize: "número" beside a shoe or a shoe size is
// the size, not an order number; beside an order it stays a number.
func TestNumberBesideAShoeIsASize(t *testing.T) {
	a := bikeShop(t)
	for _, msg := range []string{"¿qué número de zapatillas tenéis?", "¿tenéis el número 45?", "qué número calzo"} {
		if id, _ := replySource(t, a, "es", msg); id != "sizes" {
			t.Errorf("%q: %s, want sizes", msg, id)
		}
	}
	if id, _ := replySource(t, a, "es", "¿dónde veo el número de pedido?"); id != "orders" {
		t.Errorf("número de pedido: %s, want orders", id)
	}
	// The sample shop: the wrong confident answer this rule exists for.
	kb, err := New(Sample(), Options{MinConfidence: 0.35})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := replySource(t, kb, "pt", "que números de sapatos têm?"); id != "sizes" {
		t.Errorf("que números de sapatos têm: %s, want sizes", id)
	}
}

func TestStatesPeriod(t *testing.T) {
	for text, want := range map[string]bool{
		"You have **30 days from delivery** to return any item.": true,
		"the refund reaches you in 3–5 working days":             true,
		"respondemos en un plazo de un mes":                      true,
		"válido durante 1 hora":                                  true,
		"Express 24 h (mainland): €8.95":                         true,
		"Calle de la Aurora 12, 28013 Madrid.":                   false,
		"Monday to Saturday 10:00–21:00":                         false,
		"free on orders over €50":                                false,
	} {
		if got := statesPeriod(text); got != want {
			t.Errorf("statesPeriod(%q) = %v, want %v", text, got, want)
		}
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(fold.String(s), fold.String(sub))
}
