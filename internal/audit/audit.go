// Package audit is trement's tamper-evident record of who did what: an
// append-only, hash-chained log of security-relevant events that an auditor
// can verify offline.
//
// # Why a chain
//
// Each event's Hash is SHA-256 over a canonical, length-prefixed encoding of
// all its fields and the previous event's hash (genesis: 32 zero bytes), so
// editing, deleting, inserting or reordering a row breaks a link that Verify
// names. A chain alone can be rewritten and re-hashed by anyone with write
// access to the database, so the store also keeps keyed checkpoints: every
// CheckpointEvery events (and on demand) an HMAC-SHA256 over (seq, hash) with
// a key derived from the system secret (CheckpointKeyPurpose), plus a MAC'd
// head naming the newest event, sealed under a MAC domain of its own so a
// checkpoint cannot pose as the head. Rewriting history then needs the key
// too, and cutting events off the end leaves the head pointing past the
// last row.
//
// # Anchors
//
// Whoever owns the database can still cut the log back to an older state
// with its own genuine head (a backup), or empty it. So the signed head is
// also written, now and then, somewhere the database cannot rewrite: a file
// outside the data folder, the log stream, a webhook (Anchorer). Verify
// with an anchor reports a log shorter than the anchor, or differing from
// it, as broken; an empty log with a non-empty anchor included.
//
// # Fails closed
//
// An action whose audit record could not be written is refused: callers
// append in the same transaction as the action (Appender), so the two commit
// together or not at all.
//
// # Identifiers
//
// ActorID and Target never hold a phone number or other raw identifier of a
// customer: customers appear as keyed pseudonyms (store.DB.Pseudonym), so
// events about one person link without naming them.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ActorType says what kind of party acted.
type ActorType string

// Actor types.
const (
	ActorOperator  ActorType = "operator"  // a signed-in console user; ActorID is the operator id
	ActorToken     ActorType = "token"     // an API token; ActorID is the token id
	ActorSystem    ActorType = "system"    // trement itself or its CLI
	ActorCustomer  ActorType = "customer"  // a WhatsApp customer; ActorID is a pseudonym, never the number
	ActorMeta      ActorType = "meta"      // Meta's platform (webhooks)
	ActorAnonymous ActorType = "anonymous" // an unauthenticated HTTP client (failed sign-ins, denials)
)

// Outcome is how the action ended.
type Outcome string

// Outcomes.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
	Denied  Outcome = "denied"
)

// Actions recorded by trement. Other packages may add their own
// "area.verb" names; these are the ones the console and auth write.
const (
	ActionLogin             = "auth.login"
	ActionLoginFailed       = "auth.login_failed"
	ActionLoginPassword     = "auth.login_password"
	ActionLockout           = "auth.lockout"
	ActionLogout            = "auth.logout"
	ActionLogoutEverywhere  = "auth.logout_everywhere"
	ActionMFAEnrolled       = "auth.mfa_enrolled"
	ActionMFAEnrolStart     = "auth.mfa_enrol_started"
	ActionMFAReset          = "auth.mfa_reset"
	ActionRecoveryCodeUsed  = "auth.recovery_code_used"
	ActionPasswordChange    = "auth.password_change"
	ActionDenied            = "auth.denied"
	ActionOperatorCreate    = "operator.create"
	ActionOperatorUpdate    = "operator.update"
	ActionOperatorDelete    = "operator.delete"
	ActionRoleChange        = "role.change"
	ActionTokenCreate       = "token.create"
	ActionTokenRevoke       = "token.revoke"
	ActionPIIReveal         = "pii.reveal"
	ActionAuditRead         = "audit.read"
	ActionAuditExport       = "audit.export"
	ActionAuditVerify       = "audit.verify"
	ActionAuditCheckpoint   = "audit.checkpoint"
	ActionExportTraining    = "export.training"
	ActionContactErase      = "contact.erase"
	ActionConfigChange      = "config.change"
	ActionKeysRotate        = "keys.rotate"
	ActionConsentOptIn      = "consent.opt_in"
	ActionWebhookBadSig     = "webhook.signature_invalid"
	ActionConversationReply = "conversation.reply"
	ActionConversationTake  = "conversation.take"
	ActionConversationBack  = "conversation.handback"
	ActionConversationAssgn = "conversation.assign"
	ActionConversationNote  = "conversation.note"
	// ActionMediaView is an operator opening a file a customer sent.
	ActionMediaView = "conversation.media_view"
	// ActionEscalate is the bot handing a conversation to a person; the
	// console's dashboard counts these and times the first human reply.
	ActionEscalate = "conversation.escalate"
	// Meta's reports about the business side (webhooks of the account,
	// number quality and template fields); Reason starts with the
	// severity ("critical: ", "warning: ", "info: ").
	ActionMetaNumberQuality   = "meta.number_quality"
	ActionMetaAccount         = "meta.account"
	ActionMetaTemplate        = "meta.template"
	ActionMetaTemplateQuality = "meta.template_quality"
)

