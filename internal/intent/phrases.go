package intent

import (
	"fmt"
	"slices"
	"strings"
)

// langSet is a set of languages as bits.
type langSet uint8

const (
	en langSet = 1 << iota
	es
	pt
	allLangs = en | es | pt
)

var langCodes = []struct {
	bit  langSet
	code string
}{{en, "en"}, {es, "es"}, {pt, "pt"}}

// entry is what a command phrase means.
type entry struct {
	kind  Kind
	langs langSet
	bare  bool // politeness only, no lead-in ("quiero cancelar" is not an opt-out)
}

// phraseList is one kind's phrases in one language. Phrases are written
// naturally, with accents and punctuation; they are normalised at init.
type phraseList struct {
	kind    Kind
	lang    langSet
	bare    bool
	phrases []string
}

// lists holds every command phrase. Answers, confirmations and "not
// helpful" phrases are bare: they never take a lead-in.
var lists = []phraseList{
	// OptOut.
	{OptOut, en, false, []string{
		"stopall", "stop all", "unsubscribe", "unsubscribe me", "opt out", "optout",
		"no more messages", "stop messages", "stop the messages", "stop messaging me",
		"stop sending messages", "stop sending me messages", "stop texting me",
		"stop writing to me", "don't message me", "do not message me", "don't text me",
		"don't contact me", "do not contact me", "remove me", "remove me from this list",
		"take me off this list", "take me off your list", "leave me alone",
		"I don't want more messages", "I don't want any more messages",
		"I don't want to receive messages", "I do not want more messages",
	}},
	{OptOut, en, true, []string{"cancel", "quit"}},
	// STOP and START are used as-is in every language.
	{OptOut, allLangs, false, []string{"stop"}},
	{OptOut, es, false, []string{
		"baja", "darme de baja", "dar de baja", "dame de baja", "denme de baja",
		"me doy de baja", "parar", "cancelar suscripción", "anular suscripción",
		"desuscribir", "desuscribirme", "no más mensajes", "no quiero más mensajes",
		"no quiero recibir más mensajes", "no quiero recibir mensajes",
		"no me escriban más", "no me escribas más", "no me manden más mensajes",
		"no me envíen más mensajes", "dejen de escribirme", "deja de escribirme",
		"dejen de enviarme mensajes", "deja de enviarme mensajes", "no me contacten más",
	}},
	{OptOut, es, true, []string{"para", "basta", "salir", "cancelar"}},
	{OptOut, pt, false, []string{
		"sair", "parar", "pare", "descadastrar", "descadastre", "me descadastre",
		"descadastrar-me", "cancelar inscrição", "cancelar assinatura",
		"não quero mais mensagens", "não quero receber mais mensagens",
		"não quero receber mensagens", "não me mande mais mensagens",
		"não mande mais mensagens", "não me enviem mais mensagens",
		"parem de me mandar mensagens", "pare de me mandar mensagens",
		"pare de me enviar mensagens", "sem mais mensagens",
	}},
	{OptOut, pt, true, []string{"para", "chega", "cancelar"}},

	// OptIn.
	{OptIn, en, false, []string{
		"unstop", "resume", "subscribe", "start again", "restart",
		"opt in", "optin", "send me messages again", "start messages",
	}},
	{OptIn, allLangs, false, []string{"start"}},
	{OptIn, es, false, []string{
		"alta", "darme de alta", "dar de alta", "dame de alta", "volver", "reanudar",
		"volver a recibir mensajes", "activar mensajes", "suscribirme",
	}},
	{OptIn, pt, false, []string{
		"voltar", "retomar", "reativar", "reativar mensagens",
		"voltar a receber mensagens", "ativar mensagens",
	}},

	// Help.
	{Help, en, false, []string{"help", "commands", "what can you do"}},
	{Help, es, false, []string{"ayuda", "comandos", "qué puedes hacer"}},
	{Help, pt, false, []string{"ajuda", "comandos", "o que você pode fazer"}},

	// Human.
	{Human, en, false, []string{
		"human", "agent", "person", "operator", "representative", "real person",
		"a human", "a person", "an agent", "a real person", "human agent", "live agent",
		"talk to a person", "talk to a human", "talk to an agent", "talk to someone",
		"talk to a real person", "talk with a person", "talk with a human",
		"speak to a person", "speak to a human", "speak to an agent", "speak to someone",
		"speak with a person", "speak with a human", "speak with an agent",
		"connect me to an agent", "transfer me to an agent", "transfer me to a human",
	}},
	{Human, es, false, []string{
		"agente", "humano", "persona", "operador", "asesor", "una persona", "un humano",
		"un agente", "un asesor", "persona real", "una persona real",
		"hablar con una persona", "hablar con un humano", "hablar con un agente",
		"hablar con alguien", "hablar con un asesor", "hablar con una persona real",
		"hablar con un operador", "pásame con una persona", "pásame con un agente",
		"páseme con un agente", "páseme con una persona", "comunicarme con un asesor",
		"atención humana", "que me atienda una persona", "que me atienda un humano", "que me atienda alguien",
		"me atienda una persona", "atención por una persona", "hablar con alguien del equipo",
	}},
	{Human, pt, false, []string{
		"atendente", "humano", "pessoa", "operador", "um atendente", "uma pessoa",
		"um humano", "pessoa real", "uma pessoa real", "falar com um atendente",
		"falar com uma pessoa", "falar com um humano", "falar com alguém",
		"falar com atendente", "falar com um operador", "falar com uma pessoa real",
		"atendimento humano", "me passa para um atendente", "me transfere para um atendente",
		"falar com alguém da equipa", "falar com alguém da equipe", "que me atenda uma pessoa",
		"ser atendido por uma pessoa",
	}},

	// Access.
	{Access, en, false, []string{
		"my data", "my information", "my personal data", "access my data",
		"show my data", "see my data", "get my data", "copy of my data",
		"a copy of my data", "send me my data", "download my data", "export my data",
		"what data do you have", "what data do you have about me",
		"what do you know about me",
	}},
	{Access, es, false, []string{
		"mis datos", "mis datos personales", "ver mis datos", "acceso a mis datos",
		"acceder a mis datos", "copia de mis datos", "una copia de mis datos",
		"qué datos tienen de mí", "qué datos tienen sobre mí", "qué saben de mí",
		"envíame mis datos", "descargar mis datos",
	}},
	{Access, pt, false, []string{
		"meus dados", "meus dados pessoais", "ver meus dados", "acessar meus dados",
		"acesso aos meus dados", "cópia dos meus dados", "uma cópia dos meus dados",
		"quais dados vocês têm", "quais dados vocês têm sobre mim",
		"o que vocês sabem sobre mim", "me envie meus dados", "baixar meus dados",
	}},

	// Erase.
	{Erase, en, false, []string{
		"delete my data", "erase my data", "remove my data", "delete my information",
		"erase my information", "delete my personal data", "delete all my data",
		"erase all my data", "forget me", "delete my account", "delete my number",
		"right to be forgotten",
	}},
	{Erase, es, false, []string{
		"borrar mis datos", "borra mis datos", "borren mis datos", "eliminar mis datos",
		"elimina mis datos", "eliminen mis datos", "borrar mis datos personales",
		"eliminar mis datos personales", "suprimir mis datos", "supriman mis datos",
		"borrar todos mis datos", "eliminar todos mis datos", "olvídame", "olvídenme",
		"borrar mi cuenta", "eliminar mi cuenta", "derecho al olvido",
		"borrar mi número", "cancelación de mis datos",
	}},
	{Erase, pt, false, []string{
		"apagar meus dados", "apague meus dados", "apaguem meus dados",
		"excluir meus dados", "exclua meus dados", "excluam meus dados",
		"deletar meus dados", "delete meus dados", "eliminar meus dados",
		"apagar meus dados pessoais", "excluir meus dados pessoais",
		"apagar todos os meus dados", "excluir todos os meus dados",
		"me esqueçam", "esqueçam-me", "apagar minha conta", "excluir minha conta",
		"direito ao esquecimento",
	}},

	// EraseConfirm: the reply policy.ErasurePhrase asks for, and close variants.
	{EraseConfirm, en, true, []string{
		"yes delete", "yes delete my data", "yes delete it", "yes delete everything",
		"yes erase", "yes erase my data", "confirm delete", "confirm deletion",
		"I confirm deletion",
	}},
	{EraseConfirm, es, true, []string{
		"sí borrar", "sí borrar mis datos", "sí borra", "sí bórralos", "sí borrarlos",
		"sí eliminar", "sí eliminar mis datos", "confirmo borrar", "confirmo el borrado",
	}},
	{EraseConfirm, pt, true, []string{
		"sim apagar", "sim apagar meus dados", "sim apague", "sim excluir",
		"sim excluir meus dados", "confirmo apagar", "confirmo a exclusão",
	}},

	// Privacy.
	{Privacy, en, false, []string{
		"privacy", "privacy policy", "privacy notice", "privacy statement",
		"data protection", "how do you use my data", "gdpr",
	}},
	{Privacy, es, false, []string{
		"privacidad", "política de privacidad", "aviso de privacidad",
		"protección de datos", "cómo usan mis datos", "rgpd",
	}},
	{Privacy, pt, false, []string{
		"privacidade", "política de privacidade", "aviso de privacidade",
		"proteção de dados", "como vocês usam meus dados", "lgpd",
	}},

	// Accept.
	{Accept, allLangs, true, []string{"ok", "okay"}},
	{Accept, en, true, []string{
		"yes", "yeah", "yep", "yup", "sure", "accept", "accepted", "I accept", "agree",
		"I agree", "of course", "yes I accept", "yes I agree", "go ahead", "alright",
		"all right", "sounds good",
	}},
	{Accept, es, true, []string{
		"sí", "acepto", "aceptar", "aceptado", "de acuerdo", "estoy de acuerdo", "claro",
		"claro que sí", "vale", "dale", "sí acepto", "por supuesto", "perfecto",
		"acepto los términos", "acepto las condiciones",
	}},
	{Accept, pt, true, []string{
		"sim", "aceito", "aceitar", "de acordo", "estou de acordo", "concordo", "claro",
		"claro que sim", "sim aceito", "com certeza", "tudo bem", "tá bom", "beleza",
		"pode ser", "combinado", "aceito os termos",
	}},

	// Decline.
	{Decline, en | es, true, []string{"no"}},
	{Decline, en, true, []string{
		"nope", "nah", "decline", "declined", "I decline", "reject", "I reject",
		"I don't accept", "I do not accept", "don't accept", "I don't agree",
		"I do not agree", "no way", "not now", "no I don't",
	}},
	{Decline, es, true, []string{
		"rechazo", "rechazar", "rechazado", "no acepto", "no estoy de acuerdo",
		"no quiero", "para nada", "ahora no",
	}},
	{Decline, pt, true, []string{
		"não", "recuso", "recusar", "recusado", "não aceito", "não concordo",
		"não quero", "de jeito nenhum", "agora não",
	}},

	// NotHelpful.
	{NotHelpful, en, true, []string{
		"that didn't help", "that did not help", "didn't help", "did not help",
		"not helpful", "that wasn't helpful", "this is not helpful", "that's not helpful",
		"not useful", "useless", "that doesn't help", "this doesn't help",
		"that didn't answer my question", "you didn't answer my question",
		"wrong answer", "that's wrong",
		"the bot isn't helping", "the bot is not helping", "the bot doesn't help", "the bot is useless", "this bot is useless",
		"you're not helping", "you are not helping", "you aren't helping", "this isn't helping", "this is not helping",
		"you're useless", "you don't understand", "you don't understand me", "the bot doesn't understand",
	}},
	{NotHelpful, es, true, []string{
		"no me sirvió", "no me ayudó", "no sirve", "no me sirve", "eso no ayuda",
		"eso no me ayuda", "no me ayudaste", "no ayuda", "no es útil", "no fue útil",
		"no sirvió", "no me sirvió de nada", "no respondiste mi pregunta",
		"respuesta incorrecta", "eso está mal",
		"no me sirves", "no me estás ayudando", "no me estas ayudando", "no me entiendes", "no me entiende",
		"el bot no me ayuda", "el bot no sirve", "esto no me ayuda", "no me ayudas", "no entiendes",
	}},
	{NotHelpful, pt, true, []string{
		"não ajudou", "não me ajudou", "isso não ajudou", "não ajuda", "não serviu",
		"não resolveu", "não foi útil", "isso não me ajudou",
		"não respondeu minha pergunta", "resposta errada", "tá errado", "está errado",
		"não está a ajudar", "não estás a ajudar", "não está ajudando", "não me está a ajudar", "não me entendes",
		"não me entende", "o bot não ajuda", "o bot não me ajuda", "isto não ajuda", "você não está ajudando",
	}},
}

