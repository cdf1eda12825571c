package conversation

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/intent"
	"github.com/trement/trement/internal/language"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/redact"
)

// Config is the business's compliance choices the flow applies.
type Config struct {
	BusinessName      string
	Purpose           string            // in English; the consent ledger records it
	Purposes          map[string]string // the purpose as each notice language states it
	PrivacyURL        string
	DPOContact        string
	NoticeVersion     string
	NoticeMaterial    bool // the current notice changed materially: ask again
	KeepProfileName   bool
	EscalateSensitive bool
	Confidence        float64 // agent answers below it are escalated
	Instructions      string
	HistoryTurns      int
	TemplateName      string // sent instead of free-form text outside the 24-hour window
	TemplateLanguage  string
	TemplateBody      []string // TemplateName's body variables, in order
	// NumberTemplates overrides the template per business number
	// (phone_number_id): a number of another WhatsApp Business Account has
	// templates of its own.
	NumberTemplates map[string]NumberTemplate
	MarkRead        bool          // mark inbound messages read once stored
	NoticeResend    time.Duration // while consent is pending, the notice is sent again only this long after the last (0: 24h)

	// Topics say, per language, what the assistant can help with; an
	// unsure answer names them ("shipping, returns and payments").
	Topics map[string]string
	// Hours are when people answer; a hand-over tells the customer when
	// to expect one. The zero value is always open.
	Hours Hours
	// HumanWait is how long a conversation waits for a person before the
	// customer is told no one is free and the assistant answers again
	// (0: it waits for good). Inside Hours the hand-over names it.
	HumanWait time.Duration
	// AnswerWhileWaiting lets the assistant answer knowledge questions
	// while a conversation waits for a person (off: it stays silent).
	AnswerWhileWaiting bool
	// Redactor masks what reaches the agent provider and finds the
	// customer's values in it; the business's allow-list lives in its
	// Options. Nil: redact's defaults.
	Redactor *redact.Detector
	// DownloadMedia keeps the files customers send (after consent, like
	// their text): each is queued with its message and downloaded by the
	// media worker, off the webhook's path. Off: only the type and
	// caption are kept. The agent never sees a file, only its label.
	DownloadMedia bool
	// MediaMaxBytes is the largest file kept (0: 16 MiB); a larger one is
	// refused from its metadata, before it is fetched.
	MediaMaxBytes int64
}

// Button ids of the consent question.
const (
	ButtonAccept  = "consent:accept"
	ButtonDecline = "consent:decline"
)

// Message statuses of inbound messages on their way through the agent.
const (
	StatusAgentPending Status = "agent_pending"
	StatusAnswered     Status = "answered"
)

// pendingErase is Contact.PendingAction while the erasure confirmation is
// awaited.
const pendingErase = "erase_confirm"

// Flow decides what each inbound event does: the consent gate, commands,
// escalation, and whether the agent answers. It runs inside the
// transaction that also deletes the event from the inbox, so each event
// takes effect exactly once.
type Flow struct {
	cfg     Config
	policy  *policy.Engine
	store   Store
	log     *slog.Logger
	stats   *Stats
	held    *heldQuestions
	rights  Rights
	tracing *tracing
}

// NumberTemplate is one business number's template for a closed window.
type NumberTemplate struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Body     []string `json:"body,omitempty"` // body variables, in order
}

// agentJob asks the agent to answer one stored inbound message. Jobs made
// by the flow carry what the turn needs, read inside the writer's
// transaction (whose page cache is warm), so the agent reads nothing;
// jobs recovered at start-up carry only the ids.
type agentJob struct {
	ConversationID string
	MessageID      string

	lang    string // the reply's language
	quote   bool   // quote the customer's message in the answer
	conv    *Conversation
	contact *Contact
	history []*Message
	msg     *Message
	quoted  string // the text of the message msg replies to, if any
	trace   string // traceparent of the flow step that asked for the turn
}

// seenKey is the de-duplication key of an inbound message ("" if it
// carries no id: Step drops it).
func (m *Inbound) seenKey() string {
	if m.WAMessageID == "" || m.From == "" {
		return ""
	}
	return "m:" + m.WAMessageID
}

// seenKey is the de-duplication key of a status ("" if it is malformed:
// Status drops it).
func (s *StatusEvent) seenKey() string {
	if s.WAMessageID == "" || s.Status.Rank() == 0 {
		return ""
	}
	return "s:" + s.WAMessageID + ":" + string(s.Status)
}

