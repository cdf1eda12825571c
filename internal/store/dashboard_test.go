package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// dashClock is a settable clock for seeding rows on chosen days.
type dashClock struct{ at time.Time }

func (c *dashClock) now() time.Time { return c.at }

// dashSeed writes rows at chosen times through the store's own methods,
// so every timestamp is the one the store writes.
type dashSeed struct {
	t     testing.TB
	db    *store.DB
	clock *dashClock
	n     int
}

func (s *dashSeed) at(t time.Time, fn func(tx *store.Tx) error) {
	s.t.Helper()
	s.clock.at = t
	update(s.t, s.db, fn)
}

func (s *dashSeed) contact(t time.Time, state conversation.ConsentState) *conversation.Conversation {
	s.t.Helper()
	s.n++
	var conv *conversation.Conversation
	s.at(t, func(tx *store.Tx) error {
		c := &conversation.Contact{WaID: fmt.Sprintf("3461200%04d", s.n), Region: "ES", RegionReason: "+34", Language: "es", ConsentState: state}
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		var err error
		conv, err = tx.OpenConversation(c.ID, "106540352242922")
		return err
	})
	return conv
}

// message stores one message: author "customer" is inbound, any other
// outbound; typ "note" is a note for operators.
func (s *dashSeed) message(t time.Time, conv *conversation.Conversation, author, typ string) {
	s.t.Helper()
	s.at(t, func(tx *store.Tx) error {
		m := &conversation.Message{ConversationID: conv.ID, ContactID: conv.ContactID, Direction: conversation.Out, Type: typ,
			Body: "sealed and never read", Author: author, Status: conversation.StatusSent}
		if author == "customer" {
			s.n++
			m.Direction, m.Status, m.WAMessageID = conversation.In, conversation.StatusReceived, fmt.Sprintf("wamid.dash.%d", s.n)
		}
		return tx.InsertMessage(m)
	})
}

func (s *dashSeed) escalate(t time.Time, conv *conversation.Conversation) {
	s.t.Helper()
	s.at(t, func(tx *store.Tx) error {
		return tx.AppendAudit(&audit.Event{ActorType: "customer", ActorID: "wa:pseudo", Action: audit.ActionEscalate,
			Target: "conversation:" + conv.ID, Outcome: audit.Success, Reason: "customer_request"})
	})
}

func (s *dashSeed) consent(t time.Time, kind consent.Kind) {
	s.t.Helper()
	s.at(t, func(tx *store.Tx) error {
		return tx.AppendConsent(&consent.Event{ContactID: "k", WaIndex: []byte("idx"), Kind: kind, NoticeVersion: "v1",
			Purpose: "service", Region: "ES", Channel: "whatsapp", At: t})
	})
}

func (s *dashSeed) request(created, due, completed time.Time, st rights.Status) {
	s.t.Helper()
	s.n++
	s.at(created, func(tx *store.Tx) error {
		return tx.CreateRequest(&rights.Request{ID: fmt.Sprintf("r%d", s.n), WaIndex: []byte("idx"), Type: rights.Access, Source: rights.SourceDPO,
			Identity: rights.IdentityVerified, Status: st, Region: "ES", DueAt: due, CreatedAt: created, CompletedAt: completed})
	})
}

