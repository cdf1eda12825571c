// Package filter checks every answer before it is queued for a customer,
// whichever provider wrote it.
//
// A language model can be talked into leaking its instructions, repeating
// an attacker's text, inventing someone's phone number or saying something
// harmful; even the offline knowledge agent repeats whatever a business put
// in its articles. The filter is the last gate: it blocks an answer that
//
//   - contains personal data (as the caller's detector sees it) that the
//     customer did not give in this conversation, nor the business listed as
//     its own (pii_not_from_customer);
//   - says something harmful (harmful:self_harm, harmful:hate,
//     harmful:sexual, harmful:violence, harmful:illegal), in English,
//     Spanish or Portuguese;
//   - echoes prompt-injection or system-prompt text (prompt_injection_echo);
//   - contains a phrase of the business's deny list (deny_list).
//
// A blocked answer is not sent; the flow hands the conversation to a person.
//
// # Matching
//
// Answers and phrases are normalised alike (normalize.go): lower case,
// accents folded (agent/internal/fold), leetspeak digits inside words read
// as letters ("k1ll"), repeated letters made one ("kiiill"), and words
// spelt out letter by letter joined again ("k i l l   y o u r s e l f").
// Phrases match whole words, so "skill" never matches "kill". Beside fixed
// phrases, phrases.txt holds rules by intent: a threat is first person ~
// harm verb ~ "you"/"your family"/"where you live", a few words apart in
// one sentence ("I will find where you live and hurt you"); hate is a
// group or "people like you" ~ a hostile predicate, "go back to your
// country", or a slur; illegal acts are a how-to verb ~ fake/stolen goods,
// laundering, lying to the carrier or insurer.
//
// Lists favour precision: "kill" is only listed in threats aimed at people
// ("this price is killing me" and "kill the process" pass); a negation
// right before a phrase, or inside a rule, undoes it ("we never sell
// stolen goods", "no vendemos falsificaciones", "don't hurt yourself");
// phrases of a [pass] section are known to be harmless although they
// contain a listed one ("matar el tiempo", "shoot you an email", "go back
// to your country selection page").
//
// Known limits: languages other than en, es and pt; meaning carried by
// context rather than words (sarcasm, a threat split over two sentences);
// bare Portuguese "se mata", which Spanish uses innocently ("la plaga se
// mata con…") — only its imperative contexts are listed. testdata holds an
// evaluation set; BENCHMARKS.md reports its figures.
package filter

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// Reason says why an answer was blocked.
type Reason string

// Reasons, in the order Verdict lists them.
const (
	ReasonPII       Reason = "pii_not_from_customer"
	ReasonSelfHarm  Reason = "harmful:self_harm"
	ReasonHate      Reason = "harmful:hate"
	ReasonSexual    Reason = "harmful:sexual"
	ReasonViolence  Reason = "harmful:violence"
	ReasonIllegal   Reason = "harmful:illegal"
	ReasonInjection Reason = "prompt_injection_echo"
	ReasonDenyList  Reason = "deny_list"
)

var reasonOrder = []Reason{ReasonPII, ReasonSelfHarm, ReasonHate, ReasonSexual, ReasonViolence, ReasonIllegal, ReasonInjection, ReasonDenyList}

// Config configures a Filter.
type Config struct {
	// DenyList holds phrases the business never wants sent (a competitor's
	// name, an internal code name). Matched on whole words, case- and
	// accent-insensitively.
	DenyList []string
	// AllowValues holds the business's own public data that may appear in
	// answers although the customer never gave it: its support email and
	// phone number, its address.
	AllowValues []string
}

// Input is what the filter needs to know about the conversation.
type Input struct {
	// CustomerValues are the personal data values the customer gave in this
	// conversation; the answer may repeat them to the customer.
	CustomerValues []string
	// Detect returns the personal data values found in a text. It is the
	// caller's detector (trement's redactor); when nil, the personal-data
	// check is skipped.
	Detect func(string) []string
}

