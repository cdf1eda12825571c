// Command agenteval measures the built-in knowledge agent the way a
// customer meets it: each question of eval.tsv goes through language
// detection (internal/language, then the command parser's guess, then the
// number's region language) and the knowledge agent with the product's
// default confidence threshold, and the answer is checked for the key fact,
// the language, wrong confident answers and hand-overs. It prints a
// Markdown report for BENCHMARKS.md.
//
//	go run ./bench/agenteval [-v] [-splits a,b] [-file questions.tsv]
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/agent/knowledge"
	"github.com/trement/trement/internal/intent"
	"github.com/trement/trement/internal/language"
	"github.com/trement/trement/internal/redact"
)

//go:embed eval.tsv
var evalTSV []byte

// confidence is the product's default TREMENT_AGENT_CONFIDENCE.
const confidence = 0.35

type question struct {
	split, region, lang string
	articles, facts     []string // "-": off-topic; "human": a request for a person
	text                string
}

func parse(data []byte) ([]question, error) {
	var qs []question
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("eval.tsv:%d: %d fields, want 6", n, len(f))
		}
		qs = append(qs, question{split: f[0], region: f[1], lang: f[2], articles: strings.Split(f[3], "|"), facts: strings.Split(f[4], "|"), text: f[5]})
	}
	return qs, sc.Err()
}

// outcome of one question.
type outcome struct {
	q                                   question
	lang                                string // the reply's language
	answered                            bool   // a confident answer from an article
	article, text                       string
	fact, rightLang, wrong, handoff, ok bool
	latency                             time.Duration
}

func norm(s string) string {
	s = strings.ToLower(s)
	r := strings.NewReplacer("á", "a", "à", "a", "â", "a", "ã", "a", "é", "e", "ê", "e", "í", "i", "ó", "o", "ô", "o", "õ", "o", "ú", "u", "ç", "c", "ñ", "n",
		"–", "-", "—", "-", ",", ".", "*", "", " %", "%", "\u00a0%", "%", "\u00a0", " ")
	return r.Replace(s)
}

func run(ctx context.Context, kb *knowledge.Agent, q question) outcome {
	o := outcome{q: q}
	start := time.Now()
	match := intent.Parse(q.text)
	o.lang = language.Detect(q.text)
	if o.lang == "" {
		o.lang = match.Language
	}
	if o.lang == "" {
		o.lang = q.region
	}
	switch {
	case match.Kind == intent.Human:
		o.handoff = true
	case len(redact.Sensitive(q.text)) > 0:
		o.handoff = true
	default:
		r, err := kb.Reply(ctx, agent.Request{Language: o.lang, Message: q.text, BusinessName: "Tienda Aurora"})
		if err != nil {
			panic(err)
		}
		if !r.Unsure && r.Confidence >= confidence && (len(r.Sources) > 0 || r.Text != "") {
			o.answered, o.text = true, r.Text
			if len(r.Sources) > 0 {
				o.article = r.Sources[0]
			}
		}
	}
	o.latency = time.Since(start)
	o.rightLang = o.lang == q.lang
	if o.answered {
		if d := language.Detect(o.text); d != "" && d != q.lang {
			o.rightLang = false
		}
	}
	switch q.articles[0] {
	case "-":
		o.ok = !o.answered && !o.handoff
		o.wrong = o.answered
	case "human":
		o.ok = o.handoff
	default:
		for _, f := range q.facts {
			if o.answered && strings.Contains(norm(o.text), norm(f)) {
				o.fact = true
			}
		}
		o.ok = o.fact
		o.wrong = o.answered && !o.fact && !slices.Contains(q.articles, o.article)
	}
	return o
}

type tally struct {
	n, topic, fact, unsure, wrong, lang, handoff, offTopic, offOK int
	lat                                                           []time.Duration
}

func (t *tally) add(o outcome) {
	t.n++
	t.lat = append(t.lat, o.latency)
	if o.rightLang {
		t.lang++
	}
	if o.handoff {
		t.handoff++
	}
	if o.wrong {
		t.wrong++
	}
	switch o.q.articles[0] {
	case "-":
		t.offTopic++
		if o.ok {
			t.offOK++
		}
	case "human":
	default:
		t.topic++
		if o.fact {
			t.fact++
		}
		if !o.answered {
			t.unsure++
		}
	}
}

