package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trement/trement/internal/whatsapp"
)

// Fault is an error the fake Graph API can be told to answer with.
type Fault string

// Faults, each answering with Meta's error JSON for its code.
const (
	FaultRateLimit     Fault = "rate_limit"      // 130429, HTTP 400
	FaultPairRateLimit Fault = "pair_rate_limit" // 131056, HTTP 400
	FaultServerError   Fault = "server_error"    // 131000, HTTP 500
	FaultUnavailable   Fault = "unavailable"     // 131016, HTTP 503
	FaultWindowClosed  Fault = "window_closed"   // 131047, HTTP 400
	// FaultWindowClosedAsync accepts the send (200 and a wamid) and then
	// reports 131047 in a failed status webhook, as Meta usually does.
	FaultWindowClosedAsync Fault = "window_closed_async"
	FaultAuth              Fault = "auth" // 190, HTTP 401
	// FaultSpam restricts the number the request was for: 131048, HTTP
	// 400, as Meta answers a number blocked or reported by many users.
	FaultSpam Fault = "spam_rate_limit"
	// FaultHang never answers: the request is held until the client gives
	// up, Close is called, or HangTimeout passes.
	FaultHang Fault = "hang"
)

type faultSpec struct {
	http    int
	code    int
	subcode int
	typ     string
	message string
	details string
}

var faultSpecs = map[Fault]faultSpec{
	FaultRateLimit:         {400, 130429, 2494055, "OAuthException", "(#130429) Rate limit hit", "Cloud API message throughput has been reached."},
	FaultPairRateLimit:     {400, 131056, 2494078, "OAuthException", "(#131056) (Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."},
	FaultServerError:       {500, 131000, 0, "OAuthException", "(#131000) Something went wrong", "Message failed to send due to an unknown error."},
	FaultUnavailable:       {503, 131016, 0, "OAuthException", "(#131016) Service unavailable", "A service is temporarily unavailable."},
	FaultWindowClosed:      {400, 131047, 2494081, "OAuthException", "(#131047) Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
	FaultWindowClosedAsync: {},
	FaultAuth:              {401, 190, 463, "OAuthException", "Error validating access token: Session has expired.", ""},
	FaultSpam:              {400, 131048, 2494065, "OAuthException", "(#131048) Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam."},
	FaultHang:              {},
}

// Faults lists every fault InjectFault accepts.
func Faults() []Fault {
	return []Fault{FaultRateLimit, FaultPairRateLimit, FaultServerError, FaultUnavailable, FaultWindowClosed, FaultWindowClosedAsync, FaultAuth, FaultHang}
}

// PendingFault is a fault still to be served Count more times.
type PendingFault struct {
	Fault Fault `json:"fault"`
	Count int   `json:"count"`
}

// ErrUnknownFault is returned by InjectFault for a fault it does not know.
var ErrUnknownFault = errors.New("sim: unknown fault")

// InjectFault makes the next n Graph API requests (sends and mark-reads,
// after the token check) fail with f. Faults queue: InjectFault(A, 1) then
// InjectFault(B, 2) fails one request with A, then two with B.
func (s *Simulator) InjectFault(f Fault, n int) error {
	if _, ok := faultSpecs[f]; !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFault, f)
	}
	if n < 1 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, PendingFault{Fault: f, Count: n})
	return nil
}

// ClearFaults drops every pending fault and the added latency.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.latency = 0
}

// SetLatency delays every Graph API answer by d.
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// PendingFaults returns the faults still to be served, in order.
func (s *Simulator) PendingFaults() []PendingFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PendingFault(nil), s.faults...)
}

func (s *Simulator) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return "", false
	}
	f := s.faults[0].Fault
	s.faults[0].Count--
	if s.faults[0].Count <= 0 {
		s.faults = s.faults[1:]
	}
	return f, true
}

// graphError is Meta's error JSON (spec §4.4).
type graphError struct {
	Error graphErrorBody `json:"error"`
}

