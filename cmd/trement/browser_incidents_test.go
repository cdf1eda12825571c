package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

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

// TestBrowserDeclareIncident declares an incident with the incidents
// page's form in a real browser: a first try with what happened left out
// and a detection time in the future comes back with both problems in the
// summary and at their fields, the field to fix focused and everything
// typed still there; fixed and submitted from the keyboard (Enter in the
// title), the incident is recorded and its page shows Spain's 72-hour
// clock to the authority, due 72 hours after the detection time given.
// The form passes the accessibility check empty and with its problems.
func TestBrowserDeclareIncident(t *testing.T) {
	ta := startApp(t, appOpt{})
	const password = "correct horse battery staple"
	ta.optIn("34622333555")
	ta.settle()
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(),
		auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	base := "http://" + ta.addr
	b.Do(chromedp.Navigate(base + "/login"))
	browserSignIn(b, "owner", password)
	browserEnrol(t, b)

	b.Do(chromedp.Navigate(base + "/incidents"))
	b.WaitFor("the form, unfolded while there is no incident", `document.querySelector("details#declare[open] form.declare-incident")`)
	b.CheckAccessibility("console-incident-form")

	setTime := func(id string, at time.Time) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(chromedp.CSS("#"+id), at.UTC().Format("2006-01-02T15:04"))
	}
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#inc-title"), "Operator laptop stolen"),
		chromedp.Click(chromedp.CSS(`input[name=data][value="message content"]`)),
		chromedp.SendKeys(chromedp.CSS("#inc-systems"), "operator console"),
		setTime("inc-discovered", time.Now().Add(2*time.Hour)),
		chromedp.Click(chromedp.CSS("#inc-scope-all")),
		chromedp.Click(chromedp.CSS("form.declare-incident button")),
	)
	b.WaitFor("the form's problems", `document.querySelector(".error-summary")`)
	summary := b.Text(".error-summary")
	for _, want := range []string{"The incident was not recorded.", "What happened: Say what happened.", "Detected (UTC): The detection time is in the future."} {
		if !strings.Contains(summary, want) {
			t.Errorf("the error summary says %q, want %q in it", summary, want)
		}
	}
	if got := b.Text("#inc-discovered-error"); got != "The detection time is in the future." {
		t.Errorf("the problem at the detection time reads %q", got)
	}
	kept := browsertest.Eval[[]any](b, `[document.activeElement.id, document.querySelector("#inc-title").value, document.querySelector("#inc-systems").value,
		document.querySelector('input[name=data][value="message content"]').checked, document.querySelector("#inc-scope-all").checked,
		document.querySelector("#inc-what").getAttribute("aria-invalid"), document.querySelector("#inc-title").hasAttribute("aria-invalid")]`)
	if want := []any{"inc-what", "Operator laptop stolen", "operator console", true, true, "true", false}; fmt.Sprint(kept) != fmt.Sprint(want) {
		t.Errorf("after the refusal [focused, title, systems, message content checked, every customer chosen, what invalid, title invalid] = %v, want %v", kept, want)
	}
	b.CheckAccessibility("console-incident-form-problems")
	b.Screenshot("console-incident-form-problems")

	detected := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Minute)
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#inc-what"), "a laptop with an open console session was stolen from a car"),
		setTime("inc-discovered", detected),
		chromedp.SendKeys(chromedp.CSS("#inc-title"), kb.Enter),
	)
	b.WaitFor("the recorded incident", `location.pathname.startsWith("/incidents/") && document.querySelector("p.notice[role=status]")`)
	if got := b.Text("p.notice"); got != "The incident is recorded: its legal clocks below are running." {
		t.Errorf("the incident page's notice = %q", got)
	}
	if got := b.Text("main h2"); got != "Operator laptop stolen" {
		t.Errorf("the incident page's heading = %q", got)
	}
	// Times are <time datetime> in UTC, which the script shows in the
	// browser's zone: the due time is read from the attribute.
	clocks := browsertest.Eval[[][]string](b, `[...document.querySelectorAll("main table")[0].tBodies[0].rows].map(r => [...r.cells].map(c => c.querySelector("time") ? c.querySelector("time").getAttribute("datetime") : c.innerText))`)
	due := detected.Add(72 * time.Hour).Format(time.RFC3339)
	if len(clocks) != 1 || len(clocks[0]) < 5 || !strings.HasPrefix(clocks[0][0], "Authority: AEPD") || !strings.HasPrefix(clocks[0][1], "Spain") ||
		!strings.HasPrefix(clocks[0][2], "72 hours") || clocks[0][3] != due || !strings.HasSuffix(clocks[0][4], " left") {
		t.Errorf("the incident's legal clocks = %q, want Spain's authority, 72 hours, due %s, time left", clocks, due)
	}
	b.CheckAccessibility("console-incident-declared")

	b.Do(chromedp.Click(chromedp.CSS(`a[href="/incidents"]`)))
	b.WaitFor("the list", `location.pathname === "/incidents" && document.querySelector("main table tbody a")`)
	if got := b.Text("main table tbody"); !strings.Contains(got, "Operator laptop stolen") || !strings.Contains(got, "(Spain, 72 hours): due ") ||
		!browsertest.Eval[bool](b, `!!document.querySelector('main table tbody time[datetime="`+due+`"]')`) {
		t.Errorf("the incidents list shows %q, want the new incident with Spain's clock due %s", got, due)
	}
	if open := browsertest.Eval[bool](b, `document.querySelector("details#declare").open`); open {
		t.Errorf("the form is still unfolded once an incident is listed")
	}
	for _, p := range b.TakeProblems() {
		if !strings.Contains(p, "status of 422") {
			t.Errorf("browser: %s", p)
		}
	}
}
