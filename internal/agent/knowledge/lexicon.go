package knowledge

import (
	"regexp"
	"slices"
	"strings"
)

// The built-in lexicon is what the agent knows of shop vocabulary before
// it reads a business's articles: the words customers of any online shop
// use for a few things the articles name otherwise. It is added to every
// knowledge base's own synonyms.txt and neutral.txt (a group only works
// where some member is in an article), so a shop writes "American Express"
// and "plazos" once and the customer's "amex" and "cuotas" find them.

// lexiconSynonyms are concept groups, in the synonyms.txt format (a member
// written "=words" is a fixed phrase). They are e-commerce vocabulary in
// English, Spanish and Portuguese, not any shop's.
var lexiconSynonyms = [][]string{
	// Payment brands and ways to pay.
	{"amex", "american express"},
	{"card", "tarjeta", "cartão", "visa", "mastercard", "maestro", "amex", "american express"},
	{"instalments", "installments", "instalment", "installment", "monthly payments", "financing", "finance",
		"cuotas", "cuota", "=a plazos", "=en plazos", "financiar", "financiación", "fraccionar", "aplazar",
		"=em parcelas", "=parcelado", "financiamento", "=split the payment", "=spread the cost", "=pay monthly", "=pay in months",
		"=pagar en meses", "=dividir el pago", "=pagar em meses", "=dividir o pagamento"},
	// Notes and coins, and who brings the parcel.
	{"cash", "efectivo", "=en efectivo", "=dinero en efectivo", "=dinheiro vivo", "numerário", "=em numerário"},
	{"courier", "carrier", "=delivery guy", "=delivery man", "=delivery driver", "repartidor", "repartidora", "mensajero",
		"transportista", "estafeta", "transportadora", "entregador", "motorista"},
	// Getting the money back, cancelling.
	{"refund", "refunds", "money back", "reimbursement", "reembolso", "reembolsos", "dinero de vuelta", "estorno", "dinheiro de volta",
		// Giving the money back is a refund, not a return: its "devolver"
		// is not the customer's "quiero devolver unos pantalones".
		"=devolución del dinero", "=devolver el dinero", "=devolvéis el dinero", "=devuelven el dinero", "=devolvemos el dinero",
		"=devolução do dinheiro", "=devolver o dinheiro", "=devolvem o dinheiro", "=devolvemos o dinheiro"},
	{"cancel", "cancelled", "canceled", "cancellation", "cancelar", "cancelé", "canceló", "anular", "anulado", "anulé", "anulación",
		"cancelei", "cancelou", "anulei", "anulou", "cancelamento", "anulação"},
	// Delivery the next day.
	{"next day", "next-day", "overnight", "express", "exprés", "urgente", "día siguiente", "expresso", "dia seguinte"},
	// What something costs.
	{"cost", "costs", "price", "prices", "fee", "fees", "rate", "rates", "charge", "how much",
		"coste", "costes", "precio", "precios", "tarifa", "tarifas", "cuánto cuesta",
		"custo", "custos", "preço", "preços", "quanto custa"},
	// What sending a parcel costs.
	{"postage", "shipping"},
	// How long something stays valid.
	{"expire", "expires", "expired", "expiry", "expiration", "validity", "valid", "caducidad", "caducar", "caduca", "caducan", "caducado",
		"vencimiento", "vence", "vencen", "validez", "válido", "válida", "validade", "expira", "expiram", "expirar", "vencimento",
		"expiry date", "expiration date", "fecha de caducidad", "fecha de vencimiento", "data de validade", "prazo de validade"},
	// Holidays, for opening hours and delivery dates.
	{"holiday", "holidays", "bank holiday", "public holiday", "festivo", "festivos", "feriado", "feriados", "nochebuena", "nochevieja",
		"christmas eve", "véspera de natal", "consoada", "passagem de ano", "réveillon"},
	{"christmas", "xmas", "navidad", "navidades", "natal"},
	{"importe", "amount", "valor", "montante"},
	{"cheap", "cheapest", "cheaper", "barato", "baratos", "más barato", "mais barato", "económico", "económica"},
	// Accounts.
	{"password", "contraseña", "clave", "palavra-passe", "senha", "passcode"},
	{"forgot", "forget", "forgotten", "=can't remember", "=cannot remember", "=don't remember", "olvidado", "olvidé", "olvidar",
		"=no me acuerdo", "=no recuerdo", "esqueci", "esqueceu", "esquecer", "=não me lembro"},
	// Marketing messages.
	{"marketing", "advertising", "adverts", "ads", "spam", "newsletter", "newsletters", "unsubscribe",
		"publicidad", "comerciales", "publicitarios", "=dar de baja", "=darme de baja",
		"publicidade", "publicitárias", "=cancelar a subscrição"},
	// A parcel that does not move, one that arrives damaged.
	{"moved", "move", "moving", "movement", "updated", "update", "moverse", "mueve", "movido", "movimiento", "actualizado", "actualiza",
		"mexe", "mexer", "mexeu", "movimento", "atualizado", "atualiza", "parado"},
	{"damaged", "crushed", "dented", "smashed", "dañado", "aplastado", "abollado", "danificado", "amassado", "esmagado"},
	{"box", "packaging", "packing", "caja", "embalaje", "caixa", "embalagem"},
	{"hole", "holes", "torn", "ripped", "tear", "agujero", "rasgado", "rasgada", "buraco", "furo", "rasgão"},
	{"exchange", "swap", "swop"},
	{"size chart", "size guide", "sizing chart", "size table", "tabla de tallas", "guía de tallas", "tabla de medidas",
		"tabela de medidas", "tabela de tamanhos", "guia de tamanhos"},
	{"swimwear", "swimsuit", "bikini", "bathing suit", "bañador", "bañadores", "biquini", "biquíni", "fato de banho", "fatos de banho"},
	// Personal data.
	{"copy", "export", "copia", "exportar", "cópia"},
	// A person.
	{"person", "someone", "somebody", "persona", "alguien", "pessoa", "alguém"},
	// Islands a parcel goes to: their names are the archipelago's.
	{"canary islands", "canaries", "canarias", "canárias", "tenerife", "lanzarote", "fuerteventura", "gran canaria"},
	{"balearic islands", "balearics", "baleares", "mallorca", "majorca", "menorca", "minorca", "ibiza", "formentera"},
	{"azores", "açores", "são miguel", "terceira", "faial", "pico"},
	{"madeira", "funchal", "porto santo"},
	// Reaching the shop by phone.
	{"phone", "telephone", "call", "calling", "ring", "phone number", "teléfono", "llamar", "llamo", "llamaros", "llamada",
		"telefonear", "telefone", "telemóvel", "ligar", "ligo", "telefonar", "chamada"},
	// Mending what broke.
	{"repair", "repaired", "fix", "fixed", "mend", "reparar", "reparación", "arreglar", "arreglo", "arreglan",
		"reparação", "consertar", "conserto", "arranjar"},
	// Changing what was ordered.
	{"change", "modify", "edit", "alter", "amend", "cambiar", "modificar", "editar", "alterar", "mudar", "trocar"},
	// A parcel that is held up somewhere.
	{"stuck", "held up", "not moving", "has not moved", "atascado", "atascada", "retenido", "retenida", "parado", "parada",
		"preso", "presa", "retida", "encalhado", "encalhada"},
	// Later than expected.
	{"late", "delay", "delayed", "taking ages", "taking forever", "slow", "retraso", "retrasado", "retrasada", "tarde", "lento",
		"atraso", "atrasado", "atrasada", "demorado", "demorada"},
	// Worn or used goods.
	{"worn", "wore", "unused", "used once", "usado", "usada", "=sin usar", "usei", "=por usar"},
	// A parcel getting to the customer.
	{"arrive", "arrives", "arrival", "reach", "reaches", "come", "comes", "get here", "get there"},
	// A part that came away.
	{"came off", "come off", "coming off", "fell off", "came away", "came loose", "detached", "despegado", "despegada", "despegó",
		"despegar", "se despegó", "se soltó", "descolou", "descolar", "descolado", "descolada", "soltou-se", "caiu"},
	// Where a parcel goes.
	{"address", "flat number", "house number", "street", "postcode", "post code", "dirección", "domicilio", "código postal",
		"número de piso", "morada", "endereço", "número da porta", "código-postal"},
	// A present for someone.
	{"gift", "present", "birthday", "bday", "regalo", "regalar", "cumpleaños", "cumple", "presente", "prenda", "oferta", "aniversário", "prenda de anos"},
	// Opening hours: when a place shuts (not Portuguese "fecha", the
	// Spanish for a date).
	{"close", "closes", "closing", "closed", "shut", "shuts", "shutting", "cierra", "cierran", "cerráis", "cerrar", "cerrado", "cerrada"},
	// Paying with a phone.
	{"apple pay", "google pay", "samsung pay", "apple wallet", "google wallet", "wallet", "mobile payment", "contactless",
		"=pay with my phone", "=pay by phone", "=pay with the phone", "=pagar con el móvil", "=pagar con el celular", "=pagar con mi móvil",
		"=pagar com o telemóvel", "=pagar com o celular", "=pagar pelo telemóvel", "=pagar pelo celular"},
	// A mistake the customer made.
	{"wrong", "mistake", "typo", "incorrect", "=made a mistake", "equivocada", "equivocado", "equivoqué", "equivocarme", "error", "errónea",
		"errada", "errado", "enganei", "engano", "errei", "enganado", "enganada"},
	// Customer service.
	{"customer service", "customer support", "support", "helpdesk", "help desk", "atención al cliente", "servicio al cliente", "soporte",
		"apoio ao cliente", "atendimento", "suporte"},
}