type graphErrorBody struct {
	Message   string          `json:"message"`
	Type      string          `json:"type"`
	Code      int             `json:"code"`
	ErrorData *graphErrorData `json:"error_data,omitempty"`
	Subcode   int             `json:"error_subcode,omitempty"`
	FBTraceID string          `json:"fbtrace_id"`
}

type graphErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

func writeGraphError(w http.ResponseWriter, spec faultSpec) {
	body := graphError{Error: graphErrorBody{Message: spec.message, Type: spec.typ, Code: spec.code, Subcode: spec.subcode, FBTraceID: newTraceID()}}
	if spec.details != "" {
		body.Error.ErrorData = &graphErrorData{MessagingProduct: "whatsapp", Details: spec.details}
	}
	writeJSON(w, spec.http, body)
}

// invalidParam answers like Meta does for a bad request body: code 100.
func invalidParam(w http.ResponseWriter, format string, args ...any) {
	writeGraphError(w, faultSpec{http: 400, code: 100, typ: "OAuthException", message: "(#100) Invalid parameter", details: fmt.Sprintf(format, args...)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// graphMessages serves POST /{version}/{phone-number-id}/messages.
func (s *Simulator) graphMessages(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeGraphError(w, faultSpec{http: 401, code: 190, typ: "OAuthException", message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 && !s.wait(r, latency) {
		return
	}
	fault, faulty := s.nextFault()
	if faulty {
		switch fault {
		case FaultHang:
			s.wait(r, s.cfg.HangTimeout)
			return
		case FaultWindowClosedAsync:
		default:
			writeGraphError(w, faultSpecs[fault])
			return
		}
	}
	if !versionRE.MatchString(r.PathValue("version")) {
		writeGraphError(w, faultSpec{http: 400, code: 2500, typ: "OAuthException", message: "Unknown path components: /" + r.PathValue("version")})
		return
	}
	phone := r.PathValue("phone")
	if phone != s.cfg.PhoneNumberID && !slices.Contains(s.cfg.MoreNumbers, phone) {
		writeGraphError(w, faultSpec{http: 400, code: 100, subcode: 33, typ: "GraphMethodException",
			message: fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", phone)})
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
	if err != nil {
		invalidParam(w, "Request body could not be read")
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		invalidParam(w, "Request body must be a JSON object")
		return
	}
	var product string
	if err := json.Unmarshal(fields["messaging_product"], &product); err != nil || product != "whatsapp" {
		writeGraphError(w, faultSpec{http: 400, code: 100, typ: "OAuthException", message: "(#100) The parameter messaging_product is required.",
			details: "messaging_product must be \"whatsapp\""})
		return
	}
	if _, ok := fields["status"]; ok {
		s.markRead(w, raw)
		return
	}
	s.send(w, phone, raw, fields, fault == FaultWindowClosedAsync && faulty)
}

func (s *Simulator) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.Token)) == 1
}

// wait holds a request for d; it returns false if the client went away or
// the simulator closed first.
func (s *Simulator) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

// markRead serves {"status":"read","message_id":...}.
func (s *Simulator) markRead(w http.ResponseWriter, raw []byte) {
	var req struct {
		Status          string `json:"status"`
		MessageID       string `json:"message_id"`
		TypingIndicator *struct {
			Type string `json:"type"`
		} `json:"typing_indicator"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		invalidParam(w, "Unexpected parameter type: %v", err)
		return
	}
	if req.Status != "read" {
		invalidParam(w, "Param status must be \"read\"")
		return
	}
	if req.MessageID == "" {
		invalidParam(w, "The parameter message_id is required.")
		return
	}
	if req.TypingIndicator != nil && req.TypingIndicator.Type != "text" {
		invalidParam(w, "Param typing_indicator['type'] must be \"text\"")
		return
	}
	s.mu.Lock()
	waID, ok := s.inbound[req.MessageID]
	if ok {
		t := s.threads[waID]
		// Reading a message also reads the earlier ones.
		for i := range t.Messages {
			m := &t.Messages[i]
			if m.Direction == "in" {
				m.Status = "read"
			}
			if m.ID == req.MessageID {
				break
			}
		}
		if req.TypingIndicator != nil {
			until := s.cfg.Now().Add(25 * time.Second)
			t.TypingUntil = &until
			for i := range t.Messages {
				if t.Messages[i].ID == req.MessageID {
					t.Messages[i].TypingShown = true
				}
			}
		}
		s.notifyLocked()
	}
	s.mu.Unlock()
	if !ok {
		invalidParam(w, "Message ID %s not found", req.MessageID)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// Request shapes for sends.
type sendReq struct {
	RecipientType string `json:"recipient_type"`
	To            string `json:"to"`
	Type          string `json:"type"`
	Context       *struct {
		MessageID string `json:"message_id"`
	} `json:"context"`
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data"`
	Text                  *struct {
		Body       string `json:"body"`
		PreviewURL bool   `json:"preview_url"`
	} `json:"text"`
	Interactive *reqInteractive `json:"interactive"`
	Template    *struct {
		Name     string `json:"name"`
		Language *struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []struct {
			Type       string `json:"type"`
			Parameters []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"parameters"`
		} `json:"components"`
	} `json:"template"`
	Reaction *struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	} `json:"reaction"`
	Image    *reqMedia `json:"image"`
	Audio    *reqMedia `json:"audio"`
	Video    *reqMedia `json:"video"`
	Document *reqMedia `json:"document"`
	Sticker  *reqMedia `json:"sticker"`
	Location *struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
		Name      string   `json:"name"`
		Address   string   `json:"address"`
	} `json:"location"`
	Contacts []json.RawMessage `json:"contacts"`
}

type reqMedia struct {
	ID       string `json:"id"`
	Link     string `json:"link"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type reqInteractive struct {
	Type   string `json:"type"`
	Header *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"header"`
	Body *struct {
		Text string `json:"text"`
	} `json:"body"`
	Footer *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Action *struct {
		Buttons []struct {
			Type  string `json:"type"`
			Reply struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"reply"`
		} `json:"buttons"`
		Button   string `json:"button"`
		Sections []struct {
			Title string `json:"title"`
			Rows  []struct {
				ID          string `json:"id"`
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"rows"`
		} `json:"sections"`
	} `json:"action"`
}

var knownTypes = map[string]bool{
	"text": true, "image": true, "audio": true, "video": true, "document": true, "sticker": true,
	"location": true, "contacts": true, "interactive": true, "template": true, "reaction": true,
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// send validates a message like Meta does and records it.
func (s *Simulator) send(w http.ResponseWriter, phone string, raw []byte, fields map[string]json.RawMessage, failAsync bool) {
	var req sendReq
	if err := json.Unmarshal(raw, &req); err != nil {
		invalidParam(w, "Unexpected parameter type: %v", err)
		return
	}
	if req.Type == "" {
		req.Type = "text" // Meta's default
	}
	if !knownTypes[req.Type] {
		writeGraphError(w, faultSpec{http: 400, code: 131051, typ: "OAuthException", message: "(#131051) Unsupported message type", details: "Message type " + req.Type + " is not supported."})
		return
	}
	if sib, ok := fields[req.Type]; !ok || bytes.Equal(bytes.TrimSpace(sib), []byte("null")) {
		invalidParam(w, "The parameter %s is required.", req.Type)
		return
	}
	if req.RecipientType != "" && req.RecipientType != "individual" {
		invalidParam(w, "Param recipient_type must be \"individual\" (groups are not simulated)")
		return
	}
	if req.To == "" {
		invalidParam(w, "The parameter to is required.")
		return
	}
	waID, ok := normalizeNumber(req.To)
	if !ok {
		invalidParam(w, "Param to must be a phone number")
		return
	}
	if req.Context != nil && req.Context.MessageID == "" {
		invalidParam(w, "Param context['message_id'] is required.")
		return
	}
	tm, detail := s.validateContent(&req)
	if tm.Links == nil && tm.Document == nil {
		tm.Links = findLinks(tm.Text)
	}
	if detail != "" {
		invalidParam(w, "%s", detail)
		return
	}

	now := s.cfg.Now()
	wamid := newWAMID()
	sm := SentMessage{
		ID: wamid, PhoneNumberID: phone, To: req.To, WaID: waID, Type: req.Type,
		Text: tm.Text, BizOpaqueCallbackData: req.BizOpaqueCallbackData,
		Body: append(json.RawMessage(nil), raw...), At: now,
	}
	if req.Context != nil {
		sm.ReplyTo = req.Context.MessageID
	}
	s.mu.Lock()
	s.sent = append(s.sent, sm)
	s.countDuplicateLocked(sm, fields)
	t := s.threadLocked(waID, "")
	t.updated = now
	t.TypingUntil = nil // a reply clears the typing indicator
	if req.Type == "reaction" {
		for i := range t.Messages {
			if t.Messages[i].ID == req.Reaction.MessageID {
				t.Messages[i].Reaction = req.Reaction.Emoji
			}
		}
	} else {
		tm.ID, tm.Direction, tm.Time, tm.Status, tm.ReplyTo = wamid, "out", now, "accepted", sm.ReplyTo
		t.Messages = append(t.Messages, tm)
		s.outbound[wamid] = outRef{waID: waID, index: len(t.Messages) - 1}
	}
	var failWith *whatsapp.Error
	if failAsync {
		spec := faultSpecs[FaultWindowClosed]
		failWith = &whatsapp.Error{Code: spec.code, Title: "Re-engagement message", Message: "Re-engagement message",
			ErrorData: &whatsapp.ErrorData{Details: spec.details}, Href: "/documentation/business-messaging/whatsapp/support/error-codes"}
	}
	s.scheduleStatusesLocked(sm, failWith)
	s.notifyLocked()
	s.mu.Unlock()

	s.log.Debug("sim: send accepted", slog.String("type", req.Type))
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": req.To, "wa_id": waID}},
		"messages":          []map[string]string{{"id": wamid}},
	})
}

// validateContent checks the sibling object of req.Type and renders it for
// the UI. A non-empty detail is the reason Meta would refuse it.
func (s *Simulator) validateContent(req *sendReq) (tm ThreadMessage, detail string) {
	tm.Type = req.Type
	switch req.Type {
	case "text":
		n := runes(req.Text.Body)
		if n == 0 {
			return tm, "The parameter text['body'] is required."
		}
		if n > whatsapp.MaxTextBody {
			return tm, fmt.Sprintf("Param text['body'] must be at most %d characters long.", whatsapp.MaxTextBody)
		}
		tm.Text = req.Text.Body
	case "image", "audio", "video", "document", "sticker":
		md := map[string]*reqMedia{"image": req.Image, "audio": req.Audio, "video": req.Video, "document": req.Document, "sticker": req.Sticker}[req.Type]
		if md.ID == "" && md.Link == "" {
			return tm, fmt.Sprintf("Param %s must have an id or a link.", req.Type)
		}
		if runes(md.Caption) > whatsapp.MaxMediaCaption {
			return tm, fmt.Sprintf("Param %s['caption'] must be at most %d characters long.", req.Type, whatsapp.MaxMediaCaption)
		}
		tm.Text = strings.TrimSpace("[" + req.Type + "] " + md.Caption)
		if req.Type == "document" {
			tm.Document = documentView(md.ID, md.Link, md.Filename, md.Caption)
			tm.Links = findLinks(md.Caption)
		}
	case "location":
		if req.Location.Latitude == nil || req.Location.Longitude == nil {
			return tm, "Params location['latitude'] and location['longitude'] are required."
		}
		tm.Text = strings.TrimSpace(fmt.Sprintf("location: %s %s (%g, %g)", req.Location.Name, req.Location.Address, *req.Location.Latitude, *req.Location.Longitude))
	case "contacts":
		if len(req.Contacts) == 0 {
			return tm, "Param contacts must be a non-empty array."
		}
		tm.Text = fmt.Sprintf("[%d contact(s)]", len(req.Contacts))
	case "reaction":
		if req.Reaction.MessageID == "" {
			return tm, "The parameter reaction['message_id'] is required."
		}
		tm.Text = req.Reaction.Emoji
	case "template":
		t := req.Template
		if t.Name == "" {
			return tm, "The parameter template['name'] is required."
		}
		if t.Language == nil || t.Language.Code == "" {
			return tm, "The parameter template['language']['code'] is required."
		}
		var params []string
		for _, c := range t.Components {
			for _, p := range c.Parameters {
				if p.Text != "" {
					params = append(params, p.Text)
				}
			}
		}
		tm.Text = fmt.Sprintf("[template %s (%s)]", t.Name, t.Language.Code)
		if len(params) > 0 {
			tm.Text += " " + strings.Join(params, " · ")
		}
	case "interactive":
		return validateInteractive(req.Interactive, tm)
	}
	return tm, ""
}

func validateInteractive(in *reqInteractive, tm ThreadMessage) (ThreadMessage, string) {
	if in.Type != "button" && in.Type != "list" {
		// cta_url, product, flow, ...: accepted, shown plainly.
		if in.Action == nil {
			return tm, "The parameter interactive['action'] is required."
		}
		if in.Body != nil {
			tm.Text = in.Body.Text
		}
		return tm, ""
	}
	if in.Body == nil || in.Body.Text == "" {
		return tm, "The parameter interactive['body']['text'] is required."
	}
	if in.Action == nil {
		return tm, "The parameter interactive['action'] is required."
	}
	if in.Header != nil {
		if in.Type == "list" && in.Header.Type != "text" {
			return tm, "Param interactive['header']['type'] must be \"text\" for list messages."
		}
		if runes(in.Header.Text) > whatsapp.MaxHeaderFooter {
			return tm, fmt.Sprintf("Param interactive['header']['text'] must be at most %d characters long.", whatsapp.MaxHeaderFooter)
		}
		tm.Header = in.Header.Text
	}
	if in.Footer != nil {
		if runes(in.Footer.Text) > whatsapp.MaxHeaderFooter {
			return tm, fmt.Sprintf("Param interactive['footer']['text'] must be at most %d characters long.", whatsapp.MaxHeaderFooter)
		}
		tm.Footer = in.Footer.Text
	}
	tm.Text = in.Body.Text
	if in.Type == "button" {
		if runes(in.Body.Text) > whatsapp.MaxInteractiveBody {
			return tm, fmt.Sprintf("Param interactive['body']['text'] must be at most %d characters long.", whatsapp.MaxInteractiveBody)
		}
		n := len(in.Action.Buttons)
		if n < 1 || n > whatsapp.MaxButtons {
			return tm, fmt.Sprintf("Param interactive['action']['buttons'] must have between 1 and %d elements.", whatsapp.MaxButtons)
		}
		seen := map[string]bool{}
		for i, b := range in.Action.Buttons {
			if b.Type != "reply" {
				return tm, fmt.Sprintf("Param interactive['action']['buttons'][%d]['type'] must be \"reply\".", i)
			}
			if t := runes(b.Reply.Title); t < 1 || t > whatsapp.MaxButtonTitle {
				return tm, fmt.Sprintf("Param interactive['action']['buttons'][%d]['reply']['title'] must be between 1 and %d characters long.", i, whatsapp.MaxButtonTitle)
			}
			if l := runes(b.Reply.ID); l < 1 || l > whatsapp.MaxButtonID {
				return tm, fmt.Sprintf("Param interactive['action']['buttons'][%d]['reply']['id'] must be between 1 and %d characters long.", i, whatsapp.MaxButtonID)
			}
			if seen[b.Reply.ID] {
				return tm, "Buttons must have unique ids."
			}
			seen[b.Reply.ID] = true
			tm.Buttons = append(tm.Buttons, Choice{ID: b.Reply.ID, Title: b.Reply.Title})
		}
		return tm, ""
	}
	// list
	if runes(in.Body.Text) > whatsapp.MaxListBody {
		return tm, fmt.Sprintf("Param interactive['body']['text'] must be at most %d characters long.", whatsapp.MaxListBody)
	}
	if l := runes(in.Action.Button); l < 1 || l > whatsapp.MaxListButtonLabel {
		return tm, fmt.Sprintf("Param interactive['action']['button'] must be between 1 and %d characters long.", whatsapp.MaxListButtonLabel)
	}
	if n := len(in.Action.Sections); n < 1 || n > whatsapp.MaxListSections {
		return tm, fmt.Sprintf("Param interactive['action']['sections'] must have between 1 and %d elements.", whatsapp.MaxListSections)
	}
	lv := &ListView{Button: in.Action.Button}
	rows := 0
	seen := map[string]bool{}
	for i, sec := range in.Action.Sections {
		if runes(sec.Title) > whatsapp.MaxSectionTitle {
			return tm, fmt.Sprintf("Param interactive['action']['sections'][%d]['title'] must be at most %d characters long.", i, whatsapp.MaxSectionTitle)
		}
		if len(sec.Rows) == 0 {
			return tm, fmt.Sprintf("Param interactive['action']['sections'][%d]['rows'] must not be empty.", i)
		}
		ls := ListSection{Title: sec.Title}
		for j, r := range sec.Rows {
			p := fmt.Sprintf("interactive['action']['sections'][%d]['rows'][%d]", i, j)
			if l := runes(r.ID); l < 1 || l > whatsapp.MaxRowID {
				return tm, fmt.Sprintf("Param %s['id'] must be between 1 and %d characters long.", p, whatsapp.MaxRowID)
			}
			if l := runes(r.Title); l < 1 || l > whatsapp.MaxRowTitle {
				return tm, fmt.Sprintf("Param %s['title'] must be between 1 and %d characters long.", p, whatsapp.MaxRowTitle)
			}
			if runes(r.Description) > whatsapp.MaxRowDescription {
				return tm, fmt.Sprintf("Param %s['description'] must be at most %d characters long.", p, whatsapp.MaxRowDescription)
			}
			if seen[r.ID] {
				return tm, "Rows must have unique ids."
			}
			seen[r.ID] = true
			rows++
			ls.Rows = append(ls.Rows, Choice{ID: r.ID, Title: r.Title, Description: r.Description})
		}
		lv.Sections = append(lv.Sections, ls)
	}
	if rows > whatsapp.MaxListRows {
		return tm, fmt.Sprintf("A list message can have at most %d rows in total.", whatsapp.MaxListRows)
	}
	tm.List = lv
	return tm, ""
}

// countDuplicateLocked records sm under its duplicate key: the
// biz_opaque_callback_data if set, else the type and canonical content.
func (s *Simulator) countDuplicateLocked(sm SentMessage, fields map[string]json.RawMessage) {
	key := "opaque:" + sm.BizOpaqueCallbackData
	if sm.BizOpaqueCallbackData == "" {
		var content any
		_ = json.Unmarshal(fields[sm.Type], &content)
		canon, _ := json.Marshal(content) // map keys sorted: canonical
		key = sm.Type + ":" + string(canon)
	}
	full := sm.WaID + "\x00" + key
	d, ok := s.dupes[full]
	if !ok {
		d = &Duplicate{WaID: sm.WaID, Key: key}
		s.dupes[full] = d
		s.dupeOrder = append(s.dupeOrder, full)
	}
	d.Count++
	d.IDs = append(d.IDs, sm.ID)
}
