package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// exportCase is one customer of the export test: who they are, what they
// said, and which personal strings must never leave.
type exportCase struct {
	waID, name string
	state      conversation.ConsentState
	sensitive  bool
	erase      bool // destroy the data key, leaving the rows
	msgs       []*conversation.Message
}

func cust(body string) *conversation.Message {
	return &conversation.Message{Direction: conversation.In, Author: "customer", Type: "text", Body: body, Status: conversation.StatusReceived}
}

func answer(author, body string) *conversation.Message {
	return &conversation.Message{Direction: conversation.Out, Author: author, Type: "text", Body: body, Status: conversation.StatusDelivered}
}

// Marker PII: none may appear in anything the export writes.
var exportMarkers = []string{
	"ana.garcia@example.com", "+34 612 345 678", "612 345 678", "12345678Z", "34699887766", "Ana García", "García",
	"bruno@example.com", "34611000001", "carla@example.com", "34611000002", "dario@example.com", "34611000003",
	"34611000004", "eva@example.com", "34611000005", "34611000006", "felix@example.com", "34611000007", "gina@example.com",
}

func exportCases() []exportCase {
	return []exportCase{
		// The one that goes out.
		{waID: "34699887766", name: "Ana García", state: conversation.ConsentGranted, msgs: []*conversation.Message{
			answer("system", "Hola, soy el asistente de IA de Tienda Aurora. ¿Aceptas el aviso de privacidad? Responde SÍ."),
			cust("Hola, mi email es ana.garcia@example.com y mi móvil +34 612 345 678. ¿Dónde está mi pedido 4417-2291?"),
			answer("bot", "Hola Ana, tu pedido 4417-2291 sale mañana; te escribimos a ana.garcia@example.com."),
			cust("Para la factura, mi DNI es 12345678Z"),
			answer("operator:op-1", "Anotado el DNI 12345678Z, Ana García. Te llamamos al 612 345 678 si hace falta."),
			cust("gracias!"),
		}},
		{waID: "34611000001", state: conversation.ConsentWithdrawn, msgs: []*conversation.Message{cust("soy bruno@example.com"), answer("bot", "Hola")}},
		{waID: "34611000002", state: conversation.ConsentDeclined, msgs: []*conversation.Message{cust("soy carla@example.com"), answer("bot", "Hola")}},
		{waID: "34611000003", state: conversation.ConsentPending, msgs: []*conversation.Message{cust("soy dario@example.com"), answer("bot", "Hola")}},
		{waID: "34611000004", state: conversation.ConsentGranted, sensitive: true, msgs: []*conversation.Message{cust("necesito hablar con alguien"), answer("operator:op-1", "Claro")}},
		{waID: "34611000005", state: conversation.ConsentGranted, msgs: []*conversation.Message{cust("tengo diabetes, soy eva@example.com, ¿es sin azúcar?"), answer("bot", "Sí")}},
		{waID: "34611000006", state: conversation.ConsentGranted, msgs: []*conversation.Message{cust("¿hola?"), answer("system", "Un momento, te paso con una persona.")}},
		{waID: "34611000007", state: conversation.ConsentGranted, erase: true, msgs: []*conversation.Message{cust("soy felix@example.com"), answer("bot", "Hola")}},
		{waID: "34611000008", state: conversation.ConsentWithdrawn, msgs: []*conversation.Message{cust("gina@example.com, STOP"), answer("system", "Has dejado de recibir mensajes.")}},
	}
}

