package console

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/template/parse"
	"time"
	"unicode"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
)

// # The console's languages
//
// The templates are written in English and stay the one source. At start-up
// New parses them once per language and rewrites each copy's parse tree
// (localize): every run of human text between tags, and every literal
// title, aria-label, placeholder, alt, data-done and data-confirm value, is
// replaced by its translation from the catalog (i18n_catalog.go); <html
// lang> says the language. The Go side's words reach the page through
// fields (a title, a state word, a queue's label…): in the Spanish and
// Portuguese sets an output of such a field ({{.Title}}, {{.StateWord}}…,
// see goSideFields) is piped through tr, which looks the value up in the
// same catalog. html/template escapes the result as it escapes the English.
// The script's words come from a meta tag (jsStrings).
//
// An operator chooses their language (POST /account/language, stored on
// the operator); until they do, and on the sign-in pages, the browser's
// Accept-Language decides, and English otherwise.

// Languages the console speaks.
const (
	langEN = "en"
	langES = "es"
	langPT = "pt"
)

// consoleLanguages in the order the selector offers them, each named in
// its own language.
var consoleLanguages = []struct{ Code, Name string }{
	{langEN, "English"}, {langES, "Español"}, {langPT, "Português"},
}

func knownLanguage(l string) bool {
	for _, x := range consoleLanguages {
		if x.Code == l {
			return true
		}
	}
	return false
}

