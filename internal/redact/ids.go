package redact

// Identifiers read after the word that names them: passports, CUIT/CUIL,
// CBU, CLABE, RG, Pix keys, bank agencies and accounts, licence plates,
// card security codes. None of them is reported without its word: a
// six-letter-and-digit code is a plate after "placa" and a product code
// anywhere else. Where the identifier has a check digit (CUIT, CBU,
// CLABE), it must hold too.

func init() {
	addID := func(t Type, phrases string) {
		for _, p := range splitComma(phrases) {
			cues[p] = cue{kind: cueID, business: true, typ: t}
			ws := splitSpace(p)
			for _, w := range ws[:len(ws)-1] {
				cueParts[w] = w
			}
		}
	}
	addID(Passport, "passport, passport number, passport no, pasaporte, numero de pasaporte, passaporte, numero do passaporte")
	addID(CUIT, "cuit, cuil, cuit cuil, cuil cuit, cuit/cuil")
	addID(CBU, "cbu, cvu")
	addID(CLABE, "clabe, clabe interbancaria")
	addID(RG, "rg, identidade, carteira de identidade, rg numero")
	addID(PixKey, "pix, chave pix, chave, chave aleatoria, pix key")
	addID(BankAccount, `agencia, ag, conta, conta corrente, conta poupanca, cuenta, numero de cuenta, cuenta bancaria,
		account, account number, acct, routing, routing number, aba, sort code, sucursal`)
	addID(Plate, "placa, placas, placa do carro, matricula, matricula del coche, patente, plate, license plate, licence plate, number plate")
	addID(CVV, "cvv, cvc, cvv2, cid, codigo de seguridad, codigo de seguranca, security code, cod seguranca, codigo cvv")
}

