// Package intent recognises the few customer messages that are commands
// rather than questions — STOP, START, HELP, HUMAN, MY DATA, DELETE MY DATA,
// PRIVACY, a yes or no to the consent prompt — in English, Spanish and
// Portuguese.
//
// These commands carry legal weight: an opt-out or an erasure request must
// be honoured even when the AI agent is down or wrong, so they are caught
// by plain rules before any message reaches the agent. The same weight
// cuts the other way: "I can't stop the washing machine" must reach the
// agent, not unsubscribe the customer. The package is pure: no I/O, no
// state, safe for concurrent use.
//
// # The rule
//
// A message is a command when, after normalising it, it is exactly a known
// command phrase, optionally wrapped in politeness:
//
//   - Normalising lower-cases, strips accents ("párar" → "parar"), drops
//     apostrophes ("didn't" → "didnt"), turns punctuation and emoji into
//     spaces ("¡BAJA!" → "baja") and folds immediate repeats ("stop stop").
//   - Politeness may come before or after the phrase: "please", "por
//     favor", "gracias", "obrigado", "hola", "oi", "ok"...
//   - A lead-in may come before it: "I want to", "quiero", "quero que",
//     "can you", "pode"... ("quiero darme de baja", "can I talk to a human").
//     Lead-ins are not allowed before yes/no answers, the erasure
//     confirmation, "not helpful" phrases, or the bare one-word commands
//     that also mean something else in a shop ("cancel", "cancelar", "para",
//     "basta", "chega", "quit", "salir"): "quiero cancelar" is about an
//     order, not about messages.
//   - Messages longer than MaxWords words are never commands, with one
//     exception: a request for a person may stand beside a complaint
//     about the assistant, in clauses of their own ("can someone from
//     your team look at this, the bot isnt helping"), up to twice
//     MaxWords.
//
// Anything else — a sentence that merely contains a command word, a
// question such as "help me choose a size" or "ok but what about
// shipping?" — is None and goes to the agent, which can still offer the
// commands. Emoji alone (👍) are not consent: they normalise to nothing.
//
// A false opt-out costs one "write START to resume" message; a missed one
// is a compliance failure. So bare "cancel"/"cancelar" count as opt-out, as
// SMS and WhatsApp users expect, while any longer sentence around them does
// not.
package intent

import (
	"strings"
)

// Kind is what a message asks for.
type Kind int

// Kinds of message. None means "not a command: give it to the agent".
const (
	None         Kind = iota
	OptOut            // STOP, baja, parar, sair: withdraw consent / object (GDPR Art. 7(3), 21; CCPA §1798.120; LGPD Art. 8 §5)
	OptIn             // START, alta, voltar
	Help              // HELP, ayuda, ajuda
	Human             // HUMAN, agente, atendente, "talk to a person"
	Access            // MY DATA, mis datos, meus dados
	Erase             // DELETE MY DATA, borrar mis datos, apagar meus dados
	EraseConfirm      // YES DELETE, SÍ BORRAR, SIM APAGAR: only meaningful after the erasure prompt
	Privacy           // PRIVACY, privacidad, privacidade
	Accept            // yes, sí, sim, ok, acepto, aceito: only meaningful after a question
	Decline           // no, não, rechazo, recuso: only meaningful after a question
	NotHelpful        // "that didn't help", "no me sirvió", "não ajudou"
)

var kindNames = [...]string{
	None:         "none",
	OptOut:       "opt_out",
	OptIn:        "opt_in",
	Help:         "help",
	Human:        "human",
	Access:       "access",
	Erase:        "erase",
	EraseConfirm: "erase_confirm",
	Privacy:      "privacy",
	Accept:       "accept",
	Decline:      "decline",
	NotHelpful:   "not_helpful",
}

// String returns a stable snake_case name, e.g. "opt_out", fit for logs and
// for matching policy.Command.Action.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Kinds returns every Kind except None.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(kindNames)-1)
	for k := OptOut; int(k) < len(kindNames); k++ {
		ks = append(ks, k)
	}
	return ks
}

// Match is the result of Parse.
type Match struct {
	Kind Kind
	// Language is the best guess at the message's language: "en", "es",
	// "pt", or "" when the message does not tell ("ok", "no", "STOP",
	// "cancelar"). Callers fall back to the region's language.
	Language string
}

// MaxWords is the longest message, in words after normalising, that can be
// a command. It leaves room for politeness around a phrase: "hola quiero
// hablar con una persona por favor" is eight.
const MaxWords = 10

// maxBytes bounds the work done on a long message; only its start is read.
const maxBytes = 1024

