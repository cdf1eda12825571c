// Package sim is a local WhatsApp Cloud API simulator, so that trement can be
// tried without a Meta account and tests have a realistic peer.
//
// It plays both sides Meta plays:
//
//   - a fake Graph API: POST /{version}/{phone-number-id}/messages with
//     bearer auth, validating bodies as Meta does and answering with Meta's
//     success or error JSON, with faults (rate limits, 5xx, closed window,
//     bad token, hangs) injectable at runtime; and the media endpoint
//     (GET /{version}/{media-id}, then the file at the URL it names) for
//     the files customers send ([CustomerMessage.File], [Simulator.AddMedia]);
//   - a webhook deliverer: inbound customer messages and the status updates
//     of every accepted send (sent, delivered, read) are wrapped in Meta's
//     envelope, escaped like Meta's bodies, signed with X-Hub-Signature-256,
//     POSTed to trement's webhook and retried with backoff until it answers
//     200; duplicates and batches can be produced on purpose.
//
// A customer-phone web page at /sim/ (and [Simulator.RunTerminal] for a
// terminal) lets a person chat as one or more customers and tap the reply
// buttons the business sends.
//
// # Use
//
//	s := sim.New(sim.Config{
//		WebhookURL: "http://127.0.0.1:8080/webhook", // trement
//		AppSecret:  "dev-secret",                    // trement's app secret
//		Token:      "dev-token",                     // trement's access token
//	}, logger)
//	ln, _ := net.Listen("tcp", "127.0.0.1:9090")
//	err := s.Serve(ctx, ln) // Graph API + UI + delivery workers
//
// then point trement's Graph API base URL at http://127.0.0.1:9090 and open
// http://127.0.0.1:9090/sim/. [Simulator.Handler] and [Simulator.Run] are
// the same pieces for callers that own their server.
//
// Tests drive it with [Simulator.SendFromCustomer], [Simulator.InjectFault],
// [Simulator.Sent], [Simulator.Duplicates] and [Simulator.Deliveries].
//
// The simulator is for development only: it keeps everything in memory and
// its UI has no authentication. Bind it to loopback.
package sim

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/trement/trement/internal/whatsapp"
)

// Config configures a Simulator. Zero values get the defaults noted.
type Config struct {
	// WebhookURL is trement's webhook. Empty disables delivery: customer
	// messages are still shown in the UI but go nowhere.
	WebhookURL string
	// AppSecret signs webhook bodies (X-Hub-Signature-256).
	AppSecret string
	// VerifyToken is used by VerifyWebhook for the GET handshake.
	VerifyToken string
	// Token is the access token the fake Graph API accepts. Default "dev-token".
	Token string
	// PhoneNumberID of the business number. Default "106540352242922".
	PhoneNumberID string
	// MoreNumbers are other phone_number_ids of the same business account
	// the fake Graph API also sends from (a deployment with several
	// numbers); customers' messages to them come as raw webhooks.
	MoreNumbers []string
	// DisplayNumber of the business number. Default "15550783881".
	DisplayNumber string
	// WABAID is the WhatsApp Business Account ID. Default "102290129340398".
	WABAID string
	// BusinessName is shown in the UI. Default "trement".
	BusinessName string

	// DuplicateRate is the probability (0..1) that a delivered webhook body
	// is delivered again, as Meta's retries do.
	DuplicateRate float64
	// BatchSize is the most events put in one POST. Default 1.
	BatchSize int
	// BatchWindow is how long a ready event waits for others to share its
	// POST when BatchSize > 1. Default 0.
	BatchWindow time.Duration
	// Workers is the number of concurrent deliverers. Default 1; Meta
	// delivers concurrently, so more workers reorder deliveries.
	Workers int

	// StatusDelay separates the sent, delivered and read webhooks of a
	// send. Default 200ms.
	StatusDelay time.Duration
	// StatusOutOfOrder delivers a send's statuses in a shuffled order
	// (timestamps still increase: sent <= delivered <= read).
	StatusOutOfOrder bool
	// NoStatuses turns off status webhooks.
	NoStatuses bool
	// NoRead stops statuses at delivered, as for users without read receipts.
	NoRead bool

	// MaxAttempts bounds deliveries of one body. Default 6.
	MaxAttempts int
	// RetryBase is the first retry delay, doubled each attempt. Default 500ms.
	RetryBase time.Duration
	// RetryMax caps the retry delay. Default 30s.
	RetryMax time.Duration
	// DeliveryTimeout bounds one POST. Default 10s.
	DeliveryTimeout time.Duration
	// HangTimeout bounds how long a "hang" fault holds a request. Default 2m.
	HangTimeout time.Duration

	// HTTPClient delivers webhooks. Default: a client with DeliveryTimeout.
	HTTPClient *http.Client
	// Now is the clock for timestamps. Default time.Now.
	Now func() time.Time
	// Seed makes duplicates and shuffles reproducible. 0 picks a random seed.
	Seed uint64
}

