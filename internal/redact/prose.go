package redact

import (
	"math"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The lexicon joins every word list the second pass consults per word, so
// that a word costs one map look-up; most words are in none of them.
const (
	lxCuePart uint16 = 1 << (8 + iota) // starts or continues a cue phrase
	lxCueLast                          // ends a cue phrase
	lxPlace                            // placeLead
	lxStreet                           // streetWords
	lxSpecial                          // "c" of "C.P.", the first word of a date in words
	lxCueOne                           // a cue phrase of this one word
	lxAny     = lxCuePart | lxCueLast | lxStreet | lxSpecial
	lxGazMask = 0xFF
)

var lexicon = sync.OnceValue(func() map[string]uint16 {
	m := map[string]uint16{}
	for w, g := range gazetteer {
		m[w] |= uint16(g)
	}
	for p := range cues {
		ws := splitSpace(p)
		for _, w := range ws[:len(ws)-1] {
			m[w] |= lxCuePart
		}
		m[ws[len(ws)-1]] |= lxCueLast
		if len(ws) == 1 {
			m[p] |= lxCueOne
		}
	}
	cueFilter = newSmallFilter(len(cues))
	cueTails = newSmallFilter(len(cues))
	for p := range cues {
		cueFilter.set(p)
		if ws := splitSpace(p); len(ws) >= 2 {
			cueTails.set(ws[len(ws)-2] + " " + ws[len(ws)-1])
		}
	}
	for w := range placeLead {
		m[w] |= lxPlace
	}
	for w := range streetWords {
		m[w] |= lxStreet
	}
	m["c"] |= lxSpecial
	for w := range dateStart {
		m[w] |= lxSpecial
	}
	partID = map[string]uint16{"": 0, ".": 1, "#": 2}
	partNames = []string{"", ".", "#"}
	words := make([]string, 0, len(cueParts))
	for w := range cueParts {
		words = append(words, w)
	}
	slices.Sort(words)
	for _, w := range words {
		p := cueParts[w]
		if _, ok := partID[p]; !ok {
			partID[p] = uint16(len(partNames))
			partNames = append(partNames, p)
		}
		cuePartID[w] = partID[p]
	}
	for w, f := range m {
		if k, ok := shortIndex(w); ok {
			lexShort[k] = f | lxKnown
			if f&lxCuePart != 0 {
				lexShortWord[k] = partID[cueParts[w]]
			}
		}
		if f&lxAny != 0 {
			lexAnyFilter.set(w)
		}
		if f&uint16(gGiven) != 0 || f&(lxAny|lxPlace) != 0 {
			lexCapFilter.set(w)
		}
	}
	return m
})

// lexShort holds the lexicon's words of one to three ASCII letters, the
// most frequent words of any text, so that they cost an array read.
var lexShort [27 * 27 * 27]uint16

// lxKnown marks a lexShort slot that holds a word.
const lxKnown uint16 = 1 << 15

// shortIndex is w's slot in lexShort, for one to three ASCII letters.
func shortIndex[W string | []byte](w W) (int, bool) {
	if len(w) == 0 || len(w) > 3 {
		return 0, false
	}
	k := 0
	for i := 0; i < 3; i++ {
		c := 0
		if i < len(w) {
			if w[i] < 'a' || w[i] > 'z' {
				return 0, false
			}
			c = int(w[i]-'a') + 1
		}
		k = k*27 + c
	}
	return k, true
}

// lexShortWord holds, for short words that are cue parts, the id of the
// word as cueParts has it.
var lexShortWord [27 * 27 * 27]uint16

// The words prose remembers (prevWords) are numbered: partNames[id] is
// the word, partID its id, cuePartID[w] the id of cueParts[w]. Id 0 is
// "" (a word that starts no cue), 1 ".", 2 "#" (a number).
var (
	partNames []string
	partID    map[string]uint16
	cuePartID = map[string]uint16{}
)

const (
	partNone uint16 = iota
	partDot
	partNumber
)

// prevWords holds the ids of the last three words that may start a cue,
// most recent in the low sixteen bits, so that remembering a word is a
// shift.
type prevWords uint64

func (p prevWords) push(id uint16) prevWords { return p<<16 | prevWords(id) }

// first is the most recent word.
func (p prevWords) first() string { return partNames[p&0xFFFF] }

func (p prevWords) words() [3]string {
	return [3]string{partNames[p&0xFFFF], partNames[p>>16&0xFFFF], partNames[p>>32&0xFFFF]}
}

// shortIndexLower is shortIndex for a word of ASCII letters in any case.
func shortIndexLower(w string) (int, bool) {
	switch len(w) {
	case 1:
		return int(letter27[w[0]]) * 27 * 27, true
	case 2:
		return (int(letter27[w[0]])*27 + int(letter27[w[1]])) * 27, true
	case 3:
		return (int(letter27[w[0]])*27+int(letter27[w[1]]))*27 + int(letter27[w[2]]), true
	}
	return 0, false
}

// letter27 numbers the ASCII letters from 1, in either case.
var letter27 = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = uint8(c-'a') + 1
		t[c-'a'+'A'] = uint8(c-'a') + 1
	}
	return t
}()

