package redact

// Postal codes. Five digits are an order as often as a postal code, so a
// shape alone counts only where it is unmistakable (a CEP "01310-100", a
// ZIP+4 "10001-1234" not read as a phone, a UK postcode "SW1A 1AA", an
// Argentine CPA "C1425ABC"); otherwise a cue ("cep", "zip", "código
// postal", "CP") or a neighbour (a city after it, a US state before it,
// the address it ends) must say so.

// usStates are the two-letter codes written before a ZIP: "Austin, TX 78701".
var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range []string{"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL",
		"IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
		"NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
		"WV", "WI", "WY", "DC"} {
		m[s] = true
	}
	return m
}()

// postalAfter reads the code after a postal cue: "cep 01310-100", "zip:
// 94105", "C.P. 06600", "código postal 28013", "postcode SW1A 1AA".
func (sc *scanner) postalAfter(t token) int {
	s := sc.s
	i := t.b
	for k := 0; k < 3; k++ {
		n := sc.tok(i)
		switch {
		case n.kind == tkPunct && (s[n.a] == ':' || s[n.a] == '.' || s[n.a] == '#' || s[n.a] == '-'):
			i = n.b
			continue
		case n.kind == tkWord:
			switch string(sc.fold(n)) {
			case "es", "e", "is", "do", "de", "da", "code", "codigo", "number", "numero", "my", "mi", "meu", "el", "o":
				i = n.b
				continue
			}
			if e := sc.postalShape(n, true); e > 0 {
				return e
			}
			return 0
		case n.kind == tkNum || n.kind == tkMixed:
			return sc.postalShape(n, true)
		}
		return 0
	}
	return 0
}

// postalShape reports a postal code at t. cued says a postal word came
// just before, so any country's shape will do.
func (sc *scanner) postalShape(t token, cued bool) int {
	s := sc.s
	lim := sc.limit()
	if t.b > lim || letterBefore(s, t.a) {
		return 0
	}
	v := s[t.a:t.b]
	// UK: "SW1A 1AA", "M1 1AE", "EC1A 1BB"
	if (t.kind == tkMixed || t.kind == tkWord && cued) && ukOutward(v) {
		if n := sc.tok(t.b); n.kind == tkNum && n.a == t.b+1 && n.b <= lim && ukInward(s[n.a:n.b]) && (cued || isUpperASCII(v) && isUpperASCII(s[n.a:n.b])) {
			sc.add(Postal, t.a, n.b)
			return n.b
		}
	}
	if t.kind == tkMixed {
		// Argentina's CPA: "C1425ABC"
		if len(v) == 8 && isUpperASCII(v) && isLetterByte(v[0]) && allDigitsStr(v[1:5]) && isLetterByte(v[5]) && isLetterByte(v[6]) && isLetterByte(v[7]) {
			sc.add(Postal, t.a, t.b)
			return t.b
		}
		return 0
	}
	if t.kind != tkNum || letterAt(s, t.b) {
		return 0
	}
	shape := digitShape(v)
	ok := false
	switch shape {
	case 53: // Brazil CEP "01310-100"
		ok = cued || sc.afterAddress(t.a) || context(s, t.a, t.b) != ctxNeg
	case 54: // US ZIP+4
		ok = cued || sc.afterAddress(t.a) || sc.stateBefore(t.a) || context(s, t.a, t.b) != ctxNeg
	case 43: // Portugal "1000-001"
		ok = cued || sc.cityAfter(t.b)
	case 5:
		ok = cued || sc.cityAfter(t.b) || sc.stateBefore(t.a) || sc.afterAddress(t.a)
	case 8: // a CEP without its dash
		ok = cued || sc.afterAddress(t.a)
	case 4, 6: // Argentina and Portugal's heads, Colombia
		ok = cued || sc.afterAddress(t.a) && sc.cityAfter(t.b)
	}
	if !ok {
		return 0
	}
	sc.add(Postal, t.a, t.b)
	return t.b
}

// digitShape describes a numeric token: 5 for "28013", 53 for
// "01310-100", 54 for "10001-1234", 43 for "1000-001"; 0 otherwise.
func digitShape(v string) int {
	a := 0
	for a < len(v) && isDigit(v[a]) {
		a++
	}
	if a == len(v) {
		if a <= 9 {
			return a
		}
		return 0
	}
	if v[a] != '-' {
		return 0
	}
	b := a + 1
	for b < len(v) && isDigit(v[b]) {
		b++
	}
	if b != len(v) || a > 9 || b-a-1 > 9 {
		return 0
	}
	return a*10 + (b - a - 1)
}

// cityAfter reports a city from the gazetteer right after i: "28013 Madrid".
func (sc *scanner) cityAfter(i int) bool {
	n := sc.tok(i)
	if n.kind == tkPunct && (sc.s[n.a] == ',' || sc.s[n.a] == '-') {
		n = sc.tok(n.b)
	}
	return n.kind == tkWord && n.cap && gazSet.get(sc.fold(n))&gCity != 0
}

// stateBefore reports a US state code right before i: "TX 78701".
func (sc *scanner) stateBefore(i int) bool {
	s := sc.s
	j := i
	for j > 0 && s[j-1] == ' ' {
		j--
	}
	return j >= 2 && j < i && usStates[s[j-2:j]] && !letterBefore(s, j-2)
}

// afterAddress reports that i follows an address this pass found, with at
// most a comma, a dash and a city between: "Rua Augusta 1500, 01310-100".
func (sc *scanner) afterAddress(i int) bool {
	if len(sc.extra) == 0 {
		return false
	}
	last := sc.extra[len(sc.extra)-1]
	if last.Type != Address || i-last.End > 40 || i < last.End {
		return false
	}
	s := sc.s
	words := 0
	for j := last.End; j < i; j++ {
		c := s[j]
		if c == '.' || c == '\n' || c == ';' || isDigit(c) {
			return false
		}
		if c == ' ' {
			words++
		}
	}
	return words <= 4
}

func ukOutward(v string) bool {
	// A9, A9A, A99, AA9, AA9A, AA99
	n := len(v)
	if n < 2 || n > 4 || !isLetterByte(v[0]) {
		return false
	}
	i := 1
	if isLetterByte(v[1]) {
		i = 2
	}
	if i >= n || !isDigit(v[i]) {
		return false
	}
	rest := v[i+1:]
	return len(rest) == 0 || len(rest) == 1 && (isDigit(rest[0]) || isLetterByte(rest[0]))
}

func ukInward(v string) bool {
	return len(v) == 3 && isDigit(v[0]) && isLetterByte(v[1]) && isLetterByte(v[2])
}

func isUpperASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= 'a' && v[i] <= 'z' {
			return false
		}
	}
	return true
}

func allDigitsStr(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return false
		}
	}
	return len(v) > 0
}