// politeness may wrap any command, before or after it.
var politeness = []string{
	"please", "pls", "plz", "kindly", "thanks", "thank you", "thanks a lot", "thx", "ty",
	"hi", "hello", "hey", "now", "ok", "okay",
	"por favor", "porfa", "porfavor", "porfis", "gracias", "muchas gracias", "hola",
	"buenas", "buenos días", "buenas tardes", "buenas noches", "ya", "ahora", "bueno",
	"obrigado", "obrigada", "muito obrigado", "muito obrigada", "valeu", "oi", "olá",
	"bom dia", "boa tarde", "boa noite", "agora", "já", "pfv", "pf", "por gentileza",
}

// leadIns may come before a non-bare command: wishes and requests.
var leadIns = []string{
	"I want to", "I want", "I wanna", "I would like to", "I would like", "I'd like to",
	"I'd like", "I need to", "I need", "I wish to", "let me", "I want you to",
	"can I", "could I", "may I", "can you", "could you", "can we",
	"quiero", "yo quiero", "quisiera", "quiero que", "me gustaría", "necesito",
	"yo necesito", "deseo", "puedo", "podría", "puede", "pueden", "podrías",
	"me puede", "me pueden", "me podrías",
	"quero", "eu quero", "quero que", "gostaria de", "eu gostaria de", "queria",
	"eu queria", "preciso", "eu preciso", "desejo", "posso", "poderia", "pode",
	"podem", "você pode", "vc pode", "tem como",
	"I prefer", "I prefer to", "I'd prefer", "I'd prefer to", "I would prefer", "I would prefer to", "I'd rather", "I would rather",
	"prefiero", "preferiría", "prefiro", "preferia", "eu prefiro", "necessito",
}

