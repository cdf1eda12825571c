package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/vault"
)

// The store's transaction is the rights service's too.
var _ rights.Tx = (*Tx)(nil)

// Rights adapts the DB to the rights package's Store.
func Rights(db *DB) rights.Store { return rightsStore{db} }

type rightsStore struct{ db *DB }

func (s rightsStore) Update(ctx context.Context, fn func(rights.Tx) error) error {
	return s.db.Update(ctx, func(t *Tx) error { return fn(t) })
}

func (s rightsStore) View(ctx context.Context, fn func(rights.Tx) error) error {
	return s.db.View(ctx, func(t *Tx) error { return fn(t) })
}

func (s rightsStore) Lead(ctx context.Context) (bool, error) { return s.db.Lead(ctx) }
func (s rightsStore) WaIndex(waID string) []byte             { return s.db.WaIndex(waID) }
func (s rightsStore) Pseudonym(waID string) string           { return s.db.Pseudonym(waID) }

const requestCols = "id, contact_id, wa_index, kind, channel, identity, state, region, due_at, note, detail_enc, created_by, created_at, updated_at, completed_at"

func requestLoc(id string) vault.Loc {
	return vault.Loc{Table: "dsar_requests", Column: "detail", Row: id}
}

// CreateRequest stores r; its detail is sealed under the contact's key (a
// request for nobody known keeps no detail).
func (t *Tx) CreateRequest(r *rights.Request) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	r.CreatedAt, r.UpdatedAt = t.Now, t.Now
	var detail []byte
	if r.Detail != "" && r.ContactID != "" {
		ci, err := t.cipherFor(r.ContactID)
		if err != nil {
			return err
		}
		detail = ci.SealString(requestLoc(r.ID), r.Detail)
	}
	_, err := t.exec("INSERT INTO dsar_requests ("+requestCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.ContactID, r.WaIndex, string(r.Type), string(r.Source), string(r.Identity), string(r.Status), r.Region, ms(r.DueAt), r.Outcome,
		detail, r.CreatedBy, ms(r.CreatedAt), ms(r.UpdatedAt), ms(r.CompletedAt))
	if err != nil {
		return fmt.Errorf("store: create request: %w", err)
	}
	return nil
}

// UpdateRequest writes r's status, identity, outcome, due date and
// completion time.
func (t *Tx) UpdateRequest(r *rights.Request) error {
	r.UpdatedAt = t.Now
	res, err := t.exec("UPDATE dsar_requests SET state = ?, identity = ?, note = ?, due_at = ?, completed_at = ?, updated_at = ? WHERE id = ?",
		string(r.Status), string(r.Identity), r.Outcome, ms(r.DueAt), ms(r.CompletedAt), ms(r.UpdatedAt), r.ID)
	if err != nil {
		return fmt.Errorf("store: update request: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return conversation.ErrNotFound
	}
	return nil
}

func (t *Tx) scanRequests(query string, args ...any) ([]*rights.Request, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	var out []*rights.Request
	var details [][]byte
	for rows.Next() {
		var r rights.Request
		var typ, src, ident, st string
		var due, created, updated, completed int64
		var detail []byte
		if err := rows.Scan(&r.ID, &r.ContactID, &r.WaIndex, &typ, &src, &ident, &st, &r.Region, &due, &r.Outcome, &detail, &r.CreatedBy, &created, &updated, &completed); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: requests: %w", err)
		}
		r.Type, r.Source, r.Identity, r.Status = rights.Type(typ), rights.Source(src), rights.Identity(ident), rights.Status(st)
		r.DueAt, r.CreatedAt, r.UpdatedAt, r.CompletedAt = fromMS(due), fromMS(created), fromMS(updated), fromMS(completed)
		if r.UpdatedAt.IsZero() {
			r.UpdatedAt = r.CreatedAt
		}
		out = append(out, &r)
		details = append(details, detail)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, r := range out {
		if details[i] == nil {
			continue
		}
		ci, err := t.cipherFor(r.ContactID)
		if errors.Is(err, conversation.ErrNotFound) {
			continue // erased: the statement is shredded with the customer
		}
		if err != nil {
			return nil, err
		}
		if r.Detail, err = ci.OpenString(requestLoc(r.ID), details[i]); err != nil {
			return nil, fmt.Errorf("store: open request %s detail: %w", r.ID, err)
		}
	}
	return out, nil
}

// Request returns one request. ErrNotFound if there is none.
func (t *Tx) Request(id string) (*rights.Request, error) {
	list, err := t.scanRequests("SELECT "+requestCols+" FROM dsar_requests WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, conversation.ErrNotFound
	}
	return list[0], nil
}

// finalStates is the SQL list of final statuses.
const finalStates = "('completed', 'refused', 'closed')"

// Requests returns the requests f selects, the soonest due first.
func (t *Tx) Requests(f rights.Filter) ([]*rights.Request, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	// Literal conditions chosen by which filters are set keep the query
	// text one of a few.
	where, args := []string{"1 = 1"}, []any{}
	if f.ContactID != "" {
		where, args = append(where, "contact_id = ?"), append(args, f.ContactID)
	}
	if f.WaIndex != nil {
		where, args = append(where, "wa_index = ?"), append(args, f.WaIndex)
	}
	if f.Status != "" {
		where, args = append(where, "state = ?"), append(args, string(f.Status))
	}
	if f.Type != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Type))
	}
	if f.OpenOnly {
		where = append(where, "state NOT IN "+finalStates)
	}
	return t.scanRequests("SELECT "+requestCols+" FROM dsar_requests WHERE "+strings.Join(where, " AND ")+" ORDER BY due_at, id LIMIT ?", append(args, f.Limit)...)
}

