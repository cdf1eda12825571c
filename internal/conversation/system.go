package conversation

import (
	"errors"
	"fmt"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
)

// System message types WhatsApp sends about a customer (spec §3).
const (
	SystemNumberChanged   = "user_changed_number"
	SystemIdentityChanged = "customer_identity_changed"
)

// system applies a WhatsApp system message. It is WhatsApp speaking, not
// the customer: nothing is marked read or sent in reply, it answers no
// consent question, and a number nobody knows starts nothing. A number
// change moves the customer (contact, consent, conversations and keys
// follow the contact) with a ledger entry; an identity change is recorded
// as a note operators see.
func (f *Flow) system(tx Tx, m Inbound) error {
	c, err := tx.ContactByWaID(m.From)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("flow: system: %w", err)
	}
	conv, err := tx.OpenConversation(c.ID, m.PhoneNumberID)
	if err != nil {
		return fmt.Errorf("flow: system: %w", err)
	}
	note := func(body string) error {
		return tx.InsertMessage(&Message{ConversationID: conv.ID, ContactID: c.ID, Direction: In, Type: TypeNote,
			Body: body, Author: "system", Status: StatusNote})
	}
	act := func(action, reason string) error {
		return tx.AppendAudit(&audit.Event{ActorType: "system", ActorID: "whatsapp", Action: action,
			Target: "conversation:" + conv.ID, Outcome: "success", Reason: reason})
	}
	switch m.System.Type {
	case SystemNumberChanged:
		to := m.System.NewWaID
		if to == "" || to == c.WaID {
			return nil
		}
		err := tx.ChangeContactNumber(c.ID, to)
		if errors.Is(err, ErrDuplicate) {
			// The new number already wrote to us as a new customer; the two
			// are not merged without a person.
			if err := act("contact.number_change_conflict", "the new number already has a contact"); err != nil {
				return err
			}
			return note("WhatsApp says this customer changed number, but the new number already belongs to another customer here: not merged")
		}
		if err != nil {
			return err
		}
		old := c.WaID
		c.WaID = to
		e := &consent.Event{ContactID: c.ID, WaIndex: f.store.WaIndex(to), Kind: consent.NumberChanged, NoticeVersion: c.NoticeVersion,
			Purpose: f.cfg.Purpose, Region: c.Region, Channel: "whatsapp", WAMessageID: m.WAMessageID, At: tx.Time()}
		if err := tx.AppendConsent(e); err != nil {
			return err
		}
		if err := act("contact.number_changed", "from "+f.store.Pseudonym(old)+" to "+f.store.Pseudonym(to)); err != nil {
			return err
		}
		return note("WhatsApp: the customer changed their phone number; the conversation continues on the new number")
	case SystemIdentityChanged:
		if err := act("contact.identity_changed", "WhatsApp reports a new security code for the customer"); err != nil {
			return err
		}
		return note("WhatsApp: the customer's identity (security code) changed; they may have reinstalled WhatsApp or changed phone. Verify before sharing personal data.")
	}
	return note("WhatsApp system message: " + m.System.Type)
}
