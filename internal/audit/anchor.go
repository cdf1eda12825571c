package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// anchorJSON is an anchor on disk or on the wire: the signed head.
type anchorJSON struct {
	Kind string    `json:"trement_audit_anchor"`
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	MAC  string    `json:"mac"`
	At   time.Time `json:"at"`
}

const anchorKind = "v1"

// MarshalAnchor encodes a head as an anchor document (one JSON line).
func MarshalAnchor(head Checkpoint) []byte {
	b, _ := json.Marshal(anchorJSON{Kind: anchorKind, Seq: head.Seq, Hash: hex.EncodeToString(head.Hash), MAC: hex.EncodeToString(head.MAC), At: head.At.UTC()})
	return append(b, '\n')
}

// ParseAnchor decodes an anchor document. It checks the form only; the
// MAC is checked against the log (VerifyAnchored, CheckAnchor).
func ParseAnchor(b []byte) (Checkpoint, error) {
	var a anchorJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: anchor: %w", err)
	}
	h, err1 := hex.DecodeString(a.Hash)
	m, err2 := hex.DecodeString(a.MAC)
	if a.Kind != anchorKind || a.Seq < 1 || err1 != nil || err2 != nil || len(h) != HashSize || len(m) != HashSize {
		return Checkpoint{}, errors.New("audit: anchor: not a trement audit anchor (v1)")
	}
	return Checkpoint{Seq: a.Seq, Hash: h, MAC: m, At: a.At}, nil
}

// ReadAnchorFile reads the anchor at path; ok is false if there is no file
// yet.
func ReadAnchorFile(path string) (c Checkpoint, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: read anchor: %w", err)
	}
	c, err = ParseAnchor(b)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("%w (%s)", err, path)
	}
	return c, true, nil
}

// LoadAnchor is ReadAnchorFile for callers that hold the log to an
// optional anchor: nil, nil when path is "" or no anchor is written yet.
// An anchor that exists but cannot be read or parsed is an error, never
// "no anchor": an attacker who garbles the file must not turn the check off.
func LoadAnchor(path string) (*Checkpoint, error) {
	if path == "" {
		return nil, nil
	}
	c, ok, err := ReadAnchorFile(path)
	if err != nil || !ok {
		return nil, err
	}
	return &c, nil
}

// WriteAnchorFile replaces the anchor at path with head, atomically (a
// temporary file beside it, synced, renamed over it) and readable by its
// owner only (0600).
func WriteAnchorFile(path string, head Checkpoint) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("audit: write anchor: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(MarshalAnchor(head))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("audit: write anchor: %w", err)
	}
	return nil
}

