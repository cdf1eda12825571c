package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// A Text names one message the bot sends on its own behalf, as opposed to
// the agent's answers.
type Text string

// Texts, in the order a conversation meets them.
const (
	FirstContact       Text = "first_contact"       // says it is an AI, states the purpose, links the notice, names the DPO where required, asks to accept
	AcceptButton       Text = "accept_button"       // reply-button title, at most 20 characters
	DeclineButton      Text = "decline_button"      // reply-button title, at most 20 characters
	Declined           Text = "declined"            // after the person declines
	OptedOut           Text = "opted_out"           // after STOP
	OptedIn            Text = "opted_in"            // after START
	Accepted           Text = "accepted"            // after the first acceptance: ready to help
	Help               Text = "help"                // lists the commands
	HumanRequested     Text = "human_requested"     // handing over to a person
	PrivacyLink        Text = "privacy_link"        // after PRIVACY
	AccessRequested    Text = "access_requested"    // after MY DATA
	ErasureConfirm     Text = "erasure_confirm"     // after DELETE MY DATA: asks for ErasurePhrase
	ErasureDone        Text = "erasure_done"        // after the erasure (or blocking) is done
	NoticeChanged      Text = "notice_changed"      // material change: consent asked again
	Unsure             Text = "unsure"              // the agent is not confident; offers a person
	Fallback           Text = "fallback"            // the answer was blocked
	UnsupportedMessage Text = "unsupported_message" // audio, image, sticker...
	MinorAgeNotice     Text = "minor_age_notice"    // the person may be under MinConsentAge
	AcceptedQuestion   Text = "accepted_question"   // after acceptance, when the first message asked something: its answer follows
	WaitInHours        Text = "wait_in_hours"       // after a hand-over, inside business hours: when to expect a person
	WaitOutsideHours   Text = "wait_outside_hours"  // after a hand-over, outside business hours: when the team is back
	WaitExpired        Text = "wait_expired"        // no one took the conversation in time; the assistant is back meanwhile
	HandedBack         Text = "handed_back"         // an operator handed the conversation back to the assistant
)

// Texts returns every Text.
func Texts() []Text {
	return []Text{
		FirstContact, AcceptButton, DeclineButton, Declined, OptedOut, OptedIn, Accepted,
		Help, HumanRequested, PrivacyLink, AccessRequested, ErasureConfirm,
		ErasureDone, NoticeChanged, Unsure, Fallback, UnsupportedMessage,
		MinorAgeNotice, AcceptedQuestion, WaitInHours, WaitOutsideHours, WaitExpired, HandedBack,
	}
}

// Languages returns the languages texts exist in.
func Languages() []string { return slices.Clone(languages) }

// MaxButtonLen is WhatsApp's limit on a reply-button title, in characters.
const MaxButtonLen = 20

// Vars fill a Text. Business, Purpose and PrivacyURL come from the
// operator's settings; write Purpose in the language rendered, as a noun
// phrase ("orders, deliveries and returns"). Pack.Text fills the fields
// below the line from the pack.
type Vars struct {
	Business      string // "Tienda Sol"
	Purpose       string // "pedidos, envíos y devoluciones"
	PrivacyURL    string // "https://example.com/privacy"
	DPOContact    string // "dpo@example.com"; shown only when ShowDPO
	NoticeVersion string // "3"
	Due           string // optional, AccessRequested: formatted due date
	Topics        string // optional, Unsure: what the assistant can help with ("shipping, returns, payments")
	Hours         string // WaitOutsideHours: the team's hours, "Mon–Fri 09:00–18:00"
	TimeZone      string // WaitOutsideHours: the hours' time zone, "Europe/Madrid"
	Wait          string // optional, WaitInHours: how long a person usually takes, "15 minutes"

	ShowDPO    bool   // the pack requires a DPO: name them
	DPOLabel   string // the role's name, e.g. "encarregado (DPO)"
	MinAge     int    // MinorAgeNotice
	BlockFirst bool   // erasure blocks before deleting (Spain, Mexico)
}

