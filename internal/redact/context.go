package redact

import (
	"strings"
	"unicode/utf8"
)

// A ctxClass is what the words around a number say it is. Weak types (a
// bare 8-digit number may be an Argentine DNI, a phone or an order) are
// only reported when the nearest telling word agrees.
type ctxClass uint8

const (
	ctxNone     ctxClass = iota
	ctxPhone             // phone, celular, llámame, zap, 📞
	ctxDNIAR             // dni
	ctxCedula            // cédula, cc, c.c.
	ctxDoc               // documento, identidad: Argentina or Colombia by length
	ctxSSN               // ssn
	ctxCPF               // cpf
	ctxCNPJ              // cnpj
	ctxBirth             // born, nacimiento, nascimento, dob
	ctxBirthday          // birthday, cumpleaños, aniversário: a birth date or the next party
	ctxNeg               // order, pedido, rastreio, factura, cep, price... : not personal data we report
	ctxNumber            // number, número: a phone unless a nearer word says otherwise
)

// keywords are matched against words lower-cased, with Latin accents
// folded and dots removed ("C.C." -> "cc", "Teléfono" -> "telefono").
var keywords = map[string]ctxClass{}

func init() {
	add := func(c ctxClass, ws ...string) {
		for _, w := range ws {
			keywords[w] = c
		}
	}
	add(ctxPhone,
		// en
		"phone", "phones", "tel", "tels", "telephone", "cell", "cellphone", "cel", "mobile", "mob",
		"call", "calls", "text", "txt", "sms", "whatsapp", "whats", "wa", "contact", "reach", "landline",
		// es
		"telefono", "telefonos", "tfno", "telf", "tlf", "tlfn", "movil", "celular", "celu", "fijo",
		"llamame", "llamar", "llamen", "llame", "llamadme", "llamenme", "llamarme", "llamo", "llamaron", "llamó",
		"marcar", "marcame", "marquen", "contacto", "escribeme", "escribime", "wasap", "guasap",
		"contactarme", "contactame", "contactenme", "contactarnos", "contactar", "ubicarme", "localizarme",
		"escribirme", "mensajeame", "textear",
		// pt
		"telefone", "telefones", "telemovel", "fone", "celu", "fixo", "ligar", "liga", "ligue", "liguem",
		"ligou", "ligo", "contato", "zap", "zapzap", "wpp", "whatsapp", "chama",
		"falar", "fale", "comigo", "contatar", "contactar", "chamar", "chame", "ligarem", "ligacao", "ligacoes",
		"texto", "textme", "ring",
		"\U0001F4DE", "\U0001F4F1", "\u260E", "\u260E\uFE0F", "\U0001F4F2",
	)
	add(ctxDNIAR, "dni")
	add(ctxCedula, "cedula", "cc", "ciudadania")
	add(ctxDoc, "documento", "doc", "identidad", "identificacion", "ident")
	add(ctxSSN, "ssn")
	add(ctxCPF, "cpf")
	add(ctxCNPJ, "cnpj")
	add(ctxBirth,
		"born", "birth", "birthdate", "dob",
		"nacimiento", "nac", "naci", "nacio", "nacido", "nacida",
		"nascimento", "nasc", "nasci", "nasceu", "nascido", "nascida",
	)
	add(ctxBirthday, "birthday", "bday", "cumpleanos", "cumple", "aniversario")
	add(ctxNeg,
		// orders, tracking, invoices
		"order", "orders", "pedido", "pedidos", "orden", "ordem", "encomenda", "purchase", "compra",
		"tracking", "track", "rastreio", "rastreo", "rastreamento", "seguimiento", "guia", "envio",
		"invoice", "factura", "fatura", "nota", "nf", "nfe", "boleto", "protocolo", "ticket", "caso", "case",
		"ref", "referencia", "reference", "codigo", "code", "cupom", "cupon", "coupon", "sku", "item",
		"articulo", "artigo", "produto", "producto", "product", "modelo", "model", "serie", "serial", "lote",
		"imei", "barras", "transaction", "transaccion", "transacao", "comprobante", "comprovante",
		// places and amounts
		"cep", "zip", "postal", "cp", "calle", "rua", "street", "st", "ave", "apt", "apto", "suite",
		"talla", "size", "tamanho", "precio", "preco", "price", "valor", "total", "importe", "monto",
		"amount", "cuota", "cuotas", "parcela", "usd", "eur", "brl", "mxn", "cop", "ars",
		// dates that are not births
		"llega", "llegar", "llego", "entrega", "delivery", "deliver", "delivered", "arrive", "arrives",
		"arrived", "chega", "chegar", "chegou", "entregue", "shipped", "ship", "vence", "vencimiento",
		"vencimento", "expira", "expiry", "exp", "validade", "cita", "appointment", "reserva", "booking",
		"compre", "comprei", "bought", "ordered", "paid", "pague", "paguei", "pago", "pagamento", "payment",
		"since", "desde",
		// other identifiers we do not report
		"cliente", "client", "customer", "socio", "member", "membership", "contrato", "contract", "poliza",
		"policy", "apolice", "matricula", "legajo", "expediente", "usuario", "user", "login", "pin", "senha", "password",
		"rg", "nif", "cif", "nit", "cuit", "cuil", "nss", "passport", "pasaporte", "passaporte",
		"cbu", "clabe", "cuenta", "conta", "account", "routing", "agencia", "iban", "version", "versao",
	)
	add(ctxNumber, "number", "numero", "nro", "num", "n\u00ba", "n\u00b0", "nr", "numer", "nummer")
	keywordSet = newWordSet(keywords)
	if 2*len(keywords) > len(keywordTable) {
		panic("redact: keywordTable too small")
	}
	for w, c := range keywords {
		i := int(wordHash(w)) & (len(keywordTable) - 1)
		for keywordTable[i].w != "" {
			i = (i + 1) & (len(keywordTable) - 1)
		}
		keywordTable[i].w, keywordTable[i].c = w, c
	}
}