// Event is one audit record. Seq, PrevHash and Hash are set when it is
// appended; At is set then too if zero.
type Event struct {
	Seq       int64
	At        time.Time
	ActorType ActorType
	ActorID   string // operator id, token id or customer pseudonym; never a phone number
	Action    string // "area.verb", e.g. "auth.login", "pii.reveal"
	Target    string // what was acted on, e.g. "operator:<id>", "conversation:<id>"
	Outcome   Outcome
	Reason    string // why it was denied or failed, or the operator's stated reason
	RequestID string
	SourceIP  string
	PrevHash  []byte
	Hash      []byte
}

// Checkpoint is a keyed seal over the chain at one event: MAC is
// HMAC-SHA256(key, tag | seq | hash). The store's head and the external
// anchors are Checkpoints of the newest event, under the head tag
// (NewHead); the others under the checkpoint tag (NewCheckpoint).
type Checkpoint struct {
	Seq  int64
	Hash []byte
	MAC  []byte
	At   time.Time
}

const (
	// HashSize is the size of Hash and PrevHash.
	HashSize = sha256.Size
	// CheckpointEvery is how many events apart automatic checkpoints are.
	CheckpointEvery = 100
	// CheckpointKeyPurpose names the key, derived from the system secret
	// (store.DB.DeriveKey), that MACs checkpoints and the head.
	CheckpointKeyPurpose = "audit-checkpoint/v1"
	// maxField bounds every text field, so one event cannot bloat the log.
	maxField = 4096
)

// Genesis is the PrevHash of the first event.
var Genesis = make([]byte, HashSize)

// ErrInvalid means an event misses a required field or holds an oversized
// one; it is not appended.
var ErrInvalid = errors.New("audit: invalid event")

// Validate checks that e can be appended: it names an actor type, an action
// and an outcome, and no field is longer than 4096 bytes.
func (e *Event) Validate() error {
	switch {
	case e.ActorType == "":
		return fmt.Errorf("%w: no actor type", ErrInvalid)
	case e.Action == "":
		return fmt.Errorf("%w: no action", ErrInvalid)
	case e.Outcome != Success && e.Outcome != Failure && e.Outcome != Denied:
		return fmt.Errorf("%w: outcome %q", ErrInvalid, e.Outcome)
	}
	for _, s := range e.texts() {
		if len(s) > maxField {
			return fmt.Errorf("%w: a field is longer than %d bytes", ErrInvalid, maxField)
		}
	}
	if phoneLike(e.ActorID) || phoneLike(e.Target) {
		return fmt.Errorf("%w: actor or target looks like a phone number; use a pseudonym", ErrInvalid)
	}
	return nil
}

// phoneLike reports whether any ':'-separated part of s is a phone number
// (7 to 15 digits, perhaps with '+', spaces or dashes, at most 20
// characters, so ids such as UUIDs never match): a guard against writing a
// customer's number where a pseudonym belongs.
func phoneLike(s string) bool {
	for part := range strings.SplitSeq(s, ":") {
		if len(part) > 20 {
			continue
		}
		digits := 0
		only := true
		for i, r := range part {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r == ' ' || r == '-' || (r == '+' && i == 0):
			default:
				only = false
			}
		}
		if only && digits >= 7 && digits <= 15 {
			return true
		}
	}
	return false
}

// texts lists the text fields in their canonical order.
func (e *Event) texts() [8]string {
	return [...]string{string(e.ActorType), e.ActorID, e.Action, e.Target, string(e.Outcome), e.Reason, e.RequestID, e.SourceIP}
}

// ComputeHash returns SHA-256 over the canonical encoding of e's fields
// (not Hash) and prev. The encoding is a version tag, Seq and At (Unix ms) as
// 8-byte big-endian integers, then every text field and prev as a 4-byte
// big-endian length followed by its bytes, so no two different events encode
// alike.
func (e *Event) ComputeHash(prev []byte) []byte {
	h := sha256.New()
	var b [8]byte
	h.Write([]byte("trement/audit/v1"))
	binary.BigEndian.PutUint64(b[:], uint64(e.Seq))
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(e.At.UnixMilli()))
	h.Write(b[:])
	field := func(p []byte) {
		binary.BigEndian.PutUint32(b[:4], uint32(len(p)))
		h.Write(b[:4])
		h.Write(p)
	}
	for _, s := range e.texts() {
		field([]byte(s))
	}
	field(prev)
	return h.Sum(nil)
}

