package redact

import (
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TestNormRuneMatchesNFKC: wherever NFKC maps a character to one ASCII
// digit, letter, space or punctuation mark, normRune maps it to the same
// byte (the dashes and apostrophes normRune adds are beyond NFKC).
func TestNormRuneMatchesNFKC(t *testing.T) {
	checked := 0
	for r := rune(0x80); r <= 0x1FFFF; r++ {
		b, op := normRune(r)
		k := norm.NFKC.String(string(r))
		nfkcASCII := len(k) == 1 && k[0] < 0x80
		// NFKC maps these to a digit; normRune must agree.
		if nfkcASCII && (k[0] >= '0' && k[0] <= '9' || k[0] == ' ') && unicode.IsDigit(r) == (k[0] != ' ') {
			if op != subst || b != k[0] {
				t.Errorf("normRune(%U) = %q, %d; NFKC gives %q", r, b, op, k)
			}
			checked++
		}
		if op == subst && nfkcASCII && b != k[0] && b != '-' && b != '\'' {
			t.Errorf("normRune(%U) = %q; NFKC gives %q", r, b, k)
		}
		if op == subst && unicode.IsDigit(r) && !(b >= '0' && b <= '9') {
			t.Errorf("normRune(%U) = %q for a digit", r, b)
		}
	}
	if checked < 50 {
		t.Errorf("only %d characters checked against NFKC", checked)
	}
}
