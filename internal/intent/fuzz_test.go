package intent

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"STOP", "¡BAJA!", "párar", "quiero darme de baja", "SÍ BORRAR", "não ajudou",
		"I can't stop the washing machine", "👍", "", " ", "ＳＴＯＰ", "didn’t",
		"\xff\xfe", "a\u0301", strings.Repeat("stop ", 300), "no no no", "ok thanks",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m := Parse(text)
		if m.Kind < None || int(m.Kind) >= len(kindNames) {
			t.Fatalf("Parse(%q).Kind = %d, out of range", text, m.Kind)
		}
		switch m.Language {
		case "", "en", "es", "pt":
		default:
			t.Fatalf("Parse(%q).Language = %q, want en, es, pt or empty", text, m.Language)
		}
		switch k := ParseConsentAnswer(text); k {
		case None, Accept, Decline:
		default:
			t.Fatalf("ParseConsentAnswer(%q) = %s, want none, accept or decline", text, k)
		}
		// Trailing punctuation never changes the answer.
		if got := Parse(text + " !?."); got != m && len(text) < maxBytes {
			t.Fatalf("Parse(%q + \" !?.\") = %+v, want %+v", text, got, m)
		}
		// Nor does ASCII case.
		if isASCII(text) {
			if got := Parse(strings.ToUpper(text)); got != m {
				t.Fatalf("Parse(upper(%q)) = %+v, want %+v", text, got, m)
			}
		}
		if utf8.ValidString(text) && m.Kind != None && len(strings.Fields(normalize(text))) == 0 {
			t.Fatalf("Parse(%q).Kind = %s from an empty message", text, m.Kind)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
