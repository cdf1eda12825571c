package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/console"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// Cloud API context end to end (issue 13), through the simulator's
// webhooks: a swipe-reply is answered with the message it quotes, a
// reaction is recorded on its message and never answered, and forwards and
// ads are kept (sealed) as metadata the console shows.

// react sends the customer's reaction to a business message; an empty
// emoji removes it.
func (ta *testApp) react(who, wamid, emoji string) {
	ta.t.Helper()
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Reaction: &whatsapp.Reaction{MessageID: wamid, Emoji: emoji}}); err != nil {
		ta.t.Fatalf("react %q: %v", emoji, err)
	}
}

// storedByWamid returns the customer's stored message with WhatsApp id wamid.
func (ta *testApp) storedByWamid(who, wamid string) *conversation.Message {
	ta.t.Helper()
	if m := ta.findByWamid(who, wamid); m != nil {
		return m
	}
	ta.t.Fatalf("no stored message %s of %s", wamid, who)
	return nil
}

// findByWamid is storedByWamid without failing: nil when none is stored
// (an answer the customer has may not have its id recorded yet).
func (ta *testApp) findByWamid(who, wamid string) *conversation.Message {
	for _, m := range ta.contactMessages(who) {
		if m.WAMessageID == wamid {
			return m
		}
	}
	return nil
}

// consoleDetail is a conversation as the operator's console reads it
// (masked).
func (ta *testApp) consoleDetail(convID string) *console.ConversationDetail {
	ta.t.Helper()
	d, err := consoleConversations{db: ta.db, svc: ta.app.svc}.Get(context.Background(), convID, false)
	if err != nil {
		ta.t.Fatal(err)
	}
	return d
}

