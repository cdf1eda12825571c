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

// costRatio returns how many times more CPU time Detect (or f) takes on
// large than on small, the small input being run len(large)/len(small)
// times so that both measure about as much work. It tries again, up to
// three times, while the ratio is above bound, and keeps the best.
func costRatio(f func(string), small, large string, bound float64) (float64, time.Duration, time.Duration) {
	reps := len(large) / len(small)
	best := 1e18
	var bs, bl time.Duration
	for try := 0; try < 3 && best > bound; try++ {
		ts := cpuTime(func() {
			for range reps {
				f(small)
			}
		})
		tl := cpuTime(func() { f(large) })
		if r := float64(tl) / float64(max(ts, time.Microsecond)) * float64(reps); r < best {
			best, bs, bl = r, ts/time.Duration(reps), tl
		}
	}
	return best, bs, bl
}

func repeatTo(p string, n int) string {
	return strings.Repeat(p, n/len(p)+1)[:n]
}

func detectOnly(s string) { Detect(s) }

// TestLinearTime checks that Detect on 1 MiB costs at most a few thousand
// times Detect on 1 KiB, for every adversarial pattern, in CPU time.
// Linear code gives about 1,024 (a little more: 1 MiB does not stay in
// cache); the old "a@" path gave about 1,000,000, and even n^1.25 would
// give 5,800, so the bound of 3,000 catches any super-linear path.
func TestLinearTime(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test")
	}
	const small, large = 1 << 10, 1 << 20
	for _, p := range linearPatterns {
		ratio, ts, tl := costRatio(detectOnly, repeatTo(p, small), repeatTo(p, large), 3000)
		t.Logf("%-16q 1 KiB %8v, 1 MiB %8v of CPU: %5.0f×", p, ts, tl, ratio)
		if ratio > 3000 {
			t.Errorf("Detect(%q × 1 MiB) took %v of CPU, %.0f× the 1 KiB input (%v); want linear (about 1,024×)", p, tl, ratio, ts)
		}
	}
}

// TestLinearRedact checks the placeholder numbering and Restore stay
// linear when one large text holds many distinct values. Maps of tens of
// thousands of values miss the cache, so this compares 128 KiB with
// 1 MiB (×8): linear gives about 8-12, quadratic about 64.
func TestLinearRedact(t *testing.T) {
	if testing.Short() || raceEnabled {
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
	run := func(s string) {
		out, m := Redact(s)
		m.Restore(out)
	}
	ratio, ts, tl := costRatio(run, big[:1<<17], big, 25)
	if ratio > 25 {
		t.Errorf("Redact+Restore of 1 MiB with many values took %v, %.0f× 128 KiB (%v); want linear (about 8×)", tl, ratio, ts*8)
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
