package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/trement/trement/internal/whatsapp"
)

// pending is one event waiting for delivery: an inbound message (with its
// sender) or a status.
type pending struct {
	due     time.Time
	message *whatsapp.Message
	contact *whatsapp.Contact
	status  *whatsapp.Status
	// other is a change of another field (an account or quality update).
	other *otherChange
}

// otherChange is a change of a field other than messages, with its value
// as Meta sends it.
type otherChange struct {
	Value json.RawMessage `json:"value"`
	Field string          `json:"field"`
}

// enqueueLocked queues p and wakes the workers. s.mu must be held.
func (s *Simulator) enqueueLocked(p *pending) {
	s.queue = append(s.queue, p)
	s.notifyLocked()
}

// worker delivers batches until ctx is done.
func (s *Simulator) worker(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		batch, wait, wake := s.take()
		if len(batch) > 0 {
			s.deliver(ctx, batch)
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-timer.C:
		}
	}
}

// take removes up to BatchSize due events from the queue, oldest due
// first. With none ready it returns how long to wait and a channel closed
// on the next change.
func (s *Simulator) take() (batch []*pending, wait time.Duration, wake <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	wait = time.Hour
	var ready []int
	for i, p := range s.queue {
		if !p.due.After(now) {
			ready = append(ready, i)
		} else if d := p.due.Sub(now); d < wait {
			wait = d
		}
	}
	if len(ready) == 0 {
		return nil, wait, s.wake
	}
	// Let a batch fill up for BatchWindow after its first event was due.
	if s.cfg.BatchSize > 1 && len(ready) < s.cfg.BatchSize && s.cfg.BatchWindow > 0 {
		oldest := s.queue[ready[0]].due
		for _, i := range ready {
			if s.queue[i].due.Before(oldest) {
				oldest = s.queue[i].due
			}
		}
		if until := oldest.Add(s.cfg.BatchWindow); until.After(now) {
			return nil, min(wait, until.Sub(now)), s.wake
		}
	}
	if len(ready) > s.cfg.BatchSize {
		ready = ready[:s.cfg.BatchSize]
	}
	taken := make(map[int]bool, len(ready))
	for _, i := range ready {
		batch = append(batch, s.queue[i])
		taken[i] = true
	}
	rest := s.queue[:0]
	for i, p := range s.queue {
		if !taken[i] {
			rest = append(rest, p)
		}
	}
	clear(s.queue[len(rest):])
	s.queue = rest
	return batch, 0, s.wake
}

// deliver shows the batch's statuses in the UI, then posts the batch with
// retries, and maybe once more as a duplicate. Without a webhook URL
// nothing is posted.
func (s *Simulator) deliver(ctx context.Context, batch []*pending) {
	s.applyStatuses(batch)
	if s.cfg.WebhookURL == "" {
		return
	}
	body, err := s.envelope(batch)
	if err != nil {
		s.log.Error("sim: build webhook body", slog.String("error", err.Error()))
		return
	}
	d := s.post(ctx, body, len(batch), false)
	if !d.Delivered {
		return
	}
	s.mu.Lock()
	dup := s.rng.Float64() < s.cfg.DuplicateRate
	s.mu.Unlock()
	if dup {
		s.post(ctx, body, len(batch), true)
	}
}

// post delivers body until trement answers 200, MaxAttempts is reached or
// ctx ends, backing off RetryBase, 2×RetryBase, ... up to RetryMax.
func (s *Simulator) post(ctx context.Context, body []byte, events int, duplicate bool) Delivery {
	d := Delivery{Body: body, Events: events, Duplicate: duplicate}
	delay := s.cfg.RetryBase
	for attempt := 1; attempt <= s.cfg.MaxAttempts; attempt++ {
		status := s.postOnce(ctx, body)
		d.Statuses = append(d.Statuses, status)
		if status == http.StatusOK {
			d.Delivered = true
			break
		}
		if attempt == s.cfg.MaxAttempts || ctx.Err() != nil {
			break
		}
		s.log.Info("sim: webhook not accepted, retrying",
			slog.Int("http_status", status), slog.Int("attempt", attempt), slog.Duration("delay", delay))
		if !sleep(ctx, delay) {
			break
		}
		delay = min(2*delay, s.cfg.RetryMax)
	}
	if !d.Delivered {
		s.log.Warn("sim: webhook dropped", slog.Int("attempts", len(d.Statuses)), slog.Int("events", events))
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	return d
}

// postOnce makes one signed POST and returns the HTTP status, or 0 if no
// answer came.
func (s *Simulator) postOnce(ctx context.Context, body []byte) int {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		s.log.Error("sim: webhook request", slog.String("error", err.Error()))
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign([]byte(s.cfg.AppSecret), body))
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		s.log.Info("sim: webhook post failed", slog.String("error", err.Error()))
		return 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Envelope shapes, with Meta's key order (value before field).
type wireNotification struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID      string       `json:"id"`
	Changes []wireChange `json:"changes"`
}

type wireChange struct {
	Value wireValue `json:"value"`
	Field string    `json:"field"`
	// Other, if set, is written instead (a field other than messages).
	Other *otherChange `json:"-"`
}

func (c wireChange) MarshalJSON() ([]byte, error) {
	if c.Other != nil {
		return json.Marshal(c.Other)
	}
	type plain wireChange
	return json.Marshal(plain(c))
}

type wireValue struct {
	MessagingProduct string              `json:"messaging_product"`
	Metadata         whatsapp.Metadata   `json:"metadata"`
	Contacts         []whatsapp.Contact  `json:"contacts,omitempty"`
	Messages         []*whatsapp.Message `json:"messages,omitempty"`
	Statuses         []*whatsapp.Status  `json:"statuses,omitempty"`
}

