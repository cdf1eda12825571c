package audit_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
)

// memLog is an in-memory audit.Store and audit.Reader: a func-field-free
// fake holding rows as a database would.
type memLog struct {
	events []*audit.Event
	cps    []audit.Checkpoint
	head   *audit.Checkpoint
	floor  *audit.Checkpoint
	key    []byte
}

var _ audit.Store = (*memLog)(nil)

func (m *memLog) append(e *audit.Event) {
	seq, prev := int64(0), audit.Genesis
	if m.head != nil {
		seq, prev = m.head.Seq, m.head.Hash
	}
	audit.Link(e, seq, prev)
	m.events = append(m.events, e)
	h := audit.NewHead(m.key, e.Seq, e.Hash, e.At)
	m.head = &h
	if e.Seq%audit.CheckpointEvery == 0 {
		m.cps = append(m.cps, audit.NewCheckpoint(m.key, e.Seq, e.Hash, e.At))
	}
}

func (m *memLog) AuditSnapshot(_ context.Context, fn func(audit.Reader) error) error { return fn(m) }

func (m *memLog) AuditEvents(f audit.Filter) ([]*audit.Event, error) {
	var out []*audit.Event
	for _, e := range m.events {
		if e.Seq > f.AfterSeq && (f.Action == "" || e.Action == f.Action) && len(out) < f.Limit {
			c := *e
			out = append(out, &c)
		}
	}
	return out, nil
}

func (m *memLog) AuditCheckpoints() ([]audit.Checkpoint, error) { return m.cps, nil }

func (m *memLog) AuditFloor() (audit.Checkpoint, bool, error) {
	if m.floor == nil {
		return audit.Checkpoint{}, false, nil
	}
	return *m.floor, true, nil
}

// prune removes the events up to seq, as the audit retention does.
func (m *memLog) prune(seq int64) {
	for len(m.events) > 0 && m.events[0].Seq <= seq {
		if m.events[0].Seq == seq {
			f := audit.NewFloor(m.key, seq, m.events[0].Hash, m.events[0].At)
			m.floor = &f
		}
		m.events = m.events[1:]
	}
}

func (m *memLog) AuditHead() (audit.Checkpoint, bool, error) {
	if m.head == nil {
		return audit.Checkpoint{}, false, nil
	}
	return *m.head, true, nil
}

func newLog(n int) *memLog {
	m := &memLog{key: bytes.Repeat([]byte{7}, 32)}
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for i := range n {
		m.append(&audit.Event{At: at.Add(time.Duration(i) * time.Second), ActorType: audit.ActorOperator, ActorID: "op-1",
			Action: audit.ActionLogin, Target: "operator:op-1", Outcome: audit.Success, RequestID: "req", SourceIP: "192.0.2.1"})
	}
	return m
}

func TestHashIsCanonical(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &audit.Event{Seq: 1, At: at, ActorType: "operator", ActorID: "ab", Action: "c", Outcome: audit.Success}
	b := &audit.Event{Seq: 1, At: at, ActorType: "operator", ActorID: "a", Action: "bc", Outcome: audit.Success}
	if bytes.Equal(a.ComputeHash(audit.Genesis), b.ComputeHash(audit.Genesis)) {
		t.Errorf("events differing only in where a field boundary falls hash alike: encoding is not length-prefixed")
	}
	c := *a
	c.Seq = 2
	if bytes.Equal(a.ComputeHash(audit.Genesis), c.ComputeHash(audit.Genesis)) {
		t.Errorf("Seq is not hashed")
	}
	d := *a
	d.At = at.Add(time.Millisecond)
	if bytes.Equal(a.ComputeHash(audit.Genesis), d.ComputeHash(audit.Genesis)) {
		t.Errorf("At is not hashed")
	}
	if bytes.Equal(a.ComputeHash(audit.Genesis), a.ComputeHash(bytes.Repeat([]byte{1}, 32))) {
		t.Errorf("PrevHash is not hashed")
	}
}