// lexiconNeutral are words that name no topic in any shop ("options",
// "eve"). They are left out of a question like the shop's own neutral.txt
// words, unless an article uses them.
var lexiconNeutral = strings.Fields(`option options way ways choice choices opcion opciones opcao opcoes eve vispera vespera
	app website web site aplicacion aplicacao pagina maximum max maximo minimum minimo
	basket cart carrito cesta carrinho branch branches outlet sucursal sucursales filial filiais`)

// lexiconPlaces is a small gazetteer of where a parcel goes: continents,
// countries and big cities, in English, Spanish and Portuguese. A place
// is left out of a question about sending something there ("how long to
// ship to Australia?" asks about delivery times), unless an article names
// it ("Madrid" in a store's address); elsewhere it is a word like any other
// ("how much is a flight to London?" is not about the shop).
var lexiconPlaces = strings.Fields(`
	europe europa africa asia oceania
	spain espana espanha portugal france francia franca germany alemania alemanha italy italia
	belgium belgica netherlands holland holanda paises bajos baixos luxembourg luxemburgo ireland irlanda
	austria switzerland suiza suica poland polonia sweden suecia suecia norway noruega denmark dinamarca
	finland finlandia greece grecia grecia czechia chequia checa republica croatia croacia romania rumania romenia
	hungary hungria bulgaria slovakia eslovaquia slovenia eslovenia estonia latvia letonia lithuania lituania
	cyprus chipre malta iceland islandia turkey turquia russia rusia ukraine ucrania morocco marruecos marrocos
	uk britain england inglaterra scotland escocia wales gales
	usa america eeuu eua canada mexico brazil brasil argentina chile colombia peru venezuela uruguay uruguai
	paraguay paraguai ecuador equador bolivia cuba
	australia new zealand nueva zelanda nova zelandia japan japon japao china india korea corea coreia
	singapore singapur singapura israel egypt egipto egito emirates emiratos emirados dubai qatar
	angola mozambique mocambique cabo verde guinea south sudafrica sul
	london londres paris berlin berlim rome roma milan milan milao amsterdam brussels bruselas bruxelas
	vienna viena prague praga warsaw varsovia dublin munich munique hamburg hamburgo frankfurt zurich
	geneva ginebra genebra stockholm estocolmo copenhagen copenhague copenhaga oslo helsinki athens atenas
	new york nueva york nova iorque miami los angeles toronto sydney melbourne tokyo tokio toquio
	sao paulo rio janeiro buenos aires bogota lima santiago
	barcelona valencia sevilla seville sevilha malaga bilbao zaragoza murcia alicante granada cordoba
	valladolid vigo gijon coruna salamanca cadiz toledo pamplona santander
	lisbon lisboa braga coimbra faro aveiro setubal evora viseu leiria guimaraes funchal
`)

