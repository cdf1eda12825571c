// Package channel connects the conversation domain to the WhatsApp Cloud
// API adapter: it turns verified webhook bodies into domain events and
// domain sends into Graph API requests, classifying Meta's errors into what
// the outbox should do. It is the only place that knows both sides.
package channel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp"
)

// Parse is a conversation.Parser for Cloud API webhook bodies.
func Parse(raw []byte) (*conversation.Batch, error) {
	n, err := whatsapp.ParseNotification(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", conversation.ErrMalformed, err)
	}
	ev := n.Events()
	b := &conversation.Batch{Ignored: len(ev.Ignored)}
	for _, m := range ev.Messages {
		ts, _ := m.Message.Time()
		in := conversation.Inbound{
			PhoneNumberID: m.PhoneNumberID,
			From:          m.From,
			ProfileName:   m.ProfileName,
			WAMessageID:   m.Message.ID,
			Timestamp:     ts.UTC(),
			Type:          string(m.Kind),
			Text:          m.Summary(),
		}
		switch {
		case m.Message.Text != nil:
			in.Text = m.Message.Text.Body
		case m.Message.Interactive != nil && m.Message.Interactive.ButtonReply != nil:
			in.ButtonID = m.Message.Interactive.ButtonReply.ID
			in.Text = m.Message.Interactive.ButtonReply.Title
		case m.Message.Interactive != nil && m.Message.Interactive.ListReply != nil:
			in.ButtonID = m.Message.Interactive.ListReply.ID
			in.Text = m.Message.Interactive.ListReply.Title
		case m.Message.System != nil:
			in.System = &conversation.SystemEvent{Type: m.Message.System.Type, NewWaID: m.Message.System.NewWaID}
			if in.System.NewWaID == "" {
				in.System.NewWaID = m.Message.System.WaID
			}
			in.Text = ""
		case m.Message.Button != nil:
			// A template's quick reply: its payload is what the business set.
			in.ButtonID = m.Message.Button.Payload
			in.Text = m.Message.Button.Text
		}
		if r := m.Message.Reaction; r != nil && m.Kind == whatsapp.KindReaction {
			in.Reaction = &conversation.Reaction{WAMessageID: r.MessageID, Emoji: r.Emoji}
			in.Text = ""
		}
		in.ReplyTo, in.Meta = messageContext(m.Message)
		in.Media = mediaRef(m.Kind, m.Message)
		b.Messages = append(b.Messages, in)
	}
	for _, s := range ev.Statuses {
		ts, _ := s.Status.Time()
		st := conversation.StatusEvent{
			WAMessageID:  s.Status.ID,
			Status:       conversation.Status(strings.ToLower(s.Status.Status)),
			Timestamp:    ts.UTC(),
			CallbackData: s.Status.BizOpaqueCallbackData,
		}
		if len(s.Status.Errors) > 0 {
			st.ErrorCode = s.Status.Errors[0].Code
			st.ErrorTitle = s.Status.Errors[0].Title
			st.Action = action(whatsapp.ClassifyCode(st.ErrorCode))
		}
		b.Statuses = append(b.Statuses, st)
	}
	for _, m := range ev.Messages {
		learn(b, m.Origin)
	}
	for _, s := range ev.Statuses {
		learn(b, s.Origin)
	}
	for _, ig := range ev.Ignored {
		if u, ok, err := whatsapp.ParseAccountUpdate(ig); ok {
			if err != nil {
				return nil, fmt.Errorf("%w: %v", conversation.ErrMalformed, err)
			}
			b.Ignored--
			b.Account = append(b.Account, accountSignal(u))
			continue
		}
		if ig.Field != whatsapp.FieldUserPreferences {
			continue
		}
		phone, prefs, err := whatsapp.UserPreferences(ig.Raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", conversation.ErrMalformed, err)
		}
		b.Ignored--
		for _, p := range prefs {
			if p.Category != "marketing_messages" || (p.Value != "stop" && p.Value != "resume") {
				b.Ignored++
				continue
			}
			b.Preferences = append(b.Preferences, conversation.Preference{PhoneNumberID: phone, WaID: p.WaID, Stop: p.Value == "stop", Timestamp: p.Time().UTC()})
		}
	}
	for _, e := range ev.Errors {
		b.Errors = append(b.Errors, fmt.Sprintf("code %d: %s", e.Error.Code, e.Error.Title))
		b.ErrorEvents = append(b.ErrorEvents, conversation.MetaError{PhoneNumberID: e.PhoneNumberID, Code: e.Error.Code, Title: e.Error.Title})
	}
	return b, nil
}

// messageContext reads what a message says about itself: the message it
// replies to (context.id) and its forward flags, the ad it came from and
// the product it asks about (nil when none of them).
func messageContext(m whatsapp.Message) (replyTo string, meta *conversation.MessageMeta) {
	var md conversation.MessageMeta
	if c := m.Context; c != nil {
		replyTo = c.ID
		md.Forwarded, md.FrequentlyForwarded = c.Forwarded || c.FrequentlyForwarded, c.FrequentlyForwarded
		if p := c.ReferredProduct; p != nil {
			md.Product = &conversation.Product{CatalogID: p.CatalogID, ProductRetailerID: p.ProductRetailerID}
		}
	}
	if r := m.Referral; r != nil {
		md.Referral = &conversation.Referral{SourceType: r.SourceType, SourceID: r.SourceID, SourceURL: r.SourceURL,
			Headline: r.Headline, Body: r.Body, MediaType: r.MediaType}
	}
	if md == (conversation.MessageMeta{}) {
		return replyTo, nil
	}
	return replyTo, &md
}

