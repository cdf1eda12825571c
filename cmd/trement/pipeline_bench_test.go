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
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// nopSender plays a Graph API that answers at once; onSend, if set, sees
// each message's outbox id as its request is made.
type nopSender struct {
	n      atomic.Int64
	onSend func(outboxID string)
}

func (s *nopSender) Send(ctx context.Context, phone string, out conversation.Outbound, cb string) (string, error) {
	if s.onSend != nil {
		s.onSend(cb)
	}
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
	c := runPipelineWith(b, b.N, b.ResetTimer, nil)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
	b.ReportMetric(c.stmts, "sql/answer")
	b.ReportMetric(c.txs, "tx/answer")
	b.ReportMetric(c.durable, "durable-commits/answer")
	b.ReportMetric(c.cpuMS, "cpu-ms/answer")
}

// TestPipelineSQLPerAnswer keeps the SQL cost of an answered message from
// growing: the counting driver's figure over 1,000 answered questions must
// stay under the bound (measured 20.7-22.8 before issue 15's work, 7-12
// after the batched inbox, seen marks, preload, claims and settles, and
// 3.4-4.0 at load 10-16 since a transaction writes each contact and
// conversation once at its end and the preload reads the agent's history;
// 4.1-5.0 on main with the relaxed commits' PRAGMA pairs and smaller
// outbox rounds). The figure is amortised over batches, and how many
// questions share a batch depends on how fast the posting goroutines run
// against the processor: a quiet machine makes small batches and more
// statements per answer (one poster at a time, TREMENT_PIPELINE_POSTERS=1,
// gave 6.0-7.0 on main; seven runs of this test on an idle machine, load
// average ~1, 4 December 19:39 UTC, gave 5.85-7.69, of which 1.1 were the
// PRAGMA pairs and ~3 the outbox's one-item rounds), so the bound is 10,
// not the goal of 6: a bound inside the idle machine's spread
// would fail CI on a quiet runner, and 10 still fails any return to
// per-message statements (20+). Lower it whenever the path gets cheaper.
func TestPipelineSQLPerAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	const bound = 10.0
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
	c := runPipelineWith(b, n, resetTimer, nil)
	return c.stmts, c.txs, c.cpuMS
}

// pipelineCosts are runPipeline's figures per answered message, and the
// write transactions that committed durably (waiting for the disk: on
// SQLite an fsync each, if they wrote anything).
type pipelineCosts struct{ stmts, txs, cpuMS, durable float64 }

// runPipelineWith is runPipeline with setup, if not nil, called with the
// store and the sender before anything runs.
func runPipelineWith(b testing.TB, n int, resetTimer func(), setup func(*store.DB, *nopSender)) pipelineCosts {
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
	if setup != nil {
		setup(db, snd)
	}
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
	relaxed0, writes0 := db.RelaxedCommits()
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
	relaxed, writes := db.RelaxedCommits()
	per := func(v int64) float64 { return float64(v) / float64(n) }
	return pipelineCosts{stmts: per(stmts - stmts0), txs: per(txs - txs0), cpuMS: float64(cpu) / float64(time.Millisecond) / float64(n),
		durable: per((writes - writes0) - (relaxed - relaxed0))}
}

// processCPU is the CPU time the process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSendsWaitForDurableStart holds the pipeline to the rule that lets
// most of its commits skip the disk (conversation.Replayable): no request
// leaves for an outbox item before a transaction that moved it to sending
// committed durably. That commit's wait makes every commit before it in
// the same database durable (SQLite's WAL, PostgreSQL's WAL), the one that
// created the item among them, so nothing Meta receives can be taken back
// by a power cut. The test fails if a send starts from a relaxed commit,
// or without a start at all; it also checks that the relaxed commits it
// relies on for the savings do happen.
func TestSendsWaitForDurableStart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	var mu sync.Mutex
	started := map[string]bool{} // outbox id -> moved to sending by a durable commit
	var early []string
	var relaxed, durable, relaxedStarts int
	runPipelineWith(t, 300, func() {}, func(db *store.DB, snd *nopSender) {
		db.OnCommit(func(c store.CommitInfo) {
			mu.Lock()
			defer mu.Unlock()
			if c.Relaxed {
				relaxed++
				relaxedStarts += len(c.Started)
				return
			}
			durable++
			for _, id := range c.Started {
				started[id] = true
			}
		})
		snd.onSend = func(id string) {
			mu.Lock()
			defer mu.Unlock()
			if !started[id] {
				early = append(early, id)
			}
		}
	})
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d sends started durably; %d write transactions of the main database relaxed, %d durable", len(started), relaxed, durable)
	if len(early) > 0 {
		t.Errorf("%d requests left before a durable commit moved their item to sending (first %s)", len(early), early[0])
	}
	if relaxedStarts > 0 {
		t.Errorf("%d items were moved to sending by relaxed commits", relaxedStarts)
	}
	if len(started) < 300 || relaxed == 0 {
		t.Errorf("%d durable starts, %d relaxed commits: the pipeline did not run as measured", len(started), relaxed)
	}
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