func (c *Config) setDefaults() {
	if c.Token == "" {
		c.Token = "dev-token"
	}
	if c.PhoneNumberID == "" {
		c.PhoneNumberID = "106540352242922"
	}
	if c.DisplayNumber == "" {
		c.DisplayNumber = "15550783881"
	}
	if c.WABAID == "" {
		c.WABAID = "102290129340398"
	}
	if c.BusinessName == "" {
		c.BusinessName = "trement"
	}
	c.DuplicateRate = min(max(c.DuplicateRate, 0), 1)
	if c.BatchSize < 1 {
		c.BatchSize = 1
	}
	if c.Workers < 1 {
		c.Workers = 1
	}
	if c.StatusDelay <= 0 {
		c.StatusDelay = 200 * time.Millisecond
	}
	if c.MaxAttempts < 1 {
		c.MaxAttempts = 6
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 500 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 30 * time.Second
	}
	if c.DeliveryTimeout <= 0 {
		c.DeliveryTimeout = 10 * time.Second
	}
	if c.HangTimeout <= 0 {
		c.HangTimeout = 2 * time.Minute
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.DeliveryTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Seed == 0 {
		c.Seed = mrand.Uint64()
	}
}

// Simulator is a fake Cloud API. Create it with New; it is safe for
// concurrent use.
type Simulator struct {
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	rng        *mrand.Rand
	closed     bool
	done       chan struct{}
	runs       sync.WaitGroup
	wake       chan struct{} // closed and replaced to wake every worker
	queue      []*pending
	faults     []PendingFault
	latency    time.Duration
	sent       []SentMessage
	dupes      map[string]*Duplicate
	dupeOrder  []string
	deliveries []Delivery
	threads    map[string]*Thread // by wa_id
	inbound    map[string]string  // inbound wamid -> wa_id
	outbound   map[string]outRef  // outbound wamid -> position
	subs       map[chan struct{}]struct{}
	// media are the files customers sent, by media id.
	media          map[string]*Media
	mediaDownloads int
	mediaFaults    []PendingFault
	mediaRequests  int
}

type outRef struct {
	waID  string
	index int
}

// New returns a Simulator with cfg's defaults filled in. logger may be nil.
func New(cfg Config, logger *slog.Logger) *Simulator {
	cfg.setDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.WebhookURL != "" && cfg.AppSecret == "" {
		logger.Warn("sim: no app secret: webhooks are signed with an empty key")
	}
	return &Simulator{
		cfg:      cfg,
		log:      logger,
		rng:      mrand.New(mrand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		done:     make(chan struct{}),
		wake:     make(chan struct{}),
		dupes:    make(map[string]*Duplicate),
		threads:  make(map[string]*Thread),
		inbound:  make(map[string]string),
		outbound: make(map[string]outRef),
		subs:     make(map[chan struct{}]struct{}),
	}
}

// Config returns the configuration in use, defaults filled in.
func (s *Simulator) Config() Config { return s.cfg }

// Handler serves the fake Graph API and the customer UI:
//
//	POST /{version}/{phone-number-id}/messages   Graph API send and mark-read
//	GET  /{version}/{media-id}                    a file's metadata (url, sha256, file_size)
//	GET  /media/{media-id}                        the file, at the url its metadata names
//	GET  /sim/                                    customer phone page
//	GET  /sim/api/threads                         conversations as JSON
//	POST /sim/api/send                            a customer sends a message
//	GET  /sim/api/events                          Server-Sent Events on change
//	GET  /sim/api/sent                            accepted sends, for scripts
//	GET|POST|DELETE /sim/api/faults               inspect, inject, clear faults
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{version}/{phone}/messages", s.graphMessages)
	mux.HandleFunc("GET /{version}/{id}", s.graphMedia)
	mux.HandleFunc("GET "+mediaPath+"{id}", s.mediaDownload)
	s.routeUI(mux)
	return mux
}

// Run delivers webhooks until ctx is cancelled or Close is called, then
// returns nil. Events queued before Run are delivered once it starts.
func (s *Simulator) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.runs.Add(1)
	s.mu.Unlock()
	defer s.runs.Done()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { // stops when Run returns or Close is called
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	})
	for range s.cfg.Workers {
		wg.Go(func() { s.worker(ctx) })
	}
	wg.Wait()
	return nil
}

