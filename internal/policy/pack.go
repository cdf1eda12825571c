package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// A Region names a Pack. The values are stable identifiers, safe to store in
// consent records and configuration.
type Region string

// Regions with a pack of their own.
const (
	GDPR Region = "GDPR" // EU/EEA members and EU outermost regions, except Spain
	ES   Region = "ES"   // Spain: GDPR + LOPDGDD
	BR   Region = "BR"   // Brazil: LGPD
	MX   Region = "MX"   // Mexico: LFPDPPP 2025
	CO   Region = "CO"   // Colombia: Ley 1581/2012 + Decreto 1377/2013
	AR   Region = "AR"   // Argentina: Ley 25.326
	CA   Region = "CA"   // California: CCPA as amended by CPRA

	// Strict is the strictest value of every field across the packs above.
	Strict Region = "STRICT"

	// Default is what routing returns when no regime claims a number. It is
	// not a pack: Config.Default says which pack it maps to (Strict unless
	// configured).
	Default Region = "DEFAULT"
)

// lawRegions lists the packs built from law, in the order Strict breaks ties.
var lawRegions = []Region{GDPR, ES, BR, MX, CO, AR, CA}

// Regions returns every region that has a pack: the law packs, then Strict.
func Regions() []Region {
	return append(append([]Region(nil), lawRegions...), Strict)
}

func (r Region) known() bool {
	if r == Strict {
		return true
	}
	for _, k := range lawRegions {
		if r == k {
			return true
		}
	}
	return false
}

// A Field names one rule of a Pack. Fields key citations and overrides and
// name the culprit in configuration errors.
type Field string

// Fields of a Pack that carry a citation.
const (
	FieldLaw               Field = "law"
	FieldAccess            Field = "access"
	FieldErasure           Field = "erasure"
	FieldBreachAuthority   Field = "breach_authority"
	FieldBreachSubjects    Field = "breach_subjects"
	FieldAuthority         Field = "authority"
	FieldDPO               Field = "dpo" // DPORequired and DPOLabel
	FieldMinConsentAge     Field = "min_consent_age"
	FieldConsent           Field = "consent" // RequiresExplicitConsent and OptOutModel
	FieldConsentPerPurpose Field = "consent_per_purpose"
	FieldBlockBeforeDelete Field = "block_before_delete"
)

// citedFields lists the fields in the order Facts reports them.
var citedFields = []Field{
	FieldLaw, FieldAccess, FieldErasure, FieldBreachAuthority, FieldBreachSubjects,
	FieldAuthority, FieldDPO, FieldMinConsentAge, FieldConsent,
	FieldConsentPerPurpose, FieldBlockBeforeDelete,
}

// Pack is what one jurisdiction makes the gateway do. It is a plain value:
// copies are independent.
type Pack struct {
	Region   Region
	Law      string // e.g. "LGPD (Lei 13.709/2018)"
	Language string // default language of notices: "en", "es" or "pt"

	// Deadlines to answer a data-subject request, counted from receipt.
	Access  Deadline // access / copy of the data
	Erasure Deadline // correction and erasure

	// Breach notices. BreachAuthority counts from awareness, except in
	// California, where the Attorney General's copy is due after the
	// residents were notified (see its citation).
	BreachAuthority Deadline
	BreachSubjects  Deadline

	Authority string // supervisory authority, e.g. "ANPD – Autoridade Nacional de Proteção de Dados"

	// DPORequired says the law makes us appoint, and name in notices, a data
	// protection contact. DPOLabel is that role's name in Language: "data
	// protection officer (DPO)", "encarregado (DPO)", "departamento de datos
	// personales".
	DPORequired bool
	DPOLabel    string

	// MinConsentAge is the age below which a parent or guardian must act
	// for the person; 18 where the law only says minors act through a
	// representative.
	MinConsentAge int

	// RequiresExplicitConsent: processing waits for an affirmative "yes"
	// (GDPR, LGPD, Ley 1581, Ley 25.326). OptOutModel: a notice at
	// collection suffices and the person may opt out (CCPA). Both false is
	// Mexico's tacit consent: notice first, consent presumed unless the
	// person objects. The two are never both true.
	RequiresExplicitConsent bool
	OptOutModel             bool

	// ConsentPerPurpose: one "yes" cannot cover several purposes (Spain).
	ConsentPerPurpose bool

	// BlockBeforeDelete: erasure first blocks the data (kept unusable,
	// available only to courts and authorities) and deletes it when the
	// retention period ends (Spain, Mexico).
	BlockBeforeDelete bool

	// Cites holds the source of each field, for records of processing.
	Cites Citations
}

