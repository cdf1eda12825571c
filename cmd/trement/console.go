package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/redact"
	"github.com/trement/trement/internal/store"
)

// consoleConversations adapts the store and the message path to the
// console's ConversationService.
type consoleConversations struct {
	db     *store.DB
	svc    *conversation.Service
	redact *redact.Detector // masks bodies unless revealed
}

var _ console.ConversationService = consoleConversations{}

func (c consoleConversations) summary(tx *store.Tx, conv *conversation.Conversation) (console.ConversationSummary, error) {
	ct, err := tx.Contact(conv.ContactID)
	if err != nil {
		return console.ConversationSummary{}, err
	}
	return console.ConversationSummary{ID: conv.ID, ContactID: ct.ID, CustomerPseudonym: c.db.Pseudonym(ct.WaID), Phone: ct.WaID,
		ProfileName: ct.ProfileName, Region: ct.Region, Language: ct.Language, State: string(conv.State), AssignedTo: conv.AssignedTo,
		Sensitive: conv.Sensitive, LastInboundAt: conv.LastInboundAt, UpdatedAt: conv.UpdatedAt}, nil
}

func (c consoleConversations) List(ctx context.Context, f console.ConversationFilter) ([]console.ConversationSummary, error) {
	var out []console.ConversationSummary
	err := c.db.View(ctx, func(tx *store.Tx) error {
		convs, err := tx.Conversations(store.ConversationFilter{State: conversation.State(f.State), AssignedTo: f.AssignedTo, Queue: f.Queue, Limit: f.Limit})
		if err != nil {
			return err
		}
		for _, conv := range convs {
			s, err := c.summary(tx, conv)
			if errors.Is(err, conversation.ErrNotFound) {
				continue // erased between the two reads
			}
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// Get returns a conversation; without reveal, personal data in message
// bodies is replaced by typed placeholders ([EMAIL_1]).
func (c consoleConversations) Get(ctx context.Context, id string, reveal bool) (*console.ConversationDetail, error) {
	var d console.ConversationDetail
	err := c.db.View(ctx, func(tx *store.Tx) error {
		conv, err := tx.Conversation(id)
		if err != nil {
			return err
		}
		if d.ConversationSummary, err = c.summary(tx, conv); err != nil {
			return err
		}
		msgs, err := tx.Messages(id, 200)
		if err != nil {
			return err
		}
		_, mask := c.redact.Redact("")
		show := func(s string) string {
			if reveal {
				return s
			}
			return mask.RedactMore(s)
		}
		files, err := tx.ConversationMedia(id)
		if err != nil {
			return err
		}
		bodies := make(map[string]string, len(msgs))
		for _, m := range msgs {
			bodies[m.ID] = m.Body
		}
		for _, m := range msgs {
			cm := console.ConversationMessage{ID: m.ID, Direction: string(m.Direction), Author: m.Author,
				Type: m.Type, Body: show(m.Body), Truncated: m.Truncated, Status: string(m.Status), At: m.CreatedAt, Reaction: m.Reaction}
			if m.ReplyToID != "" {
				quoted, ok := bodies[m.ReplyToID]
				if !ok { // older than the page reaches
					q, err := tx.Message(m.ReplyToID)
					if err != nil && !errors.Is(err, conversation.ErrNotFound) {
						return err
					}
					if err == nil && q.Type != conversation.TypeNote && q.Type != conversation.TypeReaction {
						quoted, ok = q.Body, true
					}
				}
				if ok {
					cm.ReplyTo, cm.Quote = m.ReplyToID, show(quoted)
				}
			}
			if md := m.Meta; md != nil {
				cm.Forwarded, cm.FrequentlyForwarded = md.Forwarded, md.FrequentlyForwarded
				if r := md.Referral; r != nil {
					cm.AdSourceType, cm.AdHeadline = r.SourceType, show(r.Headline)
				}
			}
			if f := files[m.ID]; f != nil {
				cm.Media = &console.MessageMedia{State: string(f.State), MimeType: f.Ref.MimeType, Filename: show(f.Ref.Filename), Size: f.Size, Reason: f.LastError}
			}
			d.Messages = append(d.Messages, cm)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// MediaFile opens the file a message of conversation id carried.
func (c consoleConversations) MediaFile(ctx context.Context, id, messageID string) (*console.MediaFile, error) {
	var f *console.MediaFile
	err := c.db.View(ctx, func(tx *store.Tx) error {
		m, err := tx.Message(messageID)
		if err != nil {
			return err
		}
		if m.ConversationID != id {
			return conversation.ErrNotFound
		}
		md, err := tx.MessageMedia(messageID, true)
		if err != nil {
			return err
		}
		if md.State != conversation.MediaStored {
			return conversation.ErrNotFound
		}
		f = &console.MediaFile{MimeType: md.Ref.MimeType, Filename: md.Ref.Filename, Data: md.Data}
		return nil
	})
	return f, err
}

func consoleErr(err error) error {
	switch {
	case errors.Is(err, conversation.ErrConflict):
		return fmt.Errorf("%w: %v", console.ErrConflict, err)
	case errors.Is(err, conversation.ErrInvalid):
		return fmt.Errorf("%w: %v", console.ErrInvalid, err)
	}
	return err
}

func (c consoleConversations) Reply(ctx context.Context, a console.Actor, id, text string) (*console.ConversationMessage, error) {
	m, err := c.svc.OperatorReply(ctx, id, a.OperatorID(), text, a.Event(audit.ActionConversationReply, "conversation:"+id, audit.Success, ""))
	if err != nil {
		return nil, consoleErr(err)
	}
	return &console.ConversationMessage{ID: m.ID, Direction: string(m.Direction), Author: m.Author, Type: m.Type, Body: m.Body, Status: string(m.Status), At: m.CreatedAt}, nil
}

func (c consoleConversations) Note(ctx context.Context, a console.Actor, id, text string) (*console.ConversationMessage, error) {
	m, err := c.svc.AddNote(ctx, id, a.OperatorID(), text, a.Event(audit.ActionConversationNote, "conversation:"+id, audit.Success, ""))
	if err != nil {
		return nil, consoleErr(err)
	}
	return &console.ConversationMessage{ID: m.ID, Direction: string(m.Direction), Author: m.Author, Type: m.Type, Body: m.Body, Status: string(m.Status), At: m.CreatedAt}, nil
}

func (c consoleConversations) Take(ctx context.Context, a console.Actor, id string) error {
	return consoleErr(c.svc.Take(ctx, id, a.OperatorID(), a.Event(audit.ActionConversationTake, "conversation:"+id, audit.Success, "")))
}

func (c consoleConversations) HandBack(ctx context.Context, a console.Actor, id string) error {
	return consoleErr(c.svc.HandBack(ctx, id, a.Event(audit.ActionConversationBack, "conversation:"+id, audit.Success, "")))
}

func (c consoleConversations) Assign(ctx context.Context, a console.Actor, id, operatorID string) error {
	return consoleErr(c.svc.Assign(ctx, id, operatorID, a.Event(audit.ActionConversationAssgn, "conversation:"+id, audit.Success, "operator:"+operatorID)))
}
