package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// What a PostgreSQL run costs the database, per answered message: the CPU
// of the server processes serving trement's connections (read from /proc,
// so the server must run on this machine) and, with -pgwire, the
// statements, transactions and round trips trement sent, counted on the
// wire by a proxy between trement and the server.

// wireCounter is a TCP proxy in front of PostgreSQL that reads the
// frontend protocol (sslmode=disable) and counts what trement asks:
// statements (Execute and simple Query messages), transactions (BEGIN) and
// round trips (each time the client speaks again after the server
// answered: a pipelined batch of statements is one). Executions are kept
// by query text, a poor man's pg_stat_statements.
type wireCounter struct {
	target string
	ln     net.Listener

	statements, roundTrips, begins atomic.Int64

	mu      sync.Mutex
	byQuery map[string]int64
}

// wireSnapshot is the counters at one moment.
type wireSnapshot struct {
	statements, roundTrips, begins int64
	byQuery                        map[string]int64
}

// startWireCounter proxies the server of dbURL and returns the counter and
// dbURL rewritten to go through it.
func startWireCounter(dbURL string) (*wireCounter, string) {
	u, err := url.Parse(dbURL)
	if err != nil {
		log.Fatalf("-pgwire: %v", err)
	}
	if u.Query().Get("sslmode") != "disable" {
		log.Fatal("-pgwire reads the protocol: the -db URL needs sslmode=disable")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	w := &wireCounter{target: u.Host, ln: ln, byQuery: map[string]int64{}}
	go w.serve()
	u.Host = ln.Addr().String()
	return w, u.String()
}

func (w *wireCounter) serve() {
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		go w.proxy(c)
	}
}

func (w *wireCounter) proxy(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", w.target)
	if err != nil {
		return
	}
	defer server.Close()
	var answered atomic.Bool // the server spoke since the client last did
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				answered.Store(true)
				if _, werr := client.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		client.Close()
	}()
	r := bufio.NewReaderSize(client, 64<<10)
	out := bufio.NewWriterSize(server, 64<<10)
	// The startup message has no type byte.
	if err := copyMessage(r, out, false, nil); err != nil {
		return
	}
	out.Flush()
	named := map[string]string{} // prepared statement name -> query
	portal := ""                 // the query the next Execute runs
	for {
		var typ byte
		err := copyMessage(r, out, true, func(t byte, body []byte) {
			typ = t
			if answered.Swap(false) {
				w.roundTrips.Add(1)
			}
			switch t {
			case 'Q': // simple query
				q := cstring(body)
				w.count(q)
				if strings.EqualFold(strings.TrimSpace(q), "begin") {
					w.begins.Add(1)
				}
			case 'P': // Parse: name, query
				name := cstring(body)
				named[name] = cstring(body[len(name)+1:])
			case 'B': // Bind: portal, statement
				p := cstring(body)
				portal = named[cstring(body[len(p)+1:])]
			case 'E':
				w.count(portal)
			}
		})
		if err != nil {
			return
		}
		// Flush when the client waits for an answer (or ends).
		if typ == 'S' || typ == 'Q' || typ == 'H' || typ == 'X' || r.Buffered() == 0 {
			if out.Flush() != nil {
				return
			}
		}
	}
}

func (w *wireCounter) count(query string) {
	w.statements.Add(1)
	w.mu.Lock()
	w.byQuery[query]++
	w.mu.Unlock()
}

