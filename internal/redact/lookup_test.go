package redact

import "testing"

// A filter that misses a word of its list would silently lose findings:
// every list behind a filter must answer for every one of its words.
func TestFiltersHoldTheirLists(t *testing.T) {
	check := func(name string, n int) {
		t.Helper()
		if n == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	check("keywords", len(keywords))
	for w, c := range keywords {
		if got := keywordSet.get([]byte(w)); got != c {
			t.Errorf("keywordSet.get(%q) = %d, want %d", w, got, c)
		}
	}
	check("months", len(months))
	for w, m := range months {
		if got := monthSet.get([]byte(w)); got != m {
			t.Errorf("monthSet.get(%q) = %d, want %d", w, got, m)
		}
	}
	check("gazetteer", len(gazetteer))
	for w, g := range gazetteer {
		if got := gazSet.get([]byte(w)); got != g {
			t.Errorf("gazSet.get(%q) = %d, want %d", w, got, g)
		}
	}
	check("streetSuffix", len(streetSuffix))
	for w := range streetSuffix {
		if !streetSuffixSet.get([]byte(w)) {
			t.Errorf("streetSuffixSet.get(%q) = false, want true", w)
		}
	}
	lexicon() // builds cueFilter
	check("cues", len(cues))
	for p := range cues {
		if !cueFilter.has([]byte(p)) {
			t.Errorf("cueFilter.has(%q) = false, want true", p)
		}
	}
	for p := range cues {
		if ws := splitSpace(p); len(ws) >= 2 && !cueTail(ws[len(ws)-2], ws[len(ws)-1]) {
			t.Errorf("cueTail(%q, %q) = false for the cue %q", ws[len(ws)-2], ws[len(ws)-1], p)
		}
	}
	// A word in no list is not found, whatever its filter bit.
	if got := keywordSet.get([]byte("zzqx")); got != ctxNone {
		t.Errorf("keywordSet.get(%q) = %d, want none", "zzqx", got)
	}
}

// The fast paths (words of letters in the number pass, numberFirst's
// look for a suffix ahead) must still hand over what the full reading
// finds.
func TestFastPathsHandOver(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"nací March 3, 1990 en Lima", "DOB:March 3, 1990"},
		{"nie X-1234567-L ok", "NIE:X-1234567-L"},
		{"from fe80::1 again", "IP:fe80::1"},
		{"iban ES9121000418450200051332 ok", "IBAN:ES9121000418450200051332"},
		{"ship to 221B Baker Street, London", "ADDRESS:221B Baker Street"},
		{"1600 Pennsylvania Avenue NW please", "ADDRESS:1600 Pennsylvania Avenue NW"},
		{"send it to 350 5th Ave Apt 4 thanks", "ADDRESS:350 5th Ave Apt 4"},
		{"i live at 12 Main St. now", "ADDRESS:12 Main St."},
		{"deliver to 40 O'Connell Street", "ADDRESS:40 O'Connell Street"},
		{"10 Downing\tStreet", "ADDRESS:10 Downing\tStreet"},
	} {
		var got []string
		for _, f := range Detect(tc.in) {
			got = append(got, string(f.Type)+":"+f.Text)
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("Detect(%q) = %v, want [%s]", tc.in, got, tc.want)
		}
	}
}

// Detect on a message with nothing to report allocates nothing: the
// scanner stays on the stack (a func value handed its buffer once moved
// it to the heap, one allocation per message).
func TestDetectCleanMessageAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes what allocates")
	}
	in := "hola, el pedido 4417-2291 llega el martes? Gracias! me llamo por la tarde"
	if n := testing.AllocsPerRun(100, func() { Detect(in) }); n != 0 {
		t.Errorf("Detect(%q) allocates %v times, want 0", in, n)
	}
}
