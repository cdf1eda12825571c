package redact

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mapping remembers which placeholder stands for which original value
// during one conversation turn. It lives in memory only: it holds the very
// data redaction keeps away from the model, so it must not be logged or
// stored. A Mapping is not safe for concurrent use.
type Mapping struct {
	// A turn holds a handful of values, so a slice searched linearly beats
	// maps on both time and allocations.
	entries []entry
	// byPH indexes entries by placeholder once there are many, so that a
	// large text with many values stays linear.
	d       *Detector // nil: the package's Detect
	byPH    map[string]int
	byValue map[valueKey]int
	last    map[Type]int // highest number handed out per type
}

// indexAt is the number of entries from which lookups go through maps.
const indexAt = 16

type entry struct {
	t     Type
	key   string   // the value normalised: what makes two spellings one value
	value string   // the original, as first seen
	alt   []string // other spellings of the same value seen since
	ph    string   // its placeholder, "[EMAIL_1]"
	n     int      // the number in ph
}

// Redact replaces the personal data Detect finds in text with placeholders
// such as "[EMAIL_1]" and returns the new text with a Mapping to undo it.
// The same value gets the same placeholder each time it appears.
func Redact(text string) (string, *Mapping) {
	m := &Mapping{}
	return m.RedactMore(text), m
}

// RedactMore redacts another text of the same turn (say, the customer's
// earlier message sent as history) with the numbering already in m, so a
// value seen before keeps its placeholder.
//
// A placeholder that the text already contains literally, say a customer
// typing "[EMAIL_1]", is never handed out for it, so Restore gives that
// text back unchanged. Literal placeholders in a later text that match one
// handed out for an earlier text are restored like the rest.
func (m *Mapping) RedactMore(text string) string {
	return m.redact(text, m.detect(text))
}

// RedactValues is RedactMore that also returns the original values it
// replaced, in order (what Detect's findings hold as Text), from the one
// detection pass.
func (m *Mapping) RedactValues(text string) (string, []string) {
	fs := m.detect(text)
	vals := make([]string, len(fs))
	for i, f := range fs {
		vals[i] = f.Text
	}
	return m.redact(text, fs), vals
}

func (m *Mapping) detect(text string) []Finding {
	d := m.d
	if d == nil {
		d = defaultDetector
	}
	return d.Detect(text)
}

// redact replaces the findings fs of text with their placeholders.
func (m *Mapping) redact(text string, fs []Finding) string {
	if len(fs) == 0 {
		return text
	}
	if m.entries == nil {
		m.entries = make([]entry, 0, len(fs))
	}
	var b strings.Builder
	b.Grow(len(text) + 8*len(fs))
	last := 0
	lit := literalPlaceholders(text)
	for _, f := range fs {
		b.WriteString(text[last:f.Start])
		b.WriteString(m.placeholder(f, lit))
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// literalPlaceholders returns the placeholder-shaped strings text already
// holds, found in one pass; nil when there are none.
func literalPlaceholders(text string) map[string]bool {
	var lit map[string]bool
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '[')
		if j < 0 {
			break
		}
		i += j
		if e := placeholderEnd(text, i); e > 0 {
			if lit == nil {
				lit = map[string]bool{}
			}
			lit[text[i:e]] = true
			i = e
			continue
		}
		i++
	}
	return lit
}

func (m *Mapping) placeholder(f Finding, lit map[string]bool) string {
	n := 0
	key := valueOf(f.Type, f.Text)
	found := -1
	if m.byPH != nil {
		if i, ok := m.byValue[valueKey{f.Type, key}]; ok {
			found = i
		}
		n = m.last[f.Type]
	} else {
		for i, e := range m.entries {
			if e.t == f.Type {
				if e.key == key {
					found = i
					break
				}
				n = max(n, e.n)
			}
		}
	}
	if found >= 0 {
		e := &m.entries[found]
		if f.Text != e.value && !slices.Contains(e.alt, f.Text) {
			e.alt = append(e.alt, strings.Clone(f.Text))
		}
		return e.ph
	}
	var ph string
	for {
		n++
		ph = "[" + string(f.Type) + "_" + strconv.Itoa(n) + "]"
		if !lit[ph] {
			break
		}
	}
	// Detect's Text is a slice of the caller's text; keep our own copy so
	// the Mapping does not pin a large message.
	m.add(entry{t: f.Type, key: key, value: strings.Clone(f.Text), ph: ph, n: n})
	return ph
}

