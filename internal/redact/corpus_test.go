package redact

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var showErrors = flag.Bool("corpus.errors", false, "log every false positive and false negative on the main corpus")

// Gates on the main corpus. The holdout is reported, never gated: it is the
// honest estimate of how the tuned detector does on sentences it was not
// tuned on.
const (
	minPrecision = 0.95
	minRecall    = 0.90
)

type prf struct{ tp, fp, fn int }

func (c prf) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c prf) recall() float64    { return ratio(c.tp, c.tp+c.fn) }
func (c prf) f1() float64 {
	p, r := c.precision(), c.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func loadCorpus(t *testing.T, name string) []corpusLine {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []corpusLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l corpusLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s:%d: %v", name, len(lines)+1, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// score matches findings to labels as multisets of (type, text).
func score(lines []corpusLine, logf func(format string, args ...any)) (map[Type]*prf, prf) {
	per := map[Type]*prf{}
	get := func(t Type) *prf {
		if per[t] == nil {
			per[t] = &prf{}
		}
		return per[t]
	}
	var all prf
	for _, l := range lines {
		want := map[corpusSpan]int{}
		for _, sp := range l.Spans {
			want[sp]++
		}
		for _, f := range Detect(l.Text) {
			sp := corpusSpan{f.Type, f.Text}
			if want[sp] > 0 {
				want[sp]--
				get(f.Type).tp++
				all.tp++
				continue
			}
			get(f.Type).fp++
			all.fp++
			if logf != nil {
				logf("FP %s %q in %q", f.Type, f.Text, l.Text)
			}
		}
		for sp, n := range want {
			for range n {
				get(sp.Type).fn++
				all.fn++
				if logf != nil {
					logf("FN %s %q in %q", sp.Type, sp.Text, l.Text)
				}
			}
		}
	}
	return per, all
}

func table(per map[Type]*prf, all prf) string {
	var b strings.Builder
	types := make([]string, 0, len(per))
	for t := range per {
		types = append(types, string(t))
	}
	sort.Strings(types)
	b.WriteString("| type | support | TP | FP | FN | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, c prf) {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.3f | %.3f | %.3f |\n", name, c.tp+c.fn, c.tp, c.fp, c.fn, c.precision(), c.recall(), c.f1())
	}
	for _, t := range types {
		row(t, *per[Type(t)])
	}
	row("**all**", all)
	return b.String()
}

func TestCorpus(t *testing.T) {
	lines := loadCorpus(t, "corpus.jsonl")
	if len(lines) < 600 {
		t.Errorf("len(corpus.jsonl) = %d lines, want >= 600", len(lines))
	}
	var logf func(string, ...any)
	if *showErrors {
		logf = t.Logf
	}
	per, all := score(lines, logf)
	fl, cl := cleanFlagged(lines)
	t.Logf("main corpus, %d messages, %d with no personal data (%d flagged):\n%s", len(lines), cl, fl, table(per, all))
	if float64(fl) > 0.01*float64(cl) {
		t.Errorf("%d of %d clean messages flagged, want <= 1%%", fl, cl)
	}
	if p := all.precision(); p < minPrecision {
		t.Errorf("precision(corpus.jsonl) = %.3f, want >= %.2f", p, minPrecision)
	}
	if r := all.recall(); r < minRecall {
		t.Errorf("recall(corpus.jsonl) = %.3f, want >= %.2f", r, minRecall)
	}
}

// TestHoldout reports, and does not gate on, the held-out corpus. It never
// prints individual errors: reading them would turn the holdout into
// training data.
func TestHoldout(t *testing.T) {
	lines := loadCorpus(t, "corpus_holdout.jsonl")
	per, all := score(lines, nil)
	t.Logf("holdout corpus, %d messages:\n%s", len(lines), table(per, all))
}

// TestHardSet reports, and does not gate on, testdata/corpus_hard.jsonl:
// about a hundred messages written by hand with literal values after the
// detector existed, aimed at its weak spots (odd formatting, typos in
// context words, look-alike numbers). It keeps the template-generated
// corpora honest about what they cannot show.
func TestHardSet(t *testing.T) {
	lines := loadCorpus(t, "corpus_hard.jsonl")
	var logf func(string, ...any)
	if *showErrors {
		logf = t.Logf
	}
	per, all := score(lines, logf)
	t.Logf("hard set, %d messages:\n%s", len(lines), table(per, all))
}

// cleanFlagged is the share of messages with no labeled span in which
// Detect finds anything.
func cleanFlagged(lines []corpusLine) (flagged, clean int) {
	for _, l := range lines {
		if len(l.Spans) > 0 {
			continue
		}
		clean++
		if len(Detect(l.Text)) > 0 {
			flagged++
		}
	}
	return flagged, clean
}

// TestFreeform reports testdata/corpus_freeform.jsonl: 309 messages in
// en/es/pt written by hand, one by one, not from templates, with the new
// types (names, addresses, postal codes, passports, CUIT, CBU, CLABE, RG,
// Pix keys, bank accounts, plates, CVV, split and Unicode-spaced values).
// It gates the goals of issue 16 for names, addresses and postal codes.
func TestFreeform(t *testing.T) {
	lines := loadCorpus(t, "corpus_freeform.jsonl")
	if len(lines) < 300 {
		t.Errorf("len(corpus_freeform.jsonl) = %d, want >= 300", len(lines))
	}
	var logf func(string, ...any)
	if *showErrors {
		logf = t.Logf
	}
	per, all := score(lines, logf)
	fl, cl := cleanFlagged(lines)
	t.Logf("free-form corpus, %d messages, %d with no personal data (%d flagged):\n%s", len(lines), cl, fl, table(per, all))
	for _, typ := range []Type{Name, Address, Postal} {
		c := per[typ]
		if c == nil {
			t.Errorf("no %s in the free-form corpus", typ)
			continue
		}
		if c.precision() < freeformGoal || c.recall() < freeformGoal {
			t.Errorf("%s: precision %.3f, recall %.3f; want both >= %.2f", typ, c.precision(), c.recall(), freeformGoal)
		}
	}
}

// freeformGoal is issue 16's bar for names, addresses and postal codes.
const freeformGoal = 0.90

// TestUnseen reports, and does not gate on, testdata/corpus_unseen.jsonl:
// 60 messages written by hand after the detector was tuned on the
// free-form corpus, and measured once; its errors are never printed, so
// that it stays unseen.
func TestUnseen(t *testing.T) {
	lines := loadCorpus(t, "corpus_unseen.jsonl")
	per, all := score(lines, nil)
	fl, cl := cleanFlagged(lines)
	t.Logf("unseen corpus, %d messages, %d with no personal data (%d flagged):\n%s", len(lines), cl, fl, table(per, all))
}