// acceptLanguage picks the console language an Accept-Language header
// prefers most ("pt-BR,pt;q=0.9,en;q=0.8" → "pt"); English when it names
// none the console speaks.
func acceptLanguage(header string) string {
	best, bestQ := langEN, 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if knownLanguage(primary) && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// translate returns s in lang: the catalog's translation, or a pattern's
// ("Private note by %s"), or s itself when the catalog has none (English,
// or data that is not the console's own words).
func translate(lang, s string) string {
	if lang == langEN || s == "" {
		return s
	}
	key := strings.TrimSpace(s)
	if t, ok := catalog[key]; ok {
		return strings.Replace(s, key, t.in(lang), 1)
	}
	if t, ok := matchPattern(lang, "", key); ok {
		return strings.Replace(s, key, t, 1)
	}
	// "Read metrics (metrics:read)", "10 business days (+5 business
	// days)": the words, and what the brackets hold if it is words too.
	if i := strings.LastIndex(key, " ("); i > 0 && strings.HasSuffix(key, ")") {
		head, inner := key[:i], key[i+2:len(key)-1]
		plus := strings.HasPrefix(inner, "+")
		th, ti := translate(lang, head), translate(lang, strings.TrimPrefix(inner, "+"))
		if th != head {
			if plus {
				ti = "+" + ti
			}
			return strings.Replace(s, key, th+" ("+ti+")", 1)
		}
	}
	return s
}

// translateField is a field's value in lang: the entries keyed by the
// field first ("State|Open", "Status|%s left"), then, unless the field
// holds names or codes (namesFields), the catalog's words.
func translateField(lang, field, v string) string {
	if t, ok := catalog[field+"|"+v]; ok && t.in(lang) != "" {
		return t.in(lang)
	}
	if t, ok := matchPattern(lang, field+"|", v); ok {
		return t
	}
	if namesFields[field] {
		return v
	}
	return translate(lang, v)
}

// matchPattern fills the first pattern under prefix ("" for the
// unkeyed ones) that key matches.
func matchPattern(lang, prefix, key string) (string, bool) {
	for _, p := range catalogPatterns {
		pre, ok := strings.CutPrefix(p.prefix, prefix)
		if !ok || (prefix == "" && strings.Contains(p.prefix, "|")) {
			continue
		}
		if len(key) > len(pre)+len(p.suffix) && strings.HasPrefix(key, pre) && strings.HasSuffix(key, p.suffix) {
			arg := key[len(pre) : len(key)-len(p.suffix)]
			// The argument may be words too ("Expires in 30 days").
			return strings.Replace(p.t.in(lang), "%s", translate(lang, arg), 1), true
		}
	}
	return "", false
}

// translateFormat is a fmt format in lang (exact entries only: "Over
// %d days: …"); its verbs stay in the order of the English.
func translateFormat(lang, format string) string {
	if t, ok := catalog[format]; ok && t.in(lang) != "" {
		return t.in(lang)
	}
	return format
}

// monthNames are the months in Spanish and Portuguese (English uses Go's).
var monthNames = map[string][12]string{
	langES: {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	langPT: {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
}

// dayWords is a date in lang: "2 January 2006" (long) or "Jan 2"; "2 de
// enero de 2006" or "2 ene".
func dayWords(lang string, t time.Time, long bool) string {
	names, ok := monthNames[lang]
	switch {
	case !ok && long:
		return t.Format("2 January 2006")
	case !ok:
		return t.Format("Jan 2")
	}
	m := names[t.Month()-1]
	if long {
		return fmt.Sprintf("%d de %s de %d", t.Day(), m, t.Year())
	}
	return fmt.Sprintf("%d %s", t.Day(), string([]rune(m)[:3]))
}

// translation is an English string in Spanish and Portuguese (Brazil).
type translation struct{ es, pt string }

func (t translation) in(lang string) string {
	switch lang {
	case langES:
		return t.es
	case langPT:
		return t.pt
	}
	return ""
}

type catalogPattern struct {
	prefix, suffix string
	t              translation
}

// catalogPatterns are the catalog's entries with one %s, longest first.
var catalogPatterns = func() []catalogPattern {
	var out []catalogPattern
	for k, t := range catalog {
		if pre, suf, ok := strings.Cut(k, "%s"); ok {
			out = append(out, catalogPattern{pre, suf, t})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := len(out[i].prefix)+len(out[i].suffix), len(out[j].prefix)+len(out[j].suffix); a != b {
			return a > b
		}
		return out[i].prefix < out[j].prefix
	})
	return out
}()

// goSideFields are the fields whose values are the console's own words
// (set in Go), translated with tr where the templates print them.
var goSideFields = map[string]bool{
	"Title": true, "Error": true, "Label": true, "StateWord": true, "TickWord": true, "Who": true,
	"Forwarded": true, "StatusWord": true, "TypeWord": true, "SourceWord": true, "IdentityWord": true,
	"Role": true, "RoleWord": true, "Word": true, "Why": true, "Expiry": true, "DefaultRegion": true,
	"Region": true, "Consent": true, "Language": true,
	// Names of people, translated only by a field-keyed entry
	// ("AssignedTo|(removed operator)"), never as words.
	"AssignedTo": true, "State": true, "To": true, "Blocked": true, "Scope": true, "Status": true,
	"RegionWord": true, "Deadline": true, "Hint": true,
}

// namesFields print names or codes: only their field-keyed catalog
// entries apply ("State|Open": an incident's state; a conversation's state
// is a code in data-state and must stay one, as a message's status is a
// class).
var namesFields = map[string]bool{"AssignedTo": true, "State": true, "Status": true}

// parseLocalized parses the pages once per language and localizes the
// copies; English is the templates as written.
func parseLocalized() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, l := range consoleLanguages {
		lang := l.Code
		t, err := parsePagesWith(template.FuncMap{"tr": func(field string, v any) any {
			rv := reflect.ValueOf(v)
			if !rv.IsValid() || rv.Kind() != reflect.String {
				return v
			}
			return translateField(lang, field, rv.String())
		}})
		if err != nil {
			return nil, err
		}
		if lang != langEN {
			for _, x := range t.Templates() {
				if x.Tree != nil && x.Tree.Root != nil {
					localize(x.Tree.Root, lang, startState(x.Name()))
				}
			}
		}
		out[lang] = t
	}
	return out, nil
}

// pagesFor is the template set of lang (English for an unknown one).
func (s *Server) pagesFor(lang string) *template.Template {
	if t, ok := s.localized[lang]; ok {
		return t
	}
	return s.pages
}

// htmlState is where a text node starts: in text, inside a tag (tag
// names it), or inside a quoted attribute value (quote is its quote).
type htmlState struct {
	inTag bool
	tag   string
	quote byte
	attr  string // the attribute whose value the quote holds
	// seen, if set, is told every run's catalog key (the coverage test).
	seen func(key string)
}

func (st *htmlState) run(lang, s string) string {
	if st.seen != nil {
		if _, key, _ := textRun(s); hasWords(key) {
			st.seen(key)
		}
	}
	return translateRun(lang, s)
}

// startState is where a template's text starts: inside a tag for the
// fragments that are attributes ("field-attrs"), else in text.
func startState(name string) *htmlState {
	return &htmlState{inTag: strings.HasSuffix(name, "-attrs")}
}

// localize translates the text of the tree under n, in document order:
// the state after an {{if}} is the state after its first branch (html/template
// refuses branches that end in different contexts anyway).
func localize(n parse.Node, lang string, st *htmlState) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			localize(c, lang, st)
		}
	case *parse.TextNode:
		n.Text = localizeHTML(n.Text, lang, st)
	case *parse.ActionNode:
		wrapGoSide(n)
		localizeOr(n.Pipe, lang, st)
	case *parse.IfNode:
		localizeBranch(&n.BranchNode, lang, st)
	case *parse.RangeNode:
		localizeBranch(&n.BranchNode, lang, st)
	case *parse.WithNode:
		localizeBranch(&n.BranchNode, lang, st)
	}
}