// Tables built at init from the lists above, all keys normalised.
var (
	phrases   map[string]entry
	politeSet map[string]bool
	leadSet   map[string]bool
	maxAffix  int // longest politeness or lead-in, in words
)

func init() {
	var err error
	if phrases, err = buildPhrases(lists); err != nil {
		panic(err)
	}
	personRules = compilePersonRules()
	politeSet, leadSet = map[string]bool{}, map[string]bool{}
	for _, p := range politeness {
		k := normalize(p)
		politeSet[k] = true
		maxAffix = max(maxAffix, len(strings.Fields(k)))
	}
	for _, p := range leadIns {
		k := normalize(p)
		leadSet[k] = true
		maxAffix = max(maxAffix, len(strings.Fields(k)))
	}
}

// buildPhrases normalises every phrase and merges languages. A phrase that
// means two different kinds, or is bare in one list and not in another, is
// an error: the table would be ambiguous.
func buildPhrases(lists []phraseList) (map[string]entry, error) {
	out := map[string]entry{}
	for _, l := range lists {
		for _, p := range l.phrases {
			k := normalize(p)
			if k == "" {
				return nil, fmt.Errorf("intent: phrase %q normalises to nothing", p)
			}
			if n := len(strings.Fields(k)); n > MaxWords {
				return nil, fmt.Errorf("intent: phrase %q has %d words, more than MaxWords", p, n)
			}
			e, seen := out[k]
			if !seen {
				out[k] = entry{kind: l.kind, langs: l.lang, bare: l.bare}
				continue
			}
			if e.kind != l.kind {
				return nil, fmt.Errorf("intent: phrase %q is both %s and %s", p, e.kind, l.kind)
			}
			if e.bare != l.bare {
				return nil, fmt.Errorf("intent: phrase %q is bare in one list and not in another", p)
			}
			e.langs |= l.lang
			out[k] = e
		}
	}
	return out, nil
}