// Step applies one inbound message. It returns an agent job when the agent
// should answer, to be scheduled after the transaction commits.
func (f *Flow) Step(tx Tx, m Inbound) (*agentJob, error) {
	if m.WAMessageID == "" || m.From == "" {
		f.stats.Malformed.Add(1)
		return nil, nil
	}
	first, err := tx.MarkSeen(m.seenKey())
	if err != nil {
		return nil, err
	}
	if !first {
		f.stats.Duplicates.Add(1)
		return nil, nil
	}
	f.stats.Inbound.Add(1)
	if m.System != nil {
		return nil, f.system(tx, m)
	}
	if m.Reaction != nil {
		return nil, f.react(tx, m)
	}
	// Nothing longer than WhatsApp's own text limit is kept, shown, held
	// or given to the agent (a signed body may carry megabytes of text).
	var cut bool
	if m.Text, cut = CapBody(m.Text); cut {
		m.Truncated = true
	}
	c, err := tx.ContactByWaID(m.From)
	if errors.Is(err, ErrNotFound) {
		c, err = f.newContact(tx, m)
	}
	if err != nil {
		return nil, fmt.Errorf("flow: contact: %w", err)
	}
	if f.cfg.KeepProfileName && m.ProfileName != "" {
		c.ProfileName = m.ProfileName
	}
	if m.Timestamp.After(c.LastInboundAt) {
		c.LastInboundAt = m.Timestamp
	}
	conv, err := tx.OpenConversation(c.ID, m.PhoneNumberID)
	if err != nil {
		return nil, fmt.Errorf("flow: conversation: %w", err)
	}
	if m.Timestamp.After(conv.LastInboundAt) {
		conv.LastInboundAt = m.Timestamp
	}
	s := &step{f: f, tx: tx, m: m, c: c, conv: conv}
	withdrawn := c.ConsentState == ConsentWithdrawn
	job, err := s.run()
	if errors.Is(err, errErased) {
		return nil, nil // the contact and its conversation are gone
	}
	if err != nil {
		return nil, err
	}
	// Every message gets its blue ticks, commands and consent answers
	// too; only a customer who opted out hears nothing until START.
	if !withdrawn || c.ConsentState != ConsentWithdrawn {
		if err := s.markRead(false); err != nil {
			return nil, err
		}
	}
	if err := tx.UpdateContact(c); err != nil {
		return nil, err
	}
	if err := tx.UpdateConversation(conv); err != nil {
		return nil, err
	}
	return job, nil
}

// react records a customer's reaction on the message it names, or clears
// it when the emoji is empty. A reaction is not a question: the agent never
// answers it, and it neither opens a conversation nor moves the 24-hour
// window (Meta does not document that a reaction opens one, and a window
// wrongly thought open fails the next free-form send). Before consent,
// or from a customer we do not know, it is not kept.
func (f *Flow) react(tx Tx, m Inbound) error {
	c, err := tx.ContactByWaID(m.From)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("flow: reaction: %w", err)
	}
	if err != nil || c.ConsentState != ConsentGranted {
		f.stats.Silenced.Add(1)
		return nil
	}
	_, err = tx.SetReaction(c.ID, m.Reaction.WAMessageID, m.Reaction.Emoji)
	if !errors.Is(err, ErrNotFound) {
		if err != nil {
			return fmt.Errorf("flow: reaction: %w", err)
		}
		return nil
	}
	// Its message is not recorded: a reply whose id Meta's answer has not
	// confirmed yet (the customer reacts before the send's transaction
	// commits), a webhook out of order, or a message never kept (a notice
	// sent before consent). The reaction is kept as a row of its own,
	// shown to operators, and moved onto its message if that message gets
	// the id (linkReactions). It goes in the contact's latest
	// conversation without opening one or moving its window.
	conv, err := tx.LatestConversation(c.ID)
	if errors.Is(err, ErrNotFound) {
		conv, err = tx.OpenConversation(c.ID, m.PhoneNumberID)
	}
	if err != nil {
		return fmt.Errorf("flow: reaction: %w", err)
	}
	r := &Message{ConversationID: conv.ID, ContactID: c.ID, Direction: In, WAMessageID: m.WAMessageID, Type: TypeReaction,
		Body: m.Reaction.Emoji, Author: "customer", Status: StatusReceived, WATimestamp: m.Timestamp, ReplyTo: m.Reaction.WAMessageID}
	if err := tx.InsertMessage(r); err != nil && !errors.Is(err, ErrDuplicate) {
		return fmt.Errorf("flow: reaction: %w", err)
	}
	return nil
}

// linkReactions moves the reactions kept while the messages with WhatsApp
// ids wamids were not recorded onto them, now that they are: for each
// message, the newest of its customer's becomes its reaction, and the rows
// that held them go. A reaction row of another customer than the message's
// stays (a customer reacts only in their own chat).
func linkReactions(tx Tx, wamids ...string) error {
	pending, err := tx.PendingReactions(wamids...)
	if err != nil || len(pending) == 0 {
		return err
	}
	for _, wamid := range wamids {
		byContact := map[string][]*Message{}
		var contacts []string
		for _, r := range pending[wamid] {
			if byContact[r.ContactID] == nil {
				contacts = append(contacts, r.ContactID)
			}
			byContact[r.ContactID] = append(byContact[r.ContactID], r)
		}
		for _, c := range contacts {
			rs := byContact[c]
			if _, err := tx.SetReaction(c, wamid, rs[len(rs)-1].Body); errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return fmt.Errorf("flow: link reactions: %w", err)
			}
			for _, r := range rs {
				if err := tx.DeleteMessage(r.ID); err != nil && !errors.Is(err, ErrNotFound) {
					return fmt.Errorf("flow: link reactions: %w", err)
				}
			}
		}
	}
	return nil
}

