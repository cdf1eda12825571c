package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestDSARAPI walks the DPO's routes: enter a request (the same answer for
// a number nobody has), list it with its flags, refuse a move its status
// may not make, close it with an outcome, and correct a contact's field.
func TestDSARAPI(t *testing.T) {
	e := newEnv(t, envOpts{})
	c := e.signIn(e.operator(auth.RoleDPO))
	var contactID string
	if err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		ct := &conversation.Contact{WaID: "34600123456", Region: "ES", RegionReason: "+34", Language: "es", ConsentState: conversation.ConsentGranted}
		if err := tx.CreateContact(ct); err != nil {
			return err
		}
		contactID = ct.ID
		_, err := tx.OpenConversation(ct.ID, "106540352242922")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	known := c.do("POST", "/api/v1/dsar", map[string]any{"phone": "34600123456", "type": "access", "source": "dpo-logged", "detail": "asked by letter"})
	nobody := c.do("POST", "/api/v1/dsar", map[string]any{"phone": "34600123457", "type": "access", "source": "dpo-logged", "detail": "asked by letter"})
	if known.Code != http.StatusAccepted || nobody.Code != http.StatusAccepted {
		t.Fatalf("POST /api/v1/dsar = %d %s / %d %s, want 202", known.Code, known.Body, nobody.Code, nobody.Body)
	}
	kj, nj := known.json(), nobody.json()
	for _, k := range []string{"status", "identity", "due_at", "region", "outcome", "contact_id"} {
		if kj[k] != nj[k] {
			t.Errorf("field %s: known %v, nobody %v; want the same answer", k, kj[k], nj[k])
		}
	}
	if kj["status"] != "awaiting_confirmation" || kj["identity"] != "pending" {
		t.Errorf("operator-entered request = %v, want awaiting the customer's confirmation", kj)
	}
	if r := c.do("POST", "/api/v1/dsar", map[string]any{"phone": "34600123456", "type": "everything", "source": "console"}); r.Code != http.StatusBadRequest {
		t.Errorf("unknown type = %d, want 400", r.Code)
	}
	id := kj["id"].(string)
	if r := c.do("GET", "/api/v1/dsar/"+id, nil); r.Code != 200 || r.json()["detail"] != "asked by letter" {
		t.Errorf("GET request = %d %s, want it with its detail", r.Code, r.Body)
	}
	e.clock.Advance(40 * 24 * time.Hour)
	c = e.signIn(e.operator(auth.RoleDPO)) // the session expired meanwhile
	l := c.do("GET", "/api/v1/dsar?open=true", nil)
	lj := l.json()
	reqs, _ := lj["requests"].([]any)
	if l.Code != 200 || len(reqs) != 2 || lj["overdue"] != float64(2) || reqs[0].(map[string]any)["overdue"] != true {
		t.Errorf("list after 40 days = %d %s, want two overdue", l.Code, l.Body)
	}
	if r := c.do("POST", "/api/v1/dsar/"+id+"/approve", nil); r.Code != http.StatusConflict {
		t.Errorf("approving an unconfirmed request = %d %s, want 409", r.Code, r.Body)
	}
	if r := c.do("POST", "/api/v1/dsar/"+id+"/status", map[string]any{"status": "closed"}); r.Code != http.StatusBadRequest {
		t.Errorf("closing without an outcome = %d, want 400", r.Code)
	}
	if r := c.do("POST", "/api/v1/dsar/"+id+"/status", map[string]any{"status": "closed", "outcome": "not confirmed in 40 days"}); r.Code != 200 || r.json()["status"] != "closed" {
		t.Errorf("close = %d %s", r.Code, r.Body)
	}
	if r := c.do("GET", "/api/v1/dsar/nope", nil); r.Code != http.StatusNotFound {
		t.Errorf("GET unknown request = %d, want 404", r.Code)
	}
	r := c.do("PATCH", "/api/v1/contacts/"+contactID, map[string]any{"language": "pt", "reason": "asked by letter"})
	if r.Code != 200 || !strings.Contains(r.Body.String(), `"language"`) {
		t.Errorf("correct contact = %d %s", r.Code, r.Body)
	}
	ev := e.events()
	found := false
	for _, x := range ev {
		found = found || x.Action == "contact.corrected" && x.Reason == "fields=language" && x.Target == "contact:"+contactID
	}
	if !found {
		t.Error("no audit event naming the corrected field")
	}
	// An agent may not see requests.
	if r := e.signIn(e.operator(auth.RoleAgent)).do("GET", "/api/v1/dsar", nil); r.Code != http.StatusForbidden {
		t.Errorf("agent GET /api/v1/dsar = %d, want 403", r.Code)
	}
}