// match finds the longest command phrase in toks whose surroundings are
// only politeness (and, before a non-bare phrase, lead-ins).
func match(toks []string) (entry, bool) {
	for size := len(toks); size > 0; size-- {
		for i := 0; i+size <= len(toks); i++ {
			e, ok := phrases[strings.Join(toks[i:i+size], " ")]
			// A request for a person is read by its grammar rather than
			// listed in every combination of its words.
			if langs := personRequest(toks[i : i+size]); langs != 0 && (!ok || e.kind == Human) {
				e.kind, e.langs, ok = Human, e.langs|langs, true
			}
			if !ok {
				continue
			}
			if !affixes(toks[i+size:], false) {
				continue
			}
			if affixes(toks[:i], false) || (!e.bare && affixes(toks[:i], true)) {
				return e, true
			}
		}
	}
	return entry{}, false
}

// affixes reports whether toks split entirely into politeness phrases, or
// into politeness and lead-in phrases when leads is set.
func affixes(toks []string, leads bool) bool {
	ok := make([]bool, len(toks)+1)
	ok[0] = true
	for end := 1; end <= len(toks); end++ {
		for n := 1; n <= maxAffix && n <= end; n++ {
			if !ok[end-n] {
				continue
			}
			p := strings.Join(toks[end-n:end], " ")
			if politeSet[p] || (leads && leadSet[p]) {
				ok[end] = true
				break
			}
		}
	}
	return ok[len(toks)]
}