func localizeBranch(b *parse.BranchNode, lang string, st *htmlState) {
	before := *st
	localize(b.List, lang, st)
	if b.ElseList != nil {
		other := before
		localize(b.ElseList, lang, &other)
	}
}

// wrapGoSide pipes {{.Field}} through tr when Field is a goSideFields:
// {{.Field | tr "Field"}}, so the catalog can key a word by its field
// where one English word is two in another language ("StateWord|Closed").
func wrapGoSide(a *parse.ActionNode) {
	p := a.Pipe
	if p == nil || len(p.Decl) != 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return
	}
	f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
	field := ""
	if ok {
		field = f.Ident[len(f.Ident)-1]
	}
	if !goSideFields[field] {
		return
	}
	p.Cmds = append(p.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: p.Position(),
		Args: []parse.Node{parse.NewIdentifier("tr").SetTree(nil).SetPos(p.Position()),
			&parse.StringNode{NodeType: parse.NodeString, Pos: p.Position(), Quoted: strconv.Quote(field), Text: field}}})
}

// localizeOr translates the literal words of {{or .X "not set"}}.
func localizeOr(p *parse.PipeNode, lang string, st *htmlState) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		if len(c.Args) == 0 {
			continue
		}
		if id, ok := c.Args[0].(*parse.IdentifierNode); !ok || id.Ident != "or" {
			continue
		}
		for _, a := range c.Args[1:] {
			if sn, ok := a.(*parse.StringNode); ok {
				if t := st.run(lang, sn.Text); t != sn.Text {
					sn.Text, sn.Quoted = t, strconv.Quote(t)
				}
			}
		}
	}
}

// translatedAttrs are the attributes whose literal values are words.
var translatedAttrs = map[string]bool{
	"title": true, "aria-label": true, "placeholder": true, "alt": true, "data-done": true, "data-confirm": true,
}

// localizeHTML translates one text node's runs and literal attribute
// values, advancing st across it.
func localizeHTML(b []byte, lang string, st *htmlState) []byte {
	var out bytes.Buffer
	i := 0
	for i < len(b) {
		switch {
		case st.quote != 0: // inside a value begun in an earlier node
			j := bytes.IndexByte(b[i:], st.quote)
			end := i + j
			if j < 0 {
				end = len(b)
			}
			out.WriteString(st.value(lang, string(b[i:end])))
			if j < 0 {
				return out.Bytes()
			}
			out.WriteByte(st.quote)
			i = end + 1
			st.quote, st.attr = 0, ""
		case st.inTag:
			i = localizeTag(b, i, lang, st, &out)
		default:
			j := bytes.IndexByte(b[i:], '<')
			if j < 0 {
				j = len(b) - i
			}
			out.WriteString(st.run(lang, string(b[i:i+j])))
			i += j
			if i >= len(b) {
				break
			}
			switch {
			case bytes.HasPrefix(b[i:], []byte("<!--")):
				k := bytes.Index(b[i:], []byte("-->"))
				if k < 0 {
					k = len(b) - i - 3
				}
				out.Write(b[i : i+k+3])
				i += k + 3
			default:
				k := i + 1
				if k < len(b) && b[k] == '/' {
					k++
				}
				for k < len(b) && b[k] != '>' && b[k] != '/' && !isSpace(b[k]) {
					k++
				}
				st.inTag, st.tag = true, strings.ToLower(strings.TrimPrefix(string(b[i+1:k]), "/"))
				out.Write(b[i:k])
				i = k
			}
		}
	}
	return out.Bytes()
}