// Link makes e the event after (prevSeq, prevHash): it sets Seq, normalises
// At to UTC milliseconds (the precision stored), and sets PrevHash and Hash.
// For the first event prevSeq is 0 and prevHash Genesis.
func Link(e *Event, prevSeq int64, prevHash []byte) {
	e.Seq = prevSeq + 1
	e.At = e.At.UTC().Truncate(time.Millisecond)
	e.PrevHash = append([]byte(nil), prevHash...)
	e.Hash = e.ComputeHash(e.PrevHash)
}

// MAC domains: a checkpoint's seal and the head's are computed under
// different tags, so one can never stand in for the other (copying
// checkpoint N into the head after cutting the log at N yields a head
// whose MAC does not verify).
const (
	checkpointDomain = "trement/audit-checkpoint/v1"
	headDomain       = "trement/audit-head/v1"
	floorDomain      = "trement/audit-floor/v1"
)

func mac(key []byte, domain string, seq int64, hash []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(domain))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	m.Write(b[:])
	m.Write(hash)
	return m.Sum(nil)
}

// MAC returns HMAC-SHA256(key, checkpoint tag | seq | hash), the seal of a
// checkpoint.
func MAC(key []byte, seq int64, hash []byte) []byte { return mac(key, checkpointDomain, seq, hash) }

// HeadMAC returns HMAC-SHA256(key, head tag | seq | hash), the seal of the
// head and of the external anchors written from it.
func HeadMAC(key []byte, seq int64, hash []byte) []byte { return mac(key, headDomain, seq, hash) }

// NewFloor seals (seq, hash), the last event retention removed, with key
// as the floor the chain starts from.
func NewFloor(key []byte, seq int64, hash []byte, at time.Time) Checkpoint {
	return Checkpoint{Seq: seq, Hash: append([]byte(nil), hash...), MAC: mac(key, floorDomain, seq, hash), At: at}
}

// ValidFloorMAC reports in constant time whether c's MAC is right for a
// floor under key.
func (c Checkpoint) ValidFloorMAC(key []byte) bool {
	return hmac.Equal(c.MAC, mac(key, floorDomain, c.Seq, c.Hash))
}

// NewCheckpoint seals (seq, hash) with key as a checkpoint.
func NewCheckpoint(key []byte, seq int64, hash []byte, at time.Time) Checkpoint {
	return Checkpoint{Seq: seq, Hash: append([]byte(nil), hash...), MAC: MAC(key, seq, hash), At: at}
}

// NewHead seals (seq, hash) with key as the head.
func NewHead(key []byte, seq int64, hash []byte, at time.Time) Checkpoint {
	return Checkpoint{Seq: seq, Hash: append([]byte(nil), hash...), MAC: HeadMAC(key, seq, hash), At: at}
}

// ValidMAC reports in constant time whether c's MAC is right for a
// checkpoint under key.
func (c Checkpoint) ValidMAC(key []byte) bool {
	return hmac.Equal(c.MAC, MAC(key, c.Seq, c.Hash))
}

// ValidHeadMAC reports in constant time whether c's MAC is right for a
// head (or an anchor) under key.
func (c Checkpoint) ValidHeadMAC(key []byte) bool {
	return hmac.Equal(c.MAC, HeadMAC(key, c.Seq, c.Hash))
}

// Filter selects events to read.
type Filter struct {
	AfterSeq int64  // only events with Seq > AfterSeq
	Action   string // empty: any
	ActorID  string // empty: any
	Since    time.Time
	Until    time.Time
	Limit    int // at most this many; zero or negative means 100, capped at 10000
}

// Appender appends an event in the caller's transaction, so the action and
// its record commit together; *store.Tx implements it. An error means the
// event was not recorded and the action must fail.
type Appender interface {
	AppendAudit(e *Event) error
}

// Reader reads the log within one consistent snapshot.
type Reader interface {
	// AuditEvents returns the events f selects in seq order.
	AuditEvents(f Filter) ([]*Event, error)
	// AuditCheckpoints returns every checkpoint in seq order.
	AuditCheckpoints() ([]Checkpoint, error)
	// AuditHead returns the sealed head (seq and hash of the newest event
	// appended); ok is false if nothing was ever appended.
	AuditHead() (head Checkpoint, ok bool, err error)
	// AuditFloor returns the sealed floor (seq and hash of the last event
	// the audit retention removed); ok is false if none was ever removed.
	AuditFloor() (floor Checkpoint, ok bool, err error)
}

// Store is what this package needs from persistence: a consistent,
// read-only snapshot of the log. *store.DB implements it.
type Store interface {
	AuditSnapshot(ctx context.Context, fn func(Reader) error) error
}
