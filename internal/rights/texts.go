package rights

import (
	"fmt"
	"strings"
)

// msg names one message this package sends the customer.
type msg int

const (
	msgPreparing       msg = iota // access: the copy is being prepared (due)
	msgReceived                   // recorded, waits for the DPO (due)
	msgReady                      // summary and link (conversations, messages, consent records, requests, expiry, link)
	msgConfirm                    // an operator entered a request: confirm? (type, due)
	msgConfirmButton              // button title
	msgDenyButton                 // button title
	msgConfirmed                  // thanks, due
	msgDenied                     // closed
	msgNotWaiting                 // the button names no request waiting for this customer
	msgCorrectionNoted            // correction for the DPO recorded (due)
	msgCorrectHow                 // how to use the correction commands
	msgLanguageSet                // language changed
	msgNameSet                    // name corrected
	msgNameNotKept                // we do not keep a name
	msgErasureWaits               // erasure recorded, waits for the DPO (due)
)

var texts = map[string]map[msg]string{
	"en": {
		msgPreparing:       "We're preparing a copy of your data; the download link will arrive here shortly (at the latest by %s).",
		msgReceived:        "We've received your request. It will be answered by %s at the latest.",
		msgReady:           "Here is a copy of your data: %d conversation(s), %d message(s), %d consent record(s), %d request(s), as JSON and CSV in a ZIP file. The link works once and expires at %s:\n%s",
		msgConfirm:         "We received a request (%s) for your data on your behalf. Was it you? It will be answered by %s at the latest once you confirm.",
		msgConfirmButton:   "Yes, it was me",
		msgDenyButton:      "No, it wasn't",
		msgConfirmed:       "Thank you: your request is confirmed and will be answered by %s at the latest.",
		msgDenied:          "Understood: we've closed that request and done nothing with your data.",
		msgNotWaiting:      "That request is no longer waiting for your answer.",
		msgCorrectionNoted: "Thank you: we've recorded what you say is wrong and our data-protection team will correct it by %s at the latest.",
		msgCorrectHow:      "To correct your data, write LANGUAGE followed by en, es or pt, NAME followed by your name, or CORRECT followed by what is wrong.",
		msgLanguageSet:     "Done: I'll answer you in English from now on.",
		msgNameSet:         "Done: we've corrected your name.",
		msgNameNotKept:     "We don't keep your name, so there's nothing to correct.",
		msgErasureWaits:    "Your erasure request is recorded. Our data-protection officer will carry it out by %s at the latest.",
	},
	"es": {
		msgPreparing:       "Estamos preparando una copia de tus datos; el enlace de descarga llegará aquí en breve (a más tardar el %s).",
		msgReceived:        "Hemos recibido tu solicitud. La responderemos a más tardar el %s.",
		msgReady:           "Aquí tienes una copia de tus datos: %d conversación(es), %d mensaje(s), %d registro(s) de consentimiento, %d solicitud(es), en JSON y CSV dentro de un archivo ZIP. El enlace funciona una sola vez y caduca el %s:\n%s",
		msgConfirm:         "Hemos recibido en tu nombre una solicitud (%s) sobre tus datos. ¿Fuiste tú? La responderemos a más tardar el %s cuando la confirmes.",
		msgConfirmButton:   "Sí, fui yo",
		msgDenyButton:      "No fui yo",
		msgConfirmed:       "Gracias: tu solicitud está confirmada y la responderemos a más tardar el %s.",
		msgDenied:          "Entendido: hemos cerrado esa solicitud sin hacer nada con tus datos.",
		msgNotWaiting:      "Esa solicitud ya no espera tu respuesta.",
		msgCorrectionNoted: "Gracias: hemos anotado lo que dices que está mal y nuestro equipo de protección de datos lo corregirá a más tardar el %s.",
		msgCorrectHow:      "Para corregir tus datos, escribe IDIOMA seguido de es, en o pt, NOMBRE seguido de tu nombre, o CORREGIR seguido de lo que está mal.",
		msgLanguageSet:     "Listo: a partir de ahora te responderé en español.",
		msgNameSet:         "Listo: hemos corregido tu nombre.",
		msgNameNotKept:     "No guardamos tu nombre, así que no hay nada que corregir.",
		msgErasureWaits:    "Tu solicitud de borrado está registrada. Nuestro delegado de protección de datos la llevará a cabo a más tardar el %s.",
	},
	"pt": {
		msgPreparing:       "Estamos preparando uma cópia dos seus dados; o link para baixar chega aqui em instantes (no máximo até %s).",
		msgReceived:        "Recebemos seu pedido. Ele será respondido até %s, no máximo.",
		msgReady:           "Aqui está uma cópia dos seus dados: %d conversa(s), %d mensagem(ns), %d registro(s) de consentimento, %d pedido(s), em JSON e CSV num arquivo ZIP. O link funciona uma vez e expira em %s:\n%s",
		msgConfirm:         "Recebemos em seu nome um pedido (%s) sobre seus dados. Foi você? Ele será respondido até %s, no máximo, depois que você confirmar.",
		msgConfirmButton:   "Sim, fui eu",
		msgDenyButton:      "Não fui eu",
		msgConfirmed:       "Obrigado: seu pedido está confirmado e será respondido até %s, no máximo.",
		msgDenied:          "Entendido: fechamos esse pedido sem fazer nada com seus dados.",
		msgNotWaiting:      "Esse pedido não está mais esperando sua resposta.",
		msgCorrectionNoted: "Obrigado: registramos o que você diz que está errado e nossa equipe de proteção de dados vai corrigir até %s, no máximo.",
		msgCorrectHow:      "Para corrigir seus dados, escreva IDIOMA seguido de pt, en ou es, NOME seguido do seu nome, ou CORRIGIR seguido do que está errado.",
		msgLanguageSet:     "Pronto: a partir de agora vou responder em português.",
		msgNameSet:         "Pronto: corrigimos seu nome.",
		msgNameNotKept:     "Não guardamos seu nome, então não há nada para corrigir.",
		msgErasureWaits:    "Seu pedido de exclusão está registrado. Nosso encarregado (DPO) vai executá-lo até %s, no máximo.",
	},
}