// shipWords say that something is sent somewhere: a place beside one is a
// destination.
var shipWords = set(`ship ships shipping shipped shipment deliver delivers delivery delivered deliveries send sent sending
	arrive arrives arrival arriving reach reaches take takes parcel package postage post courier dispatch come comes get
	envio envios enviar envian enviais envias envia enviamos enviais mandar mandais mandan entrega entregas entregar entregan entregais
	llegar llega llegue llegan llegara tarda tardan tardais paquete portes
	enviam entregam chegar chega chegue chegam chegara demora demoram encomenda pacote frete`)

// destWords name, per language, what a destination beside a word for
// sending asks about: the delivery.
var destWords = map[string]string{"en": "delivery", "es": "entrega", "pt": "entrega"}

// addLexicon adds the built-in lexicon to an index: its neutral words and
// places the articles do not use (its synonyms are added with the
// knowledge base's, see New).
func (ix *index) addLexicon() {
	var neutral []string
	for _, w := range lexiconNeutral {
		if _, ok := ix.surface[w]; !ok {
			neutral = append(neutral, w)
		}
	}
	ix.addNeutral(neutral)
	ix.places = map[string]bool{}
	for _, w := range lexiconPlaces {
		if _, ok := ix.surface[w]; !ok {
			ix.places[w] = true
		}
	}
}

