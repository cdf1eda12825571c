package redact

import (
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Detect finds personal data in text. Findings are sorted by Start and do
// not overlap.
//
// It is one left-to-right pass. Letters are skipped a word at a time;
// only tokens holding digits, '+', '(' or '@' are looked at closely, and
// only candidates that pass a validator or have a telling word nearby are
// reported.
func Detect(text string) []Finding { return defaultDetector.Detect(text) }

var defaultDetector = &Detector{}

// Detect is the package's Detect with d's options.
func (d *Detector) Detect(text string) []Finding {
	n, src := normalise(text)
	fs := detectNormal(n, d.opt)
	fs = d.allowed(fs, n)
	if src != nil {
		for i := range fs {
			f := &fs[i]
			f.Start, f.End = origSpan(text, n, src, f.Start, f.End)
			f.Text = text[f.Start:f.End]
		}
	}
	return fs
}

// detectNormal is Detect on normalised text.
func detectNormal(text string, opt Options) []Finding {
	sc := scanner{s: text, opt: opt}
	lo := 0
	// E-mail first: the scan below then never starts a number inside one.
	// An address ends before the next '@', so they come out in order.
	for at := strings.IndexByte(text, '@'); at >= 0; {
		if e, ok := sc.email(lo, at); ok {
			sc.scan(lo, e.Start)
			sc.push(e)
			lo = e.End
		}
		next := strings.IndexByte(text[at+1:], '@')
		if next < 0 {
			break
		}
		at += 1 + next
	}
	sc.scan(lo, len(text))
	byStart := func(a, b Finding) int { return a.Start - b.Start }
	if !slices.IsSortedFunc(sc.out, byStart) {
		slices.SortFunc(sc.out, byStart) // a guard; the scan emits in order
	}
	return sc.prose(sc.out)
}

type scanner struct {
	s   string
	out []Finding
	buf [48]byte
	opt Options

	// the second pass (prose.go)
	found        []Finding // the first pass's findings
	fi           int       // the first of found not yet behind the pass
	fStart, fEnd int       // found[fi]'s bounds (see nextFound)
	extra        []Finding // what the second pass found
	wbuf         [24]byte  // fold's scratch
	pbuf         [80]byte  // cueAt's scratch
}

func (sc *scanner) emit(t Type, start, end int) {
	sc.push(Finding{Type: t, Start: start, End: end, Text: sc.s[start:end]})
}

// push appends f to the first pass's findings. It doubles the slice when
// full: append grows a long slice by a quarter, which copied a joined
// text's findings several times over and was most of Detect's garbage.
func (sc *scanner) push(f Finding) {
	if len(sc.out) == cap(sc.out) {
		n := max(2, 2*cap(sc.out))
		if k := len(sc.out); k >= 32 && f.Start > 0 {
			// Past a few findings, their density so far projected to the
			// end of the text, with a quarter more for the second pass's,
			// at most eight times as many as now.
			n = max(n, min(k*len(sc.s)/f.Start*5/4, 8*k))
		}
		out := make([]Finding, len(sc.out), n)
		copy(out, sc.out)
		sc.out = out
	}
	sc.out = append(sc.out, f)
}

// trigger marks the bytes at which scan may have work: digits, '+' and
// '(' before a number, and the '-' or ':' after a word ("X-1234567-L",
// "fe80:"). Every other byte, letters included, is skipped, and the word
// before a trigger is found by looking back from it.
var trigger = func() (t [256]bool) {
	for _, c := range "0123456789+(-:" {
		t[c] = true
	}
	return t
}()

// nextTrigger returns the first p' >= p before hi at a trigger byte, or
// hi. It reads eight bytes at a time: triggers lie between '(' and ':',
// and a word of text has none of those bytes.
func nextTrigger(s string, p, hi int) int {
	const ones, high, low = 0x0101010101010101, 0x8080808080808080, 0x7F7F7F7F7F7F7F7F
	for p+8 <= hi {
		w := s[p : p+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		// Bit 7 of each byte: set when its low seven bits are '(' or
		// above, and not ';' or above, and it is ASCII. The sums of
		// seven-bit bytes do not carry into the next byte.
		y := x & low
		m := (y + ones*(0x80-'(')) &^ (y + ones*(0x80-';')) &^ x & high
		for m != 0 {
			k := p + bits.TrailingZeros64(m)/8
			if trigger[s[k]] {
				return k
			}
			m &= m - 1
		}
		p += 8
	}
	for p < hi && !trigger[s[p]] {
		p++
	}
	return p
}

// scan looks for everything but e-mail in s[lo:hi].
//
// It does what a byte-by-byte loop would: at a digit that does not follow
// a letter, a number; at '+' or '(' before a digit, a number; at a word of
// ASCII letters followed by a digit, a '-', a ':' or " 1", word; anything
// else is skipped. Only those followers start work, so it jumps from one
// to the next and looks back for the word.
func (sc *scanner) scan(lo, hi int) {
	s := sc.s
	for i := lo; i < hi; {
		p := nextTrigger(s, i, hi)
		if p >= hi {
			return
		}
		c := s[p]
		// The word of ASCII letters that the trigger follows, if any,
		// directly or, before a digit, after one space.
		w := p
		if c <= '9' && c >= '0' && w-2 >= i && s[w-1] == ' ' && isLetterByte(s[w-2]) {
			w--
		}
		a := w
		for a > i && isLetterByte(s[a-1]) {
			a--
		}
		if a < w && (c != '+' && c != '(') {
			i = sc.word(a, hi)
			continue
		}
		switch c {
		case '+', '(':
			if p+1 < hi && isDigit(s[p+1]) && !letterBefore(s, p) {
				i = sc.number(p+1, hi, p)
				continue
			}
			if c == '+' && p+2 < hi && s[p+1] == '(' && isDigit(s[p+2]) {
				i = sc.number(p+2, hi, p)
				continue
			}
			i = p + 1
		case '-', ':':
			i = p + 1
		default: // a digit
			if letterBefore(s, p) {
				i = p + 1
				for i < hi && isDigit(s[i]) {
					i++
				}
				continue
			}
			i = sc.number(p, hi, -1)
		}
	}
}

// email validates the address around the '@' at at, not reaching before lo.
func (sc *scanner) email(lo, at int) (Finding, bool) {
	s := sc.s
	a := at
	for a > lo && at-a <= 64 {
		if c := s[a-1]; c < utf8.RuneSelf {
			if !isLocalByte(c) {
				break
			}
			a--
			continue
		}
		// Internationalised addresses (RFC 6531): "josé.martínez@", "ñandú@".
		r, size := utf8.DecodeLastRuneInString(s[lo:a])
		if !isMailLetter(r) {
			break
		}
		a -= size
	}
	for a < at && s[a] == '.' {
		a++
	}
	if a == at || at-a > 64 {
		return Finding{}, false
	}
	e := at + 1
	for e < len(s) && e-at <= maxDomain {
		c := s[e]
		if c >= utf8.RuneSelf {
			// Internationalised domain names: "bücher.de".
			r, size := utf8.DecodeRuneInString(s[e:])
			if !isMailLetter(r) {
				break
			}
			e += size
			continue
		}
		if !isAlnum(c) && c != '-' && c != '.' {
			break
		}
		if c == '.' && (s[e-1] == '.' || s[e-1] == '@' || s[e-1] == '-') {
			break
		}
		e++
	}
	for e > at+1 && (s[e-1] == '.' || s[e-1] == '-') {
		e--
	}
	// The last dot of the domain, looked for in the domain only: searching
	// the whole prefix made "a@" repeated n times cost n² (issue 9, item 10).
	lastDot := -1
	if i := strings.LastIndexByte(s[at+1:e], '.'); i >= 0 {
		lastDot = at + 1 + i
	}
	if lastDot <= at+1 || lastDot >= e-2 || s[at+1] == '-' {
		return Finding{}, false
	}
	for i := lastDot + 1; i < e; i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= utf8.RuneSelf) {
			return Finding{}, false
		}
	}
	if letterAt(s, e) {
		return Finding{}, false
	}
	return Finding{Type: Email, Start: a, End: e, Text: s[a:e]}, true
}

