package redact

import "strings"

// Numbers. A chain is a run of digit groups joined by short separators
// (space, '-', '.', '/', parentheses), such as "+55 (11) 91234-5678" or
// "123.456.789-09". Matchers try, at each group, the strong shapes first
// (validated or unmistakable), then the weak ones that need a telling word.

// maxGroups bounds a chain; digits written one by one ("6 9 1 9 3 8 5 9 2")
// need nine, a CLABE or CBU in fours up to six.
const maxGroups = 16

type group struct{ a, b int } // digits s[a:b]

type chain struct {
	g      [maxGroups]group
	n      int
	prefix int // index of a '+' or '(' before the first group, or -1
}

func (c *chain) len(t int) int { return c.g[t].b - c.g[t].a }

// sep is the text between group t-1 and group t.
func (sc *scanner) sep(c *chain, t int) string { return sc.s[c.g[t-1].b:c.g[t].a] }

func isSepByte(c byte) bool { return sepByte[c] }

var sepByte = func() (t [256]bool) {
	for _, c := range " -./()\n\r" {
		t[c] = true
	}
	return t
}()

// number handles a digit run starting at i; prefix is the index of a '+'
// or '(' right before it, or -1. It returns where scanning resumes.
func (sc *scanner) number(i, hi, prefix int) int {
	s := sc.s
	if prefix < 0 {
		if e := sc.ipv6FromDigits(i, hi); e > 0 {
			return e
		}
	}
	var c chain
	c.prefix = prefix
	j := i
	for c.n < maxGroups {
		k := j
		for k < hi && isDigit(s[k]) {
			k++
		}
		c.g[c.n] = group{j, k}
		c.n++
		if k >= hi || !isSepByte(s[k]) {
			break
		}
		m := k
		marks := 0
		for m < hi && m-k < 3 && isSepByte(s[m]) {
			if s[m] == '-' || s[m] == '.' || s[m] == '/' || s[m] == '\n' {
				marks++
			}
			m++
		}
		if m >= hi || !isDigit(s[m]) || marks > 1 || (s[k] == '.' && s[k+1] == ' ') {
			break
		}
		j = m
	}
	resume := c.g[c.n-1].b
	// A Spanish DNI ends the chain with its letter. Otherwise a last group
	// glued to letters ("10x", "3rd", "1Z999") belongs to a word and only a
	// written-out date may start with it.
	var dni Finding
	if last := c.g[c.n-1]; last.b < hi && (isLetterByte(s[last.b]) || s[last.b] == '-' || s[last.b] == ' ') {
		for _, t := range [...]int{c.n - 1, c.n - 3} {
			if t < 0 {
				continue
			}
			if e := sc.dniES(&c, t, hi); e > 0 {
				dni = Finding{Type: DNIES, Start: c.g[t].a, End: e, Text: s[c.g[t].a:e]}
				c.n = t
				resume = e
				break
			}
		}
	}
	if dni.End == 0 && letterAt(s, resume) {
		if last := c.g[c.n-1]; last.b-last.a <= 2 && (c.n == 1 || !isDigit(s[last.a-1])) {
			if e, y := dayFirstDate(s, last.b, hi); e > 0 {
				if sc.birth(last.a, e, y) {
					dni = Finding{Type: DOB, Start: last.a, End: e, Text: s[last.a:e]}
				}
				resume = e
			}
		}
		c.n--
	}
	for t := 0; t < c.n; {
		k, end := sc.match(&c, t, hi)
		if k == 0 {
			t++
			continue
		}
		t += k
		resume = max(resume, end)
	}
	if dni.End > 0 {
		sc.push(dni) // after the chain's findings, which come before it
	}
	return resume
}

// ipv6FromDigits tries an IPv6 address whose first group starts with a
// digit, like "2001:db8::1".
func (sc *scanner) ipv6FromDigits(i, hi int) int {
	s := sc.s
	if i+8 <= len(s) {
		// Most numbers have no ':' among their first five bytes, which the
		// loop below needs: a zero byte of w^":::::::::" tells one (or a
		// byte after one).
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		v := x ^ 0x3A3A3A3A3A3A3A3A
		if (v-0x0101010101010101)&^v&0x0000008080808080 == 0 {
			return 0
		}
	}
	j := i
	for j < hi && j-i < 5 && hexByte[s[j]] {
		j++
	}
	if j-i > 4 || j+1 >= hi || s[j] != ':' {
		return 0
	}
	return sc.ipv6(i, hi)
}

