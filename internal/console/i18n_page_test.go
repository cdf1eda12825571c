package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
)

// chooseLanguage posts the header's language form as the browser does.
func chooseLanguage(t *testing.T, c *client, lang, back string) resp {
	t.Helper()
	form := url.Values{"csrf_token": {c.csrf}, "language": {lang}, "back": {back}}
	return c.do("POST", "/account/language", form.Encode(), "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com")
}

// untranslated lists the English catalog strings a page in lang still
// shows: a run of its text equal to one, or holding a long one.
func untranslated(body, lang string, allow map[string]bool) []string {
	src := console.I18nSources(lang)
	var bad []string
	for _, run := range console.TextRuns(body) {
		// A run over several lines is a document (a breach notice's
		// draft, in the words its region's template gives), not the
		// console's own words.
		if allow[run] || strings.Contains(run, "\n") {
			continue
		}
		if _, ok := src[run]; ok {
			bad = append(bad, run)
			continue
		}
		for k := range src {
			if len(k) >= 20 && strings.Contains(k, " ") && strings.Contains(run, k) {
				bad = append(bad, run+" ⊃ "+k)
			}
		}
	}
	return bad
}

// TestPagesInEachLanguage signs an owner in, chooses Spanish or
// Portuguese and reads the main pages: no English the catalog translates
// is left on them, and <html lang> says the language.
func TestPagesInEachLanguage(t *testing.T) {
	for _, lang := range []string{"es", "pt"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t, envOpts{settings: testSettings(t)})
			contact, _ := e.customers("ES", "BR")
			owner := e.ownerOp()
			e.convs.setAssignee(owner.ID)
			c := e.signIn(owner)
			now := e.clock.Now()
			r := c.do("POST", "/api/v1/incidents", map[string]any{"title": "Laptop stolen", "what": "an operator's laptop was stolen",
				"data": []string{"message content"}, "scope": map[string]any{"all": true}, "discovered_at": now.Add(-time.Hour)})
			if r.Code != http.StatusCreated {
				t.Fatalf("create an incident = %d %s", r.Code, r.Body)
			}
			incident := r.json()["id"].(string)
			c.get("/conversations")
			if r := chooseLanguage(t, c, lang, "/conversations?queue=all"); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/conversations?queue=all" {
				t.Fatalf("POST /account/language = %d → %q, want 303 back to the page", r.Code, r.Header().Get("Location"))
			}
			ev := e.lastEvent()
			if ev.Action != audit.ActionOperatorUpdate || ev.Target != "operator:"+owner.ID || ev.Reason != "console language: "+lang || ev.ActorID != owner.ID {
				t.Errorf("language change audited as %+v", ev)
			}
			// The selector names each language in its own words.
			allow := map[string]bool{"owner": true, owner.Username: true, "English": true}
			for _, path := range []string{"/conversations", "/conversations?queue=all", "/conversations/c1", "/conversations/rows?queue=all",
				"/conversations/c1/thread", "/requests", "/operators", "/settings", "/audit", "/tokens", "/customers", "/customers/" + contact,
				"/incidents", "/incidents/" + incident, "/dashboard"} {
				body := c.get(path)
				if !strings.Contains(path, "/rows") && !strings.Contains(path, "/thread") && !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("GET %s: no <html lang=%q>", path, lang)
				}
				if bad := untranslated(body, lang, allow); len(bad) > 0 {
					t.Errorf("GET %s in %s shows English: %q", path, lang, bad)
				}
			}
			if body := c.get("/conversations"); !strings.Contains(body, `name="trement-i18n"`) || !strings.Contains(body, `<option value="`+lang+`" lang="`+lang+`" selected>`) {
				t.Errorf("the inbox has no script words or does not mark %s chosen", lang)
			}
		})
	}
}

// TestLanguageDefaultsAndChoice: English by default, Accept-Language
// until the operator chooses, the choice over the header after, and the
// sign-in pages by the header.
func TestLanguageDefaultsAndChoice(t *testing.T) {
	e := newEnv(t, envOpts{})
	if body := e.client().do("GET", "/login", nil).Body.String(); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "<button>Sign in</button>") {
		t.Errorf("GET /login without Accept-Language is not English:\n%s", body)
	}
	body := e.client().do("GET", "/login", nil, "Accept-Language", "pt-BR,pt;q=0.9,en;q=0.5").Body.String()
	if !strings.Contains(body, `<html lang="pt">`) || !strings.Contains(body, "<button>Entrar</button>") || !strings.Contains(body, "Senha") {
		t.Errorf("GET /login in pt-BR is not Portuguese:\n%s", body)
	}
	if bad := untranslated(body, "pt", nil); len(bad) > 0 {
		t.Errorf("GET /login in pt shows English: %q", bad)
	}
	r := e.client().do("POST", "/login", "username=nobody&password=wrong", "Accept-Language", "es")
	if !strings.Contains(r.Body.String(), "usuario o contraseña incorrectos") {
		t.Errorf("failed sign-in in es: %d %s", r.Code, r.Body)
	}

	agent := e.operator(auth.RoleAgent)
	c := e.signIn(agent)
	if body := c.get("/conversations"); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "<h1>Inbox</h1>") {
		t.Errorf("the inbox is not English by default")
	}
	if r := c.do("GET", "/conversations", nil, "Accept-Language", "es-MX,es;q=0.9"); !strings.Contains(r.Body.String(), "<h1>Bandeja de entrada</h1>") {
		t.Errorf("the inbox does not follow Accept-Language before a choice")
	}
	if r := chooseLanguage(t, c, "pt", "//evil.example/"); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/" {
		t.Errorf("POST /account/language with a foreign back = %d → %q, want 303 to /", r.Code, r.Header().Get("Location"))
	}
	if r := c.do("GET", "/conversations", nil, "Accept-Language", "es"); !strings.Contains(r.Body.String(), "<h1>Caixa de entrada</h1>") {
		t.Errorf("the operator's choice does not win over Accept-Language")
	}
	if r := chooseLanguage(t, c, "fr", "/"); r.Code != http.StatusBadRequest {
		t.Errorf("POST /account/language fr = %d, want 400", r.Code)
	}
	// No CSRF token: refused, and the choice stands.
	csrf := c.csrf
	c.csrf = ""
	if r := c.do("POST", "/account/language", "language=en", "Sec-Fetch-Site", "same-origin"); r.Code != http.StatusForbidden {
		t.Errorf("POST /account/language without CSRF = %d, want 403", r.Code)
	}
	c.csrf = csrf
	if r := chooseLanguage(t, c, "", "/conversations"); r.Code != http.StatusSeeOther {
		t.Errorf("POST /account/language \"\" = %d", r.Code)
	}
	if r := c.do("GET", "/conversations", nil, "Accept-Language", "es"); !strings.Contains(r.Body.String(), "<h1>Bandeja de entrada</h1>") {
		t.Errorf("after choosing the browser's language again, Accept-Language does not decide")
	}
}
