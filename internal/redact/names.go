package redact

import "strings"

type cueKind uint8

const (
	cueNone     cueKind = iota
	cueName             // "me llamo", "my name is": a name follows
	cueNameTag          // "nombre", "name", "titular": a name follows a ':' or "is"
	cueNameWeak         // "soy", "i'm", "this is": only a given name from the gazetteer starts it
	cueNameSign         // "saludos,", "obrigada,": a signature, a given name after a comma or line break
	cueTitle            // "Sr.", "Dona", "Mr": a capitalised name follows
	cueAddr             // "vivo en", "my address is": an address follows, street word or not
	cuePostal           // "cep", "zip", "código postal"
	cueID               // "passport", "cuit", "placa", "cvv": the identifier of cue.typ follows
)

type cue struct {
	kind     cueKind
	business bool // also said of the customer in the business's own answers
	typ      Type // for cueID
}

// cues maps telling phrases, folded as fold makes words and joined by
// single spaces, to what follows them.
var cues = map[string]cue{}

// cueParts maps every word that starts or continues a cue phrase to
// itself, so the pass can remember recent words without copying them.
var cueParts = map[string]string{}

func init() {
	add := func(k cueKind, business bool, phrases string) {
		for _, p := range strings.Split(phrases, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			cues[p] = cue{kind: k, business: business}
			ws := strings.Fields(p)
			for _, w := range ws[:len(ws)-1] {
				cueParts[w] = w
			}
		}
	}
	add(cueName, false, `me llamo, mi nombre es, mi nombre, nombre es, mis nombres son, mi apellido es, mis apellidos son,
		le habla, te habla, le escribe, te escribe, quien escribe es, firmado,
		me chamo, meu nome e, meu nome, o meu nome e, nome e, meu sobrenome e, aqui quem fala e, quem fala e, quem fala,
		my name is, my name, name is, my names, names, my full name is, my surname is, my last name is, my first name is, im called, i am called,
		sincerely, kind regards, best regards, warm regards`)
	add(cueName, true, `a nombre de, al nombre de, en nombre de, se llama, llamado, llamada, de parte de,
		em nome de, no nome de, se chama, chamado, chamada, da parte de, por parte de,
		under the name, under the name of, in the name of, on behalf of, named, called, goes by`)
	add(cueNameTag, true, `nombre, nombre completo, nombre y apellido, nombre y apellidos, apellido, apellidos, titular,
		nombre del titular, destinatario, destinataria, recibe, quien recibe, contacto,
		nome, nome completo, sobrenome, titular do cartao, nome do titular, destinatario, recebedor, quem recebe,
		name, full name, surname, last name, first name, cardholder, cardholder name, recipient, attn, attention,
		contact name, customer name, nombre del cliente, nome do cliente`)
	add(cueNameWeak, false, `soy, yo soy, sou, eu sou, sou o, sou a, eu sou o, eu sou a, aqui e o, aqui e a, aqui es, habla,
		fala o, fala a, aqui e, im, i am, this is, its, it is, hi im, hello im, here is`)
	add(cueNameWeak, true, `mi hijo, mi hija, mi esposa, mi esposo, mi marido, mi mujer, mi madre, mi padre, mi mama,
		mi papa, mi hermano, mi hermana, mi novia, mi novio, mi amigo, mi amiga, mi abuela, mi abuelo, mi suegra,
		meu filho, minha filha, minha esposa, meu esposo, meu marido, minha mulher, minha mae, meu pai, meu irmao,
		minha irma, minha namorada, meu namorado, meu amigo, minha amiga, minha avo, meu avo, minha sogra,
		my son, my daughter, my wife, my husband, my mom, my mum, my mother, my dad, my father, my brother,
		my sister, my friend, my partner, my girlfriend, my boyfriend, my grandma, my grandmother, my grandpa`)
	add(cueNameSign, false, `saludos, un saludo, gracias, muchas gracias, atentamente, att, atte, cordialmente, besos, abrazos, un abrazo,
		obrigado, obrigada, muito obrigado, muito obrigada, abracos, abraco, atenciosamente, beijos, bjs, grato, grata,
		thanks, thank you, cheers, regards, best, thx, love`)
	add(cueTitle, true, `sr, sra, srta, senor, senora, senorita, don, dona, senhor, senhora, seu,
		mr, mrs, ms, miss, dr, dra, doctor, doctora, doutor, doutora, prof, profa, lic, ing`)
	add(cueAddr, false, `vivo en, vivo na, vivo no, vivo em, moro na, moro no, moro em, resido en, resido em,
		mi direccion es, mi direccion, direccion, mi domicilio es, domicilio, direccion de entrega, direccion de envio,
		meu endereco e, meu endereco, endereco, endereco de entrega, endereco completo,
		i live at, i live on, live at, my address is, my address, address, shipping address, delivery address,
		billing address, home address, entregar en, entreguen en, enviar a, envien a, mandar a, entregar na, entregar no,
		entregar em, enviar para, mandar para, deliver to, ship to, send it to, send to`)
	add(cuePostal, true, `cep, zip, zipcode, zip code, codigo postal, cod postal, cp, postal, postal code, postcode, post code,
		codigo de postal, el cp es, mi cp, meu cep, my zip, my postcode`)
}

