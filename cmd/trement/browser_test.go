package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/browsertest"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/conversation"
)

// These tests drive the pages in a real headless Chromium (see
// internal/browsertest): real clicks and keystrokes, the pages' own
// Content-Security-Policy enforced, and any console error, exception or
// policy violation failing the test. They skip when no Chromium is
// installed. Screenshots go to the test's temporary directory (or to
// $TREMENT_TEST_SCREENSHOTS) and their paths are logged.

// browserOutBubbles counts the business's bubbles in the simulator's chat.
const browserOutBubbles = `document.querySelectorAll("#messages li.msg.out").length`

// TestBrowserCustomerPhone is a customer on the simulator's phone page:
// first message, the AI disclosure with its consent buttons, a real click
// on Accept, a question and its answer.
func TestBrowserCustomerPhone(t *testing.T) {
	ta := startApp(t, appOpt{})
	b := browsertest.New(t) // after the app: its cleanup closes the page first
	const (
		number   = "+34 612 345 678"
		waID     = "34612345678"
		question = "¿cuánto tarda el envío?"
	)

	b.Do(chromedp.Navigate(ta.app.dev.url + "/sim/"))
	b.WaitFor("the business name from /sim/api/threads", `document.getElementById("business").textContent !== ""`)
	b.Do(
		chromedp.SendKeys(chromedp.ID("number"), number),
		chromedp.SendKeys(chromedp.ID("name"), "Ana"),
		chromedp.Click(chromedp.CSS(`#new-chat button[type="submit"]`)),
	)
	b.WaitFor("the chat to open", `!document.getElementById("text").disabled`)
	if got, want := b.Text("#chat-title"), "Ana · +"+waID; got != want {
		t.Errorf("chat title = %q, want %q", got, want)
	}

	// First contact: trement says it is an AI and asks for consent.
	b.Do(chromedp.SendKeys(chromedp.ID("text"), "hola"), chromedp.Click(chromedp.ID("send")))
	b.WaitFor("the greeting with two buttons", `document.querySelectorAll("#messages li.msg.out .choices button").length === 2`)
	greeting := b.Text("#messages li.msg.out .body")
	for _, w := range []string{"asistente de IA", "no una persona", "https://example.com/privacy"} {
		if !strings.Contains(greeting, w) {
			t.Errorf("greeting bubble = %q, want it to contain %q", greeting, w)
		}
	}
	buttons := browsertest.Eval[[]string](b, `[...document.querySelectorAll("#messages li.msg.out .choices button")].map(b => b.textContent)`)
	if want := []string{"Aceptar", "Rechazar"}; !slices.Equal(buttons, want) {
		t.Errorf("consent buttons = %q, want %q", buttons, want)
	}
	b.Screenshot("phone-greeting")

	// Let the delivery statuses land first: each re-renders the chat, and
	// the click must not hit a bubble being replaced.
	ta.settle()
	b.Do(chromedp.Click(chromedp.JSPath(
		`[...document.querySelectorAll("#messages li.msg.out .choices button")].find(b => b.textContent === "Aceptar")`)))
	b.WaitFor("the reply to Accept", browserOutBubbles+` >= 2`)
	ta.settle()
	if got := ta.ledger(waID); !slices.Equal(got, []consent.Kind{consent.Asked, consent.OptIn}) {
		t.Fatalf("consent ledger after clicking Aceptar = %v, want [asked opt_in]", got)
	}

	// Enter, not the button: the composer is a form.
	b.Do(chromedp.SendKeys(chromedp.ID("text"), question+kb.Enter))
	b.WaitFor("the answer bubble", browserOutBubbles+` >= 3`)
	b.WaitFor("the question bubble", `document.querySelectorAll("#messages li.msg.in").length >= 3`)
	in := browsertest.Eval[[]string](b, `[...document.querySelectorAll("#messages li.msg.in .body")].map(e => e.textContent)`)
	if got := in[len(in)-1]; got != question {
		t.Errorf("customer's last bubble = %q, want %q as typed", got, question)
	}
	answer := browsertest.Eval[string](b, `[...document.querySelectorAll("#messages li.msg.out .body")][2].textContent`)
	if !strings.Contains(strings.ToLower(answer), "envío") {
		t.Errorf("answer bubble = %q, want it to mention %q", answer, "envío")
	}
	if got := b.Text("#error"); got != "" {
		t.Errorf("page error line = %q, want empty", got)
	}
	ta.settle()
	if got := ta.storedBodies(waID); !slices.Equal(got, []string{question}) {
		t.Errorf("stored customer messages = %q, want only the question asked after consent", got)
	}
	b.Screenshot("phone-answer")

	r, ok := b.Response("/sim/")
	if !ok {
		t.Fatal("no document response for /sim/ seen")
	}
	browserCheckHeaders(t, r, "script-src 'self'")
	b.CheckConsole()
}

