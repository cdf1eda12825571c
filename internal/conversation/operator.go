package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/policy"
)

// ErrConflict means the action does not fit the conversation's state: it is
// another operator's, or the customer opted out, or the 24-hour window is
// closed with no template configured.
var ErrConflict = errors.New("conflict")

// OperatorReply queues an operator's message to the customer of a
// conversation, records it in the conversation, moves the conversation to
// a human, and appends ev (the operator's audit event) in the same
// transaction. Outside the 24-hour window the configured template is sent
// instead; with none configured the reply is refused.
func (s *Service) OperatorReply(ctx context.Context, convID, operatorID, text string, ev *audit.Event) (*Message, error) {
	text = strings.TrimSpace(text)
	if text == "" || len([]rune(text)) > 4096 {
		return nil, fmt.Errorf("%w: a reply needs 1 to 4096 characters", ErrInvalid)
	}
	var m *Message
	err := s.store.Update(ctx, func(tx Tx) error {
		conv, c, err := s.load(tx, convID)
		if err != nil {
			return err
		}
		if c.ConsentState == ConsentWithdrawn || c.ConsentState == ConsentDeclined {
			return fmt.Errorf("%w: the customer opted out; nothing may be sent", ErrConflict)
		}
		if conv.AssignedTo != "" && conv.AssignedTo != operatorID {
			return fmt.Errorf("%w: the conversation is assigned to another operator", ErrConflict)
		}
		if !c.LastInboundAt.IsZero() && tx.Time().Sub(c.LastInboundAt) > 24*time.Hour && s.Flow.windowTemplate(conv.PhoneNumberID) == nil {
			return fmt.Errorf("%w: the 24-hour window is closed and no template is configured", ErrConflict)
		}
		if conv.State != StateHuman {
			conv.State = StateHuman
			conv.AssignedTo = operatorID
		}
		if m, err = s.Flow.enqueueMessage(tx, c, conv, Outbound{To: c.WaID, Text: text}, "operator:"+operatorID, true); err != nil {
			return err
		}
		if err := tx.UpdateConversation(conv); err != nil {
			return err
		}
		return tx.AppendAudit(ev)
	})
	if err == nil {
		s.wakeOutbox()
	}
	return m, err
}

// AddNote keeps a private note by an operator in a conversation: shown to
// the operators who can see the conversation, never sent to the customer,
// never given to the agent, sealed under the customer's key like every
// message (so it is in their access export and goes with their erasure),
// and appends ev in the same transaction.
func (s *Service) AddNote(ctx context.Context, convID, operatorID, text string, ev *audit.Event) (*Message, error) {
	text = strings.TrimSpace(text)
	if text == "" || len([]rune(text)) > 2000 {
		return nil, fmt.Errorf("%w: a note needs 1 to 2000 characters", ErrInvalid)
	}
	var m *Message
	err := s.store.Update(ctx, func(tx Tx) error {
		conv, c, err := s.load(tx, convID)
		if err != nil {
			return err
		}
		m = &Message{ConversationID: conv.ID, ContactID: c.ID, Direction: Out, Type: TypeNote, Body: text,
			Author: "operator:" + operatorID, Status: StatusNote}
		if err := tx.InsertMessage(m); err != nil {
			return err
		}
		return tx.AppendAudit(ev)
	})
	return m, err
}

// ErrInvalid means the request itself is wrong (empty text, …).
var ErrInvalid = errors.New("invalid")

// Take assigns the conversation to the operator and silences the bot.
func (s *Service) Take(ctx context.Context, convID, operatorID string, ev *audit.Event) error {
	return s.operate(ctx, convID, ev, func(conv *Conversation) error {
		if conv.AssignedTo != "" && conv.AssignedTo != operatorID {
			return fmt.Errorf("%w: the conversation is assigned to another operator", ErrConflict)
		}
		conv.AssignedTo, conv.State = operatorID, StateHuman
		return nil
	})
}

// HandBack returns the conversation to the bot, unassigns it, and tells
// the customer the assistant is back.
func (s *Service) HandBack(ctx context.Context, convID string, ev *audit.Event) error {
	err := s.store.Update(ctx, func(tx Tx) error {
		conv, c, err := s.load(tx, convID)
		if err != nil {
			return err
		}
		was := conv.State
		conv.AssignedTo, conv.State, conv.NotHelpful, conv.Failures = "", StateBot, 0, 0
		conv.WaitingSince, conv.WaitExpired = time.Time{}, false
		if c.ConsentState == ConsentGranted && was != StateBot {
			st := &step{f: s.Flow, tx: tx, c: c, conv: conv, lang: replyLanguage("", "", conv, c)}
			if err := st.sayText(policy.HandedBack); err != nil {
				return err
			}
		}
		if err := tx.UpdateConversation(conv); err != nil {
			return err
		}
		return tx.AppendAudit(ev)
	})
	if err == nil {
		s.wakeOutbox()
	}
	return err
}

// ExpireWaits tells the customers of conversations that have waited for a
// person longer than Config.HumanWait that no one is free, and lets the
// assistant answer them again while they stay in the queue. It returns how
// many it told.
func (s *Service) ExpireWaits(ctx context.Context) (int, error) {
	if s.Flow.cfg.HumanWait <= 0 {
		return 0, nil
	}
	// Only the replica that processes the inbox does it, so one customer
	// is told once.
	if lead, err := s.store.Lead(ctx); err != nil || !lead {
		return 0, err
	}
	n := 0
	err := s.store.Update(ctx, func(tx Tx) error {
		n = 0
		convs, err := tx.WaitingBefore(tx.Time().Add(-s.Flow.cfg.HumanWait), 100)
		if err != nil {
			return err
		}
		for _, conv := range convs {
			c, err := tx.Contact(conv.ContactID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			conv.WaitExpired = true
			if c.ConsentState == ConsentGranted {
				st := &step{f: s.Flow, tx: tx, c: c, conv: conv, lang: replyLanguage("", "", conv, c)}
				if err := st.sayText(policy.WaitExpired); err != nil {
					return err
				}
				n++
			}
			if err := tx.UpdateConversation(conv); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && n > 0 {
		s.wakeOutbox()
	}
	return n, err
}

// Assign gives the conversation to operatorID; it waits for them.
func (s *Service) Assign(ctx context.Context, convID, operatorID string, ev *audit.Event) error {
	return s.operate(ctx, convID, ev, func(conv *Conversation) error {
		conv.AssignedTo = operatorID
		if conv.State == StateBot {
			conv.State = StateWaitingHuman
		}
		return nil
	})
}

func (s *Service) operate(ctx context.Context, convID string, ev *audit.Event, change func(*Conversation) error) error {
	return s.store.Update(ctx, func(tx Tx) error {
		conv, _, err := s.load(tx, convID)
		if err != nil {
			return err
		}
		if err := change(conv); err != nil {
			return err
		}
		if err := tx.UpdateConversation(conv); err != nil {
			return err
		}
		return tx.AppendAudit(ev)
	})
}

func (s *Service) load(tx Tx, convID string) (*Conversation, *Contact, error) {
	conv, err := tx.Conversation(convID)
	if err != nil {
		return nil, nil, err
	}
	c, err := tx.Contact(conv.ContactID)
	if err != nil {
		return nil, nil, err
	}
	return conv, c, nil
}
