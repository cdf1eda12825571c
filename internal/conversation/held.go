package conversation

import (
	"strings"
	"sync"
	"time"

	"github.com/trement/trement/internal/intent"
)

// A customer's first message is often their question ("how long does
// shipping to Madrid take?"), and it arrives before they have accepted the
// privacy notice, when nothing of what they write may be stored. Rather than
// lose it, the flow holds it in memory only, for holdFor: if the customer
// accepts in that time it is stored then (as any message after consent)
// and answered; if they decline, opt out, or take longer, it is dropped.
// It never reaches the database, the inbox (its body is deleted in the
// transaction that processed it) or a log, so the consent-first promise
// holds: nothing the customer wrote is kept unless they accept. A restart
// or a change of the replica that processes the inbox forgets held
// questions; the customer is then asked "how can I help?" as before.
const (
	holdFor = 10 * time.Minute
	maxHeld = 10000 // bounds the memory a flood of first messages can take
)

type heldQuestions struct {
	mu sync.Mutex
	m  map[string]heldQuestion // contact id → question
}

type heldQuestion struct {
	in    Inbound
	until time.Time
}

func newHeldQuestions() *heldQuestions { return &heldQuestions{m: map[string]heldQuestion{}} }

// hold keeps in for contactID until now+holdFor, replacing an earlier one.
func (h *heldQuestions) hold(contactID string, in Inbound, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.m) >= maxHeld {
		for id, q := range h.m {
			if now.After(q.until) {
				delete(h.m, id)
			}
		}
		if len(h.m) >= maxHeld {
			return
		}
	}
	h.m[contactID] = heldQuestion{in: in, until: now.Add(holdFor)}
}

// take returns and forgets contactID's question if it is still fresh.
func (h *heldQuestions) take(contactID string, now time.Time) (Inbound, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	q, ok := h.m[contactID]
	delete(h.m, contactID)
	if !ok || now.After(q.until) {
		return Inbound{}, false
	}
	return q.in, true
}

func (h *heldQuestions) drop(contactID string) {
	h.mu.Lock()
	delete(h.m, contactID)
	h.mu.Unlock()
}

// hold keeps the step's message in memory when it looks like a question
// (not a command, a bare greeting or a consent answer), to answer it once
// the customer accepts.
func (s *step) hold(match intent.Match) {
	if match.Kind != intent.None || s.m.Type != "text" || s.m.ButtonID != "" {
		return
	}
	t := strings.TrimSpace(s.m.Text)
	if !strings.Contains(t, "?") && len(strings.Fields(t)) < 3 {
		return // "hola", "hi there": nothing to answer but a greeting
	}
	s.f.held.hold(s.c.ID, s.m, s.tx.Time())
}
