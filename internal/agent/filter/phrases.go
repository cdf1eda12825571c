package filter

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed phrases.txt
var phrasesTxt string

type rawMarker struct {
	text   string
	reason Reason
}

// lists are the built-in lists of phrases.txt.
type lists struct {
	phrases *matcher
	rules   []*rule
	byFirst map[string][]int // rules by the words they can start with
	raw     []rawMarker
	pass    *matcher // harmless phrases that contain a listed one
}

// reasonPass files the phrases of the [pass] section.
const reasonPass Reason = "pass"

// The built-in lists, parsed once at start-up; a malformed phrases.txt is a
// build defect, so it panics (and TestBuiltinLists names the line).
var builtin = mustParsePhrases(phrasesTxt)

func mustParsePhrases(src string) *lists {
	l, err := parsePhrases(src)
	if err != nil {
		panic("filter: phrases.txt: " + err.Error())
	}
	return l
}

func parsePhrases(src string) (*lists, error) {
	l := &lists{phrases: newMatcher(), pass: newMatcher(), byFirst: map[string][]int{}}
	defs := map[string]string{}
	var names []string // longest first, so @you_en is not replaced inside @you_en_obj
	var reason Reason
	isRaw := false
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "@"):
			name, def, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: want @name = a|b", n+1)
			}
			name, def = strings.TrimSpace(name), strings.TrimSpace(def)
			for _, other := range names { // a list may name the lists above it among its alternatives
				def = strings.ReplaceAll(def, other, defs[other])
			}
			defs[name] = def
			names = append(names, name)
			for i := len(names) - 1; i > 0 && len(names[i]) > len(names[i-1]); i-- {
				names[i], names[i-1] = names[i-1], names[i]
			}
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") && !isRaw || isSection(line):
			name := line[1 : len(line)-1]
			isRaw = strings.HasPrefix(name, "raw:")
			reason = Reason(strings.TrimPrefix(name, "raw:"))
			if !validReason(reason) {
				return nil, fmt.Errorf("line %d: unknown reason %q", n+1, reason)
			}
			continue
		}
		if reason == "" {
			return nil, fmt.Errorf("line %d: phrase before any [section]", n+1)
		}
		if isRaw {
			l.raw = append(l.raw, rawMarker{strings.ToLower(line), reason})
			continue
		}
		if lang, rest, ok := strings.Cut(line, ":"); ok && len(lang) == 2 {
			line = strings.TrimSpace(rest)
		}
		src := line
		for _, name := range names {
			line = substitute(line, name, defs[name])
		}
		if strings.Contains(line, "@") {
			return nil, fmt.Errorf("line %d: undefined list in %q", n+1, line)
		}
		if strings.Contains(line, "~") {
			r, err := parseRule(line, reason, src)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n+1, err)
			}
			for _, w := range r.firstWords() {
				l.byFirst[w] = append(l.byFirst[w], len(l.rules))
			}
			l.rules = append(l.rules, r)
			continue
		}
		m := l.phrases
		if reason == reasonPass {
			m = l.pass
		}
		if err := addExpanded(m, line, reason); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
	}
	if len(l.rules) > 64 {
		return nil, fmt.Errorf("%d rules: at most 64 (Filter.match keeps them in a bit set)", len(l.rules))
	}
	return l, nil
}

// substitute replaces @name by its alternatives: as a group of its own,
// or spliced into the group it stands in ("(@group_en|your kind)").
func substitute(line, name, def string) string {
	var b strings.Builder
	for {
		i := strings.Index(line, name)
		if i < 0 {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:i])
		inGroup := i > 0 && (line[i-1] == '(' || line[i-1] == '|')
		if inGroup {
			b.WriteString(def)
		} else {
			b.WriteString("(" + def + ")")
		}
		line = line[i+len(name):]
	}
}

func addExpanded(m *matcher, line string, r Reason) error {
	phrases, err := expand(line)
	if err != nil {
		return err
	}
	for _, p := range phrases {
		m.add(phraseKey(p), r)
	}
	return nil
}

// parseRule reads "a ~ b ~5 c": elements separated by "~N" (at most N
// words between them; "~" alone is 3).
func parseRule(line string, reason Reason, src string) (*rule, error) {
	r := &rule{reason: reason, src: src}
	var elem []string
	closeElem := func() error {
		if len(elem) == 0 {
			return fmt.Errorf("empty element in rule %q", src)
		}
		m := newMatcher()
		if err := addExpanded(m, strings.Join(elem, " "), reason); err != nil {
			return err
		}
		r.elems = append(r.elems, m)
		elem = elem[:0]
		return nil
	}
	for _, tok := range strings.Fields(line) {
		if !strings.HasPrefix(tok, "~") {
			elem = append(elem, tok)
			continue
		}
		gap := 3
		if tok != "~" {
			g, err := strconv.Atoi(tok[1:])
			if err != nil || g < 0 || g > 8 {
				return nil, fmt.Errorf("bad gap %q in rule %q (want ~ or ~0 to ~8)", tok, src)
			}
			gap = g
		}
		if err := closeElem(); err != nil {
			return nil, err
		}
		r.gaps = append(r.gaps, gap)
	}
	if err := closeElem(); err != nil {
		return nil, err
	}
	return r, nil
}

// isSection recognises a section header inside a raw section, where other
// bracketed lines ("[inst]") are markers.
func isSection(line string) bool {
	if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
		return false
	}
	return validReason(Reason(strings.TrimPrefix(line[1:len(line)-1], "raw:")))
}

func validReason(r Reason) bool {
	if r == reasonPass {
		return true
	}
	for _, x := range reasonOrder {
		if x == r && r != ReasonPII && r != ReasonDenyList {
			return true
		}
	}
	return false
}

// expand turns "a (b|c|) d" into "a b d", "a c d", "a  d".
func expand(s string) ([]string, error) {
	out := []string{""}
	for s != "" {
		i := strings.IndexByte(s, '(')
		if i < 0 {
			for k := range out {
				out[k] += s
			}
			break
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			return nil, fmt.Errorf("unclosed ( in %q", s)
		}
		if strings.ContainsRune(s[i+1:i+j], '(') {
			return nil, fmt.Errorf("nested ( in %q", s)
		}
		prefix, alts := s[:i], strings.Split(s[i+1:i+j], "|")
		next := make([]string, 0, len(out)*len(alts))
		for _, o := range out {
			for _, a := range alts {
				next = append(next, o+prefix+a)
			}
		}
		out, s = next, s[i+j+1:]
	}
	return out, nil
}
