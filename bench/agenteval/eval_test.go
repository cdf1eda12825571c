package main

import (
	"io"
	"testing"

	"github.com/trement/trement/internal/intent"
)

// TestEvaluationFloors keeps the measured figures from sliding back: floors
// a little under what BENCHMARKS.md reports, not the goals (see there).
func TestEvaluationFloors(t *testing.T) {
	outs, err := evaluate("tune", "dev", "test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9", "test10", "test11", "test12", "test13", "test14", "test15", "test16", "test17", "test18")
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) < 150 {
		t.Fatalf("evaluation set has %d questions, want at least 150", len(outs))
	}
	by := report(io.Discard, outs, false)
	all, test, test2, test3, test4, test5 := by["all"], by["test"], by["test2"], by["test3"], by["test4"], by["test5"]
	if float64(all.lang) < 0.98*float64(all.n) {
		t.Errorf("right language %d/%d, want ≥ 98 %%", all.lang, all.n)
	}
	if float64(test.fact) < 0.8*float64(test.topic) {
		t.Errorf("key fact on the test split %d/%d, want ≥ 80 %%", test.fact, test.topic)
	}
	if float64(test2.fact) < 0.65*float64(test2.topic) {
		t.Errorf("key fact on the test2 split %d/%d, want ≥ 65 %%", test2.fact, test2.topic)
	}
	if float64(test3.fact) < 0.75*float64(test3.topic) {
		t.Errorf("key fact on the test3 split %d/%d, want ≥ 75 %%", test3.fact, test3.topic)
	}
	if float64(test4.fact) < 0.7*float64(test4.topic) {
		t.Errorf("key fact on the test4 split %d/%d, want ≥ 70 %%", test4.fact, test4.topic)
	}
	if float64(test5.fact) < 0.8*float64(test5.topic) {
		t.Errorf("key fact on the test5 split %d/%d, want ≥ 80 %%", test5.fact, test5.topic)
	}
	// test4's two wrong answers (a deadline, a shoe "número") were fixed
	// by the cues of sense.go (see BENCHMARKS.md §5a): none in the older
	// splits, none in test6–test12 since the lexicon; test13's one ("can i
	// call you?" got the stores: the street name "Calle") and test14's four
	// since names are not stemmed and the rules of BENCHMARKS.md §5a's
	// fourth round. None anywhere now.
	if n := by["old"].wrong; n > 0 {
		t.Errorf("%d wrong confident answers in the older splits, want none, as measured", n)
	}
	for split, floor := range map[string]struct {
		fact  float64
		wrong int
	}{"test6": {0.95, 0}, "test7": {0.9, 0}, "test8": {0.78, 0}, "test9": {0.8, 0}, "test10": {0.8, 0}, "test11": {0.85, 0}, "test12": {0.85, 0}, "test13": {0.95, 0}, "test14": {0.88, 0}, "test15": {0.88, 0}, "test16": {0.83, 0}, "test17": {0.77, 0}, "test18": {0.89, 4}} {
		s := by[split]
		if float64(s.fact) < floor.fact*float64(s.topic) {
			t.Errorf("key fact on the %s split %d/%d, want ≥ %.0f %%", split, s.fact, s.topic, 100*floor.fact)
		}
		if s.wrong > floor.wrong {
			t.Errorf("%d wrong confident answers in %s, want at most the %d measured", s.wrong, split, floor.wrong)
		}
	}
	// Every request for a person is handed over, and no other message is
	// read as one (the fifth round's grammar, BENCHMARKS.md §5a), but for
	// the ones measured missed on a hold-out, listed in missedPerson until
	// the grammar reads them.
	missedPerson := map[string]bool{} // none since the seventh round
	for _, o := range outs {
		human := o.q.articles[0] == "human"
		if human && !o.handoff && !missedPerson[o.q.text] {
			t.Errorf("%s: %q is a request for a person, not handed over", o.q.split, o.q.text)
		}
		if !human && intent.Parse(o.q.text).Kind == intent.Human {
			t.Errorf("%s: %q read as a request for a person", o.q.split, o.q.text)
		}
	}
	langs := map[string]int{}
	for _, o := range outs {
		langs[o.q.lang]++
		if o.q.region != o.q.lang {
			langs["other-region"]++
		}
	}
	for _, k := range []string{"en", "es", "pt", "other-region"} {
		if langs[k] < 15 {
			t.Errorf("%s questions: %d, want at least 15", k, langs[k])
		}
	}
}
