package redact

import "net/netip"

// Validators work on ASCII digit or upper-case strings with separators
// already removed. They never allocate.

// validLuhn reports whether digits pass the Luhn (mod 10) check.
func validLuhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// validCardIIN reports whether a 13 to 19 digit number starts like a card
// issued by a scheme in use (Visa, Mastercard, Amex, Diners, Discover, JCB,
// Elo, Hipercard, Maestro, UnionPay). It keeps Luhn's one-in-ten false
// positives on other long numbers down.
func validCardIIN(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch d[0] {
	case '4': // Visa, Elo 4011/4389/4514/4576
		return n == 13 || n == 16 || n == 19
	case '5':
		if p2 >= 51 && p2 <= 55 {
			return n == 16
		}
		return n >= 12 && n <= 19 && (p2 == 50 || p2 >= 56) // Maestro, Elo 50xx
	case '2':
		return n == 16 && ((p4 >= 2221 && p4 <= 2720) || p2 == 22)
	case '3':
		switch {
		case p2 == 34 || p2 == 37:
			return n == 15
		case p2 == 36 || p2 == 38 || (p2 == 30 && d[2] <= '5'):
			return n >= 14 && n <= 19
		case p4 >= 3528 && p4 <= 3589:
			return n >= 16 && n <= 19
		}
	case '6':
		return n >= 16 && n <= 19 && (p2 == 60 || p2 == 62 || p2 == 63 || p2 == 64 || p2 == 65 || p2 == 67)
	}
	return false
}