// lookup is lex[w], through lexShort for short words.
func lookup(lex map[string]uint16, w []byte) uint16 {
	if k, ok := shortIndex(w); ok {
		return lexShort[k] &^ lxKnown
	}
	return lex[string(w)]
}

// A wordFilter is a one-hash Bloom filter over folded words: a word whose
// bit is clear is certainly not in the set, so the pass skips the map
// look-up for nearly every word of a message.
type wordFilter [1 << 16 / 64]uint64

var lexAnyFilter, lexCapFilter wordFilter

// cueFilter holds every phrase of cues, so that cueAt looks up in the map
// only the phrases that may be there.
var cueFilter smallFilter

// cueTails holds the last two words of every phrase of cues of two words
// or more: a word after another with which no phrase ends starts no cue.
var cueTails smallFilter

// cueTail reports whether some cue phrase may end with the folded word p
// and then the word w of ASCII letters, in any case.
func cueTail(p, w string) bool {
	var b [48]byte
	if len(p)+1+len(w) > len(b) {
		return true
	}
	n := copy(b[:], p)
	b[n] = ' '
	n++
	n += copy(b[n:], w)
	return cueTails.has(b[:n]) // wordHash lower-cases ASCII letters
}

// wordHash hashes a folded word from its length and four of its bytes,
// lower-casing ASCII letters (by setting bit 0x20 of every byte it reads)
// so that it can be run on the raw text of a word of ASCII letters too.
// One multiplication: it runs once for nearly every word of a text.
func wordHash[W string | []byte](w W) uint32 {
	n := len(w)
	if n == 0 {
		return 0
	}
	x := uint64(w[0]) | uint64(w[n>>2])<<8 | uint64(w[n>>1])<<16 | uint64(w[n-1])<<24 | 0x20202020 | uint64(n)<<32
	return uint32((x * 0x9E3779B97F4A7C15) >> 48)
}

// hasLower is has for the raw text of a word of ASCII letters.
func (f *wordFilter) hasLower(w string) bool {
	h := wordHash(w)
	return f[h/64]&(1<<(h%64)) != 0
}

func (f *wordFilter) set(w string) {
	h := wordHash(w)
	f[h/64] |= 1 << (h % 64)
}

func (f *wordFilter) has(w []byte) bool {
	h := wordHash(w)
	return f[h/64]&(1<<(h%64)) != 0
}

func splitSpace(p string) []string {
	var out []string
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != ' ' {
			i++
		}
		out = append(out, p[:i])
		if i == len(p) {
			break
		}
		p = p[i+1:]
	}
	return out
}

// Names, street addresses and postal codes. These have no check digit:
// what tells them is the words around them. A second pass over the text
// reads it a token at a time and, at a telling word ("me llamo", "meu
// nome é", "calle", "rua", "street", "cep"), follows a small grammar:
// the name's capitalised words (or, in lower case, words from the
// gazetteers), the street's name and number and floor, the postal code's
// shape. It never reads more than a few tokens past the telling word, so
// the pass stays linear.

type tokKind uint8

const (
	tkEnd   tokKind = iota
	tkWord          // letters, with inner apostrophes and hyphens: "O'Neill", "Jean-Luc"
	tkNum           // starts with a digit: "12", "01310-100", "2º", "12A"
	tkMixed         // letters then digits: "SW1A", "C1425ABC"
	tkPunct         // one other character
)

type token struct {
	a, b  int
	kind  tokKind
	cap   bool // starts with an upper-case letter
	nl    bool // a line break comes before it
	ascii bool // a word of ASCII letters only: its folded form is its lower-case
}

func isLetterStart(r rune) bool { return unicode.IsLetter(r) }

// tok reads the token at or after i.
func (sc *scanner) tok(i int) token {
	s := sc.s
	nl := false
	for i < len(s) && proseClass[s[i]]-pcSpace <= pcBreak-pcSpace { // ' ', '\n', '\t', '\r'
		if s[i] == '\n' {
			nl = true
		}
		i++
	}
	if i >= len(s) {
		return token{a: i, b: i, kind: tkEnd}
	}
	return sc.tokAt(i, nl)
}

