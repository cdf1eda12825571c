package redact

// Dates of birth in words: "tres de marzo de 1990", "vinte e um de abril
// de 1983", "the third of March, 1990", "14 de julio del 87", and a year
// alone after a birth word: "born in 1985", "nací en 1992".

// dayWords are days of the month written out in es/pt/en.
var dayWords = map[string]int{}

func init() {
	for i, ws := range [][]string{
		{"uno", "un", "primero", "um", "primeiro", "one", "first"},
		{"dos", "dois", "two", "second"},
		{"tres", "three", "third"},
		{"cuatro", "quatro", "four", "fourth"},
		{"cinco", "five", "fifth"},
		{"seis", "six", "sixth"},
		{"siete", "sete", "seven", "seventh"},
		{"ocho", "oito", "eight", "eighth"},
		{"nueve", "nove", "nine", "ninth"},
		{"diez", "dez", "ten", "tenth"},
		{"once", "onze", "eleven", "eleventh"},
		{"doce", "doze", "twelve", "twelfth"},
		{"trece", "treze", "thirteen", "thirteenth"},
		{"catorce", "catorze", "quatorze", "fourteen", "fourteenth"},
		{"quince", "quinze", "fifteen", "fifteenth"},
		{"dieciseis", "dezesseis", "dezasseis", "sixteen", "sixteenth"},
		{"diecisiete", "dezessete", "dezassete", "seventeen", "seventeenth"},
		{"dieciocho", "dezoito", "eighteen", "eighteenth"},
		{"diecinueve", "dezenove", "dezanove", "nineteen", "nineteenth"},
		{"veinte", "vinte", "twenty", "twentieth"},
		{"veintiuno", "veintiun", "twenty-one", "twenty-first"},
		{"veintidos", "twenty-two", "twenty-second"},
		{"veintitres", "twenty-three", "twenty-third"},
		{"veinticuatro", "twenty-four", "twenty-fourth"},
		{"veinticinco", "twenty-five", "twenty-fifth"},
		{"veintiseis", "twenty-six", "twenty-sixth"},
		{"veintisiete", "twenty-seven", "twenty-seventh"},
		{"veintiocho", "twenty-eight", "twenty-eighth"},
		{"veintinueve", "twenty-nine", "twenty-ninth"},
		{"treinta", "trinta", "thirty", "thirtieth"},
		{"thirty-one", "thirty-first"},
	} {
		for _, w := range ws {
			dayWords[w] = i + 1
		}
	}
	for w := range dayWords {
		dateStart[w] = true
	}
}

// dateStart marks the words that may open a date in words.
var dateStart = map[string]bool{}

// dateInWords reads a written-out date starting with the word t (or
// "the" before it) and reports it when the words around say birth.
func (sc *scanner) dateInWords(t token, w []byte) int {
	s := sc.s
	lim := sc.limit()
	a := t.a
	day := dayWords[string(w)]
	i := t.b
	if day == 0 {
		return 0
	}
	if a >= 4 && (s[a-4:a] == "the " || s[a-4:a] == "The ") && !letterBefore(s, a-4) {
		a -= 4 // "the third of March"
	}
	// "veinte y uno", "vinte e um", "thirty one"
	if day == 20 || day == 30 {
		j := i
		n := sc.tok(j)
		if n.kind == tkWord && (string(sc.fold(n)) == "y" || string(sc.fold(n)) == "e") {
			j = n.b
			n = sc.tok(j)
		}
		if n.kind == tkWord {
			if u := dayWords[string(sc.fold(n))]; u >= 1 && u <= 9 && day+u <= 31 {
				day += u
				i = n.b
			}
		}
	}
	n := sc.tok(i)
	if n.kind != tkWord {
		return 0
	}
	switch string(sc.fold(n)) {
	case "de", "of", "do":
		i = n.b
	default:
		return 0
	}
	n = sc.tok(i)
	if n.kind != tkWord || n.b > lim {
		return 0
	}
	m, j := monthAt(s, n.a, lim)
	if m == 0 {
		return 0
	}
	e, y := sc.yearAfterMonth(j, lim)
	if e == 0 {
		return 0
	}
	if sc.birth(a, e, y) {
		sc.add(DOB, a, e)
	}
	return e
}

// yearAfterMonth reads ", 1990", " de 1990", " del 87", " de 87" after a
// month name ending at j. Two-digit years are returned as written.
func (sc *scanner) yearAfterMonth(j, lim int) (int, int) {
	s := sc.s
	if j < lim && s[j] == ',' {
		j++
	}
	j = skipJoin(s, skipSpaces(s, j, lim), lim)
	if y, e := yearAt(s, j, lim); y > 0 {
		return e, y
	}
	// "del 87", "de '87"
	if j < lim && s[j] == '\'' {
		j++
	}
	if j+2 <= lim && isDigit(s[j]) && isDigit(s[j+1]) && (j+2 == lim || !isDigit(s[j+2]) && !letterAt(s, j+2)) {
		return j + 2, int(s[j]-'0')*10 + int(s[j+1]-'0')
	}
	return 0, 0
}

// dayBeforeMonth handles "14 de julio del 87", the digit day with a
// two-digit year the first pass leaves alone.
func (sc *scanner) dayBeforeMonth(t token) int {
	s := sc.s
	if t.b-t.a > 2 || sc.digitsIn(t) != t.b-t.a {
		return 0
	}
	// " de " or " of " must follow; look at the bytes before building tokens.
	if b := t.b; b+4 > len(s) || s[b] != ' ' || !(s[b+1]|0x20 == 'd' && s[b+2]|0x20 == 'e' || s[b+1]|0x20 == 'o' && s[b+2]|0x20 == 'f') || s[b+3] != ' ' {
		return 0
	}
	lim := sc.limit()
	n := sc.tok(t.b)
	if n.kind != tkWord {
		return 0
	}
	switch string(sc.fold(n)) {
	case "de", "of":
	default:
		return 0
	}
	n = sc.tok(n.b)
	if n.kind != tkWord || n.b > lim {
		return 0
	}
	m, j := monthAt(s, n.a, lim)
	if m == 0 {
		return 0
	}
	e, y := sc.yearAfterMonth(j, lim)
	if e == 0 || y >= 100 {
		return 0 // four-digit years are the first pass's
	}
	if sc.birth(t.a, e, y) {
		sc.add(DOB, t.a, e)
	}
	return e
}

// birthYear reports a year alone right after a birth word and "in", "en",
// "em": "born in 1985", "nací en 1992", "nasci em 1988".
func (sc *scanner) birthYear(t token) int {
	s := sc.s
	if t.b-t.a != 4 || sc.digitsIn(t) != 4 {
		return 0
	}
	y, e := yearAt(s, t.a, len(s))
	if y == 0 || y > 2029 {
		return 0
	}
	// the word right before: in / en / em / el / no / of
	j := t.a
	for j > 0 && s[j-1] == ' ' {
		j--
	}
	b := j
	for j > 0 && isLetterByte(s[j-1]) {
		j--
	}
	switch s[j:b] {
	case "in", "en", "em", "el", "no", "of", "In", "En", "Em":
	default:
		return 0
	}
	if context(s, j, j) != ctxBirth {
		return 0
	}
	sc.add(DOB, t.a, e)
	return e
}
