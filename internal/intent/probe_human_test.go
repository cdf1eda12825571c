package intent

import "testing"

// TestPersonAskedInOtherWords: requests for a person that the evaluation set
// found unrecognised.
func TestPersonAskedInOtherWords(t *testing.T) {
	for _, s := range []string{"quiero que me atienda una persona", "quero falar com alguém da equipa", "Quero falar com alguém da equipe, por favor", "quiero hablar con alguien del equipo"} {
		if k := Parse(s).Kind; k != Human {
			t.Errorf("Parse(%q) = %v, want Human", s, k)
		}
	}
}

// TestPersonAskedAnyWay: the request for a person is recognised however
// its words combine, in the three languages, and a question about people
// or a product is not taken for one.
func TestPersonAskedAnyWay(t *testing.T) {
	for _, s := range []string{
		"can i talk to a real human", "Can I speak with an actual person?", "I need to chat with a live agent",
		"put me through to someone please", "i want to talk to a human being", "connect me with customer service agent",
		"a real human please", "let me speak to your staff",
		"quiero hablar con una persona de verdad", "¿Puedo hablar con un ser humano?", "pásame con un asesor real",
		"necesito comunicarme con alguien", "una persona real por favor",
		"quero falar com um ser humano", "posso falar com uma pessoa de verdade?", "gostaria de ser atendido por um atendente",
		"me passa para alguém por favor", "um humano de verdade",
		"how do i reach a human", "How can I get hold of a real person?", "¿Cómo hablo con una persona?", "como falo com um atendente?",
	} {
		if k := Parse(s).Kind; k != Human {
			t.Errorf("Parse(%q) = %v, want Human", s, k)
		}
	}
	for _, s := range []string{
		"can a human assemble this table alone?", "is this bike good for a real person of 1.90 m",
		"someone", "alguien", "quiero hablar de mi pedido", "do people return this often",
		"how many people work there", "la persona que me atendió fue muy amable",
		"how do i reach the store", "how can i contact you about my order",
	} {
		if k := Parse(s).Kind; k == Human {
			t.Errorf("Parse(%q) = Human, want not a request for a person", s)
		}
	}
}

// TestPersonAskedIndirectly: a person asked for by who they are ("someone
// from your team", "alguém da loja"), whether one is there ("is there an
// actual human i could chat with"), as the subject of a request for help
// ("can someone look at this"), with a preference or a contrast ("prefiero
// que me atienda alguien de verdad, no una máquina"), or beside a complaint
// about the assistant in another clause. None of these sentences is in the
// evaluation set; they are the patterns, written for this test.
func TestPersonAskedIndirectly(t *testing.T) {
	for _, s := range []string{
		"could someone from the store help me", "i want to talk to someone from customer service",
		"can a person from your team check this please", "can someone from the shop contact me",
		"are there any real people i can talk to", "is there someone i could speak with?",
		"is there a human available", "do you have a real person i could talk to",
		"i'd rather speak to a human, not a bot", "can a real person take over?",
		"you're not helping. can i talk to a person?", "this isn't helping, could someone help me",
		"quiero hablar con alguien de la tienda", "¿hay alguna persona real con quien hablar?",
		"preferiría hablar con un humano, no un bot", "no me sirves, pásame con alguien del equipo",
		"que me atienda alguien del personal por favor", "¿hay un humano disponible?",
		"prefiro falar com uma pessoa de verdade", "posso falar com alguém do atendimento?",
		"há alguma pessoa real com quem falar?", "não estás a ajudar. quero falar com um humano",
		"queria falar com alguém da equipa mesmo", "quero que me atenda uma pessoa, não um robô",
		"talk to someone real", "i need to speak with somebody asap", "can i get a real person please", "is a human available?",
		"i want a human not a robot", "can i speak to the manager", "put me in touch with a person", "can someone call me back",
		"could i talk to one of your staff", "necesito hablar con alguien, es urgente", "quiero hablar con el encargado",
		"¿me pueden pasar con alguien de atención al cliente?", "¿hay alguien ahí?", "quero falar com o gerente",
		"preciso de falar com uma pessoa, é urgente", "me passa pra um atendente",
	} {
		if k := Parse(s).Kind; k != Human {
			t.Errorf("Parse(%q) = %v, want Human", s, k)
		}
	}
	for _, s := range []string{
		"is there staff at the store", "is there a store in porto", "do you have people in madrid",
		"is there someone who can sign for my parcel", "can someone from your team deliver on sunday",
		"hay alguien en la tienda el domingo", "tem loja em lisboa?", "há alguém na loja ao sábado?",
		"can someone else pick up my order", "the bot isnt helping, where is my order?",
		"i spoke to someone from your team yesterday", "falei com alguém da loja ontem",
		"no me sirve la talla, ¿puedo cambiarla?", "can i return it, not a bot question",
		"stop the delivery, the bot isnt helping",
		"is the manager in today", "can i get a refund", "is the store open", "get me my order", "quiero hablar con el banco",
		"hay alguna tienda en madrid", "tem alguma loja no porto", "the person at the store was rude",
		"can i speak to the store about my order", "preciso de ajuda", "it's urgent, where is my parcel?",
	} {
		if k := Parse(s).Kind; k == Human {
			t.Errorf("Parse(%q) = Human, want not a request for a person", s)
		}
	}
}

// TestComplaintsAboutTheAssistant: saying the assistant is not helping is
// NotHelpful in the three languages.
func TestComplaintsAboutTheAssistant(t *testing.T) {
	for _, s := range []string{"the bot isnt helping", "you're not helping!", "no me sirves", "no me estás ayudando", "não está a ajudar", "o bot não me ajuda"} {
		if k := Parse(s).Kind; k != NotHelpful {
			t.Errorf("Parse(%q) = %v, want NotHelpful", s, k)
		}
	}
}

// TestPersonBesidesNoMachine: a request for a person "there" or one who
// "can attend to me", beside a clause that refuses a machine in so many
// words, is handed over; the refusal alone, or beside a question, is not.
func TestPersonBesidesNoMachine(t *testing.T) {
	for _, msg := range []string{
		"há alguém aqui que me possa ajudar? não quero falar com um bot",
		"hay alguien ahí que me pueda atender? no quiero hablar con una máquina",
		"is there someone there who can help me? i don't want to talk to a bot",
		"quero falar com uma pessoa, não quero falar com robôs",
		"¿hay alguien ahí? no quiero un robot",
	} {
		if k := Parse(msg).Kind; k != Human {
			t.Errorf("%q: %v, want human", msg, k)
		}
	}
	for _, msg := range []string{
		"não quero falar com um robô",
		"no quiero hablar con un bot, ¿cuánto tarda el envío?",
		"what time is it there?",
		"tem alguma loja aí no porto?",
	} {
		if k := Parse(msg).Kind; k == Human {
			t.Errorf("%q: read as a request for a person", msg)
		}
	}
}

// Not wanting a machine is said without the article too ("não quero
// robô", "no quiero bot"), beside a request for a person.
func TestRefusalOfBareMachine(t *testing.T) {
	for _, s := range []string{"há alguém aí que me possa atender? não quero robô", "hay alguien ahí? no quiero bot", "is someone there? i don't want to talk to bot"} {
		if k := Parse(s).Kind; k != Human {
			t.Errorf("Parse(%q) = %v, want Human", s, k)
		}
	}
	for _, s := range []string{"não quero robô", "no quiero bot"} {
		if k := Parse(s).Kind; k == Human {
			t.Errorf("Parse(%q) = Human, a refusal alone asks for no one", s)
		}
	}
}
