package policy

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Engine routes WhatsApp numbers to packs. It is immutable after New and
// safe for concurrent use.
type Engine struct {
	packs     map[Region]Pack
	fallback  Region // pack behind Default
	caCodes   map[string]bool
	retention map[Region]Retention
}

// A Decision is the pack chosen for one contact and why. Store Region and
// Reason with the consent record: the fact sheet asks for "jurisdiction
// decided and why".
type Decision struct {
	// Region is the regime that claimed the number, or Default when none
	// did; Pack.Region then names the pack Default maps to.
	Region      Region
	Pack        Pack
	Reason      string // e.g. "country code +34 → Spain (GDPR + LOPDGDD)"; never the number itself
	CountryCode int    // 0 if the wa_id could not be parsed
}

// New validates cfg and builds the packs. The error lists every problem
// found, each naming the region and field, e.g.
// "policy: config: override ES: access.days is -3, must not be negative".
func New(cfg Config) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("policy: config: %w", err)
	}
	base := builtin()
	packs := make(map[Region]Pack, len(base)+1)
	candidates := make([]Pack, 0, 2*len(lawRegions))
	for _, r := range lawRegions {
		candidates = append(candidates, base[r])
	}
	for _, r := range lawRegions {
		p := base[r]
		if o, ok := cfg.Overrides[r]; ok {
			var err error
			if p, err = o.apply(p); err != nil {
				return nil, fmt.Errorf("policy: config: override %s: %w", r, err)
			}
			candidates = append(candidates, p)
		}
		packs[r] = p
	}
	strict := strictest(candidates)
	if o, ok := cfg.Overrides[Strict]; ok {
		var err error
		if strict, err = o.apply(strict); err != nil {
			return nil, fmt.Errorf("policy: config: override %s: %w", Strict, err)
		}
	}
	packs[Strict] = strict

	e := &Engine{packs: packs, fallback: cfg.Default, caCodes: californiaAreaCodes, retention: cfg.Retention}
	if e.fallback == "" {
		e.fallback = Strict
	}
	if cfg.CaliforniaAreaCodes != nil {
		e.caCodes = make(map[string]bool, len(cfg.CaliforniaAreaCodes))
		for _, c := range cfg.CaliforniaAreaCodes {
			e.caCodes[c] = true
		}
	}
	return e, nil
}

// Pack returns the pack for r; Default returns the pack it maps to. Use it
// when the person or an operator overrides routing ("I live in
// California"), and log that basis instead of the phone-based one.
// The bool is false for an unknown region.
func (e *Engine) Pack(r Region) (Pack, bool) {
	if r == Default {
		r = e.fallback
	}
	p, ok := e.packs[r]
	return p, ok
}

// ForPhone decides the pack for a WhatsApp wa_id: digits with the country
// code and no "+", e.g. "34612345678". A leading "+" is tolerated. Numbers
// that do not parse or are not valid for their country get the default
// pack; the reason says which.
func (e *Engine) ForPhone(waID string) Decision {
	s := strings.TrimPrefix(strings.TrimSpace(waID), "+")
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return e.fallbackDecision(0, "wa_id is not all digits")
	}
	// WhatsApp still writes Mexican mobiles with the "1" that Mexico
	// dropped from its numbering plan in 2019 (521 + 10 digits); without
	// the fix libphonenumber calls every such wa_id invalid.
	if len(s) == 13 && strings.HasPrefix(s, "521") {
		s = "52" + s[3:]
	}
	num, err := phonenumbers.Parse("+"+s, "")
	if err != nil {
		return e.fallbackDecision(0, "wa_id does not parse as an E.164 number")
	}
	cc := int(num.GetCountryCode())
	valid := phonenumbers.IsValidNumber(num)
	if cc == 1 && phonenumbers.IsPossibleNumber(num) {
		// Our California list is newer than libphonenumber's metadata
		// (341, 357, 837... overlays), so a well-formed +1 number on it
		// routes to CA even when the library does not know the range yet.
		if d, ok := e.california(num, valid); ok {
			return d
		}
	}
	if !valid {
		return e.fallbackDecision(cc, fmt.Sprintf("number is not valid for country code +%d", cc))
	}
	if cc == 1 {
		return e.nanp(num)
	}
	if r, ok := countryRegions[cc]; ok {
		return e.decide(r, cc, fmt.Sprintf("country code +%d → %s (%s)", cc, countryNames[cc], regimeNames[r]))
	}
	if name, ok := gdprCountries[cc]; ok {
		iso := phonenumbers.GetRegionCodeForNumber(num)
		if why, out := outsideEU[iso]; out {
			return e.fallbackDecision(cc, fmt.Sprintf("country code +%d, numbering region %s: %s", cc, iso, why))
		}
		return e.decide(GDPR, cc, fmt.Sprintf("country code +%d → %s (GDPR)", cc, name))
	}
	if why, ok := notCovered[cc]; ok {
		return e.fallbackDecision(cc, fmt.Sprintf("country code +%d: %s", cc, why))
	}
	return e.fallbackDecision(cc, fmt.Sprintf("country code +%d has no pack", cc))
}

