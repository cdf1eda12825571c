package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
	"github.com/trement/trement/internal/whatsapp"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// testApp is a whole trement, booted in-process on loopback ports with the
// simulator as Meta, against a real database.
type testApp struct {
	t    *testing.T
	url  string
	app  *app
	sim  *sim.Simulator
	db   *store.DB
	addr string
	stop func()
	dir  string // the data folder (-data-dir)
	key  string // the master key
	// owner is the owner ownerToken signed in, for more tokens.
	owner *auth.Principal
}

type appOpt struct {
	args   []string
	simCfg func(*sim.Config)
	url    string // database URL; empty: a fresh SQLite file
	key    string // master key; empty: a fresh one
	graph  string // Graph API base URL; empty: this app's own simulator
	wrap   func(conversation.Sender) conversation.Sender
	logTo  io.Writer // if set, every log line at debug level, as JSON
	// now, if set, is the database's clock (expiry of links, timestamps).
	now func() time.Time
}

func startApp(t *testing.T, o appOpt) *testApp {
	t.Helper()
	dir := t.TempDir()
	dbURL := o.url
	if dbURL == "" {
		dbURL, _ = storetest.NewSQLite(t)
	}
	key := o.key
	if key == "" {
		key = vault.GenerateKey()
	}
	args := append([]string{"-dev", "-listen", "127.0.0.1:0", "-sim-listen", "127.0.0.1:0", "-data-dir", dir, "-database-url", dbURL,
		"-log-level", "warn", "-send-rate", "1000"}, o.args...)
	cfg, _, err := config.Load(args, func(k string) string {
		if k == "TREMENT_MASTER_KEY" {
			return key
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if o.logTo != nil {
		cfg.LogLevel, cfg.LogFormat = "debug", "json"
		log = newLogger(cfg, o.logTo)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := startDevSim(cfg, log, ln.Addr().String(), func(c *sim.Config) {
		c.StatusDelay = 20 * time.Millisecond
		c.RetryBase = 50 * time.Millisecond
		if o.simCfg != nil {
			o.simCfg(c)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.graph != "" {
		cfg.GraphURL = o.graph
	}
	ctx, cancel := context.WithCancel(context.Background())
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		t.Fatal(err)
	}
	if o.now != nil {
		db.Close()
		mk, _ := vault.ParseMasterKey(key)
		if db, err = store.Open(ctx, store.Options{URL: cfg.DatabaseURL, MasterKey: mk, Logger: log, Now: o.now}); err != nil {
			t.Fatal(err)
		}
	}
	a, err := build(ctx, cfg, db, log, o.wrap)
	if err != nil {
		t.Fatal(err)
	}
	a.dev = dev
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.serve(ctx, &Env{Getenv: os.Getenv, Stdout: io.Discard, Stderr: io.Discard, Ready: func(addr string) { ready <- addr }}, ln)
	}()
	ta := &testApp{t: t, url: dbURL, app: a, sim: dev.sim, db: db, dir: dir, key: key}
	select {
	case ta.addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	var once sync.Once
	ta.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			db.Close()
		})
	}
	t.Cleanup(ta.stop)
	return ta
}

func replyChoice(id, title string) *whatsapp.ReplyChoice {
	return &whatsapp.ReplyChoice{ID: id, Title: title}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// say sends text as a customer.
func (ta *testApp) say(from, text string) string {
	ta.t.Helper()
	id, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: from, Name: "Test Customer", Text: text})
	if err != nil {
		ta.t.Fatalf("SendFromCustomer(%q): %v", text, err)
	}
	return id
}

// tap taps a reply button the business sent.
func (ta *testApp) tap(from, buttonID string) {
	ta.t.Helper()
	th, _ := ta.sim.Thread(from)
	title := ""
	for _, m := range th.Messages {
		for _, b := range m.Buttons {
			if b.ID == buttonID {
				title = b.Title
			}
		}
	}
	if title == "" {
		ta.t.Fatalf("no button %q offered to %s", buttonID, from)
	}
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: from, ButtonReply: replyChoice(buttonID, title)}); err != nil {
		ta.t.Fatalf("tap %q: %v", buttonID, err)
	}
}

// replies returns the business's messages to a customer, in order.
func (ta *testApp) replies(waID string) []sim.ThreadMessage {
	th, _ := ta.sim.Thread(waID)
	var out []sim.ThreadMessage
	for _, m := range th.Messages {
		if m.Direction == "out" {
			out = append(out, m)
		}
	}
	return out
}

// waitReplies waits until the customer has received n business messages.
func (ta *testApp) waitReplies(waID string, n int) []sim.ThreadMessage {
	ta.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if r := ta.replies(waID); len(r) >= n {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := ta.replies(waID)
	var texts []string
	for _, m := range r {
		texts = append(texts, fmt.Sprintf("%q", m.Text))
	}
	ta.t.Fatalf("customer %s got %d replies, want %d: %s", waID, len(r), n, strings.Join(texts, ", "))
	return nil
}

// settle waits until the inbox is empty and nothing is in flight.
func (ta *testApp) settle() {
	ta.t.Helper()
	// Generous: under -race on a loaded 2-core machine a 5,000-message body
	// takes over 15 s; an idle system settles in milliseconds.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		idle := true
		n, _ := ta.db.InboxDepth(context.Background())
		ta.db.View(context.Background(), func(tx *store.Tx) error {
			counts, _ := tx.OutboxCounts()
			if n > 0 || counts[conversation.OutboxPending] > 0 || counts[conversation.OutboxClaimed] > 0 || counts[conversation.OutboxSending] > 0 {
				idle = false
			}
			return nil
		})
		pending := false
		ta.db.View(context.Background(), func(tx *store.Tx) error {
			ms, _ := tx.PendingAgentMessages(1)
			pending = len(ms) > 0
			return nil
		})
		if idle && !pending && allDelivered(ta.sim) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ta.t.Fatal("trement did not settle")
}

func allDelivered(s *sim.Simulator) bool {
	for _, d := range s.Deliveries() {
		if !d.Delivered {
			return false
		}
	}
	return true
}

// sqlOpenReadOnly opens the test's SQLite database directly, to check rows
// the store has no reader for.
func sqlOpenReadOnly(ta *testApp) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+strings.TrimPrefix(ta.url, "sqlite:")+"?mode=ro")
}

// stateOf returns who answers a customer's open conversation.
func (ta *testApp) stateOf(waID string) conversation.State {
	ta.t.Helper()
	c := ta.contactOf(waID)
	if c == nil {
		ta.t.Fatalf("no contact %s", waID)
	}
	var st conversation.State
	if err := ta.db.View(context.Background(), func(tx *store.Tx) error {
		conv, err := tx.OpenConversation(c.ID, "106540352242922")
		if err == nil {
			st = conv.State
		}
		return err
	}); err != nil {
		ta.t.Fatal(err)
	}
	return st
}