func seedExport(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	for _, ec := range exportCases() {
		err := db.Update(ctx, func(tx *store.Tx) error {
			c := &conversation.Contact{WaID: ec.waID, ProfileName: ec.name, Region: "ES", RegionReason: "+34", Language: "es", ConsentState: ec.state}
			if err := tx.CreateContact(c); err != nil {
				return err
			}
			conv, err := tx.OpenConversation(c.ID, "106540352242922")
			if err != nil {
				return err
			}
			if ec.sensitive {
				conv.Sensitive = true
				if err := tx.UpdateConversation(conv); err != nil {
					return err
				}
			}
			for _, m := range ec.msgs {
				m.ConversationID, m.ContactID = conv.ID, c.ID
				if err := tx.InsertMessage(m); err != nil {
					return err
				}
			}
			if ec.erase {
				return tx.DestroyDataKey(c.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestExportTraining(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			c := newCLIEnv(t, url)
			db := c.open()
			seedExport(t, db)

			out, errOut, err := c.run("", "export", "training")
			if err != nil {
				t.Fatalf("export training = %v (stderr %s)", err, errOut)
			}
			for _, mark := range exportMarkers {
				if strings.Contains(out, mark) || strings.Contains(errOut, mark) {
					t.Errorf("export output holds %q:\nstdout %s\nstderr %s", mark, out, errOut)
				}
			}

			// Only Ana's conversation, redacted, ending on the operator's answer.
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 1 {
				t.Fatalf("export wrote %d lines, want 1:\n%s", len(lines), out)
			}
			var ex struct {
				Messages []struct{ Role, Content string } `json:"messages"`
			}
			if err := json.Unmarshal([]byte(lines[0]), &ex); err != nil {
				t.Fatal(err)
			}
			var roles []string
			for _, m := range ex.Messages {
				roles = append(roles, m.Role)
			}
			if got := strings.Join(roles, ","); got != "system,user,assistant,user,assistant" {
				t.Errorf("roles = %s, want system,user,assistant,user,assistant", got)
			}
			if len(ex.Messages) == 5 {
				if !strings.Contains(ex.Messages[0].Content, "Tienda Aurora") {
					t.Errorf("system message = %q, want it to name the business", ex.Messages[0].Content)
				}
				if want := "Hola, mi email es [EMAIL_1] y mi móvil [PHONE_1]. ¿Dónde está mi pedido 4417-2291?"; ex.Messages[1].Content != want {
					t.Errorf("user turn = %q, want %q", ex.Messages[1].Content, want)
				}
				if want := "Anotado el DNI [DNI_ES_1], [NAME_1]. Te llamamos al [PHONE_2] si hace falta."; ex.Messages[4].Content != want {
					t.Errorf("operator turn = %q, want %q", ex.Messages[4].Content, want)
				}
			}

			var sum struct {
				Read            int            `json:"conversations_read"`
				Exported        int            `json:"conversations_exported"`
				Messages        int            `json:"messages_exported"`
				LeftOut         map[string]int `json:"conversations_left_out"`
				NotOptedIn      map[string]int `json:"not_opted_in_by_state"`
				SensitiveBy     map[string]int `json:"sensitive_by_cause"`
				MessagesLeftOut map[string]int `json:"messages_left_out"`
				Placeholders    map[string]int `json:"placeholders"`
				SHA256          string         `json:"sha256"`
			}
			if err := json.Unmarshal([]byte(errOut), &sum); err != nil {
				t.Fatalf("summary %q: %v", errOut, err)
			}
			if sum.Read != 9 || sum.Exported != 1 || sum.Messages != 4 {
				t.Errorf("read, exported, messages = %d, %d, %d; want 9, 1, 4", sum.Read, sum.Exported, sum.Messages)
			}
			wantLeftOut := map[string]int{"erased": 1, "unreadable": 0, "not_opted_in": 4, "sensitive": 2, "no_customer_turn": 0, "no_assistant_turn": 1, "residual_pii": 0}
			if !maps.Equal(sum.LeftOut, wantLeftOut) {
				t.Errorf("conversations_left_out = %v, want %v", sum.LeftOut, wantLeftOut)
			}
			if want := map[string]int{"withdrawn": 2, "declined": 1, "pending": 1}; !maps.Equal(sum.NotOptedIn, want) {
				t.Errorf("not_opted_in_by_state = %v, want %v", sum.NotOptedIn, want)
			}
			if want := map[string]int{"flagged": 1, "health": 1}; !maps.Equal(sum.SensitiveBy, want) {
				t.Errorf("sensitive_by_cause = %v, want %v", sum.SensitiveBy, want)
			}
			if sum.MessagesLeftOut["system_notice"] != 1 || sum.MessagesLeftOut["trailing_customer"] != 1 {
				t.Errorf("messages_left_out = %v, want one system notice and one trailing customer message", sum.MessagesLeftOut)
			}
			if want := map[string]int{"EMAIL": 1, "PHONE": 2, "DNI_ES": 1, "NAME": 1}; !maps.Equal(sum.Placeholders, want) {
				t.Errorf("placeholders = %v, want %v", sum.Placeholders, want)
			}

			// Audited, with the counts and the output's hash.
			events := exportEvents(t, db)
			if len(events) != 1 {
				t.Fatalf("export.training events = %d, want 1", len(events))
			}
			e := events[0]
			if e.ActorType != audit.ActorSystem || e.ActorID != "cli" || e.Outcome != audit.Success ||
				!strings.Contains(e.Reason, "read 9, exported 1 (4 messages)") || !strings.Contains(e.Reason, "not_opted_in=4") ||
				!strings.Contains(e.Reason, "sha256 "+sum.SHA256) || !strings.Contains(e.Reason, "to stdout") {
				t.Errorf("audit event = %+v", e)
			}
			for _, mark := range exportMarkers {
				if strings.Contains(e.Reason, mark) {
					t.Errorf("audit reason holds %q", mark)
				}
			}

			// To files: the same bytes, 0600; an existing file is refused.
			dir := t.TempDir()
			file, sumFile := filepath.Join(dir, "train.jsonl"), filepath.Join(dir, "summary.json")
			os.WriteFile(sumFile, []byte("old"), 0o644) // a summary left from before, readable by others
			os.Chmod(sumFile, 0o644)
			if o, eo, err := c.run("", "export", "training", "-o", file, "-summary", sumFile); err != nil || o != "" || eo != "" {
				t.Fatalf("export -o = %q, %q, %v; want silence", o, eo, err)
			}
			if got, _ := os.ReadFile(file); string(got) != out {
				t.Errorf("-o file = %q, want what stdout had", got)
			}
			if s, _ := os.ReadFile(sumFile); !strings.Contains(string(s), `"sha256": "`+sum.SHA256+`"`) {
				t.Errorf("-summary file = %s, want the same hash", s)
			}
			for _, p := range []string{file, sumFile} {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s mode = %v, %v; want 0600", filepath.Base(p), fi.Mode(), err)
				}
			}
			if _, _, err := c.run("", "export", "training", "-o", file); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Errorf("export -o onto an existing file = %v, want refused", err)
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, ".trement-training-*")); len(leftovers) > 0 {
				t.Errorf("staging files left behind: %v", leftovers)
			}

			// -since after every conversation: nothing read, still audited.
			if o, eo, err := c.run("", "export", "training", "-since", "2999-01-01"); err != nil || o != "" || !strings.Contains(eo, `"conversations_read": 0`) {
				t.Errorf("export -since 2999-01-01 = %q, %q, %v; want an empty export", o, eo, err)
			}
			if _, _, err := c.run("", "export", "training", "-since", "yesterday"); err == nil {
				t.Error("export -since yesterday = nil error, want refused")
			}
			if n := len(exportEvents(t, db)); n != 3 {
				t.Errorf("export.training events = %d, want 3 (stdout, file, -since)", n)
			}

			// Standard output failing after the audit: the failure is audited too.
			env := &Env{Getenv: func(k string) string {
				if k == "TREMENT_MASTER_KEY" {
					return c.key
				}
				return ""
			}, Stdout: brokenPipe{}, Stderr: io.Discard}
			err = run(context.Background(), []string{"export", "training", "-database-url", c.url, "-data-dir", c.dir, "-log-level", "error"}, env)
			if err == nil || !strings.Contains(err.Error(), "broken pipe") {
				t.Errorf("export to a broken stdout = %v, want the write error", err)
			}
			if ev := exportEvents(t, db); len(ev) != 5 || ev[3].Outcome != audit.Success || ev[4].Outcome != audit.Failure || !strings.Contains(ev[4].Reason, "broken pipe") {
				t.Errorf("export.training events after a broken stdout = %d, last %+v; want a success then a failure", len(ev), ev[len(ev)-1])
			}

			// Audit fails closed: with the log refusing writes, nothing is
			// exported, to stdout or to a file.
			breakAuditLog(t, url)
			file2 := filepath.Join(dir, "train2.jsonl")
			o, _, err := c.run("", "export", "training")
			if err == nil || o != "" || !strings.Contains(err.Error(), "could not be audited") {
				t.Errorf("export with the audit log down = %q, %v; want refused and no output", o, err)
			}
			if _, _, err := c.run("", "export", "training", "-o", file2); err == nil {
				t.Error("export -o with the audit log down = nil error, want refused")
			}
			if _, err := os.Stat(file2); !os.IsNotExist(err) {
				t.Errorf("after a refused export, %s: %v; want no file", filepath.Base(file2), err)
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, ".trement-training-*")); len(leftovers) > 0 {
				t.Errorf("staging files left behind: %v", leftovers)
			}
		})
	}
}

type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func exportEvents(t *testing.T, db *store.DB) []*audit.Event {
	t.Helper()
	var events []*audit.Event
	err := db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		events, err = tx.AuditEvents(audit.Filter{Action: audit.ActionExportTraining})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// breakAuditLog makes every audit append fail, behind trement's back.
func breakAuditLog(t *testing.T, url string) {
	t.Helper()
	raw := cliRawDB(t, url)
	if strings.HasPrefix(url, "sqlite:") {
		mustExec(t, raw, "CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log down'); END")
		return
	}
	mustExec(t, raw, "ALTER TABLE audit_events ADD CONSTRAINT audit_down CHECK (false) NOT VALID")
}
