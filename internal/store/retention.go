package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/retention"
)

// Retention adapts the DB to the retention purger.
func Retention(db *DB) retention.Store { return retentionStore{db} }

type retentionStore struct{ db *DB }

var _ retention.Store = retentionStore{}

func (s retentionStore) AppendAudit(ctx context.Context, e *audit.Event) error {
	return s.db.Update(ctx, func(t *Tx) error { return t.AppendAudit(e) })
}

func (s retentionStore) Scrub(ctx context.Context) error { return s.db.Scrub(ctx) }

// regionRule is one cut-off and the contacts it applies to, as SQL over
// a contact id column.
type regionRule struct {
	region string // "" for every region without an override
	where  string // condition on the contact id column named by %s
	args   []any
	before int64
}

// rules returns one rule per overridden region and one for the rest.
func rules(cut retention.Cut) []regionRule {
	over := cut.Overridden()
	var out []regionRule
	for _, r := range over {
		out = append(out, regionRule{region: r, where: "%s IN (SELECT id FROM contacts WHERE region = ?)", args: []any{r}, before: ms(cut.Regions[r])})
	}
	rest := regionRule{where: "1 = 1", before: ms(cut.Default)}
	if len(over) > 0 {
		rest.where = "%s NOT IN (SELECT id FROM contacts WHERE region IN (" + strings.Repeat("?, ", len(over)-1) + "?))"
		for _, r := range over {
			rest.args = append(rest.args, r)
		}
	}
	return append(out, rest)
}

func (r regionRule) on(col string) string {
	if strings.Contains(r.where, "%s") {
		return fmt.Sprintf(r.where, col)
	}
	return r.where
}

// notBlocked keeps a blocked customer's rows: they wait, unreadable, for
// the end of the blocking period, and go with the key then.
const notBlocked = " AND NOT EXISTS (SELECT 1 FROM blocked_keys b WHERE b.owner_id = %s)"

// The queries of one pass: each selects (COUNT) or deletes (with LIMIT)
// the expired rows of one kind. An erased customer's rows waiting for the
// scrubber are not retention's: counting them would report an erasure as
// expired messages.
func messagesWhere(r regionRule) (string, []any) {
	return r.on("messages.contact_id") + " AND messages.created_at < ?" + fmt.Sprintf(notBlocked, "messages.contact_id") + " AND " + notErased("messages.contact_id"),
		append(append([]any(nil), r.args...), r.before)
}

func inactiveWhere(r regionRule) (string, []any) {
	return r.on("contacts.id") + " AND contacts.updated_at < ? AND contacts.erased_at = 0 AND EXISTS (SELECT 1 FROM data_keys d WHERE d.owner_id = contacts.id)", append(append([]any(nil), r.args...), r.before)
}

var emptyConversations = "conversations.updated_at < ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id) " +
	"AND NOT EXISTS (SELECT 1 FROM blocked_keys b WHERE b.owner_id = conversations.contact_id) AND " + notErased("conversations.contact_id")

const (
	failedSends = "outbox.state = 'failed' AND outbox.updated_at < ?"
	oldSeen     = "seen_events.seen_at < ?"
	oldSetAside = "received_at < ? AND attempts > 0"
)

