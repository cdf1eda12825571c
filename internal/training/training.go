package training

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/redact"
)

// Reason is why a conversation was left out.
type Reason string

// Reasons, in the order they are checked.
const (
	ReasonErased      Reason = "erased"            // the contact's data key is gone
	ReasonUnreadable  Reason = "unreadable"        // a field did not open (tampered, wrong key)
	ReasonNotOptedIn  Reason = "not_opted_in"      // consent state is not granted
	ReasonSensitive   Reason = "sensitive"         // flagged, or special-category text found
	ReasonNoCustomer  Reason = "no_customer_turn"  // no customer message that an answer follows
	ReasonNoAssistant Reason = "no_assistant_turn" // nobody answered
	ReasonResidualPII Reason = "residual_pii"      // personal data left after redaction
)

// Reasons lists every Reason in the order they are checked.
var Reasons = []Reason{ReasonErased, ReasonUnreadable, ReasonNotOptedIn, ReasonSensitive, ReasonNoCustomer, ReasonNoAssistant, ReasonResidualPII}

// Why a message of an exported conversation was left out of its line.
const (
	SkipSystemNotice = "system_notice"     // author "system": consent question, opt-out confirmation…
	SkipType         = "unsupported_type"  // documents, locations, contacts, templates…
	SkipUndelivered  = "undelivered"       // an answer whose send failed
	SkipEmpty        = "empty"             // no text
	SkipAuthor       = "unknown_author"    // neither customer, bot nor operator
	SkipTrailing     = "trailing_customer" // customer turns after the last answer
)

var skips = []string{SkipSystemNotice, SkipType, SkipUndelivered, SkipEmpty, SkipAuthor, SkipTrailing}

// SensitiveFlagged is the cause counted in Summary.SensitiveBy for a
// conversation flagged sensitive (the others are redact.Category names).
const SensitiveFlagged = "flagged"

// NamePlaceholder stands for the contact's profile name.
const NamePlaceholder = "[NAME_1]"

// placeholderRule is the live prompt's rule about placeholders, which is
// what the examples show.
const placeholderRule = "Placeholders like [EMAIL_1] or [PHONE_1] stand for the customer's data and must be kept verbatim."

// DefaultSystemPrompt is the system message of every example unless
// Options says otherwise.
const DefaultSystemPrompt = "You are an AI assistant answering a business's customers on WhatsApp. " + placeholderRule

// SystemPrompt returns a system message naming the business, in the live
// prompt's words; DefaultSystemPrompt if business is empty.
func SystemPrompt(business string) string {
	if business = strings.TrimSpace(business); business == "" {
		return DefaultSystemPrompt
	}
	return "You are an AI assistant for " + business + ", answering its customers on WhatsApp. " + placeholderRule
}

// Options configure an Exporter.
type Options struct {
	// SystemPrompt is the system message every example starts with; empty
	// means DefaultSystemPrompt. It must hold no personal data.
	SystemPrompt string
	// Redactor masks the messages and checks every line for what is
	// left; the business's allow-list lives in its Options. Nil: redact's
	// defaults.
	Redactor *redact.Detector
}

// Summary says what an export wrote and what it left out, and why. It
// holds counts only, never content.
type Summary struct {
	Read     int `json:"conversations_read"`
	Exported int `json:"conversations_exported"`
	Messages int `json:"messages_exported"` // stored messages that went into lines
	Turns    int `json:"turns_exported"`    // chat turns, after joining a role's consecutive messages
	// LeftOut counts conversations left out, by reason (every reason
	// appears, zero or not).
	LeftOut map[Reason]int `json:"conversations_left_out"`
	// NotOptedIn splits ReasonNotOptedIn by consent state.
	NotOptedIn map[conversation.ConsentState]int `json:"not_opted_in_by_state"`
	// SensitiveBy splits ReasonSensitive by cause: SensitiveFlagged or a
	// redact.Category; a conversation may count under several.
	SensitiveBy map[string]int `json:"sensitive_by_cause"`
	// MessagesLeftOut counts messages of exported conversations that are
	// not in their lines, by Skip reason.
	MessagesLeftOut map[string]int `json:"messages_left_out"`
	// Placeholders counts distinct values masked in exported lines, by
	// type ("EMAIL", "PHONE", …, "NAME"), each conversation counted apart.
	Placeholders map[redact.Type]int `json:"placeholders"`
}