// tokAt is tok at i, which is not whitespace, before which a line break
// came if nl.
func (sc *scanner) tokAt(i int, nl bool) token {
	s := sc.s
	c := s[i]
	t := token{a: i, nl: nl}
	switch {
	case isDigit(c):
		t.kind = tkNum
		j := i
		for j < len(s) {
			switch {
			case isAlnum(s[j]):
				j++
			case (s[j] == '-' || s[j] == '.') && j+1 < len(s) && isDigit(s[j+1]) && isDigit(s[j-1]):
				j++
			case s[j] == 0xC2 && j+1 < len(s) && (s[j+1] == 0xBA || s[j+1] == 0xB0 || s[j+1] == 0xAA): // º ° ª
				j += 2
			default:
				t.b = j
				return t
			}
		}
		t.b = j
		return t
	case c < utf8.RuneSelf && !isLetterByte(c):
		t.kind = tkPunct
		t.b = i + 1
		return t
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if !isLetterStart(r) {
		t.kind = tkPunct
		t.b = i + size
		return t
	}
	t.kind = tkWord
	t.cap = unicode.IsUpper(r)
	t.ascii = true
	j := i
	for j < len(s) && isLetterByte(s[j]) {
		j++ // the common case of the loop below
	}
	for j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf {
			switch {
			case isLetterByte(c):
				j++
				continue
			case isDigit(c):
				t.kind = tkMixed
				j++
				continue
			case (c == '\'' || c == '-') && j+1 < len(s) && j > i && (isLetterByte(s[j+1]) || s[j+1] >= utf8.RuneSelf):
				t.ascii = false
				j++
				continue
			}
			break
		}
		t.ascii = false
		r, size := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			break
		}
		j += size
	}
	t.b = j
	return t
}

// fold lower-cases the token's text and folds Latin accents into a
// scratch buffer, dropping apostrophes ("O'Neill" -> "oneill"). Long
// tokens give nil. The result is valid until the next fold.
func (sc *scanner) fold(t token) []byte {
	return normWord(sc.s[t.a:t.b], sc.wbuf[:])
}

// digitsIn counts digits in the token.
func (sc *scanner) digitsIn(t token) int {
	n := 0
	for i := t.a; i < t.b; i++ {
		if isDigit(sc.s[i]) {
			n++
		}
	}
	return n
}