// keywordTable is keywords in an open-addressed table indexed by
// wordHash, for the words of ASCII letters that context reads: a word costs
// its hash and mostly one probe, not a filter test and a map look-up.
var keywordTable [1024]struct {
	w string
	c ctxClass
}

// keywordASCII is keywords[w folded] for a word of ASCII letters.
func keywordASCII(raw string) ctxClass {
	for i := int(wordHash(raw)) & (len(keywordTable) - 1); ; i = (i + 1) & (len(keywordTable) - 1) {
		e := &keywordTable[i]
		if e.w == "" {
			return ctxNone
		}
		if len(e.w) == len(raw) && eqLower(e.w, raw) {
			return e.c
		}
	}
}

// eqLower reports whether the folded word kw is the word of ASCII
// letters raw lower-cased.
func eqLower(kw, raw string) bool {
	for i := 0; i < len(raw); i++ {
		if kw[i] != raw[i]|0x20 {
			return false
		}
	}
	return true
}

// keywordSet is keywords behind a filter: context reads up to twelve words
// per number, and nearly all of them are in no list.
var keywordSet *wordSet[ctxClass]

// possessive words before "número" make it the writer's own phone.
var possessive = map[string]bool{
	"my": true, "mi": true, "mis": true, "meu": true, "minha": true, "mio": true, "your": true,
	"tu": true, "su": true, "seu": true, "sua": true, "his": true, "her": true, "our": true,
	"nuestro": true, "nosso": true, "mine": true, "wifes": true, "husbands": true,
}

// foldC3 maps the second byte of a two-byte UTF-8 sequence starting with
// 0xC3 (Latin-1 letters) to its unaccented lower-case ASCII letter.
func foldC3(b byte) byte {
	switch {
	case b >= 0x80 && b <= 0x85, b >= 0xA0 && b <= 0xA5:
		return 'a'
	case b == 0x87, b == 0xA7:
		return 'c'
	case b >= 0x88 && b <= 0x8B, b >= 0xA8 && b <= 0xAB:
		return 'e'
	case b >= 0x8C && b <= 0x8F, b >= 0xAC && b <= 0xAF:
		return 'i'
	case b == 0x91, b == 0xB1:
		return 'n'
	case b >= 0x92 && b <= 0x96, b >= 0xB2 && b <= 0xB6:
		return 'o'
	case b >= 0x99 && b <= 0x9C, b >= 0xB9 && b <= 0xBC:
		return 'u'
	}
	return 0
}

// normWord lower-cases w, folds Latin accents and drops dots and
// apostrophes into buf. It returns nil when w is too long to be a keyword.
func normWord(w string, buf []byte) []byte {
	buf = buf[:cap(buf)]
	n := 0
	for i := 0; i < len(w); i++ {
		c := normByte[w[i]]
		if c == 0 { // '.', '\'', 0xC3, NUL
			switch c = w[i]; {
			case c == '.' || c == '\'':
				continue
			case c == 0xC3 && i+1 < len(w):
				if f := foldC3(w[i+1]); f != 0 {
					c = f
					i++
				}
			}
		}
		if n == len(buf) {
			return nil
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

// normByte is normWord's byte map: ASCII upper-case letters to lower-case,
// 0 for the bytes it looks at more closely, any other byte to itself.
var normByte = func() (t [256]byte) {
	for c := range t {
		t[c] = byte(c)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c + 'a' - 'A')
	}
	t['.'], t['\''], t[0xC3] = 0, 0, 0
	return t
}()

// isWordByte is true for bytes that make up context words: ASCII letters,
// dots and apostrophes inside abbreviations, and any non-ASCII byte, so
// that accented words and emoji come out whole.
func isWordByte(c byte) bool { return wordByte[c] }

// ctxByte classes the bytes of context words, so that one pass over a
// word tells whether it is all ASCII letters: 0 for a byte that is no word
// byte, else cbWord, with cbOther for a dot, an apostrophe or a non-ASCII
// byte.
var ctxByte = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] = cbWord
		case wordByte[c]:
			t[c] = cbWord | cbOther
		}
	}
	return t
}()

