// Package language tells which of trement's languages (English, Spanish,
// Portuguese) a customer's message is written in.
//
// The customer's phone number only says where the SIM was bought: a
// Spanish number may write in English, a Brazilian one in Spanish. Each
// message is therefore read on its own, and a reply goes out in the
// language of the message it answers. A message that says nothing about its
// language ("ok", "👍", "12345", "STOP") gets "" and the caller falls back
// (to the conversation's last language, then to the region's), so one
// short word never flips a conversation for good.
//
// Detection is a few hundred hand-picked cues, no model: words only one of
// the three languages uses (greetings and thanks count double, since short
// messages are mostly those), WhatsApp abbreviations ("vc", "obg", "pls",
// "xq"), letters only one language writes (ñ ¿ ¡ → es; ã õ ç ê ô → pt) and
// a few spellings (-ção, -ción, "th", -ing). The package is pure and safe
// for concurrent use.
package language

import (
	"strings"
	"unicode"
)

// The languages Detect returns.
const (
	English    = "en"
	Spanish    = "es"
	Portuguese = "pt"
)

// Codes lists the supported languages in a stable order.
var Codes = []string{English, Spanish, Portuguese}

// maxBytes bounds the work on a long message: its start is enough.
const maxBytes = 2048

// Scores are one language's evidence, in the order of Codes.
type Scores [3]float64

// Detect returns the language text is written in, or "" when it does not
// tell (no cue, or two languages equally likely).
func Detect(text string) string {
	return Score(text).Best()
}

// Best returns the language with the highest score, or "" on a tie or when
// no language scored at least one point.
func (s Scores) Best() string {
	best, second := -1, -1
	for i := range s {
		switch {
		case best < 0 || s[i] > s[best]:
			best, second = i, best
		case second < 0 || s[i] > s[second]:
			second = i
		}
	}
	if s[best] < 1 || s[best] == s[second] {
		return ""
	}
	return Codes[best]
}

// Score weighs the evidence for each language in text.
func Score(text string) Scores {
	if len(text) > maxBytes {
		text = text[:maxBytes]
	}
	var s Scores
	lower := strings.ToLower(text)
	for _, r := range lower {
		switch r {
		case 'ñ', '¿', '¡':
			s[1] += 2
		case 'ã', 'õ', 'ç', 'ê', 'ô', 'à':
			s[2] += 2
		}
	}
	words := strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
	for i, w := range words {
		w = strings.Trim(w, "'")
		f := fold(w)
		if i+1 < len(words) && phraseStarts[f] {
			if c, ok := phrases[f+" "+fold(strings.Trim(words[i+1], "'"))]; ok {
				s[c.lang] += c.weight
			}
		}
		if c, ok := cues[f]; ok {
			s[c.lang] += c.weight
			continue
		}
		// Spellings, for words not in the lists.
		switch {
		case strings.HasSuffix(w, "ção") || strings.HasSuffix(w, "ções") || strings.HasSuffix(w, "ões"):
			s[2]++
		case strings.HasSuffix(w, "ción") || strings.HasSuffix(w, "ciones"):
			s[1]++
		case len(f) > 4 && (strings.HasSuffix(f, "ing") || strings.HasSuffix(f, "tion")):
			s[0] += 0.5
		case strings.Contains(f, "th") || strings.Contains(f, "w"):
			s[0] += 0.5
		case len(f) > 3 && (strings.Contains(f, "nh") || strings.Contains(f, "lh")):
			s[2] += 0.5
		}
	}
	return s
}

// fold lower-cases and removes the accents of the three languages, so
// "está", "esta" and "ESTÁ" meet one cue.
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var b strings.Builder
	for _, r := range w {
		switch r {
		case 'á', 'à', 'â', 'ã', 'ä':
			r = 'a'
		case 'é', 'ê', 'è', 'ë':
			r = 'e'
		case 'í', 'î', 'ì', 'ï':
			r = 'i'
		case 'ó', 'ô', 'õ', 'ò', 'ö':
			r = 'o'
		case 'ú', 'û', 'ù', 'ü':
			r = 'u'
		case 'ç':
			r = 'c'
		case 'ñ':
			r = 'n'
		}
		b.WriteRune(r)
	}
	return b.String()
}

type cue struct {
	lang   int
	weight float64
}

