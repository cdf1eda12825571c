package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestTracesFollowAMessage runs a fake OpenTelemetry collector speaking
// OTLP/HTTP (protobuf) on loopback: a customer's question produces one
// trace from the webhook through the inbox, the flow step and the agent's
// turn to the Graph API send, and no span name or attribute holds the
// customer's number or words.
func TestTracesFollowAMessage(t *testing.T) {
	type span struct{ trace, name, attrs string }
	var mu sync.Mutex
	var spans []span
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("collector got %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(r.Body)
		var req collector.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			t.Errorf("OTLP body: %v", err)
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					spans = append(spans, span{hex.EncodeToString(s.TraceId), s.Name, fmt.Sprint(s.Attributes)})
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(nil)
	}))
	defer col.Close()

	ta := startApp(t, appOpt{args: []string{"-otlp-endpoint", col.URL}})
	const who = "34655443322"
	ta.optIn(who)
	ta.say(who, "¿cuánto tarda el envío a Madrid?")
	ta.waitReplies(who, 3)
	ta.settle()
	ta.stop() // flushes the exporter

	mu.Lock()
	defer mu.Unlock()
	byTrace := map[string][]string{}
	for _, s := range spans {
		byTrace[s.trace] = append(byTrace[s.trace], s.name)
		for _, bad := range []string{who, "655443322", "Madrid", "envío"} {
			if strings.Contains(s.name+s.attrs, bad) {
				t.Errorf("span %s holds %q: %s", s.name, bad, s.attrs)
			}
		}
	}
	want := []string{"webhook.receive", "inbox.process", "flow.step", "agent.reply", "outbox.send"}
	found := false
	for _, names := range byTrace {
		all := true
		for _, w := range want {
			all = all && slices.Contains(names, w)
		}
		found = found || all
	}
	if !found {
		t.Errorf("no trace runs webhook → inbox → flow → agent → send; traces: %v", byTrace)
	}
}