// copyMessage copies one protocol message from r to out, handing its type
// and body to seen (a startup message has no type).
func copyMessage(r *bufio.Reader, out io.Writer, typed bool, seen func(byte, []byte)) error {
	var typ byte
	if typed {
		var err error
		if typ, err = r.ReadByte(); err != nil {
			return err
		}
	}
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	n := int(binary.BigEndian.Uint32(hdr[:])) - 4
	if n < 0 || n > 1<<30 {
		return fmt.Errorf("pgwire: bad length %d", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	if seen != nil {
		seen(typ, body)
	}
	if typed {
		if _, err := out.Write([]byte{typ}); err != nil {
			return err
		}
	}
	if _, err := out.Write(hdr[:]); err != nil {
		return err
	}
	_, err := out.Write(body)
	return err
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func (w *wireCounter) snapshot() wireSnapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := wireSnapshot{statements: w.statements.Load(), roundTrips: w.roundTrips.Load(), begins: w.begins.Load(), byQuery: make(map[string]int64, len(w.byQuery))}
	for q, n := range w.byQuery {
		s.byQuery[q] = n
	}
	return s
}

// report prints what trement sent since base, per answered message, with
// the statements it ran most.
func (w *wireCounter) report(base wireSnapshot, answers int64, top int) {
	now := w.snapshot()
	per := func(n int64) float64 { return float64(n) / float64(answers) }
	st, rt, tx := now.statements-base.statements, now.roundTrips-base.roundTrips, now.begins-base.begins
	fmt.Printf("PostgreSQL wire (counted by loadgen's proxy): %d statements (**%.2f per answered message**), %d round trips (**%.2f per answer**), %d transactions (%.2f per answer)\n",
		st, per(st), rt, per(rt), tx, per(tx))
	type row struct {
		q string
		n int64
	}
	var rows []row
	for q, n := range now.byQuery {
		if d := n - base.byQuery[q]; d > 0 {
			rows = append(rows, row{q, d})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n > rows[j].n })
	fmt.Println("\n| executions per answer | statement |\n|---:|---|")
	for i, r := range rows {
		if i == top {
			break
		}
		q := strings.Join(strings.Fields(r.q), " ")
		if len(q) > 130 {
			q = q[:60] + " … " + q[len(q)-60:] // the verb and table, and the WHERE
		}
		fmt.Printf("| %.3f | `%s` |\n", per(r.n), strings.ReplaceAll(q, "|", "\\|"))
	}
	fmt.Println()
}

// pgCPU follows the CPU time of the PostgreSQL server processes: those
// serving connections to database name (trement's), and the rest (the
// server's background processes, and backends of other databases, which
// other work on this server may use).
type pgCPU struct {
	db   *sql.DB
	name string
	mu   sync.Mutex
	// first and last CPU seen of each process, and whether it served name
	first, last map[int]time.Duration
	ours        map[int]bool
	walStart    string // pg_current_wal_lsn() at the base sample
}

func newPGCPU(dbURL string) *pgCPU {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil
	}
	db.SetMaxOpenConns(1)
	p := &pgCPU{db: db, name: strings.TrimPrefix(u.Path, "/"), first: map[int]time.Duration{}, last: map[int]time.Duration{}, ours: map[int]bool{}}
	if !p.sample(true) {
		db.Close()
		return nil
	}
	p.db.QueryRow("SELECT pg_current_wal_lsn()::text").Scan(&p.walStart)
	return p
}

// sample reads every server process's CPU; at the start (base) a process
// counts from what it had used, later ones from zero (they started since).
func (p *pgCPU) sample(base bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := p.db.QueryContext(ctx, "SELECT pid, coalesce(datname = $1, false) FROM pg_stat_activity WHERE pid <> pg_backend_pid()", p.name)
	if err != nil {
		return false
	}
	defer rows.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := false
	for rows.Next() {
		var pid int
		var ours bool
		if rows.Scan(&pid, &ours) != nil {
			return false
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue // not on this machine, or gone
		}
		seen = true
		cpu := statCPU(string(b))
		if _, ok := p.first[pid]; !ok {
			p.first[pid] = 0
			if base {
				p.first[pid] = cpu
			}
		}
		p.last[pid] = cpu
		p.ours[pid] = p.ours[pid] || ours
	}
	return seen && rows.Err() == nil
}

// walBytes is the WAL the server wrote since the base sample, for every
// database on it (-1 if unknown).
func (p *pgCPU) walBytes() int64 {
	var n int64 = -1
	if p.walStart != "" {
		p.db.QueryRow("SELECT (pg_current_wal_lsn() - $1::pg_lsn)::bigint", p.walStart).Scan(&n)
	}
	return n
}

// used returns the CPU used since the base sample by trement's backends and
// by the server's other processes.
func (p *pgCPU) used() (ours, others time.Duration) {
	p.sample(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	for pid, last := range p.last {
		d := last - p.first[pid]
		if p.ours[pid] {
			ours += d
		} else {
			others += d
		}
	}
	return ours, others
}
