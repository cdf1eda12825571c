package store

import (
	"fmt"

	"github.com/trement/trement/internal/consent"
)

// AppendConsent adds an event to the consent ledger. The message that
// carried the decision is recorded by its blind index (WamidIndex): the
// raw id encodes the customer's number, and the ledger outlives erasure.
func (t *Tx) AppendConsent(e *consent.Event) error {
	if e.At.IsZero() {
		e.At = t.Now
	}
	err := t.queryRow(`INSERT INTO consent_events (contact_id, wa_index, kind, notice_version, purpose, region, channel, wa_message_id, messages, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		e.ContactID, e.WaIndex, string(e.Kind), e.NoticeVersion, e.Purpose, e.Region, e.Channel, t.db.WamidIndex(e.WAMessageID), e.Messages, ms(e.At)).Scan(&e.Seq)
	if err != nil {
		return fmt.Errorf("store: append consent: %w", err)
	}
	return nil
}

// ConsentEvents returns a customer's ledger, oldest first, by blind index
// (so it can be shown after erasure too). WAMessageID holds the message
// id's blind index, never the id.
//
// A customer who changed number keeps their history: the number_changed
// event under the new index brings the events of the same contact under
// the old one (the append-only rows are never rewritten).
func (t *Tx) ConsentEvents(waIndex []byte) ([]*consent.Event, error) {
	rows, err := t.query(`SELECT seq, contact_id, wa_index, kind, notice_version, purpose, region, channel, wa_message_id, messages, created_at
		FROM consent_events WHERE wa_index = ?
		   OR contact_id IN (SELECT contact_id FROM consent_events WHERE wa_index = ? AND kind = 'number_changed')
		ORDER BY seq`, waIndex, waIndex)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*consent.Event
	for rows.Next() {
		var e consent.Event
		var kind string
		var at int64
		if err := rows.Scan(&e.Seq, &e.ContactID, &e.WaIndex, &kind, &e.NoticeVersion, &e.Purpose, &e.Region, &e.Channel, &e.WAMessageID, &e.Messages, &at); err != nil {
			return nil, err
		}
		e.Kind, e.At = consent.Kind(kind), fromMS(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}
