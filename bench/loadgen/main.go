// Command loadgen measures trement's webhook path on this machine against
// a bare Go server that only checks the HMAC, in one run, so the two can
// be compared as a ratio on a noisy shared machine.
//
// It builds and starts trement as a separate process (SQLite by default),
// plays Meta on both sides: signed webhooks in (every message a distinct
// wamid) and a fake Graph API (the simulator's) that counts the replies
// reaching it, takes every customer through consent first, then runs:
//
//  1. steady: -rate webhooks per second, open loop, for -duration, then
//     waits for every reply;
//  2. max: as fast as -concurrency connections allow, for -duration, then
//     waits for every reply (the reply rate is measured over this);
//
// and reports acked webhooks/s, ack latency percentiles, replies/s reaching
// the Graph API, lost messages (acked but never stored) and trement's peak
// RSS.
//
//	go run ./bench/loadgen -duration 10s -concurrency 64 -rate 1000
//
// With -steady-only it runs only the steady phase, prints every second the
// webhooks acknowledged, the replies sent, the reply backlog (acknowledged
// but not yet answered), trement's CPU and the sockets to the Graph API in
// TIME_WAIT, and then trement's own CPU time per answered message (process
// utime+stime from /proc, from the phase's start to its last reply):
//
//	go run ./bench/loadgen -steady-only -duration 20s -rate 500
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/trement/trement/bench/internal/proc"
	"github.com/trement/trement/internal/whatsapp/sim"
	_ "modernc.org/sqlite"
)

const (
	secret = "loadgen-app-secret"
	phone  = "106540352242922"
	token  = "loadgen-token"
)

func main() {
	var (
		duration    = flag.Duration("duration", 10*time.Second, "length of each measured phase")
		concurrency = flag.Int("concurrency", 64, "concurrent connections in the max phase")
		rate        = flag.Int("rate", 1000, "webhooks per second in the steady phase")
		customers   = flag.Int("customers", 1000, "distinct customers (all opted in first)")
		dbURL       = flag.String("db", "", "database URL for trement (empty: a fresh SQLite file)")
		serveBare   = flag.String("serve-bare", "", "internal: run the bare HMAC server on this address")
		skipBare    = flag.Bool("skip-bare", false, "do not measure the bare server")
		drain       = flag.Duration("drain", 60*time.Second, "how long to wait for replies after the load")
		steadyOnly  = flag.Bool("steady-only", false, "run only the steady phase, reporting the backlog and CPU each second")
		replicas    = flag.Int("replicas", 1, "trement processes sharing -db (PostgreSQL), webhooks spread round-robin over them")
		numbers     = flag.Int("numbers", 1, "business numbers (phone_number_ids) the customers are spread over; TREMENT_SEND_RATE caps each at 1,000/s")
		cpuProfile  = flag.String("cpuprofile", "", "write trement's CPU profile here (TREMENT_CPU_PROFILE; replica i>0 gets .i appended), from start-up to shutdown")
		bin         = flag.String("bin", "", "trement binary to run (empty: go build ./cmd/trement), e.g. to compare two builds")
		trementEnv  = flag.String("env", "", "extra environment for trement only, space-separated KEY=VALUE (e.g. \"GOGC=200 GOMAXPROCS=4\"), to compare runtime settings")
		pgwire      = flag.Bool("pgwire", false, "PostgreSQL: count trement's statements and round trips through a proxy (adds a hop to every round trip)")
	)
	flag.Parse()
	if *replicas < 1 || (*replicas > 1 && !strings.HasPrefix(*dbURL, "postgres")) {
		log.Fatal("-replicas above 1 needs a PostgreSQL -db")
	}
	nReplicas = *replicas
	if *numbers < 1 {
		log.Fatal("-numbers must be at least 1")
	}
	phones = phoneIDs(*numbers)
	cpuProfilePath, trementBin, extraEnv = *cpuProfile, *bin, strings.Fields(*trementEnv)
	if *pgwire {
		if !strings.HasPrefix(*dbURL, "postgres") {
			log.Fatal("-pgwire needs a PostgreSQL -db")
		}
		wire, wireURL = startWireCounter(*dbURL)
	}
	if *serveBare != "" {
		runBare(*serveBare)
		return
	}
	log.SetFlags(0)
	if *steadyOnly {
		runSteady(*dbURL, *duration, *rate, *customers, *drain)
		return
	}
	var bare phase
	if !*skipBare {
		bare = measureBare(*duration, *concurrency)
	}
	res := measureTrement(*dbURL, *duration, *concurrency, *rate, *customers, *drain)
	report(bare, res, *duration, *concurrency, *rate, *customers)
}