// Citations holds the source of each cited field of a Pack. A citation says
// "[unsure]" where the fact sheet does, and "trement default" where the law
// sets no figure and the pack carries the product's own.
type Citations struct {
	Law               string `json:"law,omitempty"`
	Access            string `json:"access,omitempty"`
	Erasure           string `json:"erasure,omitempty"`
	BreachAuthority   string `json:"breach_authority,omitempty"`
	BreachSubjects    string `json:"breach_subjects,omitempty"`
	Authority         string `json:"authority,omitempty"`
	DPO               string `json:"dpo,omitempty"`
	MinConsentAge     string `json:"min_consent_age,omitempty"`
	Consent           string `json:"consent,omitempty"`
	ConsentPerPurpose string `json:"consent_per_purpose,omitempty"`
	BlockBeforeDelete string `json:"block_before_delete,omitempty"`
}

func (c *Citations) ptr(f Field) *string {
	switch f {
	case FieldLaw:
		return &c.Law
	case FieldAccess:
		return &c.Access
	case FieldErasure:
		return &c.Erasure
	case FieldBreachAuthority:
		return &c.BreachAuthority
	case FieldBreachSubjects:
		return &c.BreachSubjects
	case FieldAuthority:
		return &c.Authority
	case FieldDPO:
		return &c.DPO
	case FieldMinConsentAge:
		return &c.MinConsentAge
	case FieldConsent:
		return &c.Consent
	case FieldConsentPerPurpose:
		return &c.ConsentPerPurpose
	case FieldBlockBeforeDelete:
		return &c.BlockBeforeDelete
	}
	return nil
}

// Cite returns the citation for f, or "" if f carries none.
func (p Pack) Cite(f Field) string {
	if s := p.Cites.ptr(f); s != nil {
		return *s
	}
	return ""
}

// A Fact is one rule of a pack with its source, ready for a record of
// processing or the console.
type Fact struct {
	Field Field
	Value string
	Cite  string
}

// Facts lists every cited field of p with its value and citation.
func (p Pack) Facts() []Fact {
	facts := make([]Fact, 0, len(citedFields))
	for _, f := range citedFields {
		facts = append(facts, Fact{Field: f, Value: p.value(f), Cite: p.Cite(f)})
	}
	return facts
}

