package redact

// This file regenerates the labeled corpus from testdata/templates.txt.
// The sentences are written by hand in the templates; only the identifiers
// (with correct, or deliberately wrong, check digits) are generated here so
// that validators are exercised on many distinct values. Run:
//
//	go test ./internal/redact -run TestGenerateCorpus -gencorpus
//
// Templates are split between corpus.jsonl and corpus_holdout.jsonl by a
// hash of the template text, so the holdout never shares a sentence with the
// main corpus.

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var genCorpus = flag.Bool("gencorpus", false, "regenerate testdata/corpus*.jsonl from testdata/templates.txt")

type corpusSpan struct {
	Type Type   `json:"type"`
	Text string `json:"text"`
}

type corpusLine struct {
	Text  string       `json:"text"`
	Spans []corpusSpan `json:"spans"`
}

// instancesPerTemplate is how many messages each template yields; templates
// without slots yield one.
const instancesPerTemplate = 2

func TestGenerateCorpus(t *testing.T) {
	if !*genCorpus {
		t.Skip("run with -gencorpus to regenerate the corpus")
	}
	f, err := os.Open(filepath.Join("testdata", "templates.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rand.New(rand.NewPCG(2026, 5))
	var main, holdout []corpusLine
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		lang, tmpl, ok := strings.Cut(line, "|")
		if !ok || (lang != "en" && lang != "es" && lang != "pt" && lang != "mix") {
			t.Fatalf("templates.txt:%d: want lang|template", lineNo)
		}
		// The split hashes the sentence without its hand labels, so that
		// labeling a template for a new type does not move it across.
		h := fnv.New32a()
		h.Write([]byte(stripLabels(tmpl)))
		toHoldout := h.Sum32()%10 < 3
		n := instancesPerTemplate
		if !strings.Contains(tmpl, "{") {
			n = 1
		}
		for range n {
			cl, err := expand(r, tmpl)
			if err != nil {
				t.Fatalf("templates.txt:%d: %v", lineNo, err)
			}
			if seen[cl.Text] {
				continue
			}
			seen[cl.Text] = true
			if toHoldout {
				holdout = append(holdout, cl)
			} else {
				main = append(main, cl)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	writeCorpus(t, filepath.Join("testdata", "corpus.jsonl"), main)
	writeCorpus(t, filepath.Join("testdata", "corpus_holdout.jsonl"), holdout)
	t.Logf("main %d lines, holdout %d lines", len(main), len(holdout))
}

func writeCorpus(t *testing.T, path string, lines []corpusLine) {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		if l.Spans == nil {
			l.Spans = []corpusSpan{}
		}
		j, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// expand fills a template. {SLOT} calls a generator; [[TYPE|text]] is a span
// labeled by hand.
func expand(r *rand.Rand, tmpl string) (corpusLine, error) {
	var cl corpusLine
	var b strings.Builder
	for i := 0; i < len(tmpl); {
		switch {
		case tmpl[i] == '{':
			j := strings.IndexByte(tmpl[i:], '}')
			if j < 0 {
				return cl, fmt.Errorf("unclosed slot at %d", i)
			}
			name := tmpl[i+1 : i+j]
			g, ok := generators[name]
			if !ok {
				return cl, fmt.Errorf("unknown slot %q", name)
			}
			v, typ := g(r)
			b.WriteString(v)
			if typ != "" {
				cl.Spans = append(cl.Spans, corpusSpan{typ, v})
			}
			i += j + 1
		case strings.HasPrefix(tmpl[i:], "[["):
			j := strings.Index(tmpl[i:], "]]")
			if j < 0 {
				return cl, fmt.Errorf("unclosed span at %d", i)
			}
			typ, v, ok := strings.Cut(tmpl[i+2:i+j], "|")
			if !ok {
				return cl, fmt.Errorf("span without type at %d", i)
			}
			b.WriteString(v)
			cl.Spans = append(cl.Spans, corpusSpan{Type(typ), v})
			i += j + 2
		default:
			b.WriteByte(tmpl[i])
			i++
		}
	}
	cl.Text = b.String()
	return cl, nil
}

type generator func(r *rand.Rand) (string, Type)

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func randDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// randNum is n digits without a leading zero.
func randNum(r *rand.Rand, n int) string {
	return strconv.Itoa(1+r.IntN(9)) + randDigits(r, n-1)
}

func groupDigits(s string, sep string, sizes ...int) string {
	var b strings.Builder
	for i, n := range sizes {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[:n])
		s = s[n:]
	}
	return b.String()
}

// thousands writes s with sep every three digits from the right.
func thousands(s, sep string) string {
	var b strings.Builder
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(s[:head])
	for i := head; i < len(s); i += 3 {
		b.WriteString(sep)
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

func genCPF(r *rand.Rand) string {
	for {
		d := randDigits(r, 9)
		full := d + string(cpfCheck(d))
		full += string(cpfCheck(full))
		if strings.Count(full, full[:1]) != 11 {
			return full
		}
	}
}

// cpfCheck is the next CPF check digit for 9 or 10 digits.
func cpfCheck(d string) byte {
	sum := 0
	w := len(d) + 1
	for i := 0; i < len(d); i++ {
		sum += int(d[i]-'0') * (w - i)
	}
	rem := sum % 11
	if rem < 2 {
		return '0'
	}
	return byte('0' + 11 - rem)
}

func genCNPJ(r *rand.Rand) string {
	d := randDigits(r, 8) + pick(r, "0001", "0001", "0002", "0003")
	d += string(cnpjCheck(d))
	d += string(cnpjCheck(d))
	return d
}

func cnpjCheck(d string) byte {
	sum := 0
	w := len(d) - 7
	for i := 0; i < len(d); i++ {
		sum += int(d[i]-'0') * w
		w--
		if w < 2 {
			w = 9
		}
	}
	rem := sum % 11
	if rem < 2 {
		return '0'
	}
	return byte('0' + 11 - rem)
}

// breakLast changes the last character so a check digit no longer holds.
func breakLast(s string) string {
	last := s[len(s)-1]
	switch {
	case last >= '0' && last <= '9':
		return s[:len(s)-1] + string(byte('0'+(int(last-'0')+1+int(len(s)%7))%10))
	case last >= 'A' && last <= 'Z':
		return s[:len(s)-1] + string(byte('A'+(int(last-'A')+3)%26))
	}
	return s + "0"
}

func luhnComplete(prefix string, n int, r *rand.Rand) string {
	s := prefix + randDigits(r, n-len(prefix)-1)
	sum := 0
	double := true
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return s + strconv.Itoa((10-sum%10)%10)
}

func genCardDigits(r *rand.Rand) string {
	switch r.IntN(7) {
	case 0, 1, 2:
		return luhnComplete("4", 16, r)
	case 3:
		return luhnComplete(pick(r, "51", "52", "53", "54", "55"), 16, r)
	case 4:
		return luhnComplete(strconv.Itoa(2221+r.IntN(500)), 16, r)
	case 5:
		return luhnComplete(pick(r, "34", "37"), 15, r)
	default:
		return luhnComplete(pick(r, "6011", "606282", "636368"), 16, r)
	}
}

func formatCard(r *rand.Rand, d string) string {
	if len(d) == 15 {
		switch r.IntN(3) {
		case 0:
			return d
		default:
			return groupDigits(d, " ", 4, 6, 5)
		}
	}
	switch r.IntN(5) {
	case 0, 1:
		return groupDigits(d, " ", 4, 4, 4, 4)
	case 2:
		return groupDigits(d, "-", 4, 4, 4, 4)
	default:
		return d
	}
}

var ibanBBAN = map[string]func(r *rand.Rand) string{
	"ES": func(r *rand.Rand) string { return randDigits(r, 20) },
	"PT": func(r *rand.Rand) string { return "0" + randDigits(r, 20) },
	"DE": func(r *rand.Rand) string { return randDigits(r, 18) },
	"FR": func(r *rand.Rand) string { return randDigits(r, 23) },
	"IT": func(r *rand.Rand) string {
		return string(rune('A'+r.IntN(26))) + randDigits(r, 22)
	},
	"GB": func(r *rand.Rand) string { return pick(r, "NWBK", "BARC", "HBUK") + randDigits(r, 14) },
	"NL": func(r *rand.Rand) string { return pick(r, "ABNA", "INGB", "RABO") + randDigits(r, 10) },
	"BR": func(r *rand.Rand) string { return randDigits(r, 23) + "C1" },
}

func genIBAN(r *rand.Rand, cc string) string {
	bban := ibanBBAN[cc](r)
	rem := mod97(bban + cc + "00")
	return cc + fmt.Sprintf("%02d", 98-rem) + bban
}

func mod97(s string) int {
	rem := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return rem
}

func formatIBAN(r *rand.Rand, s string) string {
	if r.IntN(3) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func genDNI(r *rand.Rand) (string, string) {
	n := 1000000 + r.IntN(98999999)
	num := fmt.Sprintf("%08d", n)
	return num, string(dniLetters[n%23])
}

func genNIE(r *rand.Rand) string {
	p := r.IntN(3)
	body := randDigits(r, 7)
	n, _ := strconv.Atoi(strconv.Itoa(p) + body)
	return string("XYZ"[p]) + body + string(dniLetters[n%23])
}

var genCurpStates = []string{"AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN", "MS", "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS"}

func randLetter(r *rand.Rand, set string) byte { return set[r.IntN(len(set))] }

const consonants = "BCDFGHJKLMNPQRSTVWXYZ"

func randDate(r *rand.Rand, from, to int) (y, m, d int) {
	return from + r.IntN(to-from+1), 1 + r.IntN(12), 1 + r.IntN(28)
}

func genCURP(r *rand.Rand) string {
	y, m, d := randDate(r, 1950, 2006)
	var b []byte
	b = append(b, randLetter(r, "ABCDEFGHIJLMNOPRSTVZ"), randLetter(r, "AEIOU"),
		randLetter(r, "ABCDEFGHIJLMNOPRSTVZ"), randLetter(r, "ABCDEFGHIJLMNOPRSTVZ"))
	b = fmt.Appendf(b, "%02d%02d%02d", y%100, m, d)
	b = append(b, randLetter(r, "HM"))
	b = append(b, pick(r, genCurpStates...)...)
	b = append(b, randLetter(r, consonants), randLetter(r, consonants), randLetter(r, consonants))
	if y < 2000 {
		b = append(b, byte('0'+r.IntN(10)))
	} else {
		b = append(b, randLetter(r, "ABCDEFGHIJ"))
	}
	return string(b) + string(curpCheckDigit(string(b)))
}

func curpCheckDigit(s string) byte {
	const dict = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ"
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(dict, s[i]) * (18 - i)
	}
	return byte('0' + (10-sum%10)%10)
}

func genRFC(r *rand.Rand) string {
	y, m, d := randDate(r, 1950, 2004)
	var b []byte
	n := 4
	if r.IntN(4) == 0 {
		n = 3 // persona moral
		y, m, d = randDate(r, 1980, 2022)
	}
	for range n {
		b = append(b, randLetter(r, "ABCDEFGHIJLMNOPRSTVZ"))
	}
	b = fmt.Appendf(b, "%02d%02d%02d", y%100, m, d)
	b = append(b, randLetter(r, "ABCDEFGHJKLMNPRSTUVWXYZ123456789"), randLetter(r, "ABCDEFGHJKLMNPRSTUVWXYZ123456789"))
	return string(b) + string(rfcCheckDigit(string(b)))
}

func rfcCheckDigit(s string) byte {
	const dict = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
	if len(s) == 11 {
		s = " " + s
	}
	sum := 0
	for i := 0; i < 12; i++ {
		sum += strings.IndexByte(dict, s[i]) * (13 - i)
	}
	rem := sum % 11
	switch {
	case rem == 0:
		return '0'
	case 11-rem == 10:
		return 'A'
	}
	return byte('0' + 11 - rem)
}

func genSSN(r *rand.Rand) string {
	area := 1 + r.IntN(898)
	if area == 666 {
		area = 665
	}
	return fmt.Sprintf("%03d-%02d-%04d", area, 1+r.IntN(99), 1+r.IntN(9999))
}

var monthsEN = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var monthsES = []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
var monthsPT = []string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}

func genDOB(r *rand.Rand, lang string) string {
	y, m, d := randDate(r, 1948, 2006)
	switch lang {
	case "en":
		switch r.IntN(5) {
		case 0, 1:
			return fmt.Sprintf("%02d/%02d/%d", m, d, y)
		case 2:
			return fmt.Sprintf("%d-%02d-%02d", y, m, d)
		case 3:
			return fmt.Sprintf("%s %d, %d", monthsEN[m-1], d, y)
		default:
			return fmt.Sprintf("%d %s %d", d, monthsEN[m-1], y)
		}
	case "es":
		switch r.IntN(5) {
		case 0, 1:
			return fmt.Sprintf("%02d/%02d/%d", d, m, y)
		case 2:
			return fmt.Sprintf("%d-%02d-%d", d, m, y)
		case 3:
			return fmt.Sprintf("%d de %s de %d", d, monthsES[m-1], y)
		default:
			return fmt.Sprintf("%d/%d/%d", d, m, y)
		}
	default:
		switch r.IntN(5) {
		case 0, 1:
			return fmt.Sprintf("%02d/%02d/%d", d, m, y)
		case 2:
			return fmt.Sprintf("%02d.%02d.%d", d, m, y)
		case 3:
			return fmt.Sprintf("%d de %s de %d", d, monthsPT[m-1], y)
		default:
			return fmt.Sprintf("%d/%d/%d", d, m, y)
		}
	}
}

var firstNames = []string{"ana", "joao", "maria", "carlos", "lucia", "pedro", "fernanda", "jose", "sofia", "miguel", "camila", "diego", "juliana", "andres", "valentina", "john", "emily", "mike", "sarah", "rafael", "bruna", "luis", "paula", "thiago", "gabriela"}
var lastNames = []string{"silva", "souza", "perez", "garcia", "rodriguez", "martinez", "oliveira", "santos", "lopez", "gomez", "smith", "johnson", "fernandes", "costa", "ramirez", "torres", "almeida", "herrera"}
var emailDomains = []string{"gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br", "uol.com.br", "hotmail.es", "icloud.com", "yahoo.com.mx", "live.com", "empresa.com.br", "miempresa.mx", "proton.me", "bol.com.br", "terra.com.br", "gmx.es"}

func genEmail(r *rand.Rand) string {
	f, l := pick(r, firstNames...), pick(r, lastNames...)
	var local string
	switch r.IntN(6) {
	case 0:
		local = f + "." + l
	case 1:
		local = f + l + strconv.Itoa(r.IntN(99))
	case 2:
		local = f + "_" + l[:1]
	case 3:
		local = f[:1] + l + strconv.Itoa(1970+r.IntN(40))
	case 4:
		local = f + "+compras"
	default:
		local = strings.ToUpper(f[:1]) + f[1:] + "." + strings.ToUpper(l[:1]) + l[1:]
	}
	return local + "@" + pick(r, emailDomains...)
}

func genIPv4(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("192.168.%d.%d", r.IntN(256), 1+r.IntN(254))
	case 1:
		return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
	default:
		return fmt.Sprintf("%d.%d.%d.%d", 11+r.IntN(212), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
}

func genIPv6(r *rand.Rand) string {
	h := func() string { return strconv.FormatInt(int64(r.IntN(0x10000)), 16) }
	switch r.IntN(3) {
	case 0:
		return "2001:db8:" + h() + ":" + h() + "::" + h()
	case 1:
		return "fe80::" + h() + ":" + h() + ":" + h() + ":" + h()
	default:
		return strings.Join([]string{"2804", h(), h(), h(), h(), h(), h(), h()}, ":")
	}
}

// Phones. Local formats are what people type inside their own country.
func phoneES(r *rand.Rand, intl bool) string {
	d := pick(r, "6", "7", "9") + randDigits(r, 8)
	local := pick(r, groupDigits(d, " ", 3, 3, 3), d, groupDigits(d, " ", 3, 2, 2, 2))
	if !intl {
		return local
	}
	return pick(r, "+34 ", "+34", "0034 ", "+34 ") + local
}

func phoneBR(r *rand.Rand, intl bool) string {
	ddd := pick(r, "11", "21", "31", "41", "51", "61", "71", "81", "85", "19", "47", "62")
	n := "9" + randDigits(r, 8)
	if intl {
		return pick(r,
			"+55 "+ddd+" "+n[:5]+"-"+n[5:],
			"+55"+ddd+n,
			"+55 ("+ddd+") "+n[:5]+"-"+n[5:],
			"+55 "+ddd+" "+n,
		)
	}
	return pick(r,
		"("+ddd+") "+n[:5]+"-"+n[5:],
		ddd+" "+n[:5]+"-"+n[5:],
		ddd+n,
		"("+ddd+")"+n[:5]+"-"+n[5:],
		n[:5]+"-"+n[5:],
	)
}

func phoneUS(r *rand.Rand, intl bool) string {
	area := pick(r, "415", "212", "305", "646", "713", "312", "617", "202", "786")
	ex := strconv.Itoa(2+r.IntN(8)) + randDigits(r, 2)
	line := randDigits(r, 4)
	local := pick(r, "("+area+") "+ex+"-"+line, area+"-"+ex+"-"+line, area+"."+ex+"."+line, area+" "+ex+" "+line)
	if intl {
		return pick(r, "+1 ", "+1 ", "+1-") + local
	}
	return local
}

func phoneMX(r *rand.Rand, intl bool) string {
	n := pick(r, "55", "33", "81") + randDigits(r, 8)
	local := pick(r, groupDigits(n, " ", 2, 4, 4), n, groupDigits(n, " ", 3, 3, 4))
	if intl {
		return pick(r, "+52 ", "+52 1 ", "+52") + local
	}
	return local
}

func phoneAR(r *rand.Rand, intl bool) string {
	n := randDigits(r, 8)
	if intl {
		return pick(r, "+54 9 11 "+n[:4]+"-"+n[4:], "+54911"+n, "+54 9 351 "+n[:3]+"-"+n[3:7])
	}
	return pick(r, "11 "+n[:4]+"-"+n[4:], "15 "+n[:4]+"-"+n[4:], "11"+n, "15-"+n[:4]+"-"+n[4:])
}

func phoneCO(r *rand.Rand, intl bool) string {
	n := "3" + pick(r, "00", "01", "10", "12", "15", "20", "22") + randDigits(r, 7)
	local := pick(r, groupDigits(n, " ", 3, 3, 4), n, groupDigits(n, " ", 3, 7))
	if intl {
		return pick(r, "+57 ", "+57", "0057 ") + local
	}
	return local
}

func phonePT(r *rand.Rand, intl bool) string {
	n := pick(r, "91", "92", "93", "96") + randDigits(r, 7)
	local := pick(r, groupDigits(n, " ", 3, 3, 3), n)
	if intl {
		return pick(r, "+351 ", "+351", "00351 ") + local
	}
	return local
}

func phoneAny(r *rand.Rand) string {
	return pick(r, phoneES, phoneBR, phoneUS, phoneMX, phoneAR, phoneCO, phonePT)(r, true)
}

func genDateFuture(r *rand.Rand, lang string) string {
	y, m, d := randDate(r, 2025, 2027)
	if lang == "en" {
		return pick(r, fmt.Sprintf("%02d/%02d/%d", m, d, y), fmt.Sprintf("%d/%d", m, d), fmt.Sprintf("%s %d", monthsEN[m-1], d))
	}
	return pick(r, fmt.Sprintf("%02d/%02d/%d", d, m, y), fmt.Sprintf("%d/%d", d, m), fmt.Sprintf("%02d/%02d", d, m), fmt.Sprintf("%d/%d/%d", d, m, y%100))
}

func neg(s string) (string, Type) { return s, "" }

var generators = map[string]generator{
	"EMAIL": func(r *rand.Rand) (string, Type) { return genEmail(r), Email },

	"TEL_INTL": func(r *rand.Rand) (string, Type) { return phoneAny(r), Phone },
	"TELI_ES":  func(r *rand.Rand) (string, Type) { return phoneES(r, true), Phone },
	"TELI_BR":  func(r *rand.Rand) (string, Type) { return phoneBR(r, true), Phone },
	"TELI_US":  func(r *rand.Rand) (string, Type) { return phoneUS(r, true), Phone },
	"TELI_MX":  func(r *rand.Rand) (string, Type) { return phoneMX(r, true), Phone },
	"TELI_AR":  func(r *rand.Rand) (string, Type) { return phoneAR(r, true), Phone },
	"TELI_CO":  func(r *rand.Rand) (string, Type) { return phoneCO(r, true), Phone },
	"TELI_PT":  func(r *rand.Rand) (string, Type) { return phonePT(r, true), Phone },
	"TEL_ES":   func(r *rand.Rand) (string, Type) { return phoneES(r, false), Phone },
	"TEL_BR":   func(r *rand.Rand) (string, Type) { return phoneBR(r, false), Phone },
	"TEL_US":   func(r *rand.Rand) (string, Type) { return phoneUS(r, false), Phone },
	"TEL_MX":   func(r *rand.Rand) (string, Type) { return phoneMX(r, false), Phone },
	"TEL_AR":   func(r *rand.Rand) (string, Type) { return phoneAR(r, false), Phone },
	"TEL_CO":   func(r *rand.Rand) (string, Type) { return phoneCO(r, false), Phone },
	"TEL_PT":   func(r *rand.Rand) (string, Type) { return phonePT(r, false), Phone },

	"CARD":    func(r *rand.Rand) (string, Type) { return formatCard(r, genCardDigits(r)), Card },
	"BADCARD": func(r *rand.Rand) (string, Type) { return neg(formatCard(r, breakLast(genCardDigits(r)))) },

	"IBAN": func(r *rand.Rand) (string, Type) {
		return formatIBAN(r, genIBAN(r, pick(r, "ES", "PT", "DE", "FR", "IT", "GB", "NL", "BR"))), IBAN
	},
	"IBAN_ES": func(r *rand.Rand) (string, Type) { return formatIBAN(r, genIBAN(r, "ES")), IBAN },
	"IBAN_PT": func(r *rand.Rand) (string, Type) { return formatIBAN(r, genIBAN(r, "PT")), IBAN },
	"IBAN_BR": func(r *rand.Rand) (string, Type) { return formatIBAN(r, genIBAN(r, "BR")), IBAN },
	"BADIBAN": func(r *rand.Rand) (string, Type) {
		return neg(formatIBAN(r, breakLast(genIBAN(r, pick(r, "ES", "PT", "DE", "FR")))))
	},

	"SSN": func(r *rand.Rand) (string, Type) { return genSSN(r), SSN },
	"BADSSN": func(r *rand.Rand) (string, Type) {
		return neg(fmt.Sprintf("%s-%02d-%04d", pick(r, "000", "666", "900", "987"), 1+r.IntN(99), 1+r.IntN(9999)))
	},

	"CPF": func(r *rand.Rand) (string, Type) {
		c := genCPF(r)
		if r.IntN(3) == 0 {
			return c, CPF
		}
		return groupDigits(c, ".", 3, 3, 3)[:11] + "-" + c[9:], CPF
	},
	"CPF_PLAIN": func(r *rand.Rand) (string, Type) { return genCPF(r), CPF },
	"BADCPF": func(r *rand.Rand) (string, Type) {
		c := breakLast(genCPF(r))
		if r.IntN(2) == 0 {
			return neg(c)
		}
		return neg(groupDigits(c, ".", 3, 3, 3)[:11] + "-" + c[9:])
	},
	"CNPJ": func(r *rand.Rand) (string, Type) {
		c := genCNPJ(r)
		if r.IntN(3) == 0 {
			return c, CNPJ
		}
		return c[:2] + "." + c[2:5] + "." + c[5:8] + "/" + c[8:12] + "-" + c[12:], CNPJ
	},
	"BADCNPJ": func(r *rand.Rand) (string, Type) {
		c := breakLast(genCNPJ(r))
		return neg(c[:2] + "." + c[2:5] + "." + c[5:8] + "/" + c[8:12] + "-" + c[12:])
	},

	"CURP": func(r *rand.Rand) (string, Type) {
		c := genCURP(r)
		if r.IntN(5) == 0 {
			c = strings.ToLower(c)
		}
		return c, CURP
	},
	"BADCURP": func(r *rand.Rand) (string, Type) { return neg(breakLast(genCURP(r))) },
	"RFC": func(r *rand.Rand) (string, Type) {
		c := genRFC(r)
		if r.IntN(6) == 0 {
			c = strings.ToLower(c)
		}
		return c, RFC
	},

	"DNI": func(r *rand.Rand) (string, Type) {
		n, l := genDNI(r)
		return pick(r, n+l, n+l, n+"-"+l, n+strings.ToLower(l)), DNIES
	},
	"BADDNI": func(r *rand.Rand) (string, Type) {
		n, l := genDNI(r)
		return neg(n + string(dniLetters[(strings.IndexByte(dniLetters, l[0])+5)%23]))
	},
	"NIE": func(r *rand.Rand) (string, Type) {
		n := genNIE(r)
		if r.IntN(4) == 0 {
			return n[:1] + "-" + n[1:8] + "-" + n[8:], NIE
		}
		return n, NIE
	},
	"DNIAR": func(r *rand.Rand) (string, Type) {
		var n string
		if r.IntN(4) == 0 {
			n = strconv.Itoa(1000000 + r.IntN(8999999))
		} else {
			n = strconv.Itoa(10000000 + r.IntN(36000000))
		}
		if r.IntN(2) == 0 {
			return thousands(n, "."), DNIAR
		}
		return n, DNIAR
	},
	"CEDULA": func(r *rand.Rand) (string, Type) {
		var n string
		switch r.IntN(4) {
		case 0:
			n = strconv.Itoa(1000000000 + r.IntN(150000000))
		case 1:
			n = strconv.Itoa(100000 + r.IntN(900000))
		default:
			n = strconv.Itoa(10000000 + r.IntN(89999999))
		}
		if r.IntN(2) == 0 {
			return thousands(n, "."), CedulaCO
		}
		return n, CedulaCO
	},
	"IP":  func(r *rand.Rand) (string, Type) { return genIPv4(r), IP },
	"IP6": func(r *rand.Rand) (string, Type) { return genIPv6(r), IP },

	"DOB_EN": func(r *rand.Rand) (string, Type) { return genDOB(r, "en"), DOB },
	"DOB_ES": func(r *rand.Rand) (string, Type) { return genDOB(r, "es"), DOB },
	"DOB_PT": func(r *rand.Rand) (string, Type) { return genDOB(r, "pt"), DOB },

	// Hard negatives.
	"ORDER":      func(r *rand.Rand) (string, Type) { return neg(randNum(r, 5+r.IntN(5))) },
	"ORDER_DASH": func(r *rand.Rand) (string, Type) { return neg(randNum(r, 4) + "-" + randDigits(r, 4)) },
	"LONGREF": func(r *rand.Rand) (string, Type) {
		// 11 to 16 digit references that fail every check digit they could be mistaken for.
		for {
			s := randNum(r, 11+r.IntN(6))
			if !luhnOK(s) && !(len(s) == 11 && cpfOK(s)) && !(len(s) == 14 && cnpjOK(s)) {
				return neg(s)
			}
		}
	},
	"PRICE_BR": func(r *rand.Rand) (string, Type) {
		return neg(pick(r, "R$ ", "R$", "r$ ") + thousands(strconv.Itoa(10+r.IntN(4000)), ".") + "," + randDigits(r, 2))
	},
	"PRICE_US": func(r *rand.Rand) (string, Type) {
		return neg("$" + thousands(strconv.Itoa(1+r.IntN(2000)), ",") + "." + randDigits(r, 2))
	},
	"PRICE_EU": func(r *rand.Rand) (string, Type) {
		return neg(pick(r, thousands(strconv.Itoa(1+r.IntN(3000)), ".")+","+randDigits(r, 2)+" €", strconv.Itoa(5+r.IntN(200))+"€", "€"+strconv.Itoa(5+r.IntN(200))+","+randDigits(r, 2)))
	},
	"PRICE_MX": func(r *rand.Rand) (string, Type) {
		return neg("$" + thousands(strconv.Itoa(100+r.IntN(30000)), ",") + pick(r, ".00", "", " mxn", " pesos"))
	},
	"PRICE_AR": func(r *rand.Rand) (string, Type) {
		return neg(pick(r, "$ ", "$", "ARS ") + thousands(strconv.Itoa(1000+r.IntN(900000)), "."))
	},
	"PRICE_CO": func(r *rand.Rand) (string, Type) {
		return neg(pick(r, "$ ", "$") + thousands(strconv.Itoa(10000+r.IntN(3000000)), "."))
	},
	"TRACK": func(r *rand.Rand) (string, Type) {
		switch r.IntN(5) {
		case 0:
			return neg("1Z" + strings.ToUpper(strconv.FormatInt(int64(r.IntN(1<<30)), 36)) + randDigits(r, 10))
		case 1:
			return neg(pick(r, "LP", "LB", "RB", "UA") + randDigits(r, 9) + pick(r, "CN", "SG", "HK"))
		case 2:
			return neg(pick(r, "QB", "NX", "OQ", "LX") + randDigits(r, 9) + "BR")
		case 3:
			return neg("9400 " + groupDigits(randDigits(r, 18), " ", 4, 4, 4, 4, 2))
		default:
			return neg(randNum(r, 12))
		}
	},
	"DATE_FUT":    func(r *rand.Rand) (string, Type) { return neg(genDateFuture(r, "es")) },
	"DATE_FUT_EN": func(r *rand.Rand) (string, Type) { return neg(genDateFuture(r, "en")) },
	"TIME": func(r *rand.Rand) (string, Type) {
		h, m := 7+r.IntN(14), r.IntN(4)*15
		return neg(pick(r, fmt.Sprintf("%d:%02d", h, m), fmt.Sprintf("%02d:%02d", h, m), fmt.Sprintf("%dh%02d", h, m), fmt.Sprintf("%dh", h)))
	},
	"INVOICE": func(r *rand.Rand) (string, Type) {
		return neg(pick(r, "F-2025-"+randDigits(r, 5), "FAC-"+randDigits(r, 6), "NF "+randDigits(r, 6), "INV-"+randDigits(r, 7), "A-0001-"+randDigits(r, 8)))
	},
	"CEP": func(r *rand.Rand) (string, Type) { return randDigits(r, 5) + "-" + randDigits(r, 3), Postal },
	"ZIP": func(r *rand.Rand) (string, Type) { return randNum(r, 5), Postal },
	"VERSION": func(r *rand.Rand) (string, Type) {
		return neg(fmt.Sprintf("%d.%d.%d", 1+r.IntN(17), r.IntN(10), r.IntN(20)))
	},
}

func luhnOK(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func cpfOK(s string) bool {
	return cpfCheck(s[:9]) == s[9] && cpfCheck(s[:10]) == s[10]
}

func cnpjOK(s string) bool {
	return cnpjCheck(s[:12]) == s[12] && cnpjCheck(s[:13]) == s[13]
}

// stripLabels turns "[[TYPE|text]]" into "text".
func stripLabels(tmpl string) string {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "[[")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.Index(tmpl[i:], "]]")
		bar := strings.IndexByte(tmpl[i:], '|')
		if j < 0 || bar < 0 || bar > j {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		b.WriteString(tmpl[i+bar+1 : i+j])
		tmpl = tmpl[i+j+2:]
	}
}