// maxDomain bounds the domain part (RFC 1035 names are at most 255 bytes),
// so that the bytes scanned per '@' are bounded.
const maxDomain = 255

// isMailLetter reports whether a non-ASCII rune may be part of an
// internationalised address: letters, combining marks and digits.
func isMailLetter(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r))
}

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// word handles a token starting with an ASCII letter: alphanumeric
// identifiers (IBAN, CURP, RFC, NIE, IPv6) and English "March 3, 1990".
func (sc *scanner) word(i, hi int) int {
	s := sc.s
	j := i
	digits := 0
	for j < hi && isAlnum(s[j]) {
		if isDigit(s[j]) {
			digits++
		}
		j++
	}
	n := j - i
	if digits == 0 {
		switch {
		case n == 1 && j+10 <= hi && s[j] == '-' && (s[i]|0x20 == 'x' || s[i]|0x20 == 'y' || s[i]|0x20 == 'z'):
			if e := sc.nieDashed(i, hi); e > 0 {
				return e
			}
		case n >= 3 && n <= 10 && j+1 < hi && s[j] == ' ' && isDigit(s[j+1]) && monthInitial[s[i]]:
			if e := sc.monthFirstDate(i, j, hi); e > 0 {
				return e
			}
		case n <= 4 && j+2 < hi && s[j] == ':' && isHexWord(s[i:j]):
			if e := sc.ipv6(i, hi); e > 0 {
				return e
			}
		}
		return j
	}
	if letterBefore(s, i) || letterAt(s, j) && j < hi {
		return j
	}
	if j < hi && s[j] == ':' && n <= 4 && isHexWord(s[i:j]) {
		if e := sc.ipv6(i, hi); e > 0 {
			return e
		}
	}
	switch {
	case n >= 4 && isLetterByte(s[i]) && isLetterByte(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]):
		if e := sc.iban(i, hi); e > 0 {
			return e
		}
	case n == 18:
		if validCURP(sc.upper(s[i:j])) {
			sc.emit(CURP, i, j)
		}
	case n == 12 || n == 13:
		if validRFC(sc.upper(s[i:j])) {
			sc.emit(RFC, i, j)
		}
	case n == 9 && (s[i]&^0x20 == 'X' || s[i]&^0x20 == 'Y' || s[i]&^0x20 == 'Z'):
		if up := sc.upper(s[i:j]); isUpper(up[8]) && allDigits(up[1:8]) && nieLetter(up[0], up[1:8]) == up[8] {
			sc.emit(NIE, i, j)
		}
	}
	return j
}

