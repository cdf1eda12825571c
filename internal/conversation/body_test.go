package conversation

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCapBodyCutsAtWhatsAppsLimitInCharacters(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int // characters kept
		wantCut bool
	}{
		{"short", "hola", 4, false},
		{"exactly the limit, multibyte", strings.Repeat("é", MaxBodyChars), MaxBodyChars, false},
		{"one over", strings.Repeat("a", MaxBodyChars+1), MaxBodyChars, true},
		{"3.6 MB of two-byte characters", strings.Repeat("é", 1_800_000), MaxBodyChars, true},
		{"four-byte characters", strings.Repeat("😀", MaxBodyChars+10), MaxBodyChars, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := CapBody(tt.in)
			if n := utf8.RuneCountInString(got); n != tt.want || cut != tt.wantCut || !utf8.ValidString(got) || !strings.HasPrefix(tt.in, got) {
				t.Errorf("CapBody = %d characters, cut %v (valid %v); want %d, %v, a prefix", n, cut, utf8.ValidString(got), tt.want, tt.wantCut)
			}
		})
	}
}
