package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/conversation"
)

// rowIDs are the conversations an inbox page or fragment links to, in order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<a href="/conversations/([a-z0-9]+)">`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestInboxQueues(t *testing.T) {
	e := newEnv(t, envOpts{})
	agent := e.operator(auth.RoleAgent)
	e.convs.setAssignee(agent.ID)
	c := e.signIn(agent)

	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/conversations", []string{"c3"}}, // the default: waiting for a human
		{"/conversations?queue=waiting", []string{"c3"}},
		{"/conversations?queue=mine", []string{"c1"}},
		{"/conversations?queue=all", []string{"c1", "c3"}}, // c2 is someone else's
		{"/conversations?queue=closed", nil},
		{"/conversations/rows?queue=all", []string{"c1", "c3"}},
	} {
		r := c.do("GET", tt.path, nil)
		if got := rowIDs(r.Body.String()); r.Code != 200 || strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("GET %s = %d, rows %q, want %q", tt.path, r.Code, got, tt.want)
		}
	}

	r := c.do("GET", "/conversations?queue=all", nil)
	body := r.Body.String()
	for _, want := range []string{"With an operator", "Waiting for a human", ">" + agent.Username + "<", "Nobody", `src="/static/console.js"`,
		`data-live="/conversations/rows?queue=all"`, `id="waiting-badge" class="badge" title="Waiting for a human">1<`} {
		if !strings.Contains(body, want) {
			t.Errorf("inbox page lacks %q:\n%s", want, body)
		}
	}
	for _, leak := range []string{agent.ID, ">waiting_human<", ">human<", "612345678", "Ana García"} {
		if strings.Contains(body, leak) {
			t.Errorf("inbox page shows %q:\n%s", leak, body)
		}
	}

	// The fragment the page polls: rows only, with the waiting count.
	r = c.do("GET", "/conversations/rows", nil)
	if r.Code != 200 || r.Header().Get("X-Waiting-Count") != "1" || strings.Contains(r.Body.String(), "<html") {
		t.Errorf("rows fragment = %d, X-Waiting-Count %q: %s", r.Code, r.Header().Get("X-Waiting-Count"), r.Body)
	}
}

