package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestForPhone(t *testing.T) {
	e := mustEngine(t, Config{})
	tests := []struct {
		name   string
		waID   string
		region Region // Default means the strict pack applies
		cc     int
		reason string // substring of Decision.Reason
	}{
		// National packs.
		{"Spain", "34612345678", ES, 34, "country code +34 → Spain"},
		{"Spain, Canary Islands landline", "34928123456", ES, 34, "Spain"},
		{"Brazil", "5511961234567", BR, 55, "+55 → Brazil (LGPD)"},
		{"Mexico", "525512345678", MX, 52, "+52 → Mexico"},
		{"Mexico as WhatsApp writes it (521 + 10 digits)", "5215512345678", MX, 52, "+52 → Mexico"},
		{"Colombia", "573211234567", CO, 57, "+57 → Colombia"},
		{"Argentina mobile with 9", "5491123456789", AR, 54, "+54 → Argentina"},
		{"Argentina landline", "541123456789", AR, 54, "Argentina"},

		// EU members.
		{"Austria", "43664123456", GDPR, 43, "+43 → Austria (GDPR)"},
		{"Belgium", "32450001234", GDPR, 32, "Belgium"},
		{"Bulgaria", "35943012345", GDPR, 359, "Bulgaria"},
		{"Croatia", "385921234567", GDPR, 385, "Croatia"},
		{"Cyprus", "35796123456", GDPR, 357, "Cyprus"},
		{"Czechia", "420601123456", GDPR, 420, "Czechia"},
		{"Denmark", "4534412345", GDPR, 45, "Denmark"},
		{"Estonia", "37251234567", GDPR, 372, "Estonia"},
		{"Finland", "358412345678", GDPR, 358, "Finland"},
		{"Åland", "358181234567", GDPR, 358, "Åland"},
		{"France", "33612345678", GDPR, 33, "France"},
		{"Germany", "4915123456789", GDPR, 49, "Germany"},
		{"Greece", "306912345678", GDPR, 30, "Greece"},
		{"Hungary", "36201234567", GDPR, 36, "Hungary"},
		{"Ireland", "353850123456", GDPR, 353, "Ireland"},
		{"Italy", "393123456789", GDPR, 39, "Italy"},
		{"Latvia", "37121234567", GDPR, 371, "Latvia"},
		{"Lithuania", "37061234567", GDPR, 370, "Lithuania"},
		{"Luxembourg", "352628123456", GDPR, 352, "Luxembourg"},
		{"Malta", "35696961234", GDPR, 356, "Malta"},
		{"Netherlands", "31612345678", GDPR, 31, "Netherlands"},
		{"Poland", "48512345678", GDPR, 48, "Poland"},
		{"Portugal", "351912345678", GDPR, 351, "Portugal"},
		{"Romania", "40712034567", GDPR, 40, "Romania"},
		{"Slovakia", "421912123456", GDPR, 421, "Slovakia"},
		{"Slovenia", "38631234567", GDPR, 386, "Slovenia"},
		{"Sweden", "46701234567", GDPR, 46, "Sweden"},

		// EEA.
		{"Iceland", "3546111234", GDPR, 354, "Iceland (EEA)"},
		{"Liechtenstein", "423660234567", GDPR, 423, "Liechtenstein (EEA)"},
		{"Norway", "4740612345", GDPR, 47, "Norway (EEA)"},

		// EU outermost regions with their own codes.
		{"Guadeloupe", "590690001234", GDPR, 590, "+590 → Guadeloupe"},
		{"French Guiana", "594694201234", GDPR, 594, "French Guiana"},
		{"Martinique", "596696201234", GDPR, 596, "Martinique"},
		{"Réunion", "262692123456", GDPR, 262, "Réunion"},
		{"Mayotte", "262639012345", GDPR, 262, "Mayotte"},

		// Pitfalls: strict default.
		{"Saint-Barthélemy shares +590", "590590271234", Default, 590, "Saint-Barthélemy, not in the EU"},
		{"UK", "447400123456", Default, 44, "+44: UK"},
		{"Jersey", "447797712345", Default, 44, "UK GDPR, out of scope"},
		{"Switzerland", "41781234567", Default, 41, "+41: Switzerland"},
		{"Gibraltar", "35057123456", Default, 350, "+350: Gibraltar, not in the EU"},
		{"Russia", "79123456789", Default, 7, "+7: Russia"},
		{"Kazakhstan", "77710009998", Default, 7, "+7"},
		{"Faroe Islands", "298211234", Default, 298, "+298: Faroe"},
		{"Greenland", "299221234", Default, 299, "+299: Greenland"},
		{"Japan has no pack", "819012345678", Default, 81, "+81 has no pack"},

		// NANP.
		{"California 415", "14155552671", CA, 1, "+1 area code 415 (California)"},
		{"California 213", "12135550123", CA, 1, "area code 213"},
		{"California overlay unknown to libphonenumber", "13575550123", CA, 1, "not yet in libphonenumber metadata"},
		{"Washington DC", "12025550123", Default, 1, "+1 area code 202: not a California area code"},
		{"New York", "12125550123", Default, 1, "not a California area code"},
		{"Canada", "15062345678", Default, 1, "NANP region CA, out of scope"},

		// Malformed.
		{"empty", "", Default, 0, "not all digits"},
		{"letters", "34abc", Default, 0, "not all digits"},
		{"too short", "12", Default, 0, "does not parse"},
		{"unknown country code", "999999999999", Default, 0, "does not parse"},
		{"too short for Spain", "3499", Default, 34, "not valid for country code +34"},
		{"too short for the US", "1415", Default, 1, "not valid for country code +1"},
		{"leading plus tolerated", "+34612345678", ES, 34, "Spain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.ForPhone(tt.waID)
			if d.Region != tt.region {
				t.Errorf("ForPhone(%q).Region = %s, want %s (reason %q)", tt.waID, d.Region, tt.region, d.Reason)
			}
			wantPack := tt.region
			if wantPack == Default {
				wantPack = Strict
			}
			if d.Pack.Region != wantPack {
				t.Errorf("ForPhone(%q).Pack.Region = %s, want %s", tt.waID, d.Pack.Region, wantPack)
			}
			if d.CountryCode != tt.cc {
				t.Errorf("ForPhone(%q).CountryCode = %d, want %d", tt.waID, d.CountryCode, tt.cc)
			}
			if !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("ForPhone(%q).Reason = %q, want it to contain %q", tt.waID, d.Reason, tt.reason)
			}
			if tt.region == Default && !strings.Contains(d.Reason, "default pack STRICT") {
				t.Errorf("ForPhone(%q).Reason = %q, want it to name the default pack", tt.waID, d.Reason)
			}
			if len(tt.waID) > 6 && strings.Contains(d.Reason, strings.TrimPrefix(tt.waID, "+")[3:]) {
				t.Errorf("ForPhone(%q).Reason = %q, want no part of the subscriber number", tt.waID, d.Reason)
			}
		})
	}
}

