package redact

import (
	"strings"
	"testing"
)

// benchInputs are the corpus messages (main and holdout) one per line, and
// the subset with no personal data, which is what most chat traffic is.
func benchInputs(b *testing.B) (all, clean []string) {
	b.Helper()
	t := &testing.T{}
	for _, name := range []string{"corpus.jsonl", "corpus_holdout.jsonl"} {
		for _, l := range loadCorpus(t, name) {
			all = append(all, l.Text)
			if len(l.Spans) == 0 {
				clean = append(clean, l.Text)
			}
		}
	}
	return all, clean
}

func totalLen(ss []string) int64 {
	n := 0
	for _, s := range ss {
		n += len(s)
	}
	return int64(n)
}

// BenchmarkDetect runs Detect over one large text (all messages joined) and
// message by message.
func BenchmarkDetect(b *testing.B) {
	all, clean := benchInputs(b)
	for _, bc := range []struct {
		name string
		msgs []string
	}{
		{"corpus", all},
		{"no_pii", clean},
	} {
		joined := strings.Join(bc.msgs, "\n")
		b.Run(bc.name+"/joined", func(b *testing.B) {
			b.SetBytes(int64(len(joined)))
			b.ReportAllocs()
			n := 0
			// CPU time of this thread, which a loaded machine does not
			// inflate the way it inflates wall time.
			cpu := cpuTime(func() {
				for b.Loop() {
					Detect(joined)
					n++
				}
			})
			b.ReportMetric(float64(n*len(joined))/cpu.Seconds()/(1<<20), "cpu-MiB/s")
		})
		b.Run(bc.name+"/per_message", func(b *testing.B) {
			b.SetBytes(totalLen(bc.msgs))
			b.ReportAllocs()
			for b.Loop() {
				for _, m := range bc.msgs {
					Detect(m)
				}
			}
		})
	}
}

func BenchmarkRedact(b *testing.B) {
	all, _ := benchInputs(b)
	b.SetBytes(totalLen(all))
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range all {
			out, mp := Redact(m)
			mp.Restore(out)
		}
	}
}

func BenchmarkSensitive(b *testing.B) {
	all, _ := benchInputs(b)
	b.SetBytes(totalLen(all))
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range all {
			Sensitive(m)
		}
	}
}
