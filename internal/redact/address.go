package redact

import (
	"strings"
	"unicode/utf8"
)

// Street words that open an address in Spanish and Portuguese ("Calle
// Mayor 3", "Rua Augusta 1500", "Av. Paulista, 1578", "Cra 7 # 45-10"),
// and the ones that close the street's name in English ("12 Baker
// Street", "350 5th Ave").
var streetWords = map[string]bool{}

var streetSuffix = map[string]bool{}

// streetSuffixSet is streetSuffix behind a filter: numberFirst asks it of
// every word after a short number.
var streetSuffixSet *wordSet[bool]

// unitWords introduce what follows the house number: floor, door,
// apartment, block.
var unitWords = map[string]bool{}

// ambiguousSuffix are English street words that are also common words:
// the street's name before them must be capitalised.
var ambiguousSuffix = map[string]bool{
	"way": true, "place": true, "court": true, "square": true, "close": true, "row": true, "path": true,
	"circle": true, "drive": true, "lane": true, "trail": true, "park": true, "grove": true, "walk": true,
	"view": true, "hill": true, "gardens": true, "terrace": true,
}

func init() {
	for _, w := range strings.Fields(`calle c cl cll clle carrera cra cr kr kra avenida av avda avd paseo plaza pza
		camino carretera ctra ronda travesia pasaje psje callejon bulevar boulevard blvd diagonal dg transversal tv
		calzada privada cerrada andador glorieta rambla circunvalar autopista
		rua r travessa tv alameda al praca pca estrada rodovia rod largo beco viela ladeira quadra qd`) {
		streetWords[w] = true
	}
	for _, w := range strings.Fields(`street st avenue ave av road rd boulevard blvd lane ln drive dr court ct way
		place pl terrace ter parkway pkwy highway hwy circle cir square sq close crescent cres grove gardens row
		mews alley trail path walk view hill park`) {
		streetSuffix[w] = true
	}
	streetSuffixSet = newWordSet(streetSuffix)
	for _, w := range strings.Fields(`piso planta pta puerta depto dpto departamento dep apto apartamento apt ap int
		interior esc escalera bloque bl blq portal casa lote manzana mz local oficina of torre izq izda izquierda
		dcha der derecha bajo atico entlo entresuelo
		bloco sala conjunto cj andar quadra qd fundos sobreloja loja lt
		apartment unit suite ste flat floor fl room rm`) {
		unitWords[w] = true
	}
}

// numberWords stand before a house number: "nº 12", "número 12", "#12".
var numberWords = map[string]bool{"n": true, "no": true, "nro": true, "num": true, "numero": true, "nr": true}

// streetFirst reads an address that starts with a street word at t.
func (sc *scanner) streetFirst(t token, w []byte) int {
	if !streetWords[string(w)] {
		return 0
	}
	s := sc.s
	i := t.b
	// "C/ Mayor", "Av. Paulista", "R. Augusta"
	switch {
	case len(w) == 1:
		// "C/ Mayor", "R. Augusta": a lone "c" or "r" is no street word,
		// and "C.P." is a postal code.
		if i >= len(s) || w[0] == 'c' && s[i] != '/' || w[0] == 'r' && (s[i] != '.' || !t.cap) {
			return 0
		}
		i++
	case i < len(s) && (s[i] == '.' || s[i] == '/'):
		i++
	}
	if e := sc.streetBody(i, true); e > 0 {
		if !sc.shopBefore(t.a) {
			sc.add(Address, t.a, e)
		}
		return e
	}
	return 0
}

// shopWords before a street say it is where the business is, not where
// the customer lives: "la tienda de la calle 45", "a loja da Rua Augusta",
// "your store on 5th Ave".
var shopWords = map[string]bool{
	"tienda": true, "tiendas": true, "loja": true, "lojas": true, "store": true, "stores": true, "shop": true,
	"sucursal": true, "filial": true, "local": true, "agencia": true, "unidade": true, "branch": true,
	"outlet": true, "showroom": true, "almacen": true, "deposito": true, "warehouse": true, "ustedes": true,
	"voces": true, "oficinas": true, "escritorio": true, "office": true, "boutique": true, "mall": true,
}

