package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsRunWithZeroSetup(t *testing.T) {
	c, rest, err := Load(nil, env(nil))
	if err != nil {
		t.Fatalf("Load(defaults) = %v", err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DatabaseURL != "sqlite:trement-data/trement.db" || c.SendRate != 80 || c.RetentionDays != 30 || len(rest) != 0 {
		t.Errorf("defaults = listen %q db %q rate %v retention %d", c.Listen, c.DatabaseURL, c.SendRate, c.RetentionDays)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "trement.env")
	os.WriteFile(file, []byte("# comment\nTREMENT_LISTEN=127.0.0.1:7000\nRETENTION_DAYS=60\nBUSINESS_NAME=\"Acme Ltd\"\n"), 0o600)
	c, rest, err := Load([]string{"-config", file, "-listen", "127.0.0.1:9000", "-dev", "extra"}, env(map[string]string{"TREMENT_RETENTION_DAYS": "90", "TREMENT_LISTEN": "127.0.0.1:8000"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" {
		t.Errorf("Listen = %q, want the flag's", c.Listen)
	}
	if c.RetentionDays != 90 {
		t.Errorf("RetentionDays = %d, want the environment's 90", c.RetentionDays)
	}
	if c.BusinessName != "Acme Ltd" {
		t.Errorf("BusinessName = %q, want the file's", c.BusinessName)
	}
	if !c.Dev || len(rest) != 1 || rest[0] != "extra" {
		t.Errorf("Dev = %v, rest = %v", c.Dev, rest)
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"TREMENT_LISTEN": "nonsense"}, "TREMENT_LISTEN"},
		{map[string]string{"TREMENT_LISTEN": "0.0.0.0:8080"}, "TREMENT_LISTEN"},
		{map[string]string{"TREMENT_SEND_RATE": "5000"}, "TREMENT_SEND_RATE"},
		{map[string]string{"TREMENT_SEND_RATE": "fast"}, "TREMENT_SEND_RATE"},
		{map[string]string{"TREMENT_HASH_MEMORY": "1024"}, "TREMENT_HASH_MEMORY"},
		{map[string]string{"TREMENT_UNAUTH_RATE": "0"}, "TREMENT_UNAUTH_RATE"},
		{map[string]string{"TREMENT_UNAUTH_BURST": "0"}, "TREMENT_UNAUTH_BURST"},
		{map[string]string{"TREMENT_REFUSAL_WINDOW": "10ms"}, "TREMENT_REFUSAL_WINDOW"},
		{map[string]string{"TREMENT_MEMORY_LIMIT": "100000000"}, "TREMENT_MEMORY_LIMIT"}, // below hashes + webhooks + 64 MiB
		{map[string]string{"TREMENT_RETENTION_DAYS": "0"}, "TREMENT_RETENTION_DAYS"},
		{map[string]string{"TREMENT_DATABASE_URL": "mysql://x"}, "TREMENT_DATABASE_URL"},
		{map[string]string{"TREMENT_TLS_CERT": "a.pem"}, "TREMENT_TLS_CERT"},
		{map[string]string{"TREMENT_AGENT": "openai"}, "TREMENT_OPENAI_URL"},
		{map[string]string{"TREMENT_PRIVACY_URL": "http://example.com/p"}, "TREMENT_PRIVACY_URL"},
		{map[string]string{"TREMENT_DEFAULT_REGION": "XX"}, "TREMENT_DEFAULT_REGION"},
		{map[string]string{"TREMENT_MASTER_KEY": "a", "TREMENT_MASTER_KEY_FILE": "b"}, "TREMENT_MASTER_KEY"},
		{map[string]string{"TREMENT_DEV": "maybe"}, "TREMENT_DEV"},
		{map[string]string{"TREMENT_DATA_DIR": "/srv/t", "TREMENT_AUDIT_ANCHOR_FILE": "/srv/t/anchor.json"}, "TREMENT_AUDIT_ANCHOR_FILE"},
		{map[string]string{"TREMENT_AUDIT_ANCHOR_FILE": "trement-data/sub/anchor.json"}, "TREMENT_AUDIT_ANCHOR_FILE"},
		{map[string]string{"TREMENT_AUDIT_ANCHOR_URL": "http://example.com/anchor"}, "TREMENT_AUDIT_ANCHOR_URL"},
		{map[string]string{"TREMENT_AUDIT_ON_TAMPER": "ignore"}, "TREMENT_AUDIT_ON_TAMPER"},
		{map[string]string{"TREMENT_PERMISSIONS_CHECK": "off"}, "TREMENT_PERMISSIONS_CHECK"},
		{map[string]string{"TREMENT_MODERATION": "guard"}, "TREMENT_MODERATION_URL"},
		{map[string]string{"TREMENT_MODERATION": "strict"}, "TREMENT_MODERATION"},
		{map[string]string{"TREMENT_MODERATION_TIMEOUT": "0s"}, "TREMENT_MODERATION_TIMEOUT"},
		{map[string]string{"TREMENT_TEMPLATE_NAME": "t", "TREMENT_TEMPLATE_VARIABLES": "2", "TREMENT_TEMPLATE_BODY": "one"}, "TREMENT_TEMPLATE_BODY"},
		{map[string]string{"TREMENT_TEMPLATE_NAME": "t", "TREMENT_TEMPLATE_BODY": "one"}, "TREMENT_TEMPLATE_BODY"},
		{map[string]string{"TREMENT_TEMPLATE_VARIABLES": "1", "TREMENT_TEMPLATE_BODY": "one"}, "TREMENT_TEMPLATE_BODY"},
		{map[string]string{"TREMENT_TEMPLATE_NAME": "t", "TREMENT_TEMPLATE_VARIABLES": "2", "TREMENT_TEMPLATE_BODY": "one| "}, "TREMENT_TEMPLATE_BODY"},
		{map[string]string{"TREMENT_TEMPLATE_NAME": "t", "TREMENT_TEMPLATE_VARIABLES": "1", "TREMENT_TEMPLATE_BODY": "a\tb"}, "TREMENT_TEMPLATE_BODY"},
		{map[string]string{"TREMENT_TEMPLATE_NAME": "t", "TREMENT_TEMPLATE_VARIABLES": "1", "TREMENT_TEMPLATE_BODY": "a     b"}, "TREMENT_TEMPLATE_BODY"},
		{map[string]string{"TREMENT_TEMPLATE_VARIABLES": "-1"}, "TREMENT_TEMPLATE_BODY"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, _, err := Load(nil, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%v) = %v, want an error naming %s", tt.env, err, tt.want)
			}
		})
	}
	if _, _, err := Load(nil, env(map[string]string{"TREMENT_DATA_DIR": "/srv/t", "TREMENT_AUDIT_ANCHOR_FILE": "/srv/t-anchor/anchor.json"})); err != nil {
		t.Errorf("anchor beside (not inside) DATA_DIR = %v, want accepted", err)
	}
	if c, _, err := Load(nil, env(map[string]string{"TREMENT_TEMPLATE_NAME": "t", "TREMENT_TEMPLATE_VARIABLES": "2", "TREMENT_TEMPLATE_BODY": "Tienda Aurora|https://aurora.example/help"})); err != nil || len(c.TemplateBodyParams()) != 2 {
		t.Errorf("two template variables given for two = %v, want accepted", err)
	}
	if _, _, err := Load([]string{"-listen", "0.0.0.0:8080", "-insecure-http"}, env(nil)); err != nil {
		t.Errorf("non-loopback with INSECURE_HTTP = %v, want accepted", err)
	}
}