// CheckAnchor is the quick check made at start-up and before each anchor
// is replaced: the anchor verifies under key, the sealed head verifies and
// has not moved back past it, and the log still holds the anchor's event
// with the anchor's hash. It returns the break, or nil. The full walk is
// VerifyAnchored.
func CheckAnchor(ctx context.Context, st Store, key []byte, anchor Checkpoint) (*Break, error) {
	var b *Break
	err := st.AuditSnapshot(ctx, func(r Reader) error {
		var err error
		b, err = checkAnchor(r, key, anchor)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: check anchor: %w", err)
	}
	return b, nil
}

func checkAnchor(r Reader, key []byte, anchor Checkpoint) (*Break, error) {
	if !anchor.ValidHeadMAC(key) {
		return &Break{Seq: anchor.Seq, Kind: BreakForged, Reason: "the external anchor does not verify under the audit key: it is not this log's, or it was altered"}, nil
	}
	head, ok, err := r.AuditHead()
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		return &Break{Seq: 1, Kind: BreakTruncated, Reason: fmt.Sprintf("the external anchor vouches for event %d but the log has no sealed head: it was emptied", anchor.Seq)}, nil
	case !head.ValidHeadMAC(key):
		return &Break{Seq: head.Seq, Kind: BreakForged, Reason: "the sealed head does not verify under the audit key: it was forged, altered or copied from a checkpoint"}, nil
	case head.Seq < anchor.Seq:
		return &Break{Seq: head.Seq + 1, Kind: BreakTruncated, Reason: fmt.Sprintf("the external anchor vouches for event %d but the sealed head is at %d: the log was cut back", anchor.Seq, head.Seq)}, nil
	}
	floor, haveFloor, err := r.AuditFloor()
	if err != nil {
		return nil, err
	}
	if haveFloor && anchor.Seq <= floor.Seq {
		// Retention removed the anchor's event; the floor, if it is at
		// that event, still holds its hash. A floor moved by someone
		// without the key is the full walk's to report.
		if anchor.Seq == floor.Seq && !bytes.Equal(floor.Hash, anchor.Hash) {
			return &Break{Seq: anchor.Seq, Kind: BreakRewritten, Reason: fmt.Sprintf("event %d's hash differs from the external anchor's: the log was rewritten or replaced", anchor.Seq)}, nil
		}
		return nil, nil
	}
	evs, err := r.AuditEvents(Filter{AfterSeq: anchor.Seq - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 || evs[0].Seq != anchor.Seq {
		return &Break{Seq: anchor.Seq, Kind: BreakTruncated, Reason: fmt.Sprintf("the external anchor vouches for event %d but the log no longer holds it", anchor.Seq)}, nil
	}
	if !bytes.Equal(evs[0].Hash, anchor.Hash) {
		return &Break{Seq: anchor.Seq, Kind: BreakRewritten, Reason: fmt.Sprintf("event %d's hash differs from the external anchor's: the log was rewritten or replaced", anchor.Seq)}, nil
	}
	return nil, nil
}

// Anchorer writes the signed head outside the database now and then: to
// File (replaced atomically, 0600), to the log stream (an "audit anchor"
// line with seq, hash and MAC) and to every Sink. Before replacing the
// file it checks the log against the anchor already there, so a log that
// was cut back never overwrites the evidence: the anchor, like the head,
// only moves forward.
type Anchorer struct {
	Store  Store
	Key    []byte
	File   string                                          // empty: no file
	Sinks  []func(ctx context.Context, c Checkpoint) error // e.g. a webhook
	Logger *slog.Logger
	last   int64 // seq of the last head anchored
}

// ErrBehindAnchor wraps the break found when the log no longer reaches the
// anchor on file: it was truncated, rewritten or replaced.
var ErrBehindAnchor = errors.New("audit: the log does not match its external anchor")

// Once anchors the current head if it moved since the last call. It
// returns an error wrapping ErrBehindAnchor (and leaves the file alone)
// when the log no longer matches the anchor on file.
func (a *Anchorer) Once(ctx context.Context) error {
	var head Checkpoint
	var ok bool
	var brk *Break
	var prev Checkpoint
	var havePrev bool
	if a.File != "" {
		var err error
		if prev, havePrev, err = ReadAnchorFile(a.File); err != nil {
			return err
		}
	}
	err := a.Store.AuditSnapshot(ctx, func(r Reader) error {
		var err error
		if head, ok, err = r.AuditHead(); err != nil {
			return err
		}
		if havePrev {
			brk, err = checkAnchor(r, a.Key, prev)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("audit: anchor: %w", err)
	}
	if brk != nil {
		return fmt.Errorf("%w (%s): %w", ErrBehindAnchor, a.File, brk)
	}
	if !ok || head.Seq == a.last || (havePrev && head.Seq == prev.Seq && a.last == 0) {
		a.last = max(a.last, head.Seq)
		if havePrev {
			// Still current: the file's time says the anchorer is alive
			// (AnchorAge), without rewriting the same head.
			now := time.Now()
			if err := os.Chtimes(a.File, now, now); err != nil {
				return fmt.Errorf("audit: anchor: %w", err)
			}
		}
		return nil
	}
	if a.File != "" {
		if err := WriteAnchorFile(a.File, head); err != nil {
			return err
		}
	}
	if a.Logger != nil {
		a.Logger.Info("audit anchor", "seq", head.Seq, "hash", hex.EncodeToString(head.Hash), "mac", hex.EncodeToString(head.MAC))
	}
	var errs []error
	for _, sink := range a.Sinks {
		errs = append(errs, sink(ctx, head))
	}
	a.last = head.Seq
	return errors.Join(errs...)
}

// AnchorAge is how long ago the anchorer last confirmed the anchor at path
// (it rewrites the file when the head moves and touches it otherwise); ok
// is false if there is no anchor file.
func AnchorAge(path string) (age time.Duration, ok bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return max(time.Since(fi.ModTime()), 0), true
}
