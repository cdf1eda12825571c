package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

// Erasure says how a customer is erased.
type Erasure struct {
	// Basis is the legal basis or reason, recorded in the tombstone and
	// the journal (e.g. "data subject's request (GDPR Art. 17)").
	Basis string
	// BlockUntil, if set, blocks instead of shredding: the data becomes
	// unreadable to everyone but the DPO answering an authority, and is
	// crypto-shredded when the purger finds the period over (Spain's
	// LOPDGDD Art. 32, Mexico's block-then-suppress).
	BlockUntil time.Time
}

// Tombstone is what an erasure leaves of a customer: no number, no
// content, only what stops them from being messaged again.
type Tombstone struct {
	WaIndex      []byte
	ContactID    string
	ErasedAt     time.Time
	Basis        string
	OptedOut     bool
	BlockedUntil time.Time // zero: shredded at once
}

// ErrBlocked means a blocked customer's data was asked for without the
// DPO's audited access.
var ErrBlocked = fmt.Errorf("store: the customer's data is blocked: %w", conversation.ErrNotFound)

// EraseContact crypto-shreds a contact on their request (see Erase).
func (t *Tx) EraseContact(id string) error {
	return t.Erase(id, Erasure{Basis: "data subject's request"})
}

// BlockContact erases a contact on their request where the law blocks
// before deleting: see Erasure.BlockUntil.
func (t *Tx) BlockContact(id string, until time.Time) error {
	return t.Erase(id, Erasure{Basis: "data subject's request; blocked until the limitation period ends (LOPDGDD Art. 32 / LFPDPPP)", BlockUntil: until})
}

// Erase erases a contact. It records the erasure in the journal kept
// outside the database (so a restored backup is erased again), leaves a
// tombstone and a consent-ledger entry, and then either destroys the data
// key and deletes every row (so nothing of theirs opens again, here or in
// any copy of this database; on SQLite the contact is detached and the
// scrubber deletes the rows, see shred), or, with BlockUntil, blocks them.
// Once the transaction commits, the scrubber removes the deleted rows'
// bytes from the files. ErrNotFound if there is no such contact, or it is
// already erased.
func (t *Tx) Erase(id string, e Erasure) error {
	var waIndex, waEnc []byte
	var state, region, notice string
	err := t.queryRow("SELECT wa_index, wa_id_enc, consent_state, region, notice_version FROM contacts WHERE id = ? AND erased_at = 0", id).Scan(&waIndex, &waEnc, &state, &region, &notice)
	if err != nil {
		return fmt.Errorf("store: erase: %w", notFound(err))
	}
	waID := ""
	if ci, err := t.cipherFor(id); err == nil {
		waID, _ = ci.OpenString(contactLoc(id, "wa_id"), waEnc)
	}
	ts := &Tombstone{WaIndex: waIndex, ContactID: id, ErasedAt: t.Now, Basis: e.Basis,
		OptedOut: state == string(conversation.ConsentWithdrawn), BlockedUntil: e.BlockUntil}
	if err := t.journalErasure(ts); err != nil {
		return err
	}
	if err := t.apply(ts, notice, region, "whatsapp"); err != nil {
		return err
	}
	t.afterCommit(func() { t.db.scrub.request(waID) })
	return nil
}

// apply leaves the tombstone and the ledger entry and blocks or shreds.
func (t *Tx) apply(ts *Tombstone, notice, region, channel string) error {
	if _, err := t.exec(`INSERT INTO erasures (wa_index, contact_id, erased_at, basis, opted_out, blocked_until) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (wa_index) DO UPDATE SET contact_id = excluded.contact_id, erased_at = excluded.erased_at, basis = excluded.basis,
		opted_out = excluded.opted_out, blocked_until = excluded.blocked_until`,
		ts.WaIndex, ts.ContactID, ms(ts.ErasedAt), ts.Basis, ts.OptedOut, ms(ts.BlockedUntil)); err != nil {
		return fmt.Errorf("store: erase: tombstone: %w", err)
	}
	kind := consent.Erased
	if !ts.BlockedUntil.IsZero() {
		kind = consent.Blocked
	}
	if err := t.AppendConsent(&consent.Event{ContactID: ts.ContactID, WaIndex: ts.WaIndex, Kind: kind, NoticeVersion: notice,
		Purpose: ts.Basis, Region: region, Channel: channel, At: ts.ErasedAt}); err != nil {
		return err
	}
	if ts.BlockedUntil.IsZero() {
		return t.shred(ts.ContactID)
	}
	return t.block(ts)
}

