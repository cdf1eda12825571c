package filter

import (
	"strings"
)

// matcher finds phrases (space-joined normalised words) in a text.
type matcher struct {
	phrases  map[string]Reason
	prefixes map[string]bool   // every leading run of words of every phrase
	compact  map[string]Reason // phrases without their spaces, for spaced-out text
	maxRunes int               // longest compact phrase, in bytes
}

func newMatcher() *matcher {
	return &matcher{phrases: map[string]Reason{}, prefixes: map[string]bool{}, compact: map[string]Reason{}}
}

func (m *matcher) add(phrase string, r Reason) {
	if phrase == "" {
		return
	}
	if _, ok := m.phrases[phrase]; !ok {
		m.phrases[phrase] = r
	}
	for i := range len(phrase) {
		if phrase[i] == ' ' {
			m.prefixes[phrase[:i]] = true
		}
	}
	m.prefixes[phrase] = true
	c := strings.ReplaceAll(phrase, " ", "")
	if len(c) >= 4 { // shorter ones ("kys") would match inside joined letters by chance
		if _, ok := m.compact[c]; !ok {
			m.compact[c] = r
		}
		m.maxRunes = max(m.maxRunes, len(c))
	}
}

// longestAt returns the longest phrase starting at words[i] and its length
// in words; n is 0 when none does. A phrase never crosses a clause
// boundary.
func (m *matcher) longestAt(t *text, i int, buf []byte) (phrase string, r Reason, n int) {
	buf = buf[:0]
	for k, w := range t.words[i:] {
		if k > 0 {
			if t.brk[i+k] != brkNone {
				break
			}
			buf = append(buf, ' ')
		}
		buf = append(buf, w...)
		if !m.prefixes[string(buf)] {
			break
		}
		if pr, ok := m.phrases[string(buf)]; ok {
			phrase, r, n = string(buf), pr, k+1
		}
	}
	return phrase, r, n
}

// find calls found for the longest phrase starting at each word; it
// covers n words from start.
func (m *matcher) find(t *text, found func(r Reason, phrase string, start, n int)) {
	if len(m.phrases) == 0 {
		return
	}
	buf := make([]byte, 0, 64)
	for i := range t.words {
		if p, r, n := m.longestAt(t, i, buf); n > 0 {
			found(r, p, i, n)
		}
	}
}

// spans marks the words covered by a phrase of m.
func (m *matcher) spans(t *text) []bool {
	covered := make([]bool, len(t.words))
	if len(m.phrases) == 0 {
		return covered
	}
	buf := make([]byte, 0, 64)
	for i := range t.words {
		if _, _, n := m.longestAt(t, i, buf); n > 0 {
			for k := i; k < i+n; k++ {
				covered[k] = true
			}
		}
	}
	return covered
}

// findCompact looks for phrases in text spelled out letter by letter
// ("k i l l   y o u r s e l f", "k.i.l.l"): each run of three or more
// one-letter words is joined, with the whole words on either side, and
// searched for the phrases with their spaces removed.
func (m *matcher) findCompact(t *text, hit func(Reason, string)) {
	if len(m.compact) == 0 {
		return
	}
	for i := 0; i < len(t.words); {
		if !t.single[i] {
			i++
			continue
		}
		j := i
		for j < len(t.words) && t.single[j] { // "k.i.l.l. y.o.u": boundaries inside a run are part of the trick
			j++
		}
		if j-i >= 3 {
			from, to := i, j
			if from > 0 && t.brk[from] == brkNone {
				from--
			}
			if to < len(t.words) && t.brk[to] == brkNone {
				to++
			}
			joined := strings.Join(t.words[from:to], "")
			joined = collapse(joined)
			for s := range len(joined) {
				for e := s + 4; e <= len(joined) && e-s <= m.maxRunes; e++ {
					if r, ok := m.compact[joined[s:e]]; ok {
						hit(r, joined[s:e])
					}
				}
			}
		}
		i = j
	}
}

// collapse removes repeats that joining created ("l"+"l" → "l"), as
// wordOf does within a word.
func collapse(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] && (s[i] < '0' || s[i] > '9') {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// rule is a pattern by intent: elements (each a set of phrases) in order,
// with at most gaps[k] words between element k and k+1, in one sentence,
// without a negation before or between them, none inside a harmless
// phrase of the [pass] section. "I will find where you live
// and hurt you" is first person ~ harm verb ~ target.
type rule struct {
	reason Reason
	src    string // the line of phrases.txt, for the audit trail
	elems  []*matcher
	gaps   []int
}

// matchAt reports whether r matches t from words[i] on, outside the words
// passed covers.
func (r *rule) matchAt(t *text, i int, passed []bool, buf []byte) bool {
	_, _, n := r.elems[0].longestAt(t, i, buf)
	return n > 0 && !t.negatedBefore(i) && r.rest(t, 1, i+n, passed, buf)
}

// firstWords lists the words a match of r can start with.
func (r *rule) firstWords() []string {
	seen := map[string]bool{}
	var out []string
	for p := range r.elems[0].phrases {
		w, _, _ := strings.Cut(p, " ")
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// rest matches elems[k:] from word i on.
func (r *rule) rest(t *text, k, i int, passed []bool, buf []byte) bool {
	if k == len(r.elems) {
		return true
	}
	for j := i; j <= i+r.gaps[k-1] && j < len(t.words); j++ {
		if t.brk[j] == brkSentence || j > i && t.negatedAt(j-1) {
			return false
		}
		if passed[j] {
			continue
		}
		if _, _, n := r.elems[k].longestAt(t, j, buf); n > 0 && r.rest(t, k+1, j+n, passed, buf) {
			return true
		}
	}
	return false
}