// A Command is a word a person can send, as the Help text lists it. Action
// is the intent it triggers, spelled as intent.Kind.String() spells it, so
// the two packages can be checked against each other without importing
// one another.
type Command struct {
	Word   string // "BAJA"
	Action string // "opt_out"
	Says   string // "no recibir más mensajes"
}

var commands = map[string][]Command{
	"en": {
		{"STOP", "opt_out", "stop all messages"},
		{"START", "opt_in", "get messages again"},
		{"HUMAN", "human", "talk to a person"},
		{"MY DATA", "access", "get a copy of your data"},
		{"DELETE MY DATA", "erase", "delete your data"},
		{"PRIVACY", "privacy", "how we use your data"},
		{"HELP", "help", "show this list"},
	},
	"es": {
		{"BAJA", "opt_out", "no recibir más mensajes"},
		{"ALTA", "opt_in", "volver a recibirlos"},
		{"AGENTE", "human", "hablar con una persona"},
		{"MIS DATOS", "access", "pedir una copia de tus datos"},
		{"BORRAR MIS DATOS", "erase", "borrar tus datos"},
		{"PRIVACIDAD", "privacy", "cómo usamos tus datos"},
		{"AYUDA", "help", "ver esta lista"},
	},
	"pt": {
		{"PARAR", "opt_out", "não receber mais mensagens"},
		{"VOLTAR", "opt_in", "voltar a recebê-las"},
		{"ATENDENTE", "human", "falar com uma pessoa"},
		{"MEUS DADOS", "access", "pedir uma cópia dos seus dados"},
		{"APAGAR MEUS DADOS", "erase", "apagar seus dados"},
		{"PRIVACIDADE", "privacy", "como usamos seus dados"},
		{"AJUDA", "help", "ver esta lista"},
	},
}

// Commands returns the commands Help lists in lang, or nil for an unknown
// language.
func Commands(lang string) []Command { return slices.Clone(commands[lang]) }

var erasurePhrases = map[string]string{"en": "YES DELETE", "es": "SÍ BORRAR", "pt": "SIM APAGAR"}

// ErasurePhrase returns the reply ErasureConfirm asks for in lang, or ""
// for an unknown language.
func ErasurePhrase(lang string) string { return erasurePhrases[lang] }

var dpoLabels = map[string]string{
	"en": "data protection officer (DPO)",
	"es": "delegado de protección de datos",
	"pt": "encarregado (DPO)",
}

