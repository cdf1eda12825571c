package knowledge

import (
	"strings"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// talk is the kind of small talk in a message.
type talk int

const (
	talkNone   talk = iota
	talkAck         // "ok", "perfect"
	talkGreet       // "hi", "buenos días"
	talkBye         // "bye", "tchau"
	talkThanks      // "thanks", "gracias", "obrigado"
)

func (t talk) String() string {
	return [...]string{"none", "ack", "greeting", "goodbye", "thanks"}[t]
}

// smallTalkPhrases are folded word sequences; longer phrases are tried first.
var smallTalkPhrases = map[string]talk{
	"hi": talkGreet, "hello": talkGreet, "hey": talkGreet, "hiya": talkGreet, "howdy": talkGreet,
	"good morning": talkGreet, "good afternoon": talkGreet, "good evening": talkGreet, "morning": talkGreet,
	"how are you": talkGreet, "how are you doing": talkGreet, "greetings": talkGreet,
	"hola": talkGreet, "buenas": talkGreet, "buenos dias": talkGreet, "buenas tardes": talkGreet,
	"buenas noches": talkGreet, "buen dia": talkGreet, "que tal": talkGreet, "como estas": talkGreet, "saludos": talkGreet,
	"ola": talkGreet, "oi": talkGreet, "bom dia": talkGreet, "boa tarde": talkGreet, "boa noite": talkGreet,
	"tudo bem": talkGreet, "como vai": talkGreet, "ola tudo bem": talkGreet,

	"thanks": talkThanks, "thank you": talkThanks, "thx": talkThanks, "ty": talkThanks, "cheers": talkThanks,
	"thanks a lot": talkThanks, "many thanks": talkThanks, "thank you very much": talkThanks,
	"thank you so much": talkThanks, "thanks so much": talkThanks, "appreciated": talkThanks, "much appreciated": talkThanks,
	"gracias": talkThanks, "muchas gracias": talkThanks, "mil gracias": talkThanks, "te lo agradezco": talkThanks,
	"obrigado": talkThanks, "obrigada": talkThanks, "muito obrigado": talkThanks, "muito obrigada": talkThanks,
	"valeu": talkThanks, "brigado": talkThanks, "brigada": talkThanks, "obg": talkThanks,

	"bye": talkBye, "goodbye": talkBye, "bye bye": talkBye, "see you": talkBye, "see you later": talkBye,
	"have a nice day": talkBye, "have a good day": talkBye,
	"adios": talkBye, "hasta luego": talkBye, "hasta pronto": talkBye, "chao": talkBye, "chau": talkBye,
	"nos vemos": talkBye, "que tengas un buen dia": talkBye,
	"tchau": talkBye, "adeus": talkBye, "ate logo": talkBye, "ate mais": talkBye, "ate breve": talkBye,
	"bom fim de semana": talkBye,

	"ok": talkAck, "okay": talkAck, "okey": talkAck, "oki": talkAck, "vale": talkAck, "great": talkAck,
	"perfect": talkAck, "perfecto": talkAck, "perfeito": talkAck, "genial": talkAck, "otimo": talkAck,
	"excelente": talkAck, "excellent": talkAck, "cool": talkAck, "nice": talkAck, "got it": talkAck,
	"entendido": talkAck, "entendi": talkAck, "de acuerdo": talkAck, "combinado": talkAck, "fixe": talkAck,
	"that s all": talkAck, "thats all": talkAck, "eso es todo": talkAck, "e tudo": talkAck, "so isso": talkAck,
	"very kind": talkAck, "muy amable": talkAck, "muito gentil": talkAck,
	"for everything": talkAck, "por todo": talkAck, "por tudo": talkAck, "for your help": talkAck,
	"por tu ayuda": talkAck, "por su ayuda": talkAck, "pela ajuda": talkAck, "again": talkAck,
	"there": talkAck, "team": talkAck, "equipo": talkAck, "equipa": talkAck, "pessoal": talkAck,
}

const maxPhraseWords = 6

// smallTalk strips greeting, thanks and filler phrases (and the business's
// name) from both ends of words. It returns the strongest kind found and
// what is left, which is a question when not empty.
func smallTalk(words []string, business string) (talk, []string) {
	name := map[string]bool{}
	for _, w := range fold.Words(business) {
		name[w] = true
	}
	kind := talkNone
	match := func(ws []string, fromEnd bool) int {
		for n := min(maxPhraseWords, len(ws)); n >= 1; n-- {
			var seg []string
			if fromEnd {
				seg = ws[len(ws)-n:]
			} else {
				seg = ws[:n]
			}
			if k, ok := smallTalkPhrases[strings.Join(seg, " ")]; ok {
				kind = max(kind, k)
				return n
			}
		}
		if len(ws) > 0 {
			w := ws[0]
			if fromEnd {
				w = ws[len(ws)-1]
			}
			if name[w] {
				return 1
			}
		}
		return 0
	}
	for len(words) > 0 {
		n := match(words, false)
		if n == 0 {
			break
		}
		words = words[n:]
	}
	for len(words) > 0 {
		n := match(words, true)
		if n == 0 {
			break
		}
		words = words[:len(words)-n]
	}
	return kind, words
}

// smallTalkReply answers small talk. A greeting says the customer is talking
// to an AI and can ask for a person: trement discloses AI use up front.
func smallTalkReply(k talk, lang, business string) string {
	type texts struct{ greet, thanks, bye, us string }
	t := map[string]texts{
		"en": {
			greet:  "Hi! I'm the virtual assistant of %s. I'm an AI: a person from our team can take over whenever you ask. How can I help you?",
			thanks: "You're welcome! Is there anything else I can help you with?",
			bye:    "Thank you for writing to %s. Have a nice day!",
			us:     "our shop",
		},
		"es": {
			greet:  "¡Hola! Soy el asistente virtual de %s. Soy una IA: una persona de nuestro equipo puede atenderte cuando lo pidas. ¿En qué puedo ayudarte?",
			thanks: "¡De nada! ¿Puedo ayudarte en algo más?",
			bye:    "Gracias por escribir a %s. ¡Que tengas un buen día!",
			us:     "nuestra tienda",
		},
		"pt": {
			greet:  "Olá! Sou o assistente virtual de %s. Sou uma IA: uma pessoa da nossa equipa pode continuar a conversa sempre que pedir. Em que posso ajudar?",
			thanks: "De nada! Posso ajudar em mais alguma coisa?",
			bye:    "Obrigado por contactar %s. Tenha um bom dia!",
			us:     "a nossa loja",
		},
	}[lang]
	name := strings.TrimSpace(business)
	if name == "" {
		name = t.us
	}
	switch k {
	case talkGreet:
		return strings.Replace(t.greet, "%s", name, 1)
	case talkBye:
		return strings.Replace(t.bye, "%s", name, 1)
	default:
		return t.thanks
	}
}
