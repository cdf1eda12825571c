package intent

import (
	"strings"
	"testing"
)

func TestParseCommands(t *testing.T) {
	tests := []struct {
		text string
		kind Kind
		lang string
	}{
		// OptOut.
		{"STOP", OptOut, ""},
		{"Stop.", OptOut, ""},
		{"stop!!!", OptOut, ""},
		{"STOP 🛑", OptOut, ""},
		{"stop please", OptOut, "en"},
		{"please stop", OptOut, "en"},
		{"stop stop stop", OptOut, ""},
		{"Unsubscribe", OptOut, "en"},
		{"unsubscribe me please", OptOut, "en"},
		{"opt-out", OptOut, "en"},
		{"no more messages", OptOut, "en"},
		{"No more messages, thanks", OptOut, "en"},
		{"please stop messaging me", OptOut, "en"},
		{"Don't message me", OptOut, "en"},
		{"dont text me", OptOut, "en"},
		{"I want to unsubscribe", OptOut, "en"},
		{"can you stop messaging me", OptOut, "en"},
		{"I don't want any more messages", OptOut, "en"},
		{"cancel", OptOut, "en"},
		{"leave me alone", OptOut, "en"},
		{"¡BAJA!", OptOut, "es"},
		{"baja", OptOut, "es"},
		{"Baja por favor", OptOut, "es"},
		{"darme de baja", OptOut, "es"},
		{"quiero darme de baja", OptOut, "es"},
		{"Hola, quiero darme de baja", OptOut, "es"},
		{"quisiera dar de baja", OptOut, "es"},
		{"párar", OptOut, ""},
		{"por favor parar", OptOut, ""},
		{"para", OptOut, ""},
		{"PARA YA", OptOut, "es"},
		{"basta", OptOut, "es"},
		{"cancelar", OptOut, ""},
		{"Cancelar por favor", OptOut, ""},
		{"no más mensajes", OptOut, "es"},
		{"no quiero recibir más mensajes", OptOut, "es"},
		{"dejen de escribirme", OptOut, "es"},
		{"no me escriban más, gracias", OptOut, "es"},
		{"sair", OptOut, "pt"},
		{"Sair.", OptOut, "pt"},
		{"quero sair", OptOut, "pt"},
		{"pare", OptOut, "pt"},
		{"parar, obrigado", OptOut, "pt"},
		{"descadastrar", OptOut, "pt"},
		{"me descadastre por favor", OptOut, "pt"},
		{"descadastrar-me", OptOut, "pt"},
		{"não quero mais mensagens", OptOut, "pt"},
		{"Nao quero mais mensagens", OptOut, "pt"},
		{"pare de me mandar mensagens", OptOut, "pt"},
		{"chega", OptOut, "pt"},

		// OptIn.
		{"START", OptIn, ""},
		{"start again", OptIn, "en"},
		{"Resume", OptIn, "en"},
		{"unstop", OptIn, "en"},
		{"alta", OptIn, "es"},
		{"ALTA por favor", OptIn, "es"},
		{"darme de alta", OptIn, "es"},
		{"quiero volver", OptIn, "es"},
		{"volver", OptIn, "es"},
		{"voltar", OptIn, "pt"},
		{"quero voltar a receber mensagens", OptIn, "pt"},
		{"reativar", OptIn, "pt"},

		// Help.
		{"HELP", Help, "en"},
		{"help?", Help, "en"},
		{"help please", Help, "en"},
		{"I need help", Help, "en"},
		{"ayuda", Help, "es"},
		{"¿Ayuda?", Help, "es"},
		{"necesito ayuda", Help, "es"},
		{"ajuda", Help, "pt"},
		{"preciso de ajuda", None, "pt"}, // "de" is not politeness: goes to the agent
		{"comandos", Help, ""},

		// Human.
		{"HUMAN", Human, "en"},
		{"agent", Human, "en"},
		{"Agent please", Human, "en"},
		{"talk to a person", Human, "en"},
		{"I want to talk to a person", Human, "en"},
		{"can I talk to a human?", Human, "en"},
		{"Can I speak to someone please", Human, "en"},
		{"real person", Human, "en"},
		{"agente", Human, "es"},
		{"humano", Human, ""},
		{"Humano!", Human, ""},
		{"hablar con una persona", Human, "es"},
		{"quiero hablar con una persona", Human, "es"},
		{"hola quiero hablar con una persona por favor", Human, "es"},
		{"¿Puedo hablar con un agente?", Human, "es"},
		{"pásame con una persona", Human, "es"},
		{"atendente", Human, "pt"},
		{"falar com um atendente", Human, "pt"},
		{"Olá, quero falar com um atendente", Human, "pt"},
		{"quero falar com uma pessoa", Human, "pt"},
		{"posso falar com alguém?", Human, "pt"},
		{"atendimento humano", Human, "pt"},

		// Access.
		{"MY DATA", Access, "en"},
		{"my data please", Access, "en"},
		{"I want my data", Access, "en"},
		{"what data do you have about me?", Access, "en"},
		{"send me a copy of my data", None, "en"}, // "send me a" is not a lead-in
		{"a copy of my data please", Access, "en"},
		{"mis datos", Access, "es"},
		{"Mis datos, por favor", Access, "es"},
		{"quiero ver mis datos", Access, "es"},
		{"¿Qué datos tienen de mí?", Access, "es"},
		{"meus dados", Access, "pt"},
		{"quero acessar meus dados", Access, "pt"},
		{"quais dados vocês têm sobre mim?", Access, "pt"},

		// Erase.
		{"DELETE MY DATA", Erase, "en"},
		{"please delete my data", Erase, "en"},
		{"I want you to delete my data", Erase, "en"},
		{"forget me", Erase, "en"},
		{"borrar mis datos", Erase, "es"},
		{"Borren mis datos por favor", Erase, "es"},
		{"quiero que borren mis datos", Erase, "es"},
		{"eliminar mis datos", Erase, "es"},
		{"quiero eliminar mis datos", Erase, "es"},
		{"olvídenme", Erase, "es"},
		{"apagar meus dados", Erase, "pt"},
		{"quero que apaguem meus dados", Erase, "pt"},
		{"excluir meus dados", Erase, "pt"},
		{"Por favor, exclua meus dados.", Erase, "pt"},

		// EraseConfirm.
		{"YES DELETE", EraseConfirm, "en"},
		{"yes, delete", EraseConfirm, "en"},
		{"Yes delete my data", EraseConfirm, "en"},
		{"SÍ BORRAR", EraseConfirm, "es"},
		{"si borrar", EraseConfirm, "es"},
		{"Sí, bórralos", EraseConfirm, "es"},
		{"SIM APAGAR", EraseConfirm, "pt"},
		{"sim, apagar", EraseConfirm, "pt"},

		// Privacy.
		{"PRIVACY", Privacy, "en"},
		{"privacy policy", Privacy, "en"},
		{"privacidad", Privacy, "es"},
		{"aviso de privacidad", Privacy, "es"},
		{"privacidade", Privacy, "pt"},
		{"política de privacidade", Privacy, "pt"},

		// Accept.
		{"yes", Accept, "en"},
		{"Yes!", Accept, "en"},
		{"yes please", Accept, "en"},
		{"ok", Accept, ""},
		{"OK 👍", Accept, ""},
		{"okay thanks", Accept, "en"},
		{"Accept", Accept, "en"},
		{"I agree", Accept, "en"},
		{"sí", Accept, "es"},
		{"si", Accept, "es"},
		{"Sí, acepto", Accept, "es"},
		{"acepto", Accept, "es"},
		{"Aceptar", Accept, "es"},
		{"de acuerdo", Accept, "es"},
		{"claro", Accept, ""},
		{"vale", Accept, "es"},
		{"sim", Accept, "pt"},
		{"Sim, aceito", Accept, "pt"},
		{"aceito", Accept, "pt"},
		{"Aceitar", Accept, "pt"},
		{"tá bom", Accept, "pt"},

		// Decline.
		{"no", Decline, ""},
		{"No.", Decline, ""},
		{"no thanks", Decline, "en"},
		{"no gracias", Decline, "es"},
		{"Decline", Decline, "en"},
		{"I don't accept", Decline, "en"},
		{"rechazo", Decline, "es"},
		{"Rechazar", Decline, "es"},
		{"no acepto", Decline, "es"},
		{"não", Decline, "pt"},
		{"nao", Decline, "pt"},
		{"Não, obrigado", Decline, "pt"},
		{"recuso", Decline, "pt"},
		{"Recusar", Decline, "pt"},

		// NotHelpful.
		{"that didn't help", NotHelpful, "en"},
		{"That didnt help.", NotHelpful, "en"},
		{"not helpful", NotHelpful, "en"},
		{"no me sirvió", NotHelpful, "es"},
		{"No me sirvio!!", NotHelpful, "es"},
		{"eso no me ayuda", NotHelpful, "es"},
		{"não ajudou", NotHelpful, "pt"},
		{"isso não me ajudou", NotHelpful, "pt"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := Parse(tt.text)
			if got.Kind != tt.kind {
				t.Errorf("Parse(%q).Kind = %s, want %s", tt.text, got.Kind, tt.kind)
			}
			if got.Language != tt.lang {
				t.Errorf("Parse(%q).Language = %q, want %q", tt.text, got.Language, tt.lang)
			}
		})
	}
}