// nReplicas is how many trement processes share the database (-replicas).
var nReplicas = 1

// phones are the business numbers (-numbers); customer i writes to
// phones[i%len(phones)], always the same one.
var phones = []string{phone}

// cpuProfilePath is -cpuprofile, trementBin is -bin.
var cpuProfilePath, trementBin string

// extraEnv is -env: added to each trement's environment, not to the load
// generator's or the bare server's.
var extraEnv []string

// phoneIDs returns n phone_number_ids, the first the simulator's default.
func phoneIDs(n int) []string {
	ids := []string{phone}
	for i := 1; i < n; i++ {
		ids = append(ids, strconv.Itoa(106540352242922+i))
	}
	return ids
}

// wire counts trement's PostgreSQL statements (-pgwire); trement reaches
// the database through it at wireURL.
var (
	wire    *wireCounter
	wireURL string
)

// runBare is the peer baseline: verify the HMAC of the raw body, answer 200.
func runBare(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
		if err != nil {
			http.Error(w, "bad", 400)
			return
		}
		got, err := hex.DecodeString(strings.TrimPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256="))
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(raw)
		if err != nil || !hmac.Equal(m.Sum(nil), got) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(200)
	})
	log.Fatal(http.ListenAndServe(addr, mux))
}

type phase struct {
	name      string
	acked     int64
	failed    int64
	elapsed   time.Duration
	latencies []time.Duration
}

func (p phase) perSecond() float64 { return float64(p.acked) / p.elapsed.Seconds() }

func (p phase) pct(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), p.latencies...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