func (f *Flow) newContact(tx Tx, m Inbound) (*Contact, error) {
	d := f.policy.ForPhone(m.From)
	// Contact.Language is the language the law asks notices in: the
	// region's (or the country's, below). What the customer writes in is
	// read from each message (see step.run).
	c := &Contact{WaID: m.From, Region: string(d.Pack.Region), RegionReason: d.Reason, Language: d.Pack.Language, ConsentState: ConsentNone}
	// A customer erased while opted out stays opted out: never messaged
	// again until they say START.
	if opted, err := tx.ErasedOptedOut(m.From); err != nil {
		return nil, err
	} else if opted {
		c.ConsentState = ConsentWithdrawn
	}
	if l, ok := countryLanguage[d.CountryCode]; ok {
		c.Language = l // a Portuguese number under GDPR still reads Portuguese
	}
	if c.Language == "" {
		c.Language = "en"
	}
	return c, tx.CreateContact(c)
}

// countryLanguage is the notice language of countries that speak one we
// ship, whatever their region's pack says.
var countryLanguage = map[int]string{
	351: "pt", 55: "pt", 244: "pt", 258: "pt", 238: "pt", 245: "pt", 239: "pt", 670: "pt",
	34: "es", 52: "es", 57: "es", 54: "es", 56: "es", 51: "es", 58: "es", 593: "es", 591: "es", 595: "es",
	598: "es", 502: "es", 503: "es", 504: "es", 505: "es", 506: "es", 507: "es", 53: "es", 240: "es",
}

// step is one inbound message being applied.
type step struct {
	f     *Flow
	tx    Tx
	m     Inbound
	c     *Contact
	conv  *Conversation
	lang  string // the language replies of this step are written in; see language
	guess string // the command parser's guess at the message's language
	quote bool   // the answer quotes the message (a held first question)
	read  bool   // a read receipt for the message is queued
}

// language is the language the step's replies are written in, worked out
// when first needed: most messages before consent get no reply at all.
func (s *step) language() string {
	if s.lang == "" {
		s.lang = replyLanguage(s.m.Text, s.guess, s.conv, s.c)
	}
	return s.lang
}

// replyLanguage is the language to answer text in: the one it is written
// in, else the one the customer last wrote in, else the region's. A
// message that says nothing ("ok", "STOP") never changes it, and no single
// message changes it for good.
func replyLanguage(text, guess string, conv *Conversation, c *Contact) string {
	for _, l := range []string{language.Detect(text), guess, conv.Language, c.Language} {
		if l != "" {
			return l
		}
	}
	return language.English
}

// setLanguage fixes the step's language from its message and, once the
// customer has consented, remembers what they wrote in for the messages
// that do not tell.
func (s *step) setLanguage(guess string) {
	s.lang, s.guess = "", guess
	if s.c.ConsentState != ConsentGranted {
		return
	}
	if d := language.Detect(s.m.Text); d != "" {
		s.conv.Language = d
	} else if guess != "" {
		s.conv.Language = guess
	}
}

func (s *step) pack() policy.Pack {
	p, ok := s.f.policy.Pack(policy.Region(s.c.Region))
	if !ok {
		p, _ = s.f.policy.Pack(policy.Strict)
	}
	return p
}

func (s *step) run() (*agentJob, error) {
	if s.f.rights != nil && strings.HasPrefix(s.m.ButtonID, RightsButtonPrefix) {
		return nil, s.rightsMessage()
	}
	match := intent.Parse(s.m.Text)
	s.setLanguage(match.Language)
	switch s.c.ConsentState {
	case ConsentNone, ConsentDeclined:
		if match.Kind == intent.OptOut {
			s.f.held.drop(s.c.ID)
			return nil, s.optOut()
		}
		s.hold(match)
		return nil, s.askConsent(policy.FirstContact)
	case ConsentPending:
		return s.answerConsent(match)
	case ConsentWithdrawn:
		if match.Kind == intent.OptIn {
			return nil, s.grant(consent.ReOptIn, policy.OptedIn)
		}
		// Opted out: nothing is kept and nothing is sent until START.
		s.f.stats.Silenced.Add(1)
		return nil, nil
	}
	// Granted.
	if s.f.cfg.NoticeMaterial && s.c.NoticeVersion != s.f.cfg.NoticeVersion {
		return nil, s.askConsent(policy.NoticeChanged)
	}
	if s.c.PendingAction == pendingErase {
		s.c.PendingAction = ""
		if match.Kind == intent.EraseConfirm {
			return nil, s.eraseConfirmed()
		}
		if s.f.rights != nil {
			if err := s.f.rights.EraseCancelled(s.tx, s.c); err != nil {
				return nil, err
			}
		}
	}
	if s.f.rights != nil && match.Kind == intent.None {
		was := s.c.Language
		reply, handled, err := s.f.rights.Handle(s.tx, s.c, s.lang, s.m.Text, s.m.ButtonID)
		if err != nil || handled {
			if err == nil && s.c.Language != was {
				// The customer corrected the answer language: it holds
				// for this conversation too, until they write in another.
				s.conv.Language, s.lang = s.c.Language, s.c.Language
			}
			if err == nil {
				err = s.say(reply)
			}
			return nil, err
		}
	}
	switch match.Kind {
	case intent.OptOut:
		return nil, s.optOut()
	case intent.Help:
		return nil, s.sayText(policy.Help)
	case intent.Privacy:
		return nil, s.sayText(policy.PrivacyLink)
	case intent.Access:
		return nil, s.access()
	case intent.Erase:
		s.c.PendingAction = pendingErase
		if s.f.rights != nil {
			if _, err := s.f.rights.Requested(s.tx, s.c, s.lang, "erasure"); err != nil {
				return nil, err
			}
		}
		return nil, s.sayText(policy.ErasureConfirm)
	case intent.OptIn:
		return nil, s.sayText(policy.OptedIn)
	}
	return s.converse(match)
}

