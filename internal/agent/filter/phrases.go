package filter

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/trement/trement/internal/agent/internal/fold"
)

//go:embed phrases.txt
var phrasesTxt string

type rawMarker struct {
	text   string
	reason Reason
}

// The built-in lists, parsed once at start-up; a malformed phrases.txt is a
// build defect, so it panics (and TestBuiltinLists names the line).
var builtin, rawMarkers = mustParsePhrases(phrasesTxt)

func mustParsePhrases(src string) (*matcher, []rawMarker) {
	m, raw, err := parsePhrases(src)
	if err != nil {
		panic("filter: phrases.txt: " + err.Error())
	}
	return m, raw
}

func parsePhrases(src string) (*matcher, []rawMarker, error) {
	m := newMatcher()
	var raw []rawMarker
	defs := map[string]string{}
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
				return nil, nil, fmt.Errorf("line %d: want @name = a|b", n+1)
			}
			defs[strings.TrimSpace(name)] = strings.TrimSpace(def)
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") && !isRaw || isSection(line):
			name := line[1 : len(line)-1]
			isRaw = strings.HasPrefix(name, "raw:")
			reason = Reason(strings.TrimPrefix(name, "raw:"))
			if !validReason(reason) {
				return nil, nil, fmt.Errorf("line %d: unknown reason %q", n+1, reason)
			}
			continue
		}
		if reason == "" {
			return nil, nil, fmt.Errorf("line %d: phrase before any [section]", n+1)
		}
		if isRaw {
			raw = append(raw, rawMarker{strings.ToLower(line), reason})
			continue
		}
		if l, rest, ok := strings.Cut(line, ":"); ok && len(l) == 2 {
			line = strings.TrimSpace(rest)
		}
		for name, def := range defs {
			line = strings.ReplaceAll(line, name, "("+def+")")
		}
		if strings.Contains(line, "@") {
			return nil, nil, fmt.Errorf("line %d: undefined list in %q", n+1, line)
		}
		phrases, err := expand(line)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		for _, p := range phrases {
			m.add(strings.Join(fold.Words(p), " "), reason)
		}
	}
	return m, raw, nil
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
