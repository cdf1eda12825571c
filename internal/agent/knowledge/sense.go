package knowledge

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// A few words mean something else in a customer's question than they do
// in an article, whatever the shop. They are read here, on the folded
// words, before the query is analysed:
//
//   - a deadline ("until when can I return it?", "¿hasta cuándo…?", "até
//     quando…?", "how long do I have to…", "what's the deadline…") asks for
//     a period, not for the article whose heading says "when" ("When will
//     I get my refund?"): its question words are no topic, and passages that
//     state a period ("30 days", "14 días", "1 hora") are preferred, as
//     they are for a duration ("how long does it take", "cuánto tarda");
//   - "número" beside a shoe or a shoe size ("¿qué número calzo?", "número
//     42", "números de sapatos") is a size, not an order or tracking
//     number, and is searched as the language's word for size.

// timeCue is what a question asks about time.
type timeCue struct {
	deadline bool // by when something must be done: a period is the answer
	duration bool // how long something takes: a period is the answer too
	price    bool // how much something costs: an amount is the answer
}

// period reports whether the question is answered by a stated period.
func (c timeCue) period() bool { return c.deadline || c.duration }

// Deadline and duration phrases, as folded word sequences. A phrase
// matches as a run of words; "…" at its end matches whatever follows.
var (
	deadlinePhrases = phraseSet(`
		until when|till when|by when|up to when|how long do i have|how long have i got|how long have i|how long i have
		how much time do i have|how much time i have|how many days do i have|how many days i have|how long can i
		deadline|deadlines|time limit|last day|latest date|cut off date|cutoff date|return window|window
		hasta cuando|para cuando|cuanto tiempo tengo|cuanto tiempo hay|cuantos dias tengo|cuantos dias hay
		que plazo|plazo para|plazo de|plazo hay|plazo tengo|el plazo|fecha limite|ultimo dia|hasta que dia|hasta que fecha
		ate quando|quanto tempo tenho|quanto tempo ha|quantos dias tenho|quantos dias ha|qual o prazo|qual e o prazo
		prazo para|prazo de|prazo tenho|o prazo|data limite|ultimo dia|ate que dia|ate que data`)
	durationPhrases = phraseSet(`
		how long|how many days|how many hours|how many weeks
		how long does it last|how long is it valid|how long are they valid|how long is the
		cuanto tiempo|cuanto tarda|cuanto tardan|cuanto tardais|cuanto se tarda|cuantos dias|cuantas horas|cuantas semanas
		cuanto dura|cuanto duran|cuanto tiempo dura
		quanto tempo|quanto demora|quanto demoram|quanto leva|quantos dias|quantas horas|quantas semanas
		quanto dura|quanto duram|quanto tempo dura
		length|duration|duracion|duracao`)
	// deadlineWords are the words of a deadline phrase that would otherwise
	// be searched as topics: "when" meets a heading that asks "when", and
	// "plazo" a delivery article tagged with it.
	deadlineWords = set(`when until till deadline deadlines limit last latest date cut off cutoff window
		cuando plazo fecha limite ultimo
		quando prazo data ultimo`)
)

type phrases struct {
	seqs [][]string
	max  int
}

func phraseSet(s string) phrases {
	var p phrases
	for _, line := range strings.Split(s, "\n") {
		for _, ph := range strings.Split(line, "|") {
			if ws := strings.Fields(ph); len(ws) > 0 {
				p.seqs = append(p.seqs, ws)
				p.max = max(p.max, len(ws))
			}
		}
	}
	return p
}

// in reports whether words hold one of the phrases as a run.
func (p phrases) in(words []string) bool {
	return slices.Contains(p.marks(words), true)
}

// marks reports for each of words whether it is part of one of the
// phrases.
func (p phrases) marks(words []string) []bool {
	m := make([]bool, len(words))
	for _, s := range p.seqs {
		for i := 0; i+len(s) <= len(words); i++ {
			if slices.Equal(words[i:i+len(s)], s) {
				for j := range s {
					m[i+j] = true
				}
			}
		}
	}
	return m
}

