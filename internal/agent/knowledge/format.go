package knowledge

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	mdBold   = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	mdUnder  = regexp.MustCompile(`__([^_\n]+)__`)
	mdLink   = regexp.MustCompile(`\[([^\]\n]+)\]\(([^)\s]+)\)`)
	mdCode   = regexp.MustCompile("`([^`\n]+)`")
	manyNL   = regexp.MustCompile(`\n{3,}`)
	sentence = regexp.MustCompile(`[.!?…](\s|$)`)
)

// whatsApp rewrites the light Markdown of articles into WhatsApp's own
// formatting: *bold*, _italic_, bullets as "•", links as "text (url)".
func whatsApp(md string) string {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "#"):
			t = "*" + strings.TrimSpace(strings.TrimLeft(t, "#")) + "*"
		case strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "), strings.HasPrefix(t, "+ "):
			t = "• " + strings.TrimSpace(t[2:])
		}
		lines[i] = t
	}
	s := strings.Join(lines, "\n")
	s = mdBold.ReplaceAllString(s, "*$1*")
	s = mdUnder.ReplaceAllString(s, "_${1}_")
	s = mdLink.ReplaceAllString(s, "$1 ($2)")
	s = mdCode.ReplaceAllString(s, "$1")
	return strings.TrimSpace(manyNL.ReplaceAllString(s, "\n\n"))
}

// format renders passages of one article as a WhatsApp answer: the article
// title in bold (FAQ answers stand alone), the passages, trimmed to
// MaxChars.
func (a *Agent) format(docs []int) string {
	var parts []string
	for _, i := range docs {
		parts = append(parts, a.ix.docs[i].wa)
	}
	body := strings.Join(parts, "\n\n")
	if d := a.ix.docs[docs[0]]; !d.art.faq {
		body = "*" + d.art.title + "*\n" + body
	}
	return trim(body, a.opts.MaxChars)
}

// trim cuts s to at most limit characters (runes), at the last line break or
// sentence end that keeps at least half of it, and marks the cut with "…".
func trim(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	cut := s
	n := 0
	for i := range s {
		if n == limit-1 {
			cut = s[:i]
			break
		}
		n++
	}
	end := strings.LastIndex(cut, "\n")
	for _, m := range sentence.FindAllStringIndex(cut, -1) {
		end = max(end, m[0]+1)
	}
	if end >= len(cut)/2 {
		cut = cut[:end]
	}
	return strings.TrimSpace(cut) + "…"
}