// TestDashboard seeds a month of activity on each backend and checks
// every count the dashboard draws, including what falls outside the
// period, on a day's boundary, or is not counted at all (notes, system
// notices, a repeated escalation, closed requests).
func TestDashboard(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		clock := &dashClock{at: now}
		db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(t), Now: clock.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s := &dashSeed{t: t, db: db, clock: clock}
		day := func(d int, hm string) time.Time { // d days before today, at hh:mm
			hh, mm := 0, 0
			fmt.Sscanf(hm, "%d:%d", &hh, &mm)
			return now.Truncate(store.Day).AddDate(0, 0, -d).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
		}

		a := s.contact(day(40, "08:00"), conversation.ConsentGranted)
		b := s.contact(day(40, "08:00"), conversation.ConsentWithdrawn)
		s.message(day(40, "09:00"), a, "customer", "text") // before the period
		s.escalate(day(40, "09:01"), a)
		s.message(day(40, "09:10"), a, "operator:op1", "text")

		for range 3 {
			s.message(day(2, "10:00"), a, "customer", "text")
		}
		s.message(day(2, "10:01"), a, "bot", "text")
		s.message(day(2, "10:02"), a, "bot", "text")
		s.message(day(2, "10:03"), a, "system", "text")                // a notice: neither bot nor operator
		s.message(day(2, "10:04"), a, "system", conversation.TypeNote) // a note for operators
		s.escalate(day(2, "11:00"), a)
		s.escalate(day(2, "11:05"), a) // asked again while waiting: the same wait
		s.message(day(2, "11:20"), a, "operator:op1", "text")
		s.message(day(2, "11:30"), a, "operator:op1", "text")

		s.message(day(1, "12:00"), b, "customer", "text")
		s.escalate(day(1, "12:00"), b)
		s.message(day(1, "12:10"), b, "operator:op2", "text")
		s.escalate(day(1, "15:00"), b) // not answered yet
		s.message(day(0, "00:00"), b, "customer", "text")

		s.consent(day(40, "10:00"), consent.OptIn)
		s.consent(day(2, "10:00"), consent.Asked)
		s.consent(day(2, "10:00"), consent.OptIn)
		s.consent(day(2, "10:30"), consent.OptIn)
		s.consent(day(1, "10:00"), consent.ReOptIn)
		s.consent(day(1, "11:00"), consent.Decline)
		s.consent(day(0, "08:00"), consent.OptOut)

		s.request(day(20, "09:00"), day(5, "09:00"), day(6, "09:00"), rights.StatusCompleted) // on time
		s.request(day(20, "09:00"), day(5, "09:00"), day(3, "09:00"), rights.StatusRefused)   // late
		s.request(day(20, "09:00"), day(5, "09:00"), day(3, "09:00"), rights.StatusClosed)    // withdrawn: not an answer
		s.request(day(20, "09:00"), day(3, "09:00"), time.Time{}, rights.StatusOpen)          // overdue now
		s.request(day(2, "09:00"), day(-20, "09:00"), time.Time{}, rights.StatusInProgress)   // not yet due
		s.request(day(80, "09:00"), day(50, "09:00"), day(45, "09:00"), rights.StatusCompleted)

		d, err := db.Dashboard(context.Background(), now.AddDate(0, 0, -29), now)
		if err != nil {
			t.Fatal(err)
		}
		if d.Days != 30 || !d.Since.Equal(day(29, "00:00")) {
			t.Fatalf("Dashboard period = %d days from %s, want 30 from %s", d.Days, d.Since, day(29, "00:00"))
		}
		at := func(n int, v int) []int { // 30 zeros, v on the day n days ago
			out := make([]int, 30)
			out[29-n] = v
			return out
		}
		plus := func(xs ...[]int) []int {
			out := make([]int, 30)
			for _, x := range xs {
				for i, v := range x {
					out[i] += v
				}
			}
			return out
		}
		for _, c := range []struct {
			name      string
			got, want []int
		}{
			{"Inbound", d.Inbound, plus(at(2, 3), at(1, 1), at(0, 1))},
			{"Bot", d.Bot, at(2, 2)},
			{"Operator", d.Operator, plus(at(2, 2), at(1, 1))},
			{"OptIns", d.OptIns, plus(at(2, 2), at(1, 1))},
			{"Declines", d.Declines, at(1, 1)},
			{"OptOuts", d.OptOuts, at(0, 1)},
			{"Escalations", d.Escalations, plus(at(2, 1), at(1, 2))},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("Dashboard %s = %v, want %v", c.name, c.got, c.want)
			}
		}
		if want := []time.Duration{10 * time.Minute, 20 * time.Minute}; !slices.Equal(d.FirstReplies, want) {
			t.Errorf("FirstReplies = %v, want %v", d.FirstReplies, want)
		}
		if m, ok := d.MedianFirstReply(); !ok || m != 15*time.Minute {
			t.Errorf("MedianFirstReply = %v, %v, want 15m", m, ok)
		}
		if d.Consenting != 1 {
			t.Errorf("Consenting = %d, want 1", d.Consenting)
		}
		if d.OnTime != 1 || d.Late != 1 || d.Overdue != 1 {
			t.Errorf("requests on time, late, overdue = %d, %d, %d, want 1, 1, 1", d.OnTime, d.Late, d.Overdue)
		}
	})
}

// BenchmarkDashboard measures the dashboard's queries over 100,000
// messages spread across 60 days (half of them in the period), 100
// conversations, 2,000 escalations and 10,000 consent events.
func BenchmarkDashboard(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			url, _ := be.New(b)
			now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
			clock := &dashClock{at: now}
			db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(b), Now: clock.now})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			s := &dashSeed{t: b, db: db, clock: clock}
			start := now.AddDate(0, 0, -60)
			convs := make([]*conversation.Conversation, 100)
			for i := range convs {
				convs[i] = s.contact(start, conversation.ConsentGranted)
			}
			const total, batch = 100_000, 1000
			authors := []string{"customer", "customer", "bot", "operator:op1"}
			for k := 0; k < total; k += batch {
				s.at(start.Add(time.Duration(k)*(60*store.Day/total)), func(tx *store.Tx) error {
					for i := range batch {
						n := k + i
						conv := convs[n%len(convs)]
						m := &conversation.Message{ConversationID: conv.ID, ContactID: conv.ContactID, Direction: conversation.Out, Type: "text",
							Body: "Hola, ¿cuándo llega mi pedido?", Author: authors[(n/len(convs))%len(authors)], Status: conversation.StatusSent}
						if m.Author == "customer" {
							m.Direction, m.Status, m.WAMessageID = conversation.In, conversation.StatusReceived, fmt.Sprintf("wamid.bench.%d", n)
						}
						if err := tx.InsertMessage(m); err != nil {
							return err
						}
						if n%50 == 0 {
							if err := tx.AppendAudit(&audit.Event{ActorType: "customer", ActorID: "wa:pseudo", Action: audit.ActionEscalate,
								Target: "conversation:" + conv.ID, Outcome: audit.Success, Reason: "customer_request"}); err != nil {
								return err
							}
						}
						if n%10 == 0 {
							if err := tx.AppendConsent(&consent.Event{ContactID: conv.ContactID, WaIndex: []byte("idx"), Kind: consent.OptIn,
								NoticeVersion: "v1", Purpose: "service", Region: "ES", Channel: "whatsapp"}); err != nil {
								return err
							}
						}
					}
					return nil
				})
			}
			clock.at = now
			b.ResetTimer()
			for b.Loop() {
				d, err := db.Dashboard(context.Background(), now.AddDate(0, 0, -29), now)
				if err != nil {
					b.Fatal(err)
				}
				if got := sum(d.Inbound) + sum(d.Bot) + sum(d.Operator); got < total/3 {
					b.Fatalf("the dashboard counted %d messages in the period, want about half of %d", got, total)
				}
			}
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
