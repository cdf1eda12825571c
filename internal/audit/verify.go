package audit

import (
	"bytes"
	"context"
	"fmt"
)

// BreakKind classifies a broken link.
type BreakKind string

// Kinds of break Verify reports.
const (
	// BreakEdited: an event's hash does not match its contents.
	BreakEdited BreakKind = "edited"
	// BreakLink: an event's PrevHash is not the previous event's hash, so
	// an event before it was deleted, or it was inserted or moved here.
	BreakLink BreakKind = "link"
	// BreakMissing: the sequence skips numbers: events were deleted.
	BreakMissing BreakKind = "missing"
	// BreakRewritten: the chain is self-consistent but differs from a keyed
	// checkpoint or the head: it was rewritten and re-hashed.
	BreakRewritten BreakKind = "rewritten"
	// BreakForged: a checkpoint's or the head's MAC does not verify.
	BreakForged BreakKind = "forged"
	// BreakTruncated: events the head or a checkpoint vouches for are gone.
	BreakTruncated BreakKind = "truncated"
	// BreakUnsealed: events exist beyond the sealed head: inserted.
	BreakUnsealed BreakKind = "unsealed"
)

// Break is the first broken link Verify found.
type Break struct {
	Seq    int64 // the first event that is missing, altered or out of place
	Kind   BreakKind
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit: log broken at seq %d (%s): %s", b.Seq, b.Kind, b.Reason)
}

// Report is the result of Verify.
type Report struct {
	Events      int64 // events read
	LastSeq     int64
	Checkpoints int
	HeadSeq     int64
	FloorSeq    int64  // events up to here were removed by the audit retention
	AnchorSeq   int64  // the external anchor's seq, if one was given
	Break       *Break // nil if the log is intact
}

// verifier walks events in seq order, one at a time.
type verifier struct {
	prevSeq  int64
	prevHash []byte
	cps      map[int64]Checkpoint
	lastCP   int64 // seq of the last checkpoint passed
	key      []byte
	anchor   *Checkpoint // an external anchor to hold the log to, if any
	n        int64
}

func newVerifier(key []byte, cps []Checkpoint) *verifier {
	v := &verifier{prevHash: Genesis, key: key, cps: make(map[int64]Checkpoint, len(cps))}
	for _, c := range cps {
		v.cps[c.Seq] = c
	}
	return v
}

