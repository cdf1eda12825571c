package whatsapp

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind classifies an inbound message. Interactive replies are split by
// their sub-type. The values are stable strings, safe to store.
type Kind string

// Message kinds. KindUnsupported covers type "unsupported", type "unknown",
// any type this package does not know, and a known type whose content
// object is missing.
const (
	KindText        Kind = "text"
	KindImage       Kind = "image"
	KindAudio       Kind = "audio"
	KindVideo       Kind = "video"
	KindDocument    Kind = "document"
	KindSticker     Kind = "sticker"
	KindLocation    Kind = "location"
	KindContacts    Kind = "contacts"
	KindButtonReply Kind = "button_reply" // interactive reply button
	KindListReply   Kind = "list_reply"   // interactive list row
	KindFlowReply   Kind = "nfm_reply"    // interactive Flows submission
	KindButton      Kind = "button"       // template quick-reply button
	KindReaction    Kind = "reaction"
	KindOrder       Kind = "order"
	KindSystem      Kind = "system"
	KindUnsupported Kind = "unsupported"
)

// Kind reports the message's kind from its type and content.
func (m *Message) Kind() Kind {
	switch m.Type {
	case "text":
		if m.Text != nil {
			return KindText
		}
	case "image":
		if m.Image != nil {
			return KindImage
		}
	case "audio":
		if m.Audio != nil {
			return KindAudio
		}
	case "video":
		if m.Video != nil {
			return KindVideo
		}
	case "document":
		if m.Document != nil {
			return KindDocument
		}
	case "sticker":
		if m.Sticker != nil {
			return KindSticker
		}
	case "location":
		if m.Location != nil {
			return KindLocation
		}
	case "contacts":
		if len(m.Contacts) > 0 {
			return KindContacts
		}
	case "interactive":
		if i := m.Interactive; i != nil {
			switch {
			case i.Type == "button_reply" && i.ButtonReply != nil:
				return KindButtonReply
			case i.Type == "list_reply" && i.ListReply != nil:
				return KindListReply
			case i.Type == "nfm_reply" && i.NFMReply != nil:
				return KindFlowReply
			}
		}
	case "button":
		if m.Button != nil {
			return KindButton
		}
	case "reaction":
		if m.Reaction != nil {
			return KindReaction
		}
	case "order":
		if m.Order != nil {
			return KindOrder
		}
	case "system":
		if m.System != nil {
			return KindSystem
		}
	}
	return KindUnsupported
}

// Summary renders the message as one short line of plain text for an agent
// or an operator: the text body, a media caption, "location: name, address",
// the tapped button's title, the reaction emoji, an order summary, and so
// on. Media content is not fetched; it is described in brackets.
func (m *Message) Summary() string {
	switch m.Kind() {
	case KindText:
		return m.Text.Body
	case KindImage:
		return mediaSummary("image", m.Image)
	case KindVideo:
		return mediaSummary("video", m.Video)
	case KindDocument:
		label := "document"
		if m.Document.Filename != "" {
			label += ": " + m.Document.Filename
		}
		return mediaSummary(label, m.Document)
	case KindAudio:
		if m.Audio.Voice {
			return "[voice message]"
		}
		return "[audio]"
	case KindSticker:
		return "[sticker]"
	case KindLocation:
		return locationSummary(m.Location)
	case KindContacts:
		return contactsSummary(m.Contacts)
	case KindButtonReply:
		return m.Interactive.ButtonReply.Title
	case KindListReply:
		return m.Interactive.ListReply.Title
	case KindFlowReply:
		r := m.Interactive.NFMReply
		if r.ResponseJSON != "" {
			return "form response: " + r.ResponseJSON
		}
		return "[form response]"
	case KindButton:
		if m.Button.Text != "" {
			return m.Button.Text
		}
		return m.Button.Payload
	case KindReaction:
		if m.Reaction.Emoji == "" {
			return "removed a reaction"
		}
		return "reacted " + m.Reaction.Emoji
	case KindOrder:
		return orderSummary(m.Order)
	case KindSystem:
		if m.System.Body != "" {
			return m.System.Body
		}
		return "[system: " + m.System.Type + "]"
	}
	t := m.Type
	if m.Unsupported != nil && m.Unsupported.Type != "" {
		t = m.Unsupported.Type
	}
	if t == "" || t == "unsupported" {
		return "[unsupported message]"
	}
	return "[unsupported message: " + t + "]"
}

func mediaSummary(label string, md *Media) string {
	if md.Caption != "" {
		return "[" + label + "] " + md.Caption
	}
	return "[" + label + "]"
}

func locationSummary(l *Location) string {
	parts := make([]string, 0, 2)
	if l.Name != "" {
		parts = append(parts, l.Name)
	}
	if l.Address != "" {
		parts = append(parts, l.Address)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("location: %s, %s",
			strconv.FormatFloat(l.Latitude, 'f', -1, 64), strconv.FormatFloat(l.Longitude, 'f', -1, 64))
	}
	return "location: " + strings.Join(parts, ", ")
}

func contactsSummary(cs []SharedContact) string {
	items := make([]string, 0, len(cs))
	for _, c := range cs {
		name := c.Name.FormattedName
		if name == "" {
			name = strings.TrimSpace(c.Name.FirstName + " " + c.Name.LastName)
		}
		for _, p := range c.Phones {
			if p.Phone != "" {
				name = strings.TrimSpace(name + " " + p.Phone)
				break
			}
		}
		items = append(items, name)
	}
	return "contact: " + strings.Join(items, "; ")
}

func orderSummary(o *Order) string {
	items := make([]string, 0, len(o.ProductItems))
	for _, p := range o.ProductItems {
		items = append(items, fmt.Sprintf("%s x %s (%s %s)",
			strconv.FormatFloat(p.Quantity, 'f', -1, 64), p.ProductRetailerID,
			strconv.FormatFloat(p.ItemPrice, 'f', -1, 64), p.Currency))
	}
	s := "order: " + strings.Join(items, ", ")
	if len(items) == 0 {
		s = "order: (no items)"
	}
	if o.Text != "" {
		s += "; note: " + o.Text
	}
	return s
}
