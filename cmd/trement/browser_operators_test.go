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

// TestBrowserOperatorsAndTokens is an owner staffing the console in a
// real browser: add an operator and read the first password the page shows
// once (it signs in; the list never shows it again), then make an API
// token with a scope and an expiry, see it once, and revoke it from its
// row. The forms go through console.js under the pages' CSP.
func TestBrowserOperatorsAndTokens(t *testing.T) {
	ta := startApp(t, appOpt{})
	const password = "correct horse battery staple"
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(),
		auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	base := "http://" + ta.addr
	b.Do(chromedp.Navigate(base + "/operators"))
	b.WaitFor("the sign-in page", `location.pathname === "/login"`)
	browserSignIn(b, "owner", password)
	browserEnrol(t, b)

	// Add an operator: the first password appears in place, once.
	b.Do(chromedp.Navigate(base + "/operators"))
	b.WaitFor("the operators page", `location.pathname === "/operators" && document.querySelector("form.create-operator")`)
	if roles := browsertest.Eval[[]string](b, `[...document.querySelectorAll("form.create-operator select[name=role] option")].map(o => o.value)`); !slices.Equal(roles, []string{"owner", "admin", "dpo", "supervisor", "agent", "auditor"}) {
		t.Errorf("the owner's Add form offers %q, want every role", roles)
	}
	b.Do(
		chromedp.Click(chromedp.CSS(`details.create summary`)),
		chromedp.SendKeys(chromedp.CSS(`form.create-operator input[name=username]`), "lucia"),
		chromedp.SetValue(chromedp.CSS(`form.create-operator select[name=role]`), "agent"),
		chromedp.Click(chromedp.CSS(`form.create-operator button`)),
	)
	b.WaitFor("the first password", `!document.querySelector("form.create-operator .form-secret").hidden && document.querySelector('[data-secret="initial_password"]').textContent !== ""`)
	first := b.Text(`[data-secret="initial_password"]`)
	if got := b.Text(`[data-secret="username"]`); got != "lucia" || auth.CheckPassword(first, "lucia") != nil {
		t.Errorf("the page shows %q / %q, want lucia and a first password the policy accepts", got, first)
	}
	if !browsertest.Eval[bool](b, `document.querySelector("form.create-operator button").disabled`) {
		t.Errorf("the Add button is live again after the password was shown; want the form spent")
	}
	browserDocShot(t, b, "console-operator-created")
	if _, err := ta.app.console.Auth().Login(context.Background(), auth.RequestInfo{SourceIP: "127.0.0.1"}, "lucia", first); err != nil {
		t.Errorf("sign-in with the password the page showed: %v", err)
	}
	b.Do(chromedp.Click(chromedp.CSS(`.form-secret a[href="/operators"]`)))
	b.WaitFor("the list with the new operator", `[...document.querySelectorAll("tbody tr td:first-child")].some(td => td.textContent === "lucia")`)
	if body := browsertest.Eval[string](b, `document.documentElement.outerHTML`); strings.Contains(body, first) {
		t.Errorf("the operators page shows the first password again after reload")
	}
	row := browsertest.Eval[[]string](b, `[...[...document.querySelectorAll("tbody tr")].find(r => r.cells[0].textContent === "lucia").cells].slice(0, 5).map(c => c.textContent)`)
	if want := []string{"lucia", "Agent", "Not enrolled yet", "Active", "Never"}; !slices.Equal(row, want) {
		t.Errorf("lucia's row = %q, want %q", row, want)
	}

	// Deactivate her from her row (the confirmation accepted).
	browsertest.Eval[bool](b, `(window.confirm = () => true, true)`)
	b.Do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll("tbody tr")].find(r => r.cells[0].textContent === "lucia").querySelector("form.deactivate button")`)))
	b.WaitFor("lucia deactivated", `[...document.querySelectorAll("tbody tr")].some(r => r.cells[0].textContent === "lucia" && r.cells[3].textContent === "Deactivated")`)
	browserDocShot(t, b, "console-operators")

	// An API token: scope and expiry, shown once, then revoked.
	b.Do(chromedp.Navigate(base + "/tokens"))
	b.WaitFor("the tokens page", `location.pathname === "/tokens" && document.querySelector("form.create-token")`)
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`form.create-token input[name=name]`), "metrics scraper"),
		chromedp.Click(chromedp.CSS(`form.create-token input[value="metrics:read"]`)),
		chromedp.SetValue(chromedp.CSS(`form.create-token select[name=expires_in_days]`), "30"),
		chromedp.Click(chromedp.CSS(`form.create-token button`)),
	)
	b.WaitFor("the token", `document.querySelector('[data-secret="token"]').textContent.startsWith("trm_")`)
	token := b.Text(`[data-secret="token"]`)
	p, err := ta.app.console.Auth().AuthenticateToken(context.Background(), token)
	if err != nil || !slices.Equal(p.Scopes, []auth.Permission{auth.PermMetricsRead}) {
		t.Errorf("the token the page showed: %+v, %v; want one scoped to metrics:read", p, err)
	}
	b.Do(chromedp.Click(chromedp.CSS(`.form-secret a[href="/tokens"]`)))
	b.WaitFor("the list with the token", `[...document.querySelectorAll("tbody tr td:first-child")].some(td => td.textContent === "metrics scraper")`)
	if body := browsertest.Eval[string](b, `document.documentElement.outerHTML`); strings.Contains(body, token) {
		t.Errorf("the tokens page shows the token again after reload")
	}
	if got := b.Text(`tbody tr td.state`); !strings.HasPrefix(got, "Expires in 30 days") {
		t.Errorf("the token's expiry reads %q, want it in words", got)
	}
	browsertest.Eval[bool](b, `(window.confirm = () => true, true)`)
	b.Do(chromedp.Click(chromedp.CSS(`form.revoke button`)))
	b.WaitFor("the token revoked", `document.querySelector("tbody tr td.state").textContent.startsWith("Revoked") && !document.querySelector("form.revoke")`)
	if _, err := ta.app.console.Auth().AuthenticateToken(context.Background(), token); err == nil {
		t.Errorf("the revoked token still authenticates")
	}
	b.CheckConsole()
}