// Arithmetic ("12 times 12", "8 por 7", "6 vezes 7") names no topic,
// whatever an article calls "Delivery times".
var (
	mathWords = set(`times plus minus divided multiplied x por mas menos dividido entre vezes mais multiplicado`)
)

// arithmetic reports whether folded words hold a number, an operator and
// a number in a row.
func arithmetic(words []string) bool {
	for i := 0; i+2 < len(words); i++ {
		if isDigit(words[i][0]) && mathWords[words[i+1]] && isDigit(words[i+2][0]) {
			return true
		}
	}
	return false
}

// "a plazos" and "em prestações" are instalments, not a deadline.
var instalments = phraseSet(`a plazos|en plazos|pagar a plazo|a prazo|em prestacoes`)

// readTime finds the time cue of folded words and returns the words a
// deadline leaves to search (its question words dropped).
func readTime(words []string) ([]string, timeCue) {
	var c timeCue
	c.deadline = deadlinePhrases.in(words) && !instalments.in(words)
	c.duration = durationPhrases.in(words) || asksExpiry(words)
	c.price = !c.period() && asksPrice(words)
	words = notTooLate(fromWords(words))
	if !c.deadline {
		return words, c
	}
	marks := deadlinePhrases.marks(words)
	out := make([]string, 0, len(words))
	for i, w := range words {
		if !marks[i] || !deadlineWords[w] {
			out = append(out, w)
		}
	}
	return out, c
}

// Periods in an article: a number, a range or a number word, then a unit
// of time ("30 days", "3–5 working days", "14 días", "um mês", "24 h").
var (
	periodNumbers = set(`one two three four five six seven eight nine ten twelve fifteen thirty
		un una uno dos tres cuatro cinco seis siete ocho nueve diez doce quince treinta
		um uma dois duas tres quatro cinco seis sete oito nove dez doze quinze trinta`)
	periodUnits = set(`h hour hours day days week weeks month months year years minute minutes min mins
		hora horas dia dias semana semanas mes meses ano anos minuto minutos`)
	periodFill = set(`working business calendar full`)
)

// statesPeriod reports whether text states a period of time.
func statesPeriod(text string) bool {
	words := fold.Words(text)
	for i, w := range words {
		if !isDigit(w[0]) && !periodNumbers[w] {
			continue
		}
		for j := i + 1; j < len(words) && j <= i+3; j++ {
			if periodUnits[words[j]] {
				return true
			}
			if !isDigit(words[j][0]) && !periodFill[words[j]] {
				break
			}
		}
	}
	return false
}

// Shoe words, in every language: a "número" beside one is a size.
var (
	shoeWords = set(`shoe shoes boot boots trainer trainers sneaker sneakers sandal sandals heels footwear
		zapato zapatos zapatilla zapatillas bota botas botin botines sandalia sandalias calzado calzo calzas calza calzar deportivas tacones
		sapato sapatos sapatilha sapatilhas tenis bota botas sandalia sandalias calcado calco calcas calcar chinelos`)
	numberWords = set(`numero numeros number`)
	// sizeWord is the word each language uses for a size.
	sizeWord = map[string]string{"en": "size", "es": "talla", "pt": "tamanho"}
	// otherNumbers are what a "número" is when they are near: an order,
	// a tracking code, a phone, an account or a card.
	otherNumbers = set(`order orders tracking track phone telephone mobile account card invoice reference
		pedido pedidos seguimiento telefono movil cuenta tarjeta factura referencia envio
		encomenda encomendas rastreio telefone telemovel celular conta cartao fatura referencia`)
)

var twoDigits = regexp.MustCompile(`^[0-9]{2}$`)

// shoeSize reports whether w is a plausible shoe size (EU 16 to 50, UK and
// US sizes are below and read as any number).
func shoeSize(w string) bool {
	if !twoDigits.MatchString(w) {
		return false
	}
	n, _ := strconv.Atoi(w)
	return n >= 16 && n <= 50
}

