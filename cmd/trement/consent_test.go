package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestConsentExportPerCustomer(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34612000555"
	ta.optIn(who)
	ta.say(who, "BAJA")
	ta.waitReplies(who, 3)
	ta.settle()
	ta.stop()

	var out bytes.Buffer
	cfg := ta.app.cfg
	env := &Env{Getenv: func(k string) string {
		if k == "TREMENT_MASTER_KEY" {
			return cfg.MasterKey
		}
		return ""
	}, Stdout: &out, Stderr: io.Discard}
	err := run(context.Background(), []string{"consent", "export", "-number", "+34 612 000 555", "-database-url", cfg.DatabaseURL, "-data-dir", cfg.DataDir}, env)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var l consentLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if l.NoticeVersion == "" || l.WAMessageID == "" || l.At.IsZero() || !strings.HasPrefix(l.Customer, "wa:") {
			t.Errorf("event lacks evidence: %+v", l)
		}
		kinds = append(kinds, l.Kind)
	}
	if got := strings.Join(kinds, ","); got != "asked,opt_in,opt_out" {
		t.Errorf("exported ledger = %s, want asked,opt_in,opt_out", got)
	}
	if strings.Contains(out.String(), "612000555") {
		t.Error("the export contains the phone number")
	}
}