// sources holds the text templates. {{.DPOLine}} expands to the DPO line when
// ShowDPO is set; {{cmd "action"}} to the command word for that action.
var sources = map[string]map[Text]string{
	"en": {
		FirstContact: `Hi! I'm the AI assistant of {{.Business}}: an automated program, not a person. I can help you with: {{.Purpose}}.
To do that I need to process your messages. Privacy notice (v{{.NoticeVersion}}): {{.PrivacyURL}}{{.DPOLine}}
Do you accept? You can write {{cmd "opt_out"}} at any time, or {{cmd "human"}} to talk to a person.`,
		AcceptButton:    `Accept`,
		DeclineButton:   `Decline`,
		Declined:        `Understood: I won't process your messages. If you change your mind, write {{cmd "opt_in"}}.`,
		OptedOut:        `Done: you will receive no more messages from {{.Business}}. Write {{cmd "opt_in"}} to resume.`,
		OptedIn:         `Welcome back! Messages from {{.Business}} are on again. Write {{cmd "opt_out"}} at any time to stop them.`,
		Accepted:        `Thank you! How can I help? Write {{cmd "human"}} at any time to talk to a person, or {{cmd "opt_out"}} to stop.`,
		Help:            "You can write:\n{{commands}}\nAnything else goes to the AI assistant.",
		HumanRequested:  `OK, I'm passing you to a person at {{.Business}}. They'll reply here as soon as they can.`,
		PrivacyLink:     `How {{.Business}} handles your data: {{.PrivacyURL}}{{.DPOLine}}`,
		AccessRequested: `We've received your request for a copy of your data.{{if .Due}} You'll get it by {{.Due}} at the latest.{{else}} We'll send it within the legal deadline.{{end}}`,
		ErasureConfirm:  `Do you want us to delete your data? This can't be undone.{{if .BlockFirst}} It will be blocked right away, so no one can use it, and erased for good when the legal retention period ends.{{end}} Reply {{phrase}} to confirm; anything else cancels.`,
		ErasureDone:     `Done. {{if .BlockFirst}}Your data is blocked: no one can use it, and it will be erased for good when the legal retention period ends.{{else}}Your data has been deleted.{{end}}`,
		NoticeChanged: `We've updated our privacy notice (version {{.NoticeVersion}}): {{.PrivacyURL}}
Please read it and tell me if you accept, so I can keep helping you.`,
		Unsure:             `Sorry, I'm not sure I understood, and I'd rather not guess. I can help with {{if .Topics}}{{.Topics}}{{else}}{{.Purpose}}{{end}}. Could you put it another way? Or write {{cmd "human"}} to talk to a person.`,
		Fallback:           `Sorry, I can't answer that here. Write {{cmd "human"}} to talk to a person, or {{cmd "help"}} to see what I can do.`,
		UnsupportedMessage: `Sorry, I can only read text messages for now. Could you write it down?`,
		MinorAgeNotice:     `This service is for people aged {{.MinAge}} or over. If you're younger, please ask a parent or guardian to contact us.`,
		AcceptedQuestion:   `Thank you! Now to your question:`,
		WaitInHours:        `OK, I'm passing you to a person at {{.Business}}.{{if .Wait}} They usually reply within {{.Wait}}.{{else}} They'll reply here as soon as they can.{{end}}`,
		WaitOutsideHours:   `OK, I'm passing you to a person at {{.Business}}. Our team works {{.Hours}} ({{.TimeZone}}), so it's outside their hours now: they'll reply here when they're back.`,
		WaitExpired:        `No one from our team is free right now, sorry. Your conversation stays in their queue, and meanwhile I can keep answering your questions here.`,
		HandedBack:         `You're talking to the AI assistant of {{.Business}} again. How else can I help? Write {{cmd "human"}} if you need a person.`,
	},
	"es": {
		FirstContact: `¡Hola! Soy el asistente de IA de {{.Business}}: un programa automático, no una persona. Te puedo ayudar con: {{.Purpose}}.
Para ello necesito tratar tus mensajes. Aviso de privacidad (v{{.NoticeVersion}}): {{.PrivacyURL}}{{.DPOLine}}
¿Aceptas? Puedes escribir {{cmd "opt_out"}} cuando quieras, o {{cmd "human"}} para hablar con una persona.`,
		AcceptButton:    `Aceptar`,
		DeclineButton:   `Rechazar`,
		Declined:        `Entendido: no trataré tus mensajes. Si cambias de opinión, escribe {{cmd "opt_in"}}.`,
		OptedOut:        `Listo: no recibirás más mensajes de {{.Business}}. Escribe {{cmd "opt_in"}} para volver a recibirlos.`,
		OptedIn:         `¡Hola de nuevo! Vuelves a recibir mensajes de {{.Business}}. Escribe {{cmd "opt_out"}} cuando quieras dejar de recibirlos.`,
		Accepted:        `¡Gracias! ¿En qué te puedo ayudar? Escribe {{cmd "human"}} cuando quieras hablar con una persona, o {{cmd "opt_out"}} para no recibir más mensajes.`,
		Help:            "Puedes escribir:\n{{commands}}\nTodo lo demás lo responde el asistente de IA.",
		HumanRequested:  `De acuerdo, te paso con una persona de {{.Business}}. Te responderá por aquí lo antes posible.`,
		PrivacyLink:     `Cómo trata {{.Business}} tus datos: {{.PrivacyURL}}{{.DPOLine}}`,
		AccessRequested: `Hemos recibido tu solicitud de copia de tus datos.{{if .Due}} La recibirás a más tardar el {{.Due}}.{{else}} Te la enviaremos dentro del plazo legal.{{end}}`,
		ErasureConfirm:  `¿Quieres que borremos tus datos? No se puede deshacer.{{if .BlockFirst}} Primero quedarán bloqueados, sin que nadie pueda usarlos, y se eliminarán del todo al terminar el plazo legal de conservación.{{end}} Responde {{phrase}} para confirmar; cualquier otra respuesta lo cancela.`,
		ErasureDone:     `Listo. {{if .BlockFirst}}Tus datos están bloqueados: nadie puede usarlos y se eliminarán del todo al terminar el plazo legal de conservación.{{else}}Tus datos han sido borrados.{{end}}`,
		NoticeChanged: `Hemos actualizado nuestro aviso de privacidad (versión {{.NoticeVersion}}): {{.PrivacyURL}}
Léelo y dime si lo aceptas para que pueda seguir ayudándote.`,
		Unsure:             `Perdona, no estoy seguro de haberlo entendido y prefiero no adivinar. Te puedo ayudar con {{if .Topics}}{{.Topics}}{{else}}{{.Purpose}}{{end}}. ¿Me lo dices de otra forma? O escribe {{cmd "human"}} para hablar con una persona.`,
		Fallback:           `Lo siento, no puedo responder a eso por aquí. Escribe {{cmd "human"}} para hablar con una persona o {{cmd "help"}} para ver qué puedo hacer.`,
		UnsupportedMessage: `Lo siento, por ahora solo puedo leer mensajes de texto. ¿Me lo puedes escribir?`,
		MinorAgeNotice:     `Este servicio es para personas de {{.MinAge}} años o más. Si eres menor, pide a tu madre, padre o tutor que se ponga en contacto con nosotros.`,
		AcceptedQuestion:   `¡Gracias! Vamos con tu pregunta:`,
		WaitInHours:        `De acuerdo, te paso con una persona de {{.Business}}.{{if .Wait}} Suele responder en menos de {{.Wait}}.{{else}} Te responderá por aquí lo antes posible.{{end}}`,
		WaitOutsideHours:   `De acuerdo, te paso con una persona de {{.Business}}. Nuestro equipo atiende {{.Hours}} ({{.TimeZone}}) y ahora está fuera de ese horario: te responderá por aquí en cuanto vuelva.`,
		WaitExpired:        `Ahora mismo no hay nadie del equipo disponible, lo siento. Tu conversación sigue en su cola y, mientras tanto, puedo seguir respondiendo a tus preguntas por aquí.`,
		HandedBack:         `Vuelves a hablar con el asistente de IA de {{.Business}}. ¿En qué más te puedo ayudar? Escribe {{cmd "human"}} si necesitas a una persona.`,
	},
	"pt": {
		FirstContact: `Olá! Sou o assistente de IA de {{.Business}}: um programa automático, não uma pessoa. Posso ajudar com: {{.Purpose}}.
Para isso preciso tratar suas mensagens. Aviso de privacidade (v{{.NoticeVersion}}): {{.PrivacyURL}}{{.DPOLine}}
Você aceita? Você pode escrever {{cmd "opt_out"}} a qualquer momento, ou {{cmd "human"}} para falar com uma pessoa.`,
		AcceptButton:    `Aceitar`,
		DeclineButton:   `Recusar`,
		Declined:        `Entendido: não vou tratar suas mensagens. Se mudar de ideia, escreva {{cmd "opt_in"}}.`,
		OptedOut:        `Pronto: você não vai receber mais mensagens de {{.Business}}. Escreva {{cmd "opt_in"}} para voltar a recebê-las.`,
		OptedIn:         `Que bom ter você de volta! As mensagens de {{.Business}} foram reativadas. Escreva {{cmd "opt_out"}} quando quiser parar.`,
		Accepted:        `Obrigado! Como posso ajudar? Escreva {{cmd "human"}} quando quiser falar com uma pessoa, ou {{cmd "opt_out"}} para parar.`,
		Help:            "Você pode escrever:\n{{commands}}\nO resto é respondido pelo assistente de IA.",
		HumanRequested:  `Certo, vou passar você para uma pessoa da equipe de {{.Business}}. Ela vai responder por aqui assim que possível.`,
		PrivacyLink:     `Como {{.Business}} trata seus dados: {{.PrivacyURL}}{{.DPOLine}}`,
		AccessRequested: `Recebemos seu pedido de cópia dos seus dados.{{if .Due}} Você vai recebê-la até {{.Due}}.{{else}} Vamos enviá-la dentro do prazo legal.{{end}}`,
		ErasureConfirm:  `Quer que a gente apague seus dados? Isso não pode ser desfeito.{{if .BlockFirst}} Primeiro eles ficam bloqueados, sem que ninguém possa usá-los, e são eliminados de vez quando terminar o prazo legal de guarda.{{end}} Responda {{phrase}} para confirmar; qualquer outra resposta cancela.`,
		ErasureDone:     `Pronto. {{if .BlockFirst}}Seus dados estão bloqueados: ninguém pode usá-los, e eles serão eliminados de vez quando terminar o prazo legal de guarda.{{else}}Seus dados foram apagados.{{end}}`,
		NoticeChanged: `Atualizamos nosso aviso de privacidade (versão {{.NoticeVersion}}): {{.PrivacyURL}}
Leia e me diga se você aceita, para eu continuar ajudando.`,
		Unsure:             `Desculpe, não tenho certeza se entendi e prefiro não chutar. Posso ajudar com {{if .Topics}}{{.Topics}}{{else}}{{.Purpose}}{{end}}. Pode dizer de outra forma? Ou escreva {{cmd "human"}} para falar com uma pessoa.`,
		Fallback:           `Desculpe, não posso responder isso por aqui. Escreva {{cmd "human"}} para falar com uma pessoa ou {{cmd "help"}} para ver o que posso fazer.`,
		UnsupportedMessage: `Desculpe, por enquanto só consigo ler mensagens de texto. Pode escrever?`,
		MinorAgeNotice:     `Este serviço é para pessoas com {{.MinAge}} anos ou mais. Se você tem menos, peça para seu pai, mãe ou responsável entrar em contato com a gente.`,
		AcceptedQuestion:   `Obrigado! Vamos à sua pergunta:`,
		WaitInHours:        `Certo, vou passar você para uma pessoa da equipe de {{.Business}}.{{if .Wait}} Ela costuma responder em até {{.Wait}}.{{else}} Ela vai responder por aqui assim que possível.{{end}}`,
		WaitOutsideHours:   `Certo, vou passar você para uma pessoa da equipe de {{.Business}}. Nossa equipe atende {{.Hours}} ({{.TimeZone}}) e agora está fora desse horário: ela vai responder por aqui quando voltar.`,
		WaitExpired:        `No momento ninguém da equipe está disponível, desculpe. Sua conversa continua na fila e, enquanto isso, posso continuar respondendo às suas perguntas por aqui.`,
		HandedBack:         `Você voltou a falar com o assistente de IA de {{.Business}}. Em que mais posso ajudar? Escreva {{cmd "human"}} se precisar de uma pessoa.`,
	},
}

