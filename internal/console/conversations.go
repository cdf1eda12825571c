package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/store"
)

// ConversationService is what the console needs from the message path.
// The caller implements it over the conversation service; Reply, Take,
// HandBack and Assign must append an audit event (Actor.Event) in the same
// transaction as their change, and fail if it cannot be written.
type ConversationService interface {
	// List returns the conversations f selects, most recently updated
	// first, with Phone and ProfileName in clear (the console masks them).
	List(ctx context.Context, f ConversationFilter) ([]ConversationSummary, error)
	// Get returns one conversation and its recent messages. With reveal
	// false, message bodies come with personal data masked; with reveal
	// true, as stored. conversation.ErrNotFound if there is none.
	Get(ctx context.Context, id string, reveal bool) (*ConversationDetail, error)
	// Reply sends text to the customer as the operator.
	// conversation.ErrNotFound; ErrConflict if it cannot be sent now (for
	// example outside the 24-hour window); ErrInvalid for empty text.
	Reply(ctx context.Context, a Actor, id, text string) (*ConversationMessage, error)
	// Take assigns the conversation to the acting operator and silences the
	// bot. ErrConflict if another operator has it.
	Take(ctx context.Context, a Actor, id string) error
	// HandBack returns the conversation to the bot and unassigns it.
	HandBack(ctx context.Context, a Actor, id string) error
	// Assign gives the conversation to operatorID.
	Assign(ctx context.Context, a Actor, id, operatorID string) error
	// Note keeps a private note by the acting operator in the
	// conversation, never sent. ErrInvalid for empty text.
	Note(ctx context.Context, a Actor, id, text string) (*ConversationMessage, error)
	// MediaFile returns the file message messageID of conversation id
	// carried, opened. conversation.ErrNotFound if the message is not
	// the conversation's or its file is not kept.
	MediaFile(ctx context.Context, id, messageID string) (*MediaFile, error)
}

// MessageMedia is the file a customer's message carried, as kept.
type MessageMedia struct {
	State    string // "pending" (downloading), "stored" or "failed"
	MimeType string
	Filename string // masked like Body unless revealed
	Size     int64
	Reason   string // why it was not kept
}

// MediaFile is a kept file, opened.
type MediaFile struct {
	MimeType string
	Filename string
	Data     []byte
}

// ConversationFilter selects conversations to list.
type ConversationFilter struct {
	State      string // "", "bot", "waiting_human", "human", "closed"
	AssignedTo string // an operator id; empty: anyone
	// Queue, with AssignedTo, also selects unassigned conversations waiting
	// for a human (what an agent may pick up).
	Queue bool
	Limit int // 1–500; zero: 100
}

// ConversationSummary is one conversation in a list.
type ConversationSummary struct {
	ID                string
	ContactID         string
	CustomerPseudonym string // store.DB.Pseudonym of the number: links audit events
	Phone             string // the customer's WhatsApp number, digits only; masked unless revealed
	ProfileName       string // masked unless revealed
	Region            string
	Language          string
	State             string
	AssignedTo        string
	Sensitive         bool
	LastInboundAt     time.Time
	UpdatedAt         time.Time
}

// ConversationMessage is one message.
type ConversationMessage struct {
	ID        string
	Direction string // "in", "out"
	Author    string // "customer", "bot", "operator:<id>", "system"
	Type      string
	Body      string
	Truncated bool // Body was cut at WhatsApp's 4,096-character limit
	Status    string
	At        time.Time
	// ReplyTo is the id of the message this one replies to, and Quote
	// that message's text, masked like Body ("" when not a reply, or the
	// quoted message is not kept).
	ReplyTo, Quote string
	// Reaction is the customer's reaction emoji on this message. A
	// message of Type "reaction" is a reaction kept on its own, its
	// message not recorded: Body is its emoji ("" removed) and ReplyTo
	// its message once found.
	Reaction string
	// Forwarded: the customer forwarded this message; Frequently: it
	// had been forwarded more than five times.
	Forwarded, FrequentlyForwarded bool
	// AdSourceType ("ad", "post") and AdHeadline name the Click-to-WhatsApp
	// ad the message came from, if any.
	AdSourceType, AdHeadline string
	// Media is the file the message carried, when files are kept.
	Media *MessageMedia
}