func TestConversationPage(t *testing.T) {
	e := newEnv(t, envOpts{})
	agent := e.operator(auth.RoleAgent)
	e.convs.setAssignee(agent.ID)
	lastIn := e.clock.Now().Add(-time.Hour)
	e.convs.GetFn = func(ctx context.Context, id string, reveal bool) (*console.ConversationDetail, error) {
		s := e.convs.c1()
		s.ID, s.LastInboundAt = id, lastIn
		if id == "c2" {
			s.AssignedTo = "someone-else"
		} else if id != "c1" {
			return nil, conversation.ErrNotFound
		}
		return &console.ConversationDetail{ConversationSummary: s, Messages: []console.ConversationMessage{
			{ID: "m1", Direction: "in", Author: "customer", Type: "text", Body: "my number is [phone]", Status: "received", At: lastIn},
			{ID: "m2", Direction: "out", Author: "bot", Type: "text", Body: "one moment", Status: "read", At: lastIn},
			{ID: "m3", Direction: "out", Author: "system", Type: "text", Body: "escalated: the customer asked for a person", Status: "note", At: lastIn},
			{ID: "m4", Direction: "out", Author: "operator:" + agent.ID, Type: "text", Body: "hello, I am here", Status: "delivered", At: lastIn},
		}}, nil
	}
	c := e.signIn(agent)
	r := c.do("GET", "/conversations/c1", nil)
	body := r.Body.String()
	if r.Code != 200 {
		t.Fatalf("GET /conversations/c1 = %d %s", r.Code, body)
	}
	for _, want := range []string{"34 6•• ••• •78", "A•• G•••••", "my number is [phone]", "<strong>Customer</strong>", "<strong>Bot</strong>",
		"<strong>Note</strong>", "<strong>" + agent.Username + "</strong>", `aria-label="read"`, `aria-label="delivered"`,
		`data-api="/api/v1/conversations/c1/reply"`, `data-api="/api/v1/conversations/c1/handback"`, "window is open until",
		`data-live="/conversations/c1/thread"`} {
		if !strings.Contains(body, want) {
			t.Errorf("conversation page lacks %q:\n%s", want, body)
		}
	}
	// An agent may not reveal, assign or take what is already theirs.
	for _, absent := range []string{"/reveal", "/assign", "/take", agent.ID, "612345678"} {
		if strings.Contains(body, absent) {
			t.Errorf("agent's conversation page contains %q", absent)
		}
	}

	// Past the 24-hour window: no reply box, and the page says why.
	lastIn = e.clock.Now().Add(-25 * time.Hour)
	body = c.do("GET", "/conversations/c1", nil).Body.String()
	if strings.Contains(body, "/reply") || !strings.Contains(body, "The 24-hour window is closed") {
		t.Errorf("conversation page outside the window:\n%s", body)
	}

	// The thread fragment the page polls.
	r = c.do("GET", "/conversations/c1/thread", nil)
	if r.Code != 200 || strings.Count(r.Body.String(), "data-msg-id=") != 4 || strings.Contains(r.Body.String(), "<html") {
		t.Errorf("thread fragment = %d %s", r.Code, r.Body)
	}

	// Someone else's conversation: refused, and the refusal audited.
	for _, path := range []string{"/conversations/c2", "/conversations/c2/thread"} {
		if r := c.do("GET", path, nil); r.Code != http.StatusForbidden {
			t.Errorf("GET %s as another agent = %d, want 403", path, r.Code)
		}
		if ev := e.lastEvent(); ev.Outcome != audit.Denied || ev.Target != "conversation:c2" || ev.ActorID != agent.ID {
			t.Errorf("refusal audited as %+v", ev)
		}
	}

	// A supervisor sees the reveal, assign and take forms.
	sup := e.signIn(e.operator(auth.RoleSupervisor))
	body = sup.do("GET", "/conversations/c1", nil).Body.String()
	for _, want := range []string{`data-api="/api/v1/conversations/c1/reveal"`, `data-api="/api/v1/conversations/c1/assign"`,
		`data-api="/api/v1/conversations/c1/take"`, `<option value="` + agent.ID + `" selected>` + agent.Username, `value="customer_request"`} {
		if !strings.Contains(body, want) {
			t.Errorf("supervisor's conversation page lacks %q", want)
		}
	}
}

func TestConsoleScriptIsEmbedded(t *testing.T) {
	e := newEnv(t, envOpts{})
	r := e.client().do("GET", "/static/console.js", nil)
	if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/javascript") || !strings.Contains(r.Body.String(), "X-CSRF-Token") {
		t.Errorf("GET /static/console.js = %d %q, %d bytes", r.Code, r.Header().Get("Content-Type"), r.Body.Len())
	}
}