// TestBrowserOperatorConsole is an owner's first sign-in: password, TOTP
// enrolment from the secret on the page, recovery codes, the conversation
// list with the escalated customer masked; then sign-out and a sign-in
// with a recovery code after a wrong code.
func TestBrowserOperatorConsole(t *testing.T) {
	// Keep the profile name, so that the list has a name to mask.
	ta := startApp(t, appOpt{args: []string{"-keep-profile-name=true"}})
	const (
		who      = "34622333444"
		password = "correct horse battery staple"
	)
	ta.optIn(who)
	ta.say(who, "quiero hablar con un agente")
	ta.waitReplies(who, 3)
	ta.settle()
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(),
		auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	base := "http://" + ta.addr

	// Not signed in: the list sends the browser to the sign-in page.
	b.Do(chromedp.Navigate(base + "/conversations"))
	b.WaitFor("the sign-in page", `location.pathname === "/login" && document.querySelector("input[name=username]")`)
	browserDocShot(t, b, "console-login")
	browserSignIn(b, "owner", password)

	secret, codes := browserEnrol(t, b)
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/conversations"]`)))

	browserCheckConversations(t, b, who)
	b.CheckAccessibility("console-conversations")
	b.Screenshot("console-conversations")
	browserCheckCookies(t, b)

	// The dashboard counts the conversation above (the opt-in, the
	// escalation) in four charts the server drew: no script, no inline
	// style for the CSP to refuse (CheckConsole below sees a refusal).
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/dashboard"]`)))
	b.WaitFor("the dashboard", `location.pathname === "/dashboard" && document.querySelectorAll("svg.chart").length === 4`)
	if got := b.Text("#sum-escalations"); !strings.HasPrefix(got, "Escalations: 1,") {
		t.Errorf("dashboard escalations = %q, want the one escalation", got)
	}
	if got := b.Text("#sum-consent"); !strings.HasPrefix(got, "Opt-in rate: 100%") {
		t.Errorf("dashboard consent = %q, want the one opt-in", got)
	}
	browserDocShot(t, b, "console-dashboard")

	// Sign out, then in again with a wrong code and then a recovery code.
	b.Do(chromedp.Click(chromedp.CSS(`form.logout button`)))
	b.WaitFor("the sign-in page after sign-out", `location.pathname === "/login" && document.querySelector("input[name=username]")`)
	b.Do(chromedp.Navigate(base + "/conversations"))
	b.WaitFor("the sign-in page, the session being gone", `location.pathname === "/login"`)
	browserSignIn(b, "owner", password)
	b.WaitFor("the code form", `document.querySelector('form[action="/login/mfa"] input[name=code]')`)
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), browserWrongCode(t, secret)),
		chromedp.Click(chromedp.CSS(`form[action="/login/mfa"] button`)),
	)
	b.WaitFor("the error for a wrong code", `document.querySelector('[role=alert]') && document.querySelector('form[action="/login/mfa"] input[name=code]')`)
	t.Logf("wrong code: %q", b.Text("[role=alert]"))
	b.Screenshot("console-wrong-code")
	// The browser logs the 4xx answer to the wrong code; that one is expected.
	for _, p := range b.TakeProblems() {
		if !strings.Contains(p, "status of 4") {
			t.Errorf("browser: %s", p)
		}
	}
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), codes[0]),
		chromedp.Click(chromedp.CSS(`form[action="/login/mfa"] button`)),
	)
	browserCheckConversations(t, b, who)

	// Every console page carries the browser protections.
	var seen []string
	for _, r := range b.Responses() {
		if u, err := url.Parse(r.URL); err != nil || u.Host != ta.addr {
			continue
		}
		seen = append(seen, r.URL)
		browserCheckHeaders(t, r, "default-src 'self'")
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store (the pages show secrets)", r.URL, got)
		}
	}
	for _, p := range []string{"/login", "/login/mfa", "/login/enrol/start", "/login/enrol", "/conversations"} {
		if _, ok := b.Response(p); !ok {
			t.Errorf("no document response for %s among %q", p, seen)
		}
	}
	b.CheckConsole()
}

