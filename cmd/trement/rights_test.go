package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// waitLink waits for a business message to the customer carrying a link
// and returns the message and its link.
func (ta *testApp) waitLink(waID string, after int) (sim.ThreadMessage, string) {
	ta.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r := ta.replies(waID)
		for _, m := range r[min(after, len(r)):] {
			if len(m.Links) > 0 {
				return m, m.Links[0]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	ta.t.Fatalf("no message with a link reached %s", waID)
	return sim.ThreadMessage{}, ""
}

func (ta *testApp) follow(link string) (int, []byte) {
	ta.t.Helper()
	resp, err := ta.sim.Follow(context.Background(), link)
	if err != nil {
		ta.t.Fatalf("Follow(%s): %v", link, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ta.t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (ta *testApp) auditActions() map[string]int {
	ta.t.Helper()
	out := map[string]int{}
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		evs, err := tx.AuditEvents(audit.Filter{Limit: 10000})
		if err != nil {
			ta.t.Fatal(err)
		}
		for _, e := range evs {
			out[e.Action+"/"+e.Reason]++
			out[e.Action]++
		}
		return nil
	})
	return out
}

// TestMyDataDeliversAZipOnce follows MY DATA as a customer would: a
// summary and a link in the chat, a ZIP holding their own messages as
// JSON and CSV, a second download refused, a tampered and an expired link
// refused with the same answer.
func TestMyDataDeliversAZipOnce(t *testing.T) {
	var skew atomic.Int64
	ta := startApp(t, appOpt{now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	const who = "34655000777"
	ta.optIn(who)
	const question = "¿cuánto tarda el envío a Bilbao? pedido ZX-4411"
	ta.say(who, question)
	ta.waitReplies(who, 3)
	ta.settle()
	ta.say(who, "MIS DATOS")
	r := ta.waitReplies(who, 4)
	if !strings.Contains(r[3].Text, "preparando") {
		t.Errorf("first answer to MIS DATOS = %q, want the copy being prepared", r[3].Text)
	}
	msg, link := ta.waitLink(who, 4)
	if !strings.Contains(msg.Text, "mensaje") || !strings.Contains(link, rights.DownloadPath) || !strings.HasPrefix(link, "http://"+ta.app.localURL[len("http://"):]) {
		t.Errorf("summary = %q with link %q, want a Spanish summary and a link to this server", msg.Text, link)
	}

	status, body := ta.follow(link)
	if status != http.StatusOK {
		t.Fatalf("download = %d %q, want 200", status, body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("download is not a ZIP: %v", err)
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
	for _, name := range []string{"README.txt", "profile.json", "profile.csv", "consent.json", "consent.csv", "conversations.json", "conversations.csv",
		"messages.json", "messages.csv", "requests.json", "requests.csv", "audit.json", "audit.csv"} {
		if _, ok := files[name]; !ok {
			t.Errorf("ZIP lacks %s", name)
		}
	}
	var msgs []map[string]any
	if err := json.Unmarshal(files["messages.json"], &msgs); err != nil {
		t.Fatalf("messages.json: %v", err)
	}
	found := false
	for _, m := range msgs {
		found = found || m["body"] == question && m["direction"] == "in"
	}
	if !found {
		t.Errorf("messages.json holds no inbound %q: %s", question, files["messages.json"])
	}
	rows, err := csv.NewReader(bytes.NewReader(files["messages.csv"])).ReadAll()
	if err != nil {
		t.Fatalf("messages.csv: %v", err)
	}
	found = false
	for _, row := range rows[1:] {
		found = found || row[5] == question
	}
	if !found || len(rows)-1 != len(msgs) {
		t.Errorf("messages.csv has %d rows (want %d) and the question: %v", len(rows)-1, len(msgs), found)
	}
	if !bytes.Contains(files["profile.json"], []byte(who)) || !bytes.Contains(files["audit.json"], []byte("dsar.created")) {
		t.Errorf("profile or audit part incomplete:\n%s\n%s", files["profile.json"], files["audit.json"])
	}

	again, refusal := ta.follow(link)
	if again != http.StatusNotFound {
		t.Fatalf("second download = %d, want 404", again)
	}
	swap := "A"
	if strings.HasSuffix(link, "A") {
		swap = "B"
	}
	tampered := link[:len(link)-1] + swap
	if st, b := ta.follow(tampered); st != http.StatusNotFound || !bytes.Equal(b, refusal) {
		t.Errorf("tampered link = %d %q, want the same refusal %q", st, b, refusal)
	}
	if st, b := ta.follow(strings.Replace(link, rights.DownloadPath, rights.DownloadPath+"x", 1)); st != http.StatusNotFound || !bytes.Equal(b, refusal) {
		t.Errorf("guessed link = %d %q, want the same refusal", st, b)
	}

	// A second request, whose link is left to expire.
	n := len(ta.replies(who))
	ta.say(who, "MIS DATOS")
	_, link2 := ta.waitLink(who, n)
	skew.Store(int64(25 * time.Hour))
	if st, b := ta.follow(link2); st != http.StatusNotFound || !bytes.Equal(b, refusal) {
		t.Errorf("expired link = %d %q, want the same refusal", st, b)
	}
	acts := ta.auditActions()
	for _, a := range []string{"dsar.export_downloaded", "dsar.download_refused/already used", "dsar.download_refused/malformed or bad signature", "dsar.download_refused/expired"} {
		if acts[a] == 0 {
			t.Errorf("audit lacks %s: %v", a, acts)
		}
	}
	// The link's token is nowhere in the conversation.
	if body := strings.Join(ta.storedBodiesAll(who), "\n"); strings.Contains(body, link[strings.LastIndex(link, "/")+1:]) {
		t.Error("the download token is stored in the conversation")
	}
}

func (ta *testApp) storedBodiesAll(waID string) []string {
	c := ta.contactOf(waID)
	var out []string
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		ms, _ := tx.ContactMessages(c.ID)
		for _, m := range ms {
			out = append(out, m.Body)
		}
		return nil
	})
	return out
}

// TestErasureClosesRequests: DELETE MY DATA opens an erasure request that
// the confirmation completes, and the customer's other open requests are
// closed, not left open.
func TestErasureClosesRequests(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-dsar-approval"}})
	const who = "34655000888"
	ta.optIn(who)
	ta.say(who, "MIS DATOS")
	r := ta.waitReplies(who, 3)
	if !strings.Contains(r[2].Text, "recibido") {
		t.Errorf("with approval required, MIS DATOS answers %q, want received with its date", r[2].Text)
	}
	ta.say(who, "CORREGIR mi dirección de envío está mal")
	ta.waitReplies(who, 4)
	ta.say(who, "borrar mis datos")
	ta.waitReplies(who, 5)
	ta.say(who, "SÍ BORRAR")
	r = ta.waitReplies(who, 6)
	if !strings.Contains(r[5].Text, "delegado") || ta.contactOf(who) == nil {
		t.Fatalf("with approval required the erasure answered %q and the contact exists=%v, want it waiting for the DPO", r[5].Text, ta.contactOf(who) != nil)
	}
	reqs := ta.requestsOf(who)
	var erasure *rights.Request
	for _, rq := range reqs {
		if rq.Type == rights.Erasure {
			erasure = rq
		}
	}
	if erasure == nil || erasure.Status != rights.StatusAwaitingApproval {
		t.Fatalf("erasure request = %+v, want awaiting approval", erasure)
	}
	if _, err := ta.app.rights.Approve(context.Background(), rights.Actor{Type: audit.ActorOperator, ID: "dpo-1"}, erasure.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ta.contactOf(who) != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ta.contactOf(who) != nil {
		t.Fatal("the approved erasure did not run")
	}
	for _, rq := range ta.requestsOf(who) {
		want := rights.StatusClosed
		if rq.Type == rights.Erasure {
			want = rights.StatusCompleted
		}
		if rq.Status != want {
			t.Errorf("%s request after erasure is %s (%s), want %s", rq.Type, rq.Status, rq.Outcome, want)
		}
		if rq.Detail != "" {
			t.Errorf("the correction statement still opens after erasure: %q", rq.Detail)
		}
	}
	if len(ta.requestsOf(who)) != 3 {
		t.Errorf("requests = %d, want access, correction and erasure", len(ta.requestsOf(who)))
	}
}

func (ta *testApp) requestsOf(waID string) []*rights.Request {
	ta.t.Helper()
	var out []*rights.Request
	if err := ta.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.Requests(rights.Filter{WaIndex: ta.db.WaIndex(waID), Limit: 100})
		return err
	}); err != nil {
		ta.t.Fatal(err)
	}
	return out
}

// TestCustomerCorrectionsAndConfirmation: the customer corrects the
// answer language over WhatsApp (audited by field), is told no name is
// kept, and confirms a request the DPO entered, which is then fulfilled.
func TestCustomerCorrectionsAndConfirmation(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34655000999"
	ta.optIn(who)
	ta.say(who, "IDIOMA pt")
	r := ta.waitReplies(who, 3)
	if !strings.Contains(r[2].Text, "português") || ta.contactOf(who).Language != "pt" {
		t.Errorf("after IDIOMA pt: reply %q, language %s; want Portuguese", r[2].Text, ta.contactOf(who).Language)
	}
	ta.say(who, "name: Ana")
	r = ta.waitReplies(who, 4)
	if !strings.Contains(r[3].Text, "Não guardamos") {
		t.Errorf("NAME without a kept name answered %q", r[3].Text)
	}
	if acts := ta.auditActions(); acts["contact.corrected/field=language"] != 1 {
		t.Errorf("audit: %v, want one contact.corrected naming the language field", acts)
	}

	req, err := ta.app.rights.Open(context.Background(), rights.Actor{Type: audit.ActorOperator, ID: "dpo-1"},
		rights.NewRequest{Phone: who, Type: rights.Portability, Source: rights.SourceDPO, Detail: "asked by e-mail"})
	if err != nil {
		t.Fatal(err)
	}
	r = ta.waitReplies(who, 5)
	if len(r[4].Buttons) != 2 || !strings.Contains(r[4].Text, "portabilidade") {
		t.Fatalf("confirmation message = %+v, want a question with two buttons", r[4])
	}
	ta.tap(who, r[4].Buttons[0].ID)
	_, link := ta.waitLink(who, 5)
	if st, _ := ta.follow(link); st != http.StatusOK {
		t.Errorf("download after confirming = %d, want 200", st)
	}
	got, err := ta.app.rights.Get(context.Background(), req.ID)
	if err != nil || got.Status != rights.StatusCompleted || got.Identity != rights.IdentityVerified {
		t.Errorf("confirmed request = %+v, %v; want verified and completed", got, err)
	}
	// A second tap on the same button finds nothing waiting.
	n := len(ta.replies(who))
	ta.tap(who, r[4].Buttons[0].ID)
	if r := ta.waitReplies(who, n+1); !strings.Contains(r[n].Text, "não está mais esperando") {
		t.Errorf("second tap answered %q", r[n].Text)
	}
}