// next checks e against the event before it and any checkpoint at its seq.
func (v *verifier) next(e *Event) *Break {
	v.n++
	want := v.prevSeq + 1
	if e.Seq != want {
		if e.Seq < want {
			return &Break{Seq: e.Seq, Kind: BreakLink, Reason: fmt.Sprintf("event %d appears after event %d: reordered", e.Seq, v.prevSeq)}
		}
		return &Break{Seq: want, Kind: BreakMissing, Reason: fmt.Sprintf("the log jumps from event %d to %d: %d event(s) deleted", v.prevSeq, e.Seq, e.Seq-want)}
	}
	if !bytes.Equal(e.PrevHash, v.prevHash) {
		return &Break{Seq: e.Seq, Kind: BreakLink, Reason: fmt.Sprintf("event %d does not link to event %d (prev_hash differs): an event was deleted, inserted or reordered here", e.Seq, v.prevSeq)}
	}
	if !bytes.Equal(e.ComputeHash(e.PrevHash), e.Hash) {
		return &Break{Seq: e.Seq, Kind: BreakEdited, Reason: fmt.Sprintf("event %d was edited: its hash does not match its contents", e.Seq)}
	}
	if c, ok := v.cps[e.Seq]; ok && v.key != nil {
		if b := v.checkpoint(c, e, "checkpoint", c.ValidMAC(v.key)); b != nil {
			return b
		}
		v.lastCP = e.Seq
	}
	if a := v.anchor; a != nil && a.Seq == e.Seq && !bytes.Equal(a.Hash, e.Hash) {
		return &Break{Seq: e.Seq, Kind: BreakRewritten, Reason: fmt.Sprintf("event %d's hash differs from the external anchor's: the log was rewritten or replaced since the anchor was written", e.Seq)}
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	return nil
}

// checkpoint checks a keyed seal (whose MAC is validMAC) against the event
// at its seq.
func (v *verifier) checkpoint(c Checkpoint, e *Event, what string, validMAC bool) *Break {
	if !validMAC {
		return &Break{Seq: c.Seq, Kind: BreakForged, Reason: fmt.Sprintf("the %s at event %d does not verify under the audit key: it was forged or altered", what, c.Seq)}
	}
	if !bytes.Equal(c.Hash, e.Hash) {
		return &Break{Seq: v.lastCP + 1, Kind: BreakRewritten, Reason: fmt.Sprintf("the chain is consistent but event %d's hash differs from the %s sealed at it: events %d..%d were rewritten and re-hashed", c.Seq, what, v.lastCP+1, c.Seq)}
	}
	return nil
}

// end checks, after the last event, what the head and checkpoints vouch for.
func (v *verifier) end(head Checkpoint, haveHead bool, last *Event) *Break {
	var maxCP int64
	for s := range v.cps {
		maxCP = max(maxCP, s)
	}
	if maxCP > v.prevSeq {
		return &Break{Seq: v.prevSeq + 1, Kind: BreakTruncated, Reason: fmt.Sprintf("a checkpoint vouches for event %d but the log ends at %d: events deleted", maxCP, v.prevSeq)}
	}
	if a := v.anchor; a != nil && a.Seq > v.prevSeq {
		return &Break{Seq: v.prevSeq + 1, Kind: BreakTruncated, Reason: fmt.Sprintf("the external anchor vouches for event %d but the log ends at %d: events deleted or the log replaced by an older copy", a.Seq, v.prevSeq)}
	}
	switch {
	case !haveHead && v.prevSeq > 0:
		return &Break{Seq: v.prevSeq, Kind: BreakForged, Reason: "events exist but the sealed head is gone"}
	case !haveHead:
		return nil
	case !head.ValidHeadMAC(v.key):
		return &Break{Seq: head.Seq, Kind: BreakForged, Reason: "the sealed head does not verify under the audit key: it was forged, altered or copied from a checkpoint"}
	case head.Seq > v.prevSeq:
		return &Break{Seq: v.prevSeq + 1, Kind: BreakTruncated, Reason: fmt.Sprintf("the sealed head is at event %d but the log ends at %d: events deleted", head.Seq, v.prevSeq)}
	case head.Seq < v.prevSeq:
		return &Break{Seq: head.Seq + 1, Kind: BreakUnsealed, Reason: fmt.Sprintf("events %d..%d lie beyond the sealed head at %d: inserted", head.Seq+1, v.prevSeq, head.Seq)}
	}
	return v.checkpoint(head, last, "head", head.ValidHeadMAC(v.key))
}

// verifyPage is how many events Verify and Export read at a time.
const verifyPage = 1000

// Verify walks the whole log in seq order inside one snapshot and reports
// the first broken link: an edited event (its hash does not match), a
// deleted, inserted or reordered one (a seq gap or a prev_hash that does not
// link), a chain rewritten and re-hashed (a keyed checkpoint or the head
// disagrees, or its MAC does not verify), or events cut off the end (the
// head points past the last event). key is the checkpoint key
// (CheckpointKeyPurpose). The error is for failures to read, not for breaks.
func Verify(ctx context.Context, st Store, key []byte) (*Report, error) {
	return VerifyAnchored(ctx, st, key, nil)
}

// VerifyAnchored is Verify that also holds the log to an external anchor
// (a head written outside the database, ReadAnchorFile): the anchor's MAC
// must verify, the log must reach the anchor's event, and that event's hash
// must be the anchor's. A log that is empty, or shorter than the anchor, or
// that differs from it, is broken (BreakTruncated, BreakRewritten; a bad
// anchor MAC is BreakForged). A nil anchor is plain Verify.
func VerifyAnchored(ctx context.Context, st Store, key []byte, anchor *Checkpoint) (*Report, error) {
	var rep *Report
	err := st.AuditSnapshot(ctx, func(r Reader) error {
		var err error
		rep, err = verifyReader(ctx, r, key, anchor)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: verify: %w", err)
	}
	return rep, nil
}

func verifyReader(ctx context.Context, r Reader, key []byte, anchor *Checkpoint) (*Report, error) {
	head, haveHead, err := r.AuditHead()
	if err != nil {
		return nil, err
	}
	cps, err := r.AuditCheckpoints()
	if err != nil {
		return nil, err
	}
	rep := &Report{Checkpoints: len(cps), HeadSeq: head.Seq}
	if anchor != nil {
		rep.AnchorSeq = anchor.Seq
		if !anchor.ValidHeadMAC(key) {
			rep.Break = &Break{Seq: anchor.Seq, Kind: BreakForged, Reason: "the external anchor does not verify under the audit key: it is not this log's, or it was altered"}
			return rep, nil
		}
	}
	v := newVerifier(key, cps)
	v.anchor = anchor
	floor, haveFloor, err := r.AuditFloor()
	if err != nil {
		return nil, err
	}
	if haveFloor {
		// The chain starts after the floor: the events up to it were
		// removed by retention, and only the audit key can say where.
		if !floor.ValidFloorMAC(key) {
			rep.Break = &Break{Seq: floor.Seq, Kind: BreakForged, Reason: "the retention floor does not verify under the audit key: it was forged or moved to hide deleted events"}
			return rep, nil
		}
		rep.FloorSeq, v.prevSeq, v.prevHash = floor.Seq, floor.Seq, floor.Hash
		v.lastCP = floor.Seq
		if anchor != nil && anchor.Seq == floor.Seq && !bytes.Equal(anchor.Hash, floor.Hash) {
			rep.Break = &Break{Seq: floor.Seq, Kind: BreakRewritten, Reason: fmt.Sprintf("event %d's hash differs from the external anchor's: the log was rewritten or replaced since the anchor was written", floor.Seq)}
			return rep, nil
		}
	}
	var last *Event
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		page, err := r.AuditEvents(Filter{AfterSeq: v.prevSeq, Limit: verifyPage})
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if rep.Break = v.next(e); rep.Break != nil {
				rep.Events, rep.LastSeq = v.n, v.prevSeq
				return rep, nil
			}
			last = e
		}
		if len(page) < verifyPage {
			break
		}
	}
	rep.Events, rep.LastSeq = v.n, v.prevSeq
	rep.Break = v.end(head, haveHead, last)
	return rep, nil
}
