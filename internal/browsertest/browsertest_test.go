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