func TestAuditPage(t *testing.T) {
	e := newEnv(t, envOpts{})
	auditor := e.operator(auth.RoleAuditor)
	c := e.signIn(auditor)
	r := c.do("GET", "/audit?action=auth.login", nil)
	body := r.Body.String()
	if r.Code != 200 {
		t.Fatalf("GET /audit = %d %s", r.Code, body)
	}
	for _, want := range []string{"<td>auth.login</td>", "<td>" + auditor.Username + "</td>", `data-verify="/api/v1/audit/verify"`,
		`href="/api/v1/audit/export?action=auth.login"`, `<a href="/audit" aria-current="page">Audit log</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("audit page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `href="/conversations"`) {
		t.Errorf("an auditor's navigation links the inbox their role cannot open:\n%s", body)
	}
	if strings.Contains(body, "<td>audit.read</td>") {
		t.Errorf("the action filter let other actions through:\n%s", body)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionAuditRead || ev.ActorID != auditor.ID {
		t.Errorf("reading the audit page was not audited: last event %+v", ev)
	}
	if r := c.do("GET", "/audit?since=yesterday", nil); r.Code != http.StatusBadRequest {
		t.Errorf("GET /audit with a bad time = %d, want 400", r.Code)
	}
}

// TestHomeSendsEachRoleToAPageItCanUse: an auditor lands on the audit log,
// an agent on the inbox.
func TestHomeSendsEachRoleToAPageItCanUse(t *testing.T) {
	e := newEnv(t, envOpts{})
	for role, want := range map[auth.Role]string{auth.RoleAuditor: "/audit", auth.RoleAgent: "/conversations", auth.RoleAdmin: "/audit"} {
		c := e.signIn(e.operator(role))
		if r := c.do("GET", "/", nil); r.Code != http.StatusSeeOther || r.Header().Get("Location") != want {
			t.Errorf("GET / as %s = %d → %q, want %s", role, r.Code, r.Header().Get("Location"), want)
		}
	}
}

// quoteChars is how long an excerpt of a quoted message the console shows.
const quoteChars = 120

// The thread shows what a message replies to, the customer's reaction, a
// forward and the ad a message came from; the API carries the same.
func TestThreadShowsRepliesReactionsAndMetadata(t *testing.T) {
	e := newEnv(t, envOpts{})
	sup := e.operator(auth.RoleSupervisor)
	long := "Mainland Spain and Portugal: 2–4 working days with standard shipping. " + strings.Repeat("More details follow here. ", 10)
	e.convs.GetFn = func(ctx context.Context, id string, reveal bool) (*console.ConversationDetail, error) {
		if id != "c1" {
			return nil, conversation.ErrNotFound
		}
		return &console.ConversationDetail{ConversationSummary: e.convs.c1(), Messages: []console.ConversationMessage{
			{ID: "m1", Direction: "out", Author: "bot", Type: "text", Body: long, Status: "read", Reaction: "👍"},
			{ID: "m2", Direction: "in", Author: "customer", Type: "text", Body: "what about this one?", Status: "received", ReplyTo: "m1", Quote: long},
			{ID: "m3", Direction: "in", Author: "customer", Type: "text", Body: "look at this", Status: "received", Forwarded: true, FrequentlyForwarded: true},
			{ID: "m4", Direction: "in", Author: "customer", Type: "text", Body: "is it still on?", Status: "received", AdSourceType: "ad", AdHeadline: "Winter sale"},
		}}, nil
	}
	c := e.signIn(sup)
	r := c.do("GET", "/conversations/c1/thread", nil)
	body := r.Body.String()
	if r.Code != 200 {
		t.Fatalf("thread = %d %s", r.Code, body)
	}
	for _, want := range []string{`<blockquote class="quote">Replying to: Mainland Spain and Portugal: 2–4 working days`, "…</blockquote>",
		"Customer reacted 👍", `data-key="m1|read|👍"`, "Forwarded many times", "From ad “Winter sale”"} {
		if !strings.Contains(body, want) {
			t.Errorf("thread lacks %q:\n%s", want, body)
		}
	}
	if _, q, _ := strings.Cut(body, `<blockquote class="quote">Replying to: `); len([]rune(q[:strings.Index(q, "</blockquote>")])) != quoteChars {
		t.Errorf("thread quotes %q, want an excerpt of %d characters", q[:strings.Index(q, "</blockquote>")], quoteChars)
	}
	if n := strings.Count(body, "Customer reacted"); n != 1 {
		t.Errorf("thread shows %d reactions, want 1", n)
	}

	var got struct {
		Messages []struct {
			ReplyTo   string `json:"reply_to"`
			Quote     string `json:"quote"`
			Reaction  string `json:"reaction"`
			Forwarded string `json:"forwarded"`
			Ad        *struct {
				SourceType string `json:"source_type"`
				Headline   string `json:"headline"`
			} `json:"ad"`
		} `json:"messages"`
	}
	r = c.do("GET", "/api/v1/conversations/c1", nil)
	if err := json.Unmarshal(r.Body.Bytes(), &got); err != nil || len(got.Messages) != 4 {
		t.Fatalf("API conversation = %d %s (%v)", r.Code, r.Body, err)
	}
	m := got.Messages
	if m[0].Reaction != "👍" || m[1].ReplyTo != "m1" || !strings.HasSuffix(m[1].Quote, "…") || len([]rune(m[1].Quote)) != quoteChars ||
		m[2].Forwarded != "frequently_forwarded" || m[3].Ad == nil || m[3].Ad.Headline != "Winter sale" || m[3].Ad.SourceType != "ad" || m[0].Ad != nil {
		t.Errorf("API messages = %s", r.Body)
	}
}