// prose runs the second pass over the text, around the findings of the
// first (sorted), and returns both merged.
func (sc *scanner) prose(found []Finding) []Finding {
	s := sc.s
	sc.found = found
	sc.fi = 0
	sc.curFound()
	lex := lexicon()
	var prev prevWords  // the previous words that may start a cue, most recent first
	afterPlace := false // the previous word starts a place's name ("Hospital", "São")
	for i := 0; i < len(s); {
		// Fast path for the common case: an ASCII word, lower-case or
		// capitalised, in no list. Its bit in the filter is clear, so
		// it is skipped without building a token.
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j >= len(s) {
			break // the token path finds the end there too
		}
		// After a line break (every message of a joined text starts
		// there) the token path skips the whitespace just the same; it
		// differs only where a first-pass finding starts, which it skips.
		ok, nl, newline := true, false, false
		cl := proseClass[s[j]]
		if cl == pcBreak {
			for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '\r') {
				newline = newline || s[j] == '\n'
				j++
			}
			if j >= len(s) {
				break
			}
			ok, nl = sc.inFound(j) == 0, true
			cl = proseClass[s[j]]
		}
		if !ok {
			// the token path below
		} else if cl == pcDigit {
			// A number: the token path, but a first-pass finding (most
			// of them start with a digit) is skipped before reading it.
			if e := sc.inFound(j); e > 0 {
				i = e
				prev = 0
				continue
			}
		} else if cl == pcLetter {
			k := j + 1
			accented := false
			for {
				for k < len(s) && s[k]-'a' < 26 {
					k++
				}
				if k+1 < len(s) && s[k] == 0xC3 && s[k+1] >= 0xA0 && foldC3(s[k+1]) != 0 {
					accented = true // "está", "não", "você"
					k += 2
					continue
				}
				break
			}
			if k == len(s) || endsWord[s[k]] {
				filter := &lexAnyFilter
				if s[j] <= 'Z' {
					filter = &lexCapFilter
				}
				var in bool
				if !accented {
					h := wordHash(s[j:k])
					in = k-j > len(sc.wbuf) || filter[h/64]&(1<<(h%64)) != 0
				} else if w := normWord(s[j:k], sc.wbuf[:]); w != nil {
					in = filter.has(w)
				} else {
					in = true
				}
				if !in {
					prev = prev.push(partNone)
					afterPlace = false
					i = k
					continue
				}
				// Short words that only continue cues ("mi", "de", "the")
				// need no more than remembering.
				if ix, ok := shortIndexLower(s[j:k]); ok && !accented {
					lx := lexShort[ix]
					// A word that ends cue phrases ("de", "o", "is") is plain
					// too when no phrase ends with it after the word before
					// and it starts no first-pass finding (where the token
					// path would skip ahead).
					plain := lx&(lxCueOne|lxStreet) == 0 &&
						(lx&lxCueLast == 0 || prev&0xFFFF == 0 || !cueTail(prev.first(), s[j:k]) && sc.inFound(j) == 0)
					if lx&lxSpecial != 0 && !joinFollows(s, k) {
						lx &^= lxSpecial // a day word not followed by "de"/"of": no date
					}
					if plain && lx&lxSpecial == 0 && (s[j] > 'Z' || lx&uint16(gGiven) == 0) {
						prev = prev.push(lexShortWord[ix])
						afterPlace = lx&lxPlace != 0
						i = k
						continue
					}
				}
			}
		} else if cl == pcKeep && !nl {
			i = j + 1 // punctuation that keeps the words before it
			continue
		} else if cl >= pcKeep && (nl || sc.inFound(j) == 0) {
			// Other ASCII punctuation, as the token path reads it.
			i = j + 1
			afterPlace = false
			if cl == pcReset {
				prev = 0
			} else if cl == pcPunct {
				prev = prev.push(partDot)
			}
			continue
		}
		t := sc.tokAt(j, newline) // sc.tok(i): s[i:j] is whitespace
		if e := sc.inFound(t.a); e > 0 {
			i = e
			prev = 0
			continue
		}
		i = t.b
		if t.kind != tkWord {
			afterPlace = false
		}
		switch t.kind {
		case tkWord:
			filter := &lexAnyFilter
			if t.cap {
				filter = &lexCapFilter
			}
			if t.ascii && t.b-t.a <= len(sc.wbuf) && !filter.hasLower(s[t.a:t.b]) {
				// Most words: no need to fold them to know they are in no list.
				prev = prev.push(partNone)
				afterPlace = false
				continue
			}
			w := sc.fold(t)
			if !filter.has(w) {
				prev = prev.push(partNone)
				afterPlace = false
				continue
			}
			lx := lookup(lex, w)
			// "Ana Souza": only a capitalised given name can start a pair.
			if lx&lxAny == 0 && (!t.cap || lx&uint16(gGiven) == 0) {
				prev = prev.push(partNone)
				afterPlace = lx&lxPlace != 0
				continue
			}
			// Read these before atWord folds other words into the same buffer.
			part, place := partNone, lx&lxPlace != 0
			if lx&lxCuePart != 0 {
				if k, ok := shortIndex(w); ok {
					part = lexShortWord[k]
				} else {
					part = cuePartID[string(w)]
				}
			}
			if e := sc.atWord(t, w, lx, prev.words(), afterPlace); e > 0 {
				i = e
				prev = 0
				afterPlace = false
				continue
			}
			prev = prev.push(part)
			afterPlace = place
		case tkNum:
			if e := sc.atNumber(t); e > 0 {
				i = e
				prev = 0
				continue
			}
			prev = prev.push(partNumber)
		case tkMixed:
			if e := sc.postalShape(t, false); e > 0 {
				i = e
			}
			prev = prev.push(partNumber)
		case tkPunct:
			if c := s[t.a]; c == '.' || c == '!' || c == '?' || c == ';' || c == '(' || c == ')' {
				prev = 0
			} else if c != ',' && c != ':' && c != '\'' {
				prev = prev.push(partDot)
			}
		}
	}
	return mergeFindings(found, sc.extra)
}

// Byte classes for the second pass's fast path.
const (
	pcHigh   uint8 = iota // not ASCII
	pcSpace               // ' '
	pcBreak               // '\n', '\t', '\r'
	pcLetter              // ASCII letters
	pcDigit
	pcKeep  // ',', ':', '\'': punctuation that keeps the words before it
	pcReset // '.', '!', '?', ';', '(', ')': punctuation that ends a phrase
	pcPunct // any other ASCII byte
)

var proseClass = func() (t [256]uint8) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = pcPunct
	}
	t[' '] = pcSpace
	for _, c := range "\n\t\r" {
		t[c] = pcBreak
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = pcLetter
		t[c-'a'+'A'] = pcLetter
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = pcDigit
	}
	for _, c := range ",:'" {
		t[c] = pcKeep
	}
	for _, c := range ".!?;()" {
		t[c] = pcReset
	}
	return t
}()