func (p Pack) value(f Field) string {
	switch f {
	case FieldLaw:
		return p.Law
	case FieldAccess:
		return p.Access.String()
	case FieldErasure:
		return p.Erasure.String()
	case FieldBreachAuthority:
		return p.BreachAuthority.String()
	case FieldBreachSubjects:
		return p.BreachSubjects.String()
	case FieldAuthority:
		return p.Authority
	case FieldDPO:
		if p.DPORequired {
			return "required: " + p.DPOLabel
		}
		return "not required"
	case FieldMinConsentAge:
		return strconv.Itoa(p.MinConsentAge)
	case FieldConsent:
		switch {
		case p.RequiresExplicitConsent:
			return "express opt-in"
		case p.OptOutModel:
			return "notice and opt-out"
		}
		return "tacit: notice, consent presumed unless the person objects"
	case FieldConsentPerPurpose:
		return yesNo(p.ConsentPerPurpose)
	case FieldBlockBeforeDelete:
		return yesNo(p.BlockBeforeDelete)
	}
	return ""
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// trementDefault marks citations whose value is the product's, not the law's.
const trementDefault = "trement default"

// Product defaults from the fact sheet's "Engineering defaults".
var (
	defaultBreach  = Deadline{Hours: 72}
	defaultErasure = Deadline{Days: 5, Business: true}
)

// builtin returns the law packs, keyed by region. Each call returns fresh
// values.
func builtin() map[Region]Pack {
	gdprAccess := Deadline{Months: 1, ExtendableMonths: 2}
	return map[Region]Pack{
		GDPR: {
			Region:                  GDPR,
			Law:                     "GDPR (Regulation (EU) 2016/679)",
			Language:                "en",
			Access:                  gdprAccess,
			Erasure:                 gdprAccess,
			BreachAuthority:         Deadline{Hours: 72},
			BreachSubjects:          defaultBreach,
			Authority:               "national supervisory authority (lead authority via the one-stop shop)",
			DPORequired:             false,
			DPOLabel:                "data protection officer (DPO)",
			MinConsentAge:           16,
			RequiresExplicitConsent: true,
			Cites: Citations{
				Law:               "Regulation (EU) 2016/679",
				Access:            "GDPR Art. 12(3), Art. 15: without undue delay, at most 1 month; +2 months for complex or numerous requests if the person is told within the first month",
				Erasure:           "GDPR Art. 12(3), Arts. 16–17",
				BreachAuthority:   "GDPR Art. 33: within 72 h of awareness unless unlikely to create a risk",
				BreachSubjects:    "GDPR Art. 34: without undue delay when high risk, no fixed period; " + trementDefault + " 72 h",
				Authority:         "GDPR Art. 51, Art. 56",
				DPO:               "GDPR Art. 37: mandatory only for public bodies, large-scale regular monitoring or large-scale special-category data; override if you qualify",
				MinConsentAge:     "GDPR Art. 8: 16 for information-society services; member states may lower it to 13",
				Consent:           "GDPR Art. 4(11), Art. 7: freely given, specific, informed, unambiguous, demonstrable, withdrawable as easily as given",
				ConsentPerPurpose: "GDPR Art. 4(11): consent must be specific; no separate-consent-per-purpose rule beyond that",
				BlockBeforeDelete: "GDPR Art. 17: erasure without undue delay; no blocking duty",
			},
		},
		ES: {
			Region:                  ES,
			Law:                     "GDPR + LOPDGDD (Ley Orgánica 3/2018)",
			Language:                "es",
			Access:                  gdprAccess,
			Erasure:                 gdprAccess,
			BreachAuthority:         Deadline{Hours: 72},
			BreachSubjects:          defaultBreach,
			Authority:               "AEPD – Agencia Española de Protección de Datos",
			DPORequired:             false,
			DPOLabel:                "delegado de protección de datos (DPD)",
			MinConsentAge:           14,
			RequiresExplicitConsent: true,
			ConsentPerPurpose:       true,
			BlockBeforeDelete:       true,
			Cites: Citations{
				Law:               "Regulation (EU) 2016/679; Ley Orgánica 3/2018",
				Access:            "GDPR Art. 12(3); LOPDGDD Art. 13: repeated access within 6 months may be treated as repetitive",
				Erasure:           "GDPR Art. 12(3); LOPDGDD Art. 32: block first, then delete",
				BreachAuthority:   "GDPR Art. 33, through the AEPD channel",
				BreachSubjects:    "GDPR Art. 34: without undue delay when high risk, no fixed period; " + trementDefault + " 72 h",
				Authority:         "LOPDGDD Arts. 44 ff.",
				DPO:               "GDPR Art. 37; LOPDGDD Art. 34 adds always-DPO sectors, incl. information-society providers profiling users at large scale [unsure]; override if you qualify",
				MinConsentAge:     "LOPDGDD Art. 7",
				Consent:           "GDPR Art. 4(11), Art. 7; LOPDGDD Art. 6",
				ConsentPerPurpose: "LOPDGDD Art. 6: consent cannot be inferred from one act covering several purposes",
				BlockBeforeDelete: "LOPDGDD Art. 32: erased or corrected data are blocked, kept only for courts and authorities during limitation periods, then deleted",
			},
		},
		BR: {
			Region:                  BR,
			Law:                     "LGPD (Lei 13.709/2018)",
			Language:                "pt",
			Access:                  Deadline{Days: 15},
			Erasure:                 defaultErasure,
			BreachAuthority:         Deadline{Days: 3, Business: true},
			BreachSubjects:          Deadline{Days: 3, Business: true},
			Authority:               "ANPD – Autoridade Nacional de Proteção de Dados",
			DPORequired:             true,
			DPOLabel:                "encarregado (DPO)",
			MinConsentAge:           12,
			RequiresExplicitConsent: true,
			Cites: Citations{
				Law:               "Lei 13.709/2018",
				Access:            "LGPD Art. 19, I–II: simplified answer immediately, or full statement within 15 days of the request",
				Erasure:           "LGPD Art. 18, §5: deadline left to ANPD regulation, none found [unsure]; " + trementDefault + " 5 business days (strictest, as Ley 25.326 Art. 16(2))",
				BreachAuthority:   "Res. CD/ANPD 15/2024 Art. 6, based on LGPD Art. 48: 3 business days from knowing personal data were affected, doubled for small agents; supplement within 20 business days",
				BreachSubjects:    "Res. CD/ANPD 15/2024 [unsure of article]: 3 business days; public notice for at least 90 days if individual notice is impossible",
				Authority:         "LGPD Art. 55-A",
				DPO:               "LGPD Art. 41: controller appoints an encarregado; small agents may be exempt but must offer a contact channel (ANPD Res. 2/2022) [unsure]",
				MinConsentAge:     "LGPD Art. 14, §1: children under 12 need specific consent from a parent",
				Consent:           "LGPD Arts. 7–8: free, informed, unambiguous, for specific purposes; burden of proof on the controller (Art. 8, §2)",
				ConsentPerPurpose: "LGPD Art. 8: consent for specific purposes; no separate-consent rule beyond that",
				BlockBeforeDelete: "LGPD Art. 18: blocking is one of the rights, not a step before deletion",
			},
		},
		MX: {
			Region:            MX,
			Law:               "LFPDPPP 2025 (DOF 20-03-2025)",
			Language:          "es",
			Access:            Deadline{Days: 20},
			Erasure:           Deadline{Days: 20},
			BreachAuthority:   defaultBreach,
			BreachSubjects:    defaultBreach,
			Authority:         "Secretaría Anticorrupción y Buen Gobierno (INAI dissolved)",
			DPORequired:       true,
			DPOLabel:          "departamento de datos personales",
			MinConsentAge:     18,
			BlockBeforeDelete: true,
			Cites: Citations{
				Law:               "LFPDPPP, DOF 20-03-2025, in force 21-03-2025; the 2010 law is abrogated",
				Access:            "LFPDPPP 2025 [unsure of article; old law Art. 32]: 20 days to answer an ARCO request, then 15 days to make it effective",
				Erasure:           "LFPDPPP 2025 [unsure of article; old law Art. 32]: 20 days to answer, then 15 days to make it effective; cancellation is block, then suppress",
				BreachAuthority:   "no duty to notify the authority found [unsure]; " + trementDefault + " 72 h",
				BreachSubjects:    "LFPDPPP 2025 Art. 19 [unsure; old law Art. 20]: inform promptly when rights are significantly affected; " + trementDefault + " 72 h",
				Authority:         "LFPDPPP 2025: Secretaría Anticorrupción y Buen Gobierno supervises private-sector data",
				DPO:               "designate a data-protection person or department to handle ARCO requests (old law Art. 30) [unsure of new article]",
				MinConsentAge:     "no specific age; minors (under 18) act through legal representatives [unsure]",
				Consent:           "LFPDPPP 2025: consent free, specific, informed; tacit consent is the general rule, express (written for sensitive data) where the law requires [unsure of article; old law Arts. 8–9]",
				ConsentPerPurpose: "LFPDPPP 2025: the privacy notice separates necessary and voluntary purposes; no separate consent per purpose",
				BlockBeforeDelete: "LFPDPPP 2025: cancellation is blocking, then suppression after the retention period [unsure of article]",
			},
		},
		CO: {
			Region:                  CO,
			Law:                     "Ley 1581/2012 + Decreto 1377/2013 (Decreto 1074/2015)",
			Language:                "es",
			Access:                  Deadline{Days: 10, Business: true, ExtendableDays: 5},
			Erasure:                 Deadline{Days: 15, Business: true, ExtendableDays: 8},
			BreachAuthority:         Deadline{Days: 15, Business: true},
			BreachSubjects:          defaultBreach,
			Authority:               "SIC – Superintendencia de Industria y Comercio, Delegatura de Protección de Datos",
			DPORequired:             true,
			DPOLabel:                "área responsable de protección de datos",
			MinConsentAge:           18,
			RequiresExplicitConsent: true,
			Cites: Citations{
				Law:               "Ley 1581/2012; Decreto 1377/2013, now in Decreto 1074/2015",
				Access:            "Ley 1581 Art. 14 (consultas): 10 business days, +5 business days with notice",
				Erasure:           "Ley 1581 Art. 15 (reclamos: correct, update, delete): 15 business days, +8 business days with notice",
				BreachAuthority:   "Ley 1581 Art. 17(n), Art. 18(k): inform the SIC; SIC practice is a report through the RNBD within 15 business days [unsure]",
				BreachSubjects:    "not explicit in the law [unsure]; " + trementDefault + " 72 h",
				Authority:         "Ley 1581 Art. 19",
				DPO:               "Decreto 1377 Art. 23: designate a person or area to handle requests",
				MinConsentAge:     "Ley 1581 Art. 7; Decreto 1377 Art. 12: minors' data only in their best interest, with a representative's authorization",
				Consent:           "Ley 1581 Art. 9: prior, express, informed authorization; Decreto 1377 Art. 7: written, oral or unequivocal conduct",
				ConsentPerPurpose: "Ley 1581 Art. 9: no separate-consent-per-purpose rule",
				BlockBeforeDelete: "Ley 1581 Art. 8(e), Art. 15: no blocking duty",
			},
		},
		AR: {
			Region:                  AR,
			Law:                     "Ley 25.326 (2000)",
			Language:                "es",
			Access:                  Deadline{Days: 10},
			Erasure:                 Deadline{Days: 5, Business: true},
			BreachAuthority:         defaultBreach,
			BreachSubjects:          defaultBreach,
			Authority:               "AAIP – Agencia de Acceso a la Información Pública",
			DPORequired:             false,
			DPOLabel:                "responsable de datos personales",
			MinConsentAge:           18,
			RequiresExplicitConsent: true,
			Cites: Citations{
				Law:               "Ley 25.326",
				Access:            "Ley 25.326 Art. 14(2): 10 calendar days from the request; free at 6-month intervals (Art. 14(3))",
				Erasure:           "Ley 25.326 Art. 16(2): 5 business days to rectify, update or suppress",
				BreachAuthority:   "no statutory duty in Ley 25.326 [unsure: AAIP guidance recommends notifying]; " + trementDefault + " 72 h",
				BreachSubjects:    "not explicit in Ley 25.326 [unsure]; " + trementDefault + " 72 h",
				Authority:         "Decreto 746/2017 [unsure of decree no.]",
				DPO:               "not required by Ley 25.326",
				MinConsentAge:     "no specific age in the law [unsure]; minors act through a representative (" + trementDefault + " 18)",
				Consent:           "Ley 25.326 Art. 5: free, express, informed, in writing or equivalent; exceptions Art. 5(2)",
				ConsentPerPurpose: "Ley 25.326 Art. 5: no separate-consent-per-purpose rule",
				BlockBeforeDelete: "Ley 25.326 Art. 16: no blocking duty before suppression",
			},
		},
		CA: {
			Region:          CA,
			Law:             "CCPA as amended by CPRA (Cal. Civ. Code §1798.100 ff.)",
			Language:        "en",
			Access:          Deadline{Days: 45, ExtendableDays: 45},
			Erasure:         Deadline{Days: 45, ExtendableDays: 45},
			BreachAuthority: Deadline{Days: 15},
			BreachSubjects:  Deadline{Days: 30},
			Authority:       "California Privacy Protection Agency; Attorney General for breach notices",
			DPORequired:     false,
			DPOLabel:        "privacy contact",
			MinConsentAge:   13,
			OptOutModel:     true,
			Cites: Citations{
				Law:               "Cal. Civ. Code §1798.100 ff.; breach notices §1798.82",
				Access:            "Cal. Civ. Code §1798.130(a)(2): 45 calendar days, extendable once by 45 with notice; confirm receipt within 10 business days (CCPA Regs §7021) [unsure of section]",
				Erasure:           "Cal. Civ. Code §1798.105 (delete), §1798.106 (correct), §1798.130(a)(2): 45 + 45 days",
				BreachAuthority:   "Cal. Civ. Code §1798.82(f) as amended by SB 446 (from 1 Jan 2026): sample notice to the Attorney General within 15 calendar days after notifying residents, if more than 500 Californians are affected; counts from the residents' notice, not from discovery",
				BreachSubjects:    "Cal. Civ. Code §1798.82(a) as amended by SB 446: within 30 calendar days of discovery; delays allowed for law enforcement or scoping",
				Authority:         "Cal. Civ. Code §1798.199.10 ff.; §1798.82(f)",
				DPO:               "no DPO under CCPA; risk assessments and cybersecurity audits under the 2025 CPPA regulations [unsure]",
				MinConsentAge:     "Cal. Civ. Code §1798.120(c)–(d): opt-in to sell or share needs a parent under 13, the minor at 13–15",
				Consent:           "Cal. Civ. Code §1798.100(a)–(b): notice at or before collection; §1798.120: opt-out of sale and sharing",
				ConsentPerPurpose: "CCPA has no general consent duty",
				BlockBeforeDelete: "Cal. Civ. Code §1798.105: no blocking duty",
			},
		},
	}
}

// strictest builds the Strict pack from candidates: for every field the
// strictest value any candidate holds, cited with the region it came from.
// Deadlines compare with stricter; on a tie a statutory value beats a
// trement default, then the earlier candidate wins.
func strictest(candidates []Pack) Pack {
	s := Pack{
		Region:   Strict,
		Language: "en",
		Law:      "Strictest of: ",
		Authority: "the competent authority of the person's jurisdiction, " +
			"decided per incident",
		DPOLabel:                "data protection officer (DPO)",
		RequiresExplicitConsent: true,
		OptOutModel:             false,
	}
	var laws []string
	seen := map[string]bool{}
	for _, c := range candidates {
		if !seen[c.Law] {
			seen[c.Law] = true
			laws = append(laws, c.Law)
		}
	}
	s.Law += strings.Join(laws, "; ")
	s.Cites.Law = "strictest value of every field across the packs; for numbers no regime claims (fact sheet: \"when unsure, apply the strictest profile\")"
	s.Cites.Authority = "no single authority; see the pack of the person's jurisdiction"

	pick := func(f Field, get func(Pack) Deadline, set func(Deadline)) {
		best := candidates[0]
		for _, c := range candidates[1:] {
			a, b := get(c), get(best)
			if stricter(a, b) {
				best = c
				continue
			}
			tie := !stricter(b, a)
			if tie && strings.Contains(best.Cite(f), trementDefault) && !strings.Contains(c.Cite(f), trementDefault) {
				best = c
			}
		}
		set(get(best))
		*s.Cites.ptr(f) = fromRegion(best, f)
	}
	pick(FieldAccess, func(p Pack) Deadline { return p.Access }, func(d Deadline) { s.Access = d })
	pick(FieldErasure, func(p Pack) Deadline { return p.Erasure }, func(d Deadline) { s.Erasure = d })
	pick(FieldBreachAuthority, func(p Pack) Deadline { return p.BreachAuthority }, func(d Deadline) { s.BreachAuthority = d })
	pick(FieldBreachSubjects, func(p Pack) Deadline { return p.BreachSubjects }, func(d Deadline) { s.BreachSubjects = d })

	// Boolean and age fields: the first candidate holding the strict value
	// is cited. If none does (possible after overrides), the strict value
	// still applies and the citation says why.
	firstWith := func(f Field, ok func(Pack) bool, fallback string) {
		for _, c := range candidates {
			if ok(c) {
				*s.Cites.ptr(f) = fromRegion(c, f)
				return
			}
		}
		*s.Cites.ptr(f) = fallback
	}
	for _, c := range candidates {
		s.MinConsentAge = max(s.MinConsentAge, c.MinConsentAge)
		s.DPORequired = s.DPORequired || c.DPORequired
		s.ConsentPerPurpose = s.ConsentPerPurpose || c.ConsentPerPurpose
		s.BlockBeforeDelete = s.BlockBeforeDelete || c.BlockBeforeDelete
	}
	firstWith(FieldMinConsentAge, func(p Pack) bool { return p.MinConsentAge == s.MinConsentAge }, "")
	firstWith(FieldDPO, func(p Pack) bool { return p.DPORequired == s.DPORequired }, "")
	firstWith(FieldConsent, func(p Pack) bool { return p.RequiresExplicitConsent },
		"strictest: express opt-in, whatever the packs say")
	firstWith(FieldConsentPerPurpose, func(p Pack) bool { return p.ConsentPerPurpose == s.ConsentPerPurpose }, "")
	firstWith(FieldBlockBeforeDelete, func(p Pack) bool { return p.BlockBeforeDelete == s.BlockBeforeDelete }, "")
	return s
}

func fromRegion(p Pack, f Field) string {
	return fmt.Sprintf("strictest, from %s: %s", p.Region, p.Cite(f))
}
