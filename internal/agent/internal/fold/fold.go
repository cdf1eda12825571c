// Package fold normalises text the same way for every matcher in agent:
// lower case, Latin diacritics removed, split into words. The knowledge
// retriever and the output filter both compare customer-typed text with
// curated phrases, and customers type "envio", "envío" and "ENVÍO" alike.
//
// The folding table covers the Latin letters of English, Spanish and
// Portuguese (and their neighbours); it is hand-written to keep the module's
// dependencies at the standard library.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// latin maps accented Latin letters (already lower-cased) to their base.
var latin = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'ç': "c", 'ć': "c", 'č': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i",
	'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y",
	'ß': "ss", 'æ': "ae", 'œ': "oe",
	'ś': "s", 'š': "s", 'ź': "z", 'ż': "z", 'ž': "z", 'ł': "l", 'ř': "r", 'ď': "d", 'ť': "t",
	// Typographic apostrophes fold to the ASCII one so "don’t" = "don't".
	'’': "'", '‘': "'", 'ʼ': "'",
}

// String returns s lower-cased with Latin diacritics removed.
func String(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if rep, ok := latin[r]; ok {
			b.WriteString(rep)
			continue
		}
		if unicode.Is(unicode.Mn, r) { // combining marks of decomposed input
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Words returns the folded words of s: maximal runs of letters and digits.
// Everything else, apostrophes included, separates words, so "I'm" gives
// "i" and "m" and the same rule applies to text and to the phrases matched
// against it.
func Words(s string) []string {
	return strings.FieldsFunc(String(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