// mediaRef is the file a media message names, nil for other messages
// (and for a media object without an id: nothing could be fetched).
func mediaRef(kind whatsapp.Kind, m whatsapp.Message) *conversation.MediaRef {
	md := map[whatsapp.Kind]*whatsapp.Media{whatsapp.KindImage: m.Image, whatsapp.KindDocument: m.Document, whatsapp.KindAudio: m.Audio,
		whatsapp.KindVideo: m.Video, whatsapp.KindSticker: m.Sticker}[kind]
	if md == nil || md.ID == "" {
		return nil
	}
	return &conversation.MediaRef{ID: md.ID, MimeType: md.MimeType, SHA256: md.SHA256, Filename: md.Filename}
}

// Sender sends through the Graph API client.
type Sender struct{ Client *whatsapp.Client }

var _ conversation.Sender = Sender{}

// Send implements conversation.Sender.
func (s Sender) Send(ctx context.Context, phoneNumberID string, out conversation.Outbound, callbackID string) (string, error) {
	msg := whatsapp.OutboundMessage{To: out.To, ReplyTo: out.ReplyTo, BizOpaqueCallbackData: callbackID}
	switch {
	case out.Template != nil:
		msg.Template = templateContent(out.Template)
	case len(out.Buttons) > 0:
		bc := &whatsapp.ButtonsContent{Body: out.Text}
		for _, b := range out.Buttons {
			bc.Buttons = append(bc.Buttons, whatsapp.ReplyButton{ID: b.ID, Title: b.Title})
		}
		msg.Buttons = bc
	default:
		msg.Text = &whatsapp.TextContent{Body: out.Text, PreviewURL: strings.Contains(out.Text, "https://")}
	}
	wamid, err := s.Client.Send(ctx, phoneNumberID, msg)
	return wamid, classify(err)
}

// MarkRead implements conversation.Sender.
func (s Sender) MarkRead(ctx context.Context, phoneNumberID, wamid string, typing bool) error {
	return classify(s.Client.MarkRead(ctx, phoneNumberID, wamid, typing))
}

// classify maps a Graph API error to what the outbox should do. A timeout
// is told apart from a refused connection: after a timeout Meta may have
// accepted the message, so it is reconciled rather than resent.
func classify(err error) error {
	if err == nil {
		return nil
	}
	se := &conversation.SendError{Err: err}
	var ae *whatsapp.APIError
	if errors.As(err, &ae) {
		se.Code, se.Title = ae.Code, ae.Message
	}
	se.Action = action(whatsapp.Classify(err))
	if se.Action == conversation.SendRetry {
		var ne net.Error
		if ae == nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()) {
			se.Action = conversation.SendUnknown
		}
	}
	return se
}

// action maps the adapter's classification to the outbox's.
func action(a whatsapp.Action) conversation.SendAction {
	switch a {
	case whatsapp.RetryBackoff:
		return conversation.SendRetry
	case whatsapp.RetryRecipientLater:
		return conversation.SendRetryRecipient
	case whatsapp.PauseNumber:
		return conversation.SendPauseNumber
	case whatsapp.AuthFailed:
		return conversation.SendAuthFailed
	case whatsapp.WindowClosed:
		return conversation.SendWindowClosed
	}
	return conversation.SendPermanent
}

// templateContent is a template with its variables as Meta's components
// (spec §4.1): positional or named body parameters, then one component per
// button with a variable (url: text, quick_reply: payload).
func templateContent(t *conversation.Template) *whatsapp.TemplateContent {
	tc := &whatsapp.TemplateContent{Name: t.Name, Language: t.Language}
	body := whatsapp.TemplateComponent{Type: "body"}
	for _, v := range t.Body {
		body.Parameters = append(body.Parameters, whatsapp.TemplateParameter{Type: "text", Text: v})
	}
	names := make([]string, 0, len(t.Named))
	for n := range t.Named {
		names = append(names, n)
	}
	sort.Strings(names) // the same request every time (an idempotent payload)
	for _, n := range names {
		body.Parameters = append(body.Parameters, whatsapp.TemplateParameter{Type: "text", ParameterName: n, Text: t.Named[n]})
	}
	if len(body.Parameters) > 0 {
		tc.Components = append(tc.Components, body)
	}
	for _, b := range t.Buttons {
		c := whatsapp.TemplateComponent{Type: "button", SubType: b.Type, Index: strconv.Itoa(b.Index)}
		if b.Type == "quick_reply" {
			c.Parameters = []whatsapp.TemplateParameter{{Type: "payload", Payload: b.Value}}
		} else {
			c.Parameters = []whatsapp.TemplateParameter{{Type: "text", Text: b.Value}}
		}
		tc.Components = append(tc.Components, c)
	}
	return tc
}