// askForPerson is how each language asks for a person, as a small grammar:
// a verb and its preposition, an optional article, an optional "real", and
// a word for a person. personRequest reads it ("can I talk to a real
// human", "quiero hablar con una persona de verdad", "quero falar com um ser
// humano"), so the request is recognised however the words combine rather
// than only in the combinations someone listed.
var askForPerson = []struct {
	lang              langSet
	verbs, dets, adjs []string // adjs after the noun in es/pt, before it in en
	nouns             []string
	adjFirst          bool
	// after is what may follow the person-word, in this order: who they
	// are ("from your team", "da loja"), what they are for ("i could chat
	// with", "con quien hablar"), and an emphasis or a contrast ("mesmo",
	// "not a bot"). Each is optional; the first is built by personGroups.
	after [3][]string
	// subject: the person-word as the subject of a request for help, with
	// its modal before and its action after ("can someone from your team
	// look at this", "could a real person help me").
	modals, actions []string
}{
	{en, []string{"talk to", "talk with", "speak to", "speak with", "chat with", "chat to", "connect me to", "connect me with",
		"transfer me to", "put me through to", "pass me to", "get me", "contact", "reach", "get hold of", "get in touch with",
		"how do i reach", "how can i reach", "how do i contact", "how can i contact", "how do i talk to", "how can i talk to",
		"how do i speak to", "how can i speak to", "how do i get hold of", "how can i get hold of", "how do i get to",
		"is there", "is there any", "are there any", "do you have", "have you got", "is", "put me in touch with", "get",
		"i need to get hold of"},
		[]string{"", "a", "an", "some", "your", "the", "one of your", "one of the"}, []string{"", "real", "actual", "live", "human", "proper"},
		[]string{"human", "person", "agent", "operator", "representative", "human being", "staff member", "employee",
			"support agent", "customer service agent", "someone", "somebody", "people", "team member", "staff", "support team", "customer service", "team",
			"humans", "agents", "persons", "manager", "supervisor", "staff members", "employees"}, true,
		[3][]string{
			personGroups([]string{"from", "on", "at", "in"}, []string{"your", "the"},
				[]string{"team", "store", "shop", "company", "staff", "support", "support team", "customer service", "customer support", "customer care"},
				"there", "here"),
			{"i can talk to", "i could talk to", "i can chat with", "i could chat with", "i can speak to", "i could speak to",
				"i can speak with", "i could speak with", "to talk to", "to speak to", "to speak with", "to chat with", "available", "there", "here",
				"who can help me", "who can help", "that can help me", "who could help me"},
			{"not a bot", "not a machine", "not a robot", "not the bot", "not an ai", "instead", "really", "please", "real",
				"asap", "now", "right now", "urgently"}},
		[]string{"", "can", "could", "will", "would", "may", "can i get", "could i get", "i need", "i want", "i would like", "id like", "please can", "please could"},
		[]string{"help me", "help", "look at this", "look into this", "have a look", "take a look", "look at my case", "check this",
			"check my case", "take over", "contact me", "call me", "call me back", "get back to me", "answer me", "help me with this", "sort this out"}},
	{es, []string{"hablar con", "conversar con", "chatear con", "comunicarme con", "contactar con", "contactar a",
		"pásame con", "páseme con", "pasame con", "ponme con", "póngame con", "comuníqueme con",
		"cómo hablo con", "cómo puedo hablar con", "cómo contacto con", "cómo contacto a", "cómo me comunico con",
		"que me atienda", "que me atiendan", "ser atendido por", "ser atendida por", "hay", "tenéis", "tienen",
		"pasar con", "pasarme con", "me pasas con", "me pasa con", "me pasan con", "ponerme con", "ponerme en contacto con"},
		[]string{"", "una", "un", "algún", "alguna", "el", "la", "uno de", "alguno de"}, []string{"", "real", "de verdad", "humano", "humana", "de carne y hueso"},
		[]string{"persona", "humano", "agente", "asesor", "asesora", "operador", "operadora", "alguien", "ser humano",
			"empleado", "empleada", "encargado", "encargada", "representante", "gerente", "responsable", "supervisor", "personas", "humanos"}, false,
		[3][]string{
			personGroups([]string{"de", "del", "de la", "de su", "de tu", "de vuestra", "de vuestro"}, nil,
				[]string{"equipo", "tienda", "empresa", "atención al cliente", "soporte", "personal", "servicio al cliente"},
				"ahí", "aquí", "por ahí"),
			{"con quien hablar", "con quien pueda hablar", "con quién hablar", "disponible", "ahí", "que me ayude", "que me pueda ayudar",
				"que me atienda", "que me pueda atender", "que me puede atender"},
			{"no una máquina", "no un bot", "no un robot", "no una ia", "no el bot", "mejor", "de verdad", "por favor", "ya", "ahora", "urgente"}},
		nil, nil},
	{pt, []string{"falar com", "conversar com", "ser atendido por", "ser atendida por", "me passa para", "me passe para",
		"me transfere para", "me transfira para", "me coloca com", "contatar", "contactar",
		"como falo com", "como posso falar com", "como eu falo com", "como entro em contato com",
		"que me atenda", "que me atendam", "há", "tem", "existe", "me passa pra", "me passe pra", "passar para", "passar-me para", "de falar com"},
		[]string{"", "um", "uma", "algum", "alguma", "o", "a", "um dos", "uma das"}, []string{"", "real", "de verdade", "humano", "humana", "de carne e osso"},
		[]string{"pessoa", "humano", "atendente", "agente", "operador", "operadora", "alguém", "ser humano",
			"funcionário", "funcionária", "representante", "gente", "gerente", "responsável", "supervisor", "pessoas", "humanos"}, false,
		[3][]string{
			personGroups([]string{"da", "do", "de", "da vossa", "do vosso", "da sua", "do seu"}, nil,
				[]string{"loja", "equipa", "equipe", "empresa", "atendimento", "apoio ao cliente", "suporte", "atendimento ao cliente"},
				"aí", "aqui", "por aí"),
			{"com quem falar", "com quem possa falar", "disponível", "aí", "que me ajude", "que me possa ajudar",
				"que me atenda", "que me possa atender", "que me pode atender", "que me pudesse atender"},
			{"mesmo", "não uma máquina", "não um robô", "não um bot", "e não um robô", "e não uma máquina", "não o bot", "de verdade", "por favor", "já", "agora", "urgente"}},
		nil, nil},
}

