package browsertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReportsPageProblems proves the helper is not blind: a page
// that breaks its own policy, logs an error and throws is caught on each.
func TestBrowserReportsPageProblems(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /strict", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Write([]byte(`<!doctype html><title>strict</title><p id="p">hello</p>` +
			`<script>document.getElementById("p").textContent = "inline ran"</script>` +
			`<p style="color:red">styled</p><script src="/app.js"></script>`))
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`console.error("boom from app.js"); null.x;`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := New(t)
	b.Do(chromedp.Navigate(srv.URL + "/strict"))
	if got := b.Text("#p"); got != "hello" {
		t.Errorf("Text(#p) = %q, want %q: the policy should have blocked the inline script", got, "hello")
	}
	r, ok := b.Response("/strict")
	if !ok || r.Status != 200 || r.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("Response(/strict) = %+v, %v; want 200 with X-Frame-Options DENY", r, ok)
	}
	b.Screenshot("strict")

	want := []string{"inline script violates", "inline style violates", "console.error: boom from app.js", "uncaught exception"}
	var joined string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		joined = strings.Join(b.Problems(), "\n")
		if containsAll(joined, want) {
			break
		}
	}
	b.TakeProblems() // caused on purpose
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("Problems() lack %q:\n%s", w, joined)
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestAccessibilityCatchesViolations proves the axe check is not blind: a
// page with an image without alt text and an unlabelled input, under a
// strict CSP, yields those violations, and a clean page yields none.
func TestAccessibilityCatchesViolations(t *testing.T) {
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "default-src 'self'")
			w.Write([]byte(`<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>T</h1>` + body + `</main></body></html>`))
		}
	}
	mux.HandleFunc("GET /bad", page(`<img src="/x.png"><input name="q">`))
	mux.HandleFunc("GET /good", page(`<img src="/x.png" alt="a chart"><label>Search <input name="q"></label>`))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := New(t)
	b.Do(chromedp.Navigate(srv.URL + "/bad"))
	vs, ok := b.Accessibility()
	if !ok {
		t.Skipf("%s is not set: scripts/test.sh installs axe-core and sets it", AxeEnv)
	}
	found := map[string]string{}
	for _, v := range vs {
		found[v.ID] = v.Impact
	}
	if found["image-alt"] != "critical" || found["label"] != "critical" {
		t.Errorf("violations on the bad page = %v, want image-alt and label (critical)", found)
	}
	b.Do(chromedp.Navigate(srv.URL + "/good"))
	if vs, _ := b.Accessibility(); len(vs) != 0 {
		t.Errorf("violations on the good page = %+v, want none", vs)
	}
	b.TakeProblems() // the missing image is a 404 on purpose
}