// california routes a possible +1 number with a California area code.
func (e *Engine) california(num *phonenumbers.PhoneNumber, valid bool) (Decision, bool) {
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if len(nsn) != 10 || !e.caCodes[nsn[:3]] {
		return Decision{}, false
	}
	reason := fmt.Sprintf("+1 area code %s (California) → CCPA/CPRA; an area code is a hint, not residence", nsn[:3])
	if !valid {
		reason += "; range not yet in libphonenumber metadata"
	}
	return e.decide(CA, 1, reason), true
}

// nanp explains why a valid +1 number outside California gets the default.
func (e *Engine) nanp(num *phonenumbers.PhoneNumber) Decision {
	area := phonenumbers.GetNationalSignificantNumber(num)[:3]
	where := "not a California area code"
	if iso := phonenumbers.GetRegionCodeForNumber(num); iso != "" && iso != "US" {
		where = "NANP region " + iso + ", out of scope"
	}
	return e.fallbackDecision(1, fmt.Sprintf("+1 area code %s: %s", area, where))
}

func (e *Engine) decide(r Region, cc int, reason string) Decision {
	return Decision{Region: r, Pack: e.packs[r], Reason: reason, CountryCode: cc}
}

func (e *Engine) fallbackDecision(cc int, why string) Decision {
	return Decision{
		Region:      Default,
		Pack:        e.packs[e.fallback],
		Reason:      fmt.Sprintf("%s → default pack %s", why, e.fallback),
		CountryCode: cc,
	}
}

var regimeNames = map[Region]string{
	ES: "GDPR + LOPDGDD",
	BR: "LGPD",
	MX: "LFPDPPP 2025",
	CO: "Ley 1581/2012",
	AR: "Ley 25.326",
}

// countryRegions are the country codes with a national pack.
var countryRegions = map[int]Region{34: ES, 55: BR, 52: MX, 57: CO, 54: AR}

var countryNames = map[int]string{
	34: "Spain", 55: "Brazil", 52: "Mexico", 57: "Colombia", 54: "Argentina",
}

// gdprCountries are the EU members (except Spain, which has its own pack),
// the EEA members, and the EU outermost regions with their own codes.
var gdprCountries = map[int]string{
	43: "Austria", 32: "Belgium", 359: "Bulgaria", 385: "Croatia", 357: "Cyprus",
	420: "Czechia", 45: "Denmark", 372: "Estonia", 358: "Finland (incl. Åland)",
	33: "France", 49: "Germany", 30: "Greece", 36: "Hungary", 353: "Ireland",
	39: "Italy", 371: "Latvia", 370: "Lithuania", 352: "Luxembourg", 356: "Malta",
	31: "Netherlands", 48: "Poland", 351: "Portugal (incl. Azores, Madeira)",
	40: "Romania", 421: "Slovakia", 386: "Slovenia", 46: "Sweden",
	// EEA, via the EEA Agreement.
	354: "Iceland (EEA)", 423: "Liechtenstein (EEA)", 47: "Norway (EEA)",
	// EU outermost regions with their own codes.
	590: "Guadeloupe / Saint-Martin (EU outermost region)",
	594: "French Guiana (EU outermost region)",
	596: "Martinique (EU outermost region)",
	262: "Réunion / Mayotte (EU outermost region)",
}

// outsideEU are numbering regions that share a GDPR country code but are
// not in the EU, by the ISO code libphonenumber assigns.
var outsideEU = map[string]string{
	// +590 is shared; the fact sheet flags this [unsure]. Numbers in ranges
	// libphonenumber cannot tell apart resolve to Guadeloupe (GDPR).
	"BL": "Saint-Barthélemy, not in the EU",
}

// notCovered explains the fact sheet's pitfalls in the reason.
var notCovered = map[int]string{
	44:  "UK, Jersey, Guernsey, Isle of Man (UK GDPR, out of scope)",
	41:  "Switzerland (FADP, out of scope)",
	350: "Gibraltar, not in the EU",
	7:   "Russia / Kazakhstan, out of scope",
	298: "Faroe Islands, part of Denmark but outside the EU",
	299: "Greenland, part of Denmark but outside the EU",
}

// californiaAreaCodes guess CCPA applicability from a +1 number. The newest
// overlays (341, 350, 357, 369, 738, 820, 837, 840) come from one secondary
// list only [unsure]; confirm against NANPA/CPUC, or set
// Config.CaliforniaAreaCodes.
var californiaAreaCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`209 213 279 310 323 341 350 357 369 408
		415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738
		747 760 805 818 820 831 837 840 858 909 916 925 949 951`) {
		m[c] = true
	}
	return m
}()
