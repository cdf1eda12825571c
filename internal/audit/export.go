package audit

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// record is an event's JSON form: one line of an export. Hashes are hex.
type record struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorType ActorType `json:"actor_type"`
	ActorID   string    `json:"actor_id"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Outcome   Outcome   `json:"outcome"`
	Reason    string    `json:"reason"`
	RequestID string    `json:"request_id"`
	SourceIP  string    `json:"source_ip"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// MarshalJSON writes e with snake_case keys and hex hashes, every field
// present, so an export can be re-hashed by anyone.
func (e *Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(record{
		Seq: e.Seq, At: e.At.UTC(), ActorType: e.ActorType, ActorID: e.ActorID, Action: e.Action,
		Target: e.Target, Outcome: e.Outcome, Reason: e.Reason, RequestID: e.RequestID, SourceIP: e.SourceIP,
		PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash),
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	prev, err := hex.DecodeString(r.PrevHash)
	if err != nil {
		return fmt.Errorf("audit: prev_hash: %w", err)
	}
	h, err := hex.DecodeString(r.Hash)
	if err != nil {
		return fmt.Errorf("audit: hash: %w", err)
	}
	*e = Event{Seq: r.Seq, At: r.At.UTC(), ActorType: r.ActorType, ActorID: r.ActorID, Action: r.Action,
		Target: r.Target, Outcome: r.Outcome, Reason: r.Reason, RequestID: r.RequestID, SourceIP: r.SourceIP,
		PrevHash: prev, Hash: h}
	return nil
}

// Export writes the events f selects as JSON Lines, oldest first, from one
// snapshot, and returns how many it wrote. f.Limit is the page size; all
// matching events are written.
func Export(ctx context.Context, st Store, w io.Writer, f Filter) (int, error) {
	n := 0
	err := st.AuditSnapshot(ctx, func(r Reader) error {
		var err error
		n, err = ExportFrom(ctx, r, w, f)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	return n, nil
}

// ExportFrom is Export from a Reader the caller already holds.
func ExportFrom(ctx context.Context, r Reader, w io.Writer, f Filter) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	f.Limit = verifyPage
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		page, err := r.AuditEvents(f)
		if err != nil {
			return n, err
		}
		for _, e := range page {
			if err := enc.Encode(e); err != nil {
				return n, err
			}
			n++
			f.AfterSeq = e.Seq
		}
		if len(page) < verifyPage {
			break
		}
	}
	return n, bw.Flush()
}

// VerifyExport checks the chain of an exported JSON Lines stream without the
// key: every event's hash matches its contents and links to the one before.
// It cannot see rewriting (that needs the keyed checkpoints: use Verify) and
// it anchors on the first event read, so an export starting after seq 0 is
// checked from there. An export filtered by action or actor is not a chain
// and will report a break.
func VerifyExport(r io.Reader) (*Report, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var v *verifier
	rep := &Report{}
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("audit: verify export: line %d: %w", v.count()+1, err)
		}
		if v == nil {
			v = newVerifier(nil, nil)
			if e.Seq > 1 {
				v.prevSeq, v.prevHash = e.Seq-1, e.PrevHash
			}
		}
		if rep.Break = v.next(&e); rep.Break != nil {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit: verify export: %w", err)
	}
	if v != nil {
		rep.Events, rep.LastSeq = v.n, v.prevSeq
	}
	return rep, nil
}

func (v *verifier) count() int64 {
	if v == nil {
		return 0
	}
	return v.n
}