// Close stops Run, pending hangs and event streams, and waits for Run to
// return. Undelivered events are dropped.
func (s *Simulator) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	s.mu.Unlock()
	s.runs.Wait()
	return nil
}

// notifyLocked wakes delivery workers and UI subscribers. s.mu must be held.
func (s *Simulator) notifyLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// subscribe returns a channel that receives a value after any change, and
// a func to unsubscribe.
func (s *Simulator) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Thread is one customer's conversation with the business.
type Thread struct {
	WaID        string          `json:"wa_id"`
	Name        string          `json:"name"`
	Messages    []ThreadMessage `json:"messages"`
	TypingUntil *time.Time      `json:"typing_until,omitempty"`
	updated     time.Time
}

// ThreadMessage is one bubble in a Thread.
type ThreadMessage struct {
	ID string `json:"id"`
	// Direction is "in" (customer to business) or "out" (business to customer).
	Direction string    `json:"direction"`
	Time      time.Time `json:"time"`
	Type      string    `json:"type"`
	Header    string    `json:"header,omitempty"`
	Text      string    `json:"text"`
	Footer    string    `json:"footer,omitempty"`
	Buttons   []Choice  `json:"buttons,omitempty"`
	List      *ListView `json:"list,omitempty"`
	ReplyTo   string    `json:"reply_to,omitempty"`
	// Reaction is the emoji the other side reacted with.
	Reaction string `json:"reaction,omitempty"`
	// Status is the delivery state: for "out", sent/delivered/read/failed
	// as webhooks report it; for "in", "read" once the business marked it.
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// Links are the http(s) URLs in the text, in order, as a phone makes
	// them tappable; Follow opens one.
	Links []string `json:"links,omitempty"`
	// Document is a document message's file.
	Document *DocumentView `json:"document,omitempty"`
	// TypingShown records, on an inbound message, that the business
	// marked it read with the typing indicator (it then owes a reply).
	TypingShown bool `json:"typing_shown,omitempty"`
}

// DocumentView is a document message as the phone shows it.
type DocumentView struct {
	ID       string `json:"id,omitempty"`   // uploaded media id
	Link     string `json:"link,omitempty"` // or an HTTPS URL Meta fetches
	Filename string `json:"filename,omitempty"`
	Caption  string `json:"caption,omitempty"`
	// Viewable says whether WhatsApp clients are sure to show the file
	// (PDF, TXT, Office; spec §7.2). ZIP, JSON and CSV are not.
	Viewable bool `json:"viewable"`
}

// viewableDocs are the extensions WhatsApp clients are guaranteed to show.
var viewableDocs = map[string]bool{".txt": true, ".pdf": true, ".doc": true, ".docx": true, ".xls": true, ".xlsx": true, ".ppt": true, ".pptx": true}

// documentView renders a document's reference.
func documentView(id, link, filename, caption string) *DocumentView {
	name := filename
	if name == "" {
		name = link
	}
	ext := ""
	if i := strings.LastIndex(name, "."); i >= 0 {
		ext = strings.ToLower(name[i:])
	}
	return &DocumentView{ID: id, Link: link, Filename: filename, Caption: caption, Viewable: viewableDocs[ext]}
}

// findLinks returns the http(s) URLs in text.
func findLinks(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		f = strings.TrimRight(f, ".,;:!?)\"'")
		if strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://") {
			out = append(out, f)
		}
	}
	return out
}

// Follow opens a link the business sent, as the customer's phone would
// when they tap it, and returns the response (the caller closes its body).
func (s *Simulator) Follow(ctx context.Context, link string) (*http.Response, error) {
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		return nil, fmt.Errorf("sim: follow %q: not an http(s) link", link)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "WhatsApp-sim/1.0")
	return (&http.Client{Timeout: 30 * time.Second}).Do(req)
}

// Choice is a reply button or list row.
type Choice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// ListView is an interactive list as the customer sees it.
type ListView struct {
	Button   string        `json:"button"`
	Sections []ListSection `json:"sections"`
}

