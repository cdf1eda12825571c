package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// Replies, reactions and message metadata (issue 13): the quoted message
// is found from the blind index of its id, only among the same contact's
// messages, and reactions and metadata come back as written.
func TestRepliesReactionsAndMeta(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, conv := seed(t, db, "16503879439", "", "hi", 0)
		other, oconv := seed(t, db, "34612000111", "", "hola", 0)
		answer := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: "text", Body: "Shipping takes 2 days.", Author: "bot", Status: conversation.StatusQueued}
		meta := &conversation.MessageMeta{Forwarded: true, Referral: &conversation.Referral{SourceType: "ad", SourceID: "120", Headline: "Spring sale", SourceURL: "https://fb.me/x"}}
		reply := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In, WAMessageID: realWamid + "R", ReplyTo: realWamid,
			Type: "text", Body: "and to the Canaries?", Author: "customer", Status: conversation.StatusReceived, Meta: meta}
		// Another customer quoting the same id finds nothing: a reply
		// links only within the customer's own chat.
		stranger := &conversation.Message{ConversationID: oconv.ID, ContactID: other.ID, Direction: conversation.In, WAMessageID: realWamid + "S", ReplyTo: realWamid,
			Type: "text", Body: "?", Author: "customer", Status: conversation.StatusReceived}
		update(t, db, func(tx *store.Tx) error {
			if err := tx.InsertMessage(answer); err != nil {
				return err
			}
			// The reply is stored before the answer has its id (a send
			// reconciled late): it is linked once the id is known.
			if err := tx.InsertMessage(reply); err != nil {
				return err
			}
			if m, err := tx.Message(reply.ID); err != nil || m.ReplyToID != "" {
				t.Errorf("before the answer has an id, ReplyToID = %q, %v; want empty", m.ReplyToID, err)
			}
			if err := tx.InsertMessage(stranger); err != nil {
				return err
			}
			return tx.SetMessageSent(answer.ID, realWamid)
		})
		update(t, db, func(tx *store.Tx) error {
			ms, err := tx.Messages(conv.ID, 10)
			if err != nil {
				return err
			}
			if len(ms) != 2 || ms[1].ID != reply.ID || ms[1].ReplyToID != answer.ID || ms[0].ReplyToID != "" {
				t.Fatalf("Messages = %+v; want the reply linked to the answer", ms)
			}
			got := ms[1].Meta
			if got == nil || !got.Forwarded || got.FrequentlyForwarded || got.Referral == nil || *got.Referral != *meta.Referral || got.Product != nil {
				t.Errorf("Meta = %+v, want %+v", got, meta)
			}
			if ms[0].Meta != nil {
				t.Errorf("Meta of a message without any = %+v, want nil", ms[0].Meta)
			}
			if m, err := tx.Message(stranger.ID); err != nil || m.ReplyToID != "" {
				t.Errorf("another customer's reply ReplyToID = %q, %v; want empty", m.ReplyToID, err)
			}
			q, err := tx.ContactMessage(c.ID, realWamid)
			if err != nil || q.ID != answer.ID || q.Body != answer.Body {
				t.Errorf("ContactMessage = %+v, %v; want the answer", q, err)
			}
			if _, err := tx.ContactMessage(other.ID, realWamid); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("ContactMessage(another contact) = %v, want ErrNotFound", err)
			}
			if _, err := tx.ContactMessage(c.ID, ""); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("ContactMessage(\"\") = %v, want ErrNotFound", err)
			}

			if _, err := tx.SetReaction(other.ID, realWamid, "😡"); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("SetReaction by another contact = %v, want ErrNotFound", err)
			}
			if _, err := tx.SetReaction(c.ID, "wamid.unknown", "👍"); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("SetReaction(unknown id) = %v, want ErrNotFound", err)
			}
			id, err := tx.SetReaction(c.ID, realWamid, "👍")
			if err != nil || id != answer.ID {
				t.Fatalf("SetReaction = %q, %v; want the answer's id", id, err)
			}
			if m, _ := tx.Message(answer.ID); m.Reaction != "👍" {
				t.Errorf("Reaction = %q, want 👍", m.Reaction)
			}
			if _, err := tx.SetReaction(c.ID, realWamid+"R", "❤️"); err != nil {
				t.Errorf("SetReaction on the customer's own message: %v", err)
			}
			if _, err := tx.SetReaction(c.ID, realWamid, ""); err != nil {
				return err
			}
			if m, _ := tx.Message(answer.ID); m.Reaction != "" {
				t.Errorf("after removal Reaction = %q, want none", m.Reaction)
			}
			if m, _ := tx.Message(reply.ID); m.Reaction != "❤️" {
				t.Errorf("Reaction on the reply = %q, want ❤️ (untouched by the other removal)", m.Reaction)
			}
			return nil
		})
		if n := rawWamids(t, url); n != 0 {
			t.Errorf("%d message ids stored in clear, want 0", n)
		}
	})
}

