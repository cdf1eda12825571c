package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/trement/trement/internal/anomaly"
	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/ops"
)

// TestAlertsFireOnceToASignedWebhook: ten failed sign-ins from one address
// in the audit log raise one alert, delivered to the webhook with a valid
// HMAC signature; evaluating again (or from a second replica) does not
// deliver it twice; the console lists it.
func TestAlertsFireOnceToASignedWebhook(t *testing.T) {
	ta := startApp(t, appOpt{})
	secret := []byte("alert-secret")
	var mu sync.Mutex
	var got []anomaly.Alert
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		if r.Header.Get("X-Trement-Signature-256") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("alert webhook signature %q does not match the body", r.Header.Get("X-Trement-Signature-256"))
		}
		var a anomaly.Alert
		if err := json.Unmarshal(body, &a); err != nil {
			t.Errorf("alert body %s: %v", body, err)
		}
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}))
	defer rcv.Close()

	ctx := context.Background()
	for range 10 {
		if err := ta.db.Audit(ctx, &audit.Event{ActorType: audit.ActorAnonymous, ActorID: "anonymous", Action: audit.ActionLoginFailed,
			Target: "operator", Outcome: audit.Failure, Reason: "wrong password", SourceIP: "203.0.113.7"}); err != nil {
			t.Fatal(err)
		}
	}
	al := ta.app.alerter
	al.Sinks = append(al.Sinks, ops.WebhookSink{URL: rcv.URL, Secret: secret})
	first, err := al.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) == 0 {
		t.Fatal("ten failed sign-ins raised no alert")
	}
	again, _ := al.Evaluate(ctx)
	replica := ops.NewAlerter(ops.NewMetrics(ta.app.svc.Stats), ta.db, al.Sinks, ta.app.log)
	other, _ := replica.Evaluate(ctx)
	if len(again) != 0 || len(other) != 0 {
		t.Errorf("re-evaluation delivered %v, a second replica %v; want nothing (de-duplicated)", again, other)
	}
	mu.Lock()
	n := 0
	for _, a := range got {
		if a.Rule == "failed_signins" && a.Key == "address 203.0.113.7" {
			n++
		}
	}
	mu.Unlock()
	if n != 1 {
		t.Errorf("webhook got %d failed_signins alerts (%+v), want 1", n, got)
	}

	var list struct {
		Alerts []struct {
			Rule  string `json:"rule"`
			Fired int    `json:"fired"`
		} `json:"alerts"`
	}
	tok := ta.ownerToken(auth.PermAuditRead)
	if code := ta.api("GET", "/api/v1/alerts", tok, "", &list); code != 200 || len(list.Alerts) == 0 || list.Alerts[0].Fired != 1 {
		t.Errorf("GET /api/v1/alerts = %d %+v", code, list)
	}
}
