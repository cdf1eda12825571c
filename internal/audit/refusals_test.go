package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type written struct{ events []*Event }

func (w *written) write(_ context.Context, e *Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	w.events = append(w.events, e)
	return nil
}

func refusal(ip string) *Event {
	return &Event{ActorType: ActorAnonymous, Action: ActionDenied, Target: "GET /api/v1/me", Outcome: Denied,
		Reason: "no session", RequestID: "r1", SourceIP: ip}
}

func TestRefusalsAggregate(t *testing.T) {
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	var w written
	a, err := NewRefusals(RefusalsConfig{Now: func() time.Time { return now }, Write: w.write})
	if err != nil {
		t.Fatal(err)
	}
	firsts := 0
	for range 1000 {
		if a.Note(refusal("198.51.100.7"), "no session") {
			firsts++
		}
		now = now.Add(time.Millisecond)
	}
	if a.Note(refusal("198.51.100.8"), "no session") {
		firsts++
	}
	if firsts != 2 {
		t.Errorf("%d refusals reported first, want 2 (one per source)", firsts)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(w.events) != 1 || !strings.HasPrefix(w.events[0].Reason, "no session: 999 more refused from 2026-12-02T05:00:00Z to 2026-12-02T05:00:00Z") ||
		w.events[0].SourceIP != "198.51.100.7" || w.events[0].Target != "GET /api/v1/me" || w.events[0].RequestID != "" {
		t.Fatalf("flush wrote %+v, want one event counting the 999 after the first", w.events)
	}
	// A new window: the next refusal is written at once again; nothing
	// left to flush.
	if !a.Note(refusal("198.51.100.7"), "no session") {
		t.Errorf("first refusal of a new window not reported first")
	}
	w.events = nil
	a.Flush(context.Background())
	if len(w.events) != 0 {
		t.Errorf("flush of a window with only firsts wrote %d events", len(w.events))
	}
}

func TestRefusalsBoundKinds(t *testing.T) {
	var w written
	a, _ := NewRefusals(RefusalsConfig{Write: w.write, MaxKinds: 3})
	firsts := 0
	for i := range 10 {
		if a.Note(refusal(fmt.Sprintf("203.0.113.%d", i)), "no session") {
			firsts++
		}
	}
	a.Flush(context.Background())
	if firsts != 3 || len(w.events) != 1 || w.events[0].SourceIP != OverflowSource || !strings.Contains(w.events[0].Reason, ": 7 more refused") {
		t.Errorf("10 sources with room for 3: %d firsts, flushed %+v; want 3 and one overflow event counting 7", firsts, w.events)
	}
}

func TestRefusalsKeepCountsWhenTheWriteFails(t *testing.T) {
	fail := true
	var w written
	a, _ := NewRefusals(RefusalsConfig{Write: func(ctx context.Context, e *Event) error {
		if fail {
			return errors.New("database down")
		}
		return w.write(ctx, e)
	}})
	for range 5 {
		a.Note(refusal("198.51.100.7"), "no session")
	}
	if err := a.Flush(context.Background()); err == nil {
		t.Fatal("Flush = nil with a failing writer")
	}
	a.Note(refusal("198.51.100.7"), "no session")
	fail = false
	a.Flush(context.Background())
	if len(w.events) != 1 || !strings.Contains(w.events[0].Reason, ": 5 more refused") {
		t.Errorf("after a failed flush: %+v, want one event counting 4 + 1", w.events)
	}
}

func TestRefusalsRunFlushesAtShutdown(t *testing.T) {
	var w written
	a, _ := NewRefusals(RefusalsConfig{Window: time.Hour, Write: w.write})
	a.Note(refusal("198.51.100.7"), "no session")
	a.Note(refusal("198.51.100.7"), "no session")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx, func(err error) { t.Error(err) }); close(done) }()
	cancel()
	<-done
	if len(w.events) != 1 {
		t.Errorf("Run wrote %d events at shutdown, want 1", len(w.events))
	}
}