// Verdict is the filter's decision.
type Verdict struct {
	Allowed bool
	Reasons []Reason // why not, in a fixed order, without repeats
	// Matches lists what matched, for the audit log: the curated phrase or
	// deny-list entry, or "pii:<n>" for the n-th detected value (never the
	// value itself).
	Matches []string
}

// Filter checks answers. It is immutable and safe for concurrent use.
type Filter struct {
	deny  *matcher
	allow []string // normalised
}

// New returns a Filter for cfg. Empty deny-list entries are ignored.
func New(cfg Config) *Filter {
	f := &Filter{deny: newMatcher()}
	for _, p := range cfg.DenyList {
		f.deny.add(phraseKey(p), ReasonDenyList)
	}
	for _, v := range cfg.AllowValues {
		if n := normValue(v); n != "" {
			f.allow = append(f.allow, n)
		}
	}
	return f
}

// Check decides whether answer may be sent.
func (f *Filter) Check(answer string, in Input) Verdict {
	var v Verdict
	hit := func(r Reason, m string) {
		if !slices.Contains(v.Reasons, r) {
			v.Reasons = append(v.Reasons, r)
		}
		v.Matches = append(v.Matches, m)
	}
	if in.Detect != nil {
		customer := make([]string, 0, len(in.CustomerValues))
		for _, c := range in.CustomerValues {
			if n := normValue(c); n != "" {
				customer = append(customer, n)
			}
		}
		for i, val := range in.Detect(answer) {
			n := normValue(val)
			if n == "" || sameValueIn(n, customer) || sameValueIn(n, f.allow) {
				continue
			}
			hit(ReasonPII, fmt.Sprintf("pii:%d", i+1))
		}
	}
	t := normalize(answer)
	f.match(&t, hit)
	if j, ok := t.joinRuns(); ok {
		f.match(&j, hit) // "i will h u r t you" read as "i will hurt you"
		builtin.phrases.findCompact(&t, hit)
		f.deny.findCompact(&t, hit)
	}
	lower := strings.ToLower(answer)
	for _, m := range builtin.raw {
		if strings.Contains(lower, m.text) {
			hit(m.reason, m.text)
		}
	}
	slices.SortStableFunc(v.Reasons, func(a, b Reason) int {
		return slices.Index(reasonOrder, a) - slices.Index(reasonOrder, b)
	})
	v.Allowed = len(v.Reasons) == 0
	return v
}

// match runs the phrase lists, the deny list and the rules over t.
func (f *Filter) match(t *text, hit func(Reason, string)) {
	passed := builtin.pass.spans(t)
	found := func(r Reason, phrase string, start, n int) {
		if slices.Contains(passed[start:start+n], true) {
			return // overlaps a phrase known to be harmless ("matar el tiempo")
		}
		if r.harmful() && t.negatedBefore(start) {
			return // "we never sell drugs"
		}
		hit(r, phrase)
	}
	builtin.phrases.find(t, found)
	f.deny.find(t, found)
	var done uint64 // rules matched already, by index (there are fewer than 64)
	buf := make([]byte, 0, 64)
	for i, w := range t.words {
		if passed[i] {
			continue
		}
		for _, k := range builtin.byFirst[w] {
			if done&(1<<k) == 0 && builtin.rules[k].matchAt(t, i, passed, buf) {
				done |= 1 << k
				r := builtin.rules[k]
				hit(r.reason, r.src)
			}
		}
	}
}

// harmful reports whether r is one of the harmful:* reasons, which a
// negation right before the phrase undoes.
func (r Reason) harmful() bool { return strings.HasPrefix(string(r), "harmful:") }

// normValue reduces a personal-data value to lower-case letters and digits,
// so "+34 910-000-000" and "+34910000000", or "Ana@X.com" and "ana@x.com",
// compare equal.
func normValue(s string) string {
	var b strings.Builder
	for _, r := range fold.String(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sameValueIn reports whether v is one of set, treating phone-like numbers
// that share their last nine digits as the same ("0034 910…" = "+34 910…").
func sameValueIn(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
		if len(v) >= 9 && len(s) >= 9 && allDigits(v) && allDigits(s) && v[len(v)-9:] == s[len(s)-9:] {
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
