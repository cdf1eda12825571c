package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Limits Meta documents for outbound messages (spec §4.1). Lengths count
// characters (runes), not bytes.
const (
	MaxTextBody          = 4096
	MaxButtons           = 3
	MaxButtonTitle       = 20
	MaxButtonID          = 256
	MaxInteractiveBody   = 1024 // reply-button message body
	MaxListBody          = 4096 // list message body, Meta's list page
	MaxHeaderFooter      = 60
	MaxListButtonLabel   = 20
	MaxListSections      = 10
	MaxListRows          = 10 // in total, across sections
	MaxSectionTitle      = 24
	MaxRowTitle          = 24
	MaxRowDescription    = 72
	MaxRowID             = 200
	MaxMediaCaption      = 1024
	messagingProductName = "whatsapp"
)

// ErrInvalidMessage wraps every client-side validation failure of an
// OutboundMessage. Such a message is never sent; Classify says Permanent.
var ErrInvalidMessage = errors.New("invalid outbound message")

// OutboundMessage is one message to send. Set To and exactly one of Text,
// Buttons, List, Template or Reaction.
type OutboundMessage struct {
	// To is the recipient's phone number or wa_id; a leading + is allowed.
	To string

	Text     *TextContent
	Buttons  *ButtonsContent
	List     *ListContent
	Template *TemplateContent
	Reaction *ReactionContent

	// ReplyTo quotes an inbound message (context.message_id).
	ReplyTo string
	// BizOpaqueCallbackData is echoed back in status webhooks; use it as a
	// correlation ID.
	BizOpaqueCallbackData string
}

// TextContent is a text message.
type TextContent struct {
	Body string
	// PreviewURL renders a preview of the first URL in Body.
	PreviewURL bool
}

// ButtonsContent is an interactive message with 1 to 3 reply buttons.
type ButtonsContent struct {
	Header  string // optional text header
	Body    string
	Footer  string // optional
	Buttons []ReplyButton
}

// ReplyButton is one reply button. ID comes back in the button_reply
// webhook when the user taps it.
type ReplyButton struct {
	ID    string
	Title string
}

// ListContent is an interactive list message.
type ListContent struct {
	Header string // optional text header
	Body   string
	Footer string // optional
	// Button is the label of the button that opens the list.
	Button   string
	Sections []ListSection
}

// ListSection is a titled group of rows.
type ListSection struct {
	Title string
	Rows  []ListRow
}

// ListRow is one pickable row; ID comes back in the list_reply webhook.
type ListRow struct {
	ID          string
	Title       string
	Description string
}

// TemplateContent is an approved template, the only kind of message allowed
// outside the 24-hour customer-service window.
type TemplateContent struct {
	Name string
	// Language is the template's language code, e.g. "en_US".
	Language string
	// Components may be empty for templates without variables.
	Components []TemplateComponent
}

// TemplateComponent fills a template's header, body or button variables.
type TemplateComponent struct {
	Type       string              `json:"type"`               // header, body, button
	SubType    string              `json:"sub_type,omitempty"` // url, quick_reply (buttons)
	Index      string              `json:"index,omitempty"`    // button index, a string
	Parameters []TemplateParameter `json:"parameters,omitempty"`
}

// TemplateParameter is one template variable. Set Type and the field it
// names.
type TemplateParameter struct {
	Type          string    `json:"type"` // text, payload, image, video, document, ...
	ParameterName string    `json:"parameter_name,omitempty"`
	Text          string    `json:"text,omitempty"`
	Payload       string    `json:"payload,omitempty"`
	Image         *MediaRef `json:"image,omitempty"`
	Video         *MediaRef `json:"video,omitempty"`
	Document      *MediaRef `json:"document,omitempty"`
}

// MediaRef points at uploaded media (ID) or a public URL (Link).
type MediaRef struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// ReactionContent reacts to a message; an empty Emoji removes the reaction.
type ReactionContent struct {
	MessageID string
	Emoji     string
}

// Type returns the Graph API type of m ("text", "interactive", "template",
// "reaction"), or "" if no content is set.
func (m OutboundMessage) Type() string {
	switch {
	case m.Text != nil:
		return "text"
	case m.Buttons != nil, m.List != nil:
		return "interactive"
	case m.Template != nil:
		return "template"
	case m.Reaction != nil:
		return "reaction"
	}
	return ""
}

