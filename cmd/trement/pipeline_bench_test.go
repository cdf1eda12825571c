package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// nopSender plays a Graph API that answers at once.
type nopSender struct{ n atomic.Int64 }

func (s *nopSender) Send(ctx context.Context, phone string, out conversation.Outbound, cb string) (string, error) {
	return "wamid.NOP" + strconv.FormatInt(s.n.Add(1), 10), nil
}
func (s *nopSender) MarkRead(ctx context.Context, phone, wamid string, typing bool) error { return nil }

func webhookBody(seq int64, from, text string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"B"},"wa_id":"` + from + `"}],` +
		`"messages":[{"from":"` + from + `","id":"wamid.B` + strconv.FormatInt(seq, 10) + `","timestamp":"` + strconv.FormatInt(time.Now().Unix(), 10) + `","type":"text","text":{"body":"` + text + `"}}]}}]}]}`)
}

// BenchmarkPipeline measures the whole message path behind the webhook on
// SQLite: inbox commit, consent-gated flow, built-in agent, outbox, send
// (to a Graph API that answers at once). One op is one question answered.
func BenchmarkPipeline(b *testing.B) {
	stmts, txs, cpu := runPipeline(b, b.N, b.ResetTimer)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
	b.ReportMetric(stmts, "sql/answer")
	b.ReportMetric(txs, "tx/answer")
	b.ReportMetric(cpu, "cpu-ms/answer")
}

// TestPipelineSQLPerAnswer keeps the SQL cost of an answered message from
// growing: the counting driver's figure over 1,000 answered questions must
// stay under the bound, the goal of 6 (measured 20.7-22.8 before
// issue 15's work, 7-12 after the batched inbox, seen marks, preload,
// claims and settles, and 3.3-3.7 since a transaction writes each contact
// and conversation once at its end and the preload reads the agent's
// history). The figure is amortised over batches, and how many questions
// share a batch depends on how fast the posting goroutines run against
// the processor: with one poster at a time (TREMENT_PIPELINE_POSTERS=1,
// the smallest batches, as on an idle machine) it was 4.8-5.0, still
// under the bound. Lower it whenever the path gets cheaper.
func TestPipelineSQLPerAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	const bound = 6.0
	stmts, txs, _ := runPipeline(t, 1000, func() {})
	t.Logf("%.2f SQL statements, %.2f transactions per answered message", stmts, txs)
	if stmts > bound {
		t.Fatalf("%.2f SQL statements per answered message, bound %.1f", stmts, bound)
	}
	if stmts < 1 {
		t.Fatalf("%.2f SQL statements per answered message: the counting driver counted nothing", stmts)
	}
}

// runPipeline answers n questions from 200 opted-in customers, posted by
// 64 goroutines at a time (TREMENT_PIPELINE_POSTERS: another number), and returns
// the SQL statements and transactions per answered message, and the CPU
// (user + system, of the whole process: trement with SQLite in it, and the
// few goroutines posting the questions) per answered message in ms.
func runPipeline(b testing.TB, n int, resetTimer func()) (stmtsPer, txsPer, cpuMS float64) {
	dbURL, _ := storetest.NewSQLite(b)
	cfg, _, err := config.Load([]string{"-dev", "-database-url", dbURL, "-data-dir", b.TempDir(), "-send-rate", "1000", "-pair-interval", "0s", "-mark-read=false"},
		func(k string) string {
			if k == "TREMENT_MASTER_KEY" {
				return vault.GenerateKey()
			}
			return ""
		})
	if err != nil {
		b.Fatal(err)
	}
	cfg.AppSecret, cfg.VerifyToken, cfg.AccessToken = "s", "v", "t"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	snd := &nopSender{}
	a, err := build(ctx, cfg, db, log, func(conversation.Sender) conversation.Sender { return snd })
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.svc.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	const customers = 200
	var seq atomic.Int64
	accept := func(from, text string) {
		if err := a.svc.Inbox.Accept(ctx, webhookBody(seq.Add(1), from, text)); err != nil {
			b.Fatal(err)
		}
	}
	waitSent := func(n int64) {
		for snd.n.Load() < n {
			time.Sleep(time.Millisecond)
		}
	}
	for i := range customers {
		accept(fmt.Sprintf("3461%07d", i), "hola")
	}
	waitSent(customers)
	for i := range customers {
		accept(fmt.Sprintf("3461%07d", i), "sí")
	}
	waitSent(2 * customers)
	base := snd.n.Load()
	stmts0, txs0 := db.SQLCounts()
	cpu0 := processCPU()
	var byQuery func() map[string]int64
	if os.Getenv("TREMENT_SQL_BREAKDOWN") != "" {
		byQuery = db.CountByQuery()
	}
	resetTimer()
	posters := 64
	if v, err := strconv.Atoi(os.Getenv("TREMENT_PIPELINE_POSTERS")); err == nil && v > 0 {
		posters = v
	}
	sem := make(chan struct{}, posters)
	for i := range n {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			accept(fmt.Sprintf("3461%07d", i%customers), "¿cuánto tarda el envío?")
		}()
	}
	waitSent(base + int64(n))
	stmts, txs := db.SQLCounts()
	cpu := processCPU() - cpu0
	if byQuery != nil {
		printBreakdown(b, byQuery(), n)
	}
	return float64(stmts-stmts0) / float64(n), float64(txs-txs0) / float64(n), float64(cpu) / float64(time.Millisecond) / float64(n)
}

// processCPU is the CPU time the process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var (
	sqlSpace = regexp.MustCompile(`\s+`)
	sqlList  = regexp.MustCompile(`\?(\s*,\s*\?)+`)
	sqlRows  = regexp.MustCompile(`\([^()]*\)(\s*,\s*\([^()]*\))+`)
	sqlTuple = regexp.MustCompile(`\([^()]*\)`)
	sqlCase  = regexp.MustCompile(`(WHEN \? THEN \? )+`)
)

// foldRows writes a list of identical row tuples, "(?…), (?…)", as one.
func foldRows(list string) string {
	tuples := sqlTuple.FindAllString(list, -1)
	for _, t := range tuples[1:] {
		if t != tuples[0] {
			return list
		}
	}
	return tuples[0] + "…"
}

// printBreakdown logs, with TREMENT_SQL_BREAKDOWN set, the statements run
// per answered message by query text (multi-row and IN lists folded: the
// batched forms of one query count as one line), most frequent first.
func printBreakdown(t testing.TB, counts map[string]int64, answers int) {
	folded := map[string]int64{}
	for q, n := range counts {
		q = sqlSpace.ReplaceAllString(strings.TrimSpace(q), " ")
		q = sqlRows.ReplaceAllStringFunc(sqlList.ReplaceAllString(q, "?…"), foldRows)
		q = sqlCase.ReplaceAllString(q, "WHEN ? THEN ? … ")
		folded[q] += n
	}
	qs := make([]string, 0, len(folded))
	for q := range folded {
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool { return folded[qs[i]] > folded[qs[j]] })
	var sb strings.Builder
	var total int64
	for _, q := range qs {
		n := folded[q]
		total += n
		if r := []rune(q); len(r) > 200 {
			q = string(r[:80]) + " … " + string(r[len(r)-110:])
		}
		fmt.Fprintf(&sb, "| %.3f | %d | `%s` |\n", float64(n)/float64(answers), n, q)
	}
	t.Logf("statements per answered message by query (%d answers, %.2f in all):\n| per answer | count | query |\n|---:|---:|---|\n%s", answers, float64(total)/float64(answers), sb.String())
}
