package redact

// Dates written with month names, in English, Spanish and Portuguese:
// "3 de marzo de 1990", "15 de agosto 1992", "March 3, 1990", "3rd March 1990".

var months = map[string]int{}

func init() {
	for i, names := range [][]string{
		{"january", "jan", "enero", "ene", "janeiro"},
		{"february", "feb", "febrero", "fevereiro", "fev"},
		{"march", "mar", "marzo", "marco"},
		{"april", "apr", "abril", "abr"},
		{"may", "mayo", "maio", "mai"},
		{"june", "jun", "junio", "junho"},
		{"july", "jul", "julio", "julho"},
		{"august", "aug", "agosto", "ago"},
		{"september", "sep", "sept", "septiembre", "setiembre", "setembro", "set"},
		{"october", "oct", "octubre", "outubro", "out"},
		{"november", "nov", "noviembre", "novembro"},
		{"december", "dec", "diciembre", "dic", "dezembro", "dez"},
	} {
		for _, n := range names {
			months[n] = i + 1
		}
	}
	monthSet = newWordSet(months)
}

// monthSet is months behind a filter: every short number followed by a
// word asks whether the word is a month.
var monthSet *wordSet[int]

// monthAt reads a month name at s[i:] and returns its number and end.
func monthAt(s string, i, hi int) (int, int) {
	j := i
	high := false
	for j < hi && (isLetterByte(s[j]) || s[j] >= 0x80) && j-i < 14 {
		high = high || s[j] >= 0x80
		j++
	}
	if j == i || letterAt(s, j) {
		return 0, 0
	}
	if !high && !monthSet.filter.hasLower(s[i:j]) {
		return 0, 0 // what monthSet.get says of it folded, without folding it
	}
	var buf [16]byte
	w := normWord(s[i:j], buf[:])
	m := monthSet.get(w)
	if m == 0 {
		return 0, 0
	}
	if j < hi && s[j] == '.' {
		j++ // "mar." abbreviations
	}
	return m, j
}

func skipSpaces(s string, i, hi int) int {
	for i < hi && s[i] == ' ' {
		i++
	}
	return i
}

// skipWord skips one of the joining words ("de", "of", "del") and the
// spaces after it.
func skipJoin(s string, i, hi int) int {
	for _, w := range [...]string{"de ", "del ", "of ", "do "} {
		if i+len(w) <= hi && (s[i]|0x20) == w[0] && s[i+1:i+len(w)] == w[1:] {
			return skipSpaces(s, i+len(w), hi)
		}
	}
	return i
}

// yearAt reads a four-digit year at s[i:].
func yearAt(s string, i, hi int) (int, int) {
	if i+4 > hi {
		return 0, 0
	}
	y := 0
	for k := i; k < i+4; k++ {
		if !isDigit(s[k]) {
			return 0, 0
		}
		y = y*10 + int(s[k]-'0')
	}
	if letterAt(s, i+4) || y < 1900 || y > 2099 {
		return 0, 0
	}
	return y, i + 4
}

// dayFirstDate reads " de marzo de 1990" after the day digits ending at i
// and returns the end of the date and its year.
func dayFirstDate(s string, i, hi int) (int, int) {
	day := 0
	for k := i - 1; k >= 0 && k >= i-2 && isDigit(s[k]); k-- {
		if k == i-1 {
			day = int(s[k] - '0')
		} else {
			day += 10 * int(s[k]-'0')
		}
	}
	if day < 1 || day > 31 {
		return 0, 0
	}
	j := i
	// ordinal suffixes: 3rd, 1st, 1º (all two bytes)
	if j+2 <= hi {
		switch s[j : j+2] {
		case "st", "nd", "rd", "th", "º", "°":
			j += 2
		}
	}
	if j >= hi || s[j] != ' ' && s[j] != '-' && s[j] != '/' {
		return 0, 0
	}
	j = skipJoin(s, skipSpaces(s, j+1, hi), hi)
	m, j := monthAt(s, j, hi)
	if m == 0 {
		return 0, 0
	}
	if j < hi && (s[j] == ',' || s[j] == '-' || s[j] == '/') {
		j++
	}
	j = skipJoin(s, skipSpaces(s, j, hi), hi)
	y, e := yearAt(s, j, hi)
	if y == 0 {
		return 0, 0
	}
	return e, y
}

// monthFirstDate reads "March 3, 1990" from the month word s[i:j].
func (sc *scanner) monthFirstDate(i, j, hi int) int {
	s := sc.s
	if letterBefore(s, i) {
		return 0
	}
	m, k := monthAt(s, i, hi)
	if m == 0 || k != j {
		return 0
	}
	k = skipSpaces(s, k, hi)
	d := 0
	for n := 0; k < hi && isDigit(s[k]) && n < 2; n++ {
		d = d*10 + int(s[k]-'0')
		k++
	}
	if d < 1 || d > 31 || k < hi && isDigit(s[k]) {
		return 0
	}
	for _, suf := range [...]string{"st", "nd", "rd", "th"} {
		if k+2 <= hi && s[k:k+2] == suf {
			k += 2
			break
		}
	}
	if k < hi && s[k] == ',' {
		k++
	}
	k = skipSpaces(s, k, hi)
	y, e := yearAt(s, k, hi)
	if y == 0 {
		return 0
	}
	if sc.birth(i, e, y) {
		sc.emit(DOB, i, e)
	}
	return e
}