// Validate checks m against Meta's limits. Errors wrap ErrInvalidMessage
// and name the offending field.
func (m OutboundMessage) Validate() error {
	set := 0
	for _, present := range []bool{m.Text != nil, m.Buttons != nil, m.List != nil, m.Template != nil, m.Reaction != nil} {
		if present {
			set++
		}
	}
	if set != 1 {
		return invalid("content", "set exactly one of Text, Buttons, List, Template, Reaction; got %d", set)
	}
	if m.To == "" {
		return invalid("to", "required")
	}
	switch {
	case m.Text != nil:
		return checkLen("text.body", m.Text.Body, 1, MaxTextBody)
	case m.Buttons != nil:
		return m.Buttons.validate()
	case m.List != nil:
		return m.List.validate()
	case m.Template != nil:
		if m.Template.Name == "" {
			return invalid("template.name", "required")
		}
		if m.Template.Language == "" {
			return invalid("template.language.code", "required")
		}
		for i, c := range m.Template.Components {
			if c.Type == "" {
				return invalid(fmt.Sprintf("template.components[%d].type", i), "required")
			}
		}
	case m.Reaction != nil:
		if m.Reaction.MessageID == "" {
			return invalid("reaction.message_id", "required")
		}
	}
	return nil
}

func (b *ButtonsContent) validate() error {
	if err := checkLen("interactive.body.text", b.Body, 1, MaxInteractiveBody); err != nil {
		return err
	}
	if err := checkLen("interactive.header.text", b.Header, 0, MaxHeaderFooter); err != nil {
		return err
	}
	if err := checkLen("interactive.footer.text", b.Footer, 0, MaxHeaderFooter); err != nil {
		return err
	}
	if n := len(b.Buttons); n < 1 || n > MaxButtons {
		return invalid("interactive.action.buttons", "%d buttons, want 1 to %d", n, MaxButtons)
	}
	seen := make(map[string]bool, len(b.Buttons))
	for i, btn := range b.Buttons {
		field := fmt.Sprintf("interactive.action.buttons[%d].reply", i)
		if err := checkLen(field+".title", btn.Title, 1, MaxButtonTitle); err != nil {
			return err
		}
		if err := checkLen(field+".id", btn.ID, 1, MaxButtonID); err != nil {
			return err
		}
		if seen[btn.ID] {
			return invalid(field+".id", "duplicate id %q", btn.ID)
		}
		seen[btn.ID] = true
	}
	return nil
}

func (l *ListContent) validate() error {
	if err := checkLen("interactive.body.text", l.Body, 1, MaxListBody); err != nil {
		return err
	}
	if err := checkLen("interactive.header.text", l.Header, 0, MaxHeaderFooter); err != nil {
		return err
	}
	if err := checkLen("interactive.footer.text", l.Footer, 0, MaxHeaderFooter); err != nil {
		return err
	}
	if err := checkLen("interactive.action.button", l.Button, 1, MaxListButtonLabel); err != nil {
		return err
	}
	if n := len(l.Sections); n < 1 || n > MaxListSections {
		return invalid("interactive.action.sections", "%d sections, want 1 to %d", n, MaxListSections)
	}
	rows := 0
	seen := make(map[string]bool)
	for i, s := range l.Sections {
		field := fmt.Sprintf("interactive.action.sections[%d]", i)
		if err := checkLen(field+".title", s.Title, 0, MaxSectionTitle); err != nil {
			return err
		}
		if len(s.Rows) == 0 {
			return invalid(field+".rows", "at least one row is required")
		}
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", field, j)
			if err := checkLen(rf+".id", r.ID, 1, MaxRowID); err != nil {
				return err
			}
			if err := checkLen(rf+".title", r.Title, 1, MaxRowTitle); err != nil {
				return err
			}
			if err := checkLen(rf+".description", r.Description, 0, MaxRowDescription); err != nil {
				return err
			}
			if seen[r.ID] {
				return invalid(rf+".id", "duplicate id %q", r.ID)
			}
			seen[r.ID] = true
			rows++
		}
	}
	if rows > MaxListRows {
		return invalid("interactive.action.sections", "%d rows in total, want at most %d", rows, MaxListRows)
	}
	return nil
}

func checkLen(field, s string, lo, hi int) error {
	n := utf8.RuneCountInString(s)
	if n < lo {
		if lo == 1 {
			return invalid(field, "required")
		}
		return invalid(field, "%d characters, want at least %d", n, lo)
	}
	if n > hi {
		return invalid(field, "%d characters, want at most %d", n, hi)
	}
	return nil
}

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidMessage, field, fmt.Sprintf(format, args...))
}