// TestParseNearMisses are ordinary messages that contain a command word but
// are not commands: they must reach the agent.
func TestParseNearMisses(t *testing.T) {
	tests := []string{
		// English.
		"I can't stop the washing machine",
		"the bus stop is near",
		"where is the nearest stop?",
		"don't stop",
		"please don't stop helping me",
		"stop it",
		"when does the sale start?",
		"how do I start the machine",
		"ok but what about shipping?",
		"ok, and the price?",
		"yes but which size?",
		"no idea",
		"no, I meant the blue one",
		"help me choose a size",
		"can you help me with my order",
		"I need help with my order",
		"is there a human size chart",
		"my data plan is not working",
		"my data is wrong on the invoice",
		"how do I delete my cart",
		"delete the second item",
		"I want to cancel my order",
		"cancel my order",
		"can I cancel?",
		"quit asking me that",
		"the agent said it would arrive today",
		"privacy screen protector price",
		"yes delete the red one from my cart",
		"that helped, thanks",
		"a person told me to write here",
		"I accept cards?",
		"not now, maybe tomorrow I'll order",
		// Spanish.
		"no pares de ayudarme",
		"no sé cuál elegir",
		"no se",
		"quiero cancelar",
		"quiero cancelar mi pedido",
		"cancelar mi pedido",
		"¿puedo cancelar?",
		"para mañana",
		"para cuándo llega",
		"es para regalo",
		"¿hay alta demanda?",
		"la talla alta",
		"quiero volver a pedir lo mismo",
		"¿puedo volver a comprar?",
		"necesito ayuda con mi pedido",
		"ayuda con la talla",
		"mis datos de envío están mal",
		"borrar el producto del carrito",
		"sí pero cuánto cuesta",
		"si llega mañana lo compro",
		"claro que no",
		"el agente de envíos no vino",
		"una persona me dijo que escribiera",
		"basta de precios altos jaja",
		"salir a las 5",
		// Portuguese.
		"não consigo parar o carro",
		"não para de piscar",
		"pare de cobrar meu cartão",
		"quero cancelar",
		"quero cancelar meu pedido",
		"cancelar pedido",
		"posso cancelar?",
		"quero voltar para a loja",
		"sair de casa",
		"chega amanhã?",
		"sim mas qual o prazo",
		"preciso de ajuda com o tamanho",
		"meus dados de entrega estão errados",
		"apagar o item do carrinho",
		"não sei qual escolher",
		"não recebi",
		"o atendente da loja foi ótimo",
		"uma pessoa me atendeu ontem",
		// Not text at all.
		"",
		"   ",
		"👍",
		"🙏🙏",
		"...",
		"12345",
	}
	for _, text := range tests {
		t.Run(text, func(t *testing.T) {
			if got := Parse(text); got.Kind != None {
				t.Errorf("Parse(%q).Kind = %s, want none", text, got.Kind)
			}
		})
	}
}