// botAnswers reports whether the assistant answers the conversation's
// messages: it does unless a person has it or it waits for one, and while
// it waits only when the business allows it or the wait has expired.
func (f *Flow) botAnswers(conv *Conversation) bool {
	switch conv.State {
	case StateBot:
		return true
	case StateWaitingHuman:
		return f.cfg.AnswerWhileWaiting || conv.WaitExpired
	}
	return false
}

// converse stores a customer's message of a consented conversation and
// decides who answers it: a person (on request or a sensitive topic), no
// one yet (a person has it), or the agent, whose job it returns.
func (s *step) converse(match intent.Match) (*agentJob, error) {
	// Who answers is decided before the message is stored, so a message
	// for the agent is stored agent_pending at once (one write, not two).
	human := match.Kind == intent.Human && s.conv.State != StateHuman // an operator who has it reads it
	cats := redact.Sensitive(s.m.Text)
	flag := len(cats) > 0 && !s.conv.Sensitive
	sensitiveHandOver := flag && s.f.cfg.EscalateSensitive && s.conv.State == StateBot
	answers := s.f.botAnswers(s.conv) // flagging a topic sensitive does not change it
	notHelpful := match.Kind == intent.NotHelpful
	notHelpfulHandOver := notHelpful && s.conv.NotHelpful+1 >= 2 && s.conv.State == StateBot
	unsupported := s.m.Type != "text" && s.m.Type != "interactive" && s.m.Type != "button" && wordless(s.m.Text) || s.m.Type == "unsupported"
	agent := !human && !sensitiveHandOver && answers && !notHelpfulHandOver && !unsupported
	status := StatusReceived
	if agent {
		status = StatusAgentPending
	}
	in := &Message{ConversationID: s.conv.ID, ContactID: s.c.ID, Direction: In, WAMessageID: s.m.WAMessageID,
		Type: s.m.Type, Body: s.m.Text, Author: "customer", Status: status, WATimestamp: s.m.Timestamp, Truncated: s.m.Truncated,
		ReplyTo: s.m.ReplyTo, Meta: s.m.Meta}
	if err := s.tx.InsertMessage(in); err != nil {
		if errors.Is(err, ErrDuplicate) {
			return nil, nil
		}
		return nil, fmt.Errorf("flow: store message: %w", err)
	}
	if s.f.cfg.DownloadMedia && s.m.Media != nil {
		if err := s.tx.QueueMedia(&Media{MessageID: in.ID, ContactID: s.c.ID, Ref: *s.m.Media}); err != nil {
			return nil, fmt.Errorf("flow: queue media: %w", err)
		}
	}
	// Webhooks may come out of order: a reaction to this message may
	// have come first.
	if err := linkReactions(s.tx, in.WAMessageID); err != nil {
		return nil, err
	}
	// The typing indicator says a reply is coming: not while a person has
	// the conversation and the assistant is silent.
	if err := s.markRead(answers || human); err != nil {
		return nil, err
	}
	if human {
		return nil, s.escalate("customer_request")
	}
	if flag {
		s.conv.Sensitive = true
		if err := s.audit("conversation.sensitive_flagged", "category="+string(cats[0])); err != nil {
			return nil, err
		}
		if sensitiveHandOver {
			return nil, s.escalate("sensitive_topic")
		}
	}
	if !answers {
		return nil, nil // a human has it: operators see the message
	}
	if notHelpful {
		s.conv.NotHelpful++
		if notHelpfulHandOver {
			return nil, s.escalate("not_helpful_twice")
		}
	}
	if unsupported {
		return nil, s.sayText(policy.UnsupportedMessage)
	}
	// Here agent holds: the message was stored agent_pending.
	history, err := s.tx.Messages(s.conv.ID, s.f.cfg.HistoryTurns+1)
	if err != nil {
		return nil, err
	}
	quoted, err := quotedText(s.tx, s.c.ID, s.m.ReplyTo, "")
	if err != nil {
		return nil, err
	}
	in.Status = StatusAgentPending
	conv, c := *s.conv, *s.c
	return &agentJob{ConversationID: s.conv.ID, MessageID: in.ID, lang: s.language(), quote: s.quote, conv: &conv, contact: &c, history: history, msg: in,
		quoted: quoted}, nil
}

