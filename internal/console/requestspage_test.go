package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/trement/trement/internal/auth"
)

// TestRequestsPage: the DPO sees a request on the desk with the moves its
// status allows; an agent is refused the page and has no link to it.
func TestRequestsPage(t *testing.T) {
	e := newEnv(t, envOpts{})
	c := e.signIn(e.operator(auth.RoleDPO))
	if r := c.do("POST", "/api/v1/dsar", map[string]any{"phone": "34600123456", "type": "erasure", "source": "dpo-logged", "detail": "by letter"}); r.Code != http.StatusAccepted {
		t.Fatalf("POST /api/v1/dsar = %d %s", r.Code, r.Body)
	}
	p := c.do("GET", "/requests", nil)
	body := p.Body.String()
	if p.Code != 200 || !strings.Contains(body, "awaiting confirmation") || !strings.Contains(body, `<option value="closed">`) || strings.Contains(body, `<option value="open">`) {
		t.Errorf("GET /requests as DPO = %d, want the request awaiting confirmation, closable, not openable:\n%s", p.Code, body)
	}
	if !strings.Contains(body, `href="/requests"`) {
		t.Errorf("DPO's navigation has no Requests link")
	}
	a := e.signIn(e.operator(auth.RoleAgent))
	if r := a.do("GET", "/requests", nil); r.Code != http.StatusForbidden {
		t.Errorf("GET /requests as agent = %d, want 403", r.Code)
	}
	if r := a.do("GET", "/conversations", nil); strings.Contains(r.Body.String(), `href="/requests"`) {
		t.Errorf("agent's navigation links to Requests")
	}
}