func splitComma(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		p := s[:i]
		for len(p) > 0 && (p[0] == ' ' || p[0] == '\n' || p[0] == '\t') {
			p = p[1:]
		}
		for len(p) > 0 && (p[len(p)-1] == ' ' || p[len(p)-1] == '\n' || p[len(p)-1] == '\t') {
			p = p[:len(p)-1]
		}
		if p != "" {
			out = append(out, p)
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}

// idAfter reads the identifier of type typ after its cue word t.
func (sc *scanner) idAfter(t token, typ Type) int {
	s := sc.s
	i := t.b
	lim := sc.limit()
	// "passport number: X…", "mi cuil es …", "CBU do …", "placa do carro …".
	// Identifiers with a check digit may come a few words later: "el CUIT
	// de la empresa es …", "la CLABE para el reembolso es …".
	words := 3
	if typ == CUIT || typ == CBU || typ == CLABE {
		words = 7
	}
	for k := 0; k < words; k++ {
		n := sc.tok(i)
		if n.kind == tkPunct && (s[n.a] == ':' || s[n.a] == '-' || s[n.a] == '#' || s[n.a] == '.' || s[n.a] == '=') {
			i = n.b
			continue
		}
		if n.kind == tkWord {
			switch string(sc.fold(n)) {
			case "es", "e", "is", "number", "numero", "no", "n", "nro", "nr", "de", "del", "do", "da", "mi", "my", "meu",
				"minha", "la", "el", "o", "a", "the", "corrente", "bancaria", "aleatoria", "key":
				i = n.b
				continue
			}
			if words > 3 {
				i = n.b
				continue
			}
		}
		break
	}
	a := i
	for a < len(s) && (s[a] == ' ' || s[a] == '\t') {
		a++
	}
	if a >= lim {
		return 0
	}
	var e int
	switch typ {
	case PixKey:
		e = uuidAt(s, a)
	case Plate:
		e = plateAt(s, a, lim)
	case CVV:
		e = digitsAt(s, a, 3, 4)
	case Passport:
		e = passportAt(s, a)
	case CUIT:
		e = sc.checkedAt(a, lim, CUIT, 11, 11)
	case CBU:
		e = sc.checkedAt(a, lim, CBU, 22, 22)
	case CLABE:
		e = sc.checkedAt(a, lim, CLABE, 18, 18)
	case RG:
		e = rgAt(s, a)
	case BankAccount:
		e = accountAt(s, a, lim)
	}
	if e <= a || e > lim || letterAt(s, e) || isDigit(byteAt(s, e)) {
		return 0
	}
	sc.add(typ, a, e)
	return e
}

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// digitsAt matches min to max digits at a.
func digitsAt(s string, a, min, max int) int {
	e := a
	for e < len(s) && isDigit(s[e]) && e-a <= max {
		e++
	}
	if n := e - a; n < min || n > max {
		return 0
	}
	return e
}

// checkedAt reads n digits (between lo and hi of them) at a, allowing
// single spaces, dashes and dots between groups, and checks them with
// typ's check digits. (A switch, not a func value: a func value would be
// handed the scanner's buffer, and Detect would allocate its scanner.)
func (sc *scanner) checkedAt(a, lim int, typ Type, lo, hi int) int {
	s := sc.s
	b := sc.buf[:0]
	e := a
	for e < lim && len(b) <= hi {
		if isDigit(s[e]) {
			b = append(b, s[e])
			e++
			continue
		}
		if (s[e] == ' ' || s[e] == '-' || s[e] == '.') && e+1 < lim && isDigit(s[e+1]) && e > a && len(b) < hi {
			e++
			continue
		}
		break
	}
	if len(b) < lo || len(b) > hi {
		return 0
	}
	switch typ {
	case CUIT:
		if !validCUIT(b) {
			return 0
		}
	case CBU:
		if !validCBU(b) {
			return 0
		}
	case CLABE:
		if !validCLABE(b) {
			return 0
		}
	default:
		return 0
	}
	return e
}

// uuidAt matches a UUID, the form of a random Pix key.
func uuidAt(s string, a int) int {
	groups := [...]int{8, 4, 4, 4, 12}
	e := a
	for gi, n := range groups {
		for k := 0; k < n; k++ {
			if e >= len(s) || !isHexByte(s[e]) {
				return 0
			}
			e++
		}
		if gi < len(groups)-1 {
			if e >= len(s) || s[e] != '-' {
				return 0
			}
			e++
		}
	}
	return e
}

func isHexByte(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// passportAt matches 6 to 10 letters and digits, at least five digits:
// "PAB123456", "X12345678", "563728194", "FZ123456".
func passportAt(s string, a int) int {
	e, d := a, 0
	for e < len(s) && isAlnum(s[e]) && e-a <= 10 {
		if isDigit(s[e]) {
			d++
		}
		e++
	}
	if n := e - a; n < 6 || n > 10 || d < 5 {
		return 0
	}
	return e
}

// plateAt matches a licence plate: up to three groups of letters and
// digits joined by a space or a dash, 5 to 8 of them in all, with both
// letters and digits: "4821 KLM", "AB 123 CD", "ABC-123-D", "ABC1D23",
// "BRA-2E19", "7ABC123".
func plateAt(s string, a, lim int) int {
	e, groups, letters, digits := a, 0, 0, 0
	lower := false
	for e < lim && groups < 3 {
		g := e
		for e < lim && isAlnum(s[e]) {
			if isDigit(s[e]) {
				digits++
			} else {
				letters++
				if s[e] >= 'a' {
					lower = true
				}
			}
			e++
		}
		if e == g {
			e--
			break
		}
		groups++
		if e+1 < lim && (s[e] == ' ' || s[e] == '-') && isAlnum(s[e+1]) && letters+digits < 8 {
			// a next group only if it still looks like a plate's
			k := e + 1
			for k < lim && isAlnum(s[k]) {
				k++
			}
			if k-(e+1) > 4 || letters+digits+k-(e+1) > 8 {
				break
			}
			e++
			continue
		}
		break
	}
	if n := letters + digits; n < 5 || n > 8 || letters == 0 || digits < 2 || lower && letters > 1 {
		return 0
	}
	return e
}

// rgAt matches a Brazilian RG: "12.345.678-9", "12.345.678-X",
// "12345678X", or 7 to 9 digits.
func rgAt(s string, a int) int {
	e, d := a, 0
	for e < len(s) && e-a < 14 {
		c := s[e]
		switch {
		case isDigit(c):
			d++
		case (c == '.' || c == '-') && e+1 < len(s) && (isDigit(s[e+1]) || s[e+1]|0x20 == 'x' && c == '-'):
		case c|0x20 == 'x' && d >= 7:
			d++
			e++
			goto done
		default:
			goto done
		}
		e++
	}
done:
	if d < 7 || d > 10 {
		return 0
	}
	return e
}

// accountAt matches a bank agency or account: digit groups joined by
// single spaces or dashes, 3 to 20 digits, a final check digit or 'X'
// after a dash allowed: "1234-5", "00123456-7", "0049 1500 05 1234567892".
func accountAt(s string, a, lim int) int {
	e, d := a, 0
	for e < lim && d <= 20 {
		if isDigit(s[e]) {
			d++
			e++
			continue
		}
		if (s[e] == ' ' || s[e] == '-') && e+1 < lim && isDigit(s[e+1]) && e > a {
			e++
			continue
		}
		if s[e] == '-' && e+1 < lim && s[e+1]|0x20 == 'x' && !letterAt(s, e+2) {
			e += 2
		}
		break
	}
	if d < 3 || d > 20 {
		return 0
	}
	return e
}

// validCUIT checks the mod-11 check digit and the type prefix of an
// Argentine CUIT/CUIL.
func validCUIT(d []byte) bool {
	if len(d) != 11 {
		return false
	}
	switch string(d[:2]) {
	case "20", "23", "24", "25", "26", "27", "30", "33", "34":
	default:
		return false
	}
	w := [...]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, x := range w {
		sum += int(d[i]-'0') * x
	}
	c := 11 - sum%11
	switch c {
	case 11:
		c = 0
	case 10:
		return false
	}
	return int(d[10]-'0') == c
}

// validCBU checks both check digits of a 22-digit CBU/CVU.
func validCBU(d []byte) bool {
	if len(d) != 22 {
		return false
	}
	check := func(digits []byte, w []int, c byte) bool {
		sum := 0
		for i, x := range w {
			sum += int(digits[i]-'0') * x
		}
		return (10-sum%10)%10 == int(c-'0')
	}
	return check(d[:7], []int{7, 1, 3, 9, 7, 1, 3}, d[7]) &&
		check(d[8:21], []int{3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3}, d[21])
}

// validCLABE checks the weighted mod-10 check digit of an 18-digit CLABE.
func validCLABE(d []byte) bool {
	if len(d) != 18 {
		return false
	}
	w := [...]int{3, 7, 1}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(d[i]-'0') * w[i%3] % 10
	}
	return (10-sum%10)%10 == int(d[17]-'0')
}