// ListSection is a titled group of list rows.
type ListSection struct {
	Title string   `json:"title,omitempty"`
	Rows  []Choice `json:"rows"`
}

// Threads returns a copy of all conversations, most recently active first.
func (s *Simulator) Threads() []Thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Thread, 0, len(s.threads))
	for _, t := range s.threads {
		out = append(out, copyThread(t))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].updated.Equal(out[j].updated) {
			return out[i].updated.After(out[j].updated)
		}
		return out[i].WaID < out[j].WaID
	})
	return out
}

// Thread returns a copy of one customer's conversation.
func (s *Simulator) Thread(waID string) (Thread, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.threads[waID]
	if !ok {
		return Thread{}, false
	}
	return copyThread(t), true
}

func copyThread(t *Thread) Thread {
	c := *t
	c.Messages = append([]ThreadMessage(nil), t.Messages...)
	return c
}

func (s *Simulator) threadLocked(waID, name string) *Thread {
	t, ok := s.threads[waID]
	if !ok {
		t = &Thread{WaID: waID, Name: name, Messages: []ThreadMessage{}}
		s.threads[waID] = t
	}
	if name != "" {
		t.Name = name
	}
	if t.Name == "" {
		t.Name = "+" + waID
	}
	return t
}

// CustomerMessage is a message from a customer to the business. Set From
// and exactly one of Text, ButtonReply, ListReply, Reaction, File or
// Message.
type CustomerMessage struct {
	// From is the customer's number in any format ("+34 612 345 678").
	From string `json:"from"`
	// Name is the customer's profile name.
	Name string `json:"name,omitempty"`
	Text string `json:"text,omitempty"`
	// ButtonReply taps a reply button of a business message.
	ButtonReply *whatsapp.ReplyChoice `json:"button_reply,omitempty"`
	// ListReply picks a row of a business list message.
	ListReply *whatsapp.ReplyChoice `json:"list_reply,omitempty"`
	// Reaction reacts to a business message of the thread (MessageID)
	// with Emoji; an empty Emoji removes the reaction, sent as WhatsApp
	// does with no emoji. A reaction is no bubble of its own: it shows on
	// the message (ThreadMessage.Reaction).
	Reaction *whatsapp.Reaction `json:"reaction,omitempty"`
	// File sends an image, document, audio, video or sticker: the
	// webhook carries its media id and the fake Graph API serves it.
	File *CustomerFile `json:"file,omitempty"`
	// Context is the wamid of the business message replied to. For button
	// and list replies it is found automatically when empty.
	Context string `json:"context,omitempty"`
	// Message, for tests, is delivered as is (any type, raw fields kept);
	// From, ID and Timestamp are filled in.
	Message *whatsapp.Message `json:"-"`
}

// Errors returned by SendFromCustomer.
var (
	ErrBadNumber  = errors.New("sim: customer number must have 6 to 15 digits")
	ErrBadMessage = errors.New("sim: set exactly one of text, button_reply, list_reply")
	ErrNoSuchTap  = errors.New("sim: no business message offers that choice")
	// ErrNoSuchMessage: a reaction names no business message of the thread.
	ErrNoSuchMessage = errors.New("sim: no business message in the thread has that id")
)