// shopBefore looks back up to four words from i for a shop word.
func (sc *scanner) shopBefore(i int) bool {
	s := sc.s
	var buf [16]byte
	for k := 0; k < 4 && i > 0; k++ {
		for i > 0 && !isWordByte(s[i-1]) {
			i--
		}
		b := i
		for i > 0 && isWordByte(s[i-1]) {
			i--
		}
		if shopWords[string(normWord(s[i:b], buf[:]))] {
			return true
		}
	}
	return false
}

// streetBody reads a street's name, its house number and what follows the
// number, starting at i after the street word. typed says a street word
// was seen, so lower-case names will do ("calle mayor 3").
func (sc *scanner) streetBody(i int, typed bool) int {
	s := sc.s
	lim := sc.limit()
	nameWords := 0
	houseEnd := 0
	for k := 0; k < 9 && houseEnd == 0; k++ {
		t := sc.tok(i)
		if t.b > lim || t.kind == tkEnd || t.nl && k > 0 {
			return 0
		}
		switch t.kind {
		case tkWord:
			w := sc.fold(t)
			g := gazSet.get(w)
			switch {
			case numberWords[string(w)] && nameWords > 0:
				// "nº 12", "no. 12": the house number follows.
				j := t.b
				if j < len(s) && s[j] == '.' {
					j++
				}
				n := sc.tok(j)
				if n.kind == tkNum && n.b <= lim {
					houseEnd = n.b
				} else if n.kind == tkPunct && s[n.a] == '#' {
					i = n.b
					continue
				} else {
					return 0
				}
			case string(w) == "sn" || string(w) == "s" && t.b+2 <= len(s) && s[t.b] == '/' && s[t.b+1]|0x20 == 'n':
				if nameWords == 0 {
					return 0
				}
				houseEnd = t.b
				if string(w) == "s" {
					houseEnd = t.b + 2
				}
			case particles[string(w)] || string(w) == "el" || string(w) == "general" || string(w) == "presidente":
				nameWords++
			case g&gStop != 0 && !t.cap:
				return 0
			case t.cap || typed && nameWords < 4:
				nameWords++
			default:
				return 0
			}
			i = t.b
			if houseEnd == 0 && t.b < len(s) && s[t.b] == '.' {
				i++ // "Gral. Paz"
			}
		case tkNum:
			d := sc.digitsIn(t)
			n := sc.tok(t.b)
			// "Calle 45 # 12-34", "Av. 9 de Julio 1234": a number that
			// names the street.
			if nameWords == 0 || n.kind == tkPunct && s[n.a] == '#' || n.kind == tkWord && n.a == t.b+1 && isJoinWord(sc.fold(n)) && sc.monthAfter(n.b) {
				if d > 3 {
					return 0
				}
				nameWords++
				i = t.b
				continue
			}
			if d == 0 || d > 5 {
				return 0
			}
			houseEnd = t.b
		case tkPunct:
			c := s[t.a]
			switch {
			case c == ',' && nameWords > 0:
			case c == '#' && nameWords > 0:
			case c == '\'' || c == '-' && nameWords > 0:
			default:
				return 0
			}
			i = t.b
		default:
			return 0
		}
	}
	if houseEnd == 0 || nameWords == 0 {
		return 0
	}
	return sc.units(houseEnd)
}

// monthAfter reports a month name after i: streets named for a date.
func (sc *scanner) monthAfter(i int) bool {
	n := sc.tok(i)
	if n.kind != tkWord {
		return false
	}
	m, _ := monthAt(sc.s, n.a, len(sc.s))
	return m > 0
}

// isJoinWord is true for the words inside a street name after a number:
// "9 de Julio", "5 de Mayo", "25 de Março".
func isJoinWord(w []byte) bool {
	switch string(w) {
	case "de", "del", "do", "da":
		return true
	}
	return false
}

