package console

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/store"
)

// HandlingPolicy is the business's data-handling policy that every operator
// reads and acknowledges before working with customer data, and again when
// its version changes (team training evidence, checked by `trement
// doctor`). An empty Version turns the gate off.
type HandlingPolicy struct {
	URL     string
	Version string
}

// policyGate remembers operators who acknowledged the current version, so
// the gate costs one read per operator and process, not one per request.
type policyGate struct {
	acked sync.Map // operator id → struct{}
}

// needsPolicy lists the permissions that reach customer data: an operator
// session using them must have acknowledged the policy.
var needsPolicy = map[auth.Permission]bool{
	auth.PermConversationsReadAll: true, auth.PermConversationsReadAssigned: true, auth.PermConversationsReply: true,
	auth.PermConversationsAssign: true, auth.PermPIIReveal: true, auth.PermContactsErase: true, auth.PermDSARManage: true,
	auth.PermExportTraining: true,
}

// policyDenial refuses an operator who has not acknowledged the current
// policy a route that reaches customer data. API tokens are machines and
// pass; their creator acknowledged when creating them in a session.
func (s *Server) policyDenial(ctx context.Context, p *auth.Principal, perm auth.Permission) *denial {
	if s.policy.Version == "" || p.Kind != auth.KindOperator || !needsPolicy[perm] {
		return nil
	}
	if _, ok := s.policyGate.acked.Load(p.OperatorID); ok {
		return nil
	}
	var at time.Time
	err := s.db.View(ctx, func(t *store.Tx) (err error) {
		at, err = t.PolicyAck(p.OperatorID, s.policy.Version)
		return err
	})
	if err != nil {
		return &denial{http.StatusServiceUnavailable, "policy acknowledgement unreadable: " + err.Error(), "try again"}
	}
	if at.IsZero() {
		return &denial{http.StatusForbidden, "data-handling policy " + s.policy.Version + " not acknowledged",
			"read the data-handling policy (" + s.policy.URL + ") and acknowledge it first: POST /api/v1/me/policy-ack"}
	}
	s.policyGate.acked.Store(p.OperatorID, struct{}{})
	return nil
}

func (s *Server) apiMyPolicy(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	var at time.Time
	if s.policy.Version != "" {
		err := s.db.View(r.Context(), func(t *store.Tx) (err error) {
			at, err = t.PolicyAck(p.OperatorID, s.policy.Version)
			return err
		})
		if err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"url": s.policy.URL, "version": s.policy.Version, "required": s.policy.Version != "",
		"acknowledged": !at.IsZero(), "acknowledged_at": at})
}

// apiAckPolicy records the acknowledgement of the version the operator
// read (naming it guards against acknowledging a version never shown).
func (s *Server) apiAckPolicy(w http.ResponseWriter, r *http.Request) {
	var in apiAckPolicyBody
	if err := readJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if s.policy.Version == "" || in.Version != s.policy.Version {
		writeError(w, http.StatusConflict, "the current data-handling policy is version "+s.policy.Version+"; read it and acknowledge that version")
		return
	}
	p := PrincipalFrom(r.Context())
	var at time.Time
	err := s.db.Update(r.Context(), func(t *store.Tx) (err error) {
		if err := t.AppendAudit(s.event(r.Context(), "operator.policy_ack", "policy:"+in.Version, "data-handling policy acknowledged")); err != nil {
			return err
		}
		at, err = t.AckPolicy(p.OperatorID, in.Version)
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.policyGate.acked.Store(p.OperatorID, struct{}{})
	writeJSON(w, http.StatusOK, map[string]any{"version": in.Version, "acknowledged_at": at})
}

// apiPolicyAcks lists every operator and whether they acknowledged the
// current version.
func (s *Server) apiPolicyAcks(w http.ResponseWriter, r *http.Request) {
	type row struct {
		Username       string    `json:"username"`
		Role           auth.Role `json:"role"`
		Disabled       bool      `json:"disabled"`
		Acknowledged   bool      `json:"acknowledged"`
		AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	}
	var out []row
	err := s.db.View(r.Context(), func(t *store.Tx) error {
		ops, err := t.Operators()
		if err != nil {
			return err
		}
		for _, o := range ops {
			at, err := t.PolicyAck(o.ID, s.policy.Version)
			if err != nil {
				return err
			}
			out = append(out, row{Username: o.Username, Role: o.Role, Disabled: o.Disabled, Acknowledged: !at.IsZero(), AcknowledgedAt: at})
		}
		return nil
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": s.policy.Version, "url": s.policy.URL, "operators": out})
}

// apiAckPolicyBody is the JSON body apiAckPolicy reads.
type apiAckPolicyBody struct {
	Version string `json:"version"`
}