// ErasedOpenRequests returns open requests of customers with a tombstone
// (erased or blocked through the API, retention or the command line).
func (t *Tx) ErasedOpenRequests(limit int) ([]*rights.Request, error) {
	return t.scanRequests("SELECT "+requestCols+" FROM dsar_requests WHERE state NOT IN "+finalStates+
		" AND contact_id <> '' AND EXISTS (SELECT 1 FROM erasures e WHERE e.contact_id = dsar_requests.contact_id) ORDER BY due_at, id LIMIT ?", limit)
}

// OpenRequestCounts counts requests not final, those due before soon but
// not yet overdue, and those overdue at now.
func (t *Tx) OpenRequestCounts(now, soon time.Time) (rights.Counts, error) {
	var n rights.Counts
	err := t.queryRow(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN due_at >= ? AND due_at <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END), 0)
		FROM dsar_requests WHERE state NOT IN `+finalStates, ms(now), ms(soon), ms(now)).Scan(&n.Open, &n.DueSoon, &n.Overdue)
	if err != nil {
		return n, fmt.Errorf("store: request counts: %w", err)
	}
	return n, nil
}

// ContactConversations returns a contact's conversations, oldest first.
func (t *Tx) ContactConversations(contactID string) ([]*conversation.Conversation, error) {
	return scanConversations(t.query("SELECT "+convCols+" FROM conversations WHERE contact_id = ? ORDER BY created_at, id", contactID))
}

// ContactMessagesAfter returns up to limit of a contact's messages after
// the cursor, oldest first, straight from the (contact_id, created_at)
// index.
func (t *Tx) ContactMessagesAfter(contactID string, after rights.MessageCursor, limit int) ([]*conversation.Message, error) {
	at := ms(after.CreatedAt)
	return t.scanMessages("SELECT "+msgCols+" FROM messages WHERE contact_id = ? AND (created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ?",
		contactID, at, at, after.ID, limit)
}

// AuditAbout returns audit events by actorID or on one of targets.
func (t *Tx) AuditAbout(actorID string, targets []string, afterSeq int64, limit int) ([]*audit.Event, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	args := []any{afterSeq, actorID}
	marks := make([]string, 0, len(targets))
	for _, tg := range targets {
		marks, args = append(marks, "?"), append(args, tg)
	}
	cond := "actor_id = ?"
	if len(marks) > 0 {
		cond += " OR target IN (" + strings.Join(marks, ", ") + ")"
	}
	rows, err := t.query("SELECT "+auditCols+" FROM audit_events WHERE seq > ? AND ("+cond+") ORDER BY seq LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit about: %w", err)
	}
	return scanAuditEvents(rows, "audit about")
}

func exportKeyLoc(id string) vault.Loc {
	return vault.Loc{Table: "dsar_exports", Column: "key", Row: id}
}

func chunkLoc(id string, seq int) vault.Loc {
	return vault.Loc{Table: "dsar_export_chunks", Column: "data", Row: id + "/" + strconv.Itoa(seq)}
}

// CreateExport stores e (building) with a fresh key of its own, sealed
// under the contact's data key.
func (t *Tx) CreateExport(e *rights.Export) error {
	if e.ID == "" {
		e.ID = NewID()
	}
	ci, err := t.cipherFor(e.ContactID)
	if err != nil {
		return err
	}
	e.State, e.CreatedAt = "building", t.Now
	_, err = t.exec("INSERT INTO dsar_exports (id, request_id, contact_id, state, key_enc, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		e.ID, e.RequestID, e.ContactID, e.State, ci.Seal(exportKeyLoc(e.ID), vault.RandomKey()), ms(e.CreatedAt), ms(e.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create export: %w", err)
	}
	return nil
}

// exportCipher opens e's own key. ErrNotFound once the export or the
// contact's key is gone.
func (t *Tx) exportCipher(e *rights.Export) (*vault.Cipher, error) {
	var sealed []byte
	if err := t.queryRow("SELECT key_enc FROM dsar_exports WHERE id = ?", e.ID).Scan(&sealed); err != nil {
		return nil, notFound(err)
	}
	ci, err := t.cipherFor(e.ContactID)
	if err != nil {
		return nil, err
	}
	key, err := ci.Open(exportKeyLoc(e.ID), sealed)
	if err != nil {
		return nil, fmt.Errorf("store: open export key: %w", err)
	}
	return vault.NewCipher("export:"+e.ID, key)
}

// PutExportChunk seals chunk seq under the export's key and stores it.
func (t *Tx) PutExportChunk(e *rights.Export, seq int, data []byte) error {
	ci, err := t.exportCipher(e)
	if err != nil {
		return err
	}
	if _, err := t.exec("INSERT INTO dsar_export_chunks (export_id, seq, data_enc) VALUES (?, ?, ?)", e.ID, seq, ci.Seal(chunkLoc(e.ID, seq), data)); err != nil {
		return fmt.Errorf("store: export chunk: %w", err)
	}
	return nil
}

// ExportChunk opens chunk seq of e.
func (t *Tx) ExportChunk(e *rights.Export, seq int) ([]byte, error) {
	ci, err := t.exportCipher(e)
	if err != nil {
		return nil, err
	}
	var sealed []byte
	if err := t.queryRow("SELECT data_enc FROM dsar_export_chunks WHERE export_id = ? AND seq = ?", e.ID, seq).Scan(&sealed); err != nil {
		return nil, notFound(err)
	}
	data, err := ci.Open(chunkLoc(e.ID, seq), sealed)
	if err != nil {
		return nil, fmt.Errorf("store: open export chunk: %w", err)
	}
	return data, nil
}

// FinishExport marks e ready with its size, chunks and token hash.
func (t *Tx) FinishExport(e *rights.Export) error {
	res, err := t.exec("UPDATE dsar_exports SET state = 'ready', size = ?, chunks = ?, token_hash = ? WHERE id = ? AND state = 'building'",
		e.Size, e.Chunks, e.TokenHash, e.ID)
	if err != nil {
		return fmt.Errorf("store: finish export: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return conversation.ErrNotFound
	}
	e.State = "ready"
	return nil
}

const exportCols = "id, request_id, contact_id, state, size, chunks, token_hash, created_at, expires_at, fetched_at"

func (t *Tx) scanExports(query string, args ...any) ([]*rights.Export, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: exports: %w", err)
	}
	defer rows.Close()
	var out []*rights.Export
	for rows.Next() {
		var e rights.Export
		var created, expires, fetched int64
		if err := rows.Scan(&e.ID, &e.RequestID, &e.ContactID, &e.State, &e.Size, &e.Chunks, &e.TokenHash, &created, &expires, &fetched); err != nil {
			return nil, fmt.Errorf("store: exports: %w", err)
		}
		e.CreatedAt, e.ExpiresAt, e.FetchedAt = fromMS(created), fromMS(expires), fromMS(fetched)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// ExportByTokenHash finds a ready or fetched export by its token's hash.
func (t *Tx) ExportByTokenHash(hash []byte) (*rights.Export, error) {
	list, err := t.scanExports("SELECT "+exportCols+" FROM dsar_exports WHERE token_hash = ?", hash)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, conversation.ErrNotFound
	}
	return list[0], nil
}

// ClaimExport moves a ready export to fetched; the conditional update
// makes one of two racing downloads win.
func (t *Tx) ClaimExport(id string) (bool, error) {
	res, err := t.exec("UPDATE dsar_exports SET state = 'fetched', fetched_at = ? WHERE id = ? AND state = 'ready'", ms(t.Now), id)
	if err != nil {
		return false, fmt.Errorf("store: claim export: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteExport shreds an export: its chunks go, and its key with its row.
// A fetched export's row stays until its expiry, keyless (its key
// overwritten), so a second use of the link is told apart in the audit
// log from a guess.
func (t *Tx) DeleteExport(id string) error {
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"DELETE FROM dsar_export_chunks WHERE export_id = ?", []any{id}},
		{"UPDATE dsar_exports SET key_enc = ? WHERE id = ? AND state = 'fetched' AND expires_at > ?", []any{[]byte{0}, id, ms(t.Now)}},
		{"DELETE FROM dsar_exports WHERE id = ? AND NOT (state = 'fetched' AND expires_at > ?)", []any{id, ms(t.Now)}},
	} {
		if _, err := t.exec(q.sql, q.args...); err != nil {
			return fmt.Errorf("store: delete export: %w", err)
		}
	}
	return nil
}

// ExportsExpiringBefore lists exports whose expiry is before t0.
func (t *Tx) ExportsExpiringBefore(t0 time.Time, limit int) ([]*rights.Export, error) {
	return t.scanExports("SELECT "+exportCols+" FROM dsar_exports WHERE expires_at < ? ORDER BY expires_at LIMIT ?", ms(t0), limit)
}

// DeleteContactExports deletes every export of a contact.
func (t *Tx) DeleteContactExports(contactID string) (int64, error) {
	if _, err := t.exec("DELETE FROM dsar_export_chunks WHERE export_id IN (SELECT id FROM dsar_exports WHERE contact_id = ?)", contactID); err != nil {
		return 0, fmt.Errorf("store: delete exports: %w", err)
	}
	res, err := t.exec("DELETE FROM dsar_exports WHERE contact_id = ?", contactID)
	if err != nil {
		return 0, fmt.Errorf("store: delete exports: %w", err)
	}
	return res.RowsAffected()
}

// DeleteErasedExports deletes the exports of customers with a tombstone.
func (t *Tx) DeleteErasedExports() (int64, error) {
	const erased = "SELECT x.id FROM dsar_exports x JOIN erasures e ON e.contact_id = x.contact_id"
	if _, err := t.exec("DELETE FROM dsar_export_chunks WHERE export_id IN (" + erased + ")"); err != nil {
		return 0, fmt.Errorf("store: delete erased exports: %w", err)
	}
	res, err := t.exec("DELETE FROM dsar_exports WHERE id IN (" + erased + ")")
	if err != nil {
		return 0, fmt.Errorf("store: delete erased exports: %w", err)
	}
	return res.RowsAffected()
}