// localizeTag reads a tag's attributes from b[i:] up to its end (or the
// node's), translating literal values of translatedAttrs.
func localizeTag(b []byte, i int, lang string, st *htmlState, out *bytes.Buffer) int {
	for i < len(b) {
		c := b[i]
		switch {
		case c == '>':
			out.WriteByte(c)
			st.inTag, st.tag = false, ""
			return i + 1
		case isSpace(c) || c == '/':
			out.WriteByte(c)
			i++
			continue
		}
		k := i
		for k < len(b) && !isSpace(b[k]) && b[k] != '=' && b[k] != '>' {
			k++
		}
		name := strings.ToLower(string(b[i:k]))
		out.Write(b[i:k])
		i = k
		if i >= len(b) || b[i] != '=' {
			continue
		}
		out.WriteByte('=')
		i++
		if i >= len(b) {
			return i
		}
		if q := b[i]; q == '"' || q == '\'' {
			end := bytes.IndexByte(b[i+1:], q)
			if end < 0 { // the value goes on past this node: its pieces
				st.quote, st.attr = q, name
				out.WriteByte(q)
				out.WriteString(st.value(lang, string(b[i+1:])))
				return len(b)
			}
			v := string(b[i+1 : i+1+end])
			switch {
			case st.tag == "html" && name == "lang":
				v = lang
			case translatedAttrs[name]:
				v = st.run(lang, v)
			}
			out.WriteByte(q)
			out.WriteString(v)
			out.WriteByte(q)
			i += end + 2
			continue
		}
		for i < len(b) && !isSpace(b[i]) && b[i] != '>' {
			out.WriteByte(b[i])
			i++
		}
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

// textRun is the part of a run the catalog keys: without the surrounding
// space and a leading "·" separator.
func textRun(s string) (pre, key, post string) {
	key = strings.TrimSpace(s)
	i := strings.Index(s, key)
	pre, post = s[:i], s[i+len(key):]
	if k, ok := strings.CutPrefix(key, "·"); ok {
		k2 := strings.TrimLeftFunc(k, unicode.IsSpace)
		pre += key[:len(key)-len(k2)]
		key = k2
	}
	return pre, key, post
}

// value translates a piece of an attribute value that actions split
// ("Delete {{.Username}} for good?"), if the attribute holds words.
func (st *htmlState) value(lang, s string) string {
	if !translatedAttrs[st.attr] {
		return s
	}
	return st.run(lang, s)
}

// translateRun translates a run of text, keeping its surrounding space.
func translateRun(lang, s string) string {
	pre, key, post := textRun(s)
	if t, ok := catalog[key]; ok && key != "" {
		if tr := t.in(lang); tr != "" {
			return pre + tr + post
		}
	}
	return s
}

// hasWords reports whether a run is words to translate (at least two
// letters together), not punctuation, numbers or a lone symbol.
func hasWords(s string) bool {
	run := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if run++; run >= 2 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// jsStrings are the words the script writes into pages (status lines,
// errors); the page passes their translations in a meta tag.
var jsStrings = []string{
	"%s conversation(s) waiting for a human", "The request failed (%s)", "Done.",
	"Revealed; the reveal and its reason are in the audit log.", "The server could not be reached; try again.",
	"Verifying…", "Verification failed (%s)", "The chain is intact: %s events, %s checkpoints.",
	"The chain is BROKEN at event %s: %s",
}

// jsCatalog is the JSON the script reads its words from in lang ("" in
// English: the script's own words are the English).
func jsCatalog(lang string) string {
	if lang == langEN {
		return ""
	}
	m := map[string]string{}
	for _, k := range jsStrings {
		if t, ok := catalog[k]; ok {
			m[k] = t.in(lang)
		}
	}
	// The API's common refusals, which the script shows as they come.
	for _, k := range errorKinds {
		if t, ok := catalog[k.msg]; ok && k.msg != "" {
			m[k.msg] = t.in(lang)
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

type languageOption struct {
	Code, Name string
	Current    bool
}

func languageOptions(lang string) []languageOption {
	var out []languageOption
	for _, l := range consoleLanguages {
		out = append(out, languageOption{l.Code, l.Name, l.Code == lang})
	}
	return out
}

// browserLanguage is the language the request's Accept-Language prefers
// (the sign-in pages, before there is an operator).
func browserLanguage(r *http.Request) string { return acceptLanguage(r.Header.Get("Accept-Language")) }

// requestLanguage is the language of a request's pages: the operator's
// choice, else the browser's.
func (s *Server) requestLanguage(r *http.Request) string {
	if p := PrincipalFrom(r.Context()); p != nil && p.OperatorID != "" {
		var lang string
		_ = s.db.View(r.Context(), func(tx *store.Tx) (err error) {
			lang, err = tx.OperatorLanguage(p.OperatorID)
			return err
		})
		if knownLanguage(lang) {
			return lang
		}
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// pageLanguagePost records the operator's own choice of language ("" to
// follow the browser again) and goes back to the page they were on. It is
// a change of their own settings, audited as such.
func (s *Server) pageLanguagePost(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("language")
	if lang != "" && !knownLanguage(lang) {
		http.Error(w, "unknown language", http.StatusBadRequest)
		return
	}
	p := PrincipalFrom(r.Context())
	err := s.db.Update(r.Context(), func(tx *store.Tx) error { return tx.SetOperatorLanguage(p.OperatorID, lang) })
	if err == nil {
		err = s.audit(r.Context(), audit.ActionOperatorUpdate, "operator:"+p.OperatorID, audit.Success, "console language: "+cmp.Or(lang, "browser's"))
	}
	if err != nil {
		s.pageError(w, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}

// localPath is back if it is a path on this site, else "/".
func localPath(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		return "/"
	}
	return back
}