// endsWord marks the ASCII bytes that end a word on the fast path: not a
// letter or digit, an apostrophe or a hyphen, which the token path reads
// as part of a word.
var endsWord = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = !isAlnum(byte(c)) && c != '\'' && c != '-'
	}
	return t
}()

// inFound returns the end of the first-pass finding that covers i, or 0;
// it advances through found as the pass moves on.
func (sc *scanner) inFound(i int) int {
	for sc.fEnd <= i {
		sc.nextFound()
	}
	if sc.fStart <= i {
		return sc.fEnd
	}
	return 0
}

// nextFound moves the pass to the next first-pass finding; fStart and
// fEnd are found[fi]'s bounds, or past any text once found is behind.
func (sc *scanner) nextFound() {
	sc.fi++
	sc.curFound()
}

func (sc *scanner) curFound() {
	if sc.fi < len(sc.found) {
		sc.fStart, sc.fEnd = sc.found[sc.fi].Start, sc.found[sc.fi].End
		return
	}
	sc.fStart, sc.fEnd = math.MaxInt, math.MaxInt
}

// limit is where the next first-pass finding starts: a name or an address
// may not run into it.
func (sc *scanner) limit() int {
	if sc.fi < len(sc.found) {
		return sc.found[sc.fi].Start
	}
	return len(sc.s)
}

func (sc *scanner) add(t Type, a, b int) {
	sc.extra = append(sc.extra, Finding{Type: t, Start: a, End: b, Text: sc.s[a:b]})
}

func mergeFindings(a, b []Finding) []Finding {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	// In place, from the back: a's spare capacity (push doubles it) usually
	// holds b, so merging needs no new slice. On equal starts b comes first.
	n := len(a) + len(b)
	a = slices.Grow(a, len(b))[:n]
	i, j := n-len(b)-1, len(b)-1
	for k := n - 1; j >= 0; k-- {
		if i >= 0 && a[i].Start >= b[j].Start {
			a[k] = a[i]
			i--
		} else {
			a[k] = b[j]
			j--
		}
	}
	return a
}

// joinFollows reports " de ", " do ", " of ", " y " or " e " at i: what
// comes after the day of a date in words ("tres de marzo", "vinte e um").
func joinFollows(s string, i int) bool {
	if i+3 > len(s) || s[i] != ' ' {
		return false
	}
	a, b := s[i+1]|0x20, byte(' ')
	if i+2 < len(s) {
		b = s[i+2] | 0x20
	}
	switch {
	case (a == 'y' || a == 'e') && b == ' ':
		return true
	case a == 'd' && (b == 'e' || b == 'o'), a == 'o' && b == 'f':
		return i+3 == len(s) || s[i+3] == ' '
	}
	return false
}

// A smallFilter is a wordFilter sized to its list, about sixteen bits a
// word (one false positive in sixteen), so that the lists behind one stay
// in the first-level cache next to the text.
type smallFilter struct {
	bits []uint64
	mask uint32
}

func newSmallFilter(words int) smallFilter {
	n := uint32(64)
	for n < 1<<16 && n < uint32(words)*16 {
		n <<= 1
	}
	return smallFilter{bits: make([]uint64, n/64), mask: n - 1}
}

func (f *smallFilter) set(w string) {
	h := wordHash(w) & f.mask
	f.bits[h/64] |= 1 << (h % 64)
}

func (f *smallFilter) has(w []byte) bool {
	h := wordHash(w) & f.mask
	return f.bits[h/64]&(1<<(h%64)) != 0
}

// hasLower is has for the raw text of a word of ASCII letters.
func (f *smallFilter) hasLower(w string) bool {
	h := wordHash(w) & f.mask
	return f.bits[h/64]&(1<<(h%64)) != 0
}

// A wordSet is a map of folded words behind a smallFilter, for the lists
// consulted once per word of a message: a word whose filter bit is clear
// costs a four-byte hash instead of a map look-up.
type wordSet[V any] struct {
	filter smallFilter
	m      map[string]V
}

// newWordSet indexes m, which must not change afterwards.
func newWordSet[V any](m map[string]V) *wordSet[V] {
	s := &wordSet[V]{filter: newSmallFilter(len(m)), m: m}
	for w := range m {
		s.filter.set(w)
	}
	return s
}

// get is m[w].
func (s *wordSet[V]) get(w []byte) V {
	if !s.filter.has(w) {
		var zero V
		return zero
	}
	return s.m[string(w)]
}
