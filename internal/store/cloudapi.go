package store

import "github.com/trement/trement/internal/conversation"

// OutboundMessage finds the outbound message Meta gave the id wamid (by
// its blind index); ErrNotFound if none. A failed status webhook names
// only the wamid, and the outbox item that sent it is gone by then.
func (t *Tx) OutboundMessage(wamid string) (*conversation.Message, error) {
	list, err := t.scanMessages("SELECT "+msgCols+" FROM messages WHERE wa_message_id = ? AND direction = 'out'", t.db.WamidIndex(wamid))
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, conversation.ErrNotFound
	}
	return list[0], nil
}
