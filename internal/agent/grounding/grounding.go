// Package grounding checks that the facts of a model-written answer come
// from what the model was given.
//
// A support bot that invents a refund period, a price or a phone number
// does more harm than one that says it is not sure. The facts that matter
// in customer service — prices and amounts, percentages, durations and
// deadlines, dates and weekdays, times of day, phone numbers, e-mail
// addresses, web addresses, order and tracking numbers — are extracted
// from the answer and looked up among the facts of its sources: the
// knowledge passages in the prompt, the customer's own messages, the
// business's instructions and contact data. A fact found in none of them
// is ungrounded, and the caller does not send the answer as is.
//
// Facts compare by meaning, not spelling: "€4.95", "4,95 €" and "4.95
// euros" are one amount; "two weeks" and "14 days" one duration; "9 am" and
// "09:00" one time; "+34 910 000 000" and "910000000" one phone number;
// "March 3", "3 de marzo" and "3 de março" one date. Spelt-out numbers up
// to thirty are read in English, Spanish and Portuguese.
//
// The package is pure: no I/O, no clock. A Memo keeps the facts of the
// knowledge passages, which recur from answer to answer, so that checking
// an answer reads only the answer and the conversation.
package grounding

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// Kind is a kind of fact.
type Kind string

// Kinds of fact.
const (
	Amount    Kind = "amount"
	Percent   Kind = "percent"
	Duration  Kind = "duration"
	Date      Kind = "date"
	Time      Kind = "time"
	Phone     Kind = "phone"
	Email     Kind = "email"
	URL       Kind = "url"
	Reference Kind = "reference" // order, tracking, invoice numbers
)

// Fact is one checkable fact of a text.
type Fact struct {
	Kind Kind
	Key  string // the normalised value facts compare by
	Text string // as written
}

// Ungrounded returns the facts of answer that none of sources holds, in
// the order they appear, without repeats.
func Ungrounded(answer string, sources ...string) []Fact {
	return (*Memo)(nil).Ungrounded(answer, nil, sources...)
}

// Memo remembers the facts of texts that recur — the knowledge base's
// passages — so that each is read once, not for every answer. It keeps
// at most memoMax texts and forgets them all when full. Give it only the
// business's own texts, never a customer's. The zero value is ready; a
// Memo is safe for concurrent use.
type Memo struct {
	mu sync.Mutex
	m  map[string][]string
}

const memoMax = 4096

func (m *Memo) keys(text string) []string {
	m.mu.Lock()
	ks, ok := m.m[text]
	m.mu.Unlock()
	if ok {
		return ks
	}
	for _, f := range Facts(text) {
		ks = append(ks, f.Key)
	}
	m.mu.Lock()
	if m.m == nil || len(m.m) >= memoMax {
		m.m = map[string][]string{}
	}
	m.m[text] = ks
	m.mu.Unlock()
	return ks
}

// Ungrounded is the package's Ungrounded with the facts of passages
// remembered; others (the conversation) are read afresh each time. A nil
// Memo remembers nothing.
func (m *Memo) Ungrounded(answer string, passages []string, others ...string) []Fact {
	facts := Facts(answer)
	if len(facts) == 0 {
		return nil
	}
	have := map[string]bool{}
	for _, p := range passages {
		if m == nil {
			others = append(others, p)
			continue
		}
		for _, k := range m.keys(p) {
			have[k] = true
		}
	}
	for _, s := range others {
		for _, f := range Facts(s) {
			have[f.Key] = true
		}
	}
	var out []Fact
	seen := map[string]bool{}
	for _, f := range facts {
		if !have[f.Key] && !seen[f.Key] {
			seen[f.Key] = true
			out = append(out, f)
		}
	}
	return out
}

// Kinds returns the kinds of facts, without repeats.
func Kinds(facts []Fact) []Kind {
	var out []Kind
	seen := map[Kind]bool{}
	for _, f := range facts {
		if !seen[f.Kind] {
			seen[f.Kind] = true
			out = append(out, f.Kind)
		}
	}
	return out
}

