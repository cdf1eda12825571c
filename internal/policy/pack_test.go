package policy

import (
	"strings"
	"testing"
)

func mustEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v) = %v, want no error", cfg, err)
	}
	return e
}

func mustPack(t *testing.T, e *Engine, r Region) Pack {
	t.Helper()
	p, ok := e.Pack(r)
	if !ok {
		t.Fatalf("Pack(%s) not found", r)
	}
	return p
}

func TestPackDeadlines(t *testing.T) {
	e := mustEngine(t, Config{})
	bd := func(n, ext int) Deadline { return Deadline{Days: n, Business: true, ExtendableDays: ext} }
	tests := []struct {
		region                                   Region
		access, erasure, breachAuth, breachSubjs Deadline
	}{
		{GDPR, Deadline{Months: 1, ExtendableMonths: 2}, Deadline{Months: 1, ExtendableMonths: 2}, Deadline{Hours: 72}, Deadline{Hours: 72}},
		{ES, Deadline{Months: 1, ExtendableMonths: 2}, Deadline{Months: 1, ExtendableMonths: 2}, Deadline{Hours: 72}, Deadline{Hours: 72}},
		{BR, Deadline{Days: 15}, bd(5, 0), bd(3, 0), bd(3, 0)},
		{MX, Deadline{Days: 20}, Deadline{Days: 20}, Deadline{Hours: 72}, Deadline{Hours: 72}},
		{CO, bd(10, 5), bd(15, 8), bd(15, 0), Deadline{Hours: 72}},
		{AR, Deadline{Days: 10}, bd(5, 0), Deadline{Hours: 72}, Deadline{Hours: 72}},
		{CA, Deadline{Days: 45, ExtendableDays: 45}, Deadline{Days: 45, ExtendableDays: 45}, Deadline{Days: 15}, Deadline{Days: 30}},
		{Strict, Deadline{Days: 10}, bd(5, 0), Deadline{Hours: 72}, Deadline{Hours: 72}},
	}
	for _, tt := range tests {
		t.Run(string(tt.region), func(t *testing.T) {
			p := mustPack(t, e, tt.region)
			for _, c := range []struct {
				f         Field
				got, want Deadline
			}{
				{FieldAccess, p.Access, tt.access},
				{FieldErasure, p.Erasure, tt.erasure},
				{FieldBreachAuthority, p.BreachAuthority, tt.breachAuth},
				{FieldBreachSubjects, p.BreachSubjects, tt.breachSubjs},
			} {
				if c.got != c.want {
					t.Errorf("Pack(%s).%s = %v, want %v", tt.region, c.f, c.got, c.want)
				}
			}
		})
	}
}

func TestPackRules(t *testing.T) {
	e := mustEngine(t, Config{})
	tests := []struct {
		region        Region
		lang          string
		minAge        int
		dpo           bool
		dpoLabel      string
		explicit      bool
		optOut        bool
		perPurpose    bool
		blockFirst    bool
		authorityHint string
	}{
		{GDPR, "en", 16, false, "DPO", true, false, false, false, "supervisory authority"},
		{ES, "es", 14, false, "delegado de protección de datos", true, false, true, true, "AEPD"},
		{BR, "pt", 12, true, "encarregado", true, false, false, false, "ANPD"},
		{MX, "es", 18, true, "departamento de datos personales", false, false, false, true, "Secretaría Anticorrupción y Buen Gobierno"},
		{CO, "es", 18, true, "responsable", true, false, false, false, "SIC"},
		{AR, "es", 18, false, "responsable", true, false, false, false, "AAIP"},
		{CA, "en", 13, false, "privacy contact", false, true, false, false, "California Privacy Protection Agency"},
		{Strict, "en", 18, true, "DPO", true, false, true, true, "competent authority"},
	}
	for _, tt := range tests {
		t.Run(string(tt.region), func(t *testing.T) {
			p := mustPack(t, e, tt.region)
			if p.Region != tt.region {
				t.Errorf("Pack(%s).Region = %s, want %s", tt.region, p.Region, tt.region)
			}
			if p.Language != tt.lang {
				t.Errorf("Pack(%s).Language = %q, want %q", tt.region, p.Language, tt.lang)
			}
			if p.MinConsentAge != tt.minAge {
				t.Errorf("Pack(%s).MinConsentAge = %d, want %d", tt.region, p.MinConsentAge, tt.minAge)
			}
			if p.DPORequired != tt.dpo {
				t.Errorf("Pack(%s).DPORequired = %t, want %t", tt.region, p.DPORequired, tt.dpo)
			}
			if !strings.Contains(p.DPOLabel, tt.dpoLabel) {
				t.Errorf("Pack(%s).DPOLabel = %q, want it to contain %q", tt.region, p.DPOLabel, tt.dpoLabel)
			}
			if p.RequiresExplicitConsent != tt.explicit {
				t.Errorf("Pack(%s).RequiresExplicitConsent = %t, want %t", tt.region, p.RequiresExplicitConsent, tt.explicit)
			}
			if p.OptOutModel != tt.optOut {
				t.Errorf("Pack(%s).OptOutModel = %t, want %t", tt.region, p.OptOutModel, tt.optOut)
			}
			if p.ConsentPerPurpose != tt.perPurpose {
				t.Errorf("Pack(%s).ConsentPerPurpose = %t, want %t", tt.region, p.ConsentPerPurpose, tt.perPurpose)
			}
			if p.BlockBeforeDelete != tt.blockFirst {
				t.Errorf("Pack(%s).BlockBeforeDelete = %t, want %t", tt.region, p.BlockBeforeDelete, tt.blockFirst)
			}
			if !strings.Contains(p.Authority, tt.authorityHint) {
				t.Errorf("Pack(%s).Authority = %q, want it to contain %q", tt.region, p.Authority, tt.authorityHint)
			}
		})
	}
}

