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