var (
	reEmail = regexp.MustCompile(`[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+`)
	reURL   = regexp.MustCompile(`(?:https?://|www\.)[^\s<>()"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|es|pt|br|mx|ar|co|net|org|eu|io|shop|store|example)(?:/[^\s<>()"']*)?`)
	rePhone = regexp.MustCompile(`(?:\+|\b00)?\d[\d ().-]{6,}\d`)
	// References: a code mixing letters and at least four digits
	// ("ES123456789", "AUR-10234"), a number after # or "nº"/"no.".
	reRef = regexp.MustCompile(`\b[a-z]{1,5}-?\d{4,}[a-z0-9]*\b|#\s?\d{3,}\b|\bn[º°o]\.?\s?\d{3,}\b`)
	// A number, with decimals or a range ("5 to 10", "24-48").
	num        = `\d+(?:[.,]\d+)*`
	reAmount   = regexp.MustCompile(`(?:€|\$|£|r\$|\beur\b|\busd\b|\bbrl\b)\s?(` + num + `)|(` + num + `)\s?(?:€|\$|£|\beur\b|\beuros?\b|\busd\b|\bdollars?\b|\bdolares\b|\breais\b|\breales\b|\bcents?\b|\bcentimos\b|\bcentavos\b)`)
	rePercent  = regexp.MustCompile(`(` + num + `)\s?(?:%|\bper ?cent\b|\bpor ?ciento\b|\bpor ?cento\b)`)
	reDur      = regexp.MustCompile(`(` + num + `)(?:\s?(?:-|–|a|to|ate|and|y|e|or|o|ou)\s?(` + num + `))?[\s-]?(?:working |business |calendar |natural |laborables |habiles |uteis |naturales |corridos )?(days?|dias?|weeks?|semanas?|months?|meses|mes|years?|anos?|hours?|horas?|hrs?|h|minutes?|minutos?|mins?)\b(?:\s(?:working|business|laborables|habiles|uteis|naturales|corridos))?`)
	reISO      = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	reDMY      = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b`)
	reDayMon   = regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)?(?:,?\s(?:and|y|e)\s(\d{1,2})(?:st|nd|rd|th)?)?\s(?:de\s|of\s)?(` + monthAlt + `)\b`)
	reMonDay   = regexp.MustCompile(`\b(` + monthAlt + `)\s(\d{1,2})(?:st|nd|rd|th)?\b`)
	reWeekday  = regexp.MustCompile(`\b(` + weekdayAlt + `)\b`)
	rePtWeek   = regexp.MustCompile(`\bde (segunda|terca|quarta|quinta|sexta|sabado|domingo) a (segunda|terca|quarta|quinta|sexta|sabado|domingo)\b`)
	rePlainRef = regexp.MustCompile(`\b\d{5,8}\b`) // an order number or a postcode, once nothing else claimed it
	reClock    = regexp.MustCompile(`\b(\d{1,2})[:h](\d{2})\b|\b(\d{1,2})\s?(am|pm|a\.m\.|p\.m\.)`)
)

var months = map[string]int{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
	"janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
}

var weekdays = map[string]string{
	"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
	"lunes": "mon", "martes": "tue", "miercoles": "wed", "jueves": "thu", "viernes": "fri", "sabado": "sat", "domingo": "sun",
	"segunda-feira": "mon", "terca-feira": "tue", "quarta-feira": "wed", "quinta-feira": "thu", "sexta-feira": "fri",
	"segunda feira": "mon", "terca feira": "tue", "quarta feira": "wed", "quinta feira": "thu", "sexta feira": "fri",
	"mondays": "mon", "tuesdays": "tue", "wednesdays": "wed", "thursdays": "thu", "fridays": "fri", "saturdays": "sat", "sundays": "sun",
	"sabados": "sat", "domingos": "sun",
}

var ptDays = map[string]string{"segunda": "mon", "terca": "tue", "quarta": "wed", "quinta": "thu", "sexta": "fri", "sabado": "sat", "domingo": "sun"}

var (
	monthAlt   = alternation(months)
	weekdayAlt = alternation(weekdays)
)

