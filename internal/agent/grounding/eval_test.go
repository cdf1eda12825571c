package grounding

import (
	"bufio"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/trement/trement/internal/agent/knowledge"
)

// TestEvaluation checks model-written answers about the sample shop
// against the passages the retriever gives for their question (as the
// OpenAI provider puts them in the prompt) and for the answer itself (the
// sections that hold the true facts, so that the check, not retrieval, is
// measured), and the question: every invented fact must be caught, and
// grounded answers must pass.
// go test -run TestEvaluation -v prints the figures.
func TestEvaluation(t *testing.T) {
	kb, err := knowledge.New(knowledge.Sample(), knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/answers.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type tally struct{ n, ok int }
	by := map[string]*tally{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 4 {
			t.Fatalf("answers.tsv:%d: want 4 fields", n)
		}
		want, lang, question, answer := p[0], p[1], p[2], p[3]
		sources := []string{question}
		for _, q := range []string{question, answer} {
			for _, ps := range kb.Search(q, lang, 3) {
				sources = append(sources, ps.Text)
			}
		}
		got := Ungrounded(answer, sources...)
		ok := len(got) == 0
		kind, invented := strings.CutPrefix(want, "invented:")
		if invented {
			ok = slices.Contains(Kinds(got), Kind(kind))
		}
		misattributed := strings.HasPrefix(want, "misattributed:")
		if misattributed {
			ok = len(got) > 0
		}
		if by[want] == nil {
			by[want] = &tally{}
		}
		by[want].n++
		switch {
		case ok:
			by[want].ok++
		case misattributed:
			t.Logf("answers.tsv:%d %s (not required): %q passes", n, want, answer)
		default:
			t.Errorf("answers.tsv:%d %s: Ungrounded(%q) = %q", n, want, answer, keys(got))
		}
	}
	names := make([]string, 0, len(by))
	for k := range by {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		what := "caught"
		if k == "grounded" {
			what = "passed"
		}
		t.Logf("%-26s %2d/%2d %s", k, by[k].ok, by[k].n, what)
	}
}

// BenchmarkUngrounded is the check of one answer against three passages
// and a customer message, as the flow runs it: the passages' facts
// remembered by a Memo (BenchmarkUngroundedCold reads them every time).
func BenchmarkUngrounded(b *testing.B) { benchUngrounded(b, &Memo{}) }

func BenchmarkUngroundedCold(b *testing.B) { benchUngrounded(b, nil) }

func benchUngrounded(b *testing.B, m *Memo) {
	kb, err := knowledge.New(knowledge.Sample(), knowledge.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var sources []string
	for _, ps := range kb.Search("how much is shipping", "en", 3) {
		sources = append(sources, ps.Text)
	}
	for b.Loop() {
		m.Ungrounded("Standard shipping is €4.95, free on orders over €50; express 24 h costs €8.95.", sources, "how much is shipping to Madrid?")
	}
}
