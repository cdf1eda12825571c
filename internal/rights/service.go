package rights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/policy"
)

// Config is what the Service is built from.
type Config struct {
	Store  Store
	Policy *policy.Engine
	// Now is the clock (deadlines, expiry, the metric); nil: time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// RequireApproval makes every verified request wait for the DPO
	// (Service.Approve) instead of being fulfilled automatically.
	RequireApproval bool
	// LinkTTL is how long a download link works; zero: 24 hours.
	LinkTTL time.Duration
	// LinkKey signs download tokens (derive it from the system secret).
	LinkKey []byte
	// BaseURL returns the public URL links start with (TREMENT_PUBLIC_URL).
	BaseURL func() string
	// KeepProfileName says whether a name is kept (and so can be corrected).
	KeepProfileName bool
	// DueSoon is how close to its due date an open request is flagged;
	// zero: 72 hours.
	DueSoon time.Duration
	// Poll is how often the worker looks for requests to fulfil; zero: 2 s.
	Poll time.Duration
	// DownloadsPerMinute limits download attempts per source; zero: 10.
	DownloadsPerMinute int
}

// Service records, lists, moves and fulfils requests. It implements
// conversation.Rights for the message path.
type Service struct {
	cfg  Config
	st   Store
	now  func() time.Time
	log  *slog.Logger
	wake chan struct{}

	limitMu sync.Mutex
	limits  map[string]*window
}

var _ conversation.Rights = (*Service)(nil)

// New checks cfg and returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Policy == nil || len(cfg.LinkKey) < 16 || cfg.BaseURL == nil {
		return nil, errors.New("rights: new: store, policy, link key and base URL are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = 24 * time.Hour
	}
	if cfg.DueSoon <= 0 {
		cfg.DueSoon = 72 * time.Hour
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.DownloadsPerMinute <= 0 {
		cfg.DownloadsPerMinute = 10
	}
	return &Service{cfg: cfg, st: cfg.Store, now: cfg.Now, log: cfg.Logger, wake: make(chan struct{}, 1), limits: map[string]*window{}}, nil
}

// Actor is who acts on a request, as the audit log records them.
type Actor struct {
	Type      audit.ActorType
	ID        string
	RequestID string
	SourceIP  string
}

// system is the actor of the worker's own moves.
var system = Actor{Type: audit.ActorSystem, ID: "rights"}

func (a Actor) event(action, target string, out audit.Outcome, reason string) *audit.Event {
	return &audit.Event{ActorType: a.Type, ActorID: a.ID, Action: action, Target: target, Outcome: out, Reason: reason,
		RequestID: a.RequestID, SourceIP: a.SourceIP}
}

func asTx(tx conversation.Tx) (Tx, error) {
	t, ok := tx.(Tx)
	if !ok {
		return nil, errors.New("rights: the store's transaction does not hold requests")
	}
	return t, nil
}

func (s *Service) pack(region string) policy.Pack {
	p, ok := s.cfg.Policy.Pack(policy.Region(region))
	if !ok {
		p, _ = s.cfg.Policy.Pack(policy.Strict)
	}
	return p
}

func (s *Service) customer(c *conversation.Contact) Actor {
	return Actor{Type: audit.ActorCustomer, ID: s.st.Pseudonym(c.WaID)}
}

// create stores a new request and audits it.
func (s *Service) create(tx Tx, r *Request, a Actor) error {
	due, err := Due(s.pack(r.Region), r.Type, tx.Time())
	if err != nil {
		return err
	}
	r.DueAt = due
	if err := tx.CreateRequest(r); err != nil {
		return err
	}
	return tx.AppendAudit(a.event("dsar.created", "dsar:"+r.ID, audit.Success,
		fmt.Sprintf("type=%s source=%s identity=%s status=%s due=%s", r.Type, r.Source, r.Identity, r.Status, r.DueAt.UTC().Format(time.RFC3339))))
}

