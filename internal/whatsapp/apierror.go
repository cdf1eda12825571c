package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// APIError is an error answer from the Graph API (spec §4.4). Branch on
// Code; Meta says not to rely on Message, HTTPStatus or Subcode.
type APIError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	// Details is error_data.details, Meta's diagnostic text.
	Details string
	// FBTraceID is what Meta support asks for; log it.
	FBTraceID string
}

// Error implements error.
func (e *APIError) Error() string {
	if !e.hasMetaError() {
		return fmt.Sprintf("whatsapp: graph api: http %d without an error object", e.HTTPStatus)
	}
	s := fmt.Sprintf("whatsapp: graph api: http %d: code %d", e.HTTPStatus, e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf(" subcode %d", e.Subcode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Details != "" {
		s += " (" + e.Details + ")"
	}
	if e.FBTraceID != "" {
		s += " fbtrace_id=" + e.FBTraceID
	}
	return s
}

// hasMetaError reports whether the answer carried Meta's error object.
// Without one (a proxy's 502 page, say) Code 0 must not be read as
// "cannot authenticate".
func (e *APIError) hasMetaError() bool {
	return e.Code != 0 || e.Type != "" || e.Message != "" || e.FBTraceID != ""
}

// Action is what a sender should do after a failed send (spec §4.5).
type Action int

const (
	// NoAction: there was no error.
	NoAction Action = iota
	// RetryBackoff: retry the same request with exponential backoff and
	// jitter; slow the number's sender down on 130429.
	RetryBackoff
	// RetryRecipientLater: the pair rate limit for this recipient was hit
	// (131056). Back off 4^n seconds for this recipient only; others are
	// unaffected.
	RetryRecipientLater
	// PauseNumber: the number or account is restricted, locked, blocked or
	// has a billing problem. Stop sending from it and alert a human.
	PauseNumber
	// AuthFailed: the access token is invalid or expired. Pause all sending
	// and alert; retrying with the same token cannot succeed.
	AuthFailed
	// WindowClosed: the 24-hour window is closed (131047). Send an approved
	// template instead.
	WindowClosed
	// Permanent: do not retry this request unchanged.
	Permanent
)

var actionNames = [...]string{"none", "retry_backoff", "retry_recipient_later", "pause_number", "auth_failed", "window_closed", "permanent"}

// String returns a stable snake_case name, suitable for logs and metrics.
func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return fmt.Sprintf("action(%d)", int(a))
	}
	return actionNames[a]
}

// Error codes with a specific reaction (spec §4.5). Codes not listed are
// Permanent, unless Meta answered 5xx.
var codeActions = map[int]Action{
	130429: RetryBackoff, // throughput limit for the number
	131000: RetryBackoff, // something went wrong
	131016: RetryBackoff, // service temporarily unavailable
	131057: RetryBackoff, // maintenance mode, short
	1:      RetryBackoff, // unknown
	2:      RetryBackoff, // service temporarily down
	4:      RetryBackoff, // app-level call-rate limit: back off minutes, see RetryDelay
	80007:  RetryBackoff, // WABA-level rate limit: back off minutes, see RetryDelay
	131056: RetryRecipientLater,
	131048: PauseNumber, // spam rate limit
	368:    PauseNumber, // temporarily blocked for policy violations
	131031: PauseNumber, // account locked
	131042: PauseNumber, // payment problem
	0:      AuthFailed,
	190:    AuthFailed,
	131047: WindowClosed,
}

// Classify maps any error from Client.Send or Client.MarkRead (or a failed
// status's Error, via ClassifyCode) to an Action:
//
//   - nil: NoAction
//   - *APIError: by Code as in spec §4.5; an unlisted code is RetryBackoff
//     if Meta answered 5xx, else Permanent. An answer without Meta's error
//     object is classified by HTTP status (5xx, 429, 408: RetryBackoff;
//     401: AuthFailed; else Permanent).
//   - timeouts, network errors, context cancellation: RetryBackoff. Note
//     that Meta may have accepted a request whose answer timed out, so a
//     retry can deliver twice.
//   - ErrInvalidMessage and anything else: Permanent.
func Classify(err error) Action {
	if err == nil {
		return NoAction
	}
	var ae *APIError
	if errors.As(err, &ae) {
		if !ae.hasMetaError() {
			switch {
			case ae.HTTPStatus >= 500, ae.HTTPStatus == 429, ae.HTTPStatus == 408:
				return RetryBackoff
			case ae.HTTPStatus == 401:
				return AuthFailed
			}
			return Permanent
		}
		if a, ok := codeActions[ae.Code]; ok {
			return a
		}
		if ae.HTTPStatus >= 500 {
			return RetryBackoff
		}
		return Permanent
	}
	if errors.Is(err, ErrInvalidMessage) {
		return Permanent
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return RetryBackoff
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return RetryBackoff
	}
	if errors.Is(err, errTransport) {
		return RetryBackoff
	}
	return Permanent
}

// ClassifyCode maps an error code alone, as found in a failed status
// webhook's errors[], to an Action.
func ClassifyCode(code int) Action {
	if a, ok := codeActions[code]; ok {
		return a
	}
	return Permanent
}

// RetryDelay suggests how long to wait before retry number attempt
// (0-based) of a request that failed with err. It returns 0 when Classify
// does not say to retry. The result has no jitter; add some.
//
//   - 131056 (pair rate limit): 4^attempt seconds, capped at 1 h.
//   - 4, 80007 (app or WABA call-rate limit): minutes, 1 min doubling to 30 min.
//   - other retryable errors: 1 s doubling to 5 min.
func RetryDelay(err error, attempt int) time.Duration {
	attempt = max(attempt, 0)
	switch Classify(err) {
	case RetryRecipientLater:
		return expDelay(time.Second, 4, attempt, time.Hour)
	case RetryBackoff:
		var ae *APIError
		if errors.As(err, &ae) && (ae.Code == 4 || ae.Code == 80007) {
			return expDelay(time.Minute, 2, attempt, 30*time.Minute)
		}
		return expDelay(time.Second, 2, attempt, 5*time.Minute)
	}
	return 0
}

func expDelay(base time.Duration, factor, attempt int, ceiling time.Duration) time.Duration {
	d := base
	for range attempt {
		d *= time.Duration(factor)
		if d >= ceiling {
			return ceiling
		}
	}
	return d
}
