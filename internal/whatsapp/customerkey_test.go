package whatsapp

import "testing"

func TestCustomerKey(t *testing.T) {
	for name, c := range map[string]struct{ body, want string }{
		"message": {`{"entry":[{"changes":[{"value":{"metadata":{"display_phone_number":"15550001111","phone_number_id":"106540352242922"},
			"contacts":[{"profile":{"name":"Ana"},"wa_id":"34612345678"}],"messages":[{"from":"34612345678","id":"wamid.X","type":"text","text":{"body":"hola"}}]}}]}]}`, "34612345678"},
		"status": {`{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.Y","status":"read","recipient_id":"5511987654321"}]}}]}]}`, "5511987654321"},
		"spaces": {"{\"messages\": [ {\"from\" :\n \"491511234567\", \"id\": \"wamid.Z\"}]}", "491511234567"},
		"escaped key in a text before the sender": {`{"messages":[{"text":{"body":"say \"from\":\"999\" please"},"from":"14155550100"}]}`, "14155550100"},
		"account update": {`{"entry":[{"changes":[{"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]}]}`, ""},
		"not a number":   {`{"from":"someone"}`, ""},
		"cut off":        {`{"from":"3461`, ""},
	} {
		if got := CustomerKey([]byte(c.body)); got != c.want {
			t.Errorf("%s: CustomerKey = %q, want %q", name, got, c.want)
		}
	}
}

func FuzzCustomerKey(f *testing.F) {
	f.Add([]byte(`{"from":"34612345678"}`))
	f.Add([]byte(`"wa_id":"1"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k := CustomerKey(b)
		for _, r := range k {
			if r < '0' || r > '9' {
				t.Fatalf("CustomerKey = %q: not digits", k)
			}
		}
	})
}