// Parse reports which command text is, if any, and guesses its language.
// Accept, Decline and EraseConfirm are returned whenever the text says so;
// act on them only when the conversation has just asked the matching
// question.
func Parse(text string) Match {
	toks := tokens(text)
	if len(toks) == 0 {
		return Match{}
	}
	if len(toks) > 2*MaxWords {
		return Match{Language: guessLanguage(text, toks, allLangs)}
	}
	e, ok := entry{}, false
	if len(toks) <= MaxWords {
		e, ok = match(toks)
	}
	if !ok {
		e, ok = personInClauses(text)
	}
	if !ok {
		return Match{Language: guessLanguage(text, toks, allLangs)}
	}
	return Match{Kind: e.kind, Language: guessLanguage(text, toks, e.langs)}
}

// personInClauses reads a message of several clauses, split at its
// punctuation, as a request for a person when one clause is one and every
// other is one too, a complaint about the assistant (NotHelpful: "the bot
// isn't helping") or politeness: "can someone from your team look at
// this, the bot isnt helping". Only a request for a person is read this
// way: the other commands keep the one-phrase rule.
func personInClauses(text string) (entry, bool) {
	clauses := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(",.;:!?¿¡\n", r) })
	if len(clauses) < 2 {
		return entry{}, false
	}
	var person entry
	found := false
	for _, c := range clauses {
		toks := tokens(c)
		if len(toks) == 0 || affixes(toks, false) {
			continue
		}
		if len(toks) > MaxWords {
			return entry{}, false
		}
		e, ok := match(toks)
		switch {
		case ok && e.kind == Human:
			person.kind, person.langs, found = Human, person.langs|e.langs, true
		case ok && e.kind == NotHelpful:
		case contrast[strings.Join(toks, " ")]:
		default:
			return entry{}, false
		}
	}
	return person, found
}

// contrast is a clause that only says the customer wants no machine, or
// that it is urgent.
var contrast = map[string]bool{}

func init() {
	for _, c := range []string{"not a bot", "not a machine", "not a robot", "no bots", "no bot", "no una máquina", "no un bot", "no un robot",
		"no una maquina", "não um robô", "não uma máquina", "não um bot", "e não um robô",
		"it's urgent", "this is urgent", "urgent", "asap", "es urgente", "urgente", "é urgente"} {
		contrast[normalize(c)] = true
	}
	// Not wanting a machine, in so many words: "não quero falar com um
	// robô", "no quiero hablar con un bot", "I don't want to talk to a bot";
	// on a phone the article is often left out ("não quero robô").
	machines := map[langSet][]string{
		en: {"a bot", "a robot", "a machine", "the bot", "an ai", "a chatbot", "bots", "robots", "bot", "robot", "machine", "ai", "chatbot"},
		es: {"un bot", "un robot", "una máquina", "el bot", "una ia", "un chatbot", "bots", "robots", "máquinas", "bot", "robot", "máquina", "ia", "chatbot"},
		pt: {"um bot", "um robô", "uma máquina", "o bot", "o robô", "uma ia", "um chatbot", "bots", "robôs", "máquinas", "bot", "robô", "máquina", "ia", "chatbot"},
	}
	refusals := map[langSet][]string{
		en: {"i don't want to talk to", "i dont want to talk to", "i don't want to speak to", "i dont want to speak to",
			"i don't want to chat with", "i dont want to chat with", "i'm not talking to", "im not talking to", "no more talking to", "enough of"},
		es: {"no quiero hablar con", "no quiero chatear con", "no quiero conversar con", "no quiero que me atienda", "no quiero"},
		pt: {"não quero falar com", "não quero conversar com", "não quero ser atendido por", "não quero ser atendida por", "não quero"},
	}
	for l, ms := range machines {
		for _, r := range refusals[l] {
			for _, m := range ms {
				contrast[normalize(r+" "+m)] = true
			}
		}
	}
}

// ParseConsentAnswer reads a reply to the consent prompt, including the
// titles of its reply buttons ("Accept", "Rechazar", "Aceitar"). It returns
// Accept, Decline or None. An opt-out ("STOP", "baja") counts as Decline:
// someone who asks us to stop has not consented.
func ParseConsentAnswer(text string) Kind {
	switch Parse(text).Kind {
	case Accept:
		return Accept
	case Decline, OptOut:
		return Decline
	}
	return None
}

// tokens normalises text and splits it into words, folding immediate
// repeats.
func tokens(text string) []string {
	if len(text) > maxBytes {
		text = text[:maxBytes] // may split a rune; normalize tolerates it
	}
	fields := strings.Fields(normalize(text))
	out := fields[:0]
	for _, f := range fields {
		if len(out) > 0 && out[len(out)-1] == f {
			continue
		}
		out = append(out, f)
	}
	return out
}
