package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

// WaIndex returns the blind index of a WhatsApp id.
func (db *DB) WaIndex(waID string) []byte { return db.index.Index("wa_id", waID) }

// Pseudonym names a customer in audit events and logs without their number.
func (db *DB) Pseudonym(waID string) string { return db.index.Pseudonym("wa", waID) }

const contactCols = "id, wa_id_enc, profile_name_enc, region, region_reason, language, consent_state, notice_version, pending_action, last_inbound_at, created_at, updated_at, notice_sent_at, unanswered"

// notErased is the condition that the contact id in col is not an erased
// contact whose rows wait for the scrubber (see Tx.shred). The subquery
// does not depend on the row, so it is read once, from a partial index
// holding only those few contacts.
func notErased(col string) string {
	return col + " NOT IN (SELECT id FROM contacts WHERE erased_at > 0)"
}

func contactLoc(id, col string) vault.Loc { return vault.Loc{Table: "contacts", Column: col, Row: id} }

// sealedContact is a contacts row as read, its number and name still
// sealed: a list reads every row before opening any, since PostgreSQL
// cannot read a data key on the connection while rows are still coming.
type sealedContact struct {
	c              conversation.Contact
	waEnc, nameEnc []byte
}

// extra are further columns the query selects after contactCols.
func scanSealedContact(row interface{ Scan(...any) error }, extra ...any) (*sealedContact, error) {
	var s sealedContact
	c := &s.c
	var last, created, updated, noticeSent int64
	var state string
	err := row.Scan(append([]any{&c.ID, &s.waEnc, &s.nameEnc, &c.Region, &c.RegionReason, &c.Language, &state, &c.NoticeVersion, &c.PendingAction, &last, &created, &updated, &noticeSent, &c.Unanswered}, extra...)...)
	if err != nil {
		return nil, notFound(err)
	}
	c.ConsentState = conversation.ConsentState(state)
	c.LastInboundAt, c.CreatedAt, c.UpdatedAt, c.NoticeSentAt = fromMS(last), fromMS(created), fromMS(updated), fromMS(noticeSent)
	return &s, nil
}

func (t *Tx) openContact(s *sealedContact) (*conversation.Contact, error) {
	c := s.c
	ci, err := t.cipherFor(c.ID)
	if err != nil {
		return nil, err
	}
	if c.WaID, err = ci.OpenString(contactLoc(c.ID, "wa_id"), s.waEnc); err != nil {
		return nil, fmt.Errorf("store: open contact %s wa_id: %w", c.ID, err)
	}
	if c.ProfileName, err = ci.OpenString(contactLoc(c.ID, "profile_name"), s.nameEnc); err != nil {
		return nil, fmt.Errorf("store: open contact %s profile_name: %w", c.ID, err)
	}
	return &c, nil
}

func (t *Tx) scanContact(row interface{ Scan(...any) error }) (*conversation.Contact, error) {
	s, err := scanSealedContact(row)
	if err != nil {
		return nil, err
	}
	return t.openContact(s)
}

// ContactByWaID finds a contact by WhatsApp id through its blind index.
// ErrNotFound if there is none.
func (t *Tx) ContactByWaID(waID string) (*conversation.Contact, error) {
	if c, ok := t.preloadedContact(waID); ok {
		if c == nil {
			return nil, conversation.ErrNotFound
		}
		return c, nil
	}
	return t.scanContact(t.queryRow("SELECT "+contactCols+" FROM contacts WHERE wa_index = ?", t.db.WaIndex(waID)))
}

// Contact returns a contact by id. ErrNotFound if there is none.
func (t *Tx) Contact(id string) (*conversation.Contact, error) {
	return t.scanContact(t.queryRow("SELECT "+contactCols+" FROM contacts WHERE id = ?", id))
}

