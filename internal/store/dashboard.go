package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
)

// Day is the length of a dashboard day: days are UTC calendar days, so a
// timestamp's day is its Unix milliseconds divided by it on both backends.
const Day = 24 * time.Hour

const dayMS = int64(Day / time.Millisecond)

// Dashboard is what the console's dashboard draws: counts per UTC day over
// a period, and totals. It is read from columns that are not content
// (timestamps, directions, authors' kinds, states, ledger kinds, due and
// completion times): message bodies are sealed and never read here.
type Dashboard struct {
	Since time.Time // the first day's midnight (UTC)
	Days  int       // how many days the per-day slices hold

	// Messages per day: from customers, answered by the bot, and by
	// operators (notes for operators and system notices are not counted).
	Inbound, Bot, Operator []int

	// Consent ledger events per day: acceptances (first and again),
	// declines at first contact, withdrawals.
	OptIns, Declines, OptOuts []int
	// Consenting is how many contacts have consent granted now.
	Consenting int

	// Escalations per day, counted once per wait: the bot asked again
	// while the customer waits is the same escalation.
	Escalations []int
	// FirstReplies are, for the escalations of the period a person has
	// answered, how long the first operator reply took, shortest first.
	FirstReplies []time.Duration

	// Data-subject requests answered (completed or refused) in the
	// period by their due date or after it, and those open past it now.
	OnTime, Late, Overdue int
}