// quotedText is the text of the message a customer's message replies to,
// named by its WhatsApp id (a new message) or its row (a stored one): "" if
// it is not a reply, or replies to a message not kept (a notice sent
// before consent) or to an operators' note.
func quotedText(tx Tx, contactID, wamid, id string) (string, error) {
	var q *Message
	var err error
	switch {
	case id != "":
		q, err = tx.Message(id)
	case wamid != "":
		q, err = tx.ContactMessage(contactID, wamid)
	default:
		return "", nil
	}
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("flow: quoted message: %w", err)
	}
	if q.Type == TypeNote || q.Type == TypeReaction || q.ContactID != contactID {
		return "", nil
	}
	return q.Body, nil
}

func (s *step) vars(lang string) policy.Vars {
	purpose := s.f.cfg.Purposes[lang]
	if purpose == "" {
		purpose = s.f.cfg.Purpose
	}
	return policy.Vars{Business: s.f.cfg.BusinessName, Purpose: purpose, PrivacyURL: s.f.cfg.PrivacyURL,
		DPOContact: s.f.cfg.DPOContact, NoticeVersion: s.f.cfg.NoticeVersion, Topics: s.f.cfg.Topics[lang]}
}

// text renders t in the step's language.
func (s *step) text(t policy.Text) string { return s.textIn(s.language(), t, s.vars(s.language())) }

func (s *step) textIn(lang string, t policy.Text, v policy.Vars) string {
	// Erasure blocks where the pack says so (BlockPeriod), so the texts'
	// promise of blocking holds.
	return s.f.render(s.pack(), lang, t, v)
}

// render fills a notice text; a missing text is a programming error caught
// by the policy package's tests, so it falls back to English, then to a
// plain sentence.
func (f *Flow) render(p policy.Pack, lang string, t policy.Text, v policy.Vars) string {
	out, err := p.Text(lang, t, v)
	if err != nil {
		out, err = p.Text("en", t, v)
	}
	if err != nil {
		f.log.Error("flow: notice text missing", "text", string(t), "lang", lang, "error", err)
		return "Sorry, something went wrong."
	}
	return out
}

// maxButtonsBody is WhatsApp's limit on the body of a reply-buttons message.
const maxButtonsBody = 1024

// askConsent sends the consent question in the language the law asks for
// (the region's, Contact.Language) and, when the customer writes in
// another, in theirs too: in one message when both fit, else theirs first
// as a text of its own.
func (s *step) askConsent(t policy.Text) error {
	s.c.ConsentState = ConsentPending
	legal := s.c.Language
	text := s.consentText(legal, t)
	accept, decline := s.textIn(legal, policy.AcceptButton, s.vars(legal)), s.textIn(legal, policy.DeclineButton, s.vars(legal))
	var first string
	if s.language() != legal {
		own := s.consentText(s.lang, t)
		if len([]rune(text))+2+len([]rune(own)) <= maxButtonsBody {
			text += "\n\n" + own
		} else {
			first = own
		}
		accept = bilingual(accept, s.textIn(s.lang, policy.AcceptButton, s.vars(s.lang)))
		decline = bilingual(decline, s.textIn(s.lang, policy.DeclineButton, s.vars(s.lang)))
	}
	if err := s.ledger(consent.Asked); err != nil {
		return err
	}
	s.c.NoticeSentAt = s.tx.Time()
	if first != "" {
		if err := s.f.enqueue(s.tx, s.c, s.conv, Outbound{To: s.c.WaID, Text: first}, "system", false); err != nil {
			return err
		}
	}
	out := Outbound{To: s.c.WaID, Text: text, Buttons: []Button{{ID: ButtonAccept, Title: accept}, {ID: ButtonDecline, Title: decline}}}
	return s.f.enqueue(s.tx, s.c, s.conv, out, "system", false)
}

// consentText is the consent question in lang. Where the law's age of
// consent is above 13 (GDPR 16, Spain 14, the strict default 18), it says
// so: accepting confirms the age, and a younger person is told to ask a
// guardian.
func (s *step) consentText(lang string, t policy.Text) string {
	text := s.textIn(lang, t, s.vars(lang))
	if s.pack().MinConsentAge > 13 {
		if age := s.textIn(lang, policy.MinorAgeNotice, s.vars(lang)); len([]rune(text))+2+len([]rune(age)) <= maxButtonsBody {
			text += "\n\n" + age
		}
	}
	return text
}

// bilingual joins two button titles when they differ and fit WhatsApp's
// limit, else keeps the first.
func bilingual(a, b string) string {
	if a == b || len([]rune(a))+3+len([]rune(b)) > policy.MaxButtonLen {
		return a
	}
	return a + " / " + b
}

