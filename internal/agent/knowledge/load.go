package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// article is one loaded knowledge article or FAQ entry.
type article struct {
	id, title, lang string
	tags            []string
	faq             bool
	sections        []section
	file            string
}

type section struct {
	heading string
	body    string // Markdown, light
}

// loadDir reads every article, FAQ file, synonyms.txt and neutral.txt
// under fsys.
// Markdown files (.md) are articles; .yaml/.yml files hold FAQ entries;
// other files are ignored.
func loadDir(fsys fs.FS) (arts []article, synonyms [][]string, neutral []string, err error) {
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		if ext != ".md" && ext != ".yaml" && ext != ".yml" && path.Base(p) != "synonyms.txt" && path.Base(p) != "neutral.txt" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(data), "\r\n", "\n")
		switch {
		case path.Base(p) == "synonyms.txt":
			synonyms = append(synonyms, parseSynonyms(text)...)
		case path.Base(p) == "neutral.txt":
			for _, line := range strings.Split(text, "\n") {
				if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
					neutral = append(neutral, parseList(l)...)
				}
			}
		case ext == ".md":
			a, err := parseArticle(text)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			a.file = p
			arts = append(arts, a)
		default:
			faqs, err := parseFAQ(text, strings.TrimSuffix(path.Base(p), path.Ext(p)))
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			for i := range faqs {
				faqs[i].file = p
			}
			arts = append(arts, faqs...)
		}
		return nil
	})
	return arts, synonyms, neutral, err
}

// parseArticle reads a Markdown article with a front-matter block:
//
//	---
//	id: returns
//	title: Returns
//	lang: en
//	tags: return, refund, [or a flow list]
//	---
//	## How do I return an item?
//	...
//
// id and lang are required; title defaults to the first "# " heading.
// The body is split into sections at "#" and "##" headings.
func parseArticle(text string) (article, error) {
	var a article
	rest, ok := strings.CutPrefix(text, "---\n")
	if !ok {
		return a, errors.New("missing front-matter (--- block)")
	}
	fm, body, ok := strings.Cut(rest, "\n---")
	if !ok {
		return a, errors.New("unterminated front-matter")
	}
	body = strings.TrimPrefix(strings.TrimLeft(body, "-"), "\n")
	for n, line := range strings.Split(fm, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return a, fmt.Errorf("front-matter line %d: want key: value", n+1)
		}
		v = unquote(strings.TrimSpace(v))
		switch strings.TrimSpace(strings.ToLower(k)) {
		case "id":
			a.id = v
		case "title":
			a.title = v
		case "lang", "language":
			a.lang = strings.ToLower(v)
		case "tags", "keywords":
			a.tags = parseList(v)
		}
	}
	if a.id == "" {
		return a, errors.New("front-matter: missing id")
	}
	var cur *section
	var buf []string
	flush := func() {
		b := strings.TrimSpace(strings.Join(buf, "\n"))
		if cur != nil && (b != "" || cur.heading != "") {
			cur.body = b
			a.sections = append(a.sections, *cur)
		} else if cur == nil && b != "" {
			a.sections = append(a.sections, section{body: b})
		}
		buf = buf[:0]
	}
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if h, ok := strings.CutPrefix(t, "# "); ok && a.title == "" && cur == nil && len(buf) == 0 {
			a.title = strings.TrimSpace(h)
			continue
		}
		if strings.HasPrefix(t, "#") {
			h := strings.TrimSpace(strings.TrimLeft(t, "#"))
			flush()
			cur = &section{heading: h}
			continue
		}
		buf = append(buf, line)
	}
	flush()
	if a.title == "" {
		a.title = a.id
	}
	if len(a.sections) == 0 {
		return a, errors.New("empty article")
	}
	return a, nil
}