// envelope wraps a batch like Meta: one entry for the WABA, one change for
// messages (with their contacts) and one for statuses.
func (s *Simulator) envelope(batch []*pending) ([]byte, error) {
	meta := whatsapp.Metadata{DisplayPhoneNumber: s.cfg.DisplayNumber, PhoneNumberID: s.cfg.PhoneNumberID}
	msgs := wireValue{MessagingProduct: "whatsapp", Metadata: meta}
	stats := wireValue{MessagingProduct: "whatsapp", Metadata: meta}
	seen := map[string]bool{}
	for _, p := range batch {
		if p.message != nil {
			msgs.Messages = append(msgs.Messages, p.message)
			if p.contact != nil && !seen[p.contact.WaID] {
				seen[p.contact.WaID] = true
				msgs.Contacts = append(msgs.Contacts, *p.contact)
			}
		}
		if p.status != nil {
			stats.Statuses = append(stats.Statuses, p.status)
		}
	}
	entry := wireEntry{ID: s.cfg.WABAID}
	if len(msgs.Messages) > 0 {
		entry.Changes = append(entry.Changes, wireChange{Value: msgs, Field: whatsapp.FieldMessages})
	}
	if len(stats.Statuses) > 0 {
		entry.Changes = append(entry.Changes, wireChange{Value: stats, Field: whatsapp.FieldMessages})
	}
	for _, p := range batch {
		if p.other != nil {
			entry.Changes = append(entry.Changes, wireChange{Other: p.other})
		}
	}
	raw, err := json.Marshal(wireNotification{Object: whatsapp.ObjectWhatsAppBusinessAccount, Entry: []wireEntry{entry}})
	if err != nil {
		return nil, fmt.Errorf("sim: marshal envelope: %w", err)
	}
	return metaEscape(raw), nil
}

// metaEscape rewrites JSON the way Meta's bodies look: non-ASCII as
// lowercase \uXXXX (surrogate pairs above the BMP) and "/" as "\/". Both
// only occur inside strings in valid JSON, so a byte scan is safe. Anyone
// who re-serialises before checking the signature fails on these bodies.
func metaEscape(raw []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(raw) + len(raw)/8)
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '/' {
			b.WriteString(`\/`)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.Bytes()
}

// scheduleStatusesLocked queues the status webhooks of an accepted send:
// sent, delivered, read (or a failure). s.mu must be held; the caller
// wakes the workers.
func (s *Simulator) scheduleStatusesLocked(sm SentMessage, failWith *whatsapp.Error) {
	if s.cfg.NoStatuses {
		return
	}
	now := s.cfg.Now()
	pricing := func() *whatsapp.Pricing {
		billable := sm.Type == "template"
		p := &whatsapp.Pricing{Billable: &billable, PricingModel: "PMP", Type: "free_customer_service", Category: "service"}
		if billable {
			p.Type, p.Category = "regular", "utility"
		}
		return p
	}
	mk := func(status string, offset time.Duration) *whatsapp.Status {
		return &whatsapp.Status{
			ID: sm.ID, Status: status, Timestamp: unix(now.Add(offset)), RecipientID: sm.WaID,
			BizOpaqueCallbackData: sm.BizOpaqueCallbackData,
		}
	}
	var statuses []*whatsapp.Status
	if failWith != nil {
		f := mk(whatsapp.StatusFailed, 0)
		f.Errors = []whatsapp.Error{*failWith}
		statuses = append(statuses, f)
	} else {
		sent := mk(whatsapp.StatusSent, 0)
		sent.Pricing = pricing()
		delivered := mk(whatsapp.StatusDelivered, s.cfg.StatusDelay)
		delivered.Pricing = pricing()
		statuses = append(statuses, sent, delivered)
		if !s.cfg.NoRead {
			statuses = append(statuses, mk(whatsapp.StatusRead, 2*s.cfg.StatusDelay))
		}
	}
	order := make([]int, len(statuses))
	for i := range order {
		order[i] = i
	}
	if s.cfg.StatusOutOfOrder && len(order) > 1 {
		s.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if isIdentity(order) { // make sure something is out of order
			order[len(order)-1], order[len(order)-2] = order[len(order)-2], order[len(order)-1]
		}
	}
	start := time.Now()
	for slot, i := range order {
		s.queue = append(s.queue, &pending{due: start.Add(time.Duration(slot+1) * s.cfg.StatusDelay), status: statuses[i]})
	}
}

func isIdentity(order []int) bool {
	for i, v := range order {
		if i != v {
			return false
		}
	}
	return true
}

var statusRank = map[string]int{"accepted": 0, whatsapp.StatusSent: 1, whatsapp.StatusDelivered: 2, whatsapp.StatusRead: 3, whatsapp.StatusFailed: 4}

// applyStatuses moves outbound bubbles forward, never back: a late
// "delivered" does not undo "read", and failed is terminal.
func (s *Simulator) applyStatuses(batch []*pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, p := range batch {
		if p.status == nil {
			continue
		}
		ref, ok := s.outbound[p.status.ID]
		if !ok {
			continue
		}
		t := s.threads[ref.waID]
		m := &t.Messages[ref.index]
		if statusRank[p.status.Status] > statusRank[m.Status] {
			m.Status = p.status.Status
			if len(p.status.Errors) > 0 {
				m.Error = fmt.Sprintf("%d %s", p.status.Errors[0].Code, p.status.Errors[0].Title)
			}
			changed = true
		}
	}
	if changed {
		s.notifyLocked()
	}
}