// personRule is one language's askForPerson, normalised once at init:
// verbs as token slices, the rest by their normalised text (a phrase may
// be several words: "ser humano", "de verdad").
type personRule struct {
	lang     langSet
	verbs    [][]string
	dets     []string // "" included: the article is optional
	adjs     []string // "" included
	nouns    map[string]string
	adjFirst bool
	// clash holds "noun|adj" pairs that are one word twice ("human
	// human", "ser humano humano"), which are not read.
	clash   map[string]bool
	final   map[string]bool        // the last word of every noun, adjective and after-phrase
	after   [3]map[string][]string // normalised, by last word; "" is always tried too
	modals  []string               // normalised, "" included when listed
	actions []string               // normalised
}

// existential verbs ("is there", "hay", "tem") ask whether a person is
// there, not for one, unless the person is qualified: "is there a real
// human", "is there someone i could chat with", but not "is there staff".
var existential = map[string]bool{"is there": true, "is there any": true, "are there any": true, "do you have": true,
	"have you got": true, "hay": true, "teneis": true, "tienen": true, "ha": true, "tem": true, "existe": true}

// personGroups is every "from the team", "de la tienda", "da loja": a
// preposition, an optional determiner, and a group of the business's people.
func personGroups(preps, dets, groups []string, places ...string) []string {
	out := slices.Clone(places)
	for _, p := range preps {
		for _, g := range groups {
			out = append(out, p+" "+g)
			for _, d := range dets {
				out = append(out, p+" "+d+" "+g)
			}
		}
	}
	return out
}

