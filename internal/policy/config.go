package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Config tunes the engine. The zero Config is valid: Strict for unclaimed
// numbers, built-in packs, built-in California area codes.
type Config struct {
	// Default is the pack for numbers no regime claims (UK, Switzerland,
	// Canada, invalid numbers). Empty means Strict. Any region with a pack
	// may be named; Default itself may not.
	Default Region `json:"default,omitempty"`

	// Overrides change single fields of a pack, e.g. to record that you
	// must appoint a DPO under GDPR Art. 37, or to tighten a deadline.
	// Keys are regions with a pack, including Strict.
	//
	// Overrides of law packs feed the Strict pack too, but only ever make
	// it stricter: Strict is built from the built-in packs and the
	// overridden ones together. To loosen Strict, override Strict itself.
	Overrides map[Region]Override `json:"overrides,omitempty"`

	// CaliforniaAreaCodes replaces the built-in list of +1 area codes
	// routed to CA (three digits each). Nil keeps the built-in list, whose
	// newest overlays are [unsure] in the fact sheet.
	CaliforniaAreaCodes []string `json:"california_area_codes,omitempty"`

	// Retention sets, per region, how long data is kept and how long an
	// erasure blocks before it shreds, e.g. {"ES": {"days": 60,
	// "block_days": 1095}}. See Retention.
	Retention map[Region]Retention `json:"retention,omitempty"`
}

// Override replaces the fields it sets (non-nil pointers) in one pack. A
// field overridden without an entry in Cites is cited as an operator
// override, followed by the built-in citation it replaced, so the record of
// processing shows who changed what.
type Override struct {
	Law                     *string   `json:"law,omitempty"`
	Language                *string   `json:"language,omitempty"`
	Access                  *Deadline `json:"access,omitempty"`
	Erasure                 *Deadline `json:"erasure,omitempty"`
	BreachAuthority         *Deadline `json:"breach_authority,omitempty"`
	BreachSubjects          *Deadline `json:"breach_subjects,omitempty"`
	Authority               *string   `json:"authority,omitempty"`
	DPORequired             *bool     `json:"dpo_required,omitempty"`
	DPOLabel                *string   `json:"dpo_label,omitempty"`
	MinConsentAge           *int      `json:"min_consent_age,omitempty"`
	RequiresExplicitConsent *bool     `json:"requires_explicit_consent,omitempty"`
	OptOutModel             *bool     `json:"opt_out_model,omitempty"`
	ConsentPerPurpose       *bool     `json:"consent_per_purpose,omitempty"`
	BlockBeforeDelete       *bool     `json:"block_before_delete,omitempty"`

	// Cites sets citations, e.g. {"dpo": "GDPR Art. 37(1)(b): we monitor at large scale"}.
	Cites map[Field]string `json:"cites,omitempty"`
}

// languages are the notice languages the package ships.
var languages = []string{"en", "es", "pt"}

