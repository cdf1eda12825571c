package console

import (
	"html/template"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// templateRuns lists the catalog keys of every text run, translated
// attribute value and {{or}} literal of every page template.
func templateRuns(t *testing.T) []string {
	t.Helper()
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, x := range pages.Templates() {
		if x.Tree != nil && x.Tree.Root != nil {
			st := startState(x.Name())
			st.seen = func(k string) { seen[k] = true }
			localize(x.Tree.Root, langEN, st)
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestI18nCatalogCovers fails when a template's words have no Spanish or
// Portuguese: a new string in a template must be translated in
// i18n_catalog.go.
func TestI18nCatalogCovers(t *testing.T) {
	runs := templateRuns(t)
	if len(runs) < 200 {
		t.Fatalf("only %d text runs found in the templates: the walk is broken", len(runs))
	}
	for _, k := range append(runs, jsStrings...) {
		tr, ok := catalog[k]
		if !ok || tr.es == "" || tr.pt == "" {
			t.Errorf("no es/pt translation for %q: add it to catalog (i18n_catalog.go)", k)
		}
	}
	t.Logf("%d template text runs, %d catalog entries", len(runs), len(catalog))
}

// TestI18nCatalogWellFormed: translations are text the templates can hold
// (no markup, no quote that would end an attribute) and keep a pattern's
// placeholders.
func TestI18nCatalogWellFormed(t *testing.T) {
	for k, tr := range catalog {
		for _, v := range []string{tr.es, tr.pt} {
			if v == "" {
				t.Errorf("%q: empty translation", k)
			}
			for _, bad := range []string{"<", ">", `"`, "&"} {
				if strings.Contains(v, bad) && !strings.Contains(k, bad) {
					t.Errorf("%q → %q holds %s", k, v, bad)
				}
			}
			for _, verb := range []string{"%s", "%d", "%%"} {
				if strings.Count(v, verb) != strings.Count(k, verb) {
					t.Errorf("%q → %q: %s placeholders differ", k, v, verb)
				}
			}
		}
	}
}

// TestI18nPatterns: a pattern (a key with %s and no other verb) has one
// placeholder; more could never match.
func TestI18nPatterns(t *testing.T) {
	js := map[string]bool{}
	for _, k := range jsStrings {
		js[k] = true // the script fills these itself, every %s in turn
	}
	for k := range catalog {
		if !js[k] && !strings.Contains(k, "%d") && !strings.Contains(k, "%%") && strings.Count(k, "%s") > 1 {
			t.Errorf("%q: a pattern takes one %%s", k)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"": "en", "es-ES,es;q=0.9": "es", "pt-BR,pt;q=0.9,en;q=0.8": "pt", "fr-FR,fr;q=0.9": "en",
		"fr;q=0.9, es;q=0.5, pt;q=0.7": "pt", "de, es;q=0.1": "es", "en-GB, es;q=0.8": "en", "es;q=bad": "en",
	} {
		if got := acceptLanguage(h); got != want {
			t.Errorf("acceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestTranslate(t *testing.T) {
	for _, c := range []struct{ lang, in, want string }{
		{langES, "Inbox", "Bandeja de entrada"},
		{langPT, "Private note by ana", "Nota privada de ana"},
		{langES, "Expires in 30 days", "Caduca en 30 días"}, // the longest pattern wins; its argument is translated too
		{langES, "something a customer wrote", "something a customer wrote"},
		{langEN, "Inbox", "Inbox"},
		{langES, "Not for your role: only an owner may manage owners and admins.", "No es para tu rol: solo un propietario puede gestionar propietarios y administradores."},
		{langPT, "10 business days (+5 business days)", "10 dias úteis (+5 dias úteis)"},
		{langES, "Read metrics (metrics:read)", "Leer métricas (metrics:read)"},
	} {
		if got := translate(c.lang, c.in); got != c.want {
			t.Errorf("translate(%s, %q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}

// TestLocalizeKeepsEscaping: a localized template still escapes what it
// prints, and translates attributes split by actions.
func TestLocalizeKeepsEscaping(t *testing.T) {
	tm := template.Must(template.New("x").Funcs(template.FuncMap{"tr": func(_ string, v any) any { return v }}).Parse(
		`<html lang="en"><p title="Sensitive data">Nobody {{.Who}}</p><form data-confirm="Revoke the token {{.Name}}? Programs using it stop working at once."></form></html>`))
	localize(tm.Tree.Root, langES, &htmlState{})
	var b strings.Builder
	if err := tm.Execute(&b, map[string]string{"Who": "<script>", "Name": `"x"`}); err != nil {
		t.Fatal(err)
	}
	want := `<html lang="es"><p title="Datos sensibles">Nadie &lt;script&gt;</p><form data-confirm="¿Revocar el token &#34;x&#34;? Los programas que lo usan dejarán de funcionar de inmediato."></form></html>`
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
}

// TestI18nScriptWords: every word console.js writes through tr is one the
// page passes a translation of.
func TestI18nScriptWords(t *testing.T) {
	js, err := static.ReadFile("static/console.js")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, s := range jsStrings {
		known[s] = true
	}
	n := 0
	for _, m := range regexp.MustCompile(`\btr\("((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(string(js), -1) {
		n++
		if !known[m[1]] {
			t.Errorf("console.js says %q, which jsStrings (i18n.go) does not list", m[1])
		}
	}
	if n < 8 {
		t.Errorf("found %d tr(…) calls in console.js; the script's words are not passed through tr", n)
	}
}

// TestI18nErrorWords: the refusals the console shows (on the sign-in
// pages, and the API's in the pages' forms) are translated.
func TestI18nErrorWords(t *testing.T) {
	for _, k := range errorKinds {
		if k.msg == "" {
			continue
		}
		if _, ok := catalog[k.msg]; !ok {
			t.Errorf("error message %q has no es/pt translation in the catalog", k.msg)
		}
	}
}