// ConversationDetail is a conversation with its messages.
type ConversationDetail struct {
	ConversationSummary
	Messages []ConversationMessage
}

// Actor is who acts on a conversation, with what an audit event records.
type Actor struct {
	Principal *auth.Principal
	RequestID string
	SourceIP  string
}

// Event returns an audit event of a's action on target.
func (a Actor) Event(action, target string, out audit.Outcome, reason string) *audit.Event {
	return &audit.Event{ActorType: a.Principal.ActorType(), ActorID: a.Principal.ActorID(), Action: action, Target: target,
		Outcome: out, Reason: reason, RequestID: a.RequestID, SourceIP: a.SourceIP}
}

// OperatorID is the operator acting (a token's creator for tokens).
func (a Actor) OperatorID() string { return a.Principal.OperatorID }

func actorFrom(ctx context.Context) Actor {
	ri := RequestInfo(ctx)
	return Actor{Principal: PrincipalFrom(ctx), RequestID: ri.RequestID, SourceIP: ri.SourceIP}
}

// MaskPhone shows a WhatsApp number with only the country code, the first
// national digit and the last two: "34612345678" → "+34 6•• ••• •78".
func MaskPhone(digits string) string {
	digits = strings.TrimPrefix(strings.TrimSpace(digits), "+")
	if len(digits) < 6 || strings.Trim(digits, "0123456789") != "" {
		return "•••"
	}
	cc := 0
	if num, err := phonenumbers.Parse("+"+digits, ""); err == nil && num.GetCountryCode() != 0 {
		cc = len(strconv.Itoa(int(num.GetCountryCode())))
	}
	if cc == 0 || cc > len(digits)-4 {
		cc = min(2, len(digits)-4)
	}
	nat := digits[cc:]
	// Groups of three; the last takes what is left (two to four digits).
	starts := map[int]bool{0: true}
	for pos := 0; len(nat)-pos > 4; {
		pos += 3
		starts[pos] = true
	}
	var b strings.Builder
	b.WriteString("+" + digits[:cc])
	for i := range len(nat) {
		if starts[i] {
			b.WriteByte(' ')
		}
		if i == 0 || i >= len(nat)-2 {
			b.WriteByte(nat[i])
		} else {
			b.WriteString("•")
		}
	}
	return b.String()
}

// MaskName keeps each word's first letter: "Ana García" → "A•• G•••••".
func MaskName(name string) string {
	var b strings.Builder
	first := true
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			b.WriteRune(' ')
			first = true
		case first:
			b.WriteRune(r)
			first = false
		default:
			b.WriteString("•")
		}
	}
	return b.String()
}

// conversationJSON is a conversation as the API shows it.
type conversationJSON struct {
	ID                string        `json:"id"`
	ContactID         string        `json:"contact_id"`
	CustomerPseudonym string        `json:"customer_pseudonym"`
	Phone             string        `json:"phone"`
	ProfileName       string        `json:"profile_name"`
	Masked            bool          `json:"masked"`
	Region            string        `json:"region"`
	Language          string        `json:"language"`
	State             string        `json:"state"`
	AssignedTo        string        `json:"assigned_to"`
	Sensitive         bool          `json:"sensitive"`
	LastInboundAt     *time.Time    `json:"last_inbound_at"`
	UpdatedAt         *time.Time    `json:"updated_at"`
	Messages          []messageJSON `json:"messages,omitempty"`
}

type messageJSON struct {
	ID        string     `json:"id"`
	Direction string     `json:"direction"`
	Author    string     `json:"author"`
	Type      string     `json:"type"`
	Body      string     `json:"body"`
	Truncated bool       `json:"truncated,omitempty"`
	Status    string     `json:"status"`
	At        *time.Time `json:"at"`
	ReplyTo   string     `json:"reply_to,omitempty"`
	Quote     string     `json:"quote,omitempty"` // an excerpt of the message replied to
	Reaction  string     `json:"reaction,omitempty"`
	Forwarded string     `json:"forwarded,omitempty"` // "forwarded" or "frequently_forwarded"
	Ad        *adJSON    `json:"ad,omitempty"`
	Media     *mediaJSON `json:"media,omitempty"`
}