// cueAt looks up the phrase ending with the word w, given the words before
// it (prev, most recent first), longest first.
func (sc *scanner) cueAt(w []byte, prev [3]string) cue {
	top := 3
	if prev[0] != "" && !cueTailBytes(prev[0], w) {
		top = 0 // every phrase of two words or more ends with two of cueTails
	}
	for n := top; n >= 0; n-- {
		b := sc.pbuf[:0]
		ok := true
		for k := n - 1; k >= 0; k-- {
			if prev[k] == "" {
				ok = false
				break
			}
			b = append(b, prev[k]...)
			b = append(b, ' ')
		}
		if !ok {
			continue
		}
		b = append(b, w...)
		if !cueFilter.has(b) {
			continue
		}
		if c, found := cues[string(b)]; found {
			return c
		}
	}
	return cue{}
}

// cueTailBytes is cueTail for a folded word.
func cueTailBytes(p string, w []byte) bool {
	var b [48]byte
	if len(p)+1+len(w) > len(b) {
		return true
	}
	n := copy(b[:], p)
	b[n] = ' '
	n++
	n += copy(b[n:], w)
	return cueTails.has(b[:n])
}

// atWord handles a word token: a cue, a street word, or the first word of
// a "Given Surname" pair. It returns where the pass resumes, or 0.
func (sc *scanner) atWord(t token, w []byte, lx uint16, prev [3]string, afterPlace bool) int {
	if len(w) == 0 {
		return 0
	}
	g := uint8(lx & lxGazMask)
	if lx&lxSpecial != 0 && dateStart[string(w)] { // the lexicon marks every dateStart word lxSpecial
		if e := sc.dateInWords(t, w); e > 0 {
			return e
		}
		w = sc.fold(t) // dateInWords folded other words into the buffer
	}
	if lx&lxStreet != 0 {
		if e := sc.streetFirst(t, w); e > 0 {
			return e
		}
	}
	if lx&lxSpecial != 0 && t.b+2 < len(sc.s) && sc.s[t.b] == '.' && sc.s[t.b+1]|0x20 == 'p' {
		// "C.P. 06700", written with dots
		p := t.b + 2
		if p < len(sc.s) && sc.s[p] == '.' {
			p++
		}
		return sc.postalAfter(token{a: t.a, b: p})
	}
	var c cue
	if lx&lxCueOne != 0 || lx&lxCueLast != 0 && prev[0] != "" {
		c = sc.cueAt(w, prev)
	}
	if c.kind != cueNone && (!sc.opt.Business || c.business) {
		switch c.kind {
		case cueName, cueNameTag, cueNameWeak, cueNameSign, cueTitle:
			if e := sc.nameAfter(t, c.kind); e > 0 {
				return e
			}
		case cueAddr:
			if e := sc.addressAfter(t); e > 0 {
				return e
			}
		case cuePostal:
			if e := sc.postalAfter(t); e > 0 {
				return e
			}
		case cueID:
			if e := sc.idAfter(t, c.typ); e > 0 {
				return e
			}
		}
	}
	if sc.opt.Business || !t.cap {
		return 0
	}
	// "Ana Souza", with no cue: a given name, then a surname, both
	// capitalised, not the name of a place ("Hospital Santa Maria").
	if g&gGiven == 0 || g&(gCommon|gStop) != 0 || afterPlace {
		return 0
	}
	n := sc.tok(t.b)
	if n.kind != tkWord || !n.cap || n.nl || n.a != t.b+1 {
		return 0
	}
	// The second word a surname, or a given name: "Paulo Henrique", "Vitor Hugo".
	g2 := gazSet.get(sc.fold(n))
	if g2&(gSurname|gGiven) == 0 || g2&(gStop|gCity) != 0 || g2&gCommon != 0 && g2&gSurname == 0 {
		return 0
	}
	if a, b := sc.readName(t.a, cueName); b > 0 {
		sc.add(Name, a, b)
		return b
	}
	return 0
}