// TestBrowserInboxLive is a support shift: the owner signs in with TOTP
// and watches the inbox; a customer asks the simulator's bot for a person
// and the conversation appears without a reload; the owner opens it, takes
// it, replies (the reply reaches the customer's phone) and hands it back,
// after which the bot answers again.
func TestBrowserInboxLive(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-canned-replies", "Saludo=Hola, soy del equipo de soporte. ¿En qué puedo ayudarte?|Cierre=¿Puedo ayudarte en algo más?"}})
	const (
		who      = "34633444555"
		password = "correct horse battery staple"
		reply    = "Hola, soy del equipo de soporte. ¿En qué puedo ayudarte?"
	)
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(),
		auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	b.Do(chromedp.Navigate("http://" + ta.addr + "/conversations"))
	b.WaitFor("the sign-in page", `location.pathname === "/login"`)
	browserSignIn(b, "owner", password)
	b.WaitFor("the two-step page", `location.pathname === "/login/mfa"`)
	browserEnrol(t, b)
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/conversations"]`)))
	b.WaitFor("the empty waiting queue", `location.pathname === "/conversations" && document.querySelector("#inbox-rows td") && document.querySelector("#inbox-rows td").textContent.includes("No conversations")`)
	if got := b.Text("#waiting-badge"); got != "0" {
		t.Errorf("waiting badge before any escalation = %q, want 0", got)
	}
	// A mark that a reload or navigation would wipe.
	browsertest.Eval[bool](b, `window.stillThisPage = true`)
	// The page listens to the server's events and no longer polls: an
	// idle inbox fetches nothing (polling fetched every 2 s).
	b.WaitFor("the live stream", `document.body.dataset.live === "events"`)
	const rowFetches = `performance.getEntriesByType("resource").filter(e => e.name.includes("/conversations/rows")).length`
	// The one fetch that catches up once the stream opened.
	b.WaitFor("the catch-up fetch", rowFetches+` >= 1`)
	time.Sleep(300 * time.Millisecond)
	before := browsertest.Eval[int](b, rowFetches)
	time.Sleep(2500 * time.Millisecond)
	if after := browsertest.Eval[int](b, rowFetches); after != before {
		t.Errorf("an idle inbox fetched its rows %d times in 2.5 s, want none (events, not polling)", after-before)
	}

	// The customer escalates on the simulator.
	ta.optIn(who)
	ta.settle()
	said := time.Now()
	ta.say(who, "quiero hablar con un agente")
	b.WaitFor("the escalated conversation in the inbox", `document.querySelectorAll('#inbox-rows a[href^="/conversations/"]').length === 1 && document.querySelector("#inbox-rows td.state").dataset.state === "waiting_human"`)
	t.Logf("the escalated conversation showed in the inbox %v after the customer's message was sent", time.Since(said))
	ta.waitReplies(who, 3)
	if !browsertest.Eval[bool](b, `window.stillThisPage === true`) {
		t.Error("the inbox reloaded to show the new conversation; want a live update")
	}
	b.WaitFor("the badge to count it", `document.getElementById("waiting-badge").textContent === "1"`)
	if got := b.Text("#inbox-rows td.state"); got != "Waiting for a human" {
		t.Errorf("state cell = %q, want %q", got, "Waiting for a human")
	}
	if title := browsertest.Eval[string](b, `document.title`); !strings.HasPrefix(title, "(1) ") {
		t.Errorf("page title = %q, want the waiting count first", title)
	}
	if body := browsertest.Eval[string](b, `document.body.innerText`); strings.Contains(body, who) || strings.Contains(body, who[2:]) {
		t.Errorf("the inbox shows the number in clear:\n%s", body)
	}
	browserDocShot(t, b, "console-inbox")

	// Open it: the thread, masked, with the escalation.
	b.Do(chromedp.Click(chromedp.CSS(`#inbox-rows a[href^="/conversations/"]`)))
	b.WaitFor("the conversation page", `document.querySelector("form.take button") && document.querySelectorAll("#thread li").length >= 3`)
	if got := b.Text("#conv-state"); got != "Waiting for a human" {
		t.Errorf("conversation state = %q, want %q", got, "Waiting for a human")
	}
	if got := b.Text("#thread li.in .body"); !strings.Contains(got, "agente") {
		t.Errorf("first customer message = %q, want the customer's request for a person", got)
	}
	b.Screenshot("console-conversation")

	// Take it, reply, and the customer's phone gets the reply.
	b.Do(chromedp.Click(chromedp.CSS(`form.take button`)))
	b.WaitFor("the reply box after taking", `document.querySelector("form.reply textarea") && document.getElementById("conv-state").textContent === "With an operator"`)
	if got := b.Text("#conv-assignee"); got != "owner" {
		t.Errorf("assigned to = %q, want the operator's name", got)
	}
	n := len(ta.replies(who))
	// The reply is the canned "Saludo", picked as an operator would: the
	// select fills the reply box, which can still be edited.
	browsertest.Eval[bool](b, `(() => { const s = document.querySelector("form.reply select[data-fill]"); `+
		`s.value = [...s.options].find(o => o.textContent === "Saludo").value; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
	b.WaitFor("the canned reply in the reply box", `document.querySelector("form.reply textarea").value === `+"`"+reply+"`")
	b.Do(chromedp.Click(chromedp.CSS(`form.reply button`)))
	got := ta.waitReplies(who, n+1)
	if last := got[len(got)-1]; last.Text != reply {
		t.Errorf("customer's last message from the business = %q, want the operator's reply %q", last.Text, reply)
	}
	b.WaitFor("the reply in the thread, without a reload", `[...document.querySelectorAll("#thread li.out .body")].some(e => e.textContent === `+"`"+reply+"`"+`)`)
	b.WaitFor("the delivery tick", `[...document.querySelectorAll("#thread li.out")].some(li => li.querySelector(".body").textContent === `+"`"+reply+"`"+` && li.querySelector(".tick.delivered, .tick.read"))`)
	// The customer answers; the operator sees it arrive.
	ta.say(who, "gracias, espero")
	b.WaitFor("the customer's new message, live", `[...document.querySelectorAll("#thread li.in .body")].some(e => e.textContent.includes("gracias"))`)
	browserDocShot(t, b, "console-conversation")

	// Hand it back: the bot answers the next question.
	ta.settle()
	b.Do(chromedp.Click(chromedp.CSS(`form.handback button`)))
	b.WaitFor("the bot state after handing back", `document.getElementById("conv-state") && document.getElementById("conv-state").textContent === "With the bot"`)
	if st := ta.stateOf(who); st != conversation.StateBot {
		t.Errorf("conversation state after hand-back = %s, want bot", st)
	}
	ta.waitReplies(who, n+2) // the notice that the bot is back
	ta.settle()
	n = len(ta.replies(who))
	ta.say(who, "¿cuánto tarda el envío?")
	if got := ta.waitReplies(who, n+1); !strings.Contains(strings.ToLower(got[len(got)-1].Text), "envío") {
		t.Errorf("the bot's answer after hand-back = %q, want it to mention envío", got[len(got)-1].Text)
	}

	// The audit log records the shift, and its chain verifies.
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/audit"]`)))
	b.WaitFor("the audit page", `location.pathname === "/audit" && document.querySelector("#verify-chain")`)
	actions := browsertest.Eval[[]string](b, `[...document.querySelectorAll("tbody tr")].map(r => r.cells[3].textContent)`)
	for _, want := range []string{"conversation.take", "conversation.reply"} {
		if !slices.ContainsFunc(actions, func(a string) bool { return strings.HasPrefix(a, want) }) {
			t.Errorf("audit page actions %q lack %s", actions, want)
		}
	}
	b.Do(chromedp.Click(chromedp.CSS(`#verify-chain`)))
	b.WaitFor("the verification result", `document.getElementById("verify-result").textContent.startsWith("The chain is intact")`)
	browserDocShot(t, b, "console-audit")
	b.CheckConsole()
}