// needs lists the Vars each text cannot do without.
var needs = map[Text][]string{
	FirstContact:     {"Business", "Purpose", "PrivacyURL", "NoticeVersion"},
	OptedOut:         {"Business"},
	OptedIn:          {"Business"},
	HumanRequested:   {"Business"},
	PrivacyLink:      {"Business", "PrivacyURL"},
	NoticeChanged:    {"PrivacyURL", "NoticeVersion"},
	MinorAgeNotice:   {"MinAge"},
	WaitInHours:      {"Business"},
	WaitOutsideHours: {"Business", "Hours", "TimeZone"},
	HandedBack:       {"Business"},
	AccessRequested:  nil,
}

// templates are parsed once; a broken template is a programming error
// caught by any test.
var templates = func() map[string]map[Text]*template.Template {
	out := map[string]map[Text]*template.Template{}
	for lang, texts := range sources {
		out[lang] = map[Text]*template.Template{}
		for name, src := range texts {
			funcs := template.FuncMap{
				"cmd":      func(action string) (string, error) { return commandWord(lang, action) },
				"commands": func() string { return commandList(lang) },
				"phrase":   func() string { return erasurePhrases[lang] },
			}
			out[lang][name] = template.Must(template.New(string(name)).Funcs(funcs).Parse(src))
		}
	}
	return out
}()

