package knowledge

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// Names are not inflected words. An article writes street names, towns,
// brands, days and seasons capitalised within a sentence ("Calle de la
// Aurora 12", "Rua das Flores", "Black Friday", "Monday to Friday"), often
// in another language than its own: stemmed like words, they meet words
// they have nothing to do with (the English stem of "Calle" is "call", so
// "can I call you?" found the stores' addresses). A word written so, and
// never in lower case in the same passage, is indexed as it is written;
// a question reaches it by its own spelling (or its plural), never through
// a stem.

// nameWords returns the folded words of text written capitalised after
// another word of the same sentence (not after ".", "?", "!", a bullet, a
// quote or an arrow, where any word is capitalised), less those text also
// writes in lower case.
func nameWords(text string) map[string]bool {
	var names map[string]bool
	lower := map[string]bool{}
	initial := true // the next word starts a sentence, a line or a label
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			switch {
			case strings.ContainsRune(".!?¿¡\"«»“”(→•-\n", r):
				initial = true
			case r == '*' || unicode.IsSpace(r):
			default: // ",", ":", ";" stay within the sentence
				initial = false
			}
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
				break
			}
			j += s2
		}
		word := text[i:j]
		f := fold.String(word)
		switch {
		case unicode.IsUpper(r) && !initial:
			if names == nil {
				names = map[string]bool{}
			}
			names[f] = true
		case unicode.IsLower(r):
			lower[f] = true
		}
		initial = false
		i = j
	}
	for w := range names {
		if lower[w] {
			delete(names, w)
		}
	}
	return names
}

// addNames records the names of a passage's text (see nameWords) and
// returns them.
func (ix *index) addNames(text string) map[string]bool {
	names := nameWords(text)
	for w := range names {
		ix.names[w] = true
	}
	return names
}

// nameTerm is the index term of folded word w of a passage whose names
// are names: w itself for a name, else its stem; "" for a stopword.
func (ix *index) nameTerm(an *analyzer, w string, names map[string]bool) string {
	if isPhrase(w) {
		return w
	}
	w = an.word(w)
	if an.stop[w] || (len(w) < 2 && !isDigit(w[0])) {
		return ""
	}
	if names[w] {
		return w
	}
	return an.stem(w)
}

// nameAlts are the names a folded query word reaches by its spelling: the
// word itself, or its singular or plural ("islands" is the plural of the
// name "Island" too). See indexNames.
func (ix *index) nameAlts(w string) []string { return ix.nameForms[w] }

// indexNames records, once the postings are built, the spellings that
// reach each indexed name: the name, its plural and its singular.
func (ix *index) indexNames() {
	ix.nameForms = map[string][]string{}
	for n := range ix.names {
		if ix.postings[n] == nil {
			continue // a stopword
		}
		forms := []string{n, n + "s", n + "es"}
		if b, ok := strings.CutSuffix(n, "es"); ok {
			forms = append(forms, b)
		}
		if b, ok := strings.CutSuffix(n, "s"); ok {
			forms = append(forms, b)
		}
		for _, f := range forms {
			if f != "" && !slices.Contains(ix.nameForms[f], n) {
				ix.nameForms[f] = append(ix.nameForms[f], n)
			}
		}
	}
	for _, l := range ix.nameForms {
		slices.Sort(l) // deterministic
	}
}

// memberTerms analyses a synonym group member as index terms: a word's
// stem, or the name it spells when only the name is indexed ("azores" is
// the name "Azores" of an article).
func (ix *index) memberTerms(an *analyzer, m string) []string {
	var out []string
	for _, w := range fold.Words(m) {
		t := ix.nameTerm(an, w, nil)
		if t == "" {
			continue
		}
		if ix.postings[t] == nil {
			if n := ix.nameAlts(an.word(w)); len(n) > 0 {
				t = n[0]
			}
		}
		out = append(out, t)
	}
	return out
}