// validate reports every problem in c, each naming the region and field.
func (c Config) validate() error {
	var errs []error
	if c.Default != "" && !c.Default.known() {
		errs = append(errs, fmt.Errorf("default: unknown region %q, want one of %s", c.Default, regionList()))
	}
	regions := make([]Region, 0, len(c.Overrides))
	for r := range c.Overrides {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, r := range regions {
		if !r.known() {
			errs = append(errs, fmt.Errorf("overrides: unknown region %q, want one of %s", r, regionList()))
			continue
		}
		for _, err := range c.Overrides[r].validate() {
			errs = append(errs, fmt.Errorf("override %s: %w", r, err))
		}
	}
	errs = append(errs, c.validateRetention()...)
	for _, code := range c.CaliforniaAreaCodes {
		if !isAreaCode(code) {
			errs = append(errs, fmt.Errorf("california_area_codes: %q is not a NANP area code (three digits, first 2–9)", code))
		}
	}
	return errors.Join(errs...)
}

func regionList() string {
	var s []string
	for _, r := range Regions() {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func isAreaCode(s string) bool {
	if len(s) != 3 || s[0] < '2' || s[0] > '9' {
		return false
	}
	return s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

func (o Override) validate() []error {
	var errs []error
	for _, d := range []struct {
		f Field
		d *Deadline
	}{
		{FieldAccess, o.Access},
		{FieldErasure, o.Erasure},
		{FieldBreachAuthority, o.BreachAuthority},
		{FieldBreachSubjects, o.BreachSubjects},
	} {
		if d.d != nil {
			errs = append(errs, d.d.validate(string(d.f))...)
		}
	}
	if o.Language != nil && !slices.Contains(languages, *o.Language) {
		errs = append(errs, fmt.Errorf("language is %q, want one of %s", *o.Language, strings.Join(languages, ", ")))
	}
	if o.MinConsentAge != nil && *o.MinConsentAge < 0 {
		errs = append(errs, fmt.Errorf("min_consent_age is %d, must not be negative", *o.MinConsentAge))
	}
	for _, s := range []struct {
		name string
		v    *string
	}{{"law", o.Law}, {"authority", o.Authority}, {"dpo_label", o.DPOLabel}} {
		if s.v != nil && strings.TrimSpace(*s.v) == "" {
			errs = append(errs, fmt.Errorf("%s is empty", s.name))
		}
	}
	if o.RequiresExplicitConsent != nil && o.OptOutModel != nil && *o.RequiresExplicitConsent && *o.OptOutModel {
		errs = append(errs, errors.New("requires_explicit_consent and opt_out_model are both true"))
	}
	fields := make([]Field, 0, len(o.Cites))
	for f := range o.Cites {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		if new(Citations).ptr(f) == nil {
			errs = append(errs, fmt.Errorf("cites: unknown field %q", f))
		}
	}
	return errs
}

// apply returns p with o's fields set. It does not validate.
func (o Override) apply(p Pack) (Pack, error) {
	set := func(f Field) {
		c := p.Cites.ptr(f)
		if cite, ok := o.Cites[f]; ok {
			*c = cite
			return
		}
		*c = "operator override (config); built-in: " + *c
	}
	if o.Law != nil {
		p.Law = *o.Law
		set(FieldLaw)
	}
	if o.Language != nil {
		p.Language = *o.Language
	}
	for _, d := range []struct {
		f   Field
		src *Deadline
		dst *Deadline
	}{
		{FieldAccess, o.Access, &p.Access},
		{FieldErasure, o.Erasure, &p.Erasure},
		{FieldBreachAuthority, o.BreachAuthority, &p.BreachAuthority},
		{FieldBreachSubjects, o.BreachSubjects, &p.BreachSubjects},
	} {
		if d.src != nil {
			*d.dst = *d.src
			set(d.f)
		}
	}
	if o.Authority != nil {
		p.Authority = *o.Authority
		set(FieldAuthority)
	}
	if o.DPORequired != nil || o.DPOLabel != nil {
		if o.DPORequired != nil {
			p.DPORequired = *o.DPORequired
		}
		if o.DPOLabel != nil {
			p.DPOLabel = *o.DPOLabel
		}
		set(FieldDPO)
	}
	if o.MinConsentAge != nil {
		p.MinConsentAge = *o.MinConsentAge
		set(FieldMinConsentAge)
	}
	if o.RequiresExplicitConsent != nil || o.OptOutModel != nil {
		if o.RequiresExplicitConsent != nil {
			p.RequiresExplicitConsent = *o.RequiresExplicitConsent
		}
		if o.OptOutModel != nil {
			p.OptOutModel = *o.OptOutModel
		}
		if p.RequiresExplicitConsent && p.OptOutModel {
			return p, errors.New("requires_explicit_consent and opt_out_model would both be true; set the other one to false")
		}
		set(FieldConsent)
	}
	if o.ConsentPerPurpose != nil {
		p.ConsentPerPurpose = *o.ConsentPerPurpose
		set(FieldConsentPerPurpose)
	}
	if o.BlockBeforeDelete != nil {
		p.BlockBeforeDelete = *o.BlockBeforeDelete
		set(FieldBlockBeforeDelete)
	}
	// Citations given without a value change (e.g. to document why a
	// built-in value holds) replace the built-in text.
	for f, cite := range o.Cites {
		if c := p.Cites.ptr(f); c != nil {
			*c = cite
		}
	}
	return p, nil
}