// A reaction whose message had no id yet is a row of its own until the
// message gets it: found by the id it reacts to, oldest first by
// WhatsApp's time, and deleted once moved.
func TestPendingReactions(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, conv := seed(t, db, "16503879440", "", "hi", 0)
		other, oconv := seed(t, db, "34612000112", "", "hola", 0)
		at := time.Unix(1_700_000_000, 0)
		reaction := func(contactID, convID, wamid, to, emoji string, sec int) *conversation.Message {
			return &conversation.Message{ConversationID: convID, ContactID: contactID, Direction: conversation.In, WAMessageID: wamid, Type: conversation.TypeReaction,
				Body: emoji, Author: "customer", Status: conversation.StatusReceived, WATimestamp: at.Add(time.Duration(sec) * time.Second), ReplyTo: to}
		}
		// Stored in another order than WhatsApp's.
		later, first := reaction(c.ID, conv.ID, realWamid+"B", realWamid, "❤️", 2), reaction(c.ID, conv.ID, realWamid+"A", realWamid, "👍", 1)
		stranger := reaction(other.ID, oconv.ID, realWamid+"C", realWamid, "😡", 0)
		elsewhere := reaction(c.ID, conv.ID, realWamid+"D", realWamid+"Y", "🔥", 3)
		update(t, db, func(tx *store.Tx) error {
			for _, m := range []*conversation.Message{later, first, stranger, elsewhere} {
				if err := tx.InsertMessage(m); err != nil {
					return err
				}
			}
			byWamid, err := tx.PendingReactions(realWamid, realWamid+"Y", realWamid+"X", "")
			if err != nil {
				return err
			}
			if rs := byWamid[realWamid]; len(rs) != 3 || rs[0].ID != stranger.ID || rs[1].ID != first.ID || rs[2].ID != later.ID || rs[2].Body != "❤️" || rs[2].ContactID != c.ID {
				t.Errorf("PendingReactions[%s] = %+v, want 😡, 👍 then ❤️", realWamid, rs)
			}
			if rs := byWamid[realWamid+"Y"]; len(rs) != 1 || rs[0].ID != elsewhere.ID {
				t.Errorf("PendingReactions[other id] = %+v, want 🔥", rs)
			}
			if len(byWamid) != 2 {
				t.Errorf("PendingReactions = %d ids, want 2 (none for an id nothing reacts to)", len(byWamid))
			}
			if none, err := tx.PendingReactions(); err != nil || len(none) != 0 {
				t.Errorf("PendingReactions() = %v, %v; want nothing", none, err)
			}
			if err := tx.DeleteMessage(first.ID); err != nil {
				return err
			}
			if err := tx.DeleteMessage(first.ID); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("DeleteMessage twice = %v, want ErrNotFound", err)
			}
			if byWamid, err := tx.PendingReactions(realWamid); err != nil || len(byWamid[realWamid]) != 2 {
				t.Errorf("after a delete PendingReactions = %+v, %v; want 😡 and ❤️", byWamid, err)
			}
			return nil
		})
	})
}
