package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/trement/trement/internal/auth"
)

func TestReadyz(t *testing.T) {
	ta := startApp(t, appOpt{})
	var rd readiness
	if code := ta.api("GET", "/readyz", "", "", &rd); code != http.StatusOK || !rd.Ready {
		t.Fatalf("GET /readyz = %d %+v, want 200 ready", code, rd)
	}
	if rd.Checks["database"] != "ok" || !strings.HasPrefix(rd.Checks["migrations"], "current") || rd.Checks["sender"] != "sending" {
		t.Errorf("checks = %v", rd.Checks)
	}
	ta.app.svc.Stats.Paused.Store(true)
	ta.api("GET", "/readyz", "", "", &rd)
	if rd.Checks["sender"] != "paused" || !rd.Ready {
		t.Errorf("paused sender: %+v, want ready (webhooks still acknowledged) and sender paused", rd)
	}
	ta.app.svc.Stats.Paused.Store(false)
	ta.db.Close()
	if code := ta.api("GET", "/readyz", "", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with the database closed = %d, want 503", code)
	}
}

// TestMetricsPassPromtool scrapes /metrics after real traffic and has
// Prometheus' own linter check the exposition.
func TestMetricsPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus; scripts/test.sh installs it)")
	}
	ta := startApp(t, appOpt{})
	ta.optIn("34611000222")
	ta.say("34611000222", "how long does shipping take?")
	ta.waitReplies("34611000222", 3)
	tok := ta.ownerToken(auth.PermMetricsRead)
	req, _ := http.NewRequest("GET", "http://"+ta.addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("trement_webhooks_accepted_total")) {
		t.Fatalf("GET /metrics = %d:\n%.300s", resp.StatusCode, body)
	}
	// Every series the shipped alerts and dashboard query must exist.
	for _, f := range []string{"../../deploy/prometheus/alerts.yml", "../../deploy/grafana/trement.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`trement_[a-z_]+`).FindAllString(string(b), -1) {
			if !bytes.Contains(body, []byte("\n"+name)) && !bytes.Contains(body, []byte("# TYPE "+name+" ")) {
				t.Errorf("%s queries %s, which /metrics does not expose", f, name)
			}
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