func pct(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %% (%d/%d)", 100*float64(a)/float64(b), a, b)
}

func quantile(d []time.Duration, q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// evalSplits are eval.tsv's splits in the order they were written: the
// default of -splits, and the report lists them newest first. The first
// nOld were written before issue 12's retrieval work ("old" sums them); the
// rest are fresh, each written before the changes it measures (see
// eval.tsv).
var evalSplits = []string{"tune", "dev", "test", "test2", "test3", "test4", "test5",
	"test6", "test7", "test8", "test9", "test10", "test11", "test12", "test13", "test14", "test15", "test16", "test17", "test18"}

const nOld = 7

func report(w io.Writer, outs []outcome, verbose bool) map[string]*tally {
	by := map[string]*tally{"old": {}, "all": {}}
	for _, name := range evalSplits {
		by[name] = &tally{}
	}
	var other []string // splits of a -file that are not eval.tsv's
	for _, o := range outs {
		if by[o.q.split] == nil {
			by[o.q.split] = &tally{}
			other = append(other, o.q.split)
		}
		by[o.q.split].add(o)
		if slices.Contains(evalSplits[:nOld], o.q.split) {
			by["old"].add(o)
		}
		by["all"].add(o)
	}
	fmt.Fprintf(w, "| Split | Questions | Key fact (on-topic) | Right language | Wrong confident answers | Unsure (on-topic) | Off-topic declined | Hand-overs | Latency p50 / p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	order := append(other, evalSplits...)
	slices.Reverse(order[len(other):])
	for _, name := range append(order, "old", "all") {
		t := by[name]
		fmt.Fprintf(w, "| %s | %d | %s | %s | %d | %d | %s | %d | %v / %v |\n", name, t.n, pct(t.fact, t.topic), pct(t.lang, t.n), t.wrong, t.unsure,
			pct(t.offOK, t.offTopic), t.handoff, quantile(t.lat, 0.5).Round(time.Microsecond), quantile(t.lat, 0.99).Round(time.Microsecond))
	}
	if verbose {
		fmt.Fprintln(w, "\nMisses:")
		for _, o := range outs {
			if !o.ok || !o.rightLang {
				fmt.Fprintf(w, "- [%s] %q (%s→%s, want %s %v %v): answered=%v article=%s lang-ok=%v wrong=%v\n  %.160q\n", o.q.split, o.q.text, o.q.region, o.lang, o.q.lang,
					o.q.articles, o.q.facts, o.answered, o.article, o.rightLang, o.wrong, o.text)
			}
		}
	}
	return by
}

func evaluate(splits ...string) ([]outcome, error) {
	return evaluateData(evalTSV, splits...)
}

// evaluateData runs the questions of data (eval.tsv's format) in splits.
func evaluateData(data []byte, splits ...string) ([]outcome, error) {
	qs, err := parse(data)
	if err != nil {
		return nil, err
	}
	kb, err := knowledge.New(knowledge.Sample(), knowledge.Options{MinConfidence: confidence})
	if err != nil {
		return nil, err
	}
	outs := make([]outcome, 0, len(qs))
	for _, q := range qs {
		if slices.Contains(splits, q.split) {
			outs = append(outs, run(context.Background(), kb, q))
		}
	}
	return outs, nil
}

func main() {
	verbose := flag.Bool("v", false, "list every miss")
	splits := flag.String("splits", strings.Join(evalSplits, ","), "comma-separated splits to run (leave test out while tuning)")
	file := flag.String("file", "", "questions in eval.tsv's format (default: the eval.tsv embedded at build)")
	flag.Parse()
	data := evalTSV
	if *file != "" {
		var err error
		if data, err = os.ReadFile(*file); err != nil {
			fmt.Fprintln(os.Stderr, "agenteval:", err)
			os.Exit(1)
		}
	}
	outs, err := evaluateData(data, strings.Split(*splits, ",")...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "agenteval:", err)
		os.Exit(1)
	}
	report(os.Stdout, outs, *verbose)
}