var personRules []personRule

// indefinite person-words are a request only after a verb: "someone"
// alone is not "I want someone".
var indefinite = map[string]bool{"someone": true, "somebody": true, "people": true, "alguien": true, "alguém": true, "gente": true}

func compilePersonRules() []personRule {
	var out []personRule
	for _, g := range askForPerson {
		r := personRule{lang: g.lang, adjFirst: g.adjFirst, nouns: map[string]string{}, clash: map[string]bool{}, final: map[string]bool{}}
		for i, l := range g.after {
			r.after[i] = map[string][]string{}
			for _, a := range l {
				na := normalize(a)
				f := strings.Fields(na)
				last := f[len(f)-1]
				r.after[i][last] = append(r.after[i][last], na)
				r.final[last] = true
			}
		}
		for _, m := range g.modals {
			r.modals = append(r.modals, normalize(m))
		}
		for _, a := range g.actions {
			na := normalize(a)
			r.actions = append(r.actions, na)
			f := strings.Fields(na)
			r.final[f[len(f)-1]] = true
		}
		for _, v := range g.verbs {
			r.verbs = append(r.verbs, strings.Fields(normalize(v)))
		}
		for _, d := range g.dets {
			r.dets = append(r.dets, normalize(d))
		}
		for _, a := range g.adjs {
			na := normalize(a)
			r.adjs = append(r.adjs, na)
			if f := strings.Fields(na); len(f) > 0 {
				r.final[f[len(f)-1]] = true
			}
		}
		for _, n := range g.nouns {
			nn := normalize(n)
			r.nouns[nn] = n
			f := strings.Fields(nn)
			r.final[f[len(f)-1]] = true
			for _, a := range g.adjs {
				if a != "" && strings.Contains(n, a) {
					r.clash[nn+"|"+normalize(a)] = true
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// personRequest returns the languages whose grammar reads the whole of
// win as a request for a person (0 for none).
func personRequest(win []string) langSet {
	var out langSet
	for i := range personRules {
		if personRules[i].reads(win) {
			out |= personRules[i].lang
		}
	}
	return out
}

// reads reports whether win is [verb] [article] object, the object being
// [adjective] noun (English) or noun [adjective] (Spanish, Portuguese),
// optionally followed by who the person is, what they are for and an
// emphasis (personRule.after); or, in English, [modal] object action
// ("can someone from your team look at this"). Without a verb, only an
// object with an adjective and a definite person-word ("a real human",
// "una persona de verdad").
func (r *personRule) reads(win []string) bool {
	if len(win) == 0 || !r.final[win[len(win)-1]] {
		return false
	}
	s := strings.Join(win, " ")
	if r.object(s, false, false) {
		return true
	}
	for _, v := range r.verbs {
		if len(v) < len(win) && slices.Equal(win[:len(v)], v) && r.object(strings.Join(win[len(v):], " "), true, existential[strings.Join(v, " ")]) {
			return true
		}
	}
	for _, a := range r.actions {
		subj, ok := cutWords(s, a, false)
		if !ok {
			continue
		}
		for _, m := range r.modals {
			if obj, ok := cutWords(subj, m, true); ok && r.object(obj, true, false) {
				return true
			}
		}
	}
	return false
}

// object reads [article] [adjective] noun [after...]; verb says a verb
// came before it, exists that the verb only asks whether one is there, so
// the person must be qualified by an adjective or what they are for.
func (r *personRule) object(obj string, verb, exists bool) bool {
	// Cut from the end, the last first; each may be absent.
	for _, o1 := range r.cuts(2, obj) {
		// "a human, not a robot" asks for one without a verb.
		asks := verb || o1 != obj && contrast[obj[len(o1)+1:]]
		for _, o2 := range r.cuts(1, o1) {
			for _, core := range r.cuts(0, o2) {
				if core != "" && r.core(core, asks, exists && o2 == o1) {
					return true
				}
			}
		}
	}
	return false
}

// cuts returns s, and s without each of after[i]'s phrases it ends with.
func (r *personRule) cuts(i int, s string) []string {
	out := []string{s}
	last := s[strings.LastIndexByte(s, ' ')+1:]
	for _, p := range r.after[i][last] {
		if rest, ok := cutWords(s, p, false); ok {
			out = append(out, rest)
		}
	}
	return out
}

// core reads [article] [adjective] noun.
func (r *personRule) core(obj string, verb, needAdj bool) bool {
	for _, d := range r.dets {
		rest, ok := cutWords(obj, d, true)
		if !ok {
			continue
		}
		for _, a := range r.adjs {
			noun, ok := cutWords(rest, a, r.adjFirst)
			if !ok {
				continue
			}
			raw, isNoun := r.nouns[noun]
			if !isNoun || r.clash[noun+"|"+a] || (!verb && (a == "" || indefinite[raw])) || (needAdj && a == "") {
				continue
			}
			return true
		}
	}
	return false
}

// cutWords removes the words w from the start (or the end) of s; an empty
// w cuts nothing.
func cutWords(s, w string, start bool) (string, bool) {
	if w == "" {
		return s, true
	}
	if start {
		rest, ok := strings.CutPrefix(s, w+" ")
		return rest, ok
	}
	rest, ok := strings.CutSuffix(s, " "+w)
	return rest, ok
}
