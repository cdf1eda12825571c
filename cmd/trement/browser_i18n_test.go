package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/browsertest"
)

// TestBrowserConsoleInSpanish is an operator switching the console to
// Spanish with the header's selector in a real browser: the inbox comes
// back in Spanish (<html lang="es">, its queues, columns and the
// escalated conversation's state), a conversation escalated afterwards
// arrives by the live update in Spanish too, and the page passes the
// accessibility check. The choice outlives the session: signed out and
// in again, the console is still Spanish.
func TestBrowserConsoleInSpanish(t *testing.T) {
	ta := startApp(t, appOpt{})
	const password = "correct horse battery staple"
	ta.optIn("34622333777")
	ta.say("34622333777", "quiero hablar con un agente")
	ta.waitReplies("34622333777", 3)
	ta.settle()
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(),
		auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	base := "http://" + ta.addr
	b.Do(chromedp.Navigate(base + "/login"))
	browserSignIn(b, "owner", password)
	_, codes := browserEnrol(t, b)
	b.Do(chromedp.Navigate(base + "/conversations"))
	b.WaitFor("the inbox in English", `document.documentElement.lang === "en" && document.querySelector("#inbox-rows td.state")`)
	if got := b.Text("main h1"); got != "Inbox" {
		t.Errorf("the inbox's heading before a choice = %q, want English", got)
	}

	b.Do(
		chromedp.SetValue(chromedp.CSS(`form.language select[name=language]`), "es"),
		chromedp.Click(chromedp.CSS(`form.language button`)),
	)
	b.WaitFor("the inbox in Spanish", `document.documentElement.lang === "es" && location.pathname === "/conversations" && document.querySelector("#inbox-rows td.state")`)
	if got := b.Text("main h1"); got != "Bandeja de entrada" {
		t.Errorf("the inbox's heading = %q, want Bandeja de entrada", got)
	}
	queues := browsertest.Eval[[]string](b, `[...document.querySelectorAll("nav.queues a")].map(a => a.textContent)`)
	if want := []string{"Esperando a una persona", "Mías", "Todas", "Cerradas"}; !slices.Equal(queues, want) {
		t.Errorf("queues = %q, want %q", queues, want)
	}
	cols := browsertest.Eval[[]string](b, `[...document.querySelectorAll("main thead th")].map(th => th.textContent)`)
	if want := []string{"Cliente", "Nombre", "Estado", "Asignada a", "Último mensaje del cliente", "Actualizada"}; !slices.Equal(cols, want) {
		t.Errorf("columns = %q, want %q", cols, want)
	}
	if got := b.Text("#inbox-rows td.state"); got != "Esperando a una persona" {
		t.Errorf("state cell = %q, want it in Spanish", got)
	}
	if got := browsertest.Eval[string](b, `document.querySelector("form.language select").value`); got != "es" {
		t.Errorf("the selector shows %q, want es chosen", got)
	}
	b.CheckAccessibility("console-conversations-es")
	b.Screenshot("console-conversations-es")

	// A new escalation arrives by the live update, rendered in Spanish.
	ta.optIn("34622333888")
	ta.say("34622333888", "quiero hablar con un agente")
	b.WaitFor("the second conversation, live", `document.querySelectorAll("#inbox-rows td.state").length === 2`)
	b.WaitFor("the live region to announce it in Spanish", `document.getElementById("live-status").textContent === "2 conversación(es) esperando a una persona"`)
	if states := browsertest.Eval[[]string](b, `[...document.querySelectorAll("#inbox-rows td.state")].map(td => td.textContent)`); !slices.Equal(states, []string{"Esperando a una persona", "Esperando a una persona"}) {
		t.Errorf("states after the live update = %q, want Spanish", states)
	}
	if body := browsertest.Eval[string](b, `document.body.innerText`); strings.Contains(body, "Waiting for a human") || strings.Contains(body, "Signed in as") {
		t.Errorf("the Spanish inbox still shows English:\n%s", body)
	}

	// The script's words: a reply sent from the conversation page says so
	// in Spanish (the form's data-done, translated in the template).
	b.Do(chromedp.Click(chromedp.CSS(`#inbox-rows a[href^="/conversations/"]`)))
	b.WaitFor("the conversation", `location.pathname.startsWith("/conversations/") && document.querySelector("form.take button")`)
	b.Do(chromedp.Click(chromedp.CSS(`form.take button`)))
	// Taking reloads the page: wait for the reloaded one (no take form)
	// before typing, or the reply goes from the page being replaced.
	b.WaitFor("the page after taking", `!document.querySelector("form.take") && document.querySelector("form.reply textarea")`)
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`form.reply textarea`), "Hola, le ayudo yo."),
		chromedp.Click(chromedp.CSS(`form.reply button`)),
	)
	b.WaitFor("the reply's confirmation", `document.querySelector("form.reply .form-done").textContent !== ""`)
	if got := b.Text("form.reply .form-done"); got != "Enviado: sale por la bandeja de salida." {
		t.Errorf("after sending, the page says %q, want it in Spanish", got)
	}
	b.CheckAccessibility("console-conversation-es")

	// Signed out and in again: still Spanish, from the operator's record.
	b.Do(chromedp.Click(chromedp.CSS(`form.logout button`)))
	b.WaitFor("the sign-in page", `location.pathname === "/login"`)
	browserSignIn(b, "owner", password)
	b.WaitFor("the two-step page", `location.pathname === "/login/mfa"`)
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`form[action="/login/mfa"] input[name=code]`), codes[0]),
		chromedp.Click(chromedp.CSS(`form[action="/login/mfa"] button`)),
	)
	b.WaitFor("the inbox, in Spanish again", `location.pathname === "/conversations" && document.documentElement.lang === "es"`)
	if got := b.Text("main h1"); got != "Bandeja de entrada" {
		t.Errorf("after signing in again the heading = %q, want Spanish", got)
	}
	b.CheckConsole()
}