// shred destroys the data key (and a blocked key, if any) and deletes the
// contact's rows. The ledger and data-subject requests stay: they hold
// only the blind index and are the evidence the law asks for.
//
// On PostgreSQL every row goes in this transaction. On SQLite deleting the
// message rows is most of an erasure's time (each touches the table and
// five b-trees, ~360 ms for 10,000 messages), so the contact is detached
// instead, as block detaches: its number freed (a random wa_index), its
// sealed number and name cleared, and erased_at set. With the key gone
// nothing of theirs opens from this commit on; the scrubber deletes the
// detached contact's conversations and messages in batches, then the row
// itself (see deleteErased), and a restart resumes from erased_at.
func (t *Tx) shred(id string) error {
	if err := t.DestroyDataKey(id); err != nil {
		return err
	}
	if _, err := t.DeleteContactExports(id); err != nil {
		return err
	}
	qs := []string{
		"DELETE FROM blocked_keys WHERE owner_id = ?",
		"DELETE FROM outbox WHERE contact_id = ?",
	}
	if t.db.backend == Postgres {
		qs = append(qs, "DELETE FROM messages WHERE contact_id = ?", "DELETE FROM conversations WHERE contact_id = ?", "DELETE FROM contacts WHERE id = ?")
	}
	for _, q := range qs {
		if _, err := t.exec(q, id); err != nil {
			return fmt.Errorf("store: erase contact: %w", err)
		}
	}
	if t.db.backend == Postgres {
		return nil
	}
	if _, err := t.exec("UPDATE contacts SET wa_index = ?, wa_id_enc = ?, profile_name_enc = NULL, pending_action = '', erased_at = ?, updated_at = ? WHERE id = ?",
		vault.RandomKey(), []byte{}, ms(t.Now), ms(t.Now), id); err != nil {
		return fmt.Errorf("store: erase contact: detach: %w", err)
	}
	return nil
}

// block moves the contact's data key out of data_keys (so no ordinary
// read opens their rows), frees their number (a new message from it is a
// new customer), closes their conversations and drops unsent replies.
func (t *Tx) block(ts *Tombstone) error {
	res, err := t.exec(`INSERT INTO blocked_keys (owner_id, wa_index, kek_version, wrapped, blocked_at, blocked_until)
		SELECT owner_id, ?, kek_version, wrapped, ?, ? FROM data_keys WHERE owner_id = ?`, ts.WaIndex, ms(ts.ErasedAt), ms(ts.BlockedUntil), ts.ContactID)
	if err != nil {
		return fmt.Errorf("store: block: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: block %s: %w", ts.ContactID, ErrErased)
	}
	if err := t.destroyKey(ts.ContactID); err != nil {
		return err
	}
	// Access exports waiting to be fetched are no part of the blocked copy.
	if _, err := t.DeleteContactExports(ts.ContactID); err != nil {
		return err
	}
	for _, s := range []struct {
		q    string
		args []any
	}{
		{"UPDATE contacts SET wa_index = ?, pending_action = '', updated_at = ? WHERE id = ?", []any{vault.RandomKey(), ms(t.Now), ts.ContactID}},
		{"UPDATE conversations SET closed_at = ?, updated_at = ? WHERE contact_id = ? AND closed_at = 0", []any{ms(t.Now), ms(t.Now), ts.ContactID}},
		{"DELETE FROM outbox WHERE contact_id = ?", []any{ts.ContactID}},
	} {
		if _, err := t.exec(s.q, s.args...); err != nil {
			return fmt.Errorf("store: block: %w", err)
		}
	}
	return nil
}