func commandWord(lang, action string) (string, error) {
	for _, c := range commands[lang] {
		if c.Action == action {
			return c.Word, nil
		}
	}
	return "", fmt.Errorf("no %s command in %s", action, lang)
}

func commandList(lang string) string {
	var b strings.Builder
	for i, c := range commands[lang] {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s – %s", c.Word, c.Says)
	}
	return b.String()
}

// ErrUnknownText is returned by Render for a language or Text the package
// does not have.
var ErrUnknownText = errors.New("unknown text")

// Render fills text t in lang ("en", "es", "pt") with v. It fails with
// ErrUnknownText for an unknown language or text, and with an error naming
// the field when t needs a Vars field that is empty, or shows the DPO
// without a DPOContact: a half-filled legal notice must not go out.
func Render(lang string, t Text, v Vars) (string, error) {
	byText, ok := templates[lang]
	if !ok {
		return "", fmt.Errorf("policy: render %s: language %q: %w", t, lang, ErrUnknownText)
	}
	tmpl, ok := byText[t]
	if !ok {
		return "", fmt.Errorf("policy: render %s: %w", t, ErrUnknownText)
	}
	for _, name := range needs[t] {
		if empty(v, name) {
			return "", fmt.Errorf("policy: render %s: %s is empty", t, name)
		}
	}
	if v.ShowDPO && strings.Contains(sources[lang][t], "{{.DPOLine}}") {
		if strings.TrimSpace(v.DPOContact) == "" {
			return "", fmt.Errorf("policy: render %s: DPOContact is empty but the region requires naming the %s", t, v.DPOLabel)
		}
		if v.DPOLabel == "" {
			v.DPOLabel = dpoLabels[lang]
		}
	}
	data := struct {
		Vars
		DPOLine string
	}{Vars: v}
	if v.ShowDPO {
		data.DPOLine = "\n" + capitalize(v.DPOLabel) + ": " + v.DPOContact
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("policy: render %s: %w", t, err)
	}
	return b.String(), nil
}