func TestPackCitations(t *testing.T) {
	e := mustEngine(t, Config{})
	for _, r := range Regions() {
		t.Run(string(r), func(t *testing.T) {
			p := mustPack(t, e, r)
			facts := p.Facts()
			if len(facts) != len(citedFields) {
				t.Fatalf("len(Pack(%s).Facts()) = %d, want %d", r, len(facts), len(citedFields))
			}
			for _, f := range facts {
				if strings.TrimSpace(f.Cite) == "" {
					t.Errorf("Pack(%s).Cite(%s) = %q, want a citation", r, f.Field, f.Cite)
				}
				if strings.TrimSpace(f.Value) == "" {
					t.Errorf("Pack(%s) fact %s value = %q, want a value", r, f.Field, f.Value)
				}
			}
			if p.Law == "" || p.Authority == "" || p.DPOLabel == "" {
				t.Errorf("Pack(%s) Law, Authority, DPOLabel = %q, %q, %q, want all set", r, p.Law, p.Authority, p.DPOLabel)
			}
		})
	}
}

// TestPackCitationsFlagDefaults checks that every deadline the law does not
// fix is marked as a trement default, so no one mistakes it for law.
func TestPackCitationsFlagDefaults(t *testing.T) {
	e := mustEngine(t, Config{})
	tests := []struct {
		region Region
		field  Field
	}{
		{GDPR, FieldBreachSubjects},
		{ES, FieldBreachSubjects},
		{BR, FieldErasure},
		{MX, FieldBreachAuthority},
		{MX, FieldBreachSubjects},
		{CO, FieldBreachSubjects},
		{AR, FieldBreachAuthority},
		{AR, FieldBreachSubjects},
	}
	for _, tt := range tests {
		t.Run(string(tt.region)+"/"+string(tt.field), func(t *testing.T) {
			p := mustPack(t, e, tt.region)
			if got := p.Cite(tt.field); !strings.Contains(got, trementDefault) {
				t.Errorf("Pack(%s).Cite(%s) = %q, want it to say %q", tt.region, tt.field, got, trementDefault)
			}
		})
	}
}

func TestStrictIsStrictest(t *testing.T) {
	e := mustEngine(t, Config{})
	s := mustPack(t, e, Strict)
	for _, r := range lawRegions {
		t.Run(string(r), func(t *testing.T) {
			p := mustPack(t, e, r)
			for _, c := range []struct {
				f       Field
				pack, s Deadline
			}{
				{FieldAccess, p.Access, s.Access},
				{FieldErasure, p.Erasure, s.Erasure},
				{FieldBreachAuthority, p.BreachAuthority, s.BreachAuthority},
				{FieldBreachSubjects, p.BreachSubjects, s.BreachSubjects},
			} {
				if stricter(c.pack, c.s) {
					t.Errorf("Pack(%s).%s = %v is stricter than Strict's %v", r, c.f, c.pack, c.s)
				}
			}
			if p.MinConsentAge > s.MinConsentAge {
				t.Errorf("Pack(%s).MinConsentAge = %d, above Strict's %d", r, p.MinConsentAge, s.MinConsentAge)
			}
			for _, b := range []struct {
				name    string
				pack, s bool
			}{
				{"DPORequired", p.DPORequired, s.DPORequired},
				{"RequiresExplicitConsent", p.RequiresExplicitConsent, s.RequiresExplicitConsent},
				{"ConsentPerPurpose", p.ConsentPerPurpose, s.ConsentPerPurpose},
				{"BlockBeforeDelete", p.BlockBeforeDelete, s.BlockBeforeDelete},
			} {
				if b.pack && !b.s {
					t.Errorf("Pack(%s).%s = true but Strict's is false", r, b.name)
				}
			}
		})
	}
	if s.OptOutModel {
		t.Errorf("Pack(STRICT).OptOutModel = true, want false")
	}
}

func TestStrictCitesItsSource(t *testing.T) {
	e := mustEngine(t, Config{})
	s := mustPack(t, e, Strict)
	tests := []struct {
		f    Field
		want string
	}{
		{FieldAccess, "from AR: Ley 25.326 Art. 14(2)"},
		// BR and AR tie at 5 business days; the statutory one is cited.
		{FieldErasure, "from AR: Ley 25.326 Art. 16(2)"},
		{FieldBreachAuthority, "from GDPR: GDPR Art. 33"},
		{FieldMinConsentAge, "from MX"},
		{FieldConsentPerPurpose, "from ES: LOPDGDD Art. 6"},
		{FieldBlockBeforeDelete, "from ES: LOPDGDD Art. 32"},
		{FieldDPO, "from BR: LGPD Art. 41"},
	}
	for _, tt := range tests {
		t.Run(string(tt.f), func(t *testing.T) {
			if got := s.Cite(tt.f); !strings.Contains(got, tt.want) {
				t.Errorf("Pack(STRICT).Cite(%s) = %q, want it to contain %q", tt.f, got, tt.want)
			}
		})
	}
}

func TestPackIsACopy(t *testing.T) {
	e := mustEngine(t, Config{})
	p := mustPack(t, e, ES)
	p.MinConsentAge = 1
	p.Cites.MinConsentAge = "changed"
	again := mustPack(t, e, ES)
	if again.MinConsentAge != 14 || again.Cites.MinConsentAge != "LOPDGDD Art. 7" {
		t.Errorf("Pack(ES) after mutating a copy = %d, %q, want 14, %q", again.MinConsentAge, again.Cites.MinConsentAge, "LOPDGDD Art. 7")
	}
}