// ErasedOptedOut reports whether the number waID was erased while opted
// out: such a customer writing again starts opted out, never messaged
// until they say START.
func (t *Tx) ErasedOptedOut(waID string) (bool, error) {
	var opted bool
	err := t.queryRow("SELECT opted_out FROM erasures WHERE wa_index = ?", t.db.WaIndex(waID)).Scan(&opted)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return opted, err
}

// Tombstone returns the erasure record of a number. ErrNotFound if it was
// never erased.
func (t *Tx) Tombstone(waIndex []byte) (*Tombstone, error) {
	ts := &Tombstone{WaIndex: waIndex}
	var at, until int64
	err := t.queryRow("SELECT contact_id, erased_at, basis, opted_out, blocked_until FROM erasures WHERE wa_index = ?", waIndex).
		Scan(&ts.ContactID, &at, &ts.Basis, &ts.OptedOut, &until)
	if err != nil {
		return nil, notFound(err)
	}
	ts.ErasedAt, ts.BlockedUntil = fromMS(at), fromMS(until)
	return ts, nil
}

// BlockedAccess is the DPO's audited look at a blocked customer's data,
// for a court or a supervisory authority.
type BlockedAccess struct {
	ActorType audit.ActorType
	ActorID   string // the DPO's operator id
	Reason    string // the authority's request, as the DPO states it
	RequestID string
	SourceIP  string
}

// OpenBlocked returns a blocked contact and their messages. It refuses
// without a reason and writes the audit event first, so an access whose
// record cannot be written does not happen. Callers check that the actor
// holds the permission (only the DPO's role does). ErrNotFound if the
// contact is not blocked (or was shredded).
func (t *Tx) OpenBlocked(id string, a BlockedAccess) (*conversation.Contact, []*conversation.Message, error) {
	if a.Reason == "" || a.ActorID == "" {
		return nil, nil, errors.New("store: open blocked: the DPO and the authority's request are required")
	}
	var wrapped []byte
	if err := t.queryRow("SELECT wrapped FROM blocked_keys WHERE owner_id = ?", id).Scan(&wrapped); err != nil {
		return nil, nil, notFound(err)
	}
	if a.ActorType == "" {
		a.ActorType = audit.ActorOperator
	}
	if err := t.AppendAudit(&audit.Event{ActorType: a.ActorType, ActorID: a.ActorID, Action: "contact.blocked_read", Target: "contact:" + id,
		Outcome: "success", Reason: a.Reason, RequestID: a.RequestID, SourceIP: a.SourceIP}); err != nil {
		return nil, nil, err
	}
	dek, err := t.db.keyring.Unwrap(id, wrapped)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open blocked: %w", err)
	}
	ci, err := vault.NewCipher(id, dek)
	if err != nil {
		return nil, nil, err
	}
	// Opened under a cipher of this transaction only: the key never enters
	// the shared cache, so the next ordinary read is refused again.
	t.blocked = ci
	defer func() { t.blocked = nil }()
	c, err := t.scanContact(t.queryRow("SELECT "+contactCols+" FROM contacts WHERE id = ?", id))
	if err != nil {
		return nil, nil, err
	}
	msgs, err := t.ContactMessages(id)
	return c, msgs, err
}

// BlockedID returns the contact id of the blocked customer whose number
// has blind index waIndex. ErrNotFound if none is blocked.
func (t *Tx) BlockedID(waIndex []byte) (string, error) {
	var id string
	err := t.queryRow("SELECT owner_id FROM blocked_keys WHERE wa_index = ? ORDER BY blocked_at DESC LIMIT 1", waIndex).Scan(&id)
	return id, notFound(err)
}