// CreateContact stores a new contact with a fresh data key; it sets c.ID,
// CreatedAt and UpdatedAt. ErrDuplicate if the number is already known.
func (t *Tx) CreateContact(c *conversation.Contact) error {
	if c.WaID == "" {
		return errors.New("store: create contact: empty wa_id")
	}
	if c.ID == "" {
		c.ID = NewID()
	}
	if c.ConsentState == "" {
		c.ConsentState = conversation.ConsentNone
	}
	c.CreatedAt, c.UpdatedAt = t.Now, t.Now
	ci, err := t.newOwnerKey(c.ID)
	if err != nil {
		return err
	}
	var name []byte
	if c.ProfileName != "" {
		name = ci.SealString(contactLoc(c.ID, "profile_name"), c.ProfileName)
	}
	if t.pre != nil {
		delete(t.pre.contacts, c.WaID)
	}
	var res sql.Result
	err = t.ownWrite(func() error {
		var err error
		res, err = t.exec("INSERT INTO contacts ("+contactCols+", wa_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wa_index) DO NOTHING",
			c.ID, ci.SealString(contactLoc(c.ID, "wa_id"), c.WaID), name, c.Region, c.RegionReason, c.Language, string(c.ConsentState),
			c.NoticeVersion, c.PendingAction, ms(c.LastInboundAt), ms(c.CreatedAt), ms(c.UpdatedAt), ms(c.NoticeSentAt), c.Unanswered, t.db.WaIndex(c.WaID))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create contact: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.DestroyDataKey(c.ID)
		return conversation.ErrDuplicate
	}
	return nil
}

// UpdateContact writes every mutable field of c (not its number).
func (t *Tx) UpdateContact(c *conversation.Contact) error {
	ci, err := t.cipherFor(c.ID)
	if err != nil {
		return err
	}
	var name []byte
	if c.ProfileName != "" {
		name = ci.SealString(contactLoc(c.ID, "profile_name"), c.ProfileName)
	}
	c.UpdatedAt = t.Now
	t.forgetContact(c.ID)
	if err := t.updateRow(contactUpdate, func(p *pendingRows) *rowSet { return &p.contacts }, []any{name, c.Region, c.RegionReason, c.Language,
		string(c.ConsentState), c.NoticeVersion, c.PendingAction, ms(c.LastInboundAt), ms(c.UpdatedAt), ms(c.NoticeSentAt), c.Unanswered, c.ID}); err != nil {
		return err
	}
	t.preloadWritten(c)
	return nil
}

// ContactIDs lists contact ids, oldest first, after the given id; erased
// contacts waiting for the scrubber's delete are not listed.
func (t *Tx) ContactIDs(after string, limit int) ([]string, error) {
	rows, err := t.query("SELECT id FROM contacts WHERE id > ? AND erased_at = 0 ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ChangeContactNumber moves a contact to a new WhatsApp number: the number
// is sealed again under the contact's key and its blind index replaced, so
// the contact's consent, conversations and keys follow the customer.
// ErrDuplicate if another contact already has the new number.
func (t *Tx) ChangeContactNumber(id, newWaID string) error {
	ci, err := t.cipherFor(id)
	if err != nil {
		return err
	}
	var other string
	err = t.queryRow("SELECT id FROM contacts WHERE wa_index = ?", t.db.WaIndex(newWaID)).Scan(&other)
	switch {
	case err == nil && other != id:
		return conversation.ErrDuplicate
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: change number: %w", err)
	}
	res, err := t.exec("UPDATE contacts SET wa_id_enc = ?, wa_index = ?, updated_at = ? WHERE id = ?",
		ci.SealString(contactLoc(id, "wa_id"), newWaID), t.db.WaIndex(newWaID), ms(t.Now), id)
	if err != nil {
		return fmt.Errorf("store: change number: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return conversation.ErrNotFound
	}
	return nil
}

// ContactFilter selects contacts for the console's customer list.
type ContactFilter struct {
	Consent conversation.ConsentState // empty: any
	// Before pages the list: only contacts with an id below it. Ids are
	// UUIDv7, so id order is creation order and a page boundary holds
	// while new customers arrive.
	Before string
	Limit  int // 1–500; zero (or out of range): 50
}

// ContactListing is one row of the customer list: the contact and how
// many of their data-subject requests are not final.
type ContactListing struct {
	*conversation.Contact
	OpenRequests int
}

// Contacts returns the contacts f selects, newest first, each with its
// count of open requests. An erased customer whose row waits for the
// scrubber is left out, and so is a blocked one (their data key moved out
// of data_keys, see block): their row can no longer be opened by
// an ordinary read, and the DPO reaches it only through the audited
// blocked-data route. The query text is one of a few whatever the filter,
// as the statement caches want.
func (t *Tx) Contacts(f ContactFilter) ([]ContactListing, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where, args := []string{"erased_at = 0", "EXISTS (SELECT 1 FROM data_keys k WHERE k.owner_id = contacts.id)"}, []any{}
	if f.Consent != "" {
		where, args = append(where, "consent_state = ?"), append(args, string(f.Consent))
	}
	if f.Before != "" {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	rows, err := t.query("SELECT "+contactCols+", (SELECT COUNT(*) FROM dsar_requests r WHERE r.contact_id = contacts.id AND r.state NOT IN "+finalStates+
		") FROM contacts WHERE "+strings.Join(where, " AND ")+" ORDER BY id DESC LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: contacts: %w", err)
	}
	var sealed []*sealedContact
	var open []int
	for rows.Next() {
		var n int
		sc, err := scanSealedContact(rows, &n)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: contacts: %w", err)
		}
		sealed, open = append(sealed, sc), append(open, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: contacts: %w", err)
	}
	out := make([]ContactListing, 0, len(sealed))
	for i, sc := range sealed {
		c, err := t.openContact(sc)
		if err != nil {
			return nil, err
		}
		out = append(out, ContactListing{Contact: c, OpenRequests: open[i]})
	}
	return out, nil
}