func TestModerationDefaultsToTheModelServer(t *testing.T) {
	c, _, err := Load(nil, env(map[string]string{"TREMENT_AGENT": "openai", "TREMENT_OPENAI_URL": "http://127.0.0.1:11434/v1",
		"TREMENT_OPENAI_MODEL": "llama3.1", "TREMENT_OPENAI_KEY": "sk-x", "TREMENT_MODERATION": "guard"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ModerationURL != c.OpenAIURL || c.ModerationKey != "sk-x" || c.ModerationModel != "llama-guard3" {
		t.Errorf("moderation = %q %q %q, want OPENAI_URL, OPENAI_KEY and llama-guard3", c.ModerationURL, c.ModerationKey, c.ModerationModel)
	}
	c, _, err = Load(nil, env(map[string]string{"TREMENT_MODERATION": "openai", "TREMENT_MODERATION_URL": "https://api.openai.com/v1", "TREMENT_OPENAI_KEY": "sk-x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ModerationKey != "" || c.ModerationModel != "omni-moderation-latest" {
		t.Errorf("moderation key %q model %q: another server must not get OPENAI_KEY; want omni-moderation-latest", c.ModerationKey, c.ModerationModel)
	}
}

func TestRedactedHidesSecrets(t *testing.T) {
	c, _, err := Load(nil, env(map[string]string{"TREMENT_APP_SECRET": "s3cr3t-value", "TREMENT_ACCESS_TOKEN": "EAAG-token"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range c.Redacted() {
		if strings.Contains(kv[1], "s3cr3t") || strings.Contains(kv[1], "EAAG") {
			t.Errorf("Redacted shows %s = %q", kv[0], kv[1])
		}
	}
}

func TestREADMEDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("README.md not found")
	}
	for _, s := range settings(&Config{}) {
		if !strings.Contains(string(readme), "`"+s.env()+"`") {
			t.Errorf("README.md does not document %s; paste `trement config doc` into it", s.env())
		}
	}
}

// TestMediaSettings: downloading is off by default and may be turned on;
// the option that would promise files given to the model, which this
// version does not do, is refused rather than ignored, and so is a size
// limit outside WhatsApp's.
func TestMediaSettings(t *testing.T) {
	c, _, err := Load(nil, func(string) string { return "" })
	if err != nil || c.DownloadMedia || c.MediaToAgent || c.MediaMaxBytes != 16<<20 {
		t.Fatalf("Load() = download %v, to agent %v, max %d, %v; want off, off, 16 MiB", c.DownloadMedia, c.MediaToAgent, c.MediaMaxBytes, err)
	}
	if c, _, err := Load([]string{"-download-media", "-media-max-bytes", "1048576"}, func(string) string { return "" }); err != nil || !c.DownloadMedia || c.MediaMaxBytes != 1<<20 {
		t.Errorf("Load(-download-media -media-max-bytes 1048576) = %v, %d, %v", c.DownloadMedia, c.MediaMaxBytes, err)
	}
	for _, args := range [][]string{{"-media-to-agent"}, {"-media-max-bytes", "200000000"}, {"-media-max-bytes", "10"}} {
		if _, _, err := Load(args, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "MEDIA_") {
			t.Errorf("Load(%q) = %v, want it refused", args, err)
		}
	}
}

func TestCannedReplies(t *testing.T) {
	c := &Config{CannedReplies: " Greeting = Hi, this is the support team. | Closing=Anything else?"}
	got, err := c.CannedReplyList()
	if err != nil || len(got) != 2 || got[0] != (CannedReply{"Greeting", "Hi, this is the support team."}) || got[1].Title != "Closing" {
		t.Errorf("CannedReplyList = %+v, %v", got, err)
	}
	for _, bad := range []string{"no equals sign", "=text without a title", "Title=", "A=x|A=y", strings.Repeat("t", 61) + "=x", "T=" + strings.Repeat("x", 4097)} {
		if _, err := (&Config{CannedReplies: bad}).CannedReplyList(); err == nil {
			t.Errorf("CannedReplyList(%.30q) passed", bad)
		}
	}
	if _, _, err := Load([]string{"-canned-replies", "oops"}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "CANNED_REPLIES") {
		t.Errorf("Load with a bad CANNED_REPLIES = %v", err)
	}
}

func TestNumberTemplates(t *testing.T) {
	for _, bad := range []string{
		`[1]`,
		`{"abc":{"name":"x","language":"es"}}`,
		`{"1065":{"name":"","language":"es"}}`,
		`{"1065":{"name":"x","language":"es","body":["a\nb"]}}`,
		`{"1065":{"name":"x","language":"es","colour":"red"}}`,
	} {
		if _, _, err := Load([]string{"-number-templates", bad}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "NUMBER_TEMPLATES") {
			t.Errorf("NUMBER_TEMPLATES=%s: Load = %v, want an error naming the setting", bad, err)
		}
	}
	c, _, err := Load([]string{"-number-templates", `{"1065":{"name":"seguimiento","language":"es","body":["Tienda"]}}`}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m, _ := c.NumberTemplateMap()
	if got := m["1065"]; got.Name != "seguimiento" || got.Language != "es" || len(got.Body) != 1 {
		t.Errorf("NumberTemplateMap = %+v", m)
	}
}
