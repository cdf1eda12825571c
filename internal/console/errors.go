package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
)

// Errors a ConversationService returns besides conversation.ErrNotFound;
// wrap them with a short, user-facing reason:
// fmt.Errorf("%w: already taken by another operator", console.ErrConflict).
var (
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid request")
)

// errorKinds is the one table mapping domain errors to HTTP statuses. The
// caller sees the message (or the error's own text after the sentinel, which
// the domain writes for users); the log gets the whole error.
var errorKinds = []struct {
	err    error
	status int
	msg    string
}{
	{auth.ErrLocked, http.StatusTooManyRequests, ""},
	{auth.ErrInvalidCredentials, http.StatusUnauthorized, "wrong username or password"},
	{auth.ErrInvalidCode, http.StatusUnauthorized, "wrong, used or expired code"},
	{auth.ErrSessionExpired, http.StatusUnauthorized, "your session expired: sign in again"},
	{auth.ErrUnauthenticated, http.StatusUnauthorized, "sign in first"},
	{auth.ErrForbidden, http.StatusForbidden, "you are not allowed to do this"},
	{auth.ErrWeakPassword, http.StatusBadRequest, "the password does not meet the policy"},
	{auth.ErrInvalid, http.StatusBadRequest, "invalid request"},
	{ErrInvalid, http.StatusBadRequest, "invalid request"},
	{auth.ErrNotFound, http.StatusNotFound, "not found"},
	{conversation.ErrNotFound, http.StatusNotFound, "not found"},
	{conversation.ErrInvalid, http.StatusBadRequest, "invalid request"},
	{conversation.ErrNoOptIn, http.StatusConflict, "refused: this number has not opted in to messages of this purpose (or opted out since)"},
	{auth.ErrDuplicate, http.StatusConflict, "already exists"},
	{auth.ErrOwnerExists, http.StatusConflict, "an owner already exists"},
	{auth.ErrLastOwner, http.StatusConflict, "refusing to remove the last owner"},
	{ErrConflict, http.StatusConflict, "conflict"},
	{rights.ErrNotFound, http.StatusNotFound, "not found"},
	{store.ErrNoIncident, http.StatusNotFound, "not found"},
	{rights.ErrInvalid, http.StatusBadRequest, "invalid request"},
	{rights.ErrConflict, http.StatusConflict, "conflict"},
	{rights.ErrLink, http.StatusNotFound, rights.ErrLink.Error()},
	{rights.ErrRateLimited, http.StatusTooManyRequests, rights.ErrRateLimited.Error()},
	{audit.ErrInvalid, http.StatusInternalServerError, "the audit log refused the event"},
}

// errorStatus maps err to a status and a message for the caller.
func errorStatus(err error) (int, string) {
	var locked *auth.LockedError
	if errors.As(err, &locked) {
		return http.StatusTooManyRequests, locked.Error()
	}
	for _, k := range errorKinds {
		if errors.Is(err, k.err) {
			msg := k.msg
			// The domain's wrapped detail ("…: use at least 12 characters")
			// is written for users; show it.
			if i := strings.LastIndex(err.Error(), k.err.Error()+": "); i >= 0 && k.status < 500 {
				msg = err.Error()[i+len(k.err.Error())+2:]
			}
			return k.status, msg
		}
	}
	return http.StatusInternalServerError, "internal error"
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// apiError answers err through the error table; server errors are logged
// with the request id and shown only as "internal error".
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	var locked *auth.LockedError
	if errors.As(err, &locked) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(locked.Until.Sub(s.now()).Seconds()))))
	}
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err, "request_id", RequestInfo(r.Context()).RequestID)
	}
	writeError(w, status, msg)
}

// readJSON decodes the request body into v, refusing unknown fields.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: the body must be a JSON object with the documented fields", ErrInvalid)
	}
	return nil
}