func newSummary() Summary {
	s := Summary{
		LeftOut:         map[Reason]int{},
		NotOptedIn:      map[conversation.ConsentState]int{},
		SensitiveBy:     map[string]int{},
		MessagesLeftOut: map[string]int{},
		Placeholders:    map[redact.Type]int{},
	}
	for _, r := range Reasons {
		s.LeftOut[r] = 0
	}
	for _, k := range skips {
		s.MessagesLeftOut[k] = 0
	}
	return s
}

// LeftOutTotal is the number of conversations left out.
func (s Summary) LeftOutTotal() int {
	n := 0
	for _, v := range s.LeftOut {
		n += v
	}
	return n
}

// String renders the counts on one line, for an audit record:
// "read 7, exported 1 (4 messages); left out: erased=0 …; placeholders: EMAIL=1".
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "read %d, exported %d (%d messages); left out:", s.Read, s.Exported, s.Messages)
	for _, r := range Reasons {
		fmt.Fprintf(&b, " %s=%d", r, s.LeftOut[r])
	}
	b.WriteString("; placeholders:")
	if len(s.Placeholders) == 0 {
		b.WriteString(" none")
	}
	for _, t := range slices.Sorted(maps.Keys(s.Placeholders)) {
		fmt.Fprintf(&b, " %s=%d", t, s.Placeholders[t])
	}
	return b.String()
}

// Exporter writes one line per eligible conversation and counts the rest.
// It is not safe for concurrent use.
type Exporter struct {
	w      io.Writer
	prompt string
	redact *redact.Detector
	sum    Summary
	buf    bytes.Buffer
	enc    *json.Encoder
}

// NewExporter returns an Exporter writing to w. It refuses a system prompt
// in which redact finds personal data: it would be in every line.
func NewExporter(w io.Writer, o Options) (*Exporter, error) {
	if o.SystemPrompt == "" {
		o.SystemPrompt = DefaultSystemPrompt
	}
	if o.Redactor == nil {
		o.Redactor = redact.NewDetector(redact.Options{})
	}
	if fs := o.Redactor.Detect(o.SystemPrompt); len(fs) > 0 {
		return nil, fmt.Errorf("training: the system prompt holds personal data (%s)", fs[0].Type)
	}
	e := &Exporter{w: w, prompt: o.SystemPrompt, redact: o.Redactor, sum: newSummary()}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e, nil
}

// Summary returns the counts so far.
func (e *Exporter) Summary() Summary {
	s := e.sum
	s.LeftOut = maps.Clone(s.LeftOut)
	s.NotOptedIn = maps.Clone(s.NotOptedIn)
	s.SensitiveBy = maps.Clone(s.SensitiveBy)
	s.MessagesLeftOut = maps.Clone(s.MessagesLeftOut)
	s.Placeholders = maps.Clone(s.Placeholders)
	return s
}

// Add considers one conversation, with its contact and its messages
// oldest first, and writes its line if it is eligible. readErr is why the
// conversation could not be read, if it could not (the contact and
// messages are then ignored): conversation.ErrNotFound (which
// store.ErrErased matches) counts as erased, anything else as unreadable.
// Its shape is store.DB.EachConversation's callback's.
//
// Add returns an error only if writing fails; a conversation left out is
// counted, not an error.
func (e *Exporter) Add(c *conversation.Contact, conv *conversation.Conversation, msgs []*conversation.Message, readErr error) error {
	e.sum.Read++
	ex := e.example(c, conv, msgs, readErr)
	if ex.reason != "" {
		e.sum.LeftOut[ex.reason]++
		switch ex.reason {
		case ReasonNotOptedIn:
			e.sum.NotOptedIn[c.ConsentState]++
		case ReasonSensitive:
			for _, cause := range ex.sensitive {
				e.sum.SensitiveBy[cause]++
			}
		}
		return nil
	}
	if _, err := e.w.Write(ex.line); err != nil {
		return fmt.Errorf("training: write: %w", err)
	}
	e.sum.Exported++
	e.sum.Messages += ex.messages
	e.sum.Turns += ex.turns
	for k, v := range ex.skipped {
		e.sum.MessagesLeftOut[k] += v
	}
	for k, v := range ex.placeholders {
		e.sum.Placeholders[k] += v
	}
	return nil
}