func TestParseLongMessagesAreNeverCommands(t *testing.T) {
	long := strings.Repeat("stop ", 3) + "the delivery of my order because I moved house last week"
	if got := Parse(long); got.Kind != None {
		t.Errorf("Parse(%q).Kind = %s, want none", long, got.Kind)
	}
	huge := strings.Repeat("stop ", 10000)
	if got := Parse(huge); got.Kind != OptOut {
		// Repeats fold, so a wall of STOP is still STOP.
		t.Errorf("Parse(10000 × stop).Kind = %s, want opt_out", got.Kind)
	}
	huge = strings.Repeat("hello there ", 10000) + "stop"
	if got := Parse(huge); got.Kind != None {
		t.Errorf("Parse(huge text ending in stop).Kind = %s, want none", got.Kind)
	}
}

func TestParseConsentAnswer(t *testing.T) {
	tests := []struct {
		text string
		want Kind
	}{
		{"Accept", Accept},
		{"Aceptar", Accept},
		{"Aceitar", Accept},
		{"yes", Accept},
		{"sí", Accept},
		{"Si", Accept},
		{"sim", Accept},
		{"ok", Accept},
		{"OK!", Accept},
		{"acepto", Accept},
		{"aceito", Accept},
		{"de acuerdo", Accept},
		{"claro", Accept},
		{"sí, por favor", Accept},
		{"Decline", Decline},
		{"Rechazar", Decline},
		{"Recusar", Decline},
		{"no", Decline},
		{"não", Decline},
		{"nao", Decline},
		{"rechazo", Decline},
		{"recuso", Decline},
		{"no gracias", Decline},
		{"STOP", Decline},
		{"baja", Decline},
		{"sair", Decline},
		{"ok but what about shipping?", None},
		{"sí pero ¿qué hacen con mis datos?", None},
		{"what is this?", None},
		{"👍", None},
		{"help", None},
		{"agente", None},
		{"yes delete", None},
		{"", None},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := ParseConsentAnswer(tt.text); got != tt.want {
				t.Errorf("ParseConsentAnswer(%q) = %s, want %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestLanguageOfNonCommands(t *testing.T) {
	tests := []struct {
		text, lang string
	}{
		{"where is my order?", "en"},
		{"¿dónde está mi pedido?", "es"},
		{"cadê meu pedido? não chegou", "pt"},
		{"quiero cambiar la talla", "es"},
		{"quero trocar o tamanho", "pt"},
		{"hello, the shoes are too small", "en"},
		{"12345", ""},
		{"pedido", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := Parse(tt.text); got.Kind != None || got.Language != tt.lang {
				t.Errorf("Parse(%q) = %+v, want {None %q}", tt.text, got, tt.lang)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"¡BAJA!", "baja"},
		{"Stop.", "stop"},
		{"párar", "parar"},
		{"NÃO", "nao"},
		{"Ação", "acao"},
		{"niño", "nino"},
		{"didn't", "didnt"},
		{"didn’t", "didnt"},
		{"  hola,   qué tal? ", "hola que tal"},
		{"STOP🛑now", "stop now"},
		{"ＳＴＯＰ", "stop"}, // full-width
		{"opt-out", "opt out"},
		{"", ""},
		{"🙂", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := normalize(tt.in); got != tt.want {
				t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		k    Kind
		want string
	}{
		{None, "none"}, {OptOut, "opt_out"}, {OptIn, "opt_in"}, {Help, "help"},
		{Human, "human"}, {Access, "access"}, {Erase, "erase"},
		{EraseConfirm, "erase_confirm"}, {Privacy, "privacy"}, {Accept, "accept"},
		{Decline, "decline"}, {NotHelpful, "not_helpful"}, {Kind(-1), "unknown"}, {Kind(99), "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.k.String(); got != tt.want {
				t.Errorf("Kind(%d).String() = %q, want %q", int(tt.k), got, tt.want)
			}
		})
	}
	if got, want := len(Kinds()), 11; got != want {
		t.Errorf("len(Kinds()) = %d, want %d", got, want)
	}
}

func TestEveryKindHasPhrasesInEveryLanguage(t *testing.T) {
	have := map[Kind]langSet{}
	for _, e := range phrases {
		have[e.kind] |= e.langs
	}
	for _, k := range Kinds() {
		if have[k] != allLangs {
			t.Errorf("phrases for %s cover languages %03b, want all three", k, have[k])
		}
	}
}

// TestPhrasesParseAsThemselves guards against politeness or lead-in words
// swallowing a phrase, and against a phrase being shadowed by a longer one.
func TestPhrasesParseAsThemselves(t *testing.T) {
	for _, l := range lists {
		for _, p := range l.phrases {
			if got := Parse(p).Kind; got != l.kind {
				t.Errorf("Parse(%q).Kind = %s, want %s", p, got, l.kind)
			}
		}
	}
}

func TestBuildPhrasesRejectsAmbiguity(t *testing.T) {
	tests := []struct {
		name  string
		lists []phraseList
		want  string
	}{
		{"two kinds", []phraseList{{OptOut, en, false, []string{"stop"}}, {Accept, es, true, []string{"STOP!"}}}, "is both opt_out and accept"},
		{"bare mismatch", []phraseList{{OptOut, es, true, []string{"para"}}, {OptOut, pt, false, []string{"para"}}}, "bare in one list"},
		{"empty", []phraseList{{OptOut, es, true, []string{"🛑"}}}, "normalises to nothing"},
		{"too long", []phraseList{{OptOut, en, false, []string{strings.Repeat("stop now ", 6)}}}, "more than MaxWords"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildPhrases(tt.lists)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("buildPhrases(%s) = %v, want error containing %q", tt.name, err, tt.want)
			}
		})
	}
}