func TestValidate(t *testing.T) {
	ok := audit.Event{ActorType: audit.ActorSystem, Action: "x.y", Outcome: audit.Failure}
	tests := []struct {
		name string
		edit func(*audit.Event)
		ok   bool
	}{
		{"complete", func(*audit.Event) {}, true},
		{"no actor type", func(e *audit.Event) { e.ActorType = "" }, false},
		{"no action", func(e *audit.Event) { e.Action = "" }, false},
		{"bad outcome", func(e *audit.Event) { e.Outcome = "maybe" }, false},
		{"huge reason", func(e *audit.Event) { e.Reason = strings.Repeat("x", 5000) }, false},
		{"phone number as actor", func(e *audit.Event) { e.ActorID = "+34612345678" }, false},
		{"phone number as target", func(e *audit.Event) { e.Target = "34612345678" }, false},
		{"pseudonym as actor", func(e *audit.Event) { e.ActorID = "wa:Zm9vYmFyYmF6cXV4" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.edit(&e)
			err := e.Validate()
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, audit.ErrInvalid)) {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		tamper func(m *memLog)
		seq    int64
		kind   audit.BreakKind
	}{
		{"intact", 250, func(*memLog) {}, 0, ""},
		{"empty", 0, func(*memLog) {}, 0, ""},
		{"edited", 20, func(m *memLog) { m.events[4].Reason = "nothing to see" }, 5, audit.BreakEdited},
		{"deleted", 20, func(m *memLog) { m.events = append(m.events[:4], m.events[5:]...) }, 5, audit.BreakMissing},
		{"deleted first", 20, func(m *memLog) { m.events = m.events[1:] }, 1, audit.BreakMissing},
		{"deleted last", 20, func(m *memLog) { m.events = m.events[:19] }, 20, audit.BreakTruncated},
		{"reordered", 20, func(m *memLog) {
			m.events[4], m.events[5] = m.events[5], m.events[4]
			m.events[4].Seq, m.events[5].Seq = 5, 6
		}, 5, audit.BreakLink},
		{"rewritten and re-hashed", 250, func(m *memLog) {
			m.events[149].Reason = "rewritten"
			for i := 149; i < len(m.events); i++ {
				audit.Link(m.events[i], m.events[i-1].Seq, m.events[i-1].Hash)
			}
		}, 101, audit.BreakRewritten},
		{"checkpoint forged", 250, func(m *memLog) { m.cps[1].Hash = bytes.Repeat([]byte{9}, 32) }, 200, audit.BreakForged},
		{"head forged", 20, func(m *memLog) { m.head.Seq = 19 }, 19, audit.BreakForged},
		{"appended without the key", 20, func(m *memLog) {
			e := &audit.Event{ActorType: audit.ActorSystem, Action: "x", Outcome: audit.Success, At: time.Now()}
			audit.Link(e, 20, m.events[19].Hash)
			m.events = append(m.events, e)
		}, 21, audit.BreakUnsealed},
		// The audit retention removes the oldest events below a keyed
		// floor; cutting back further, or moving the floor without the
		// key, is caught.
		{"pruned by retention", 250, func(m *memLog) { m.prune(120) }, 0, ""},
		{"pruned then one more deleted", 250, func(m *memLog) { m.prune(120); m.events = m.events[1:] }, 121, audit.BreakMissing},
		{"floor moved without the key", 250, func(m *memLog) {
			m.prune(120)
			m.events = m.events[10:]
			m.floor.Seq, m.floor.Hash = 130, m.events[0].PrevHash
		}, 130, audit.BreakForged},
		{"floor sealed as a checkpoint", 250, func(m *memLog) {
			m.prune(200)
			*m.floor = audit.NewCheckpoint(m.key, 200, m.floor.Hash, m.floor.At)
		}, 200, audit.BreakForged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newLog(tt.n)
			tt.tamper(m)
			rep, err := audit.Verify(context.Background(), m, m.key)
			if err != nil {
				t.Fatal(err)
			}
			if tt.kind == "" {
				if rep.Break != nil {
					t.Errorf("Verify() = %v, want intact", rep.Break)
				}
				if rep.LastSeq != int64(tt.n) || rep.Checkpoints != tt.n/audit.CheckpointEvery || rep.Events != int64(len(m.events)) {
					t.Errorf("Verify() = %+v, want %d events up to %d, %d checkpoints", rep, len(m.events), tt.n, tt.n/audit.CheckpointEvery)
				}
				return
			}
			if rep.Break == nil || rep.Break.Seq != tt.seq || rep.Break.Kind != tt.kind {
				t.Errorf("Verify() break = %v, want seq %d kind %s", rep.Break, tt.seq, tt.kind)
			}
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		m := newLog(5)
		rep, err := audit.Verify(context.Background(), m, bytes.Repeat([]byte{8}, 32))
		if err != nil || rep.Break == nil || rep.Break.Kind != audit.BreakForged {
			t.Errorf("Verify(wrong key) = %+v, %v; want a forged head", rep, err)
		}
	})
}

func TestExportRoundTrip(t *testing.T) {
	m := newLog(1234)
	var buf bytes.Buffer
	n, err := audit.Export(context.Background(), m, &buf, audit.Filter{})
	if err != nil || n != 1234 {
		t.Fatalf("Export() = %d, %v; want 1234, nil", n, err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1234 {
		t.Fatalf("export has %d lines, want 1234", len(lines))
	}
	for _, key := range []string{`"seq":1,`, `"actor_type":"operator"`, `"action":"auth.login"`, `"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000"`, `"hash":"`} {
		if !strings.Contains(lines[0], key) {
			t.Errorf("first line %s lacks %s", lines[0], key)
		}
	}
	rep, err := audit.VerifyExport(strings.NewReader(buf.String()))
	if err != nil || rep.Break != nil || rep.Events != 1234 {
		t.Errorf("VerifyExport(export) = %+v, %v; want 1234 intact events", rep, err)
	}
	edited := strings.Replace(buf.String(), `"source_ip":"192.0.2.1"`, `"source_ip":"192.0.2.2"`, 1)
	rep, err = audit.VerifyExport(strings.NewReader(edited))
	if err != nil || rep.Break == nil || rep.Break.Seq != 1 || rep.Break.Kind != audit.BreakEdited {
		t.Errorf("VerifyExport(edited line 1) = %+v, %v; want edited at seq 1", rep, err)
	}
	// A later slice of the log verifies from where it starts.
	tail := strings.Join(lines[1000:], "\n")
	if rep, err := audit.VerifyExport(strings.NewReader(tail)); err != nil || rep.Break != nil || rep.LastSeq != 1234 {
		t.Errorf("VerifyExport(tail) = %+v, %v; want intact to 1234", rep, err)
	}
}