// Text renders t for this pack in lang, or in the pack's language when lang
// is "". It fills ShowDPO, DPOLabel, MinAge and BlockFirst from the pack, so
// the DPO is named exactly where the region requires one. When lang is not
// the pack's language the DPO label is the generic one for lang.
func (p Pack) Text(lang string, t Text, v Vars) (string, error) {
	if lang == "" {
		lang = p.Language
	}
	v.ShowDPO = p.DPORequired
	v.DPOLabel = p.DPOLabel
	if lang != p.Language || v.DPOLabel == "" {
		v.DPOLabel = dpoLabels[lang]
	}
	v.MinAge = p.MinConsentAge
	v.BlockFirst = p.BlockBeforeDelete
	return Render(lang, t, v)
}

func empty(v Vars, name string) bool {
	switch name {
	case "Business":
		return strings.TrimSpace(v.Business) == ""
	case "Purpose":
		return strings.TrimSpace(v.Purpose) == ""
	case "PrivacyURL":
		return strings.TrimSpace(v.PrivacyURL) == ""
	case "NoticeVersion":
		return strings.TrimSpace(v.NoticeVersion) == ""
	case "MinAge":
		return v.MinAge <= 0
	case "Hours":
		return strings.TrimSpace(v.Hours) == ""
	case "TimeZone":
		return strings.TrimSpace(v.TimeZone) == ""
	}
	return false
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