// SendFromCustomer queues an inbound message webhook as if the customer
// sent msg, and returns its wamid.
//
// It returns ErrBadNumber, ErrBadMessage, ErrNoSuchTap (a button or row
// that no business message in the thread offers), or ErrNoSuchMessage (a
// reaction to a message the thread does not have).
func (s *Simulator) SendFromCustomer(msg CustomerMessage) (wamid string, err error) {
	waID, ok := normalizeNumber(msg.From)
	if !ok {
		return "", ErrBadNumber
	}
	set := 0
	for _, b := range []bool{msg.Text != "", msg.ButtonReply != nil, msg.ListReply != nil, msg.Message != nil, msg.Reaction != nil, msg.File != nil} {
		if b {
			set++
		}
	}
	if set != 1 || len([]rune(msg.Text)) > whatsapp.MaxTextBody {
		return "", ErrBadMessage
	}
	now := s.cfg.Now()
	wamid = newWAMID()

	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.threadLocked(waID, strings.TrimSpace(msg.Name))
	m := whatsapp.Message{From: waID, ID: wamid, Timestamp: unix(now)}
	tm := ThreadMessage{ID: wamid, Direction: "in", Time: now, Status: "sent"}
	switch {
	case msg.Text != "":
		m.Type, m.Text = "text", &whatsapp.Text{Body: msg.Text}
		tm.Type, tm.Text = "text", msg.Text
	case msg.ButtonReply != nil, msg.ListReply != nil:
		kind, choice := "button_reply", msg.ButtonReply
		if msg.ListReply != nil {
			kind, choice = "list_reply", msg.ListReply
		}
		ctxID, found := findChoiceLocked(t, kind, choice.ID, msg.Context)
		if !found {
			return "", ErrNoSuchTap
		}
		c := *choice
		if c.Title == "" {
			c.Title = choiceTitle(t, ctxID, c.ID)
		}
		m.Type = "interactive"
		m.Interactive = &whatsapp.Interactive{Type: kind}
		if kind == "button_reply" {
			m.Interactive.ButtonReply = &whatsapp.ReplyChoice{ID: c.ID, Title: c.Title}
		} else {
			m.Interactive.ListReply = &c
		}
		msg.Context = ctxID
		tm.Type, tm.Text = kind, c.Title
	case msg.Reaction != nil:
		target := -1
		for i, tm := range t.Messages {
			if tm.Direction == "out" && tm.ID == msg.Reaction.MessageID {
				target = i
			}
		}
		if target < 0 || msg.Context != "" {
			return "", ErrNoSuchMessage
		}
		m.Type, m.Reaction = "reaction", &whatsapp.Reaction{MessageID: msg.Reaction.MessageID, Emoji: msg.Reaction.Emoji}
		t.Messages[target].Reaction = msg.Reaction.Emoji
		t.updated = now
		s.inbound[wamid] = waID
		contact := whatsapp.Contact{Profile: whatsapp.Profile{Name: t.Name}, WaID: waID}
		s.enqueueLocked(&pending{due: time.Now(), message: &m, contact: &contact})
		return wamid, nil
	case msg.File != nil:
		if err := s.customerFileLocked(&m, msg.File); err != nil {
			return "", err
		}
		tm.Type, tm.Text = m.Type, m.Summary()
	case msg.Message != nil:
		m2 := *msg.Message
		m2.From, m2.ID, m2.Timestamp = waID, wamid, unix(now)
		m = m2
		tm.Type, tm.Text = m.Type, m.Summary()
	}
	if msg.Context != "" {
		m.Context = &whatsapp.MessageContext{From: s.cfg.DisplayNumber, ID: msg.Context}
		tm.ReplyTo = msg.Context
	}
	t.Messages = append(t.Messages, tm)
	t.updated = now
	s.inbound[wamid] = waID
	contact := whatsapp.Contact{Profile: whatsapp.Profile{Name: t.Name}, WaID: waID}
	s.enqueueLocked(&pending{due: time.Now(), message: &m, contact: &contact})
	return wamid, nil
}