// TestBrowserInboxWithoutEventSource: in a browser without EventSource the
// inbox falls back to polling, and a new waiting conversation still shows
// without a reload.
func TestBrowserInboxWithoutEventSource(t *testing.T) {
	ta := startApp(t, appOpt{})
	const password = "correct horse battery staple"
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(),
		auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	if _, err := chromedp.Call(b.Context(), page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `delete window.EventSource`}); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Navigate("http://" + ta.addr + "/conversations"))
	b.WaitFor("the sign-in page", `location.pathname === "/login"`)
	browserSignIn(b, "owner", password)
	b.WaitFor("the two-step page", `location.pathname === "/login/mfa"`)
	browserEnrol(t, b)
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/conversations"]`)))
	b.WaitFor("the inbox, polling", `location.pathname === "/conversations" && window.EventSource === undefined && document.body.dataset.live === undefined && document.querySelector("#inbox-rows td")`)
	browsertest.Eval[bool](b, `window.stillThisPage = true`)
	const who = "34633444666"
	ta.optIn(who)
	ta.settle()
	said := time.Now()
	ta.say(who, "quiero hablar con un agente")
	b.WaitFor("the escalated conversation in the inbox", `document.querySelectorAll('#inbox-rows a[href^="/conversations/"]').length === 1 && document.querySelector("#inbox-rows td.state").dataset.state === "waiting_human"`)
	t.Logf("polling: the escalated conversation showed in the inbox %v after the customer's message was sent", time.Since(said))
	b.WaitFor("the badge to count it", `document.getElementById("waiting-badge").textContent === "1"`)
	if !browsertest.Eval[bool](b, `window.stillThisPage === true`) {
		t.Error("the inbox reloaded to show the new conversation; want a live update")
	}
	b.CheckConsole()
}