// Chat roles.
const (
	roleSystem    = "system"
	roleUser      = "user"
	roleAssistant = "assistant"
)

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatExample struct {
	Messages []chatMessage `json:"messages"`
}

// example is one conversation's outcome: a line, or the reason it has none.
type example struct {
	line         []byte
	reason       Reason
	sensitive    []string
	messages     int
	turns        int
	skipped      map[string]int
	placeholders map[redact.Type]int
}

// textTypes are the message types whose body is what the customer or the
// assistant wrote (or, for media, a bracketed label and the caption).
var textTypes = map[string]bool{
	"": true, "text": true, "interactive": true, "button": true, "button_reply": true, "list_reply": true,
	"image": true, "video": true, "audio": true, "sticker": true,
}

// role maps a message's author to a chat role; "" means the message is
// not a turn, with the Skip reason.
func role(m *conversation.Message) (string, string) {
	switch {
	case m.Author == "system":
		return "", SkipSystemNotice
	case m.Author == "customer" && m.Direction == conversation.In:
		return roleUser, ""
	case (m.Author == "bot" || strings.HasPrefix(m.Author, "operator:")) && m.Direction == conversation.Out:
		return roleAssistant, ""
	}
	return "", SkipAuthor
}

func (e *Exporter) example(c *conversation.Contact, conv *conversation.Conversation, msgs []*conversation.Message, readErr error) example {
	switch {
	case errors.Is(readErr, conversation.ErrNotFound):
		return example{reason: ReasonErased}
	case readErr != nil || c == nil || conv == nil:
		return example{reason: ReasonUnreadable}
	case c.ConsentState != conversation.ConsentGranted:
		return example{reason: ReasonNotOptedIn}
	}
	if causes := sensitiveCauses(conv, msgs); len(causes) > 0 {
		return example{reason: ReasonSensitive, sensitive: causes}
	}

	ex := example{skipped: map[string]int{}, placeholders: map[redact.Type]int{}}
	_, mapping := e.redact.Redact("") // fresh per conversation; never restored
	seen := map[string]bool{}         // type and value of what mapping holds, to count it by type
	names := nameWords(c.ProfileName)
	turns := []chatMessage{{Role: roleSystem, Content: e.prompt}}
	counts := []int{0} // stored messages per turn
	for _, m := range msgs {
		r, skip := role(m)
		switch {
		case r == "":
		case !textTypes[m.Type]:
			skip = SkipType
		case m.Direction == conversation.Out && m.Status == conversation.StatusFailed:
			skip = SkipUndelivered
		case strings.TrimSpace(m.Body) == "":
			skip = SkipEmpty
		}
		if skip != "" {
			ex.skipped[skip]++
			continue
		}
		before := mapping.Len()
		text := mapping.RedactMore(m.Body)
		if mapping.Len() > before {
			// Only now look again, to learn the new values' types: most
			// messages hold none, and they pay for one Detect only.
			for _, f := range e.redact.Detect(m.Body) {
				k := string(f.Type) + "\x00" + f.Text
				if f.Type == redact.Name {
					k = "name" // counted once with the profile name below
				}
				if !seen[k] {
					seen[k] = true
					ex.placeholders[f.Type]++
				}
			}
		}
		if masked, ok := maskName(text, names); ok {
			text = masked
			// The profile name is the customer's name: one NAME, whether
			// redact found it in a message first or only this mask did.
			if !seen["name"] {
				seen["name"] = true
				ex.placeholders[redact.Name]++
			}
		}
		text = strings.TrimSpace(text)
		if last := &turns[len(turns)-1]; last.Role == r {
			last.Content += "\n" + text
			counts[len(counts)-1]++
			continue
		}
		turns = append(turns, chatMessage{Role: r, Content: text})
		counts = append(counts, 1)
	}

	// The dialogue must have a customer turn, an answer, and end on an
	// answer: what follows the last answer teaches nothing.
	hasUser, hasAssistant := false, false
	for _, t := range turns {
		hasUser = hasUser || t.Role == roleUser
		hasAssistant = hasAssistant || t.Role == roleAssistant
	}
	switch {
	case !hasUser:
		return example{reason: ReasonNoCustomer}
	case !hasAssistant:
		return example{reason: ReasonNoAssistant}
	}
	for turns[len(turns)-1].Role == roleUser {
		ex.skipped[SkipTrailing] += counts[len(counts)-1]
		turns, counts = turns[:len(turns)-1], counts[:len(counts)-1]
	}
	if !slices.ContainsFunc(turns, func(t chatMessage) bool { return t.Role == roleUser }) {
		return example{reason: ReasonNoCustomer}
	}

	e.buf.Reset()
	if err := e.enc.Encode(chatExample{Messages: turns}); err != nil {
		return example{reason: ReasonUnreadable} // not reached: strings always encode
	}
	line := e.buf.Bytes()
	if residual(e.redact, turns, line, c.WaID) {
		return example{reason: ReasonResidualPII}
	}
	ex.line = line
	ex.turns = len(turns) - 1
	for _, n := range counts[1:] {
		ex.messages += n
	}
	return ex
}

