package language

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct{ text, want string }{
		// Short messages.
		{"hi", English}, {"hello!", English}, {"thanks", English}, {"thx", English}, {"pls help", English},
		{"hola", Spanish}, {"gracias", Spanish}, {"muchas gracias!", Spanish}, {"buenas", Spanish}, {"vale, gracias", Spanish},
		{"oi", Portuguese}, {"olá", Portuguese}, {"obrigado", Portuguese}, {"obrigada!", Portuguese}, {"valeu", Portuguese}, {"bom dia", Portuguese},
		// Nothing to tell.
		{"ok", ""}, {"👍", ""}, {"12345", ""}, {"STOP", ""}, {"", ""}, {"no", ""}, {"Madrid?", ""},
		// Sentences, typos and abbreviations.
		{"How long does shipping to Madrid take?", English},
		{"wheres my parcel", English},
		{"can u tell me ur store hours", English},
		{"¿puedo pagar con tarjeta?", Spanish},
		{"cuanto tarda el envio a canarias", Spanish},
		{"xq no me llega el pedido", Spanish},
		{"quanto tempo demora a entrega para os açores", Portuguese},
		{"vc sabe qdo chega minha encomenda?", Portuguese},
		{"a devolução é grátis?", Portuguese},
		{"la devolución es gratis?", Spanish},
	}
	for _, tt := range tests {
		if got := Detect(tt.text); got != tt.want {
			t.Errorf("Detect(%q) = %q, want %q (scores %v)", tt.text, got, tt.want, Score(tt.text))
		}
	}
}

func TestListsDoNotOverlap(t *testing.T) {
	// init panics on a word in two languages; reaching here means it did
	// not. Check a few shared words really are absent.
	for _, w := range []string{"que", "de", "a", "me", "pagar", "envio", "no", "por", "gratis"} {
		if c, ok := cues[w]; ok {
			t.Errorf("shared word %q is a cue for %s", w, Codes[c.lang])
		}
	}
}

func FuzzDetect(f *testing.F) {
	f.Add("¿puedo pagar con tarjeta?")
	f.Add("olá tudo bem")
	f.Fuzz(func(t *testing.T, s string) {
		switch Detect(s) {
		case "", English, Spanish, Portuguese:
		default:
			t.Fatalf("Detect(%q) returned an unknown code", s)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	for b.Loop() {
		Detect("hola, ¿cuánto tarda el envío a Canarias? gracias")
	}
}