// assertNotOnDisk fails for each of leaks found in any file of the
// stopped app's database and data folders.
func assertNotOnDisk(t *testing.T, ta *testApp, leaks []string) {
	t.Helper()
	var files int
	for _, dir := range []string{filepath.Dir(strings.TrimPrefix(ta.url, "sqlite:")), ta.dir} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			for _, l := range leaks {
				if bytes.Contains(b, []byte(l)) {
					t.Errorf("%s holds %q in clear", path, l)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 2 {
		t.Fatalf("scanned %d files, want the database and its inbox", files)
	}
}

// waitInbound waits until trement has taken n inbound messages (reactions
// included) through the flow.
func (ta *testApp) waitInbound(n int64) {
	ta.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for ta.app.svc.Stats.Inbound.Load() < n {
		if time.Now().After(deadline) {
			ta.t.Fatalf("%d inbound messages processed, want %d", ta.app.svc.Stats.Inbound.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitReaction waits until the stored message wamid shows emoji.
func (ta *testApp) waitReaction(who, wamid, emoji string) {
	ta.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var m *conversation.Message
	for time.Now().Before(deadline) {
		if m = ta.findByWamid(who, wamid); m != nil && m.Reaction == emoji {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ta.t.Fatalf("message %s shows reaction (stored %v) %+v, want %q", wamid, m != nil, m, emoji)
}

func TestReplyIsAnsweredWithTheMessageItQuotes(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "447700900123"
	ta.optIn(who)
	shipping := ta.ask(who, "How long does delivery take?")
	if !strings.Contains(shipping.Text, "working days") {
		t.Fatalf("delivery question answered %q, want the delivery times", shipping.Text)
	}
	if pay := ta.ask(who, "How can I pay?"); !strings.Contains(pay.Text, "PayPal") {
		t.Fatalf("payment question answered %q, want the payment methods", pay.Text)
	}
	ta.settle()
	// Swiping to reply to the delivery answer: alone, or with the
	// customer's last question (payment), "this one" is not understood.
	n := len(ta.replies(who))
	id, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Text: "what about this one?", Context: shipping.ID})
	if err != nil {
		t.Fatal(err)
	}
	r := ta.waitReplies(who, n+1)[n]
	if !strings.Contains(r.Text, "working days") || strings.Contains(r.Text, "PayPal") {
		t.Errorf("reply to the delivery answer answered %q, want the delivery times again", r.Text)
	}
	ta.settle()
	in := ta.storedByWamid(who, id)
	if q := ta.storedByWamid(who, shipping.ID); in.ReplyToID != q.ID || in.Body != "what about this one?" {
		t.Errorf("stored reply = %+v, want it linked to the delivery answer %s", in, q.ID)
	}

	// The operator's thread shows what it replies to.
	d := ta.consoleDetail(in.ConversationID)
	var shown bool
	for _, m := range d.Messages {
		if m.ID == in.ID {
			shown = m.ReplyTo == ta.storedByWamid(who, shipping.ID).ID && strings.Contains(m.Quote, "working days")
		}
	}
	if !shown {
		t.Errorf("console detail = %+v, want the reply with the quoted delivery answer", d.Messages)
	}
}

func TestReactionIsRecordedNotAnswered(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "447700900124"
	ta.optIn(who)
	answer := ta.ask(who, "How long does delivery take?")
	ta.settle()
	before := len(ta.replies(who))
	inBefore := len(ta.storedBodies(who))

	ta.react(who, answer.ID, "👍")
	ta.waitReaction(who, answer.ID, "👍")
	// A reaction to our own message is never a question.
	time.Sleep(200 * time.Millisecond)
	ta.settle()
	if n := len(ta.replies(who)); n != before {
		t.Errorf("after a reaction the customer got %d replies, want %d (none)", n, before)
	}
	if n := len(ta.storedBodies(who)); n != inBefore {
		t.Errorf("after a reaction %d inbound messages are stored, want %d: a reaction is not a message", n, inBefore)
	}

	d := ta.consoleDetail(ta.storedByWamid(who, answer.ID).ConversationID)
	for _, m := range d.Messages {
		if m.ID == ta.storedByWamid(who, answer.ID).ID && m.Reaction != "👍" {
			t.Errorf("console shows the answer with reaction %q, want 👍", m.Reaction)
		}
	}

	ta.react(who, answer.ID, "")
	ta.waitReaction(who, answer.ID, "")
	ta.settle()
	if n := len(ta.replies(who)); n != before {
		t.Errorf("after removing a reaction the customer got %d replies, want %d", n, before)
	}
}

// Without consent a reaction is neither kept nor taken as a message: a
// customer who declined and reacts to the confirmation is not asked again.
func TestReactionWithoutConsentIsDropped(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "447700900125"
	ta.say(who, "hello")
	ta.waitReplies(who, 1)
	ta.tap(who, conversation.ButtonDecline)
	declined := ta.waitReplies(who, 2)[1]
	ta.react(who, declined.ID, "👍")
	ta.waitInbound(3)
	time.Sleep(200 * time.Millisecond)
	ta.settle()
	if c := ta.contactOf(who); c == nil || c.ConsentState != conversation.ConsentDeclined {
		t.Errorf("contact after a reaction = %+v, want consent still declined", c)
	}
	if r := ta.replies(who); len(r) != 2 {
		t.Errorf("customer got %d messages, want only the notice and the confirmation: %+v", len(r), r)
	}
	if ms := ta.contactMessages(who); len(ms) != 0 {
		t.Errorf("%d messages kept without consent, want none", len(ms))
	}
}

func TestForwardedAndAdMessagesKeepTheirMetadata(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "447700900126"
	ta.optIn(who)
	n := len(ta.replies(who))
	// As Meta sends them: a text forwarded many times, and a text sent
	// from a Click-to-WhatsApp ad.
	fwd, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Message: &whatsapp.Message{Type: "text", Text: &whatsapp.Text{Body: "How can I pay?"},
		Context: &whatsapp.MessageContext{Forwarded: true, FrequentlyForwarded: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ta.waitReplies(who, n+1)
	ad, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Message: &whatsapp.Message{Type: "text", Text: &whatsapp.Text{Body: "How long does delivery take?"},
		Referral: &whatsapp.Referral{SourceURL: "https://fb.me/3cr4Wqqkk", SourceID: "2348573924", SourceType: "ad", Headline: "Winter sale: free shipping",
			Body: "Order by Friday", MediaType: "image", ImageURL: "https://scontent.xx.fbcdn.net/v/x.jpg", CTWAClid: "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a"}}})
	if err != nil {
		t.Fatal(err)
	}
	ta.waitReplies(who, n+2)
	ta.settle()
	if m := ta.storedByWamid(who, fwd); m.Meta == nil || !m.Meta.Forwarded || !m.Meta.FrequentlyForwarded || m.Meta.Referral != nil {
		t.Errorf("forwarded message meta = %+v, want forwarded many times", m.Meta)
	}
	m := ta.storedByWamid(who, ad)
	if m.Meta == nil || m.Meta.Referral == nil || m.Meta.Referral.Headline != "Winter sale: free shipping" || m.Meta.Referral.SourceType != "ad" || m.Meta.Forwarded {
		t.Fatalf("ad message meta = %+v, want the ad's headline and source type", m.Meta)
	}
	d := ta.consoleDetail(m.ConversationID)
	var sawFwd, sawAd bool
	for _, cm := range d.Messages {
		sawFwd = sawFwd || cm.FrequentlyForwarded && cm.Body == "How can I pay?"
		sawAd = sawAd || cm.AdSourceType == "ad" && cm.AdHeadline == "Winter sale: free shipping"
	}
	if !sawFwd || !sawAd {
		t.Errorf("console detail = %+v, want the forward and the ad shown", d.Messages)
	}

	// Nothing of it is in clear on disk: not the ad, its link or click id,
	// not the ids replied or reacted to, not the reaction.
	ta.react(who, ta.replies(who)[n].ID, "🦩")
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Text: "and this?", Context: ta.replies(who)[n].ID}); err != nil {
		t.Fatal(err)
	}
	ta.waitReplies(who, n+3)
	ta.settle()
	ta.stop()
	leaks := []string{"Winter sale", "fb.me/3cr4Wqqkk", "ARAkLkA8rmlFeiCktEJQ", "Order by Friday", "🦩", ta.replies(who)[n].ID, fwd, ad}
	assertNotOnDisk(t, ta, leaks)
}

// What trement keeps of a reply, a reaction and an ad is the customer's
// data too: their copy (MY DATA) carries it.
func TestAccessExportCarriesRepliesReactionsAndAds(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "447700900127"
	ta.optIn(who)
	n := len(ta.replies(who))
	ad, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Message: &whatsapp.Message{Type: "text", Text: &whatsapp.Text{Body: "How long does delivery take?"},
		Referral: &whatsapp.Referral{SourceType: "ad", SourceID: "2348573924", Headline: "Winter sale", SourceURL: "https://fb.me/3cr4Wqqkk"}}})
	if err != nil {
		t.Fatal(err)
	}
	answer := ta.waitReplies(who, n+1)[n]
	ta.settle() // the answer's id is recorded once its send is done
	ta.react(who, answer.ID, "🙏")
	ta.waitReaction(who, answer.ID, "🙏")
	reply, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Text: "what about this one?", Context: answer.ID})
	if err != nil {
		t.Fatal(err)
	}
	ta.waitReplies(who, n+2)
	ta.settle()
	ta.say(who, "MY DATA")
	_, link := ta.waitLink(who, n+2)
	status, body := ta.follow(link)
	if status != 200 {
		t.Fatalf("download = %d", status)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var msgs []struct {
		ID       string                    `json:"id"`
		Body     string                    `json:"body"`
		ReplyTo  string                    `json:"reply_to"`
		Reaction string                    `json:"reaction"`
		Context  *conversation.MessageMeta `json:"context"`
	}
	if err := json.Unmarshal(files["messages.json"], &msgs); err != nil {
		t.Fatalf("messages.json: %v", err)
	}
	answerID, replyID := ta.storedByWamid(who, answer.ID).ID, ta.storedByWamid(who, reply).ID
	adID := ta.storedByWamid(who, ad).ID
	var sawAd, sawReaction, sawReply bool
	for _, m := range msgs {
		switch m.ID {
		case adID:
			sawAd = m.Context != nil && m.Context.Referral != nil && m.Context.Referral.Headline == "Winter sale" && m.Context.Referral.SourceURL == "https://fb.me/3cr4Wqqkk"
		case answerID:
			sawReaction = m.Reaction == "🙏"
		case replyID:
			sawReply = m.ReplyTo == answerID
		}
	}
	if !sawAd || !sawReaction || !sawReply {
		t.Errorf("messages.json: ad %v, reaction %v, reply %v; want all three:\n%s", sawAd, sawReaction, sawReply, files["messages.json"])
	}
	rows, err := csv.NewReader(bytes.NewReader(files["messages.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var csvAd, csvReply bool
	for _, r := range rows[1:] {
		csvAd = csvAd || r[0] == adID && r[col["ad_headline"]] == "Winter sale" && r[col["ad_source_type"]] == "ad"
		csvReply = csvReply || r[0] == replyID && r[col["reply_to"]] == answerID
	}
	if !csvAd || !csvReply {
		t.Errorf("messages.csv lacks the ad (%v) or the reply (%v):\n%s", csvAd, csvReply, files["messages.csv"])
	}
}