// Wire shapes of the send request (spec §4.1).

type sendRequest struct {
	MessagingProduct      string           `json:"messaging_product"`
	RecipientType         string           `json:"recipient_type"`
	To                    string           `json:"to"`
	Type                  string           `json:"type"`
	Context               *sendContext     `json:"context,omitempty"`
	Text                  *wireText        `json:"text,omitempty"`
	Interactive           *wireInteractive `json:"interactive,omitempty"`
	Template              *wireTemplate    `json:"template,omitempty"`
	Reaction              *wireReaction    `json:"reaction,omitempty"`
	BizOpaqueCallbackData string           `json:"biz_opaque_callback_data,omitempty"`
}

type sendContext struct {
	MessageID string `json:"message_id"`
}

type wireText struct {
	PreviewURL bool   `json:"preview_url,omitempty"`
	Body       string `json:"body"`
}

type wireInteractive struct {
	Type   string        `json:"type"`
	Header *wireHeader   `json:"header,omitempty"`
	Body   wireTextOnly  `json:"body"`
	Footer *wireTextOnly `json:"footer,omitempty"`
	Action wireAction    `json:"action"`
}

type wireHeader struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type wireTextOnly struct {
	Text string `json:"text"`
}

type wireAction struct {
	Buttons  []wireButton  `json:"buttons,omitempty"`
	Button   string        `json:"button,omitempty"`
	Sections []wireSection `json:"sections,omitempty"`
}

type wireButton struct {
	Type  string    `json:"type"`
	Reply wireReply `json:"reply"`
}

type wireReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type wireSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []wireRow `json:"rows"`
}

type wireRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type wireTemplate struct {
	Name       string              `json:"name"`
	Language   wireLanguage        `json:"language"`
	Components []TemplateComponent `json:"components,omitempty"`
}

type wireLanguage struct {
	Code string `json:"code"`
}

type wireReaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// MarshalJSON renders the Graph API request body. It does not validate;
// Client.Send does.
func (m OutboundMessage) MarshalJSON() ([]byte, error) {
	req := sendRequest{
		MessagingProduct:      messagingProductName,
		RecipientType:         "individual",
		To:                    m.To,
		Type:                  m.Type(),
		BizOpaqueCallbackData: m.BizOpaqueCallbackData,
	}
	if m.ReplyTo != "" {
		req.Context = &sendContext{MessageID: m.ReplyTo}
	}
	switch {
	case m.Text != nil:
		req.Text = &wireText{PreviewURL: m.Text.PreviewURL, Body: m.Text.Body}
	case m.Buttons != nil:
		b := m.Buttons
		wi := &wireInteractive{Type: "button", Body: wireTextOnly{Text: b.Body}}
		wi.Header, wi.Footer = headerFooter(b.Header, b.Footer)
		for _, btn := range b.Buttons {
			wi.Action.Buttons = append(wi.Action.Buttons, wireButton{Type: "reply", Reply: wireReply(btn)})
		}
		req.Interactive = wi
	case m.List != nil:
		l := m.List
		wi := &wireInteractive{Type: "list", Body: wireTextOnly{Text: l.Body}}
		wi.Header, wi.Footer = headerFooter(l.Header, l.Footer)
		wi.Action.Button = l.Button
		for _, s := range l.Sections {
			ws := wireSection{Title: s.Title, Rows: []wireRow{}}
			for _, r := range s.Rows {
				ws.Rows = append(ws.Rows, wireRow(r))
			}
			wi.Action.Sections = append(wi.Action.Sections, ws)
		}
		req.Interactive = wi
	case m.Template != nil:
		req.Template = &wireTemplate{Name: m.Template.Name, Language: wireLanguage{Code: m.Template.Language}, Components: m.Template.Components}
	case m.Reaction != nil:
		req.Reaction = &wireReaction{MessageID: m.Reaction.MessageID, Emoji: m.Reaction.Emoji}
		req.Context = nil // a reaction names its target itself
	}
	return json.Marshal(req)
}

func headerFooter(header, footer string) (*wireHeader, *wireTextOnly) {
	var h *wireHeader
	var f *wireTextOnly
	if header != "" {
		h = &wireHeader{Type: "text", Text: header}
	}
	if footer != "" {
		f = &wireTextOnly{Text: footer}
	}
	return h, f
}