// browserDocShot saves a screenshot and, with $TREMENT_UPDATE_SCREENSHOTS
// set, copies it to docs/screenshots/name.png, where the README shows it:
//
//	TREMENT_UPDATE_SCREENSHOTS=1 go test -run 'TestBrowser' ./cmd/trement
func browserDocShot(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	b.CheckAccessibility(name)
	path := b.Screenshot(name)
	if os.Getenv("TREMENT_UPDATE_SCREENSHOTS") == "" {
		return
	}
	png, err := os.ReadFile(path)
	if err == nil {
		err = os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name+".png"), png, 0o644)
	}
	if err != nil {
		t.Errorf("saving %s under docs/screenshots: %v", name, err)
	}
}

// browserEnrol goes through a first sign-in's TOTP enrolment from the
// secret on the page, returning it and the recovery codes shown.
func browserEnrol(t *testing.T, b *browsertest.Browser) (secret string, codes []string) {
	t.Helper()
	// First sign-in: enrol an authenticator.
	b.WaitFor("the two-step page", `location.pathname === "/login/mfa"`)
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/login/enrol/start"] button`)))
	b.WaitFor("the enrolment page", `document.querySelector("main code") && document.querySelector("main img")`)
	secret = strings.TrimSpace(b.Text("main code"))
	if secret == "" {
		t.Fatal("the enrolment page shows no secret")
	}
	b.WaitFor("the QR image to load under the CSP", `document.querySelector("main img").complete && document.querySelector("main img").naturalWidth > 0`)
	if src := browsertest.Eval[string](b, `document.querySelector("main img").getAttribute("src")`); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Errorf("QR src = %.40q…, want a data:image/png URL", src)
	}
	b.CheckAccessibility("console-enrol")
	b.Screenshot("console-enrol")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("totp.GenerateCode(secret on the page): %v", err)
	}
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`form[action="/login/enrol"] input[name=code]`), code),
		chromedp.Click(chromedp.CSS(`form[action="/login/enrol"] button`)),
	)
	b.WaitFor("the recovery codes", `document.querySelectorAll("ol.codes code").length > 0`)
	codes = browsertest.Eval[[]string](b, `[...document.querySelectorAll("ol.codes code")].map(e => e.textContent)`)
	if len(codes) != auth.RecoveryCodes {
		t.Errorf("recovery page shows %d codes, want %d: %q", len(codes), auth.RecoveryCodes, codes)
	}
	b.CheckAccessibility("console-recovery")
	b.Screenshot("console-recovery")
	return secret, codes
}

