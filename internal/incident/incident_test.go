package incident

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/policy"
)

func packs(t *testing.T) *policy.Engine {
	t.Helper()
	pe, err := policy.New(policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return pe
}

// Friday 4 December 2026, 10:00 UTC.
var discovered = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func breach() *Incident {
	return &Incident{
		ID: "inc1", Title: "Stolen operator laptop", What: "a supervisor's unlocked laptop was stolen with a console session open",
		Data: []string{"message content", "phone numbers (masked)"}, Systems: []string{"operator console"},
		Consequences: "messages could be read until the session was revoked", Measures: "sessions revoked, password and MFA reset",
		HighRisk: true, Scope: Scope{Operator: "op1", From: discovered.Add(-2 * time.Hour)},
		DiscoveredAt: discovered, OccurredAt: discovered.Add(-time.Hour), State: Open,
		Affected: []Affected{{policy.ES, 120}, {policy.BR, 40}, {policy.CA, 700}, {policy.MX, 0}},
	}
}

// TestClocksInThreeRegions: Spain counts 72 hours from awareness, Brazil 3
// business days (Friday → Wednesday), California tells residents within 30
// days and the Attorney General 15 days after that (more than 500
// residents); a region with no affected customer runs no clock.
func TestClocksInThreeRegions(t *testing.T) {
	inc := breach()
	now := discovered.Add(24 * time.Hour)
	clocks := Clocks(inc, packs(t), now)
	type key struct {
		r  policy.Region
		to Recipient
	}
	got := map[key]Clock{}
	for _, c := range clocks {
		got[key{c.Region, c.To}] = c
	}
	want := map[key]time.Time{
		{policy.ES, ToAuthority}: discovered.Add(72 * time.Hour),
		{policy.ES, ToCustomers}: discovered.Add(72 * time.Hour),
		{policy.BR, ToAuthority}: time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC),
		{policy.BR, ToCustomers}: time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC),
		{policy.CA, ToCustomers}: discovered.AddDate(0, 0, 30),
		{policy.CA, ToAuthority}: discovered.AddDate(0, 0, 45),
	}
	if len(clocks) != len(want) {
		t.Errorf("%d clocks, want %d: %+v", len(clocks), len(want), clocks)
	}
	for k, due := range want {
		c, ok := got[k]
		if !ok {
			t.Errorf("no clock for %s → %s", k.r, k.to)
			continue
		}
		if !c.Due.Equal(due) {
			t.Errorf("%s → %s due %s, want %s", k.r, k.to, c.Due, due)
		}
		if c.Overdue || c.Done || c.Cite == "" {
			t.Errorf("%s → %s = %+v, want running with a citation", k.r, k.to, c)
		}
	}
	if es := got[key{policy.ES, ToAuthority}]; es.Left != "48h0m0s" || !strings.Contains(es.Authority, "AEPD") {
		t.Errorf("ES authority clock = %+v, want 48h left to the AEPD", es)
	}
	for i := 1; i < len(clocks); i++ {
		if clocks[i].Due.Before(clocks[i-1].Due) {
			t.Errorf("clocks not soonest first: %v before %v", clocks[i-1].Due, clocks[i].Due)
		}
	}

	// Four days on, Spain's authority notice is overdue unless sent.
	late := discovered.Add(96 * time.Hour)
	inc.NotifiedAuthority(policy.BR, discovered.Add(30*time.Hour))
	for _, c := range Clocks(inc, packs(t), late) {
		switch {
		case c.Region == policy.ES && c.To == ToAuthority:
			if !c.Overdue || c.Left != "overdue by 24h0m0s" {
				t.Errorf("ES authority at +96h = %+v, want overdue by 24h", c)
			}
		case c.Region == policy.BR && c.To == ToAuthority:
			if !c.Done || c.Overdue {
				t.Errorf("BR authority after notifying = %+v, want done", c)
			}
		}
	}

	// California's Attorney General clock moves to the residents' notice.
	must(t, inc.Complete(StepApproveNotice, "dpo1", true, "", discovered.Add(2*time.Hour)))
	must(t, inc.Complete(StepNotifyCustomers, "dpo1", true, "", discovered.Add(48*time.Hour)))
	for _, c := range Clocks(inc, packs(t), late) {
		if c.Region == policy.CA && c.To == ToAuthority && !c.Due.Equal(discovered.Add(48*time.Hour).AddDate(0, 0, 15)) {
			t.Errorf("CA AG due %s, want 15 days after the residents' notice", c.Due)
		}
	}

	// Few Californians: no Attorney General copy; low risk: no customer
	// clock outside California.
	inc2 := breach()
	inc2.HighRisk = false
	inc2.Affected = []Affected{{policy.CA, 12}, {policy.GDPR, 3}}
	var tos []string
	for _, c := range Clocks(inc2, packs(t), now) {
		tos = append(tos, string(c.Region)+"/"+string(c.To))
	}
	if strings.Join(tos, ",") != "GDPR/authority,CA/customers" {
		t.Errorf("low-risk clocks = %v, want GDPR/authority,CA/customers", tos)
	}
}