// answerConsent applies the customer's answer to the consent question. On
// acceptance, a question they asked before (held in memory, see
// heldQuestions) is answered now: its agent job is returned.
func (s *step) answerConsent(match intent.Match) (*agentJob, error) {
	answer := intent.None
	switch {
	case s.m.ButtonID == ButtonAccept:
		answer = intent.Accept
	case s.m.ButtonID == ButtonDecline:
		answer = intent.Decline
	case match.Kind == intent.OptOut:
		s.f.held.drop(s.c.ID)
		return nil, s.optOut()
	default:
		answer = intent.ParseConsentAnswer(s.m.Text)
	}
	switch answer {
	case intent.Accept:
		kind := consent.OptIn
		if s.c.NoticeVersion != "" {
			kind = consent.ReOptIn
		}
		q, ok := s.f.held.take(s.c.ID, s.tx.Time())
		if !ok {
			return nil, s.grant(kind, policy.Accepted)
		}
		if err := s.grant(kind, policy.AcceptedQuestion); err != nil {
			return nil, err
		}
		// The held question becomes this step's message, stored now that
		// the customer agreed, and answered quoting it.
		s.m, s.quote = q, true
		qm := intent.Parse(q.Text)
		s.setLanguage(qm.Language)
		return s.converse(qm)
	case intent.Decline:
		s.f.held.drop(s.c.ID)
		s.c.ConsentState = ConsentDeclined
		if err := s.ledger(consent.Decline); err != nil {
			return nil, err
		}
		return nil, s.f.enqueue(s.tx, s.c, s.conv, Outbound{To: s.c.WaID, Text: s.text(policy.Declined)}, "system", false)
	}
	// Anything else: the content is not kept (a question is held in
	// memory), and the question is asked again only once NoticeResend has
	// passed since it was last sent: a customer who writes five times
	// before answering gets one notice, and the ledger counts the
	// messages instead of a row each.
	s.f.stats.Silenced.Add(1)
	s.hold(match)
	if !s.c.NoticeSentAt.IsZero() && s.tx.Time().Sub(s.c.NoticeSentAt) < s.f.cfg.NoticeResend {
		s.c.Unanswered++
		return nil, nil
	}
	return nil, s.askConsent(policy.FirstContact)
}

func (s *step) grant(kind consent.Kind, t policy.Text) error {
	s.c.ConsentState = ConsentGranted
	s.c.NoticeVersion = s.f.cfg.NoticeVersion
	if err := s.ledger(kind); err != nil {
		return err
	}
	return s.sayText(t)
}

func (s *step) optOut() error {
	wasGranted := s.c.ConsentState == ConsentGranted
	s.c.ConsentState = ConsentWithdrawn
	s.c.PendingAction = ""
	if err := s.ledger(consent.OptOut); err != nil {
		return err
	}
	// The one confirmation; after it, silence until START.
	return s.f.enqueue(s.tx, s.c, s.conv, Outbound{To: s.c.WaID, Text: s.text(policy.OptedOut)}, "system", wasGranted)
}

func (s *step) ledger(kind consent.Kind) error {
	e := &consent.Event{ContactID: s.c.ID, WaIndex: s.f.store.WaIndex(s.c.WaID), Kind: kind, NoticeVersion: s.f.cfg.NoticeVersion,
		Purpose: s.f.cfg.Purpose, Region: s.c.Region, Channel: "whatsapp", WAMessageID: s.m.WAMessageID, Messages: s.c.Unanswered, At: s.tx.Time()}
	if err := s.tx.AppendConsent(e); err != nil {
		return err
	}
	s.c.Unanswered = 0
	if kind == consent.Asked {
		return nil
	}
	return s.audit("consent."+string(kind), "notice="+s.f.cfg.NoticeVersion+" region="+s.c.Region)
}

func (s *step) audit(action, reason string) error {
	return s.tx.AppendAudit(&audit.Event{ActorType: "customer", ActorID: s.f.store.Pseudonym(s.c.WaID), Action: action,
		Target: "conversation:" + s.conv.ID, Outcome: "success", Reason: reason})
}

// sayText sends a notice text, keeping it in the conversation once consent
// is granted.
func (s *step) sayText(t policy.Text) error { return s.say(s.text(t)) }

func (s *step) say(text string) error {
	return s.f.enqueue(s.tx, s.c, s.conv, Outbound{To: s.c.WaID, Text: text}, "system", s.c.ConsentState == ConsentGranted)
}

// markRead marks the step's message read; with typing, the customer also
// sees "typing…" until the reply arrives (or 25 seconds pass), so it is set
// only when a reply will follow.
func (s *step) markRead(typing bool) error {
	if !s.f.cfg.MarkRead || s.read {
		return nil
	}
	s.read = true
	return s.tx.Enqueue(&OutboxItem{ContactID: s.c.ID, ConversationID: s.conv.ID, PhoneNumberID: s.m.PhoneNumberID, Kind: "read",
		Payload: mustJSON(Outbound{Read: s.m.WAMessageID, Typing: typing})})
}

// escalate hands the conversation to a person and tells the customer when
// to expect one. Asked again while it waits, the wait goes on (or starts
// again once it expired).
func (s *step) escalate(reason string) error {
	if s.conv.State != StateWaitingHuman || s.conv.WaitExpired || s.conv.WaitingSince.IsZero() {
		s.conv.WaitingSince = s.tx.Time()
	}
	s.conv.State, s.conv.WaitExpired, s.conv.Failures = StateWaitingHuman, false, 0
	s.f.stats.Escalations.Add(1)
	if err := s.audit(audit.ActionEscalate, reason); err != nil {
		return err
	}
	return s.say(s.waitText())
}

