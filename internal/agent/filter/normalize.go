package filter

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// text is an answer reduced to the form phrases are matched in.
type text struct {
	words []string
	// brk[i] says what boundary comes before words[i]: brkNone,
	// brkClause (, ; : and the like) or brkSentence (. ! ? or a line
	// break). Phrases and negation stay inside a clause, rules inside a
	// sentence.
	brk []uint8
	// single[i] is set when words[i] was one letter in the answer, as in
	// "k i l l", which compact matching joins up again.
	single []bool
}

// Boundaries between words.
const (
	brkNone uint8 = iota
	brkClause
	brkSentence
)

// leet maps the digits of spelling tricks to the letters they stand for.
// It applies only inside words that also hold a letter ("k1ll", "y0u"), so
// prices and hours keep their digits.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b'}

// normalize folds s (lower case, no accents) and splits it into words of
// letters and digits; inside each word leetspeak digits become letters and
// every run of a repeated letter becomes one ("kiiilll" and "kill" both
// become "kil"). Phrases go through the same function, so both sides meet
// in the same form.
func normalize(s string) text {
	s = fold.String(s)
	var t text
	buf := make([]rune, 0, 32)
	var pendingBreak uint8
	flush := func() {
		if len(buf) == 0 {
			return
		}
		t.words = append(t.words, wordOf(buf))
		t.brk = append(t.brk, pendingBreak)
		t.single = append(t.single, len(buf) == 1)
		pendingBreak = brkNone
		buf = buf[:0]
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			buf = append(buf, r)
			continue
		}
		flush()
		switch r {
		case '.', '!', '?', '\n':
			// A dot between digits or letters ("4.95", "x.com") is not a
			// boundary.
			if r == '.' && i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\n' {
				continue
			}
			pendingBreak = brkSentence
		case ',', ';', ':', '¡', '¿', '(', ')', '"', '—', '–':
			// "-" is not one: compound words, "vou-te", "mate-se".
			pendingBreak = max(pendingBreak, brkClause)
		}
	}
	flush()
	return t
}

// wordOf applies the leet map (when the word mixes letters and digits) and
// collapses repeated letters.
func wordOf(rs []rune) string {
	hasLetter, hasDigit := false, false
	for _, r := range rs {
		if unicode.IsDigit(r) {
			hasDigit = true
		} else {
			hasLetter = true
		}
	}
	b := make([]byte, 0, len(rs))
	var last rune = -1
	for _, r := range rs {
		if hasLetter && hasDigit {
			if l, ok := leet[r]; ok {
				r = l
			}
		}
		if r == last && !unicode.IsDigit(r) {
			continue
		}
		last = r
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// phraseKey is the matching form of a curated phrase or deny-list entry.
func phraseKey(p string) string {
	t := normalize(p)
	n := 0
	for _, w := range t.words {
		n += len(w) + 1
	}
	b := make([]byte, 0, n)
	for i, w := range t.words {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return string(b)
}

// negations are the words that, right before a harmful phrase or inside a
// rule's gaps, turn it into a statement against it: "we never sell
// drugs", "no vendemos drogas", "don't hurt yourself".
var negations = map[string]bool{
	"not": true, "never": true, "no": true, "nobody": true, "cannot": true, "dont": true, "wont": true, "cant": true, "without": true,
	"nunca": true, "jamas": true, "ni": true, "nadie": true, "tampoco": true, "sin": true,
	"nao": true, "jamais": true, "nem": true, "ninguem": true, "sem": true,
}

// negatedAt reports whether words[i] is a negation. "t" counts after a
// word ending in n, which is how "don't", "won't", "can't" split.
func (t *text) negatedAt(i int) bool {
	w := t.words[i]
	if negations[w] {
		return true
	}
	if w == "t" && i > 0 {
		p := t.words[i-1]
		return len(p) > 1 && p[len(p)-1] == 'n'
	}
	return false
}

// negatedBefore reports whether a negation stands right before words[i],
// or one word before it, within the same clause.
func (t *text) negatedBefore(i int) bool {
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if t.brk[j+1] != brkNone {
			return false
		}
		if t.negatedAt(j) {
			return true
		}
	}
	return false
}

// joinRuns returns t with every run of three or more one-letter words
// joined into one word ("h u r t" → "hurt"), and whether there was one.
func (t *text) joinRuns() (text, bool) {
	var j text
	run, found := 0, false
	for _, one := range t.single {
		run++
		if !one {
			run = 0
		}
		if run >= 3 {
			found = true
			break
		}
	}
	if !found {
		return j, false
	}
	for i := 0; i < len(t.words); {
		k := i
		for k < len(t.words) && t.single[k] {
			k++
		}
		if k-i >= 3 {
			j.words = append(j.words, collapse(strings.Join(t.words[i:k], "")))
			j.brk = append(j.brk, t.brk[i])
			j.single = append(j.single, false)
			i = k
			continue
		}
		j.words = append(j.words, t.words[i])
		j.brk = append(j.brk, t.brk[i])
		j.single = append(j.single, t.single[i])
		i++
	}
	return j, found
}