// sensitiveCauses lists why a conversation is sensitive: its flag, and the
// special categories found in what the customer, bot or operators wrote
// (system notices are trement's own wording).
func sensitiveCauses(conv *conversation.Conversation, msgs []*conversation.Message) []string {
	var causes []string
	if conv.Sensitive {
		causes = append(causes, SensitiveFlagged)
	}
	for _, m := range msgs {
		if m.Author == "system" {
			continue
		}
		for _, cat := range redact.Sensitive(m.Body) {
			if !slices.Contains(causes, string(cat)) {
				causes = append(causes, string(cat))
			}
		}
	}
	return causes
}

// residual reports whether anything personal is left: anything Detect
// finds in a text or in the encoded line (whose escapes could join what
// the texts kept apart), or the contact's own number, whole or its last
// eight digits, written with any separators.
func residual(d *redact.Detector, turns []chatMessage, line []byte, waID string) bool {
	if len(d.Detect(string(line))) > 0 {
		return true
	}
	number := digitsOnly(waID)
	for _, t := range turns {
		if len(d.Detect(t.Content)) > 0 {
			return true
		}
		if len(number) >= 8 && strings.Contains(numberProjection(t.Content), number[len(number)-8:]) {
			return true
		}
	}
	return false
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// numberProjection keeps digits, drops the separators people write inside
// a phone number, and turns everything else into a break, so "600 12-34.56"
// reads "600123456" but "pedido 600, 12" does not join.
func numberProjection(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '+' || r == '/':
			return -1
		}
		return '|'
	}, s)
}

// particles are name words too common in running text to mask.
var particles = map[string]bool{
	"del": true, "das": true, "dos": true, "los": true, "las": true, "van": true, "von": true,
	"der": true, "den": true, "san": true, "the": true, "and": true, "bin": true,
}

// nameWords returns the words of a profile name worth masking: runs of
// letters, at least three long, not particles such as "del".
func nameWords(name string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return !isNameRune(r) }) {
		if utf8.RuneCountInString(w) >= 3 && !particles[strings.ToLower(w)] {
			out = append(out, w)
		}
	}
	return out
}

func isNameRune(r rune) bool { return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || r == '\'' }

// maskName replaces whole words of text equal (ignoring case) to one of
// words with NamePlaceholder, and a run of placeholders joined by spaces
// (a full name) with one. It reports whether it replaced anything.
func maskName(text string, words []string) (string, bool) {
	if len(words) == 0 {
		return text, false
	}
	var b strings.Builder
	last, masked := 0, false
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isNameRune(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !isNameRune(r) {
				break
			}
			j += n
		}
		if w := text[i:j]; slices.ContainsFunc(words, func(x string) bool { return strings.EqualFold(x, w) }) {
			b.WriteString(text[last:i])
			b.WriteString(NamePlaceholder)
			last, masked = j, true
		}
		i = j
	}
	if !masked {
		return text, false
	}
	b.WriteString(text[last:])
	s := b.String()
	for double := NamePlaceholder + " " + NamePlaceholder; strings.Contains(s, double); {
		s = strings.ReplaceAll(s, double, NamePlaceholder)
	}
	return s, true
}