// waitText is the hand-over message: inside business hours, how long a
// person usually takes; outside them, when the team is back.
func (s *step) waitText() string {
	v := s.vars(s.language())
	h := s.f.cfg.Hours
	if h.Open(s.tx.Time()) {
		if s.f.cfg.HumanWait > 0 {
			v.Wait = durationText(s.f.cfg.HumanWait, s.lang)
		}
		return s.textIn(s.lang, policy.WaitInHours, v)
	}
	v.Hours, v.TimeZone = h.Describe(s.lang), h.Zone()
	return s.textIn(s.lang, policy.WaitOutsideHours, v)
}

// durationText says d in minutes or hours in lang: "15 minutes", "2 horas".
func durationText(d time.Duration, lang string) string {
	n, unit := int(d.Round(time.Minute)/time.Minute), 0
	if n >= 120 && n%60 == 0 {
		n, unit = n/60, 1
	}
	n = max(n, 1)
	words := map[string][2][2]string{
		"en": {{"minute", "minutes"}, {"hour", "hours"}},
		"es": {{"minuto", "minutos"}, {"hora", "horas"}},
		"pt": {{"minuto", "minutos"}, {"hora", "horas"}},
	}
	w, ok := words[lang]
	if !ok {
		w = words["en"]
	}
	plural := 1
	if n == 1 {
		plural = 0
	}
	return fmt.Sprintf("%d %s", n, w[unit][plural])
}

// rightsMessage hands a tap on a rights button to the rights service.
func (s *step) rightsMessage() error {
	reply, _, err := s.f.rights.Handle(s.tx, s.c, s.lang, s.m.Text, s.m.ButtonID)
	if err != nil || reply == "" {
		return err
	}
	return s.say(reply)
}

// eraseConfirmed erases now, unless the rights service makes the request
// wait for the DPO.
func (s *step) eraseConfirmed() error {
	if s.f.rights == nil {
		return s.erase()
	}
	now, reply, err := s.f.rights.EraseConfirmed(s.tx, s.c, s.lang)
	if err != nil {
		return err
	}
	if !now {
		return s.say(reply)
	}
	return s.erase()
}

func (s *step) access() error {
	if s.f.rights != nil {
		reply, err := s.f.rights.Requested(s.tx, s.c, s.lang, "access")
		if err != nil {
			return err
		}
		return s.say(reply)
	}
	p := s.pack()
	due := policy.DueDate(s.tx.Time(), p.Access)
	r := &Request{ContactID: s.c.ID, WaIndex: s.f.store.WaIndex(s.c.WaID), Kind: "access", State: "open", Region: s.c.Region, Channel: "whatsapp", DueAt: due}
	if err := s.tx.OpenRequest(r); err != nil {
		return err
	}
	if err := s.audit("dsar.access_requested", "due="+due.Format(time.DateOnly)); err != nil {
		return err
	}
	v := s.vars(s.language())
	v.Due = due.Format("2006-01-02")
	return s.f.enqueue(s.tx, s.c, s.conv, Outbound{To: s.c.WaID, Text: s.f.render(p, s.lang, policy.AccessRequested, v)}, "system", true)
}

// erase crypto-shreds the customer now, or blocks them where the law asks
// (the law allows up to 72 hours; we take milliseconds). The confirmation is queued under a one-shot key of
// its own ("erased:<id>"), destroyed once it is sent, since the
// customer's key is destroyed in the same transaction.
func (s *step) erase() error {
	if s.f.rights != nil {
		return s.eraseNow()
	}
	r := &Request{ContactID: s.c.ID, WaIndex: s.f.store.WaIndex(s.c.WaID), Kind: "erasure", State: "completed", Region: s.c.Region, Channel: "whatsapp",
		DueAt: policy.DueDate(s.tx.Time(), s.pack().Erasure), Note: "erased on the customer's confirmed request"}
	if err := s.tx.OpenRequest(r); err != nil {
		return err
	}
	if err := s.audit("contact.erase", "customer request, confirmed"); err != nil {
		return err
	}
	return s.eraseNow()
}

// eraseNow audits and carries out the erasure; the rights service (when
// there is one) has recorded the request.
func (s *step) eraseNow() error {
	if s.f.rights != nil {
		if err := s.f.rights.Erasing(s.tx, s.c); err != nil {
			return err
		}
		if err := s.audit("contact.erase", "customer request, confirmed"); err != nil {
			return err
		}
	}
	text := s.text(policy.ErasureDone)
	to, phone := s.c.WaID, s.conv.PhoneNumberID
	// Where the law blocks before deleting (Spain, Mexico), the data
	// becomes unreadable now and is shredded when the period ends.
	if d := s.f.policy.BlockPeriod(s.pack().Region); d > 0 {
		if err := s.tx.BlockContact(s.c.ID, s.tx.Time().Add(d)); err != nil {
			return err
		}
	} else if err := s.tx.EraseContact(s.c.ID); err != nil {
		return err
	}
	s.f.stats.Erasures.Add(1)
	if err := s.tx.Enqueue(&OutboxItem{ContactID: "erased:" + s.c.ID, PhoneNumberID: phone, Kind: "message", Payload: mustJSON(Outbound{To: to, Text: text})}); err != nil {
		return err
	}
	// The contact and conversation rows are gone: nothing to update.
	s.c.ID, s.conv.ID = "", ""
	return errErased
}

