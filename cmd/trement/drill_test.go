package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
	"github.com/trement/trement/internal/whatsapp"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// drillEnv turns the crash drill on; scripts/test.sh sets it.
const drillEnv = "TREMENT_DRILL"

// TestCrashDrill starts `trement serve` as a real process, has the
// simulator (playing Meta: it redelivers every webhook until it gets a
// 200) send questions from opted-in customers, kill -9s the server three
// times mid-run, including while replies are in flight and while the Graph
// API answers with 130429 rate limits, 500s and hung requests, restarts it
// each time, and then requires: every customer message acknowledged is
// stored once and answered, no customer receives a reply twice (the
// simulator counts sends per biz_opaque_callback_data), and every reply
// arrives within seconds of the last restart (nothing stalls behind a
// claim that never left). On SQLite, and on PostgreSQL when configured.
func TestCrashDrill(t *testing.T) {
	if os.Getenv(drillEnv) == "" {
		t.Skipf("set %s=1 to kill -9 a real trement under load (scripts/test.sh does)", drillEnv)
	}
	bin := filepath.Join(t.TempDir(), "trement")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		u, _ := storetest.NewSQLite(t)
		runDrill(t, bin, u, 1)
	})
	t.Run("postgres", func(t *testing.T) {
		u, _ := storetest.NewPostgres(t)
		runDrill(t, bin, u, 1)
	})
	// Two replicas share the database and the webhooks (a round-robin
	// proxy, as a load balancer would; a replica that is down answers 502
	// and Meta retries, reaching the other): the kills alternate between
	// them, so each one's partitions and claims are left to the other.
	t.Run("postgres-2-replicas", func(t *testing.T) {
		u, _ := storetest.NewPostgres(t)
		runDrill(t, bin, u, 2)
	})
}

const (
	drillSecret = "drill-app-secret"
	drillToken  = "drill-token"
	drillPhone  = "106540352242922"
)

type drillServer struct {
	t    *testing.T
	bin  string
	env  []string
	addr string
	mu   sync.Mutex
	cmd  *exec.Cmd
	logs *syncBuffer
}