// browserSignIn fills in and submits the password form.
func browserSignIn(b *browsertest.Browser, username, password string) {
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
	)
}

// browserCheckConversations waits for the list and checks that it shows the
// escalated customer masked.
func browserCheckConversations(t *testing.T, b *browsertest.Browser, who string) {
	t.Helper()
	b.WaitFor("the conversations page", `location.pathname === "/conversations" && document.querySelector("table tbody tr td")`)
	// The only script is the console's own file: nothing inline.
	if s := browsertest.Eval[[]string](b, `[...document.scripts].map(s => s.getAttribute("src"))`); !slices.Equal(s, []string{"/static/console.js"}) {
		t.Errorf("the conversations page's scripts = %q, want only /static/console.js", s)
	}
	rows := browsertest.Eval[[][]string](b, `[...document.querySelectorAll("table tbody tr")].map(r => [...r.cells].map(c => c.textContent))`)
	if len(rows) != 1 || len(rows[0]) != 6 {
		t.Fatalf("conversation rows = %q, want one row of six cells", rows)
	}
	if got, want := rows[0][0], console.MaskPhone(who); got != want {
		t.Errorf("customer cell = %q, want the masked number %q", got, want)
	}
	if got, want := rows[0][1], console.MaskName("Test Customer"); got != want {
		t.Errorf("name cell = %q, want the masked name %q", got, want)
	}
	if got := rows[0][2]; got != "Waiting for a human" {
		t.Errorf("state cell = %q, want the state in words", got)
	}
	body := browsertest.Eval[string](b, `document.body.innerText`)
	for _, leak := range []string{who, who[2:], "Test Customer"} {
		if strings.Contains(body, leak) {
			t.Errorf("the conversations page shows %q in clear:\n%s", leak, body)
		}
	}
	if !strings.Contains(body, "Signed in as owner (owner)") {
		t.Errorf("the conversations page does not say who is signed in:\n%s", body)
	}
}

// browserCheckCookies checks that every cookie the console set is out of
// scripts' and other sites' reach.
func browserCheckCookies(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	res, err := chromedp.Call(b.Context(), network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatalf("reading cookies: %v", err)
	}
	found := false
	for _, c := range res.Cookies {
		if c.Name == "trement_session" {
			found = true
		}
		if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
			t.Errorf("cookie %s: HttpOnly %v, SameSite %q; want HttpOnly, Strict", c.Name, c.HTTPOnly, c.SameSite)
		}
	}
	if !found {
		t.Errorf("no trement_session cookie among %d cookies", len(res.Cookies))
	}
}

// browserCheckHeaders checks the protections every page response carries.
func browserCheckHeaders(t *testing.T, r browsertest.Response, cspHas string) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	for _, w := range []string{cspHas, "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, w) {
			t.Errorf("%s: Content-Security-Policy = %q, want it to contain %q", r.URL, csp, w)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("%s: Content-Security-Policy = %q, want no unsafe- source", r.URL, csp)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", r.URL, h, got, want)
		}
	}
	// Either policy keeps URLs from leaking to other sites; the console
	// needs same-origin so its own form posts carry a real Origin.
	if rp := r.Header.Get("Referrer-Policy"); rp != "no-referrer" && rp != "same-origin" {
		t.Errorf("%s: Referrer-Policy = %q, want no-referrer or same-origin", r.URL, rp)
	}
}

// browserWrongCode is a six-digit code the authenticator would not show now.
func browserWrongCode(t *testing.T, secret string) string {
	t.Helper()
	now := time.Now()
	var valid []string
	for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		c, err := totp.GenerateCode(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		valid = append(valid, c)
	}
	for _, c := range []string{"000000", "111111", "222222"} {
		if !slices.Contains(valid, c) {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}