func TestChecklistNeedsTheDPO(t *testing.T) {
	inc := breach()
	if err := inc.Complete(StepNotifyCustomers, "sup", false, "", discovered); !errors.Is(err, ErrNotApproved) {
		t.Errorf("notify before approval = %v, want ErrNotApproved", err)
	}
	if err := inc.Complete(StepApproveNotice, "sup", false, "", discovered); !errors.Is(err, ErrNeedsDPO) {
		t.Errorf("approval by a non-DPO = %v, want ErrNeedsDPO", err)
	}
	if err := inc.Complete("dance", "dpo", true, "", discovered); !errors.Is(err, ErrUnknownStep) {
		t.Errorf("unknown step = %v", err)
	}
	if err := inc.Close(discovered, false); !errors.Is(err, ErrStepsPending) || !strings.Contains(err.Error(), "notify_authority") {
		t.Errorf("close with open steps = %v", err)
	}
	for _, s := range Checklist() {
		must(t, inc.Complete(s, "dpo", true, "", discovered))
	}
	must(t, inc.Close(discovered, false))
	if err := inc.Complete(StepReview, "dpo", true, "", discovered); !errors.Is(err, ErrClosed) {
		t.Errorf("step on a closed incident = %v", err)
	}
	// Not a breach: contain, assess and document suffice.
	nb := breach()
	for _, s := range []Step{StepContain, StepAssess, StepDocument} {
		must(t, nb.Complete(s, "dpo", true, "", discovered))
	}
	must(t, nb.Close(discovered, true))
}

func TestValidate(t *testing.T) {
	now := discovered.Add(time.Hour)
	if err := breach().Validate(now); err != nil {
		t.Errorf("valid incident: %v", err)
	}
	bad := &Incident{DiscoveredAt: now.Add(time.Hour), OccurredAt: now.Add(2 * time.Hour)}
	err := bad.Validate(now)
	for _, want := range []string{"title", "what happened", "data", "future", "occurred_at", "scope"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want it to name %q", err, want)
		}
	}
}

func TestDrafts(t *testing.T) {
	inc := breach()
	c := Controller{Name: "Tienda Aurora", Contact: "legal@aurora.es", DPO: "dpo@aurora.es"}
	d, err := AuthorityDraft(inc, policy.ES, packs(t), c)
	if err != nil {
		t.Fatal(err)
	}
	// GDPR Art. 33(3) (a)–(d).
	for _, want := range []string{"AEPD", "dpo@aurora.es", "approximately 120 in this jurisdiction (860 in all)", "message content", "Likely consequences: messages could be read", "Measures taken or proposed: sessions revoked", "informed directly", "2026-12-07T10:00:00Z"} {
		if !strings.Contains(d, want) {
			t.Errorf("authority draft lacks %q:\n%s", want, d)
		}
	}
	for lang, want := range map[string]string{"en": "security incident", "es": "incidente de seguridad", "pt": "incidente de segurança"} {
		msg := CustomerDraft(inc, lang, c)
		if !strings.Contains(msg, want) || !strings.Contains(msg, "dpo@aurora.es") || len(msg) > 1024 {
			t.Errorf("customer draft %s = %q", lang, msg)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
