package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/doctor"
	"github.com/trement/trement/internal/vault"
)

// TestDoctorGatesADeployment runs `trement doctor` on a real data folder:
// the zero-setup defaults fail (development key, placeholder notice, no
// TLS) with a non-zero exit; a configured deployment passes the checks it
// configures and reads the database (operators, audit chain).
func TestDoctorGatesADeployment(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	doc := func(vars map[string]string, args ...string) (doctor.Report, error) {
		t.Helper()
		var out bytes.Buffer
		env := &Env{Getenv: func(k string) string { return vars[k] }, Stdout: &out, Stderr: io.Discard}
		err := run(context.Background(), append([]string{"doctor", "-json", "-offline", "-data-dir", data}, args...), env)
		var rep doctor.Report
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("doctor -json printed %q: %v", out.String(), jerr)
		}
		return rep, err
	}
	status := func(rep doctor.Report) map[string]doctor.Status {
		m := map[string]doctor.Status{}
		for _, r := range rep.Results {
			m[r.ID] = r.Status
		}
		return m
	}

	rep, err := doc(nil)
	if err == nil || rep.OK() {
		t.Fatalf("doctor on the development defaults = %v, ok %v; want a failure exit", err, rep.OK())
	}
	st := status(rep)
	for _, id := range []string{"master_key", "privacy_notice", "tls", "cloud_api"} {
		if st[id] != doctor.Fail {
			t.Errorf("defaults: %s = %s, want fail", id, st[id])
		}
	}
	if st["audit_chain"] != doctor.Pass || st["privacy_notice"] == doctor.Skip {
		t.Errorf("defaults: audit_chain %s, privacy_notice %s", st["audit_chain"], st["privacy_notice"])
	}

	keyFile := filepath.Join(dir, "master.key")
	if err := os.WriteFile(keyFile, []byte(vault.GenerateKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"TREMENT_DATA_DIR": data, "TREMENT_MASTER_KEY_FILE": keyFile,
		"TREMENT_APP_SECRET": "a", "TREMENT_VERIFY_TOKEN": "b", "TREMENT_ACCESS_TOKEN": "c",
		"TREMENT_TLS_CERT": "c.pem", "TREMENT_TLS_KEY": "k.pem", "TREMENT_PRIVACY_URL": "https://shop.es/privacy",
		"TREMENT_DPO_CONTACT": "dpo@shop.es", "TREMENT_BREACH_CONTACT": "sec@shop.es", "TREMENT_CONTROLLER_CONTACT": "legal@shop.es",
		"TREMENT_KEY_BACKUP_CONFIRMED": "vault", "TREMENT_HANDLING_POLICY_URL": "https://shop.es/h", "TREMENT_HANDLING_POLICY_VERSION": "1",
	}
	os.RemoveAll(data) // the development key was created there by the first run
	rep, _ = doc(vars)
	st = status(rep)
	for _, id := range []string{"master_key", "tls", "cloud_api", "dpo", "breach_contacts", "records", "key_backup", "retention", "opt_out", "audit_chain", "sender", "requests_overdue"} {
		if st[id] != doctor.Pass {
			t.Errorf("configured: %s = %s, want pass", id, st[id])
		}
	}
	if st["privacy_notice"] != doctor.Skip {
		t.Errorf("-offline: privacy_notice = %s, want skip (not fetched)", st["privacy_notice"])
	}
	if st["operators_mfa"] != doctor.Warn {
		t.Errorf("no operators: operators_mfa = %s, want warn", st["operators_mfa"])
	}

	var out bytes.Buffer
	env := &Env{Getenv: func(k string) string { return vars[k] }, Stdout: &out, Stderr: io.Discard}
	if err := run(context.Background(), []string{"ropa", "-format", "csv"}, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Meta Platforms") || !strings.Contains(out.String(), "legal@shop.es") {
		t.Errorf("ropa csv lacks the processor or the controller:\n%s", out.String())
	}
}
