package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trement/trement/internal/audit"
)

// revealCategories are why an operator may unmask a customer's data; a
// reveal names one of them and explains in its own words.
var revealCategories = []string{
	"customer_request", // the customer asked for it (a call back, checking who they are)
	"delivery",         // an order or delivery needs the number or name
	"complaint",        // handling a complaint or dispute
	"fraud",            // a fraud or security investigation
	"legal",            // a legal obligation or an authority's request
	"data_request",     // a data-subject request (access, correction, erasure)
}

// RevealCategories lists the categories a reveal may give.
func RevealCategories() []string { return slices.Clone(revealCategories) }

// Reveal reason bounds.
const (
	// MinRevealReason is the shortest reason accepted for revealing
	// personal data, in characters.
	MinRevealReason = 10
	maxRevealReason = 500
	// minContentWords is how many different real words a reason needs.
	minContentWords = 3
)

// keyboardRuns are letter sequences typed by sliding along the keyboard or
// the alphabet; a word that is a piece of one (either way) is filler.
var keyboardRuns = []string{"qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qwertzuiop", "abcdefghijklmnopqrstuvwxyz"}

// fillerWords say nothing about why data is needed.
var fillerWords = map[string]bool{
	"test": true, "testing": true, "reason": true, "reasons": true, "lorem": true, "ipsum": true, "dolor": true, "sit": true,
	"amet": true, "foo": true, "bar": true, "baz": true, "blah": true, "bla": true, "xxx": true, "etc": true, "none": true,
	"nothing": true, "whatever": true, "prueba": true, "teste": true, "nada": true, "razon": true, "razón": true, "motivo": true,
}

// CheckRevealReason says why text is no reason to reveal personal data, or
// nil if it is one. Length is not enough ("xxxxxxxxxx" is ten characters):
// a reason needs at least three different real words, a real word being
// two letters or more with a vowel, not one letter repeated, not a chunk
// typed twice ("asdfasdf"), not a run along the keyboard or the alphabet
// ("qwerty", "abc") and not a placeholder ("test", "lorem ipsum"); and no
// word may make up most of the text ("test test test").
func CheckRevealReason(text string) error {
	n := utf8.RuneCountInString(text)
	if n < MinRevealReason || n > maxRevealReason {
		return fmt.Errorf("give a reason of %d to %d characters", MinRevealReason, maxRevealReason)
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
	seen := map[string]int{}
	content := 0
	for _, w := range words {
		seen[w]++
		if seen[w] == 1 && realWord(w) {
			content++
		}
	}
	if content < minContentWords {
		return fmt.Errorf("say in words why you need the data (at least %d different real words; filler such as \"xxxxxxxxxx\" is refused)", minContentWords)
	}
	for _, c := range seen {
		if 2*c > len(words) && len(words) > 2 {
			return fmt.Errorf("say in words why you need the data, without repeating one word")
		}
	}
	return nil
}

func realWord(w string) bool {
	rs := []rune(w)
	if len(rs) < 2 || fillerWords[w] || !strings.ContainsAny(w, "aeiouyáéíóúàâêôãõü") {
		return false
	}
	for size := 1; size <= len(rs)/2; size++ { // one chunk repeated: "aaaa", "abab", "asdfasdf"
		if len(rs)%size == 0 && strings.Repeat(string(rs[:size]), len(rs)/size) == w {
			return false
		}
	}
	if len(rs) >= 3 {
		for _, run := range keyboardRuns {
			if strings.Contains(run, w) || strings.Contains(reverse(run), w) {
				return false
			}
		}
	}
	return true
}

func reverse(s string) string {
	rs := []rune(s)
	slices.Reverse(rs)
	return string(rs)
}

// revealRequest reads and checks a reveal's category and reason. A
// refusal is written to the audit log (the attempt is itself evidence)
// and answered; ok is false then.
func (s *Server) revealRequest(w http.ResponseWriter, r *http.Request) (reason string, ok bool) {
	var body revealRequestBody
	var why error
	if err := readJSON(r, &body); err != nil {
		why = err
	} else {
		body.Category, body.Reason = strings.TrimSpace(body.Category), strings.TrimSpace(body.Reason)
		switch {
		case !slices.Contains(revealCategories, body.Category):
			why = fmt.Errorf("%w: give a category: one of %s", ErrInvalid, strings.Join(revealCategories, ", "))
		default:
			if err := CheckRevealReason(body.Reason); err != nil {
				why = fmt.Errorf("%w: %w", ErrInvalid, err)
			}
		}
	}
	if why == nil {
		return body.Category + ": " + body.Reason, true
	}
	quoted := fmt.Sprintf("refused (%s); category %q; reason %q", why, audit.Clip(body.Category, 64), audit.Clip(body.Reason, audit.ClipLen))
	if err := s.audit(r.Context(), audit.ActionPIIReveal, convTarget(r.PathValue("id")), audit.Denied, quoted); err != nil {
		s.apiError(w, r, err)
		return "", false
	}
	s.apiError(w, r, why)
	return "", false
}

// revealRequestBody is the JSON body revealRequest reads.
type revealRequestBody struct {
	Category string `json:"category"`
	Reason   string `json:"reason"`
}