// BlockedUntil returns the ids of blocked contacts whose blocking period
// ended before t0.
func (t *Tx) BlockedUntil(t0 time.Time, limit int) ([]string, error) {
	rows, err := t.query("SELECT owner_id FROM blocked_keys WHERE blocked_until < ? ORDER BY blocked_until LIMIT ?", ms(t0), limit)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// ShredBlocked crypto-shreds a blocked contact whose period ended.
func (t *Tx) ShredBlocked(id string) error {
	if err := t.shred(id); err != nil {
		return err
	}
	if _, err := t.exec("UPDATE erasures SET blocked_until = 0 WHERE contact_id = ?", id); err != nil {
		return err
	}
	t.afterCommit(func() { t.db.scrub.request("") })
	return nil
}

// The erasure journal is a file of JSON lines beside (never inside) the
// database and its backups. Each line is one erasure: contact id, blind
// index of the number, time, basis, opted-out flag and blocking end; no
// number, no content. Open replays the lines a database has not seen (its
// settings row erasure_journal_offset says how far it got), so restoring
// a backup taken before an erasure erases that customer again before
// anything can read them.
type journal struct {
	mu   sync.Mutex
	path string
}

type journalLine struct {
	Contact      string `json:"contact"`
	WaIndex      []byte `json:"wa_index"`
	At           int64  `json:"at"`
	Basis        string `json:"basis"`
	OptedOut     bool   `json:"opted_out"`
	BlockedUntil int64  `json:"blocked_until,omitempty"`
}

const journalOffsetKey = "erasure_journal_offset"

// journalErasure appends ts to the journal (synced) before the erasure
// commits, and records the new end in the transaction. If the commit then
// fails, the next Open erases the contact anyway: the customer asked.
func (t *Tx) journalErasure(ts *Tombstone) error {
	t.promise = true // an erasure is durable once done (durability.go)
	j := t.db.journal
	if j == nil {
		return nil
	}
	b, _ := json.Marshal(journalLine{Contact: ts.ContactID, WaIndex: ts.WaIndex, At: ms(ts.ErasedAt), Basis: ts.Basis, OptedOut: ts.OptedOut, BlockedUntil: ms(ts.BlockedUntil)})
	j.mu.Lock()
	defer j.mu.Unlock()
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: erasure journal: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("store: erasure journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: erasure journal: %w", err)
	}
	end, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("store: erasure journal: %w", err)
	}
	return t.setJournalOffset(end)
}

func (t *Tx) setJournalOffset(off int64) error {
	_, err := t.exec("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
		journalOffsetKey, strconv.FormatInt(off, 10), ms(t.Now))
	return err
}