// readSize rewrites a "número" that means a size, and a shoe size beside
// a shoe ("¿tenéis el 42 en zapatillas?"), as lang's word for size.
func readSize(words []string, lang string) []string {
	size := sizeWord[lang]
	if size == "" {
		return words
	}
	shoe, other, number := false, false, false
	for i, w := range words {
		shoe = shoe || shoeWords[w]
		other = other || otherNumbers[w]
		number = number || numberWords[w] || shoeSize(w)
		if numberWords[w] && i+1 < len(words) && shoeSize(words[i+1]) {
			shoe = true
		}
	}
	if !shoe || other || !number {
		return words
	}
	out := make([]string, 0, len(words))
	for _, w := range words {
		switch {
		case numberWords[w] || shoeSize(w):
			if !slices.Contains(out, size) {
				out = append(out, size)
			}
		default:
			out = append(out, w)
		}
	}
	return out
}

// insteadPhrases introduce what the customer does not want: "store credit
// instead of a refund", "un vale en vez del dinero", "cartão em vez do
// reembolso".
var insteadPhrases = phraseSet(`instead of|rather than|in place of
	en vez de|en vez del|en lugar de|en lugar del
	em vez de|em vez do|em vez da|em lugar de|em lugar do|em lugar da|ao inves de|ao inves do|ao inves da`)

// wanted returns the words of a question up to what it says is not wanted
// ("instead of a refund"), for choosing the passage of the article found:
// the article is found with every word (the refunds article holds the
// store credit), the passage with what is asked for.
func wanted(words []string) []string {
	marks := insteadPhrases.marks(words)
	if i := slices.Index(marks, true); i > 0 {
		return words[:i]
	}
	return words
}

// contextWords say what the customer did or where they live, not what
// they ask about: every shop's customers bought something somewhere. One that no article uses is
// left out of the question instead of counting as an unknown topic ("can I
// return something I bought in the sale?"); one the articles use is
// searched, at a question word's weight (see expand): "quiero anular la
// compra" asks about the cancelling.
var contextWords = set(`buy buys buying bought purchase purchased purchases purchasing
	comprar compra compras compre compro compramos comprado comprada compraste compre
	comprei comprou compraram compramos adquiri adquirido
	live lives living vivo vive vivimos vivimos resido reside moro mora moramos`)

// Paying when the parcel comes ("can I pay when I receive it?", "¿puedo
// pagar cuando llegue?", "posso pagar quando receber?") is cash on
// delivery, not a question about receiving or refunds: the words from
// "when" to "receive" are read as the language's name for it, which a
// shop's synonyms may hold as a fixed phrase ("=contra reembolso").
var (
	payWords = set(`pay paying cash pagar pago pagas paga pagais pagamos pagando pagamento`)
	// payMeans are the payWords that name what is paid with.
	payMeans = set(`cash`)
	// whenWords join the payment to the delivery.
	whenWords = set(`when once on upon at cuando al en quando ao na no em`)
	// comeWords are the parcel's arrival.
	comeWords = set(`receive receiving receives get arrive arrives arriving arrival delivered delivery comes come
		recibir reciba recibo recibe recibas recibamos llegue llega llegar llegada entreguen entrega
		receber receba recebo recebe recebermos chegar chegue chega chegada entregarem entregue entrega`)
	onDelivery = map[string][]string{"en": {"cash", "on", "delivery"}, "es": {"pago", "en", "la", "entrega"}, "pt": {"pagamento", "na", "entrega"}}
)

// readPayOnDelivery rewrites a payment on the parcel's arrival as lang's
// name for cash on delivery.
func readPayOnDelivery(words []string, lang string) []string {
	name := onDelivery[lang]
	if name == nil {
		return words
	}
	for i, w := range words {
		if !payWords[w] {
			continue
		}
		for j := i + 1; j < len(words) && j <= i+6; j++ {
			if !whenWords[words[j]] {
				continue
			}
			for k := j + 1; k < len(words) && k <= j+3; k++ {
				if comeWords[words[k]] {
					// "cash when it comes": the name starts with the
					// means of payment, which it replaces; left twice,
					// the second "cash" finds whatever else says cash
					// (a gift card "cannot be exchanged for cash"). A
					// verb or noun of paying ("pago", "pagamento") stays:
					// it is the question's payment.
					from := j
					if w == name[0] && payMeans[w] {
						from = i
					}
					out := append(slices.Clone(words[:from]), name...)
					return append(out, words[k+1:]...)
				}
			}
		}
	}
	return words
}

