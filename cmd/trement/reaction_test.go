package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
)

// A reaction whose message is not recorded when it comes (issue 13) is
// kept, never dropped: shown to operators as a reaction of its own, and
// moved onto its message once that message has the id.

// reactionRows are the customer's reactions kept as rows of their own.
func (ta *testApp) reactionRows(who string) []*conversation.Message {
	var out []*conversation.Message
	for _, m := range ta.contactMessages(who) {
		if m.Type == conversation.TypeReaction {
			out = append(out, m)
		}
	}
	return out
}

// waitReactionRows waits until the customer has n reactions kept on
// their own.
func (ta *testApp) waitReactionRows(who string, n int) []*conversation.Message {
	ta.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if rs := ta.reactionRows(who); len(rs) == n {
			return rs
		}
		time.Sleep(10 * time.Millisecond)
	}
	ta.t.Fatalf("%d reactions kept on their own, want %d", len(ta.reactionRows(who)), n)
	return nil
}

// conversationPage is the operator's page of the conversation convID.
func (ta *testApp) conversationPage(convID string) string {
	ta.t.Helper()
	session, _ := ta.ownerSession()
	code, body := ta.page("GET", "/conversations/"+convID, session, "")
	if code != http.StatusOK {
		ta.t.Fatalf("GET /conversations/%s = %d %s", convID, code, body)
	}
	return body
}

// customerWebhook posts one message of who through the webhook, signed,
// as Meta sends it: message is the message object's JSON without from,
// id and timestamp.
func (ta *testApp) customerWebhook(who, wamid string, ts time.Time, message string) {
	ta.t.Helper()
	cfg := ta.sim.Config()
	body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",
"metadata":{"display_phone_number":%q,"phone_number_id":%q},"contacts":[{"profile":{"name":"Test Customer"},"wa_id":%q}],
"messages":[{"from":%q,"id":%q,"timestamp":"%d",%s}]},"field":"messages"}]}]}`, cfg.DisplayNumber, cfg.PhoneNumberID, who, who, wamid, ts.Unix(), message)
	if code := ta.postWebhook([]byte(body), ta.sign([]byte(body)), "application/json"); code != http.StatusOK {
		ta.t.Fatalf("webhook = %d, want 200", code)
	}
}

// Meta does not promise webhooks in order: a reaction to the customer's
// own message can come before the message.
func TestReactionBeforeItsMessageIsKeptThenLinked(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "447700900141"
	ta.optIn(who)
	ta.settle()
	n := len(ta.replies(who))
	const question = "wamid.HBgLNDQ3NzAwOTAwMTQxFQIAEhgUM0VCMDRBNUZBQ0QxQ0Q2RjA4QTAA"
	now := time.Now()
	ta.customerWebhook(who, "wamid.HBgLNDQ3NzAwOTAwMTQxFQIAEhgUM0VCMDRBNUZBQ0QxQ0Q2RjA4QTEA", now.Add(time.Second),
		`"type":"reaction","reaction":{"message_id":"`+question+`","emoji":"🔥"}`)
	r := ta.waitReactionRows(who, 1)[0]
	if r.Body != "🔥" || r.Direction != conversation.In || r.ReplyToID != "" {
		t.Errorf("kept reaction = %+v, want 🔥 from the customer, its message not found", r)
	}
	if page := ta.conversationPage(r.ConversationID); !strings.Contains(page, "Reacted to a message not in this thread.") || !strings.Contains(page, "Customer reacted 🔥") {
		t.Errorf("conversation page does not show the reaction kept on its own")
	}

	ta.customerWebhook(who, question, now, `"type":"text","text":{"body":"How long does delivery take?"}`)
	if a := ta.waitReplies(who, n+1)[n]; !strings.Contains(a.Text, "working days") {
		t.Errorf("question answered %q, want the delivery times: the reaction before it changes nothing", a.Text)
	}
	ta.settle()
	if m := ta.storedByWamid(who, question); m.Reaction != "🔥" {
		t.Errorf("question's reaction = %q, want 🔥 moved onto it", m.Reaction)
	}
	if rs := ta.reactionRows(who); len(rs) != 0 {
		t.Errorf("%d reactions still kept on their own after their message came, want 0", len(rs))
	}
	if got := len(ta.replies(who)); got != n+1 {
		t.Errorf("customer got %d replies, want %d: a reaction is never answered", got, n+1)
	}
}

// holdSends lets a send reach Meta (the customer sees the message) and
// holds the bookkeeping until release is closed: the customer reacts
// before trement has recorded the message's id.
type holdSends struct {
	conversation.Sender
	sent    chan string
	release chan struct{}
}

func (h *holdSends) Send(ctx context.Context, phone string, out conversation.Outbound, cb string) (string, error) {
	id, err := h.Sender.Send(ctx, phone, out, cb)
	if err == nil && out.Read == "" && strings.Contains(out.Text, "working days") {
		h.sent <- id
		<-h.release
	}
	return id, err
}

func TestReactionBeforeTheSendIsRecordedIsLinked(t *testing.T) {
	hold := &holdSends{sent: make(chan string, 1), release: make(chan struct{})}
	ta := startApp(t, appOpt{wrap: func(s conversation.Sender) conversation.Sender { hold.Sender = s; return hold }})
	const who = "447700900142"
	ta.optIn(who)
	ta.settle()
	ta.say(who, "How long does delivery take?")
	var wamid string
	select {
	case wamid = <-hold.sent:
	case <-time.After(15 * time.Second):
		t.Fatal("the answer was never sent")
	}
	ta.react(who, wamid, "👍")
	if r := ta.waitReactionRows(who, 1)[0]; r.Body != "👍" {
		t.Errorf("kept reaction = %q, want 👍", r.Body)
	}
	close(hold.release)
	ta.waitReaction(who, wamid, "👍")
	ta.settle()
	if rs := ta.reactionRows(who); len(rs) != 0 {
		t.Errorf("%d reactions still kept on their own once the answer's id was recorded, want 0", len(rs))
	}
}

// A reaction to a message trement never kept (the privacy notice, sent
// before consent) stays a reaction of its own, shown to operators; so
// does its removal.
func TestReactionToAMessageNeverKeptIsShown(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "447700900143"
	ta.optIn(who)
	ta.settle()
	notice := ta.replies(who)[0]
	if ta.findByWamid(who, notice.ID) != nil {
		t.Fatal("the privacy notice is stored: the test needs a message that is not")
	}
	n := len(ta.replies(who))
	ta.react(who, notice.ID, "🙏")
	r := ta.waitReactionRows(who, 1)[0]
	ta.react(who, notice.ID, "")
	ta.waitReactionRows(who, 2)
	ta.settle()
	if got := len(ta.replies(who)); got != n {
		t.Errorf("customer got %d replies after reacting, want %d", got, n)
	}
	page := ta.conversationPage(r.ConversationID)
	if !strings.Contains(page, "Customer reacted 🙏") || !strings.Contains(page, "Removed a reaction from a message not in this thread.") {
		t.Errorf("conversation page does not show both reactions kept on their own")
	}
	if c := ta.contactOf(who); c.ConsentState != conversation.ConsentGranted {
		t.Errorf("consent after reacting = %s, want still granted", c.ConsentState)
	}
}