// errErased tells Step the contact no longer exists; it is not a failure.
var errErased = errors.New("contact erased")

// enqueue queues out to the contact and, when keep is set, records it as a
// message of the conversation.
func (f *Flow) enqueue(tx Tx, c *Contact, conv *Conversation, out Outbound, author string, keep bool) error {
	_, err := f.enqueueMessage(tx, c, conv, out, author, keep)
	return err
}

// enqueueMessage is enqueue that also returns the message kept in the
// conversation (nil when keep is false).
func (f *Flow) enqueueMessage(tx Tx, c *Contact, conv *Conversation, out Outbound, author string, keep bool) (*Message, error) {
	if out.Template == nil && out.Read == "" && !c.LastInboundAt.IsZero() && tx.Time().Sub(c.LastInboundAt) > 24*time.Hour {
		if tpl := f.windowTemplate(conv.PhoneNumberID); tpl != nil {
			out = Outbound{To: out.To, Template: tpl}
		}
	}
	// A text past WhatsApp's limit would be refused by Meta: an agent's
	// long answer is cut (operators' replies are refused before this).
	var cut bool
	if out.Template == nil && len(out.Buttons) == 0 {
		out.Text, cut = CapBody(out.Text)
	}
	var kept *Message
	it := &OutboxItem{ContactID: c.ID, ConversationID: conv.ID, PhoneNumberID: conv.PhoneNumberID, Kind: "message", Payload: mustJSON(out)}
	if keep {
		typ := "text"
		if len(out.Buttons) > 0 {
			typ = "interactive"
		} else if out.Template != nil {
			typ = "template"
		}
		body := out.Text
		if out.Template != nil {
			body = "[template " + out.Template.Name + "]"
		}
		m := &Message{ConversationID: conv.ID, ContactID: c.ID, Direction: Out, Type: typ, Body: body, Author: author, Status: StatusQueued, Truncated: cut}
		if err := tx.InsertMessage(m); err != nil {
			return nil, fmt.Errorf("flow: store reply: %w", err)
		}
		it.MessageID = m.ID
		kept = m
	}
	if err := tx.Enqueue(it); err != nil {
		return nil, fmt.Errorf("flow: enqueue: %w", err)
	}
	return kept, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Status applies a delivery status: statuses only move forward, and a
// status that names one of our outbox items (biz_opaque_callback_data)
// reconciles a send whose answer was lost to a crash or a timeout.
func (f *Flow) Status(tx Tx, s StatusEvent) error {
	if s.WAMessageID == "" || s.Status.Rank() == 0 {
		f.stats.Malformed.Add(1)
		return nil
	}
	first, err := tx.MarkSeen(s.seenKey())
	if err != nil || !first {
		if !first {
			f.stats.Duplicates.Add(1)
		}
		return err
	}
	f.stats.Statuses.Add(1)
	if s.CallbackData != "" {
		it, err := tx.OutboxItem(s.CallbackData)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		case it.State == OutboxSending || it.State == OutboxUnknown:
			if _, err := tx.OutboxSent(it.ID, s.WAMessageID); err != nil {
				return err
			}
			if it.MessageID != "" {
				if err := tx.SetMessageSent(it.MessageID, s.WAMessageID); err != nil && !errors.Is(err, ErrDuplicate) {
					return err
				}
				if err := linkReactions(tx, s.WAMessageID); err != nil {
					return err
				}
			}
			f.stats.Reconciled.Add(1)
		}
	}
	changed, err := tx.ApplyStatus(s.WAMessageID, s.Status, s.ErrorCode, s.ErrorTitle)
	if errors.Is(err, ErrNotFound) {
		return nil // a notice sent before consent: not kept as a message
	}
	if err != nil {
		return err
	}
	if s.Status == StatusFailed {
		f.log.Warn("Meta reports a message failed", "code", s.ErrorCode, "title", s.ErrorTitle)
		if changed {
			m, err := tx.OutboundMessage(s.WAMessageID)
			if err != nil {
				return err
			}
			return f.failedStatus(tx, m, s)
		}
	}
	return nil
}

// wordless reports whether a message's text says nothing the agent could
// answer: empty, or only the bracketed label a file without a caption is
// summarised as ("[image]", "[voice message]", "[document: scan.pdf]").
// Such a message is asked to be put in words, not sent to the agent as a
// question about "[image]".
func wordless(text string) bool {
	t := strings.TrimSpace(text)
	return t == "" || strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") && !strings.Contains(t[1:len(t)-1], "[")
}