// A question about the assistant itself ("are you a bot?", "¿hablo con una
// persona?", "estou a falar com um robô?") is answered by the assistant,
// whatever the articles say: trement's assistant says it is an AI and that
// a person can take over.
var (
	botWords   = set(`bot bots chatbot chatbots robot robots robo robos machine maquina automated automatic automatico automatica automatizado automatizada`)
	botPhrases = phraseSet(`an ai|a ai|una ia|uma ia|um ia|artificial intelligence|inteligencia artificial
		are you human|are you a human|are you a person|are you a real person|are you real|is this a real person|is this a person|is this a human
		real person or|a person or|human or|persona real o|una persona o|humano o|pessoa real ou|uma pessoa ou|humano ou
		eres humano|eres humana|eres una persona|eres real|es una persona real|eres una maquina
		es humano|e humano|es uma pessoa|e uma pessoa|es real|e real|voce e humano|vc e humano|voce e uma pessoa|vc e uma pessoa`)
	// selfWords ask about who writes: "are you", "am I talking to", "is this".
	selfWords = set(`you u are am this talking chatting speaking writing
		eres sois es estoy hablo hablando escribiendo esto este usted tu
		es e estou falo falando escrevendo isto isso este voce vc tu`)
	// shoppingWords ask about a product, not the assistant: "do you sell
	// robot vacuums?".
	shoppingWords = set(`sell sells have buy price stock vendeis venden vendes teneis tienen hay comprar precio
		vendem vende tem teem temos comprar preco`)
)

// selfQuestion reports whether folded words ask whether the customer is
// talking to a machine or a person.
func selfQuestion(words []string) bool {
	if len(words) == 0 || len(words) > 14 || slices.ContainsFunc(words, func(w string) bool { return shoppingWords[w] }) {
		return false
	}
	if botPhrases.in(words) {
		return true
	}
	bot := slices.ContainsFunc(words, func(w string) bool { return botWords[w] })
	self := slices.ContainsFunc(words, func(w string) bool { return selfWords[w] })
	return bot && self
}