// ibanLengths maps ISO 3166 country codes to the IBAN length registered in
// ISO 13616 (SWIFT registry).
var ibanLengths = map[[2]byte]uint8{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28,
	{'B', 'A'}: 20, {'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'I'}: 27,
	{'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21, {'C', 'R'}: 22, {'C', 'Y'}: 28,
	{'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'J'}: 27, {'D', 'K'}: 18, {'D', 'O'}: 28,
	{'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'K'}: 18,
	{'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'I'}: 23,
	{'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'R'}: 21, {'H', 'U'}: 28,
	{'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26, {'I', 'T'}: 27,
	{'J', 'O'}: 30, {'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'C'}: 32,
	{'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21, {'L', 'Y'}: 25,
	{'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'K'}: 19, {'M', 'N'}: 20,
	{'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'I'}: 28, {'N', 'L'}: 18,
	{'N', 'O'}: 15, {'O', 'M'}: 23, {'P', 'K'}: 24, {'P', 'L'}: 28, {'P', 'S'}: 29,
	{'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22, {'R', 'U'}: 33,
	{'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'D'}: 18, {'S', 'E'}: 24, {'S', 'I'}: 19,
	{'S', 'K'}: 24, {'S', 'M'}: 27, {'S', 'O'}: 23, {'S', 'T'}: 25, {'S', 'V'}: 28,
	{'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29, {'V', 'A'}: 22,
	{'V', 'G'}: 24, {'X', 'K'}: 20, {'Y', 'E'}: 30,
}

// validIBAN checks an upper-case IBAN without spaces: registered length for
// its country and ISO 7064 mod 97-10 equal to 1.
func validIBAN(s []byte) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if want := ibanLengths[[2]byte{s[0], s[1]}]; int(want) != len(s) {
		return false
	}
	if !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	rem := 0
	add := func(c byte) bool {
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range s[4:] {
		if !add(c) {
			return false
		}
	}
	for _, c := range s[:4] {
		add(c)
	}
	return rem == 1
}

// validCPF checks the two mod-11 check digits of an 11-digit CPF and
// rejects the repeated-digit numbers that pass the arithmetic.
func validCPF(d []byte) bool {
	if len(d) != 11 || allSame(d) {
		return false
	}
	return cpfDigit(d[:9]) == d[9] && cpfDigit(d[:10]) == d[10]
}

func cpfDigit(d []byte) byte {
	sum := 0
	w := len(d) + 1
	for i, c := range d {
		sum += int(c-'0') * (w - i)
	}
	if r := sum % 11; r >= 2 {
		return byte('0' + 11 - r)
	}
	return '0'
}

// validCNPJ checks the two mod-11 check digits of a 14-digit CNPJ.
func validCNPJ(d []byte) bool {
	if len(d) != 14 || allSame(d) {
		return false
	}
	return cnpjDigit(d[:12]) == d[12] && cnpjDigit(d[:13]) == d[13]
}

func cnpjDigit(d []byte) byte {
	sum := 0
	w := len(d) - 7
	for _, c := range d {
		sum += int(c-'0') * w
		if w--; w < 2 {
			w = 9
		}
	}
	if r := sum % 11; r >= 2 {
		return byte('0' + 11 - r)
	}
	return '0'
}

func allSame(d []byte) bool {
	for _, c := range d[1:] {
		if c != d[0] {
			return false
		}
	}
	return true
}

const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// dniLetter is the Spanish DNI/NIE control letter for an 8-digit number.
func dniLetter(d []byte) byte {
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	return dniLetters[n%23]
}

// validSSN applies the SSA rules: area not 000, 666 or 9xx; group not 00;
// serial not 0000. d is 9 digits.
func validSSN(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	area := string(d[:3])
	if area == "000" || area == "666" || d[0] == '9' {
		return false
	}
	return string(d[3:5]) != "00" && string(d[5:]) != "0000"
}

// curpStates are the two-letter entity codes of a CURP (NE: born abroad).
var curpStates = map[[2]byte]bool{}

func init() {
	const s = "ASBCBSCCCLCMCSCHDFDGGTGRHGJCMCMNMSNTNLOCPLQTQRSPSLSRTCTSTLVZYNZSNE"
	for i := 0; i < len(s); i += 2 {
		curpStates[[2]byte{s[i], s[i+1]}] = true
	}
}

// validCURP checks an upper-case 18-character CURP: structure, birth
// date, sex, state, and the check digit (RENAPO's weighted mod 10).
func validCURP(s []byte) bool {
	if len(s) != 18 {
		return false
	}
	for i, c := range s {
		switch {
		case i < 4 || (i >= 11 && i < 16):
			if !isUpper(c) {
				return false
			}
		case i < 10 || i == 17:
			if !isDigit(c) {
				return false
			}
		case i == 10:
			if c != 'H' && c != 'M' && c != 'X' {
				return false
			}
		case i == 16:
			if !isDigit(c) && !isUpper(c) {
				return false
			}
		}
	}
	if !curpStates[[2]byte{s[11], s[12]}] || !validYYMMDD(s[4:10]) {
		return false
	}
	const dict = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ"
	sum := 0
	for i := 0; i < 17; i++ {
		v := 0
		for j := 0; j < len(dict); j++ {
			if dict[j] == s[i] {
				v = j
				break
			}
		}
		sum += v * (18 - i)
	}
	return int(s[17]-'0') == (10-sum%10)%10
}

// validRFC checks the structure of an upper-case Mexican RFC: 3 (company)
// or 4 (person) letters, a valid YYMMDD date, and a 3-character
// homoclave. The SAT check digit is not enforced: hand-typed RFCs on old
// invoices often carry a wrong one and they are still someone's tax id.
func validRFC(s []byte) bool {
	var n int
	switch len(s) {
	case 12:
		n = 3
	case 13:
		n = 4
	default:
		return false
	}
	for i := 0; i < n; i++ {
		if !isUpper(s[i]) && s[i] != '&' {
			return false
		}
	}
	for _, c := range s[n : n+6] {
		if !isDigit(c) {
			return false
		}
	}
	for _, c := range s[n+6:] {
		if !isDigit(c) && !isUpper(c) {
			return false
		}
	}
	return validYYMMDD(s[n : n+6])
}

func validYYMMDD(d []byte) bool {
	m := int(d[2]-'0')*10 + int(d[3]-'0')
	day := int(d[4]-'0')*10 + int(d[5]-'0')
	return m >= 1 && m <= 12 && day >= 1 && day <= daysIn(m, int(d[0]-'0')*10+int(d[1]-'0'))
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validIPv6 parses s with net/netip; zones are refused since chat text has
// no use for them.
func validIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
