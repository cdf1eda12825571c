package main

import (
	"database/sql"
	"os"
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis; utime 250, stime 130 ticks.
	line := "4242 (tre ment) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 130 0 0 20 0 12 0 100 0 0\n"
	if got, want := statCPU(line), 3800*time.Millisecond; got != want {
		t.Fatalf("statCPU = %s, want %s", got, want)
	}
	if got := statCPU("garbage"); got != 0 {
		t.Fatalf("statCPU(garbage) = %s, want 0", got)
	}
}

func TestCPUTimeOfThisProcessGrows(t *testing.T) {
	before := cpuTime(os.Getpid())
	deadline := time.Now().Add(300 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if after := cpuTime(os.Getpid()); after <= before {
		t.Fatalf("CPU time went from %s to %s after 300ms of spinning", before, after)
	}
}

func TestWireCounterCountsStatementsAndRoundTrips(t *testing.T) {
	url := os.Getenv("TREMENT_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("TREMENT_TEST_POSTGRES_URL not set")
	}
	w, proxied := startWireCounter(url)
	defer w.ln.Close()
	db, err := sql.Open("pgx", proxied)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// pgx pings a connection database/sql hands out again (ResetSession,
	// at most once a second): two uses first, so the counted one has none.
	for range 2 {
		if _, err := db.Exec("SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	base := w.snapshot()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var n int
		if err := tx.QueryRow("SELECT $1::int + 1", i).Scan(&n); err != nil || n != i+1 {
			t.Fatalf("query: %v (%d)", err, n)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	s := w.snapshot()
	// begin, three runs of the query, commit; the first run is prepared
	// first (one more round trip).
	if got := s.statements - base.statements; got != 5 {
		t.Errorf("statements = %d, want 5 (%v, before: %v)", got, s.byQuery, base.byQuery)
	}
	if got := s.begins - base.begins; got != 1 {
		t.Errorf("transactions = %d, want 1", got)
	}
	if got := s.byQuery["SELECT $1::int + 1"] - base.byQuery["SELECT $1::int + 1"]; got != 3 {
		t.Errorf("executions of the query = %d, want 3", got)
	}
	if got := s.roundTrips - base.roundTrips; got < 5 || got > 6 {
		t.Errorf("round trips = %d, want 5 or 6", got)
	}
}