type valueKey struct {
	t Type
	v string
}

func (m *Mapping) add(e entry) {
	m.entries = append(m.entries, e)
	if m.byPH == nil && len(m.entries) < indexAt {
		return
	}
	if m.byPH == nil {
		m.byPH = make(map[string]int, 2*indexAt)
		m.byValue = make(map[valueKey]int, 2*indexAt)
		m.last = map[Type]int{}
		for i, x := range m.entries[:len(m.entries)-1] {
			m.index(i, x)
		}
	}
	m.index(len(m.entries)-1, e)
}

func (m *Mapping) index(i int, e entry) {
	m.byPH[e.ph] = i
	m.byValue[valueKey{e.t, e.key}] = i
	m.last[e.t] = max(m.last[e.t], e.n)
}

func (m *Mapping) lookup(ph string) (string, bool) {
	if m.byPH != nil {
		if i, ok := m.byPH[ph]; ok {
			return m.entries[i].value, true
		}
		return "", false
	}
	for _, e := range m.entries {
		if e.ph == ph {
			return e.value, true
		}
	}
	return "", false
}

// Restore puts the original values back in place of the placeholders m
// handed out, for instance in the model's answer so that the customer sees
// their own e-mail address. Placeholders m does not know are left as they
// are. A nil Mapping restores nothing.
func (m *Mapping) Restore(text string) string {
	if m == nil || len(m.entries) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '[')
		if j < 0 {
			break
		}
		i += j
		e := placeholderEnd(text, i)
		if e < 0 {
			i++
			continue
		}
		v, ok := m.lookup(text[i:e])
		if !ok {
			i++
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString(v)
		last, i = e, e
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// placeholderEnd returns the end of "[TYPE_N]" starting at i, or -1.
func placeholderEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && (isUpper(s[j]) || s[j] == '_') {
		j++
	}
	if j == i+1 || s[j-1] != '_' {
		return -1
	}
	k := j
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	if k == j || k >= len(s) || s[k] != ']' {
		return -1
	}
	return k + 1
}

// Values returns the original values m holds, in the order first seen,
// every spelling of each: "+34 691 938 592" and "+34691938592" share a
// placeholder and both are listed. Callers use it to check that none of
// them reached a log or a prompt.
func (m *Mapping) Values() []string {
	if m == nil || len(m.entries) == 0 {
		return nil
	}
	out := make([]string, 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, e.value)
		out = append(out, e.alt...)
	}
	return out
}

// Len is the number of distinct values m holds (spellings of one value
// count once).
func (m *Mapping) Len() int {
	if m == nil {
		return 0
	}
	return len(m.entries)
}

// valueOf is what makes two findings the same value, so that they get one
// placeholder: the text normalised (no-break spaces, full-width digits),
// then for identifiers its letters and digits only, upper-cased
// ("+34 691 938 592" = "+34691938592", "529.982.247-25" = "52998224725");
// for e-mail the address case-folded; for names, addresses and dates the
// words lower-cased with Latin accents folded.
func valueOf(t Type, text string) string {
	n, _ := normalise(text)
	switch t {
	case Email:
		return strings.ToLower(n)
	case IP:
		return strings.ToLower(n)
	case Name, Address, DOB:
		return foldWords(n)
	}
	b := make([]byte, 0, len(n))
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case isDigit(c), c >= 'A' && c <= 'Z':
			b = append(b, c)
		case c >= 'a' && c <= 'z':
			b = append(b, c-('a'-'A'))
		}
	}
	if t == Phone && len(b) > 2 && b[0] == '0' && b[1] == '0' {
		b = b[2:] // "0034 ..." is "+34 ..."
	}
	return string(b)
}

// foldWords lower-cases s, folds Latin accents, and joins its words of
// letters and digits with single spaces.
func foldWords(s string) string {
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xC3 && i+1 < len(s) && foldC3(s[i+1]) != 0:
			c = foldC3(s[i+1])
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if space && len(b) > 0 {
					b = append(b, ' ')
				}
				space = false
				b = utf8.AppendRune(b, unicode.ToLower(r))
			} else {
				space = true
			}
			i += size - 1
			continue
		}
		if !isAlnum(c) {
			space = true
			continue
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		b = append(b, c)
	}
	return string(b)
}