// replayJournal applies the journal's lines past the database's offset
// (all of them if the offset is beyond the file: another journal).
func (db *DB) replayJournal(ctx context.Context) error {
	f, err := os.Open(db.journal.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: erasure journal: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	var off int64
	err = db.View(ctx, func(t *Tx) error {
		var v string
		err := t.queryRow("SELECT value FROM settings WHERE key = ?", journalOffsetKey).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		off, err = strconv.ParseInt(v, 10, 64)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: erasure journal offset: %w", err)
	}
	if off > st.Size() {
		off = 0
	}
	if off == st.Size() {
		return nil
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReader(f)
	applied := 0
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var l journalLine
			if jerr := json.Unmarshal(line, &l); jerr != nil {
				return fmt.Errorf("store: erasure journal at byte %d: %w", off, jerr)
			}
			off += int64(len(line))
			n, aerr := db.replayLine(ctx, &l, off)
			if aerr != nil {
				return aerr
			}
			applied += n
		}
		if errors.Is(err, io.EOF) {
			break // a torn last line (crash mid-append) is left for the next append to follow
		}
		if err != nil {
			return err
		}
	}
	db.replayed = applied
	if applied > 0 {
		db.log.Warn("erasure journal: erased customers again that this database still held (restored from an older copy?)", "count", applied)
		return db.Scrub(ctx)
	}
	return nil
}

// Replayed returns how many customers Open erased again from the journal
// (a restored copy still held them).
func (db *DB) Replayed() int { return db.replayed }

// replayLine applies one journal line and moves the offset past it.
func (db *DB) replayLine(ctx context.Context, l *journalLine, off int64) (int, error) {
	n := 0
	err := db.Update(ctx, func(t *Tx) error {
		ts := &Tombstone{WaIndex: l.WaIndex, ContactID: l.Contact, ErasedAt: fromMS(l.At), Basis: l.Basis, OptedOut: l.OptedOut, BlockedUntil: fromMS(l.BlockedUntil)}
		if !ts.BlockedUntil.IsZero() && !ts.BlockedUntil.After(t.Now) {
			ts.BlockedUntil = time.Time{} // the blocking ended meanwhile: shred
		}
		var live, blocked int
		// A contact already erased and waiting for the scrubber's delete
		// is not live: erasing it again would only repeat the ledger entry.
		if err := t.queryRow("SELECT COUNT(*) FROM contacts WHERE id = ? AND erased_at = 0", l.Contact).Scan(&live); err != nil {
			return err
		}
		if err := t.queryRow("SELECT COUNT(*) FROM blocked_keys WHERE owner_id = ?", l.Contact).Scan(&blocked); err != nil {
			return err
		}
		switch {
		case live > 0 && blocked > 0 && ts.BlockedUntil.IsZero():
			n = 1
			if err := t.ShredBlocked(l.Contact); err != nil {
				return err
			}
		case live > 0 && blocked == 0:
			n = 1
			var region, notice string
			if err := t.queryRow("SELECT region, notice_version FROM contacts WHERE id = ?", l.Contact).Scan(&region, &notice); err != nil {
				return err
			}
			if err := t.apply(ts, notice, region, "erasure-journal"); err != nil {
				return err
			}
		default:
			if _, err := t.exec("INSERT INTO erasures (wa_index, contact_id, erased_at, basis, opted_out, blocked_until) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (wa_index) DO NOTHING",
				ts.WaIndex, ts.ContactID, ms(ts.ErasedAt), ts.Basis, ts.OptedOut, ms(ts.BlockedUntil)); err != nil {
				return err
			}
		}
		return t.setJournalOffset(off)
	})
	if err != nil {
		return 0, fmt.Errorf("store: replay erasure of %s: %w", l.Contact, err)
	}
	return n, nil
}

// migrateWamids converts WhatsApp message ids stored in clear before
// migration 0031 into blind indexes (and, in messages, sealed copies), in
// batches; a database with none left costs three indexed queries.
func (db *DB) migrateWamids(ctx context.Context) error {
	total := 0
	for {
		n := 0
		err := db.Update(ctx, func(t *Tx) error {
			rows, err := t.query("SELECT id, contact_id, wa_message_id FROM messages WHERE wa_message_id IS NOT NULL AND wa_message_id NOT LIKE 'wm:%' LIMIT 500")
			if err != nil {
				return err
			}
			type row struct{ id, contact, wamid string }
			var batch []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.contact, &r.wamid); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range batch {
				var enc []byte
				if ci, err := t.cipherFor(r.contact); err == nil {
					enc = ci.SealString(wamidLoc(r.id), r.wamid)
				}
				if _, err := t.exec("UPDATE messages SET wa_message_id = ?, wa_message_id_enc = ? WHERE id = ?", db.WamidIndex(r.wamid), enc, r.id); err != nil {
					return err
				}
			}
			n = len(batch)
			for _, c := range []struct {
				sel, upd string
				index    func(string) string
			}{
				{"SELECT key FROM seen_events WHERE key NOT LIKE 'wm:%' LIMIT 500", "UPDATE seen_events SET key = ? WHERE key = ?", db.seenKey},
				{"SELECT DISTINCT wa_message_id FROM consent_events WHERE wa_message_id <> '' AND wa_message_id NOT LIKE 'wm:%' LIMIT 500", "UPDATE consent_events SET wa_message_id = ? WHERE wa_message_id = ?", db.WamidIndex},
			} {
				rows, err := t.query(c.sel)
				if err != nil {
					return err
				}
				keys, err := scanStrings(rows)
				if err != nil {
					return err
				}
				for _, k := range keys {
					if _, err := t.exec(c.upd, c.index(k), k); err != nil {
						return err
					}
				}
				n += len(keys)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: convert message ids to blind indexes: %w", err)
		}
		total += n
		if n == 0 {
			break
		}
	}
	if total > 0 {
		db.log.Info("stored WhatsApp message ids replaced by blind indexes", "rows", total)
	}
	return nil
}
