package rights_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth/authtest"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/ops"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

type env struct {
	db    *store.DB
	svc   *rights.Service
	clock *authtest.Clock
}

func newEnv(t testing.TB, dbURL string, cfg rights.Config) *env {
	t.Helper()
	clock := authtest.NewClock(time.Date(2027, time.January, 25, 12, 0, 0, 0, time.UTC))
	k, _ := vault.ParseMasterKey(vault.GenerateKey())
	db, err := store.Open(context.Background(), store.Options{URL: dbURL, MasterKey: k, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pol, err := policy.New(policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Policy, cfg.Now, cfg.LinkKey = store.Rights(db), pol, clock.Now, db.DeriveKey("dsar-link/v1")
	cfg.BaseURL = func() string { return "https://trement.example" }
	svc, err := rights.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{db: db, svc: svc, clock: clock}
}

// contact makes a customer with a conversation, as the flow would.
func (e *env) contact(t *testing.T, waID string) *conversation.Contact { return e.contactTB(t, waID) }

func (e *env) contactTB(t testing.TB, waID string) *conversation.Contact {
	t.Helper()
	c := &conversation.Contact{WaID: waID, Region: "ES", RegionReason: "country code +34", Language: "es", ConsentState: conversation.ConsentGranted}
	if err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		_, err := tx.OpenConversation(c.ID, "106540352242922")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

var operator = rights.Actor{Type: audit.ActorOperator, ID: "op-1"}

// TestOverdueRaisesMetric: with the clock injected, a request moves from
// open to nearly due to overdue, in the API's counts and in the metric.
func TestOverdueRaisesMetric(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u, _ := b.New(t)
			e := newEnv(t, u, rights.Config{})
			m := ops.NewMetrics(&conversation.Stats{})
			m.WatchRequests(func() (int, int, int, error) {
				n, err := e.svc.Counts(context.Background())
				return n.Open, n.DueSoon, n.Overdue, err
			})
			gauge := func(urgency string) float64 {
				t.Helper()
				mfs, err := m.Registry.Gather()
				if err != nil {
					t.Fatal(err)
				}
				for _, mf := range mfs {
					if mf.GetName() != "trement_dsar_requests" {
						continue
					}
					for _, s := range mf.GetMetric() {
						if s.GetLabel()[0].GetValue() == urgency {
							return s.GetGauge().GetValue()
						}
					}
				}
				t.Fatalf("no trement_dsar_requests{urgency=%q}", urgency)
				return 0
			}
			// Spain: access within one month (due 25 February).
			r, err := e.svc.Open(context.Background(), operator, rights.NewRequest{Phone: "34600111222", Type: rights.Access, Source: rights.SourceDPO})
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2027, time.February, 25, 12, 0, 0, 0, time.UTC); !r.DueAt.Equal(want) {
				t.Errorf("due = %s, want %s", r.DueAt, want)
			}
			if o, s, d := gauge("open"), gauge("due_soon"), gauge("overdue"); o != 1 || s != 0 || d != 0 {
				t.Errorf("at receipt: open %v due_soon %v overdue %v, want 1 0 0", o, s, d)
			}
			e.clock.Advance(29 * 24 * time.Hour) // 23 February: within 72 hours
			if s, d := gauge("due_soon"), gauge("overdue"); s != 1 || d != 0 {
				t.Errorf("two days before: due_soon %v overdue %v, want 1 0", s, d)
			}
			e.clock.Advance(3 * 24 * time.Hour) // 26 February: late
			if s, d := gauge("due_soon"), gauge("overdue"); s != 0 || d != 1 {
				t.Errorf("a day late: due_soon %v overdue %v, want 0 1", s, d)
			}
			list, n, err := e.svc.List(context.Background(), rights.Filter{OpenOnly: true})
			if err != nil || len(list) != 1 || !list[0].Overdue(e.svc.Now()) || n.Overdue != 1 {
				t.Errorf("List = %d requests, counts %+v, %v; want the one overdue", len(list), n, err)
			}
			if _, err := e.svc.Move(context.Background(), operator, r.ID, rights.StatusClosed, "the customer never confirmed"); err != nil {
				t.Fatal(err)
			}
			if o, d := gauge("open"), gauge("overdue"); o != 0 || d != 0 {
				t.Errorf("after closing: open %v overdue %v, want 0 0", o, d)
			}
		})
	}
}

