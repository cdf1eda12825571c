package intent

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// normalize folds text to lower-case ASCII-ish words separated by single
// spaces: accents and other combining marks go, compatibility forms fold
// (full-width letters, ligatures), apostrophes vanish so "didn't" stays one
// word, and everything that is not a letter or digit — punctuation, emoji,
// symbols — becomes a space.
func normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\'', '’', 'ʼ', '‘', '`', '´':
			return -1
		}
		return r
	}, s)
	var b strings.Builder
	b.Grow(len(s))
	space := true // no leading space
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// combining accent: drop
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}
