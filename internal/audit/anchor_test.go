package audit_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
)

func TestHeadAndCheckpointMACsDiffer(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	h := bytes.Repeat([]byte{1}, audit.HashSize)
	cp := audit.NewCheckpoint(key, 100, h, time.Time{})
	if cp.ValidHeadMAC(key) || bytes.Equal(cp.MAC, audit.HeadMAC(key, 100, h)) {
		t.Fatal("a checkpoint's MAC passes as a head's")
	}
	if head := audit.NewHead(key, 100, h, time.Time{}); head.ValidMAC(key) || !head.ValidHeadMAC(key) {
		t.Fatal("head MAC domain not separate")
	}
}

func TestAnchorRoundTripAndChecks(t *testing.T) {
	m := newLog(150)
	anchor := *m.head
	got, err := audit.ParseAnchor(audit.MarshalAnchor(anchor))
	if err != nil || got.Seq != 150 || !bytes.Equal(got.Hash, anchor.Hash) || !bytes.Equal(got.MAC, anchor.MAC) {
		t.Fatalf("ParseAnchor(MarshalAnchor) = %+v, %v", got, err)
	}
	for _, bad := range []string{`{}`, `{"trement_audit_anchor":"v1","seq":0,"hash":"","mac":""}`, `not json`, `{"trement_audit_anchor":"v1","seq":3,"hash":"00","mac":"00","extra":1}`} {
		if _, err := audit.ParseAnchor([]byte(bad)); err == nil {
			t.Errorf("ParseAnchor(%s) accepted", bad)
		}
	}
	ctx := context.Background()
	if rep, _ := audit.VerifyAnchored(ctx, m, m.key, &anchor); rep.Break != nil {
		t.Errorf("VerifyAnchored(intact) = %v", rep.Break)
	}
	forged := anchor
	forged.MAC = audit.MAC(m.key, anchor.Seq, anchor.Hash) // a checkpoint's seal is no anchor
	if rep, _ := audit.VerifyAnchored(ctx, m, m.key, &forged); rep.Break == nil || rep.Break.Kind != audit.BreakForged {
		t.Errorf("VerifyAnchored(checkpoint-sealed anchor) = %v, want forged", rep.Break)
	}
	// Cut back to 120 with a genuine head of 120 (a backup's): intact
	// alone, broken against the anchor.
	m.events = m.events[:120]
	m.cps = m.cps[:1]
	h := audit.NewHead(m.key, 120, m.events[119].Hash, m.events[119].At)
	m.head = &h
	if rep, _ := audit.Verify(ctx, m, m.key); rep.Break != nil {
		t.Fatalf("Verify(cut back) = %v: the test no longer needs an anchor", rep.Break)
	}
	rep, _ := audit.VerifyAnchored(ctx, m, m.key, &anchor)
	if rep.Break == nil || rep.Break.Kind != audit.BreakTruncated || rep.Break.Seq != 121 {
		t.Errorf("VerifyAnchored(cut back) = %v, want truncated at 121", rep.Break)
	}
	if b, err := audit.CheckAnchor(ctx, m, m.key, anchor); err != nil || b == nil || b.Kind != audit.BreakTruncated {
		t.Errorf("CheckAnchor(cut back) = %v, %v", b, err)
	}
	// Emptied.
	empty := &memLog{key: m.key}
	if rep, _ := audit.VerifyAnchored(ctx, empty, m.key, &anchor); rep.Break == nil || rep.Break.Kind != audit.BreakTruncated || rep.Break.Seq != 1 {
		t.Errorf("VerifyAnchored(empty) = %+v, want truncated at 1", rep)
	}
}

func TestAnchorerNeverOverwritesEvidence(t *testing.T) {
	m := newLog(30)
	path := filepath.Join(t.TempDir(), "anchor.json")
	var sunk []int64
	a := &audit.Anchorer{Store: m, Key: m.key, File: path, Sinks: []func(context.Context, audit.Checkpoint) error{
		func(_ context.Context, c audit.Checkpoint) error { sunk = append(sunk, c.Seq); return nil },
	}}
	ctx := context.Background()
	if err := a.Once(ctx); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("anchor file = %v, %v; want mode 0600", fi, err)
	}
	if err := a.Once(ctx); err != nil || len(sunk) != 1 {
		t.Errorf("Once without a new head = %v, sinks %v; want nothing sent again", err, sunk)
	}
	newer := newLog(40) // the same events, ten more
	a.Store = newer
	if err := a.Once(ctx); err != nil || len(sunk) != 2 || sunk[1] != 40 {
		t.Fatalf("Once after 10 more events = %v, sinks %v", err, sunk)
	}
	// The log is cut back to 30 events: the anchor on file stays at 40.
	a2 := &audit.Anchorer{Store: m, Key: m.key, File: path}
	if err := a2.Once(ctx); !errors.Is(err, audit.ErrBehindAnchor) {
		t.Errorf("Once on a cut-back log = %v, want ErrBehindAnchor", err)
	}
	if c, ok, err := audit.ReadAnchorFile(path); err != nil || !ok || c.Seq != 40 {
		t.Errorf("anchor after the refusal = %+v, %v, %v; want still 40", c, ok, err)
	}
}

// TestCheckAnchorAfterRetention: an anchor whose event the audit retention
// removed still checks against the floor, and a floor moved without the
// key fails the full walk.
func TestCheckAnchorAfterRetention(t *testing.T) {
	ctx := context.Background()
	m := newLog(250)
	old := audit.NewHead(m.key, 120, m.events[119].Hash, m.events[119].At)
	older := audit.NewHead(m.key, 50, m.events[49].Hash, m.events[49].At)
	m.prune(120)
	for _, a := range []audit.Checkpoint{old, older} {
		if b, err := audit.CheckAnchor(ctx, m, m.key, a); err != nil || b != nil {
			t.Errorf("CheckAnchor(anchor at %d, floor at 120) = %v, %v; want intact", a.Seq, b, err)
		}
		rep, err := audit.VerifyAnchored(ctx, m, m.key, &a)
		if err != nil || rep.Break != nil || rep.FloorSeq != 120 {
			t.Errorf("VerifyAnchored(anchor at %d) = %+v, %v", a.Seq, rep, err)
		}
	}
	forged := audit.NewHead(m.key, 120, bytes.Repeat([]byte{1}, audit.HashSize), m.events[0].At)
	if b, _ := audit.CheckAnchor(ctx, m, m.key, forged); b == nil || b.Kind != audit.BreakRewritten {
		t.Errorf("CheckAnchor(an anchor at the floor with another hash) = %v, want rewritten", b)
	}
}