// typeNames names the request types in the customer's language.
var typeNames = map[string]map[Type]string{
	"en": {Access: "access", Portability: "portability", Correction: "correction", Erasure: "erasure", Restriction: "restriction or objection"},
	"es": {Access: "acceso", Portability: "portabilidad", Correction: "rectificación", Erasure: "supresión", Restriction: "limitación u oposición"},
	"pt": {Access: "acesso", Portability: "portabilidade", Correction: "correção", Erasure: "eliminação", Restriction: "limitação ou oposição"},
}

// say renders m in lang (English when lang is unknown).
func say(lang string, m msg, args ...any) string {
	t, ok := texts[lang]
	if !ok {
		t = texts["en"]
	}
	return fmt.Sprintf(t[m], args...)
}

func typeName(lang string, t Type) string {
	if n, ok := typeNames[lang][t]; ok {
		return n
	}
	return typeNames["en"][t]
}

// formatDue writes a due date the way every language here reads it.
func formatDue(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04 UTC") }

// command is a correction the customer typed.
type command struct {
	field string // "language", "name", "statement"
	value string
}

// commandWords maps each correction word, in every language, to its field.
var commandWords = map[string]string{
	"language": "language", "idioma": "language", "lingua": "language", "língua": "language",
	"name": "name", "nombre": "name", "nome": "name",
	"correct": "statement", "corregir": "statement", "corrigir": "statement",
}

// parseCommand reads "WORD value" (the word in capitals) or "word: value"
// (any case). Ordinary sentences that start with one of the words ("name
// of the product?") are not commands: they lack the capitals or the colon.
// A bare word (value empty) is a command asking how.
func parseCommand(text string) (command, bool) {
	text = strings.TrimSpace(text)
	word, rest, _ := strings.Cut(text, " ")
	colon := strings.HasSuffix(word, ":")
	if !colon {
		if w, r, ok := strings.Cut(text, ":"); ok && !strings.Contains(w, " ") {
			word, rest, colon = w, r, true
		}
	}
	word = strings.TrimSuffix(word, ":")
	field, ok := commandWords[strings.ToLower(word)]
	if !ok || (!colon && word != strings.ToUpper(word)) {
		return command{}, false
	}
	return command{field: field, value: strings.TrimSpace(rest)}, true
}

// languageOf reads a language the customer names ("es", "español", "Spanish").
func languageOf(s string) (string, bool) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(s), ".!")) {
	case "en", "english", "inglés", "ingles", "inglês":
		return "en", true
	case "es", "español", "espanol", "spanish", "espanhol", "castellano":
		return "es", true
	case "pt", "português", "portugues", "portuguese", "portugués":
		return "pt", true
	}
	return "", false
}