// upper copies s upper-cased into the scratch buffer (truncated to fit).
func (sc *scanner) upper(s string) []byte {
	b := sc.buf[:0]
	for i := 0; i < len(s) && len(b) < cap(b); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// monthInitial holds the first letters of month names in en/es/pt.
var monthInitial = func() (t [256]bool) {
	for _, c := range "jfmasondeJFMASONDE" {
		t[c] = true
	}
	return t
}()

func isLetterByte(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func nieLetter(p byte, d []byte) byte {
	var n [8]byte
	n[0] = '0' + p - 'X'
	copy(n[1:], d)
	return dniLetter(n[:])
}

// nieDashed matches "X-1234567-L".
func (sc *scanner) nieDashed(i, hi int) int {
	s := sc.s
	if i+11 > hi || s[i+9] != '-' {
		return 0
	}
	var d [7]byte
	for k := 0; k < 7; k++ {
		c := s[i+2+k]
		if !isDigit(c) {
			return 0
		}
		d[k] = c
	}
	l := s[i+10]
	if l >= 'a' && l <= 'z' {
		l -= 'a' - 'A'
	}
	if letterAt(s, i+11) || nieLetter(s[i]&^0x20, d[:]) != l {
		return 0
	}
	sc.emit(NIE, i, i+11)
	return i + 11
}

// iban matches an IBAN written compact or in groups separated by single
// spaces or dashes, starting at i. It returns the end, or 0.
func (sc *scanner) iban(i, hi int) int {
	s := sc.s
	cc := [2]byte{s[i] &^ 0x20, s[i+1] &^ 0x20}
	want := int(ibanLengths[cc])
	if want == 0 {
		return 0
	}
	b := sc.buf[:0]
	j := i
	for {
		k := j
		for k < hi && isAlnum(s[k]) && len(b) < want {
			c := s[k]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			k++
		}
		if k < hi && isAlnum(s[k]) {
			return 0 // longer than the country's IBAN
		}
		j = k
		if len(b) == want {
			break
		}
		if j+1 < hi && (s[j] == ' ' || s[j] == '-') && isAlnum(s[j+1]) {
			j++
			continue
		}
		return 0
	}
	if letterAt(s, j) || !validIBAN(b) {
		return 0
	}
	sc.emit(IBAN, i, j)
	return j
}

func isHexWord(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i] | 0x20
		if !(isDigit(w[i]) || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return len(w) > 0
}

// ipv6 tries an IPv6 address starting at i (a hex group followed by ':').
func (sc *scanner) ipv6(i, hi int) int {
	s := sc.s
	j := i
	colons := 0
	for j < hi && j-i < 45 {
		c := s[j]
		if c == ':' {
			colons++
		} else if !(isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' || c == '.') {
			break
		}
		j++
	}
	for j > i && (s[j-1] == '.' || s[j-1] == ':' && (j < 2 || s[j-2] != ':')) {
		j--
	}
	if colons < 2 || letterAt(s, j) || j < hi && isDigit(s[j]) || !validIPv6(s[i:j]) {
		return 0
	}
	sc.emit(IP, i, j)
	return j
}