var hexByte = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

// digits copies the digits of groups [t, t+k) into the scratch buffer.
func (sc *scanner) digits(c *chain, t, k int) []byte {
	b := sc.buf[:0]
	for u := t; u < t+k; u++ {
		g := c.g[u]
		// Truncate runs too long for any identifier; callers check lengths.
		b = append(b, sc.s[g.a:min(g.b, g.a+cap(b)-len(b))]...)
	}
	return b
}

func (c *chain) total(t, k int) int {
	n := 0
	for u := t; u < t+k; u++ {
		n += c.len(u)
	}
	return n
}

// start is where a finding beginning at group t starts, taking in a '+'
// or '(' that opens it.
func (sc *scanner) start(c *chain, t int) int {
	if t == 0 {
		if c.prefix >= 0 {
			return c.prefix
		}
		return c.g[0].a
	}
	a := c.g[t].a
	if sc.s[a-1] == '(' {
		return a - 1
	}
	return a
}

// seps reports whether every separator inside groups [t, t+k) is one of ok.
func (sc *scanner) seps(c *chain, t, k int, ok ...string) bool {
	for u := t + 1; u < t+k; u++ {
		sp := sc.sep(c, u)
		found := false
		for _, o := range ok {
			if sp == o {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// shape reports whether groups from t have exactly the given lengths.
func (c *chain) shape(t int, lens ...int) bool {
	if t+len(lens) > c.n {
		return false
	}
	for i, l := range lens {
		if c.len(t+i) != l {
			return false
		}
	}
	return true
}

// continues reports whether group t+k follows groups [t,t+k) with a
// separator that makes it part of the same token ("1.2.3.4.5").
func (sc *scanner) continues(c *chain, t, k int, seps string) bool {
	if t+k < c.n {
		sp := sc.sep(c, t+k)
		for i := 0; i < len(sp); i++ {
			for j := 0; j < len(seps); j++ {
				if sp[i] == seps[j] {
					return true
				}
			}
		}
	}
	return false
}

// match tries every shape at group t. It returns how many groups it used
// (0 for none) and where the text it used ends. A shape may use groups
// without reporting them, when they are clearly something else (a delivery
// date, a card number that fails Luhn).
func (sc *scanner) match(c *chain, t, hi int) (int, int) {
	s := sc.s
	end := func(k int) int { return c.g[t+k-1].b }

	// One or two last groups with fewer than six digits, the commonest
	// case (a price, "1.835", a quantity, an hour): every shape below
	// needs three groups or more (IPv4, d/m/y) or more digits, but a day
	// that opens a date in words.
	if c.n-t <= 2 && c.total(t, c.n-t) < 6 {
		if t == c.n-1 && c.len(t) <= 2 {
			if e, y := dayFirstDate(s, c.g[t].b, hi); e > 0 {
				if sc.birth(c.g[t].a, e, y) {
					sc.emit(DOB, c.g[t].a, e)
				}
				return 1, e
			}
		}
		return 0, 0
	}

	if k := sc.intlPhone(c, t); k > 0 {
		sc.emit(Phone, sc.start(c, t), end(k))
		return k, end(k)
	}
	if t+4 <= c.n && sc.seps(c, t, 4, ".") && !sc.continues(c, t, 4, ".") && (t == 0 || !sc.continues(c, t-1, 1, ".")) {
		if ipv4(s, c, t) {
			sc.emit(IP, c.g[t].a, end(4))
			return 4, end(4)
		}
	}
	if c.shape(t, 2, 3, 3, 4, 2) && sc.sep(c, t+1) == "." && sc.sep(c, t+2) == "." && sc.sep(c, t+3) == "/" && sc.sep(c, t+4) == "-" {
		if validCNPJ(sc.digits(c, t, 5)) {
			sc.emit(CNPJ, c.g[t].a, end(5))
		}
		return 5, end(5)
	}
	if c.shape(t, 3, 3, 3, 2) && sc.seps(c, t, 3, ".") && (sc.sep(c, t+3) == "-" || sc.sep(c, t+3) == ".") && !sc.continues(c, t, 4, ".-/") {
		if validCPF(sc.digits(c, t, 4)) {
			sc.emit(CPF, c.g[t].a, end(4))
		}
		return 4, end(4)
	}
	if c.shape(t, 9, 2) && sc.sep(c, t+1) == "-" && validCPF(sc.digits(c, t, 2)) {
		sc.emit(CPF, c.g[t].a, end(2))
		return 2, end(2)
	}
	if c.shape(t, 3, 2, 4) && sc.seps(c, t, 3, "-") && !sc.continues(c, t, 3, "-") && (t == 0 || sc.sep(c, t) != "-") {
		if validSSN(sc.digits(c, t, 3)) {
			sc.emit(SSN, c.g[t].a, end(3))
		}
		return 3, end(3)
	}
	if k, ok := sc.card(c, t); k > 0 {
		if ok {
			sc.emit(Card, c.g[t].a, end(k))
		}
		return k, end(k)
	}
	if k, y := c.numericDate(s, t); k > 0 {
		if sc.birth(c.g[t].a, end(k), y) {
			sc.emit(DOB, c.g[t].a, end(k))
		}
		return k, end(k)
	}
	if t == c.n-1 && c.len(t) <= 2 {
		if e, y := dayFirstDate(s, c.g[t].b, hi); e > 0 {
			if sc.birth(c.g[t].a, e, y) {
				sc.emit(DOB, c.g[t].a, e)
			}
			return 1, e
		}
	}
	if k := sc.strongLocalPhone(c, t); k > 0 {
		if context(s, c.g[t].a, end(k)) != ctxNeg && !sc.priceLike(c, t, k) {
			sc.emit(Phone, sc.start(c, t), end(k))
			return k, end(k)
		}
	}
	return sc.weak(c, t, hi)
}

// intlPhone matches "+34 612 345 678", "+55 (11) 91234-5678",
// "0034 612345678": a '+' or "00" then a country code and a national
// number of the length that country uses.
func (sc *scanner) intlPhone(c *chain, t int) int {
	s := sc.s
	plus := t == 0 && c.prefix >= 0 && s[c.prefix] == '+'
	skip := 0 // leading "00"
	if !plus {
		g := c.g[t]
		if g.b-g.a < 2 || s[g.a] != '0' || s[g.a+1] != '0' || (t > 0 && sc.sep(c, t) != " ") {
			return 0
		}
		skip = 2
	}
	d := sc.digits(c, t, c.n-t)
	if len(d) < skip+8 {
		return 0
	}
	d = d[skip:]
	lo, hi, cc := nsnRange(d)
	if cc == 0 {
		if skip > 0 {
			return 0
		}
		lo, hi, cc = 7, 14, 1 // unknown code: 8 to 15 digits in all, E.164's bounds
	}
	best := 0
	n := -skip
	for k := 1; t+k <= c.n; k++ {
		if k > 1 {
			sp := sc.sep(c, t+k-1)
			if containsByte(sp, '/') {
				break
			}
		}
		n += c.len(t + k - 1)
		nsn := n - cc
		if nsn > hi {
			break
		}
		if nsn >= lo {
			best = k
		}
	}
	return best
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// nsnRange returns the national number lengths for the country code at the
// start of d, and the code's length; cc is 0 for codes not listed. The
// list covers the countries our customers write from; others fall back to
// E.164's bounds.
func nsnRange(d []byte) (lo, hi, cc int) {
	one := d[0] - '0'
	two := int(one)*10 + int(d[1]-'0')
	three := two*10 + int(d[2]-'0')
	switch {
	case one == 1:
		return 10, 10, 1 // NANP
	case two == 34, two == 33, two == 39, two == 56, two == 51:
		return 9, 10, 2 // ES, FR, IT, CL, PE
	case two == 55:
		return 10, 11, 2 // BR: DDD + 8 or 9
	case two == 52:
		return 10, 11, 2 // MX, with the old mobile '1'
	case two == 54:
		return 10, 11, 2 // AR, with the mobile '9'
	case two == 57, two == 58:
		return 10, 10, 2 // CO, VE
	case two == 44, two == 49:
		return 9, 11, 2 // UK, DE
	case two == 53:
		return 8, 8, 2 // CU
	case three == 351:
		return 9, 9, 3 // PT
	case three == 593, three == 595:
		return 8, 9, 3 // EC, PY
	case three == 598, three == 591, three == 502, three == 503, three == 504, three == 505, three == 506, three == 507:
		return 8, 8, 3 // UY, BO, Central America
	case three == 244, three == 258:
		return 9, 9, 3 // AO, MZ
	}
	return 0, 0, 0
}

func ipv4(s string, c *chain, t int) bool {
	for u := t; u < t+4; u++ {
		g := c.g[u]
		l := g.b - g.a
		if l > 3 || l > 1 && s[g.a] == '0' {
			return false
		}
		v := 0
		for i := g.a; i < g.b; i++ {
			v = v*10 + int(s[i]-'0')
		}
		if v > 255 {
			return false
		}
	}
	return true
}

// card matches 13 to 19 digits, compact or in groups of four (4-6-5 and
// 4-6-4 for Amex and Diners) with one kind of separator. ok is false when
// the shape is a card's but Luhn or the issuer prefix fails.
func (sc *scanner) card(c *chain, t int) (int, bool) {
	if l := c.len(t); l >= 13 && l <= 19 {
		// A lone long number is only a card if it validates; else it may
		// still be a CNPJ or a reference.
		if d := sc.digits(c, t, 1); validLuhn(d) && validCardIIN(d) {
			return 1, true
		}
		return 0, false
	}
	if c.len(t) != 4 || t+1 >= c.n {
		return 0, false
	}
	sp := sc.sep(c, t+1)
	if sp != " " && sp != "-" && sp != "." {
		return 0, false
	}
	if c.shape(t, 4, 6, 5) || c.shape(t, 4, 6, 4) {
		if sc.seps(c, t, 3, sp) && !sc.continues(c, t, 3, " -") {
			d := sc.digits(c, t, 3)
			return 3, validLuhn(d) && validCardIIN(d)
		}
	}
	best, bestOK := 0, false
	n := 0
	for k := 1; t+k <= c.n && k <= 5; k++ {
		if k > 1 && sc.sep(c, t+k-1) != sp {
			break
		}
		l := c.len(t + k - 1)
		n += l
		if n > 19 {
			break
		}
		if n >= 13 {
			d := sc.digits(c, t, k)
			ok := validLuhn(d) && validCardIIN(d)
			if ok || (k == 4 && n == 16 && best == 0) {
				best, bestOK = k, ok
			}
		}
		if l != 4 {
			break
		}
	}
	return best, bestOK
}

// dniES matches a Spanish DNI: 8 digits (or "12.345.678") followed by its
// control letter, glued or after '-' or a space. It returns the end.
func (sc *scanner) dniES(c *chain, t, hi int) int {
	s := sc.s
	var k int
	switch {
	case c.len(t) == 8 || c.len(t) == 7:
		k = 1
	case c.shape(t, 2, 3, 3) && sc.seps(c, t, 3, "."):
		k = 3
	default:
		return 0
	}
	if t+k != c.n {
		return 0
	}
	p := c.g[t+k-1].b
	if p < hi && (s[p] == '-' || s[p] == ' ') && p+1 < hi && isLetterByte(s[p+1]) {
		if s[p] == ' ' && strings.IndexByte("yeoau", s[p+1]) >= 0 {
			return 0 // "12345678 y ...": a conjunction, not a control letter
		}
		p++
	}
	if p >= hi || !isLetterByte(s[p]) || letterAt(s, p+1) {
		return 0
	}
	if dniLetter(sc.digits(c, t, k)) != s[p]&^0x20 {
		return 0
	}
	return p + 1
}

// numericDate matches d/m/y, m/d/y and y-m-d with one separator kind. It
// returns the groups used and the year (two-digit years as written).
func (c *chain) numericDate(s string, t int) (int, int) {
	if t+3 > c.n {
		return 0, 0
	}
	sp := s[c.g[t].b:c.g[t+1].a]
	if sp != "/" && sp != "-" && sp != "." || s[c.g[t+1].b:c.g[t+2].a] != sp {
		return 0, 0
	}
	if t+3 < c.n && s[c.g[t+2].b:c.g[t+3].a] == sp {
		return 0, 0
	}
	num := func(u int) int {
		v := 0
		for i := c.g[u].a; i < c.g[u].b; i++ {
			v = v*10 + int(s[i]-'0')
		}
		return v
	}
	l0, l1, l2 := c.len(t), c.len(t+1), c.len(t+2)
	a, b, y := num(t), num(t+1), num(t+2)
	switch {
	case l0 == 4 && l1 <= 2 && l2 <= 2 && sp != "/":
		a, b, y = num(t+2), num(t+1), num(t)
		l2 = 4
	case l0 <= 2 && l1 <= 2 && (l2 == 4 || l2 == 2):
	default:
		return 0, 0
	}
	if l2 == 4 && (y < 1900 || y > 2099) {
		return 0, 0
	}
	okDM := a >= 1 && a <= 31 && b >= 1 && b <= 12
	okMD := b >= 1 && b <= 31 && a >= 1 && a <= 12
	if !okDM && !okMD {
		return 0, 0
	}
	return 3, y
}

// birth reports whether a date in s[start:end] with year y is a date of
// birth: a birth word nearby and a year someone alive was born in.
func (sc *scanner) birth(start, end, y int) bool {
	if y >= 100 && (y < 1900 || y > 2029) {
		return false
	}
	switch context(sc.s, start, end) {
	case ctxBirth:
		return true
	case ctxBirthday:
		// "my birthday is on 10/26/2025" is a party, not a birth date.
		return y >= 100 && y <= lastBirthdayYear || y < 100 && y > lastBirthdayYear%100
	}
	return false
}

// lastBirthdayYear is the latest year that, next to "birthday" rather than
// "born", is read as a year of birth. Kept fixed so that Detect is a pure
// function of its input; see the package doc.
const lastBirthdayYear = 2015

// strongLocalPhone matches national formats that are phone numbers by their
// look alone: "(11) 91234-5678", "(415) 555-0132", "11 91234-5678",
// "415-555-0132", "1-800-555-0199".
func (sc *scanner) strongLocalPhone(c *chain, t int) int {
	s := sc.s
	opened := t == 0 && c.prefix >= 0 && s[c.prefix] == '(' || t > 0 && s[c.g[t].a-1] == '('
	if opened && (c.len(t) == 2 || c.len(t) == 3) && t+1 < c.n && containsByte(sc.sep(c, t+1), ')') {
		n := c.len(t)
		for k := 2; t+k <= c.n; k++ {
			sp := sc.sep(c, t+k-1)
			if k > 2 && sp != "-" && sp != " " {
				break
			}
			n += c.len(t + k - 1)
			if n == 10 || n == 11 && c.len(t) == 2 {
				if !sc.continues(c, t, k, " -") {
					return k
				}
			}
			if n >= 11 {
				break
			}
		}
		return 0
	}
	if c.shape(t, 2, 5, 4) && sc.sep(c, t+1) == " " && sc.sep(c, t+2) == "-" && s[c.g[t+1].a] == '9' && !sc.continues(c, t, 3, " -") {
		return 3
	}
	if c.shape(t, 3, 3, 4) && (sc.seps(c, t, 3, "-") || sc.seps(c, t, 3, ".")) && !sc.continues(c, t, 3, "-.") &&
		s[c.g[t].a] >= '2' && s[c.g[t+1].a] >= '2' && (t == 0 || !sc.continues(c, t-1, 1, "-.")) {
		return 3
	}
	if (s[c.g[t].a] == '6' || s[c.g[t].a] == '7') && (t == 0 || !sc.continues(c, t-1, 1, " -.")) {
		// Spanish mobiles: "612 345 678", "612 34 56 78".
		if c.shape(t, 3, 3, 3) && sc.seps(c, t, 3, " ") && !sc.continues(c, t, 3, " -.") {
			return 3
		}
		if c.shape(t, 3, 2, 2, 2) && sc.seps(c, t, 4, " ") && !sc.continues(c, t, 4, " -.") {
			return 4
		}
	}
	// Brazilian mobiles without the area code: "91234-5678".
	if c.shape(t, 5, 4) && sc.sep(c, t+1) == "-" && s[c.g[t].a] == '9' && !sc.continues(c, t, 2, " -.") && (t == 0 || !sc.continues(c, t-1, 1, " -.")) {
		return 2
	}
	if c.shape(t, 1, 3, 3, 4) && s[c.g[t].a] == '1' && sc.seps(c, t, 4, "-") && !sc.continues(c, t, 4, "-") {
		return 4
	}
	return 0
}

// priceLike reports whether groups [t,t+k) read as money: a currency sign
// before, decimals or a currency word after.
func (sc *scanner) priceLike(c *chain, t, k int) bool {
	s := sc.s
	p := sc.start(c, t)
	for p > 0 && s[p-1] == ' ' {
		p--
	}
	if p > 0 && s[p-1] == '$' || strings.HasSuffix(s[:p], "€") || strings.HasSuffix(s[:p], "£") {
		return true
	}
	e := c.g[t+k-1].b
	if e+1 < len(s) && (s[e] == ',' || s[e] == '.') && isDigit(s[e+1]) {
		return true
	}
	return e < len(s) && (s[e] == '%' || s[e] == '$')
}

// weak reports the types that need a telling word: local phones, the
// Argentine DNI, the Colombian cédula, bare SSNs, and bare CPF/CNPJ.
func (sc *scanner) weak(c *chain, t, hi int) (int, int) {
	s := sc.s
	end := func(k int) int { return c.g[t+k-1].b }
	if t > 0 && sc.continues(c, t-1, 1, ".-/") {
		return 0, 0 // the middle of "1.234.567" or "2024-00123" is no number of its own
	}
	if c.total(t, c.n-t) < 6 {
		return 0, 0 // shorter than any weak type; skip reading the context
	}
	ctx := context(s, sc.start(c, t), c.g[c.n-1].b)
	switch ctx {
	case ctxNeg:
		return 0, 0
	case ctxPhone:
		if k := sc.localPhone(c, t); k > 0 && !sc.priceLike(c, t, k) {
			sc.emit(Phone, sc.start(c, t), end(k))
			return k, end(k)
		}
		// "691 938 y termina en 592": a number in two parts.
		if n := c.total(t, c.n-t); n >= 3 && n < 9 {
			if e := sc.phoneTail(c.g[c.n-1].b, hi, n); e > 0 {
				sc.emit(Phone, sc.start(c, t), e)
				return c.n - t, e
			}
		}
	case ctxCPF, ctxCNPJ:
		// Told it is a CPF, accept any grouping: "261 753 660 26", "655.609.27708".
		want := 11
		if ctx == ctxCNPJ {
			want = 14
		}
		n := 0
		for k := 1; t+k <= c.n && n < want; k++ {
			n += c.len(t + k - 1)
			if n == want {
				d := sc.digits(c, t, k)
				if ctx == ctxCPF && validCPF(d) || ctx == ctxCNPJ && validCNPJ(d) {
					typ := CPF
					if ctx == ctxCNPJ {
						typ = CNPJ
					}
					sc.emit(typ, c.g[t].a, end(k))
					return k, end(k)
				}
			}
		}
	case ctxSSN:
		if c.len(t) == 9 && validSSN(sc.digits(c, t, 1)) {
			sc.emit(SSN, c.g[t].a, end(1))
			return 1, end(1)
		}
		if c.shape(t, 3, 2, 4) && sc.seps(c, t, 3, " ") && validSSN(sc.digits(c, t, 3)) {
			sc.emit(SSN, c.g[t].a, end(3))
			return 3, end(3)
		}
	case ctxDNIAR, ctxCedula, ctxDoc:
		if k, n := sc.idNumber(c, t); k > 0 && !sc.priceLike(c, t, k) {
			typ := Type("")
			switch {
			case ctx == ctxDNIAR && (n == 7 || n == 8):
				typ = DNIAR
			case ctx == ctxCedula && n >= 6 && n <= 10:
				typ = CedulaCO
			case ctx == ctxDoc && (n == 7 || n == 8):
				typ = DNIAR
			case ctx == ctxDoc && (n == 6 || n == 9 || n == 10):
				typ = CedulaCO
			}
			if typ != "" {
				sc.emit(typ, c.g[t].a, end(k))
				return k, end(k)
			}
		}
	}
	if ctx == ctxPhone {
		return 0, 0
	}
	switch l := c.len(t); {
	case l == 11 && validCPF(sc.digits(c, t, 1)):
		sc.emit(CPF, c.g[t].a, end(1))
		return 1, end(1)
	case l == 14 && validCNPJ(sc.digits(c, t, 1)):
		sc.emit(CNPJ, c.g[t].a, end(1))
		return 1, end(1)
	}
	return 0, 0
}

// localPhone takes groups from t while they can be one national number:
// 8 to 13 digits, no '/' inside.
func (sc *scanner) localPhone(c *chain, t int) int {
	best, n := 0, 0
	for k := 1; t+k <= c.n; k++ {
		if k > 1 && containsByte(sc.sep(c, t+k-1), '/') {
			break
		}
		n += c.len(t + k - 1)
		if n > 13 {
			break
		}
		if n >= 8 {
			best = k
		}
	}
	return best
}

// idNumber reads an identity number at t: one group, or thousands groups
// with '.' ("30.123.456", "1.020.304.050"). It returns groups and digits.
func (sc *scanner) idNumber(c *chain, t int) (int, int) {
	if c.len(t) >= 6 {
		if t+1 < c.n && sc.continues(c, t, 1, ".-/") {
			return 0, 0
		}
		return 1, c.len(t)
	}
	if c.len(t) > 3 {
		return 0, 0
	}
	k := 1
	for t+k < c.n && c.len(t+k) == 3 && sc.sep(c, t+k) == "." {
		k++
	}
	if k == 1 || sc.continues(c, t, k, ".-/") {
		return 0, 0
	}
	return k, c.total(t, k)
}

// tailWords may join the two parts of a number written in two ("691 938 y
// termina en 592", "e o final é 4321", "and it ends in 592").
var tailWords = map[string]bool{
	"y": true, "e": true, "and": true, "termina": true, "terminan": true, "acaba": true, "final": true,
	"finaliza": true, "ends": true, "ending": true, "end": true, "en": true, "em": true, "in": true, "with": true,
	"con": true, "com": true, "el": true, "o": true, "the": true, "luego": true, "despues": true, "depois": true,
	"then": true, "it": true, "is": true, "es": true, "resto": true, "rest": true, "ultimos": true,
	"last": true, "digits": true, "digitos": true, "numeros": true, "los": true, "os": true,
}

// phoneTail reads the rest of a number written in two parts: joining
// words from tailWords after the first part ending at i, then digits that
// bring it to a phone's 9 to 13. It returns the end, or 0.
func (sc *scanner) phoneTail(i, hi, have int) int {
	s := sc.s
	var buf [16]byte
	j, words := i, 0
	for words < 6 && j < hi {
		k := j
		for k < hi && (s[k] == ' ' || s[k] == ',' || s[k] == ':') {
			k++
		}
		if k == j || k >= hi {
			return 0
		}
		if isDigit(s[k]) {
			if words == 0 {
				return 0
			}
			j = k
			break
		}
		a := k
		for k < hi && isWordByte(s[k]) && s[k] != '.' {
			k++
		}
		w := normWord(s[a:k], buf[:])
		if len(w) == 0 || !tailWords[string(w)] {
			return 0
		}
		words++
		j = k
	}
	if j >= hi || !isDigit(s[j]) {
		return 0
	}
	n, e := have, j
	for e < hi && n <= 13 {
		k := e
		for k < hi && isDigit(s[k]) {
			k++
		}
		n += k - e
		e = k
		if e+1 < hi && (s[e] == ' ' || s[e] == '-') && isDigit(s[e+1]) {
			e++
			continue
		}
		break
	}
	if n < 9 || n > 13 || letterAt(s, e) {
		return 0
	}
	return e
}
