package console

// I18nSources are the catalog's English strings whose translation in lang
// differs from them (what a page in lang must not show).
func I18nSources(lang string) map[string]string {
	out := map[string]string{}
	for k, t := range catalog {
		if v := t.in(lang); v != k && !containsRune(k, '%') && !containsRune(k, '|') {
			out[k] = v
		}
	}
	return out
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// TextRuns are the runs of text and translated attribute values of a
// rendered page, as the catalog keys them.
func TextRuns(html string) []string {
	var out []string
	st := &htmlState{seen: func(k string) { out = append(out, k) }}
	localizeHTML([]byte(html), langEN, st)
	return out
}