type result struct {
	max, steady     phase
	replies         int64
	repliesElapsed  time.Duration
	expectedReplies int64
	lost            int64
	peakRSSKB       int64
	backend         string
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func measureBare(d time.Duration, conc int) phase {
	addr := freeAddr()
	self, _ := os.Executable()
	cmd := exec.Command(self, "-serve-bare", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	waitUp("http://"+addr+"/webhook", "POST")
	g := newGen("http://"+addr+"/webhook", 1)
	return g.max("bare HMAC server", d, conc)
}

func waitUp(url, method string) {
	for i := 0; i < 300; i++ {
		req, _ := http.NewRequest(method, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("%s did not come up", url)
}

// gen builds and posts signed webhooks, one text message each.
type gen struct {
	urls      []string // round-robin over the replicas
	rr        atomic.Int64
	client    *http.Client
	seq       atomic.Int64
	acked     atomic.Int64 // webhooks answered 200, in every phase
	customers int
}

func newGen(url string, customers int, more ...string) *gen {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	return &gen{urls: append([]string{url}, more...), client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, customers: customers}
}

func waID(i int) string { return fmt.Sprintf("3461%07d", i) }

// body is one signed-to-be webhook from customer i to their business number.
func (g *gen) body(i int, msg string) []byte {
	from, number := waID(i), phones[i%len(phones)]
	n := g.seq.Add(1)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"15550783881","phone_number_id":"` + number + `"},"contacts":[{"profile":{"name":"Load Test"},"wa_id":"` + from + `"}],` +
		`"messages":[{"from":"` + from + `","id":"wamid.LOAD` + strconv.FormatInt(n, 10) + `","timestamp":"` + ts + `",` + msg + `}]}}]}]}`)
}

func text(s string) string { return `"type":"text","text":{"body":"` + s + `"}` }

func (g *gen) post(b []byte) (time.Duration, bool) {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(b)
	url := g.urls[int(g.rr.Add(1))%len(g.urls)]
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	t := time.Now()
	resp, err := g.client.Do(req)
	lat := time.Since(t)
	if err != nil {
		return lat, false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 {
		g.acked.Add(1)
	}
	return lat, resp.StatusCode == 200
}

var questions = []string{"how long does shipping take?", "¿cuánto tarda el envío?", "quanto tempo demora a entrega?", "can I return my order?", "¿cómo hago una devolución?"}

func (g *gen) next() []byte {
	n := int(g.seq.Load())
	return g.body(n%g.customers, text(questions[n%len(questions)]))
}

func (g *gen) max(name string, d time.Duration, conc int) phase {
	var mu sync.Mutex
	p := phase{name: name}
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lats []time.Duration
			var ok, bad int64
			for time.Since(start) < d {
				lat, good := g.post(g.next())
				if good {
					ok++
					lats = append(lats, lat)
				} else {
					bad++
				}
			}
			mu.Lock()
			p.acked += ok
			p.failed += bad
			p.latencies = append(p.latencies, lats...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	return p
}

// steady sends at a fixed rate regardless of answers (open loop), so slow
// answers show as latency, not as a lower offered rate.
func (g *gen) steady(name string, d time.Duration, rate int) phase {
	var mu sync.Mutex
	p := phase{name: name}
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= d {
			break
		}
		time.Sleep(time.Until(at))
		b := g.next()
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, good := g.post(b)
			mu.Lock()
			if good {
				p.acked++
				p.latencies = append(p.latencies, lat)
			} else {
				p.failed++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	return p
}

// server is a running trement with its fake Graph API, its customers
// opted in.
type server struct {
	cmd       *exec.Cmd   // the first replica
	cmds      []*exec.Cmd // every replica
	graph     *sim.Simulator
	graphPort int
	gen       *gen
	dbURL     string
	sent      int64 // sends the Graph API had when consent was done
	stop      func()
}

// startTrement builds and starts trement and takes every customer through
// consent.
func startTrement(dbURL string, customers int, drain time.Duration) *server {
	dir, err := os.MkdirTemp("", "trement-bench-")
	if err != nil {
		log.Fatal(err)
	}
	bin := trementBin
	if bin == "" {
		bin = filepath.Join(dir, "trement")
		build := exec.Command("go", "build", "-o", bin, "./cmd/trement")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			log.Fatalf("build trement (run from the repository root): %v", err)
		}
	}
	graph := sim.New(sim.Config{Token: token, PhoneNumberID: phone, MoreNumbers: phones[1:], NoStatuses: true}, nil)
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	gsrv := &http.Server{Handler: graph.Handler()}
	go gsrv.Serve(gl)

	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "trement.db")
	}
	trementURL := dbURL
	if wire != nil {
		trementURL = wireURL
	}
	var cmds []*exec.Cmd
	var urls []string
	for i := range nReplicas {
		addr := freeAddr()
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(),
			"TREMENT_LISTEN="+addr, "TREMENT_DATA_DIR="+filepath.Join(dir, strconv.Itoa(i)), "TREMENT_DATABASE_URL="+trementURL,
			"TREMENT_MASTER_KEY=q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
			"TREMENT_APP_SECRET="+secret, "TREMENT_VERIFY_TOKEN=v", "TREMENT_ACCESS_TOKEN="+token,
			"TREMENT_GRAPH_URL=http://"+gl.Addr().String(), "TREMENT_SEND_RATE=1000", "TREMENT_LOG_LEVEL=error",
			"TREMENT_MARK_READ=false", "TREMENT_PAIR_INTERVAL=0s")
		cmd.Env = append(cmd.Env, extraEnv...)
		if cpuProfilePath != "" {
			path := cpuProfilePath
			if i > 0 {
				path += "." + strconv.Itoa(i)
			}
			cmd.Env = append(cmd.Env, "TREMENT_CPU_PROFILE="+path)
		}
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		cmds = append(cmds, cmd)
		waitUp("http://"+addr+"/healthz", "GET")
		urls = append(urls, "http://"+addr+"/webhook")
	}
	cmd := cmds[0]
	stop := func() {
		for _, c := range cmds {
			c.Process.Signal(os.Interrupt)
			c.Wait()
		}
		gsrv.Close()
		graph.Close()
		os.RemoveAll(dir)
	}

	g := newGen(urls[0], customers, urls[1:]...)
	// Consent first: each customer says hello, then taps Accept.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range customers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			g.post(g.body(i, text("hello")))
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second)
	for i := range customers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			g.post(g.body(i, `"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"consent:accept","title":"Accept"}}`))
		}()
	}
	wg.Wait()
	base := waitSends(graph, int64(2*customers), drain)
	log.Printf("consent done for %d customers (%d notices sent)", customers, base)
	return &server{cmd: cmd, cmds: cmds, graph: graph, graphPort: gl.Addr().(*net.TCPAddr).Port, gen: g, dbURL: dbURL, sent: base, stop: stop}
}