// mediaJSON is a customer's file as the API describes it; url serves it.
type mediaJSON struct {
	State    string `json:"state"` // "pending", "stored" or "failed"
	MimeType string `json:"mime_type,omitempty"`
	Filename string `json:"filename,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Reason   string `json:"reason,omitempty"`
	URL      string `json:"url,omitempty"` // set when stored
}

type adJSON struct {
	SourceType string `json:"source_type"`
	Headline   string `json:"headline"`
}

// quoteChars is how much of a quoted message the thread shows.
const quoteChars = 120

// excerpt is s cut to n characters, with an ellipsis when cut.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func forwardedWord(m ConversationMessage) string {
	switch {
	case m.FrequentlyForwarded:
		return "frequently_forwarded"
	case m.Forwarded:
		return "forwarded"
	}
	return ""
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func summaryJSON(c ConversationSummary, reveal bool) conversationJSON {
	j := conversationJSON{ID: c.ID, ContactID: c.ContactID, CustomerPseudonym: c.CustomerPseudonym, Masked: !reveal,
		Region: c.Region, Language: c.Language, State: c.State, AssignedTo: c.AssignedTo, Sensitive: c.Sensitive,
		LastInboundAt: timePtr(c.LastInboundAt), UpdatedAt: timePtr(c.UpdatedAt)}
	if reveal {
		j.Phone, j.ProfileName = "+"+strings.TrimPrefix(c.Phone, "+"), c.ProfileName
	} else {
		j.Phone, j.ProfileName = MaskPhone(c.Phone), MaskName(c.ProfileName)
	}
	return j
}

func detailJSON(d *ConversationDetail, reveal bool) conversationJSON {
	j := summaryJSON(d.ConversationSummary, reveal)
	j.Messages = make([]messageJSON, len(d.Messages))
	for i, m := range d.Messages {
		j.Messages[i] = messageJSON{ID: m.ID, Direction: m.Direction, Author: m.Author, Type: m.Type, Body: m.Body, Truncated: m.Truncated, Status: m.Status, At: timePtr(m.At),
			ReplyTo: m.ReplyTo, Quote: excerpt(m.Quote, quoteChars), Reaction: m.Reaction, Forwarded: forwardedWord(m)}
		if m.AdSourceType != "" || m.AdHeadline != "" {
			j.Messages[i].Ad = &adJSON{SourceType: m.AdSourceType, Headline: m.AdHeadline}
		}
		if md := m.Media; md != nil {
			mj := &mediaJSON{State: md.State, MimeType: md.MimeType, Filename: md.Filename, Size: md.Size, Reason: md.Reason}
			if md.State == "stored" {
				mj.URL = "/api/v1" + mediaPath(d.ID, m.ID)
			}
			j.Messages[i].Media = mj
		}
	}
	return j
}

func convTarget(id string) string { return "conversation:" + id }

// visible reports whether p may see conversation c: everyone with
// read_all; others only their own and the unassigned waiting queue.
func visible(p *auth.Principal, c ConversationSummary) bool {
	if p.Can(auth.PermConversationsReadAll) {
		return true
	}
	return (c.AssignedTo != "" && c.AssignedTo == p.OperatorID) || (c.AssignedTo == "" && c.State == "waiting_human")
}

// load reads a conversation (masked) and checks p may see it; a refusal
// is audited and answered 403.
func (s *Server) load(w http.ResponseWriter, r *http.Request, action string, needOwn bool) (*ConversationDetail, bool) {
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	id := r.PathValue("id")
	d, err := s.convs.Get(ctx, id, false)
	if err != nil {
		s.apiError(w, r, err)
		return nil, false
	}
	ok := visible(p, d.ConversationSummary)
	if needOwn && !p.Can(auth.PermConversationsReadAll) {
		ok = d.AssignedTo == p.OperatorID
	}
	if !ok {
		if err := s.audit(ctx, action, convTarget(id), audit.Denied, "conversation not assigned to this operator"); err != nil {
			s.apiError(w, r, err)
			return nil, false
		}
		writeError(w, http.StatusForbidden, "this conversation is not assigned to you")
		return nil, false
	}
	return d, true
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	q := r.URL.Query()
	f := ConversationFilter{State: q.Get("state"), AssignedTo: q.Get("assigned_to")}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = n
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if !p.Can(auth.PermConversationsReadAll) {
		f.AssignedTo, f.Queue = p.OperatorID, true
	}
	list, err := s.convs.List(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]conversationJSON, 0, len(list))
	for _, c := range list {
		if visible(p, c) {
			out = append(out, summaryJSON(c, false))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": out})
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	d, ok := s.load(w, r, audit.ActionDenied, false)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, detailJSON(d, false))
}

// revealConversation shows a conversation unmasked. It needs a category
// and a reason in words (revealRequest; a refusal is audited). The reveal
// is written to the audit log, with both, before anything is sent: no
// audit record, no data.
func (s *Server) revealConversation(w http.ResponseWriter, r *http.Request) {
	reason, ok := s.revealRequest(w, r)
	if !ok {
		return
	}
	if _, ok := s.load(w, r, audit.ActionPIIReveal, false); !ok {
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	d, err := s.convs.Get(ctx, id, true)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.audit(ctx, audit.ActionPIIReveal, convTarget(id), audit.Success, reason); err != nil {
		s.log.Error("audit write failed; not revealing", "error", err, "request_id", RequestInfo(ctx).RequestID)
		writeError(w, http.StatusServiceUnavailable, "the audit log is unavailable; nothing was revealed")
		return
	}
	writeJSON(w, http.StatusOK, detailJSON(d, true))
}

func (s *Server) replyConversation(w http.ResponseWriter, r *http.Request) {
	var body replyConversationBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if strings.TrimSpace(body.Text) == "" || utf8.RuneCountInString(body.Text) > 4096 {
		s.apiError(w, r, fmt.Errorf("%w: a reply is 1–4096 characters", ErrInvalid))
		return
	}
	if _, ok := s.load(w, r, audit.ActionConversationReply, true); !ok {
		return
	}
	m, err := s.convs.Reply(r.Context(), actorFrom(r.Context()), r.PathValue("id"), body.Text)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, messageJSON{ID: m.ID, Direction: m.Direction, Author: m.Author, Type: m.Type, Body: m.Body, Status: m.Status, At: timePtr(m.At)})
}

// POST /api/v1/conversations/{id}/notes: a private note for the operators
// who can see the conversation; anyone who may reply may note.
func (s *Server) noteConversation(w http.ResponseWriter, r *http.Request) {
	var body noteConversationBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if strings.TrimSpace(body.Text) == "" || utf8.RuneCountInString(body.Text) > 2000 {
		s.apiError(w, r, fmt.Errorf("%w: a note is 1–2000 characters", ErrInvalid))
		return
	}
	if _, ok := s.load(w, r, audit.ActionConversationNote, false); !ok {
		return
	}
	m, err := s.convs.Note(r.Context(), actorFrom(r.Context()), r.PathValue("id"), body.Text)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, messageJSON{ID: m.ID, Direction: m.Direction, Author: m.Author, Type: m.Type, Body: m.Body, Status: m.Status, At: timePtr(m.At)})
}

// noteConversationBody is the JSON body noteConversation reads.
type noteConversationBody struct {
	Text string `json:"text"`
}

func (s *Server) takeConversation(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.load(w, r, audit.ActionConversationTake, false); !ok {
		return
	}
	if err := s.convs.Take(r.Context(), actorFrom(r.Context()), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "taken"})
}

func (s *Server) handBackConversation(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.load(w, r, audit.ActionConversationBack, true); !ok {
		return
	}
	if err := s.convs.HandBack(r.Context(), actorFrom(r.Context()), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "handed back"})
}

func (s *Server) assignConversation(w http.ResponseWriter, r *http.Request) {
	var body assignConversationBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	var op *auth.Operator
	err := s.db.View(r.Context(), func(tx *store.Tx) error {
		var err error
		op, err = tx.Operator(body.OperatorID)
		return err
	})
	if err != nil || op.Disabled || !op.Role.Can(auth.PermConversationsReply) {
		s.apiError(w, r, fmt.Errorf("%w: operator_id must name an enabled operator who can reply", ErrInvalid))
		return
	}
	if _, ok := s.load(w, r, audit.ActionConversationAssgn, false); !ok {
		return
	}
	if err := s.convs.Assign(r.Context(), actorFrom(r.Context()), r.PathValue("id"), op.ID); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "assigned", "operator_id": op.ID})
}

// replyConversationBody is the JSON body replyConversation reads.
type replyConversationBody struct {
	Text string `json:"text"`
}

// assignConversationBody is the JSON body assignConversation reads.
type assignConversationBody struct {
	OperatorID string `json:"operator_id"`
}