// units extends an address past its house number over floor, door and
// apartment: ", 2º B", "apto 12", "piso 3 puerta 2", "Apt 4B", "bloco C".
func (sc *scanner) units(e int) int {
	s := sc.s
	lim := sc.limit()
	for n := 0; n < 4; n++ {
		i := e
		t := sc.tok(i)
		if t.kind == tkPunct && (s[t.a] == ',' || s[t.a] == '-') {
			i = t.b
			t = sc.tok(i)
		}
		if t.b > lim || t.nl {
			return e
		}
		switch t.kind {
		case tkNum:
			// "2º B", "3º izq", "4B", "2o"
			if !ordinalish(s[t.a:t.b]) {
				return e
			}
			e = t.b
			if n := sc.tok(e); n.b <= lim && !n.nl && (n.kind == tkWord && (n.b-n.a == 1 && n.cap || unitWords[string(sc.fold(n))] || isSideWord(sc.fold(n)))) {
				e = n.b
			}
		case tkWord:
			w := sc.fold(t)
			if !unitWords[string(w)] {
				return e
			}
			j := t.b
			if j < len(s) && s[j] == '.' {
				j++
			}
			v := sc.tok(j)
			if v.b > lim || v.nl {
				return e
			}
			switch {
			case v.kind == tkNum, v.kind == tkMixed:
				e = v.b
			case v.kind == tkWord && v.b-v.a <= 2 && v.cap:
				e = v.b // "bloco C", "esc. A"
			case v.kind == tkPunct && s[v.a] == '#':
				if u := sc.tok(v.b); u.kind == tkNum && u.b <= lim {
					e = u.b
				} else {
					return e
				}
			case isSideWord(sc.fold(v)):
				e = v.b
			default:
				// "izq", "bajo", "dcha" stand alone
				if isSideWord(w) {
					e = t.b
					continue
				}
				return e
			}
		case tkPunct:
			if s[t.a] == '#' {
				if u := sc.tok(t.b); u.kind == tkNum && u.b <= lim {
					e = u.b
					continue
				}
			}
			return e
		default:
			return e
		}
	}
	return e
}

func isSideWord(w []byte) bool {
	switch string(w) {
	case "izq", "izda", "izquierda", "dcha", "der", "derecha", "bajo", "atico", "centro", "ctro", "frente", "fundos",
		"esq", "esquerdo", "esquerda", "dto", "direito", "dta", "direita", "fte":
		return true
	}
	return false
}

// ordinalish is a floor or door number: "2º", "3°", "2o", "4B", "12".
func ordinalish(t string) bool {
	d := 0
	for d < len(t) && isDigit(t[d]) {
		d++
	}
	if d == 0 || d > 3 {
		return false
	}
	rest := t[d:]
	for _, m := range [...]string{"º", "°", "ª"} {
		if len(rest) >= len(m) && rest[:len(m)] == m {
			rest = rest[len(m):] // "3ºB"
			break
		}
	}
	return rest == "" || rest == "o" || rest == "a" || len(rest) == 1 && isLetterByte(rest[0])
}

// addressAfter reads the address after "vivo en", "my address is": a
// street word, or an English number-first address, or a capitalised
// street name and a number.
func (sc *scanner) addressAfter(t token) int {
	s := sc.s
	i := t.b
	n := sc.tok(i)
	if n.kind == tkPunct && (s[n.a] == ':' || s[n.a] == ',' || s[n.a] == '-') {
		i = n.b
		n = sc.tok(i)
	}
	if n.kind == tkWord {
		switch string(sc.fold(n)) {
		case "es", "e", "is", "la", "el", "a", "o", "na", "no", "em", "en", "the", "at":
			i = n.b
			n = sc.tok(i)
		}
	}
	switch n.kind {
	case tkWord:
		w := sc.fold(n)
		if streetWords[string(w)] || streetSuffix[string(w)] {
			return 0 // the street word handles it
		}
		if !n.cap {
			return 0
		}
		if e := sc.streetBody(n.a, false); e > 0 {
			sc.add(Address, n.a, e)
			return e
		}
	case tkNum:
		if e := sc.numberFirst(n, true); e > 0 {
			return e
		}
	}
	return 0
}