// parseFAQ reads the small YAML subset FAQ files use:
//
//	lang: en          # top-level keys: lang, tags
//	faqs:
//	  - id: gift-cards
//	    question: Do you sell gift cards?
//	    tags: [gift, voucher]
//	    answer: |
//	      Yes...
//
// Values may be plain, 'single' or "double" quoted, flow lists [a, b], or
// block scalars introduced by | or > (with optional - or +). Anchors,
// nested maps and multi-document streams are not supported. Entries without
// an id get "<file>-<n>".
func parseFAQ(text, base string) ([]article, error) {
	lines := strings.Split(text, "\n")
	var (
		lang    string
		tags    []string
		entries []map[string]string
		cur     map[string]string
		curInd  int
	)
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") || t == "---" {
			continue
		}
		ind := len(raw) - len(strings.TrimLeft(raw, " "))
		if strings.HasPrefix(raw[ind:], "\t") {
			return nil, fmt.Errorf("line %d: tabs are not allowed for indentation", i+1)
		}
		keyInd := ind
		if t == "-" || strings.HasPrefix(t, "- ") {
			cur = map[string]string{}
			entries = append(entries, cur)
			curInd = ind
			t = strings.TrimSpace(strings.TrimPrefix(t, "-"))
			keyInd = ind + 2
			if t == "" {
				continue
			}
		}
		k, v, ok := cutKey(t)
		if !ok {
			return nil, fmt.Errorf("line %d: want key: value", i+1)
		}
		if v == "|" || v == ">" || v == "|-" || v == ">-" || v == "|+" || v == ">+" {
			var block []string
			j := i + 1
			for ; j < len(lines); j++ {
				l := lines[j]
				if strings.TrimSpace(l) != "" && len(l)-len(strings.TrimLeft(l, " ")) <= keyInd {
					break
				}
				block = append(block, l)
			}
			i = j - 1
			v = blockScalar(block, v[0] == '>')
		} else {
			v = unquote(v)
		}
		switch {
		case cur != nil && ind > curInd || (cur != nil && keyInd > curInd):
			cur[k] = v
		case ind == 0:
			switch k {
			case "lang", "language":
				lang = strings.ToLower(v)
			case "tags", "keywords":
				tags = parseList(v)
			}
			cur = nil
		default:
			return nil, fmt.Errorf("line %d: unexpected indentation", i+1)
		}
	}
	var arts []article
	for n, e := range entries {
		q := first(e, "question", "q")
		ans := first(e, "answer", "a")
		if q == "" || ans == "" {
			return nil, fmt.Errorf("entry %d: question and answer are required", n+1)
		}
		a := article{
			id:       first(e, "id"),
			title:    q,
			lang:     strings.ToLower(first(e, "lang", "language")),
			tags:     append(append([]string(nil), tags...), parseList(first(e, "tags", "keywords"))...),
			faq:      true,
			sections: []section{{heading: q, body: strings.TrimSpace(ans)}},
		}
		if a.id == "" {
			a.id = base + "-" + strconv.Itoa(n+1)
		}
		if a.lang == "" {
			a.lang = lang
		}
		arts = append(arts, a)
	}
	return arts, nil
}

// cutKey splits "key: value", ignoring a trailing " # comment" on plain values.
func cutKey(t string) (k, v string, ok bool) {
	k, v, ok = strings.Cut(t, ":")
	if !ok || strings.ContainsAny(k, " \t\"'") && !strings.HasPrefix(k, "\"") {
		return "", "", false
	}
	v = strings.TrimSpace(v)
	if v != "" && v[0] != '"' && v[0] != '\'' {
		if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
	}
	return strings.ToLower(strings.TrimSpace(k)), v, true
}

// blockScalar joins the lines of a | (literal) or > (folded) block,
// removing the indentation of its first line.
func blockScalar(lines []string, folded bool) string {
	ind := -1
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			ind = len(l) - len(strings.TrimLeft(l, " "))
			break
		}
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if len(l) >= ind && ind >= 0 {
			l = l[ind:]
		} else {
			l = strings.TrimSpace(l)
		}
		out = append(out, strings.TrimRight(l, " "))
	}
	if !folded {
		return strings.TrimSpace(strings.Join(out, "\n"))
	}
	var b strings.Builder
	for i, l := range out {
		switch {
		case l == "":
			b.WriteString("\n")
		case i > 0 && out[i-1] != "":
			b.WriteString(" " + l)
		default:
			b.WriteString(l)
		}
	}
	return strings.TrimSpace(b.String())
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v
}

// parseList reads "a, b" or "[a, 'b', c]".
func parseList(v string) []string {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = unquote(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func first(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

// parseSynonyms reads one comma-separated group per line; # starts a comment.
func parseSynonyms(text string) [][]string {
	var groups [][]string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if g := parseList(line); len(g) > 1 {
			groups = append(groups, g)
		}
	}
	return groups
}
