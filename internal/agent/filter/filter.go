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
//   - contains curated harmful phrases in English, Spanish or Portuguese
//     (harmful:self_harm, harmful:hate, harmful:sexual, harmful:violence,
//     harmful:illegal);
//   - echoes prompt-injection or system-prompt text (prompt_injection_echo);
//   - contains a phrase of the business's deny list (deny_list).
//
// A blocked answer is not sent; the flow hands the conversation to a person.
//
// # Matching
//
// Phrases are matched on whole words after lower-casing and accent folding
// (agent/internal/fold), so "MÁTATE" matches "matate" but "skill" never
// matches "kill". Lists favour precision: they name phrases with no
// innocent reading in customer service rather than single words. "Kill" is
// only listed in threats aimed at people: "this price is killing me" and
// "kill the process" (restarting an app) pass. Safety advice such as "don't
// cut yourself on the packaging" passes too. The lists live in phrases.txt.
//
// Known limits: negation is not understood ("we never sell drugs" is
// blocked, which sends a harmless answer to a person), nor are spelling
// tricks ("k1ll y0urself") or languages other than en, es and pt.
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
		f.deny.add(strings.Join(fold.Words(p), " "), ReasonDenyList)
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
	words := fold.Words(answer)
	builtin.find(words, hit)
	f.deny.find(words, hit)
	lower := strings.ToLower(answer)
	for _, m := range rawMarkers {
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

// matcher finds phrases (space-joined folded words) in a word sequence.
type matcher struct {
	phrases  map[string]Reason
	prefixes map[string]bool // every leading run of words of every phrase
}

func newMatcher() *matcher {
	return &matcher{phrases: map[string]Reason{}, prefixes: map[string]bool{}}
}

func (m *matcher) add(phrase string, r Reason) {
	if phrase == "" {
		return
	}
	if _, ok := m.phrases[phrase]; !ok {
		m.phrases[phrase] = r
	}
	for i := range len(phrase) {
		if phrase[i] == ' ' {
			m.prefixes[phrase[:i]] = true
		}
	}
	m.prefixes[phrase] = true
}

// find calls hit for the longest phrase starting at each word, extending a
// candidate only while it is the start of some phrase.
func (m *matcher) find(words []string, hit func(Reason, string)) {
	buf := make([]byte, 0, 64)
	for i := range words {
		buf = buf[:0]
		var best string
		var reason Reason
		for _, w := range words[i:] {
			if len(buf) > 0 {
				buf = append(buf, ' ')
			}
			buf = append(buf, w...)
			if !m.prefixes[string(buf)] {
				break
			}
			if r, ok := m.phrases[string(buf)]; ok {
				best, reason = string(buf), r
			}
		}
		if best != "" {
			hit(reason, best)
		}
	}
}