// "Too late to cancel?" asks whether it still can be done: the lateness is
// not a late parcel's.
var tooLate = phraseSet(`too late|demasiado tarde|muy tarde|tarde demais|demasiado tarde|muito tarde`)

var lateWords = set(`late tarde`)

func notTooLate(words []string) []string {
	marks := tooLate.marks(words)
	if !slices.Contains(marks, true) {
		return words
	}
	out := make([]string, 0, len(words))
	for i, w := range words {
		if !marks[i] || !lateWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// "A partir de" is "from" in Spanish and Portuguese ("devolver a partir
// dos Açores"), not the verb that meets "partido" (broken).
func fromWords(words []string) []string {
	for i := 0; i+1 < len(words); i++ {
		if words[i] == "a" && words[i+1] == "partir" {
			return append(slices.Clone(words[:i+1]), words[i+2:]...)
		}
	}
	return words
}

// Getting something back ("do I get the delivery cost back?", "when do I
// get my money back", "will I get it back?") is a refund, whatever is got
// back; "back" alone is also sending a parcel back (a return).
// "Have I got to send it back?" is a return: a verb of sending, or "have
// got" (must), between the two leaves them alone.
var (
	getWords  = set(`get gets got getting receive receives received`)
	sendWords = set(`send sent sending post posted mail ship shipped bring take return returned give`)
)

func readGetBack(words []string) []string {
	for k, w := range words {
		if w != "back" {
			continue
		}
		for j := max(0, k-4); j < k; j++ {
			if getWords[words[j]] && !(j > 0 && words[j] == "got" && slices.Contains([]string{"have", "ve", "has"}, words[j-1])) &&
				!slices.ContainsFunc(words[j+1:k], func(w string) bool { return sendWords[w] }) {
				out := slices.Clone(words)
				out[k] = "refund"
				return out
			}
		}
	}
	return words
}

// The customer saying who they are ("for customers in France", "soy
// cliente", "para clientes de Italia") asks nothing about customers: the
// word is left out, unless it is part of "customer service", "atención al
// cliente" or "apoio ao cliente".
var (
	askerWords   = set(`customer customers client clients cliente clientes`)
	serviceWords = set(`service services support care servicio servicios atencion soporte apoio atendimento servico al ao`)
)

func readAsker(words []string) []string {
	for i, w := range words {
		if !askerWords[w] || i+1 < len(words) && serviceWords[words[i+1]] || i > 0 && serviceWords[words[i-1]] {
			continue
		}
		return readAsker(append(slices.Clone(words[:i]), words[i+1:]...))
	}
	return words
}

// The weather ("what's the weather like tomorrow?", "¿qué tiempo va a
// hacer mañana?", "que tempo vai fazer amanhã?", "will it rain?", "¿va a
// llover?", "vai chover?") is no shop's topic: "tiempo" and "tempo" are
// also time, and would meet a delivery time or the contact hours. Only
// phrases that are the weather are read ("hace tiempo" alone is "a while
// ago", "quanto tempo faz" how long ago).
var weatherPhrases = phraseSet(`
	the weather|weather like|weather forecast|weather today|weather tomorrow|weather in|weather be|the forecast
	going to rain|gonna rain|will it rain|is it raining|going to snow|will it snow|is it sunny|how hot is it|how cold is it
	que tiempo hace|que tiempo va a hacer|que tiempo hara|tiempo va a hacer|va a hacer buen tiempo|va a hacer mal tiempo
	hace buen tiempo|hace mal tiempo|hara buen tiempo|hara mal tiempo|el tiempo manana|el tiempo hoy|prevision del tiempo
	va a llover|llovera|esta lloviendo|va a nevar|nevara|hace calor|hace frio|va a hacer calor|va a hacer frio
	que tempo faz|que tempo vai fazer|que tempo vai estar|que tempo fara|tempo vai fazer|vai fazer bom tempo|vai fazer mau tempo
	faz bom tempo|faz mau tempo|o tempo amanha|o tempo hoje|previsao do tempo|previsao meteorologica
	vai chover|chovera|esta a chover|esta chovendo|vai nevar|faz calor|faz frio|vai fazer calor|vai fazer frio`)

// asksWeather reports whether folded words ask about the weather.
func asksWeather(words []string) bool { return weatherPhrases.in(words) }

// Not wanting the shop's promotional messages any more ("I don't want any
// more offers", "stop sending me promotions", "no quiero recibir más
// publicidad", "não quero receber mais mensagens de promoções") is a
// withdrawal of marketing consent, whatever the message's other words:
// they name the promotions, which a discount-code article also does. The
// question is read as the language's words of that withdrawal, which find
// the privacy article's opt-out instruction (STOP, BAJA, PARAR). Not
// wanting to receive a parcel ("I don't want to receive the parcel at
// home") names no message: it is left alone.
var (
	refusePhrases = phraseSet(`
		dont want|do not want|don t want|no longer want|stop sending|stop sending me|stop emailing|stop messaging|no more|unsubscribe|opt out
		no quiero|no deseo|ya no quiero|dejad de enviarme|dejen de enviarme|deja de enviarme|dejad de mandarme|dejen de mandarme|no me envieis|no me envien|no me mandeis|no me manden|darme de baja|dar de baja
		nao quero|ja nao quero|nao desejo|parem de me enviar|parem de me mandar|pare de me enviar|pare de me mandar|nao me enviem|nao me mandem|descadastrar|cancelar a subscricao`)
	promoWords = set(`message messages promotion promotions promo promos offer offers ad ads advert adverts advertising marketing newsletter newsletters spam deals
		mensaje mensajes promocion promociones oferta ofertas publicidad anuncios marketing boletin newsletter spam
		mensagem mensagens promocao promocoes oferta ofertas publicidade anuncios marketing boletim newsletter spam`)
	withdrawal = map[string][]string{
		"en": {"withdraw", "consent", "marketing", "messages"},
		"es": {"retirar", "consentimiento", "mensajes", "comerciales"},
		"pt": {"retirar", "consentimento", "mensagens", "marketing"},
	}
)

// readOptOut rewrites a refusal of promotional messages as lang's words
// for withdrawing marketing consent.
func readOptOut(words []string, lang string) []string {
	name := withdrawal[lang]
	if name == nil || !refusePhrases.in(words) || !slices.ContainsFunc(words, func(w string) bool { return promoWords[w] }) {
		return words
	}
	return slices.Clone(name)
}

// Money or a cost given back ("¿los gastos de envío se devuelven?", "os
// portes são devolvidos?", "el dinero me lo devolvéis a la tarjeta?") is
// a refund, whatever verb says it: "devolver" is also sending an item
// back (a return), but money is not sent back by the customer. Only the
// verb's forms of the shop giving back are read ("devolvéis", "são
// devolvidos"), not the customer's "devuelvo" or the noun "devolución".
var (
	moneyWords = set(`money cost costs shipping postage fee fees refund
		dinero importe coste costes gastos portes envio pago
		dinheiro valor custo custos portes envio frete pagamento`)
	givenBackWords = set(`devuelto devuelta devueltos devueltas devolveis devuelven devuelve devolvereis devolveran devolvera
		devolvido devolvida devolvidos devolvidas devolvem devolve devolverao devolvera`)
	refundWord = map[string]string{"en": "refund", "es": "reembolso", "pt": "reembolso"}
)

// readMoneyBack rewrites the shop's giving back of money or a cost as
// lang's word for a refund.
func readMoneyBack(words []string, lang string) []string {
	word := refundWord[lang]
	if word == "" || !slices.ContainsFunc(words, func(w string) bool { return moneyWords[w] }) {
		return words
	}
	i := slices.IndexFunc(words, func(w string) bool { return givenBackWords[w] })
	if i < 0 {
		return words
	}
	out := slices.Clone(words)
	out[i] = word
	return out
}
