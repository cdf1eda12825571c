// Package rights makes the customer's data-subject rights real: every
// request (access, portability, correction, erasure, restriction or
// objection) is recorded with its source, how the requester's identity
// stands, a due date from the customer's region, and a status whose every
// move is audited; access and portability are fulfilled with a ZIP of
// everything trement holds about the customer, downloaded once through a
// short-lived signed link.
//
// # Requests
//
// A request written from the customer's own WhatsApp number is verified.
// One entered by an operator (console, API, or logged by the DPO from
// another channel) waits for the customer to confirm it over WhatsApp
// (a confirm button bound to the request and to that customer). Verified
// requests are fulfilled automatically unless Config.RequireApproval makes
// each wait for the DPO. Due dates come from internal/policy: the
// region's deadline for the type, the strictest where two apply, and
// erasure within 72 hours at most. A customer's erasure closes every
// request of theirs still open.
//
// # Exports
//
// The ZIP (JSON and CSV of each part) is written as a stream into sealed
// chunks (never whole in memory): the store seals each chunk under a key
// of the export's own, itself sealed under the customer's data key, so a
// download, the expiry or the customer's erasure shreds it. The link's
// token is random, signed (HMAC) so a guessed or tampered one is refused
// without a look-up, stored only as a SHA-256, and works once.
package rights

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/trement/trement/internal/policy"
)

// Type is what a request asks for.
type Type string

// Request types.
const (
	Access      Type = "access"      // a copy of the data (GDPR Art. 15)
	Portability Type = "portability" // the data in a machine-readable format (Art. 20)
	Correction  Type = "correction"  // rectification (Art. 16)
	Erasure     Type = "erasure"     // deletion (Art. 17)
	Restriction Type = "restriction" // restriction of or objection to processing (Art. 18, 21)
)

// Types lists every request type.
func Types() []Type { return []Type{Access, Portability, Correction, Erasure, Restriction} }

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return slices.Contains(Types(), t) }

// Source is where a request came from.
type Source string

// Sources. Only SourceWhatsApp is verified by itself: the customer wrote
// from their own number.
const (
	SourceWhatsApp Source = "whatsapp"
	SourceConsole  Source = "console"
	SourceAPI      Source = "api"
	SourceDPO      Source = "dpo-logged" // logged by the DPO from another channel (email, letter, phone)
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	return slices.Contains([]Source{SourceWhatsApp, SourceConsole, SourceAPI, SourceDPO}, s)
}

// Identity is how the requester's identity stands.
type Identity string

// Identities.
const (
	IdentityVerified Identity = "verified" // from the customer's own number, or confirmed by them
	IdentityPending  Identity = "pending"  // entered by an operator: the customer has not confirmed yet
	IdentityDenied   Identity = "denied"   // the customer said it was not theirs
)

// Status is where a request stands.
type Status string

// Statuses. Completed, Refused and Closed are final.
const (
	StatusAwaitingConfirmation Status = "awaiting_confirmation" // waiting for the customer to confirm it (an operator entered it, or DELETE MY DATA awaits its phrase)
	StatusAwaitingApproval     Status = "awaiting_approval"     // waiting for the DPO (Config.RequireApproval)
	StatusOpen                 Status = "open"                  // to be fulfilled
	StatusInProgress           Status = "in_progress"           // being fulfilled
	StatusCompleted            Status = "completed"
	StatusRefused              Status = "refused" // declined, with the reason in the outcome
	StatusClosed               Status = "closed"  // ended without fulfilment: withdrawn, not confirmed, the customer erased
)

// transitions is every move a status may make.
var transitions = map[Status][]Status{
	StatusAwaitingConfirmation: {StatusAwaitingApproval, StatusOpen, StatusRefused, StatusClosed},
	StatusAwaitingApproval:     {StatusOpen, StatusRefused, StatusClosed},
	StatusOpen:                 {StatusInProgress, StatusCompleted, StatusRefused, StatusClosed},
	StatusInProgress:           {StatusOpen, StatusCompleted, StatusRefused, StatusClosed},
}

// Final reports whether s ends a request.
func (s Status) Final() bool { return s == StatusCompleted || s == StatusRefused || s == StatusClosed }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s.Final() || transitions[s] != nil }

// OperatorMoves is where an operator or the DPO may move a request from s:
// every transition but opening one the customer has not confirmed (only
// the customer's confirmation opens it).
func (s Status) OperatorMoves() []Status {
	return slices.DeleteFunc(slices.Clone(transitions[s]), func(to Status) bool { return !s.operatorMay(to) })
}

func (s Status) operatorMay(to Status) bool {
	return !(s == StatusAwaitingConfirmation && to == StatusOpen)
}

// CanMove reports whether a request may go from s to to.
func (s Status) CanMove(to Status) bool { return slices.Contains(transitions[s], to) }

// Request is one data-subject request.
type Request struct {
	ID        string
	ContactID string // empty when nobody with the number is known
	WaIndex   []byte // blind index of the number: links the request without it
	Type      Type
	Source    Source
	Identity  Identity
	Status    Status
	Region    string
	DueAt     time.Time
	Outcome   string // what was done, or why not; never personal data
	Detail    string // the customer's own statement (correction); sealed at rest
	CreatedBy string // the operator or token that entered it; empty for the customer
	CreatedAt time.Time
	UpdatedAt time.Time
	// CompletedAt is when it reached a final status.
	CompletedAt time.Time
}

// Overdue reports whether r is still open at now past its due date.
func (r *Request) Overdue(now time.Time) bool { return !r.Status.Final() && now.After(r.DueAt) }

// DueSoon reports whether r is open, not overdue, and due within window.
func (r *Request) DueSoon(now time.Time, window time.Duration) bool {
	return !r.Status.Final() && !r.Overdue(now) && r.DueAt.Sub(now) <= window
}

// ErasureCap is the longest any erasure may take, whatever the region's
// law allows.
const ErasureCap = 72 * time.Hour

// Due returns when a request of type t received at start must be answered
// under pack: the access deadline for access and portability, the
// correction-and-erasure deadline for correction, the stricter of the two
// for restriction and objection (the law asks for them without undue
// delay), and for erasure the region's deadline capped at ErasureCap.
func Due(pack policy.Pack, t Type, start time.Time) (time.Time, error) {
	access, erasure := policy.DueDate(start, pack.Access), policy.DueDate(start, pack.Erasure)
	if pack.Access.IsZero() {
		access = time.Time{}
	}
	if pack.Erasure.IsZero() {
		erasure = time.Time{}
	}
	var due time.Time
	switch t {
	case Access, Portability:
		due = access
	case Correction:
		due = erasure
	case Restriction:
		due = earliest(access, erasure)
	case Erasure:
		due = earliest(erasure, start.Add(ErasureCap))
	default:
		return time.Time{}, fmt.Errorf("rights: due: %w: unknown type %q", ErrInvalid, t)
	}
	if due.IsZero() {
		return time.Time{}, fmt.Errorf("rights: due: region %s sets no deadline for %s", pack.Region, t)
	}
	return due, nil
}

// earliest returns the earlier of two times, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}

// Errors. Callers test them with errors.Is; the HTTP adapter maps each to a
// status.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")
	ErrConflict = errors.New("conflict")
	// ErrLink is the one refusal of a download link: expired, used,
	// tampered, guessed or naming nobody all read the same.
	ErrLink = errors.New("this download link is not valid: it may have expired or been used already; write MY DATA to get a new one")
	// ErrRateLimited means too many download attempts from one source.
	ErrRateLimited = errors.New("too many download attempts: wait a minute and try again")
)
