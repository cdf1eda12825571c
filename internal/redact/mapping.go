package redact

import (
	"strconv"
	"strings"
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
	byPH    map[string]int
	byValue map[valueKey]int
	last    map[Type]int // highest number handed out per type
}

// indexAt is the number of entries from which lookups go through maps.
const indexAt = 16

type entry struct {
	t     Type
	value string // the original
	ph    string // its placeholder, "[EMAIL_1]"
	n     int    // the number in ph
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
	fs := Detect(text)
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
	if m.byPH != nil {
		if i, ok := m.byValue[valueKey{f.Type, f.Text}]; ok {
			return m.entries[i].ph
		}
		n = m.last[f.Type]
	} else {
		for _, e := range m.entries {
			if e.t == f.Type {
				if e.value == f.Text {
					return e.ph
				}
				n = max(n, e.n)
			}
		}
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
	m.add(entry{t: f.Type, value: strings.Clone(f.Text), ph: ph, n: n})
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
	m.byValue[valueKey{e.t, e.value}] = i
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

// Values returns the original values m holds, in the order first seen.
// Callers use it to check that none of them reached a log or a prompt.
func (m *Mapping) Values() []string {
	if m == nil || len(m.entries) == 0 {
		return nil
	}
	out := make([]string, len(m.entries))
	for i, e := range m.entries {
		out[i] = e.value
	}
	return out
}

// Len is the number of distinct values m holds.
func (m *Mapping) Len() int {
	if m == nil {
		return 0
	}
	return len(m.entries)
}