const (
	cbWord uint8 = 1 << iota
	cbOther
)

var wordByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || c == '.' || c == '\''
	}
	return t
}()

const (
	ctxBackBytes  = 80
	ctxBackWords  = 8
	ctxFwdBytes   = 40
	ctxFwdWords   = 4
	ctxNumberTail = 2 // words looked at beyond "número" for what kind of number
)

// context reports the nearest telling word before text[start:], or failing
// that after text[:end].
func context(s string, start, end int) ctxClass {
	// "#123456" is a reference unless the words before the '#' say
	// otherwise ("my # is", "social security #").
	p := start
	for p > 0 && s[p-1] == ' ' {
		p--
	}
	hash := p > 0 && s[p-1] == '#'
	if hash {
		start = p - 1
	}
	var buf [24]byte
	lo := max(0, start-ctxBackBytes)
	words := 0
	pending := -1 // words left to look at after "número"
	i := start
	for i > lo && words < ctxBackWords {
		for i > lo && !isWordByte(s[i-1]) {
			i--
		}
		b := i
		var kinds uint8 // ctxByte's bits of the word's bytes
		for i > lo && ctxByte[s[i-1]] != 0 {
			kinds |= ctxByte[s[i-1]]
			i--
		}
		if b == i {
			break
		}
		var w []byte
		var c ctxClass
		if raw := s[i:b]; pending < 0 && len(raw) <= len(buf) && kinds&cbOther == 0 {
			// A word of ASCII letters folds to itself lower-cased, which
			// the filter can hash without folding it; most words stop here.
			words++
			c = keywordASCII(raw)
			if c == ctxNone && len(raw) == 8 && strings.EqualFold(raw, "security") && i >= 7 && normIs(s[:i], "social") {
				c = ctxSSN
			}
		} else {
			w = normWord(raw, buf[:])
			if len(w) == 0 {
				continue
			}
			words++
			c = keywordSet.get(w)
			if c == ctxNone && string(w) == "security" && i >= 7 && normIs(s[:i], "social") {
				c = ctxSSN
			}
		}
		switch {
		case c == ctxNumber:
			if pending < 0 {
				pending = ctxNumberTail
			}
			continue
		case c != ctxNone:
			return c
		case pending >= 0 && possessive[string(w)]:
			return ctxPhone // "mi número", "my number"
		}
		if pending > 0 {
			if pending--; pending == 0 {
				return ctxPhone
			}
		}
	}
	if pending >= 0 {
		return ctxPhone
	}
	if hash {
		return ctxNeg
	}
	hi := min(len(s), end+ctxFwdBytes)
	words = 0
	for i := end; i < hi && words < ctxFwdWords; {
		for i < hi && !isWordByte(s[i]) {
			i++
		}
		a := i
		var kinds uint8
		for i < hi && ctxByte[s[i]] != 0 {
			kinds |= ctxByte[s[i]]
			i++
		}
		if a == i {
			break
		}
		// A word cut by the window may be half a keyword.
		if i == hi && hi < len(s) && isWordByte(s[hi]) {
			break
		}
		var c ctxClass
		if raw := s[a:i]; len(raw) <= len(buf) && kinds&cbOther == 0 {
			words++
			c = keywordASCII(raw)
		} else {
			w := normWord(raw, buf[:])
			if len(w) == 0 {
				continue
			}
			words++
			c = keywordSet.get(w)
		}
		switch c {
		case ctxNone, ctxBirth, ctxBirthday:
		case ctxNumber:
			return ctxPhone
		default:
			return c
		}
	}
	return ctxNone
}

// normIs reports whether s ends with the word w and a space, ignoring case.
func normIs(s, w string) bool {
	s = strings.TrimRight(s, " ")
	return len(s) >= len(w) && strings.EqualFold(s[len(s)-len(w):], w) && !letterBefore(s, len(s)-len(w))
}

// letterBefore reports whether the rune ending at i is a letter or digit,
// meaning text[i:] starts inside a word.
func letterBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	c := s[i-1]
	if c < utf8.RuneSelf {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isLetterRune(r)
}

// letterAt reports whether the rune starting at i is a letter or digit.
func letterAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	if c < utf8.RuneSelf {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isLetterRune(r)
}

// isLetterRune is a cheap stand-in for unicode.IsLetter over the scripts
// this package reads (Latin); emoji and punctuation are not letters.
func isLetterRune(r rune) bool {
	return r >= 0xC0 && r <= 0x24F && r != 0xD7 && r != 0xF7 || r == 0xAA || r == 0xBA
}

func isAlnum(c byte) bool { return alnum[c] }

var alnum = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return t
}()