// Expired counts what a pass at cut would remove.
func (s retentionStore) Expired(ctx context.Context, cut retention.Cut) (retention.Counts, error) {
	var c retention.Counts
	err := s.db.View(ctx, func(t *Tx) error {
		count := func(dst *int64, table, where string, args ...any) error {
			var n int64
			if err := t.queryRow("SELECT COUNT(*) FROM "+table+" WHERE "+where, args...).Scan(&n); err != nil {
				return err
			}
			*dst += n
			return nil
		}
		for _, r := range rules(cut) {
			w, a := messagesWhere(r)
			if err := count(&c.Messages, "messages", w, a...); err != nil {
				return err
			}
			w, a = inactiveWhere(r)
			if err := count(&c.Inactive, "contacts", w, a...); err != nil {
				return err
			}
		}
		def := ms(cut.Default)
		for _, q := range []struct {
			dst   *int64
			table string
			where string
			arg   int64
		}{
			{&c.BlockEnded, "blocked_keys", "blocked_until < ?", ms(cut.Now)},
			{&c.Conversations, "conversations", emptyConversations, def},
			{&c.FailedSends, "outbox", failedSends, def},
			{&c.SeenKeys, "seen_events", oldSeen, ms(cut.Seen)},
		} {
			if err := count(q.dst, q.table, q.where, q.arg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("store: retention: count: %w", err)
	}
	if err := s.db.inR.QueryRowContext(ctx, s.db.q("SELECT COUNT(*) FROM inbox WHERE "+oldSetAside), ms(cut.Default)).Scan(&c.InboxBodies); err != nil {
		return c, fmt.Errorf("store: retention: count inbox: %w", err)
	}
	return c, nil
}

// PurgeBatch removes up to limit expired rows of each kind in one
// transaction. Inactive customers are erased (or blocked where their
// region blocks) exactly as an erasure on request, journal included.
func (s retentionStore) PurgeBatch(ctx context.Context, cut retention.Cut, limit int) (retention.Counts, error) {
	var c retention.Counts
	err := s.db.Update(ctx, func(t *Tx) error {
		c = retention.Counts{}
		del := func(dst *int64, table, key, where string, args ...any) error {
			left := int64(limit) - *dst
			if left <= 0 {
				return nil
			}
			res, err := t.exec("DELETE FROM "+table+" WHERE "+key+" IN (SELECT "+key+" FROM "+table+" WHERE "+where+" LIMIT ?)", append(args, left)...)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			n, _ := res.RowsAffected()
			*dst += n
			return nil
		}
		// On SQLite the rows are chosen and deleted by rowid: the table's
		// own b-tree, without a look-up in the id index for each row.
		msgKey := "id"
		if s.db.backend == SQLite {
			msgKey = "rowid"
		}
		for _, r := range rules(cut) {
			w, a := messagesWhere(r)
			if err := del(&c.Messages, "messages", msgKey, w, a...); err != nil {
				return err
			}
		}
		for _, r := range rules(cut) {
			if c.Inactive >= int64(limit) {
				break
			}
			w, a := inactiveWhere(r)
			rows, err := t.query("SELECT id, region FROM contacts WHERE "+w+" LIMIT ?", append(a, int64(limit)-c.Inactive)...)
			if err != nil {
				return err
			}
			var ids, regions []string
			for rows.Next() {
				var id, region string
				if err := rows.Scan(&id, &region); err != nil {
					rows.Close()
					return err
				}
				ids, regions = append(ids, id), append(regions, region)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for i, id := range ids {
				e := Erasure{Basis: "retention: no activity for longer than the retention period"}
				if d := cut.Block[regions[i]]; d > 0 {
					e.BlockUntil = t.Now.Add(d)
				}
				if err := t.Erase(id, e); err != nil {
					return err
				}
				c.Inactive++
			}
		}
		ended, err := t.BlockedUntil(cut.Now, limit)
		if err != nil {
			return err
		}
		for _, id := range ended {
			if err := t.ShredBlocked(id); err != nil {
				return err
			}
			c.BlockEnded++
		}
		def := ms(cut.Default)
		if err := del(&c.Conversations, "conversations", "id", emptyConversations, def); err != nil {
			return err
		}
		if err := del(&c.FailedSends, "outbox", "id", failedSends, def); err != nil {
			return err
		}
		return del(&c.SeenKeys, "seen_events", "key", oldSeen, ms(cut.Seen))
	})
	if err != nil {
		return retention.Counts{}, fmt.Errorf("store: retention: %w", err)
	}
	res, err := s.db.inW.ExecContext(ctx, s.db.q("DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE "+oldSetAside+" LIMIT ?)"), ms(cut.Default), limit)
	if err != nil {
		return c, fmt.Errorf("store: retention: inbox: %w", err)
	}
	c.InboxBodies, _ = res.RowsAffected()
	return c, nil
}