// move changes r's status (and outcome) and audits the transition.
// ErrConflict if the status may not make that move.
func (s *Service) move(tx Tx, r *Request, to Status, outcome string, a Actor) error {
	if !r.Status.CanMove(to) {
		return fmt.Errorf("rights: %w: a request %s cannot become %s", ErrConflict, r.Status, to)
	}
	from := r.Status
	r.Status = to
	if outcome != "" {
		r.Outcome = outcome
	}
	if to.Final() {
		r.CompletedAt = tx.Time()
	}
	if err := tx.UpdateRequest(r); err != nil {
		return err
	}
	return tx.AppendAudit(a.event("dsar.status", "dsar:"+r.ID, audit.Success, fmt.Sprintf("type=%s from=%s to=%s", r.Type, from, to)))
}

// verified is where a verified request goes: to the DPO or to fulfilment.
func (s *Service) verified() Status {
	if s.cfg.RequireApproval {
		return StatusAwaitingApproval
	}
	return StatusOpen
}

// Wake asks the worker to look for work now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Requested records a request the customer made from their own number.
// "access" is verified and goes to fulfilment (or the DPO); the answer
// says when. "erasure" waits for the confirmation phrase the flow asks
// for, and the answer is empty (the flow asks).
func (s *Service) Requested(ctx conversation.Tx, c *conversation.Contact, lang, kind string) (string, error) {
	tx, err := asTx(ctx)
	if err != nil {
		return "", err
	}
	typ := Type(kind)
	open, err := tx.Requests(Filter{ContactID: c.ID, Type: typ, OpenOnly: true, Limit: 1})
	if err != nil {
		return "", err
	}
	if typ == Erasure {
		if len(open) > 0 {
			return "", nil // already waiting for the phrase (or the DPO)
		}
		r := &Request{ContactID: c.ID, WaIndex: s.st.WaIndex(c.WaID), Type: Erasure, Source: SourceWhatsApp, Identity: IdentityVerified,
			Status: StatusAwaitingConfirmation, Region: c.Region, Outcome: "waiting for the confirmation phrase"}
		return "", s.create(tx, r, s.customer(c))
	}
	if !typ.Valid() {
		return "", fmt.Errorf("rights: requested: %w: type %q", ErrInvalid, kind)
	}
	r := &Request{}
	if len(open) > 0 {
		r = open[0] // asked again: the same request, the same deadline
	} else {
		r = &Request{ContactID: c.ID, WaIndex: s.st.WaIndex(c.WaID), Type: typ, Source: SourceWhatsApp, Identity: IdentityVerified,
			Status: s.verified(), Region: c.Region}
		if err := s.create(tx, r, s.customer(c)); err != nil {
			return "", err
		}
		s.Wake()
	}
	if r.Status == StatusAwaitingApproval {
		return say(langOf(lang, c), msgReceived, formatDue(r.DueAt)), nil
	}
	return say(langOf(lang, c), msgPreparing, formatDue(r.DueAt)), nil
}

// EraseConfirmed is called when the customer typed the erasure phrase. It
// reports whether to erase now; when the DPO must approve first, the
// request waits and reply says so.
func (s *Service) EraseConfirmed(ctx conversation.Tx, c *conversation.Contact, lang string) (bool, string, error) {
	tx, err := asTx(ctx)
	if err != nil {
		return false, "", err
	}
	if !s.cfg.RequireApproval {
		return true, "", nil
	}
	r, err := s.erasureRequest(tx, c)
	if err != nil {
		return false, "", err
	}
	if r.Status == StatusAwaitingConfirmation {
		if err := s.move(tx, r, StatusAwaitingApproval, "confirmed by the customer; waiting for the DPO", s.customer(c)); err != nil {
			return false, "", err
		}
	}
	return false, say(langOf(lang, c), msgErasureWaits, formatDue(r.DueAt)), nil
}

// EraseCancelled closes the erasure request the customer did not confirm.
func (s *Service) EraseCancelled(ctx conversation.Tx, c *conversation.Contact) error {
	tx, err := asTx(ctx)
	if err != nil {
		return err
	}
	open, err := tx.Requests(Filter{ContactID: c.ID, Type: Erasure, Status: StatusAwaitingConfirmation, Limit: 10})
	if err != nil {
		return err
	}
	for _, r := range open {
		if err := s.move(tx, r, StatusClosed, "not confirmed by the customer", s.customer(c)); err != nil {
			return err
		}
	}
	return nil
}