// SendAccountUpdate delivers one of Meta's webhooks about the business
// side, signed like every webhook: field is e.g.
// "phone_number_quality_update", "account_update",
// "message_template_status_update", and value its value as Meta's webhook
// reference shows it (a map or a struct; it is sent as JSON).
func (s *Simulator) SendAccountUpdate(field string, value any) error {
	if field == "" || field == whatsapp.FieldMessages {
		return fmt.Errorf("sim: %q is not an account field", field)
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("sim: account update value: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enqueueLocked(&pending{due: time.Now(), other: &otherChange{Value: raw, Field: field}})
	return nil
}

// SendNumberQuality reports a quality or limit change of the simulated
// business number (event FLAGGED, UNFLAGGED, DOWNGRADE, UPGRADE, ...).
func (s *Simulator) SendNumberQuality(event, limit string) error {
	return s.SendAccountUpdate(whatsapp.FieldPhoneNumberQuality, map[string]string{
		"display_phone_number": s.cfg.DisplayNumber, "event": event, "current_limit": limit})
}

// findChoiceLocked finds the business message offering choice id. If ctxID
// is set it must be that message; otherwise the latest one wins.
func findChoiceLocked(t *Thread, kind, id, ctxID string) (string, bool) {
	for i := len(t.Messages) - 1; i >= 0; i-- {
		m := t.Messages[i]
		if m.Direction != "out" || (ctxID != "" && m.ID != ctxID) {
			continue
		}
		for _, c := range choicesOf(m, kind) {
			if c.ID == id {
				return m.ID, true
			}
		}
	}
	return "", false
}

func choiceTitle(t *Thread, msgID, id string) string {
	for _, m := range t.Messages {
		if m.ID != msgID {
			continue
		}
		for _, kind := range []string{"button_reply", "list_reply"} {
			for _, c := range choicesOf(m, kind) {
				if c.ID == id {
					return c.Title
				}
			}
		}
	}
	return ""
}

func choicesOf(m ThreadMessage, kind string) []Choice {
	if kind == "button_reply" {
		return m.Buttons
	}
	if m.List == nil {
		return nil
	}
	var rows []Choice
	for _, s := range m.List.Sections {
		rows = append(rows, s.Rows...)
	}
	return rows
}

// SentMessage is a send the fake Graph API accepted.
type SentMessage struct {
	ID                    string          `json:"id"`
	PhoneNumberID         string          `json:"phone_number_id"`
	To                    string          `json:"to"`
	WaID                  string          `json:"wa_id"`
	Type                  string          `json:"type"`
	Text                  string          `json:"text"`
	ReplyTo               string          `json:"reply_to,omitempty"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`
	Body                  json.RawMessage `json:"body"`
	At                    time.Time       `json:"at"`
}

// Sent returns every accepted send, in order.
func (s *Simulator) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// Duplicate is content that was sent to one recipient more than once.
// Sends are the same when they share biz_opaque_callback_data (an
// idempotency key), or else the same type and content.
type Duplicate struct {
	WaID  string   `json:"wa_id"`
	Key   string   `json:"key"`
	Count int      `json:"count"`
	IDs   []string `json:"ids"`
}

// Duplicates returns the contents sent more than once, in first-send order.
func (s *Simulator) Duplicates() []Duplicate {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Duplicate
	for _, k := range s.dupeOrder {
		if d := s.dupes[k]; d.Count > 1 {
			c := *d
			c.IDs = append([]string(nil), d.IDs...)
			out = append(out, c)
		}
	}
	return out
}

// DuplicateCount is how many sends repeated an earlier one.
func (s *Simulator) DuplicateCount() int {
	n := 0
	for _, d := range s.Duplicates() {
		n += d.Count - 1
	}
	return n
}

// Delivery is one webhook body and how delivering it went.
type Delivery struct {
	Body []byte `json:"-"`
	// Events is the number of messages and statuses in Body.
	Events int `json:"events"`
	// Statuses holds the HTTP status of each attempt; 0 is a transport error.
	Statuses  []int `json:"statuses"`
	Delivered bool  `json:"delivered"`
	// Duplicate marks a redelivery of an already delivered body.
	Duplicate bool `json:"duplicate"`
}

// Deliveries returns every webhook delivery so far, in completion order.
func (s *Simulator) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d
		out[i].Statuses = append([]int(nil), d.Statuses...)
	}
	return out
}

// VerifyWebhook performs Meta's GET verification handshake against
// WebhookURL, as saving the Callback URL in the App Dashboard does.
func (s *Simulator) VerifyWebhook(ctx context.Context) error {
	if s.cfg.WebhookURL == "" {
		return errors.New("sim: verify webhook: no webhook URL")
	}
	challenge := fmt.Sprint(mrand.Int64N(9_000_000_000) + 1_000_000_000)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.WebhookURL, nil)
	if err != nil {
		return fmt.Errorf("sim: verify webhook: %w", err)
	}
	q := req.URL.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", challenge)
	q.Set("hub.verify_token", s.cfg.VerifyToken)
	req.URL.RawQuery = q.Encode()
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("sim: verify webhook: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK || string(body) != challenge {
		return fmt.Errorf("sim: verify webhook: got %d %q, want 200 %q", resp.StatusCode, body, challenge)
	}
	return nil
}

// newWAMID returns a random message ID shaped like Meta's.
func newWAMID() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b) // never fails
	return "wamid.HBgL" + base64.StdEncoding.EncodeToString(b)
}

func newTraceID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "A" + base64.RawURLEncoding.EncodeToString(b)[:22]
}

func unix(t time.Time) string { return fmt.Sprint(t.Unix()) }

// normalizeNumber turns "+34 612 345 678" into the wa_id "34612345678".
func normalizeNumber(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", false
		}
	}
	n := b.Len()
	return b.String(), n >= 6 && n <= 15
}
