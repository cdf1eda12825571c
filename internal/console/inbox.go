package console

import (
	"cmp"
	"embed"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// static holds the console's stylesheet and script, served from
// /static/: no CDN, so the console works offline.
//
//go:embed static/console.css static/console.js
var static embed.FS

func (s *Server) serveStatic(name, contentType string) http.HandlerFunc {
	b, err := static.ReadFile("static/" + name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(b)
	}
}

// Inbox queues.
const (
	queueWaiting = "waiting" // escalated, waiting for a human
	queueMine    = "mine"    // assigned to the operator
	queueAll     = "all"     // every conversation the operator may see
	queueClosed  = "closed"
)

var queues = []struct{ Key, Label string }{
	{queueWaiting, "Waiting for a human"}, {queueMine, "Mine"}, {queueAll, "All"}, {queueClosed, "Closed"},
}

// stateWords are conversation states as operators say them.
var stateWords = map[string]string{
	"bot":           "With the bot",
	"waiting_human": "Waiting for a human",
	"human":         "With an operator",
	"closed":        "Closed",
}

func stateWord(state string) string {
	if w, ok := stateWords[state]; ok {
		return w
	}
	return state
}

// inQueue reports whether c belongs in queue q for operator me.
func inQueue(q, me string, c ConversationSummary) bool {
	switch q {
	case queueWaiting:
		return c.State == "waiting_human"
	case queueMine:
		return c.AssignedTo != "" && c.AssignedTo == me
	case queueClosed:
		return c.State == "closed"
	}
	return true
}

type queueLink struct {
	Key, Label string
	Current    bool
}

type inboxRow struct {
	ID, Phone, Name, State, StateWord, AssignedTo string
	UpdatedAt, LastInboundAt                      time.Time
	Sensitive                                     bool
}

// operatorNames maps operator ids to usernames, for display: operators by
// name, not by identifier.
func (s *Server) operatorNames(r *http.Request) map[string]string {
	names := map[string]string{}
	_ = s.db.View(r.Context(), func(tx *store.Tx) error {
		ops, err := tx.Operators()
		for _, o := range ops {
			names[o.ID] = o.Username
		}
		return err
	})
	return names
}

func nameOf(names map[string]string, id string) string {
	if id == "" {
		return ""
	}
	if n, ok := names[id]; ok {
		return n
	}
	return "(removed operator)"
}

// visibleConversations lists what p may see, most recent first.
func (s *Server) visibleConversations(r *http.Request) ([]ConversationSummary, error) {
	p := PrincipalFrom(r.Context())
	f := ConversationFilter{Limit: 500}
	if !p.Can(auth.PermConversationsReadAll) {
		f.AssignedTo, f.Queue = p.OperatorID, true
	}
	list, err := s.convs.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(list, func(c ConversationSummary) bool { return !visible(p, c) }), nil
}

func waitingCount(list []ConversationSummary) int {
	n := 0
	for _, c := range list {
		if c.State == "waiting_human" {
			n++
		}
	}
	return n
}

// inbox builds the inbox's rows for the request's queue.
func (s *Server) inbox(r *http.Request) (string, []inboxRow, int, error) {
	q := r.URL.Query().Get("queue")
	if !slices.ContainsFunc(queues, func(x struct{ Key, Label string }) bool { return x.Key == q }) {
		q = queueWaiting
	}
	list, err := s.visibleConversations(r)
	if err != nil {
		return q, nil, 0, err
	}
	names := s.operatorNames(r)
	me := PrincipalFrom(r.Context()).OperatorID
	var rows []inboxRow
	for _, c := range list {
		if !inQueue(q, me, c) {
			continue
		}
		rows = append(rows, inboxRow{ID: c.ID, Phone: MaskPhone(c.Phone), Name: MaskName(c.ProfileName), State: c.State,
			StateWord: stateWord(c.State), AssignedTo: nameOf(names, c.AssignedTo), UpdatedAt: c.UpdatedAt,
			LastInboundAt: c.LastInboundAt, Sensitive: c.Sensitive})
	}
	return q, rows, waitingCount(list), nil
}

func (s *Server) pageError(w http.ResponseWriter, err error) {
	status, msg := errorStatus(err)
	http.Error(w, msg, status)
}

// basePage is a signed-in page with its navigation filled in.
func (s *Server) basePage(r *http.Request, title string) page {
	p := PrincipalFrom(r.Context())
	lang := s.requestLanguage(r)
	return page{Title: title, CSRF: s.csrfToken(sessionToken(r.Context())), Username: p.Username, Role: p.Role, Nav: true,
		CanAudit: p.Can(auth.PermAuditRead), NavLinks: navFor(p, r.URL.Path),
		Lang: lang, JSText: jsCatalog(lang), Languages: languageOptions(lang), Back: r.URL.RequestURI()}
}

func (s *Server) pageConversations(w http.ResponseWriter, r *http.Request) {
	q, rows, waiting, err := s.inbox(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	pg := s.basePage(r, "Inbox")
	pg.Queue, pg.Rows, pg.Waiting = q, rows, waiting
	for _, x := range queues {
		pg.Queues = append(pg.Queues, queueLink{Key: x.Key, Label: x.Label, Current: x.Key == q})
	}
	s.render(w, http.StatusOK, "inbox", pg)
}

// pageInboxRows is the inbox's rows alone, fetched by the page's script
// when the live stream (pageEvents) says a conversation changed, or every
// few seconds in a browser without it: a new waiting conversation or
// customer message shows without a reload. X-Waiting-Count feeds the badge.
func (s *Server) pageInboxRows(w http.ResponseWriter, r *http.Request) {
	q, rows, waiting, err := s.inbox(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	w.Header().Set("X-Waiting-Count", strconv.Itoa(waiting))
	s.render(w, http.StatusOK, "rows", page{Queue: q, Rows: rows, Lang: s.requestLanguage(r)})
}

// messageView is one message of the thread, ready to show.
type messageView struct {
	ID, Kind, Who, Body, Type, Status, Tick, TickWord string
	Truncated                                         bool
	At                                                time.Time
	// Quote is an excerpt of the message this one replies to; Reaction
	// the customer's emoji on it; Forwarded and Ad say where it came
	// from ("Forwarded many times", "ad “Spring sale”").
	Quote, Reaction, Forwarded, Ad string
	// Media is the file the customer sent, when files are kept.
	Media *mediaView
}

// mediaView is a customer's file in the thread: an image shown in place,
// any other file a download link, or why it is not there.
type mediaView struct {
	State, URL, Label, Reason string
	Image                     bool
}

var ticks = map[string][2]string{
	"queued": {"🕓", "queued"}, "sent": {"✓", "sent"}, "delivered": {"✓✓", "delivered"},
	"read": {"✓✓", "read"}, "played": {"✓✓", "played"}, "failed": {"✗", "not delivered"},
}

func messageViews(d *ConversationDetail, names map[string]string) []messageView {
	out := make([]messageView, 0, len(d.Messages))
	for _, m := range d.Messages {
		v := messageView{ID: m.ID, Body: m.Body, Type: m.Type, Status: m.Status, Truncated: m.Truncated, At: m.At,
			Quote: excerpt(m.Quote, quoteChars), Reaction: m.Reaction}
		switch forwardedWord(m) {
		case "frequently_forwarded":
			v.Forwarded = "Forwarded many times"
		case "forwarded":
			v.Forwarded = "Forwarded"
		}
		if m.AdSourceType != "" || m.AdHeadline != "" {
			v.Ad = cmp.Or(m.AdSourceType, "ad")
			if m.AdHeadline != "" {
				v.Ad += " “" + m.AdHeadline + "”"
			}
		}
		if md := m.Media; md != nil {
			mv := &mediaView{State: md.State, Reason: md.Reason, Image: inlineImages[mediaType(md.MimeType)],
				Label: cmp.Or(md.Filename, md.MimeType, "file")}
			if md.State == "stored" {
				mv.URL = mediaPath(d.ID, m.ID)
			}
			if md.Size > 0 {
				mv.Label += fmt.Sprintf(" (%s)", sizeWords(md.Size))
			}
			v.Media = mv
		}
		switch {
		case m.Author == "customer" || m.Direction == "in":
			v.Kind, v.Who = "in", "Customer"
		case m.Status == "note" && strings.HasPrefix(m.Author, "operator:"):
			v.Kind, v.Who = "system", "Private note by "+nameOf(names, strings.TrimPrefix(m.Author, "operator:"))
		case m.Status == "note":
			v.Kind, v.Who = "system", "Note"
		case m.Author == "system":
			v.Kind, v.Who = "out", "Automatic message"
		case m.Author == "bot":
			v.Kind, v.Who = "out", "Bot"
		case strings.HasPrefix(m.Author, "operator"):
			v.Kind, v.Who = "out", nameOf(names, strings.TrimPrefix(strings.TrimPrefix(m.Author, "operator"), ":"))
			if v.Who == "" {
				v.Who = "Operator"
			}
		default:
			v.Kind, v.Who = "out", m.Author
		}
		if m.Type == conversation.TypeReaction {
			// A reaction kept on its own: the message it reacts to was not
			// recorded when it came (it moves onto it once it is).
			v.Reaction = m.Body
			switch {
			case m.Body == "":
				v.Body = "Removed a reaction from a message not in this thread."
			case m.Quote != "":
				v.Body = "Reacted to the quoted message."
			default:
				v.Body = "Reacted to a message not in this thread."
			}
		}
		if t, ok := ticks[m.Status]; ok && v.Kind == "out" {
			v.Tick, v.TickWord = t[0], t[1]
		}
		out = append(out, v)
	}
	return out
}

// sizeWords is n bytes for people: "512 bytes", "38 KB", "2.4 MB".
func sizeWords(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// convView is the conversation page's facts.
type convView struct {
	ID, Phone, Name, Region, Language, State, StateWord, AssignedTo string
	Sensitive, Mine, Assigned                                       bool
	LastInboundAt, WindowEnds                                       time.Time
	WindowOpen                                                      bool
}

// customerWindow is how long after the customer's last message a
// free-form reply may be sent (WhatsApp's customer-service window).
const customerWindow = 24 * time.Hour

// pageLoad reads a conversation (masked) for a page and checks the
// operator may see it, as the API's load does: a refusal is audited.
func (s *Server) pageLoad(w http.ResponseWriter, r *http.Request) (*ConversationDetail, bool) {
	ctx := r.Context()
	id := r.PathValue("id")
	d, err := s.convs.Get(ctx, id, false)
	if err != nil {
		s.pageError(w, err)
		return nil, false
	}
	if !visible(PrincipalFrom(ctx), d.ConversationSummary) {
		if err := s.audit(ctx, audit.ActionDenied, convTarget(id), audit.Denied, "conversation not assigned to this operator"); err != nil {
			s.pageError(w, err)
			return nil, false
		}
		http.Error(w, "this conversation is not assigned to you", http.StatusForbidden)
		return nil, false
	}
	return d, true
}

func (s *Server) pageConversation(w http.ResponseWriter, r *http.Request) {
	d, ok := s.pageLoad(w, r)
	if !ok {
		return
	}
	p := PrincipalFrom(r.Context())
	names := s.operatorNames(r)
	c := d.ConversationSummary
	v := &convView{ID: c.ID, Phone: MaskPhone(c.Phone), Name: MaskName(c.ProfileName), Region: c.Region, Language: c.Language,
		State: c.State, StateWord: stateWord(c.State), AssignedTo: nameOf(names, c.AssignedTo), Sensitive: c.Sensitive,
		Mine: c.AssignedTo != "" && c.AssignedTo == p.OperatorID, Assigned: c.AssignedTo != "", LastInboundAt: c.LastInboundAt}
	if !c.LastInboundAt.IsZero() {
		v.WindowEnds = c.LastInboundAt.Add(customerWindow)
		v.WindowOpen = s.now().Before(v.WindowEnds)
	}
	pg := s.basePage(r, "Conversation")
	pg.Conv, pg.Messages = v, messageViews(d, names)
	pg.CanReply = p.Can(auth.PermConversationsReply) && (v.Mine || p.Can(auth.PermConversationsReadAll))
	pg.CanTake = p.Can(auth.PermConversationsReply) && !v.Mine && c.State != "closed"
	pg.CanReveal = p.Can(auth.PermPIIReveal)
	pg.Canned = s.canned
	for _, cat := range revealCategories {
		pg.Categories = append(pg.Categories, choice{Value: cat, Word: word(revealCategoryWords, cat)})
	}
	if p.Can(auth.PermConversationsAssign) {
		_ = s.db.View(r.Context(), func(tx *store.Tx) error {
			ops, err := tx.Operators()
			for _, o := range ops {
				if !o.Disabled && o.Role.Can(auth.PermConversationsReply) {
					pg.Operators = append(pg.Operators, operatorOption{ID: o.ID, Name: o.Username, Current: o.ID == c.AssignedTo})
				}
			}
			return err
		})
	}
	if list, err := s.visibleConversations(r); err == nil {
		pg.Waiting = waitingCount(list)
	}
	s.render(w, http.StatusOK, "conversation", pg)
}

// pageThread is the conversation's messages alone, fetched by the page's
// script when the live stream names the conversation (or every few
// seconds without a stream).
func (s *Server) pageThread(w http.ResponseWriter, r *http.Request) {
	d, ok := s.pageLoad(w, r)
	if !ok {
		return
	}
	if list, err := s.visibleConversations(r); err == nil {
		w.Header().Set("X-Waiting-Count", strconv.Itoa(waitingCount(list)))
	}
	s.render(w, http.StatusOK, "thread", page{Messages: messageViews(d, s.operatorNames(r)), Lang: s.requestLanguage(r)})
}

type operatorOption struct {
	ID, Name string
	Current  bool
}