func TestForPhoneEveryCaliforniaAreaCode(t *testing.T) {
	e := mustEngine(t, Config{})
	for code := range californiaAreaCodes {
		t.Run(code, func(t *testing.T) {
			if d := e.ForPhone("1" + code + "5550123"); d.Region != CA {
				t.Errorf("ForPhone(1%s5550123).Region = %s, want CA (reason %q)", code, d.Region, d.Reason)
			}
		})
	}
}

func TestForPhoneConfiguredDefault(t *testing.T) {
	e := mustEngine(t, Config{Default: GDPR})
	d := e.ForPhone("447400123456")
	if d.Region != Default || d.Pack.Region != GDPR {
		t.Errorf("ForPhone(UK) with Default GDPR = %s/%s, want DEFAULT/GDPR", d.Region, d.Pack.Region)
	}
	if !strings.Contains(d.Reason, "default pack GDPR") {
		t.Errorf("ForPhone(UK).Reason = %q, want it to name the default pack GDPR", d.Reason)
	}
	if p, _ := e.Pack(Default); p.Region != GDPR {
		t.Errorf("Pack(DEFAULT).Region = %s, want GDPR", p.Region)
	}
}

func TestForPhoneConfiguredAreaCodes(t *testing.T) {
	e := mustEngine(t, Config{CaliforniaAreaCodes: []string{"202"}})
	if d := e.ForPhone("12025550123"); d.Region != CA {
		t.Errorf("ForPhone(+1 202) with codes [202] = %s, want CA", d.Region)
	}
	if d := e.ForPhone("14155552671"); d.Region != Default {
		t.Errorf("ForPhone(+1 415) with codes [202] = %s, want DEFAULT", d.Region)
	}
}

