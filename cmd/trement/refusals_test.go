package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/vault"
)

// Issue 9: 1,000 unauthenticated GET /api/v1/me and 1,000 unsigned
// webhooks wrote 2,000 audit rows in 3 s. Now the source is paced (429
// with Retry-After past its allowance), refusals are audited once per
// kind per window with a count, the metric counts every one, and the
// counts are written at shutdown.
func TestRefusalFloodIsPacedAggregatedAndCounted(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-refusal-window", "1h"}})
	before, beforeRows := ta.refusalsAudited("")
	var mu sync.Mutex
	codes := map[int]int{}
	retryAfter := ""
	send := func(req *http.Request) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		mu.Lock()
		defer mu.Unlock()
		codes[resp.StatusCode]++
		if resp.StatusCode == 429 && retryAfter == "" {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	jobs := make(chan *http.Request)
	for range 16 {
		wg.Go(func() {
			for req := range jobs {
				send(req)
			}
		})
	}
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	for i := range 2000 {
		var req *http.Request
		if i%2 == 0 {
			req, _ = http.NewRequest("GET", "http://"+ta.addr+"/api/v1/me", nil)
		} else {
			req, _ = http.NewRequest("POST", "http://"+ta.addr+"/webhook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("X-Forwarded-For", "203.0.113.99") // not believed: no trusted proxy
		jobs <- req
	}
	close(jobs)
	wg.Wait()

	// The burst, plus what the rate (1/s) refilled while the flood lasted.
	burst, refilled := ta.app.cfg.UnauthBurst, int(time.Since(start).Seconds()*ta.app.cfg.UnauthRate)+1
	if codes[401] < burst || codes[401] > burst+refilled || codes[401]+codes[429] != 2000 || retryAfter == "" {
		t.Errorf("answers %v (Retry-After %q), want %d to %d × 401 (the burst and its refill), the rest 429 with Retry-After",
			codes, retryAfter, burst, burst+refilled)
	}
	mfs, err := ta.app.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counted := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "trement_requests_refused_total" {
			for _, m := range mf.GetMetric() {
				counted += m.GetCounter().GetValue()
			}
		}
	}
	if counted != 2000 {
		t.Errorf("trement_requests_refused_total sums to %v, want 2000", counted)
	}
	if _, rows := ta.refusalsAudited(""); rows-beforeRows > 4 {
		t.Errorf("the flood wrote %d audit events while it lasted, want at most 4 (the first of each kind)", rows-beforeRows)
	}

	// Shutdown writes the counts.
	ta.stop()
	k, err := vault.ParseMasterKey(ta.key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), store.Options{URL: ta.url, MasterKey: k})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ta.db = db
	refusals, rows := ta.refusalsAudited("")
	if refusals-before != 2000 || rows-beforeRows > 8 {
		t.Errorf("after shutdown the audit log counts %d refusals in %d events, want 2000 in at most 8", refusals-before, rows-beforeRows)
	}
	rep, err := audit.Verify(context.Background(), db, db.DeriveKey(audit.CheckpointKeyPurpose))
	if err != nil || rep.Break != nil {
		t.Errorf("audit chain after the flood: %+v, %v", rep, err)
	}
	db.View(context.Background(), func(tx *store.Tx) error {
		evs, err := tx.AuditEvents(auditFilterAll())
		for _, e := range evs {
			if strings.Contains(e.SourceIP, "203.0.113.99") {
				t.Errorf("an event names the X-Forwarded-For address: %+v", e)
			}
		}
		return err
	})
}