func (d *drillServer) start() {
	d.t.Helper()
	cmd := exec.Command(d.bin, "serve")
	cmd.Env = d.env
	cmd.Stdout, cmd.Stderr = d.logs, d.logs
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + d.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			d.t.Fatalf("trement did not start:\n%s", tail(d.logs.String(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.mu.Lock()
	d.cmd = cmd
	d.mu.Unlock()
}

// kill9 sends SIGKILL: no shutdown, no drain.
func (d *drillServer) kill9() {
	d.mu.Lock()
	cmd := d.cmd
	d.mu.Unlock()
	cmd.Process.Kill()
	cmd.Wait()
}

func (d *drillServer) stop() {
	d.mu.Lock()
	cmd := d.cmd
	d.mu.Unlock()
	if cmd != nil && cmd.ProcessState == nil {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
}

func freeDrillAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func runDrill(t *testing.T, bin, dbURL string, replicas int) {
	addrs := make([]string, replicas)
	for i := range addrs {
		addrs[i] = freeDrillAddr(t)
	}
	webhook := "http://" + addrs[0] + "/webhook"
	if replicas > 1 {
		var next atomic.Int64
		proxies := make([]*httputil.ReverseProxy, replicas)
		for i, a := range addrs {
			proxies[i] = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: a})
		}
		lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			proxies[int(next.Add(1))%replicas].ServeHTTP(w, r)
		}))
		defer lb.Close()
		webhook = lb.URL + "/webhook"
	}

	s := sim.New(sim.Config{WebhookURL: webhook, AppSecret: drillSecret, Token: drillToken, PhoneNumberID: drillPhone,
		StatusDelay: 20 * time.Millisecond, RetryBase: 50 * time.Millisecond, RetryMax: 500 * time.Millisecond, MaxAttempts: 100000,
		HangTimeout: 3 * time.Second, Workers: 8}, nil)
	graph := httptest.NewServer(s.Handler())
	defer graph.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)

	key := vault.GenerateKey()
	servers := make([]*drillServer, replicas)
	for i, addr := range addrs {
		dataDir := t.TempDir()
		os.Chmod(dataDir, 0o700) // serve refuses a data folder others can read
		servers[i] = &drillServer{t: t, bin: bin, addr: addr, logs: &syncBuffer{}, env: append(os.Environ(),
			"TREMENT_DATABASE_URL="+dbURL, "TREMENT_DATA_DIR="+dataDir, "TREMENT_MASTER_KEY="+key,
			"TREMENT_LISTEN="+addr, "TREMENT_APP_SECRET="+drillSecret, "TREMENT_ACCESS_TOKEN="+drillToken, "TREMENT_VERIFY_TOKEN=v",
			"TREMENT_GRAPH_URL="+graph.URL, "TREMENT_SEND_RATE=1000", "TREMENT_PAIR_INTERVAL=0s", "TREMENT_GRAPH_TIMEOUT=1s",
			"TREMENT_RECONCILE_AFTER=4s", "TREMENT_BUSINESS_HOURS=", "TREMENT_LOG_LEVEL=warn")}
		servers[i].start()
		defer servers[i].stop()
	}
	// The kills alternate between the replicas (all on the one there is).
	kills := 0
	victim := func() *drillServer { kills++; return servers[(kills-1)%replicas] }
	logs := func() string {
		var b strings.Builder
		for i, sv := range servers {
			fmt.Fprintf(&b, "--- replica %d\n%s\n", i, tail(sv.logs.String(), 3000/replicas))
		}
		return b.String()
	}

	const customers = 24
	who := func(i int) string { return fmt.Sprintf("3462%07d", i) }
	outCount := func(w string) int {
		th, _ := s.Thread(w)
		n := 0
		for _, m := range th.Messages {
			if m.Direction == "out" {
				n++
			}
		}
		return n
	}
	waitOut := func(w string, n int, within time.Duration) bool {
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if outCount(w) >= n {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		}
		return false
	}
	for i := range customers {
		w := who(i)
		if _, err := s.SendFromCustomer(sim.CustomerMessage{From: w, Text: "hello"}); err != nil {
			t.Fatal(err)
		}
		if !waitOut(w, 1, 20*time.Second) {
			t.Fatalf("%s got no consent question", w)
		}
		if _, err := s.SendFromCustomer(sim.CustomerMessage{From: w, ButtonReply: &whatsapp.ReplyChoice{ID: conversation.ButtonAccept, Title: "Accept"}}); err != nil {
			t.Fatal(err)
		}
	}
	base := make([]int, customers)
	for i := range customers {
		if !waitOut(who(i), 2, 20*time.Second) {
			t.Fatalf("%s was not thanked for accepting", who(i))
		}
		base[i] = outCount(who(i))
	}

	// Load: questions round-robin while the server is killed three times
	// and the Graph API misbehaves.
	questions := []string{"how long does shipping take?", "what is your return policy?", "can I pay with PayPal?", "how much is shipping to Portugal?"}
	var sent atomic.Int64
	perCustomer := make([]atomic.Int64, customers)
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(8 * time.Millisecond)
		defer tick.Stop()
		for k := 0; ; k++ {
			select {
			case <-loadCtx.Done():
				return
			case <-tick.C:
			}
			i := k % customers
			if _, err := s.SendFromCustomer(sim.CustomerMessage{From: who(i), Text: questions[k%len(questions)]}); err == nil {
				sent.Add(1)
				perCustomer[i].Add(1)
			}
		}
	}()
	step := func(d time.Duration) { time.Sleep(d) }
	step(1500 * time.Millisecond)
	d := victim()
	d.kill9() // 1: under plain load
	d.start()
	step(time.Second)
	s.InjectFault(sim.FaultRateLimit, 40)
	s.InjectFault(sim.FaultServerError, 20)
	step(300 * time.Millisecond)
	d = victim()
	d.kill9() // 2: while sends are failing and being retried
	d.start()
	step(time.Second)
	s.SetLatency(150 * time.Millisecond) // replies in flight when the kill lands
	s.InjectFault(sim.FaultHang, 3)
	step(700 * time.Millisecond)
	d = victim()
	d.kill9() // 3: with requests in flight and hung
	d.start()
	s.SetLatency(0)
	step(time.Second)
	stopLoad()
	wg.Wait()
	restarted := time.Now()

	// Every message delivered (the simulator redelivers until a 200), and
	// every question answered, within seconds of the last restart.
	var lagging []string
	for i := range customers {
		want := base[i] + int(perCustomer[i].Load())
		if !waitOut(who(i), want, 30*time.Second) {
			lagging = append(lagging, fmt.Sprintf("%s: %d of %d replies", who(i), outCount(who(i))-base[i], want-base[i]))
		}
	}
	recovered := time.Since(restarted)
	if len(lagging) > 0 {
		t.Logf("database state:\n%s", drillDump(t, dbURL))
		os.WriteFile(filepath.Join(os.TempDir(), "trement-drill.log"), []byte(logs()), 0o600)
		t.Errorf("after three kill -9s, %d customers are missing replies (stalled or lost):\n%s\nserver logs:\n%s", len(lagging), strings.Join(lagging, "\n"), logs())
	}
	undelivered := 0
	for _, dl := range s.Deliveries() {
		if !dl.Delivered {
			undelivered++
		}
	}
	if undelivered > 0 {
		t.Errorf("%d webhook bodies were never acknowledged", undelivered)
	}
	if n := s.DuplicateCount(); n > 0 {
		t.Errorf("%d replies were sent twice: %+v", n, s.Duplicates())
	}
	// Stored once each: the inbound rows equal the questions sent (the
	// consent answers are not kept as content).
	stored := countInbound(t, dbURL)
	if stored != sent.Load() {
		t.Errorf("stored %d inbound messages, sent %d questions (lost or duplicated)", stored, sent.Load())
	}
	t.Logf("%s, %d replica(s): %d questions from %d customers, 3 kill -9s, faults (40× 130429, 20× 500, 3 hung); every reply in %s after the last restart; 0 duplicates",
		map[bool]string{true: "PostgreSQL", false: "SQLite"}[strings.HasPrefix(dbURL, "postgres")], replicas, sent.Load(), customers, recovered.Round(10*time.Millisecond))
}

// openDrillDB opens the drill's database directly (SQLite read-only), to
// read rows the store has no reader for.
func openDrillDB(dbURL string) (*sql.DB, error) {
	if strings.HasPrefix(dbURL, "postgres") {
		return sql.Open("pgx", dbURL)
	}
	return sql.Open("sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite:")+"?mode=ro")
}

// countInbound counts stored inbound messages straight from the database.
func countInbound(t *testing.T, dbURL string) int64 {
	t.Helper()
	db, err := openDrillDB(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT COUNT(*) FROM messages WHERE direction = 'in'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// drillDump describes the queues, for a failing drill.
func drillDump(t *testing.T, dbURL string) string {
	db, err := openDrillDB(dbURL)
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		"SELECT state, kind, attempts, last_error, COUNT(*) FROM outbox GROUP BY state, kind, attempts, last_error ORDER BY 1",
		"SELECT status, author, COUNT(*) FROM messages WHERE direction = 'in' GROUP BY status, author",
		"SELECT attempts, last_error, next_attempt_at, received_at FROM inbox",
	} {
		rows, err := db.Query(q)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", q, err)
			continue
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintf(&b, "  %v\n", vals)
		}
		rows.Close()
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