// nameAfter reads a name after the cue ending with token t.
func (sc *scanner) nameAfter(t token, k cueKind) int {
	s := sc.s
	i := t.b
	n := sc.tok(i)
	switch k {
	case cueNameTag:
		// "nombre: Ana", "name - Ana", "nome é Ana", "titular es Ana"
		if n.kind == tkPunct && (s[n.a] == ':' || s[n.a] == '-' || s[n.a] == '=') {
			i = n.b
		} else if n.kind == tkWord {
			switch string(sc.fold(n)) {
			case "es", "e", "is", "son", "sao", "are":
				i = n.b
			default:
				return 0
			}
		} else {
			return 0
		}
	case cueNameSign:
		// "saludos, Ana" or "obrigada\nAna"
		if n.kind == tkPunct && (s[n.a] == ',' || s[n.a] == '!' || s[n.a] == '.') {
			i = n.b
		} else if !n.nl {
			return 0
		}
	case cueTitle:
		if n.kind == tkPunct && s[n.a] == '.' {
			i = n.b // "Sr. Pérez"
		}
	default:
		if n.kind == tkPunct && (s[n.a] == ':' || s[n.a] == ',') {
			i = n.b
		}
	}
	a, b := sc.readName(i, k)
	if b == 0 {
		return 0
	}
	sc.add(Name, a, b)
	return b
}

// readName reads the words of a name starting at or after i. k says how
// sure the cue was: after "soy" or a signature the first word must be a
// given name from the gazetteer; after "me llamo" any capitalised word
// will do; after "Sr." it must be capitalised.
func (sc *scanner) readName(i int, k cueKind) (int, int) {
	lim := sc.limit()
	start, end := -1, 0
	pendingParticle := false
	words := 0
	for words < 7 {
		t := sc.tok(i)
		if t.kind != tkWord || t.b > lim || (t.nl && start >= 0) {
			break
		}
		w := sc.fold(t)
		if len(w) == 0 {
			break
		}
		g := gazSet.get(w)
		if start >= 0 && particles[string(w)] && !(t.cap && g&(gGiven|gSurname) != 0) {
			if pendingParticle && string(w) != "la" && string(w) != "los" && string(w) != "las" {
				break
			}
			pendingParticle = true
			i = t.b
			words++
			continue
		}
		ok := false
		switch {
		case g&gStop != 0 && g&(gGiven|gSurname) == 0:
		case g&gCity != 0 && (pendingParticle || g&(gGiven|gSurname) == 0):
		case start < 0 && (k == cueNameWeak || k == cueNameSign):
			ok = g&gGiven != 0 && (t.cap || g&gCommon == 0)
		case start < 0 && k == cueTitle:
			ok = t.cap
		case start < 0:
			ok = t.cap && !allUpperWord(sc.s[t.a:t.b]) || g&gGiven != 0 && (t.cap || g&gCommon == 0) || g&gSurname != 0 && t.cap
			if !ok && t.cap && allUpperWord(sc.s[t.a:t.b]) {
				ok = g&(gGiven|gSurname) != 0 || k == cueName || k == cueNameTag
			}
		default:
			ok = t.cap || g&(gGiven|gSurname) != 0 && g&gCommon == 0
		}
		if !ok {
			break
		}
		if start < 0 {
			start = t.a
		}
		end = t.b
		pendingParticle = false
		i = t.b
		words++
		// A name ends at punctuation (other than the apostrophe and
		// hyphen inside its words).
		if end < len(sc.s) && sc.s[end] != ' ' {
			break
		}
	}
	if start < 0 {
		return 0, 0
	}
	return start, end
}

func allUpperWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= 'a' && w[i] <= 'z' {
			return false
		}
	}
	return len(w) > 1
}