// TestOpenSameAnswerForNobody: a request entered for a number nobody has
// answers exactly like one for a customer.
func TestOpenSameAnswerForNobody(t *testing.T) {
	u, _ := storetest.NewSQLite(t)
	e := newEnv(t, u, rights.Config{})
	e.contact(t, "34600000001")
	known, err := e.svc.Open(context.Background(), operator, rights.NewRequest{Phone: "34600000001", Type: rights.Erasure, Source: rights.SourceConsole, Detail: "by email"})
	if err != nil {
		t.Fatal(err)
	}
	nobody, err := e.svc.Open(context.Background(), operator, rights.NewRequest{Phone: "34600000002", Type: rights.Erasure, Source: rights.SourceConsole, Detail: "by email"})
	if err != nil {
		t.Fatal(err)
	}
	if known.Status != nobody.Status || known.Identity != nobody.Identity || !known.DueAt.Equal(nobody.DueAt) || known.Outcome != nobody.Outcome || known.Region != nobody.Region {
		t.Errorf("known %+v\nnobody %+v\nwant the same answer", known, nobody)
	}
	if known.Identity != rights.IdentityPending || known.Status != rights.StatusAwaitingConfirmation {
		t.Errorf("an operator-entered request is %s/%s, want pending confirmation", known.Identity, known.Status)
	}
	if _, err := e.svc.Move(context.Background(), operator, known.ID, rights.StatusOpen, ""); err == nil {
		t.Error("an operator opened a request the customer never confirmed")
	}
	for _, bad := range []rights.NewRequest{
		{Phone: "12", Type: rights.Access, Source: rights.SourceAPI},
		{Phone: "34600000001", Type: "delete", Source: rights.SourceAPI},
		{Phone: "34600000001", Type: rights.Access, Source: rights.SourceWhatsApp},
	} {
		if _, err := e.svc.Open(context.Background(), operator, bad); err == nil {
			t.Errorf("Open(%+v) accepted", bad)
		}
	}
}

// TestCorrectContactAuditsFieldsNotValues: an operator's correction names
// the fields in the audit log, never the old or new value.
func TestCorrectContactAuditsFieldsNotValues(t *testing.T) {
	u, _ := storetest.NewSQLite(t)
	e := newEnv(t, u, rights.Config{KeepProfileName: true})
	c := e.contact(t, "34600000003")
	lang, name := "pt", "Zelda Quintanilla"
	fields, err := e.svc.CorrectContact(context.Background(), operator, c.ID, rights.ContactUpdate{Language: &lang, ProfileName: &name, Reason: "customer asked by email"})
	if err != nil || strings.Join(fields, ",") != "language,profile_name" {
		t.Fatalf("CorrectContact = %v, %v; want language and profile_name", fields, err)
	}
	var evs []*audit.Event
	e.db.View(context.Background(), func(tx *store.Tx) error {
		got, err := tx.Contact(c.ID)
		if err != nil || got.Language != "pt" || got.ProfileName != name {
			t.Errorf("contact after correction = %+v, %v", got, err)
		}
		evs, _ = tx.AuditEvents(audit.Filter{Limit: 1000})
		return nil
	})
	seen := false
	for _, ev := range evs {
		line := ev.Action + " " + ev.Reason + " " + ev.Target
		if strings.Contains(line, "Zelda") || strings.Contains(line, "es→") {
			t.Errorf("audit event holds a value: %s", line)
		}
		seen = seen || ev.Action == "contact.corrected" && ev.Reason == "fields=language,profile_name"
	}
	if !seen {
		t.Error("no contact.corrected event naming the fields")
	}
	bad := "klingon"
	if _, err := e.svc.CorrectContact(context.Background(), operator, c.ID, rights.ContactUpdate{Language: &bad}); err == nil {
		t.Error("an unknown language was accepted")
	}
}

// TestDownloadRefusals: every bad token reads the same, and a refusal
// names nothing.
func TestDownloadRefusals(t *testing.T) {
	u, _ := storetest.NewSQLite(t)
	e := newEnv(t, u, rights.Config{DownloadsPerMinute: 3})
	src := rights.Actor{SourceIP: "198.51.100.7"}
	for _, tok := range []string{"", "nope", strings.Repeat("A", 43)} {
		if _, err := e.svc.OpenDownload(context.Background(), src, tok); err != rights.ErrLink {
			t.Errorf("OpenDownload(%q) = %v, want ErrLink", tok, err)
		}
	}
	if _, err := e.svc.OpenDownload(context.Background(), src, "x"); err != rights.ErrRateLimited {
		t.Errorf("fourth attempt in a minute = %v, want ErrRateLimited", err)
	}
	e.clock.Advance(61 * time.Second)
	if _, err := e.svc.OpenDownload(context.Background(), src, "x"); err != rights.ErrLink {
		t.Errorf("after a minute = %v, want ErrLink again", err)
	}
}

// TestErasedElsewhereClosesRequests: a customer erased by another path
// than DELETE MY DATA (the API, retention) has their open requests closed
// and their exports shredded by the next round.
func TestErasedElsewhereClosesRequests(t *testing.T) {
	u, _ := storetest.NewSQLite(t)
	e := newEnv(t, u, rights.Config{})
	c := e.contact(t, "34600000077")
	r, err := e.svc.Open(context.Background(), operator, rights.NewRequest{Phone: c.WaID, Type: rights.Restriction, Source: rights.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		x := &rights.Export{RequestID: r.ID, ContactID: c.ID, ExpiresAt: e.clock.Now().Add(time.Hour)}
		if err := tx.CreateExport(x); err != nil {
			return err
		}
		if err := tx.PutExportChunk(x, 0, []byte("zip")); err != nil {
			return err
		}
		return tx.EraseContact(c.ID)
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Fulfil(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Get(context.Background(), r.ID)
	if err != nil || got.Status != rights.StatusClosed || !strings.Contains(got.Outcome, "erased") {
		t.Errorf("request of an erased customer = %+v, %v; want closed", got, err)
	}
	e.db.View(context.Background(), func(tx *store.Tx) error {
		if list, _ := tx.ExportsExpiringBefore(e.clock.Now().Add(48*time.Hour), 10); len(list) != 0 {
			t.Errorf("%d exports of the erased customer remain", len(list))
		}
		return nil
	})
}
