package redact

import (
	"strings"
	"testing"
	"time"
)

// linearPatterns are inputs built to make a detector backtrack: each is
// repeated to the size under test. "a@" is the probe of issue 9, item 10
// (3 ms at 4 KiB, 34 ms at 16 KiB, 416 ms at 64 KiB before the fix).
var linearPatterns = []string{
	"a@", "a@b.", "a.b@c", "@a", "1 ", "1-", "1.", "+1 ", "(1", "12 34 ", "1\n",
	"ab1 ", "X-1", "ES12 ", "1a ", "a:b:", "March 3 ", "3 de ", "ana@x.com ",
	"12345678Z ", "ñ", "\u00a0", "1\u00a0", "\u200b", "１", "me llamo Ana ", "Ana ",
	"calle Mayor ", "Calle 1 ", "rua ", "12 Main ", "cep ", "SW1A ", "passport ",
	"y termina en ", "cuit 20-", "tres de ", "born in ", "Sr. ", "a nombre de ",
	"Apt 4 ", "cvv ", "placa ", "pix ", "agência ", "[EMAIL_1] ",
}

// timeDetect returns the least time of a few runs of Detect over s, each
// run repeating Detect reps times.
func timeDetect(s string, reps int) time.Duration {
	best := time.Duration(1 << 62)
	for range 3 {
		t0 := time.Now()
		for range reps {
			Detect(s)
		}
		best = min(best, time.Since(t0))
	}
	return best
}

func repeatTo(p string, n int) string {
	return strings.Repeat(p, n/len(p)+1)[:n]
}

// TestLinearTime checks that Detect on 1 MiB costs at most a few thousand
// times Detect on 1 KiB, for every adversarial pattern. Linear code gives
// a ratio near 1,024; quadratic code near a million, so the bound has room
// for a noisy, shared machine and still catches any super-linear path.
func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const small, large = 1 << 10, 1 << 20
	for _, p := range linearPatterns {
		s, l := repeatTo(p, small), repeatTo(p, large)
		ts := timeDetect(s, 256) / 256
		tl := timeDetect(l, 1)
		ratio := float64(tl) / float64(max(ts, time.Microsecond/10))
		if ratio > 4000 {
			// Once more, in case the machine was busy.
			ts = timeDetect(s, 256) / 256
			tl = timeDetect(l, 1)
			ratio = float64(tl) / float64(max(ts, time.Microsecond/10))
		}
		if ratio > 4000 {
			t.Errorf("Detect(%q × 1 MiB) took %v, %.0f× the 1 KiB input (%v); want linear (about 1,024×)", p, tl, ratio, ts)
		}
	}
}

// TestLinearRedact checks the placeholder numbering and Restore stay
// linear when one large text holds many distinct values.
func TestLinearRedact(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		b.WriteString("u")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(string(rune('a' + i/26%26)))
		b.WriteString(string(rune('a' + i/676%26)))
		b.WriteString("@mail.com ")
	}
	big := b.String()
	small := big[:1<<10]
	run := func(s string) time.Duration {
		t0 := time.Now()
		out, m := Redact(s)
		m.Restore(out)
		return time.Since(t0)
	}
	ts := time.Duration(1 << 62)
	for range 20 {
		ts = min(ts, run(small))
	}
	tl := run(big)
	if ratio := float64(tl) / float64(ts); ratio > 4000 {
		t.Errorf("Redact+Restore of 1 MiB with many values took %v, %.0f× 1 KiB (%v); want linear", tl, ratio, ts)
	}
}

// BenchmarkLinear reports Detect's cost per byte at 1 KiB and 1 MiB for
// a few of the adversarial patterns; ns/B should not grow with size.
func BenchmarkLinear(b *testing.B) {
	for _, p := range []string{"a@", "1 ", "ana@x.com ", "me llamo Ana ", "calle Mayor "} {
		for _, n := range []int{1 << 10, 1 << 20} {
			s := repeatTo(p, n)
			b.Run(strings.TrimSpace(strings.ReplaceAll(p, " ", "_"))+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					Detect(s)
				}
			})
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return "1MiB"
	}
	return "1KiB"
}
