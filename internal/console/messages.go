package console

import (
	"context"
	"errors"
	"net/http"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
)

// MessageService sends what the business starts: an approved template to
// a customer who opted in for its purpose, and the marketing opt-ins the
// business collected elsewhere. *conversation.Service satisfies it.
type MessageService interface {
	SendBusinessTemplate(ctx context.Context, m conversation.BusinessMessage, ev *audit.Event) (*conversation.Message, error)
	RecordMarketingConsent(ctx context.Context, to string, granted bool, evidence string, ev *audit.Event) error
}

var _ MessageService = (*conversation.Service)(nil)

// Audit actions of business-initiated messaging.
const (
	actionMessageSend      = "message.business_send"
	actionMarketingConsent = "consent.marketing"
)

func (s *Server) withMessages(f http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.messages == nil {
			writeError(w, http.StatusServiceUnavailable, "business-initiated messages are not available")
			return
		}
		f(w, r)
	})
}

// sendMessageBody is the JSON body of POST /api/v1/messages.
type sendMessageBody struct {
	To       string   `json:"to"`             // the customer's number, e.g. "+34600123456"
	Purpose  string   `json:"purpose"`        // "utility" or "marketing"
	Template string   `json:"template"`       // the approved template's name
	Language string   `json:"language"`       // its language code, e.g. "es" or "en_US"
	Body     []string `json:"body,omitempty"` // positional body variables {{1}}, {{2}}…
	// Named fills a template approved with named variables
	// ({"order_id": "A-1029"}); a template has one kind or the other.
	Named map[string]string `json:"named,omitempty"`
	// Buttons fill the template's button variables: {"index": 0, "type":
	// "url", "value": "A-1029"} completes a URL button, type
	// "quick_reply" sets the payload a tap sends back.
	Buttons []conversation.TemplateButton `json:"buttons,omitempty"`
}

// sendMessageJSON is the answer: the message as kept in the conversation.
type sendMessageJSON struct {
	MessageID      string `json:"message_id"`
	ConversationID string `json:"conversation_id"`
	Status         string `json:"status"`
}

// POST /api/v1/messages queues an approved template to a customer who
// opted in for its purpose. A refusal (no opt-in, opted out, unknown
// number: one answer for all three) is audited too, without the number.
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	var body sendMessageBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	ev := s.event(r.Context(), actionMessageSend, "", body.Purpose+" template "+body.Template+"/"+body.Language)
	m, err := s.messages.SendBusinessTemplate(r.Context(), conversation.BusinessMessage{To: body.To, Purpose: body.Purpose,
		Template: conversation.Template{Name: body.Template, Language: body.Language, Body: body.Body, Named: body.Named, Buttons: body.Buttons}}, ev)
	if err != nil {
		s.auditRefusal(r, err, ev)
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, sendMessageJSON{MessageID: m.ID, ConversationID: m.ConversationID, Status: string(m.Status)})
}

// marketingConsentBody is the JSON body of POST /api/v1/consent/marketing.
type marketingConsentBody struct {
	To       string `json:"to"`
	Granted  bool   `json:"granted"`  // true: opted in; false: withdrew
	Evidence string `json:"evidence"` // a reference to the record (form id, signed paper); kept only as a keyed hash
}

// POST /api/v1/consent/marketing records a marketing opt-in or opt-out the
// business collected outside WhatsApp.
func (s *Server) recordMarketingConsent(w http.ResponseWriter, r *http.Request) {
	var body marketingConsentBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	reason := "marketing opt-out recorded"
	if body.Granted {
		reason = "marketing opt-in recorded; its evidence reference is in the consent ledger as a keyed hash"
	}
	ev := s.event(r.Context(), actionMarketingConsent, "", reason)
	if err := s.messages.RecordMarketingConsent(r.Context(), body.To, body.Granted, body.Evidence, ev); err != nil {
		s.auditRefusal(r, err, ev)
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recorded": true, "granted": body.Granted})
}

// auditRefusal records a refused business send or consent (the customer
// not opted in): who tried what, never the number.
func (s *Server) auditRefusal(r *http.Request, err error, ev *audit.Event) {
	if !errors.Is(err, conversation.ErrNoOptIn) {
		return
	}
	if aerr := s.audit(r.Context(), ev.Action, "customer", audit.Denied, ev.Reason+": no opt-in for this purpose"); aerr != nil {
		s.log.Error("audit a refused business message", "error", aerr, "request_id", RequestInfo(r.Context()).RequestID)
	}
}