// selfReply is the assistant's answer about itself in lang.
func selfReply(lang, business string) string {
	t := map[string][2]string{
		"en": {"I'm the virtual assistant of %s, an AI assistant: I answer from the shop's own information. If you'd rather talk to a person, just ask and a member of our team will take over the conversation.", "our shop"},
		"es": {"Soy el asistente virtual de %s, un asistente de IA: respondo con la información de la tienda. Si prefieres hablar con una persona, pídelo y alguien de nuestro equipo seguirá la conversación.", "nuestra tienda"},
		"pt": {"Sou o assistente virtual de %s, um assistente de IA: respondo com a informação da loja. Se preferir falar com uma pessoa, peça e alguém da nossa equipa continua a conversa.", "a nossa loja"},
	}[lang]
	if t[0] == "" {
		return selfReply("en", business)
	}
	name := strings.TrimSpace(business)
	if name == "" {
		name = t[1]
	}
	return strings.Replace(t[0], "%s", name, 1)
}

// Whether something expires ("do gift cards expire?", "¿tienen fecha de
// caducidad?", "qual a validade?") asks for a period, as "how long" does.
var expiryWords = set(`expire expires expired expiry expiration validity caducidad caducar caduca caducan caducado caducada
	vencimiento vence vencen validez validade expira expiram expirar vencimento vence vencem`)

// asksExpiry reports whether folded words ask whether something expires.
func asksExpiry(words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return expiryWords[w] })
}

// A question about a price ("how much is shipping?", "¿cuánto cuestan los
// portes?", "qual o valor do frete?") is answered by a passage that states
// one, as a question about a duration is by one that states a period.
var (
	pricePhrases = phraseSet(`how much|cost|costs|price|prices|charge|charges|fee|fees|pricing|cheap|cheapest|expensive
		cuanto cuesta|cuanto cuestan|cuanto vale|cuanto valen|cuanto es|cuanto sale|cuanto cobrais|cuanto cobran|importe|precio|precios|coste|costes|costo|tarifa|tarifas|barato|caro
		quanto custa|quanto custam|quanto e|quanto sao|quanto fica|quanto pago|preco|precos|custo|custos|valor|portes|frete|tarifa|barato|caro
		do i pay|do i have to pay|is it free|is it paid|tengo que pagar|hay que pagar|se paga|es de pago|cuesta algo|cuesta dinero|tiene coste
		tenho de pagar|tenho que pagar|e pago|e paga|e gratis|tem custo`)
	priceText = regexp.MustCompile(`[€$£]\s?[0-9]|[0-9]\s?(€|\$|£|eur\b|euros?\b|usd\b)`)
)

// priceWords are the single words of pricePhrases: one no article uses
// ("cheapest") asks for a price, which the cue finds, rather than naming
// an unknown topic.
var priceWords = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range pricePhrases.seqs {
		if len(s) == 1 {
			m[s[0]] = true
		}
	}
	return m
}()

// priceTerms are the query terms of pricePhrases' price words in every
// language: the stems of its single words ("cost", "fee") and of its
// question-word phrases ("how much", "cuánto cuesta"), and those phrases
// as the query analysis joins them.
var priceTerms = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range pricePhrases.seqs {
		if len(s) > 2 || len(s) == 2 && !analyzers["en"].light[s[0]] && !analyzers["es"].light[s[0]] && !analyzers["pt"].light[s[0]] {
			continue // "do i pay", "tengo que pagar": a verb, not a price word
		}
		for _, an := range analyzers {
			if ts := an.terms(s); len(ts) > 0 {
				m[strings.Join(ts, " ")] = true
				for _, t := range ts {
					m[t] = true
				}
			}
		}
	}
	return m
}()

// priceBoost multiplies the score of a passage stating an amount for a
// question about a price: more than a period's (periodBoost), since a
// price question often names nothing but what is paid for ("the
// cheapest shipping?"), which the delivery times name too.
const priceBoost = 1.4

// asksPrice reports whether folded words ask for a price.
func asksPrice(words []string) bool { return pricePhrases.in(words) }

// statesPrice reports whether text states an amount of money.
func statesPrice(text string) bool { return priceText.MatchString(strings.ToLower(text)) }
