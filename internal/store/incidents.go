package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/incident"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/vault"
)

// ErrNoIncident is returned for an unknown incident id.
var ErrNoIncident = errors.New("store: no such incident")

// incidentOwner seals incident records under the system key: what a
// responder writes about a breach is confidential even though it names no
// customer.
const incidentOwner = "system:incidents"

func incidentLoc(id string) vault.Loc {
	return vault.Loc{Table: "incidents", Column: "details", Row: id}
}

// PutIncident inserts or replaces inc.
func (t *Tx) PutIncident(inc *incident.Incident) error {
	b, err := json.Marshal(inc)
	if err != nil {
		return err
	}
	sealed := t.db.systemCipher(incidentOwner).Seal(incidentLoc(inc.ID), b)
	severity := "normal"
	if inc.HighRisk {
		severity = "high"
	}
	res, err := t.exec("UPDATE incidents SET title = ?, severity = ?, state = ?, details = ?, updated_at = ? WHERE id = ?",
		"sealed", severity, string(inc.State), sealed, ms(t.Now), inc.ID)
	if err != nil {
		return fmt.Errorf("store: put incident: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = t.exec("INSERT INTO incidents (id, title, severity, state, details, discovered_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		inc.ID, "sealed", severity, string(inc.State), sealed, ms(inc.DiscoveredAt), ms(t.Now), ms(t.Now))
	if err != nil {
		return fmt.Errorf("store: put incident: %w", err)
	}
	return nil
}

// Incident returns one incident, or ErrNoIncident.
func (t *Tx) Incident(id string) (*incident.Incident, error) {
	var sealed []byte
	err := t.queryRow("SELECT details FROM incidents WHERE id = ?", id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoIncident
	}
	if err != nil {
		return nil, fmt.Errorf("store: incident: %w", err)
	}
	return t.openIncident(id, sealed)
}

func (t *Tx) openIncident(id string, sealed []byte) (*incident.Incident, error) {
	b, err := t.db.systemCipher(incidentOwner).Open(incidentLoc(id), sealed)
	if err != nil {
		return nil, fmt.Errorf("store: open incident %s: %w", id, err)
	}
	var inc incident.Incident
	if err := json.Unmarshal(b, &inc); err != nil {
		return nil, fmt.Errorf("store: incident %s: %w", id, err)
	}
	return &inc, nil
}

// Incidents returns every incident, newest discovery first.
func (t *Tx) Incidents() ([]*incident.Incident, error) {
	rows, err := t.query("SELECT id, details FROM incidents ORDER BY discovered_at DESC, id")
	if err != nil {
		return nil, fmt.Errorf("store: incidents: %w", err)
	}
	defer rows.Close()
	type row struct {
		id     string
		sealed []byte
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.sealed); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*incident.Incident, 0, len(rs))
	for _, r := range rs {
		inc, err := t.openIncident(r.id, r.sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, inc)
	}
	return out, nil
}

// scopeContacts is the query selecting the ids of the contacts a scope
// touches: everyone on file, those who wrote in a window, or those whose
// conversations one operator acted on (revealed, read, replied to) in the
// window, from the audit trail.
func scopeContacts(s incident.Scope) (string, []any) {
	from, until := int64(0), int64(1<<62)
	if !s.From.IsZero() {
		from = ms(s.From)
	}
	if !s.Until.IsZero() {
		until = ms(s.Until)
	}
	switch {
	case s.Operator != "":
		return `SELECT DISTINCT v.contact_id FROM audit_events a JOIN conversations v ON a.target = 'conversation:' || v.id
			WHERE a.actor_id = ? AND a.at >= ? AND a.at < ?`, []any{s.Operator, from, until}
	case s.All:
		return "SELECT id FROM contacts", nil
	}
	return "SELECT id FROM contacts WHERE last_inbound_at >= ? AND last_inbound_at < ?", []any{from, until}
}

// EstimateAffected counts the customers a scope touches, per region. An
// erased customer is not counted, even while the scrubber has yet to
// delete their detached row (erased_at set): nothing of theirs is held
// that a breach could expose, and no notice can reach them.
func (t *Tx) EstimateAffected(s incident.Scope) ([]incident.Affected, error) {
	sub, args := scopeContacts(s)
	rows, err := t.query("SELECT region, COUNT(*) FROM contacts WHERE erased_at = 0 AND id IN ("+sub+") GROUP BY region ORDER BY region", args...)
	if err != nil {
		return nil, fmt.Errorf("store: estimate affected: %w", err)
	}
	defer rows.Close()
	var out []incident.Affected
	for rows.Next() {
		var a incident.Affected
		var r string
		if err := rows.Scan(&r, &a.Customers); err != nil {
			return nil, err
		}
		a.Region = policy.Region(r)
		out = append(out, a)
	}
	return out, rows.Err()
}

// NoticeRecipient is a customer a breach notice goes to, with the business
// number of their latest conversation.
type NoticeRecipient struct {
	Contact        *conversation.Contact
	PhoneNumberID  string
	ConversationID string
}

// IncidentRecipients returns the customers a scope touches, for the
// customer notice; erased customers are not among them (see
// EstimateAffected).
func (t *Tx) IncidentRecipients(s incident.Scope) ([]NoticeRecipient, error) {
	sub, args := scopeContacts(s)
	rows, err := t.query("SELECT "+contactCols+" FROM contacts WHERE erased_at = 0 AND id IN ("+sub+") ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: incident recipients: %w", err)
	}
	var cs []*conversation.Contact
	for rows.Next() {
		c, err := t.scanContact(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]NoticeRecipient, 0, len(cs))
	for _, c := range cs {
		r := NoticeRecipient{Contact: c}
		err := t.queryRow("SELECT id, phone_number_id FROM conversations WHERE contact_id = ? ORDER BY created_at DESC LIMIT 1", c.ID).Scan(&r.ConversationID, &r.PhoneNumberID)
		if errors.Is(err, sql.ErrNoRows) {
			continue // never wrote to a business number: nothing to send from
		}
		if err != nil {
			return nil, fmt.Errorf("store: incident recipients: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}