// atNumber handles a number token: an English address ("12 Baker
// Street") or a postal code known by its shape or its neighbours.
func (sc *scanner) atNumber(t token) int {
	s := sc.s
	if e := sc.birthYear(t); e > 0 {
		return e
	}
	if e := sc.dayBeforeMonth(t); e > 0 {
		return e
	}
	if t.b+1 < len(s) && s[t.b] == ' ' && (isLetterByte(s[t.b+1]) || isDigit(s[t.b+1])) && t.b-t.a <= 6 {
		if e := sc.numberFirst(t, false); e > 0 {
			return e
		}
	}
	switch digitShape(s[t.a:t.b]) {
	case 5, 53, 54, 43, 8, 4:
		return sc.postalShape(t, false)
	}
	return 0
}

// numberFirst reads "12 Baker Street", "350 5th Ave Apt 4", "1600
// Pennsylvania Avenue NW" from the house number t.
func (sc *scanner) numberFirst(t token, _ bool) int {
	s := sc.s
	d := sc.digitsIn(t)
	if d == 0 || d > 5 || d != t.b-t.a && !ordinalish(s[t.a:t.b]) && !(d == t.b-t.a-1 && isLetterByte(s[t.b-1])) {
		return 0
	}
	if !sc.suffixAhead(t.b) {
		return 0
	}
	lim := sc.limit()
	i := t.b
	words, capWords := 0, 0
	for k := 0; k < 5; k++ {
		n := sc.tok(i)
		if n.b > lim || n.nl || n.a != i+1 {
			return 0
		}
		switch n.kind {
		case tkWord:
			w := sc.fold(n)
			if words > 0 && streetSuffixSet.get(w) {
				if ambiguousSuffix[string(w)] && (capWords < words || !n.cap) {
					return 0
				}
				e := n.b
				if e < len(s) && s[e] == '.' && (string(w) == "st" || string(w) == "ave" || string(w) == "rd") {
					e++
				}
				// "NW", "SE"
				if x := sc.tok(e); x.kind == tkWord && x.a == e+1 && x.b <= lim && isDirection(s[x.a:x.b]) {
					e = x.b
				}
				e = sc.units(e)
				if !sc.shopBefore(t.a) {
					sc.add(Address, t.a, e)
				}
				return e
			}
			if !n.cap && gazSet.get(w)&gStop != 0 {
				return 0
			}
			words++
			if n.cap {
				capWords++
			}
		case tkNum:
			if !ordinalish(s[n.a:n.b]) && !strings.HasSuffix(s[n.a:n.b], "th") && !strings.HasSuffix(s[n.a:n.b], "st") &&
				!strings.HasSuffix(s[n.a:n.b], "nd") && !strings.HasSuffix(s[n.a:n.b], "rd") {
				return 0
			}
			words++
			capWords++
		default:
			return 0
		}
		i = n.b
	}
	return 0
}

// suffixAhead is numberFirst's cheap necessary condition: a street
// suffix among the four tokens after the first, read as the loop there
// reads them. Each of those tokens follows a single space, tab or CR and,
// but for the suffix itself, ends at the next one, so they are the
// whitespace-separated chunks after i; a chunk may be the suffix if it
// starts with the letters of one (a word with an apostrophe, a hyphen or
// a non-ASCII letter may fold to one, so it may too).
func (sc *scanner) suffixAhead(i int) bool {
	s := sc.s
	for k := 0; k < 5; k++ {
		if i+1 >= len(s) || s[i] != ' ' && s[i] != '\t' && s[i] != '\r' {
			return false
		}
		p := i + 1
		e := p
		if c := s[p]; k > 0 && c >= utf8.RuneSelf {
			return true
		} else if k > 0 && isLetterByte(c) {
			e++
			for e < len(s) && isLetterByte(s[e]) {
				e++
			}
			if e < len(s) && (s[e] >= utf8.RuneSelf || s[e] == '\'' || s[e] == '-') {
				return true
			}
			if e-p <= len(sc.wbuf) && streetSuffixSet.filter.hasLower(s[p:e]) {
				return true
			}
		}
		// the rest of the chunk (letters are not whitespace)
		for e < len(s) && proseClass[s[e]]-pcSpace > pcBreak-pcSpace {
			e++
		}
		i = e
	}
	return false
}

func isDirection(w string) bool {
	switch w {
	case "N", "S", "E", "W", "NE", "NW", "SE", "SW":
		return true
	}
	return false
}
