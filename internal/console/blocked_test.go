package console_test

import (
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestBlockedDataOnlyForTheDPOWithAReason: a blocked Spanish customer's
// messages are refused to every role but the DPO, and to the DPO without
// the authority's request; with it they are shown and the look audited.
func TestBlockedDataOnlyForTheDPOWithAReason(t *testing.T) {
	e := newEnv(t, envOpts{})
	const who = "34612000444"
	c := &conversation.Contact{WaID: who, Region: "ES", RegionReason: "+34", Language: "es"}
	if err := e.db.Update(t.Context(), func(tx *store.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		conv, err := tx.OpenConversation(c.ID, "106540352242922")
		if err != nil {
			return err
		}
		if err := tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In, Type: "text", Body: "mi pedido 77", Author: "customer", Status: conversation.StatusReceived}); err != nil {
			return err
		}
		return tx.BlockContact(c.ID, e.clock.Now().Add(1000*24*time.Hour))
	}); err != nil {
		t.Fatal(err)
	}
	const reason = "AEPD request E/01234/2026 of 1 Dec"
	body := map[string]string{"number": "+" + who, "reason": reason}
	for _, role := range []auth.Role{auth.RoleSupervisor, auth.RoleAdmin, auth.RoleAgent, auth.RoleAuditor} {
		if r := e.signIn(e.operator(role)).do("POST", "/api/v1/blocked", body); r.Code != 403 {
			t.Errorf("%s opening blocked data = %d, want 403", role, r.Code)
		}
	}
	dpoOp := e.operator(auth.RoleDPO)
	dpo := e.signIn(dpoOp)
	if r := dpo.do("POST", "/api/v1/blocked", map[string]string{"number": who, "reason": "court"}); r.Code != 400 {
		t.Errorf("DPO without the authority's request = %d, want 400", r.Code)
	}
	if r := dpo.do("POST", "/api/v1/blocked", map[string]string{"number": "34612000445", "reason": reason}); r.Code != 404 {
		t.Errorf("DPO asking for a number not blocked = %d, want 404", r.Code)
	}
	r := dpo.do("POST", "/api/v1/blocked", body)
	d := r.json()
	msgs, _ := d["messages"].([]any)
	if r.Code != 200 || d["number"] != who || len(msgs) != 1 || msgs[0].(map[string]any)["body"] != "mi pedido 77" {
		t.Fatalf("DPO with a reason = %d %s, want the number and the message", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != "contact.blocked_read" || ev.Reason != reason || ev.ActorID != dpoOp.ID {
		t.Errorf("DPO's look audited as %+v", ev)
	}
}
