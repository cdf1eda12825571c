package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/browsertest"
	"github.com/trement/trement/internal/incident"
	"github.com/trement/trement/internal/store"
)

// TestBrowserSettingsAndIncidents drives the settings and incident pages
// in a real browser under the CSP: both pass the accessibility check, a
// step is marked done through the page's script (the JSON post with the
// CSRF token) and shows as done after the reload, and the close form's
// "not a breach" checkbox reaches the API as a boolean (the refusal names
// the step still open, not a malformed body).
func TestBrowserSettingsAndIncidents(t *testing.T) {
	ta := startApp(t, appOpt{})
	const password = "correct horse battery staple"
	ta.optIn("34622333555")
	ta.settle()
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(),
		auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	inc := &incident.Incident{ID: "inc-browser", Title: "Laptop stolen", What: "an operator's laptop was stolen", Data: []string{"message content"},
		Scope: incident.Scope{All: true}, DiscoveredAt: now.Add(-time.Hour), State: incident.Open, CreatedBy: "owner", CreatedAt: now, UpdatedAt: now}
	if err := ta.db.Update(context.Background(), func(tx *store.Tx) (err error) {
		if inc.Affected, err = tx.EstimateAffected(inc.Scope); err != nil {
			return err
		}
		return tx.PutIncident(inc)
	}); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	base := "http://" + ta.addr
	b.Do(chromedp.Navigate(base + "/login"))
	browserSignIn(b, "owner", password)
	browserEnrol(t, b)

	b.Do(chromedp.Navigate(base + "/settings"))
	b.WaitFor("the settings page", `location.pathname === "/settings" && document.querySelector("section.region")`)
	if got := b.Text("main"); !strings.Contains(got, "Spain (ES)") || !strings.Contains(got, "Sending normally.") {
		t.Errorf("settings page text = %q, want Spain in use and sending normally", got)
	}
	b.CheckAccessibility("console-settings")

	b.Do(chromedp.Click(chromedp.CSS(`a[href="/incidents"]`)))
	b.WaitFor("the incidents page", `location.pathname === "/incidents"`)
	b.CheckAccessibility("console-incidents")
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/incidents/inc-browser"]`)))
	b.WaitFor("the incident page", `location.pathname === "/incidents/inc-browser" && document.querySelector("ol.checklist")`)
	b.CheckAccessibility("console-incident")

	contain := `form[data-api="/api/v1/incidents/inc-browser/steps/contain"]`
	b.Do(
		chromedp.SendKeys(chromedp.CSS(contain+` input[name=note]`), "laptop wiped remotely"),
		chromedp.Click(chromedp.CSS(contain+` button`)),
	)
	b.WaitFor("the step done after the reload", `!document.querySelector('`+contain+`') && document.querySelector("ol.checklist").textContent.includes("laptop wiped remotely")`)

	closeForm := `form[data-api="/api/v1/incidents/inc-browser/close"]`
	b.Do(
		chromedp.Click(chromedp.CSS(closeForm+` input[name=not_a_breach]`)),
		chromedp.Click(chromedp.CSS(closeForm+` button`)),
	)
	b.WaitFor("the refusal to close", `document.querySelector('`+closeForm+` .form-error').textContent !== ""`)
	if got := b.Text(closeForm + ` .form-error`); !strings.Contains(got, "assess") || strings.Contains(got, "JSON") {
		t.Errorf("closing as not a breach with steps open says %q, want the open steps (assess, document)", got)
	}
	for _, p := range b.TakeProblems() {
		if !strings.Contains(p, "status of 409") {
			t.Errorf("browser: %s", p)
		}
	}
}