// erasureRequest returns the contact's open erasure request, creating a
// verified one if there is none.
func (s *Service) erasureRequest(tx Tx, c *conversation.Contact) (*Request, error) {
	open, err := tx.Requests(Filter{ContactID: c.ID, Type: Erasure, OpenOnly: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(open) > 0 {
		return open[0], nil
	}
	r := &Request{ContactID: c.ID, WaIndex: s.st.WaIndex(c.WaID), Type: Erasure, Source: SourceWhatsApp, Identity: IdentityVerified,
		Status: StatusOpen, Region: c.Region}
	return r, s.create(tx, r, s.customer(c))
}

// Erasing runs in the erasure's transaction before the contact's rows go:
// the erasure request is completed, every other open request of theirs is
// closed, and their exports are shredded.
func (s *Service) Erasing(ctx conversation.Tx, c *conversation.Contact) error {
	tx, err := asTx(ctx)
	if err != nil {
		return err
	}
	return s.erasing(tx, c, s.customer(c))
}

func (s *Service) erasing(tx Tx, c *conversation.Contact, a Actor) error {
	er, err := s.erasureRequest(tx, c)
	if err != nil {
		return err
	}
	if er.Status == StatusAwaitingConfirmation || er.Status == StatusAwaitingApproval {
		if err := s.move(tx, er, StatusOpen, "", a); err != nil {
			return err
		}
	}
	if err := s.move(tx, er, StatusCompleted, "erased: the customer's data key destroyed and their rows deleted", a); err != nil {
		return err
	}
	open, err := tx.Requests(Filter{ContactID: c.ID, OpenOnly: true, Limit: 1000})
	if err != nil {
		return err
	}
	for _, r := range open {
		if err := s.move(tx, r, StatusClosed, "closed: the customer was erased", a); err != nil {
			return err
		}
	}
	_, err = tx.DeleteContactExports(c.ID)
	return err
}

// Handle answers the customer's rights messages other than MY DATA and
// DELETE MY DATA: the confirm buttons of a request an operator entered,
// and corrections (LANGUAGE, NAME, CORRECT). handled is false for any
// other message.
func (s *Service) Handle(ctx conversation.Tx, c *conversation.Contact, lang, text, buttonID string) (string, bool, error) {
	tx, err := asTx(ctx)
	if err != nil {
		return "", false, err
	}
	lang = langOf(lang, c)
	if id, ok := strings.CutPrefix(buttonID, conversation.RightsButtonPrefix); ok {
		reply, err := s.answerConfirm(tx, c, lang, id)
		return reply, true, err
	}
	cmd, ok := parseCommand(text)
	if !ok {
		return "", false, nil
	}
	reply, err := s.correct(tx, c, lang, cmd)
	return reply, true, err
}

// langOf is the language to answer in: the step's, else the contact's.
func langOf(lang string, c *conversation.Contact) string {
	if lang != "" {
		return lang
	}
	return c.Language
}

// Confirmation buttons: rights:confirm:<id> and rights:deny:<id>.
const (
	confirmPrefix = "confirm:"
	denyPrefix    = "deny:"
)

func (s *Service) answerConfirm(tx Tx, c *conversation.Contact, lang, id string) (string, error) {
	confirm := strings.HasPrefix(id, confirmPrefix)
	id = strings.TrimPrefix(strings.TrimPrefix(id, confirmPrefix), denyPrefix)
	r, err := tx.Request(id)
	// A request of another customer reads like one that is not waiting.
	if errors.Is(err, conversation.ErrNotFound) || err == nil && (r.ContactID != c.ID || r.Status != StatusAwaitingConfirmation || r.Identity != IdentityPending) {
		return say(lang, msgNotWaiting), nil
	}
	if err != nil {
		return "", err
	}
	a := s.customer(c)
	if !confirm {
		r.Identity = IdentityDenied
		return say(lang, msgDenied), s.move(tx, r, StatusClosed, "the customer said it was not their request", a)
	}
	r.Identity = IdentityVerified
	if err := s.move(tx, r, s.verified(), "confirmed by the customer over WhatsApp", a); err != nil {
		return "", err
	}
	s.Wake()
	return say(lang, msgConfirmed, formatDue(r.DueAt)), nil
}

// correct applies a correction the customer typed. The audit records the
// field, never its old or new value.
func (s *Service) correct(tx Tx, c *conversation.Contact, lang string, cmd command) (string, error) {
	a := s.customer(c)
	done := func(field, outcome string) error {
		r := &Request{ContactID: c.ID, WaIndex: s.st.WaIndex(c.WaID), Type: Correction, Source: SourceWhatsApp, Identity: IdentityVerified,
			Status: StatusOpen, Region: c.Region}
		if err := s.create(tx, r, a); err != nil {
			return err
		}
		if err := tx.AppendAudit(a.event("contact.corrected", "contact:"+c.ID, audit.Success, "field="+field)); err != nil {
			return err
		}
		return s.move(tx, r, StatusCompleted, outcome, a)
	}
	switch cmd.field {
	case "language":
		to, ok := languageOf(cmd.value)
		if !ok {
			return say(lang, msgCorrectHow), nil
		}
		c.Language = to
		return say(to, msgLanguageSet), done("language", "corrected by the customer: field=language")
	case "name":
		if !s.cfg.KeepProfileName {
			return say(lang, msgNameNotKept), nil
		}
		if cmd.value == "" || len(cmd.value) > 200 {
			return say(lang, msgCorrectHow), nil
		}
		c.ProfileName = cmd.value
		return say(lang, msgNameSet), done("profile_name", "corrected by the customer: field=profile_name")
	}
	if cmd.value == "" {
		return say(lang, msgCorrectHow), nil
	}
	if len(cmd.value) > 2000 {
		cmd.value = cmd.value[:2000]
	}
	r := &Request{ContactID: c.ID, WaIndex: s.st.WaIndex(c.WaID), Type: Correction, Source: SourceWhatsApp, Identity: IdentityVerified,
		Status: StatusOpen, Region: c.Region, Detail: cmd.value, Outcome: "the customer's statement is for the DPO"}
	if err := s.create(tx, r, a); err != nil {
		return "", err
	}
	return say(lang, msgCorrectionNoted, formatDue(r.DueAt)), nil
}

// NewRequest is a request an operator enters.
type NewRequest struct {
	Phone  string // the customer's WhatsApp number, digits
	Type   Type
	Source Source // console, api or dpo-logged
	Detail string // what the customer asked, in their words (optional)
}

// Open records a request an operator entered and asks the customer to
// confirm it over WhatsApp. The answer is the same whether or not anyone
// with the number is known: a request for nobody stays awaiting a
// confirmation that never comes. ErrInvalid for a bad type, source or
// number.
func (s *Service) Open(ctx context.Context, a Actor, in NewRequest) (*Request, error) {
	phone := strings.TrimPrefix(strings.TrimSpace(in.Phone), "+")
	if len(phone) < 6 || len(phone) > 15 || strings.Trim(phone, "0123456789") != "" {
		return nil, fmt.Errorf("rights: open: %w: phone must be 6 to 15 digits", ErrInvalid)
	}
	if !in.Type.Valid() {
		return nil, fmt.Errorf("rights: open: %w: type must be one of access, portability, correction, erasure, restriction", ErrInvalid)
	}
	if !in.Source.Valid() || in.Source == SourceWhatsApp {
		return nil, fmt.Errorf("rights: open: %w: source must be console, api or dpo-logged", ErrInvalid)
	}
	if len(in.Detail) > 2000 {
		return nil, fmt.Errorf("rights: open: %w: detail is longer than 2000 characters", ErrInvalid)
	}
	r := &Request{WaIndex: s.st.WaIndex(phone), Type: in.Type, Source: in.Source, Identity: IdentityPending,
		Status: StatusAwaitingConfirmation, CreatedBy: a.ID, Outcome: "waiting for the customer's confirmation over WhatsApp"}
	err := s.st.Update(ctx, func(tx Tx) error {
		c, err := tx.ContactByWaID(phone)
		switch {
		case errors.Is(err, conversation.ErrNotFound):
			r.Region = string(s.cfg.Policy.ForPhone(phone).Region)
			return s.create(tx, r, a)
		case err != nil:
			return err
		}
		r.ContactID, r.Region, r.Detail = c.ID, c.Region, in.Detail
		if err := s.create(tx, r, a); err != nil {
			return err
		}
		convs, err := tx.ContactConversations(c.ID)
		if err != nil || len(convs) == 0 {
			return err // nowhere to ask: it waits, and the answer is the same
		}
		lang := c.Language
		out := conversation.Outbound{To: c.WaID, Text: say(lang, msgConfirm, typeName(lang, r.Type), formatDue(r.DueAt)), Buttons: []conversation.Button{
			{ID: conversation.RightsButtonPrefix + confirmPrefix + r.ID, Title: say(lang, msgConfirmButton)},
			{ID: conversation.RightsButtonPrefix + denyPrefix + r.ID, Title: say(lang, msgDenyButton)},
		}}
		return s.send(tx, c, out, out.Text)
	})
	if err != nil {
		return nil, err
	}
	r.Detail = ""
	return r, nil
}

// send queues out to the contact in their latest conversation, keeping
// kept (out's text, or a version without secrets) as a message of it.
func (s *Service) send(tx Tx, c *conversation.Contact, out conversation.Outbound, kept string) error {
	convs, err := tx.ContactConversations(c.ID)
	if err != nil {
		return err
	}
	if len(convs) == 0 {
		return fmt.Errorf("rights: %w: the customer has no conversation to write in", ErrConflict)
	}
	conv := convs[len(convs)-1]
	payload, err := json.Marshal(out)
	if err != nil {
		return err
	}
	typ := "text"
	if len(out.Buttons) > 0 {
		typ = "interactive"
	}
	m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: typ, Body: kept, Author: "system", Status: conversation.StatusQueued}
	if err := tx.InsertMessage(m); err != nil {
		return err
	}
	return tx.Enqueue(&conversation.OutboxItem{ContactID: c.ID, ConversationID: conv.ID, PhoneNumberID: conv.PhoneNumberID, MessageID: m.ID, Kind: "message", Payload: payload})
}

// Get returns one request, with its detail. ErrNotFound if none.
func (s *Service) Get(ctx context.Context, id string) (*Request, error) {
	var r *Request
	err := s.st.View(ctx, func(tx Tx) error {
		var err error
		r, err = tx.Request(id)
		return err
	})
	if errors.Is(err, conversation.ErrNotFound) {
		return nil, fmt.Errorf("rights: %w: no request %s", ErrNotFound, id)
	}
	return r, err
}

// List returns the requests f selects (details left out) and the counts
// of open, nearly due and overdue ones.
func (s *Service) List(ctx context.Context, f Filter) ([]*Request, Counts, error) {
	var list []*Request
	var n Counts
	now := s.now()
	err := s.st.View(ctx, func(tx Tx) error {
		var err error
		if list, err = tx.Requests(f); err != nil {
			return err
		}
		n, err = tx.OpenRequestCounts(now, now.Add(s.cfg.DueSoon))
		return err
	})
	for _, r := range list {
		r.Detail = ""
	}
	return list, n, err
}

// Counts returns the open, nearly due and overdue requests now (for the
// metric).
func (s *Service) Counts(ctx context.Context) (Counts, error) {
	var n Counts
	now := s.now()
	err := s.st.View(ctx, func(tx Tx) error {
		var err error
		n, err = tx.OpenRequestCounts(now, now.Add(s.cfg.DueSoon))
		return err
	})
	return n, err
}

// DueSoonWindow is how close to its due date a request is flagged.
func (s *Service) DueSoonWindow() time.Duration { return s.cfg.DueSoon }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// KeepsProfileName says whether customers' names are kept, and so whether
// CorrectContact can correct one.
func (s *Service) KeepsProfileName() bool { return s.cfg.KeepProfileName }

// Approve lets a request waiting for the DPO go to fulfilment.
// ErrNotFound; ErrConflict if it is not waiting for approval.
func (s *Service) Approve(ctx context.Context, a Actor, id string) (*Request, error) {
	return s.Move(ctx, a, id, StatusOpen, "approved by the DPO")
}

// Move changes a request's status with an outcome (required for refused,
// completed and closed). ErrNotFound; ErrConflict for a move the status
// may not make; ErrInvalid for an unknown status or a missing outcome.
func (s *Service) Move(ctx context.Context, a Actor, id string, to Status, outcome string) (*Request, error) {
	if !to.Valid() {
		return nil, fmt.Errorf("rights: move: %w: unknown status %q", ErrInvalid, to)
	}
	if to.Final() && strings.TrimSpace(outcome) == "" {
		return nil, fmt.Errorf("rights: move: %w: say what was done (outcome)", ErrInvalid)
	}
	if len(outcome) > 500 {
		return nil, fmt.Errorf("rights: move: %w: outcome is longer than 500 characters", ErrInvalid)
	}
	var r *Request
	err := s.st.Update(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.Request(id); err != nil {
			return err
		}
		if !r.Status.operatorMay(to) {
			return fmt.Errorf("rights: %w: the customer has not confirmed this request", ErrConflict)
		}
		return s.move(tx, r, to, strings.TrimSpace(outcome), a)
	})
	if errors.Is(err, conversation.ErrNotFound) {
		return nil, fmt.Errorf("rights: %w: no request %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	s.Wake()
	r.Detail = ""
	return r, nil
}

// ContactUpdate is an operator's correction of contact fields; nil fields
// stay as they are.
type ContactUpdate struct {
	Language    *string
	ProfileName *string
	Reason      string // why, as the customer asked (recorded; no personal data)
}

// CorrectContact applies an operator's correction and records it as a
// completed correction request; the audit names the fields changed, never
// their values. It returns the fields changed. ErrNotFound; ErrInvalid.
func (s *Service) CorrectContact(ctx context.Context, a Actor, contactID string, u ContactUpdate) ([]string, error) {
	var fields []string
	if u.Language != nil {
		if _, ok := languageOf(*u.Language); !ok {
			return nil, fmt.Errorf("rights: correct: %w: language must be en, es or pt", ErrInvalid)
		}
	}
	if u.ProfileName != nil && (len(*u.ProfileName) > 200 || !s.cfg.KeepProfileName && *u.ProfileName != "") {
		return nil, fmt.Errorf("rights: correct: %w: profile_name is not kept (TREMENT_KEEP_PROFILE_NAME) or is too long", ErrInvalid)
	}
	if len(u.Reason) > 500 {
		return nil, fmt.Errorf("rights: correct: %w: reason is longer than 500 characters", ErrInvalid)
	}
	err := s.st.Update(ctx, func(tx Tx) error {
		c, err := tx.Contact(contactID)
		if err != nil {
			return err
		}
		if u.Language != nil {
			if l, _ := languageOf(*u.Language); l != c.Language {
				c.Language = l
				fields = append(fields, "language")
			}
		}
		if u.ProfileName != nil && *u.ProfileName != c.ProfileName {
			c.ProfileName = *u.ProfileName
			fields = append(fields, "profile_name")
		}
		if len(fields) == 0 {
			return nil
		}
		if err := tx.UpdateContact(c); err != nil {
			return err
		}
		list := strings.Join(fields, ",")
		if err := tx.AppendAudit(a.event("contact.corrected", "contact:"+c.ID, audit.Success, "fields="+list)); err != nil {
			return err
		}
		r := &Request{ContactID: c.ID, WaIndex: s.st.WaIndex(c.WaID), Type: Correction, Source: SourceConsole, Identity: IdentityVerified,
			Status: StatusOpen, Region: c.Region, CreatedBy: a.ID}
		if a.Type == audit.ActorToken {
			r.Source = SourceAPI
		}
		if err := s.create(tx, r, a); err != nil {
			return err
		}
		outcome := "corrected by an operator: fields=" + list
		if u.Reason != "" {
			outcome += "; " + u.Reason
		}
		return s.move(tx, r, StatusCompleted, outcome, a)
	})
	if errors.Is(err, conversation.ErrNotFound) {
		return nil, fmt.Errorf("rights: %w: no contact %s", ErrNotFound, contactID)
	}
	return fields, err
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