func measureTrement(dbURL string, d time.Duration, conc, rate, customers int, drain time.Duration) result {
	srv := startTrement(dbURL, customers, drain)
	defer srv.stop()
	g, graph, cmd, base := srv.gen, srv.graph, srv.cmd, srv.sent
	dbURL = srv.dbURL
	res := result{backend: strings.SplitN(dbURL, ":", 2)[0]}
	// Steady first, on a drained system, so its latency is not the
	// backlog of the max phase; then drain; then the max phase and the
	// time to reply to all of it.
	res.steady = g.steady(fmt.Sprintf("trement, steady %d/s", rate), d, rate)
	base = waitSends(graph, base+res.steady.acked, drain)
	loadStart := time.Now()
	res.max = g.max("trement, max", d, conc)
	res.expectedReplies = res.max.acked
	got := waitSends(graph, base+res.expectedReplies, drain)
	res.replies = got - base
	res.repliesElapsed = time.Since(loadStart)
	res.expectedReplies += res.steady.acked
	res.replies += res.steady.acked
	res.peakRSSKB = proc.PeakRSSKB(cmd.Process.Pid)
	res.lost = lost(dbURL, res.expectedReplies)
	return res
}

// waitSends waits until the fake Graph API has accepted want sends, or the
// drain time passes without progress.
func waitSends(s *sim.Simulator, want int64, drain time.Duration) int64 {
	last, lastChange := int64(-1), time.Now()
	for {
		n := int64(len(s.Sent()))
		if n >= want {
			return n
		}
		if n != last {
			if time.Since(lastChange) > 5*time.Second || last < 0 {
				log.Printf("graph API has %d of %d sends", n, want)
			}
			last, lastChange = n, time.Now()
		}
		if time.Since(lastChange) > drain {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lost counts acknowledged load messages that are not stored: every
// acknowledged question must be an inbound message row.
func lost(dbURL string, acked int64) int64 {
	driver, dsn := "pgx", dbURL
	if strings.HasPrefix(dbURL, "sqlite:") {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite:")+"?mode=ro"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return -1
	}
	defer db.Close()
	var n int64
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages WHERE direction = 'in'").Scan(&n); err != nil {
		return -1
	}
	return acked - n
}

func report(bare phase, r result, d time.Duration, conc, rate, customers int) {
	fmt.Printf("\n## Webhook load (%s, %d replica(s), %d business number(s), %d customers, %s per phase, %d connections, %d CPUs)\n\n", r.backend, nReplicas, len(phones), customers, d, conc, runtimeCPUs())
	fmt.Println("| Run | Acked/s | Failed | p50 ack | p99 ack |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, p := range []phase{bare, r.max, r.steady} {
		if p.name == "" {
			continue
		}
		fmt.Printf("| %s | %.0f | %d | %s | %s |\n", p.name, p.perSecond(), p.failed, round(p.pct(0.50)), round(p.pct(0.99)))
	}
	if bare.acked > 0 {
		fmt.Printf("\ntrement max / bare HMAC server: **%.2f**\n", r.max.perSecond()/bare.perSecond())
	}
	fmt.Printf("\nReplies reaching the fake Graph API: %d of %d acknowledged questions; after the max phase, %.0f replies/s from its start to its last reply\n",
		r.replies, r.expectedReplies, float64(r.max.acked)/r.repliesElapsed.Seconds())
	fmt.Printf("Acknowledged but not stored (lost): %d\n", r.lost)
	fmt.Printf("trement peak RSS: %.1f MiB\n", float64(r.peakRSSKB)/1024)
}

func round(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }

func runtimeCPUs() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}