// Dashboard counts the days from since's UTC midnight through now's: a few
// grouped queries over indexed timestamp ranges, in one read snapshot.
func (db *DB) Dashboard(ctx context.Context, since, now time.Time) (*Dashboard, error) {
	from := since.UTC().Truncate(Day)
	until := now.UTC().Truncate(Day).Add(Day)
	d := &Dashboard{Since: from, Days: int(until.Sub(from) / Day)}
	if d.Days <= 0 {
		return nil, fmt.Errorf("store: dashboard: since %s is after now %s", since, now)
	}
	for _, s := range []*[]int{&d.Inbound, &d.Bot, &d.Operator, &d.OptIns, &d.Declines, &d.OptOuts, &d.Escalations} {
		*s = make([]int, d.Days)
	}
	err := db.View(ctx, func(t *Tx) error {
		for _, f := range []func(*Dashboard, int64, int64, int64) error{t.dashMessages, t.dashConsent, t.dashEscalations, t.dashRequests} {
			if err := f(d, ms(from), ms(until), ms(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: dashboard: %w", err)
	}
	return d, nil
}

// day is the index in d's slices of the UTC day starting at dayStart
// milliseconds, or -1 outside the period.
func (d *Dashboard) day(dayStart int64) int {
	i := int((dayStart - ms(d.Since)) / dayMS)
	if i < 0 || i >= d.Days {
		return -1
	}
	return i
}

func (t *Tx) dashMessages(d *Dashboard, from, until, _ int64) error {
	// created_at / ? is integer division on both backends (INTEGER and
	// BIGINT), so the day is computed where the rows are.
	rows, err := t.query(`SELECT created_at / ? AS day_n, CASE WHEN direction = 'in' THEN 'in' WHEN author = 'bot' THEN 'bot' WHEN author LIKE 'operator:%' THEN 'operator' ELSE '' END AS who, COUNT(*)
		FROM messages WHERE created_at >= ? AND created_at < ? AND type <> 'note' AND type <> 'reaction' AND `+notErased("contact_id")+`
		GROUP BY day_n, who`, dayMS, from, until)
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day int64
		var who string
		var n int
		if err := rows.Scan(&day, &who, &n); err != nil {
			return fmt.Errorf("messages: %w", err)
		}
		i := d.day(day * dayMS)
		if i < 0 {
			continue
		}
		switch who {
		case "in":
			d.Inbound[i] += n
		case "bot":
			d.Bot[i] += n
		case "operator":
			d.Operator[i] += n
		}
	}
	return rows.Err()
}

func (t *Tx) dashConsent(d *Dashboard, from, until, _ int64) error {
	rows, err := t.query(`SELECT created_at / ? AS day_n, kind, COUNT(*) FROM consent_events
		WHERE created_at >= ? AND created_at < ? AND kind IN (?, ?, ?, ?)
		GROUP BY day_n, kind`, dayMS, from, until,
		string(consent.OptIn), string(consent.ReOptIn), string(consent.Decline), string(consent.OptOut))
	if err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day int64
		var kind string
		var n int
		if err := rows.Scan(&day, &kind, &n); err != nil {
			return fmt.Errorf("consent: %w", err)
		}
		i := d.day(day * dayMS)
		if i < 0 {
			continue
		}
		switch consent.Kind(kind) {
		case consent.OptIn, consent.ReOptIn:
			d.OptIns[i] += n
		case consent.Decline:
			d.Declines[i] += n
		case consent.OptOut:
			d.OptOuts[i] += n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	// An erased customer waiting for the scrubber's delete (see Tx.shred)
	// neither consents nor wrote, as far as the dashboard knows.
	if err := t.queryRow("SELECT COUNT(*) FROM contacts WHERE consent_state = 'granted' AND erased_at = 0").Scan(&d.Consenting); err != nil {
		return fmt.Errorf("consenting contacts: %w", err)
	}
	return nil
}

// dashEscalations reads the period's escalations from the audit log (its
// target is "conversation:<id>") with, for each, the first operator
// message in that conversation since: the messages (conversation_id,
// created_at) index is walked from the escalation and stops at the first
// operator's message.
func (t *Tx) dashEscalations(d *Dashboard, from, until, _ int64) error {
	const prefix = len("conversation:")
	rows, err := t.query(`SELECT e.target, e.at, (SELECT m.created_at FROM messages m
			WHERE m.conversation_id = substr(e.target, ?) AND m.created_at >= e.at AND m.direction = 'out' AND m.author LIKE 'operator:%'
			ORDER BY m.conversation_id, m.created_at LIMIT 1)
		FROM audit_events e WHERE e.action = ? AND e.at >= ? AND e.at < ?`,
		prefix+1, audit.ActionEscalate, from, until)
	if err != nil {
		return fmt.Errorf("escalations: %w", err)
	}
	defer rows.Close()
	// One wait is every escalation of a conversation up to the same first
	// reply (or, unanswered, up to now): it started at the earliest.
	type wait struct {
		target string
		reply  int64
	}
	started := map[wait]int64{}
	for rows.Next() {
		var w wait
		var at int64
		var reply *int64
		if err := rows.Scan(&w.target, &at, &reply); err != nil {
			return fmt.Errorf("escalations: %w", err)
		}
		if reply != nil {
			w.reply = *reply
		}
		if s, ok := started[w]; !ok || at < s {
			started[w] = at
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("escalations: %w", err)
	}
	for w, at := range started {
		if i := d.day(at - at%dayMS); i >= 0 {
			d.Escalations[i]++
		}
		if w.reply != 0 {
			d.FirstReplies = append(d.FirstReplies, time.Duration(w.reply-at)*time.Millisecond)
		}
	}
	slices.Sort(d.FirstReplies)
	return nil
}

func (t *Tx) dashRequests(d *Dashboard, from, until, now int64) error {
	err := t.queryRow(`SELECT
		COALESCE(SUM(CASE WHEN state IN ('completed', 'refused') AND completed_at >= ? AND completed_at < ? AND completed_at <= due_at THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state IN ('completed', 'refused') AND completed_at >= ? AND completed_at < ? AND completed_at > due_at THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state NOT IN `+finalStates+` AND due_at < ? THEN 1 ELSE 0 END), 0)
		FROM dsar_requests WHERE completed_at >= ? OR state NOT IN `+finalStates,
		from, until, from, until, now, from).Scan(&d.OnTime, &d.Late, &d.Overdue)
	if err != nil {
		return fmt.Errorf("requests: %w", err)
	}
	return nil
}

// MedianFirstReply is the median of FirstReplies, and false if there are
// none.
func (d *Dashboard) MedianFirstReply() (time.Duration, bool) {
	n := len(d.FirstReplies)
	if n == 0 {
		return 0, false
	}
	if n%2 == 1 {
		return d.FirstReplies[n/2], true
	}
	return (d.FirstReplies[n/2-1] + d.FirstReplies[n/2]) / 2, true
}