var (
	cues         = map[string]cue{}
	phrases      = map[string]cue{}
	phraseStarts = map[string]bool{} // first words of phrases
)

// Word lists, folded. A word in two languages' lists is a programming
// error (init panics): "como", "que", "de", "no", "para", "a", "me", "se",
// "pagar", "envio", "horario" and "devolver" are shared and tell nothing.
// strong words (greetings, thanks, the commonest function words) weigh 2.
var lists = []struct {
	lang           int
	strong, normal string
}{
	{0,
		`hi hello hey thanks thank thx ty the you your is are what how i my please pls plz`,
		`and or it this that can could would should will does did dont doesnt didnt cant wont im ive
		 with of to for from in on at by be been was were have has had not yes yeah yep nope when where
		 why which who whats wheres hows want wanna gonna need get got know tell much many long take
		 takes order orders ordered shipping ship shipped delivery deliver arrive arrived return returns
		 refund money back pay paying payment card cards store shop hours open close closed size sizes
		 price cost costs free change cancel wrong broken item items parcel package tracking number
		 buy bought send sent still already days week weeks today tomorrow there here some any all
		 u ur r pic hru tysm asap btw idk lol hiya howdy morning afternoon evening bye goodbye cheers
		 great perfect awesome cool okay sure our we us they them about after before just only
		 also if than then too very really guys sorry help talk person human receipt invoice
		 gift voucher discount code account password sign phone call weather movie
		 joke cook recipe football do`},
	{1,
		`hola gracias el los las es mi usted quiero puedo`,
		`y del al con cuando donde cuanto cuanta cuantos cuantas cual cuales quien hay
		 tengo tienes tiene tienen tenemos necesito quisiera podria podeis puedes pueden hacer hago
		 haceis estoy estan estas eso esto ese esa mis sus nuestro vuestro vosotros ustedes
		 muy pero tambien ya ahora hoy manana tarda tardan llega
		 llegar llego llegado tarjeta tienda tiendas devolucion dinero talla tallas cambiar
		 roto rota precio cuesta abierto cierra factura
		 buenas buenos bueno adios chao hasta luego saludos oye mira genial perfecto
		 senor senora ayuda ayudar hablar persona agente datos borrar baja
		 aun todavia sigue recibido recibir seguimiento zapatos zapatillas chaqueta
		 xq tmb k qtal porfa porfavor quiza gustaria deberia solo mejor peor
		 enviais devolveis recogida recoger aceptais aceptan aceptas`},
	{2,
		`ola oi obrigado obrigada voce meu minha quero posso`,
		`o os e na nas com pelo pela em um uma uns umas quando onde quanto quanta
		 quantos quantas qual quais quem tem tenho temos preciso gostaria queria poderia pode podem
		 fazer faco estou estao isso isto esse essa meus minhas seus suas nosso nossa vcs
		 voces muito tambem ja agora hoje amanha encomenda encomendas demora demoram
		 chega chegar chegou chegado cartao loja lojas devolucao dinheiro tamanho tamanhos
		 trocar troca avariado estragado partido preco custa portes frete aberta
		 fecha fatura bom boa tudo bem tchau adeus ate logo valeu brigado brigada obg
		 vc pra pro ta blz td tbm kd cade nao sim ainda recebi receber rastreio
		 sapatos tenis casaco camisola pagamento atendente pessoa falar ajuda ajudar dados
		 apagar parar sair alguem aceitam aceita enviam entregam
		 melhor pior fala`},
}

func init() {
	seen := map[string]int{}
	for _, l := range lists {
		for i, words := range []string{l.strong, l.normal} {
			w := 1.0
			if i == 0 {
				w = 2
			}
			for _, word := range strings.Fields(words) {
				word = fold(word)
				if prev, dup := seen[word]; dup {
					if prev != l.lang {
						panic("language: cue " + word + " in two languages")
					}
					continue
				}
				seen[word] = l.lang
				cues[word] = cue{l.lang, w}
			}
		}
	}
	// Two-word phrases whose words alone are shared or ambiguous.
	for p, l := range map[string]int{
		"buen dia": 1, "que tal": 1, "se puede": 1,
		"bom dia": 2, "boa tarde": 2, "boa noite": 2, "tudo bem": 2, "se pode": 2,
	} {
		phrases[p] = cue{l, 1}
		first, _, _ := strings.Cut(p, " ")
		phraseStarts[first] = true
	}
}