func TestPackUnknown(t *testing.T) {
	e := mustEngine(t, Config{})
	if _, ok := e.Pack("XX"); ok {
		t.Errorf("Pack(XX) found, want not found")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	neg, zero, big := -3, 0, 200
	en, klingon, empty := "en", "tlh", " "
	yes, no := true, false
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error
	}{
		{"negative days", Config{Overrides: map[Region]Override{ES: {Access: &Deadline{Days: -3}}}},
			[]string{"policy: config: override ES: access.days is -3, must not be negative"}},
		{"negative extension", Config{Overrides: map[Region]Override{CO: {Erasure: &Deadline{Days: 15, Business: true, ExtendableDays: -8}}}},
			[]string{"override CO: erasure.extendable_days is -8"}},
		{"negative hours", Config{Overrides: map[Region]Override{GDPR: {BreachAuthority: &Deadline{Hours: -72}}}},
			[]string{"override GDPR: breach_authority.hours is -72"}},
		{"zero deadline", Config{Overrides: map[Region]Override{BR: {BreachSubjects: &Deadline{}}}},
			[]string{"override BR: breach_subjects: no period set"}},
		{"negative age", Config{Overrides: map[Region]Override{AR: {MinConsentAge: &neg}}},
			[]string{"override AR: min_consent_age is -3, must not be negative"}},
		{"unknown language", Config{Overrides: map[Region]Override{MX: {Language: &klingon}}},
			[]string{`override MX: language is "tlh"`}},
		{"empty authority", Config{Overrides: map[Region]Override{MX: {Authority: &empty}}},
			[]string{"override MX: authority is empty"}},
		{"explicit and opt-out", Config{Overrides: map[Region]Override{CA: {RequiresExplicitConsent: &yes, OptOutModel: &yes}}},
			[]string{"override CA: requires_explicit_consent and opt_out_model are both true"}},
		{"explicit on an opt-out pack", Config{Overrides: map[Region]Override{CA: {RequiresExplicitConsent: &yes}}},
			[]string{"override CA: requires_explicit_consent and opt_out_model would both be true"}},
		{"unknown cite field", Config{Overrides: map[Region]Override{ES: {Cites: map[Field]string{"colour": "x"}}}},
			[]string{`override ES: cites: unknown field "colour"`}},
		{"unknown override region", Config{Overrides: map[Region]Override{"UK": {}}},
			[]string{`overrides: unknown region "UK"`}},
		{"override of DEFAULT", Config{Overrides: map[Region]Override{Default: {}}},
			[]string{`overrides: unknown region "DEFAULT"`}},
		{"unknown default", Config{Default: "UK"},
			[]string{`default: unknown region "UK"`}},
		{"default cannot be DEFAULT", Config{Default: Default},
			[]string{`default: unknown region "DEFAULT"`}},
		{"bad area code", Config{CaliforniaAreaCodes: []string{"41"}},
			[]string{`california_area_codes: "41"`}},
		{"area code starting with 1", Config{CaliforniaAreaCodes: []string{"115"}},
			[]string{`california_area_codes: "115"`}},
		{"every problem is reported", Config{Default: "UK", Overrides: map[Region]Override{
			ES:     {Access: &Deadline{Days: -1}},
			Strict: {Erasure: &Deadline{Hours: -1}},
		}}, []string{"default: unknown region", "override ES: access.days is -1", "override STRICT: erasure.hours is -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New(%s) = nil error, want %q", tt.name, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New(%s) = %q, want it to contain %q", tt.name, err, w)
				}
			}
		})
	}

	valid := []struct {
		name string
		cfg  Config
	}{
		{"zero config", Config{}},
		{"zero age is allowed", Config{Overrides: map[Region]Override{AR: {MinConsentAge: &zero}}}},
		{"high age", Config{Overrides: map[Region]Override{AR: {MinConsentAge: &big}}}},
		{"language", Config{Overrides: map[Region]Override{ES: {Language: &en}}}},
		{"CA to explicit consent", Config{Overrides: map[Region]Override{CA: {RequiresExplicitConsent: &yes, OptOutModel: &no}}}},
		{"default to a law pack", Config{Default: ES}},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err != nil {
				t.Errorf("New(%s) = %v, want no error", tt.name, err)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	yes := true
	age := 16
	dpoCite := "GDPR Art. 37(1)(b): we monitor at large scale"
	e := mustEngine(t, Config{Overrides: map[Region]Override{
		GDPR:   {DPORequired: &yes, Cites: map[Field]string{FieldDPO: dpoCite}, BreachAuthority: &Deadline{Hours: 24}},
		AR:     {Access: &Deadline{Days: 30}},
		ES:     {Cites: map[Field]string{FieldMinConsentAge: "LOPDGDD Art. 7 (checked by counsel)"}},
		Strict: {MinConsentAge: &age},
	}})

	gdpr := mustPack(t, e, GDPR)
	if !gdpr.DPORequired {
		t.Errorf("Pack(GDPR).DPORequired = false, want true after override")
	}
	if got := gdpr.Cite(FieldDPO); got != dpoCite {
		t.Errorf("Pack(GDPR).Cite(dpo) = %q, want %q", got, dpoCite)
	}
	if got := gdpr.Cite(FieldBreachAuthority); !strings.HasPrefix(got, "operator override (config); built-in: GDPR Art. 33") {
		t.Errorf("Pack(GDPR).Cite(breach_authority) = %q, want an operator-override citation keeping the built-in one", got)
	}
	if got := mustPack(t, e, ES).Cite(FieldMinConsentAge); got != "LOPDGDD Art. 7 (checked by counsel)" {
		t.Errorf("Pack(ES).Cite(min_consent_age) = %q, want the configured citation", got)
	}
	if got, want := mustPack(t, e, AR).Access, (Deadline{Days: 30}); got != want {
		t.Errorf("Pack(AR).Access = %v, want %v", got, want)
	}

	strict := mustPack(t, e, Strict)
	// A looser AR override must not loosen Strict...
	if got, want := strict.Access, (Deadline{Days: 10}); got != want {
		t.Errorf("Pack(STRICT).Access = %v, want %v (overrides only tighten Strict)", got, want)
	}
	// ...but a tighter GDPR one tightens it.
	if got, want := strict.BreachAuthority, (Deadline{Hours: 24}); got != want {
		t.Errorf("Pack(STRICT).BreachAuthority = %v, want %v", got, want)
	}
	// An explicit Strict override wins.
	if strict.MinConsentAge != 16 {
		t.Errorf("Pack(STRICT).MinConsentAge = %d, want 16", strict.MinConsentAge)
	}

	// Routing hands out the overridden pack.
	if d := e.ForPhone("4915123456789"); !d.Pack.DPORequired {
		t.Errorf("ForPhone(Germany).Pack.DPORequired = false, want true")
	}
}

func TestNewErrorIsWrapped(t *testing.T) {
	_, err := New(Config{Overrides: map[Region]Override{ES: {Access: &Deadline{Days: -1}}}})
	if err == nil || !strings.HasPrefix(err.Error(), "policy: config: ") {
		t.Errorf("New() = %v, want an error starting %q", err, "policy: config: ")
	}
	if errors.Unwrap(err) == nil {
		t.Errorf("New() = %v, want a wrapped error", err)
	}
}