// alternation joins the keys of m for a regular expression.
func alternation[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Longest first, so "mondays" is not read as "monday" + "s".
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if len(keys[j]) > len(keys[i]) {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return strings.Join(keys, "|")
}

// numberWords are spelt-out numbers models write instead of digits.
var numberWords = map[string]string{
	"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
	"eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
	"nineteen": "19", "twenty": "20", "thirty": "30", "sixty": "60", "ninety": "90",
	"uno": "1", "un": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9", "diez": "10",
	"once": "11", "doce": "12", "trece": "13", "catorce": "14", "quince": "15", "veinte": "20", "treinta": "30", "sesenta": "60", "noventa": "90",
	"um": "1", "uma": "1", "dois": "2", "duas": "2", "quatro": "4", "sete": "7", "oito": "8", "nove": "9", "dez": "10",
	"onze": "11", "doze": "12", "treze": "13", "catorze": "14", "quatorze": "14", "quinze": "15", "vinte": "20", "trinta": "30", "sessenta": "60",
	"a": "", "an": "",
}

// digitsForWords rewrites spelt-out numbers before a unit as digits:
// "two weeks" → "2 weeks", "catorce días" → "14 dias". Only numbers
// followed by a word are rewritten, and "a"/"an" only before "week" and
// the like ("a week" → "1 week").
func digitsForWords(s string) string {
	words := strings.Fields(s)
	changed := false
	for i := 0; i+1 < len(words); i++ {
		w := strings.Trim(words[i], ",.;:!?()")
		d, ok := numberWords[w]
		if !ok {
			continue
		}
		next := strings.Trim(words[i+1], ",.;:!?()")
		if !isUnit(next) {
			continue
		}
		if d == "" {
			d = "1"
		}
		words[i] = d
		changed = true
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

func isUnit(w string) bool {
	switch strings.TrimSuffix(strings.TrimSuffix(w, "s"), "e") {
	case "day", "dia", "week", "semana", "month", "mes", "mese", "year", "ano", "hour", "hora", "minute", "minuto":
		return true
	}
	return false
}

// Facts returns the facts of text, in order of appearance.
func Facts(text string) []Fact {
	s := fold.String(text)
	s = digitsForWords(s)
	var out []Fact
	add := func(k Kind, key, txt string) {
		out = append(out, Fact{Kind: k, Key: string(k) + ":" + key, Text: txt})
	}
	used := make([]bool, len(s)) // bytes claimed by a fact, so "910 000 000" is not also a duration
	claim := func(loc []int) bool {
		for i := loc[0]; i < loc[1]; i++ {
			if used[i] {
				return false
			}
		}
		for i := loc[0]; i < loc[1]; i++ {
			used[i] = true
		}
		return true
	}
	// Each expression runs only when the text holds what it needs: most
	// sentences have no digit, no month name, no "@".
	digit := strings.ContainsAny(s, "0123456789")
	find := func(re *regexp.Regexp, need bool) [][]int {
		if !need {
			return nil
		}
		return re.FindAllStringSubmatchIndex(s, -1)
	}
	for _, loc := range find(reEmail, strings.Contains(s, "@")) {
		if claim(loc) {
			add(Email, s[loc[0]:loc[1]], s[loc[0]:loc[1]])
		}
	}
	for _, loc := range find(reURL, strings.Contains(s, ".")) {
		if claim(loc) {
			add(URL, urlKey(s[loc[0]:loc[1]]), s[loc[0]:loc[1]])
		}
	}
	for _, loc := range find(reISO, digit) {
		if claim(loc[:2]) {
			add(Date, atoi(s[loc[4]:loc[5]])+"-"+atoi(s[loc[6]:loc[7]]), s[loc[0]:loc[1]])
		}
	}
	for _, loc := range find(reRef, digit) {
		if claim(loc) {
			add(Reference, strings.ToUpper(alnum(s[loc[0]:loc[1]])), s[loc[0]:loc[1]])
		}
	}
	for _, loc := range find(rePhone, digit) {
		d := digits(s[loc[0]:loc[1]])
		if len(d) >= 9 && claim(loc) {
			add(Phone, d[len(d)-9:], s[loc[0]:loc[1]])
		}
	}
	for _, m := range find(reAmount, digit) {
		n := group(s, m, 1)
		if n == "" {
			n = group(s, m, 2)
		}
		if claim(m[:2]) {
			add(Amount, number(n), s[m[0]:m[1]])
		}
	}
	for _, m := range find(rePercent, digit) {
		if claim(m[:2]) {
			add(Percent, number(group(s, m, 1)), s[m[0]:m[1]])
		}
	}
	for _, m := range find(reClock, digit) {
		if !claim(m[:2]) {
			continue
		}
		if h := group(s, m, 1); h != "" {
			add(Time, atoi(h)+":"+group(s, m, 2), s[m[0]:m[1]])
			continue
		}
		h, _ := strconv.Atoi(group(s, m, 3))
		if strings.HasPrefix(group(s, m, 4), "p") && h < 12 {
			h += 12
		}
		add(Time, strconv.Itoa(h)+":00", s[m[0]:m[1]])
	}
	for _, m := range find(reDur, digit) {
		if !claim(m[:2]) {
			continue
		}
		unit, mult := durUnit(group(s, m, 3))
		for _, g := range []int{1, 2} {
			if n := group(s, m, g); n != "" {
				add(Duration, scale(number(n), mult)+unit, s[m[0]:m[1]])
			}
		}
	}
	for _, m := range find(reDayMon, digit && mentions(s, months)) {
		if !claim(m[:2]) {
			continue
		}
		month := strconv.Itoa(months[group(s, m, 3)])
		for _, g := range []int{1, 2} { // "24 and 31 December"
			if d := group(s, m, g); d != "" {
				add(Date, month+"-"+atoi(d), s[m[0]:m[1]])
			}
		}
	}
	for _, m := range find(reMonDay, digit && mentions(s, months)) {
		if claim(m[:2]) {
			add(Date, strconv.Itoa(months[group(s, m, 1)])+"-"+atoi(group(s, m, 2)), s[m[0]:m[1]])
		}
	}
	for _, m := range find(reDMY, digit) {
		if s[m[0]:m[1]] == "24/7" {
			continue // "open 24/7" is not a date
		}
		if claim(m[:2]) {
			add(Date, atoi(group(s, m, 2))+"-"+atoi(group(s, m, 1)), s[m[0]:m[1]])
		}
	}
	for _, m := range find(reWeekday, mentions(s, weekdays)) {
		if claim(m[:2]) {
			add(Date, weekdays[group(s, m, 1)], s[m[0]:m[1]])
		}
	}
	// "de segunda a sexta": Portuguese weekdays without "-feira", which
	// alone also mean "second", "fifth"…
	for _, loc := range find(rePtWeek, mentions(s, ptDays)) {
		if claim(loc[:2]) {
			add(Date, ptDays[group(s, loc, 1)], s[loc[0]:loc[1]])
			add(Date, ptDays[group(s, loc, 2)], s[loc[0]:loc[1]])
		}
	}
	for _, loc := range find(rePlainRef, digit) {
		if claim(loc) {
			add(Reference, s[loc[0]:loc[1]], s[loc[0]:loc[1]])
		}
	}
	return out
}

// mentions reports whether s contains one of the words of m (a cheap
// test before the regular expression that reads them).
func mentions[V any](s string, m map[string]V) bool {
	for w := range m {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func group(s string, m []int, g int) string {
	if m[2*g] < 0 {
		return ""
	}
	return s[m[2*g]:m[2*g+1]]
}

// durUnit maps a unit word to d, m, y, h or min and the factor to days
// for weeks.
func durUnit(u string) (string, int) {
	switch {
	case strings.HasPrefix(u, "week"), strings.HasPrefix(u, "semana"):
		return "d", 7
	case strings.HasPrefix(u, "day"), strings.HasPrefix(u, "dia"):
		return "d", 1
	case strings.HasPrefix(u, "month"), strings.HasPrefix(u, "mes"):
		return "mo", 1
	case strings.HasPrefix(u, "year"), strings.HasPrefix(u, "ano"):
		return "y", 1
	case strings.HasPrefix(u, "min"):
		return "min", 1
	}
	return "h", 1
}

func scale(n string, mult int) string {
	if mult == 1 {
		return n
	}
	if v, err := strconv.Atoi(n); err == nil {
		return strconv.Itoa(v * mult)
	}
	return n
}

// number normalises "4,95", "4.95", "4.950,00" and "50.00" to "4.95",
// "4950" and "50".
func number(s string) string {
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	dec := max(lastDot, lastComma)
	var intPart, frac string
	switch {
	case dec < 0:
		intPart = s
	case (lastDot < 0 || lastComma < 0) && len(s)-dec-1 == 3:
		intPart = s // one kind of separator before three digits: thousands ("1.000", "1,000")
	default:
		intPart, frac = s[:dec], s[dec+1:]
	}
	intPart = digits(intPart)
	frac = strings.TrimRight(frac, "0")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	if frac == "" {
		return intPart
	}
	return intPart + "." + frac
}

func atoi(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return s
	}
	return strconv.Itoa(n)
}

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func alnum(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c >= 'a' && c <= 'z' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func urlKey(u string) string {
	u = strings.TrimRight(u, ".,;:!?")
	for _, p := range []string{"https://", "http://", "www."} {
		u = strings.TrimPrefix(u, p)
	}
	return strings.TrimRight(u, "/")
}
