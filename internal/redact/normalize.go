package redact

import (
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Normalisation. Customers (and their keyboards) write "612 345 678" with
// no-break spaces, a CPF with non-breaking hyphens, digits in full width,
// or an e-mail address with a zero-width space inside. Detect matches on a
// copy where those are rewritten to their ASCII forms (what Unicode's NFKC
// does for digits and spaces, and the same for dashes) and invisible
// characters are dropped, then maps every finding back to the exact bytes
// of the original text.

// normRune returns the ASCII byte r stands for, or drop for characters
// that are removed, or keep for the rest.
func normRune(r rune) (b byte, op normOp) {
	switch {
	case r < 0x80:
		return 0, keep
	case r == 0xA0, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F, r == 0x3000, r == 0x1680:
		return ' ', subst // no-break, narrow, figure, thin, ideographic spaces
	case r == 0x200B, r == 0x200C, r == 0x200D, r == 0x2060, r == 0xFEFF, r == 0xAD:
		return 0, drop // zero-width characters and the soft hyphen
	case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFE63, r == 0xFE58:
		return '-', subst // hyphens, the non-breaking hyphen, dashes, minus
	case r == 0x2018, r == 0x2019, r == 0x02BC:
		return '\'', subst // typographic apostrophes: "O’Neill"
	case r >= 0xFF01 && r <= 0xFF5E:
		return byte(r - 0xFEE0), subst // full-width ASCII, as NFKC maps it
	case r >= 0x1D7CE && r <= 0x1D7FF:
		return byte('0' + (r-0x1D7CE)%10), subst // mathematical digits
	case unicode.IsDigit(r):
		// Other scripts' decimal digits (Arabic-Indic, Devanagari...) come
		// in blocks of ten starting at a zero.
		zero := r
		for k := 0; k < 9 && unicode.IsDigit(zero-1); k++ {
			zero--
		}
		return byte('0' + (r-zero)%10), subst
	}
	return 0, keep
}

type normOp uint8

const (
	keep normOp = iota
	subst
	drop
)

// mayNormalise is true for lead bytes of the UTF-8 sequences normRune
// rewrites, so that the common case (ASCII and Latin letters, emoji
// aside) costs one table look-up per byte.
var mayNormalise = func() (t [256]bool) {
	for _, c := range []byte{0xC2, 0xCA, 0xD9, 0xDB, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xEA, 0xEF, 0xF0} {
		t[c] = true
	}
	return t
}()

// normalise returns text rewritten as described above and, when anything
// changed, the map from offsets in the result back to offsets in text
// (for a copied byte, that byte; for a rewritten one, the start of the
// character it came from; len(result) maps to len(text)).
func normalise(text string) (string, *srcMap) {
	first := -1
	for i := 0; i < len(text); i++ {
		// Eight ASCII bytes at a time: most chat text is ASCII.
		for i+8 <= len(text) && ascii8(text[i:i+8]) {
			i += 8
		}
		if i >= len(text) {
			break
		}
		if c := text[i]; c >= 0x80 && mayNormalise[c] {
			r, _ := utf8.DecodeRuneInString(text[i:])
			if _, op := normRune(r); op != keep {
				first = i
				break
			}
		}
	}
	if first < 0 {
		return text, nil
	}
	out := make([]byte, 0, len(text))
	src := &srcMap{}
	out = append(out, text[:first]...)
	for i := first; i < len(text); {
		if c := text[i]; c < 0x80 || !mayNormalise[c] {
			// Copy the run of bytes that stay as they are at once.
			j := i + 1
			for j < len(text) && (text[j] < 0x80 || !mayNormalise[text[j]]) {
				j++
			}
			out = append(out, text[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		b, op := normRune(r)
		switch op {
		case subst:
			src.mark(len(out), i)
			out = append(out, b)
			src.mark(len(out), i+size)
		case keep:
			out = append(out, text[i:i+size]...)
		case drop:
			src.mark(len(out), i+size)
		}
		i += size
	}
	if len(out) == 0 {
		return "", src
	}
	// out is this call's own buffer, referenced nowhere else: the string
	// takes it over instead of copying it.
	return unsafe.String(&out[0], len(out)), src
}

// A srcMap maps offsets in normalised text back to the text. Offsets move
// by a constant between rewritten characters, so it keeps only where the
// difference changes: a byte array as long as the text was most of
// Detect's allocation on a long message with one no-break space.
type srcMap struct {
	at    []int32 // offsets in the normalised text, increasing
	delta []int32 // from at[k] on, the text offset is the offset plus delta[k]
}

// mark says offset o of the normalised text comes from offset i of the
// text, and so do the bytes after it until the next mark.
func (m *srcMap) mark(o, i int) {
	d := int32(i - o)
	if n := len(m.at); n > 0 && m.at[n-1] == int32(o) {
		m.delta[n-1] = d
		if n == 1 && d == 0 || n > 1 && m.delta[n-2] == d {
			m.at, m.delta = m.at[:n-1], m.delta[:n-1]
		}
		return
	}
	if n := len(m.delta); n == 0 && d == 0 || n > 0 && m.delta[n-1] == d {
		return
	}
	m.at = append(m.at, int32(o))
	m.delta = append(m.delta, d)
}

// src is the offset in the text of offset o of the normalised text.
func (m *srcMap) src(o int) int {
	// the last mark at or before o
	lo, hi := 0, len(m.at)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if int(m.at[h]) <= o {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo == 0 {
		return o
	}
	return o + int(m.delta[lo-1])
}

// origSpan maps the span [a, b) of the normalised text n back to text.
func origSpan(text, n string, src *srcMap, a, b int) (int, int) {
	start := src.src(a)
	last := src.src(b - 1)
	if text[last] == n[b-1] {
		return start, last + 1 // a copied byte
	}
	_, size := utf8.DecodeRuneInString(text[last:])
	return start, last + size
}

// ascii8 reports whether the eight bytes of s are all ASCII.
func ascii8(s string) bool {
	_ = s[7]
	// One load: the compiler combines the shifted bytes into a 64-bit read.
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	return x&0x8080808080808080 == 0
}
