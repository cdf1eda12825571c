package anomaly

import (
	"slices"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

func events(n int, e Event) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = e
		out[i].At = now.Add(-time.Duration(i+1) * time.Second)
	}
	return out
}

// TestEveryRuleFires: each rule fires on its condition, with the subject
// as its key, and stays quiet just below its threshold.
func TestEveryRuleFires(t *testing.T) {
	base := Snapshot{Now: now, OverdueRequests: -1, AnchorAge: -1}
	tests := []struct {
		rule, key string
		fires     func(s *Snapshot)
		quiet     func(s *Snapshot)
	}{
		{"failed_signins", "address 203.0.113.9",
			func(s *Snapshot) { s.Events = events(10, Event{Action: actLoginFailed, SourceIP: "203.0.113.9"}) },
			func(s *Snapshot) { s.Events = events(9, Event{Action: actLoginFailed, SourceIP: "203.0.113.9"}) }},
		{"bulk_reveals", "op1",
			func(s *Snapshot) { s.Events = events(20, Event{Action: actReveal, ActorID: "op1", Outcome: "success"}) },
			func(s *Snapshot) { s.Events = events(19, Event{Action: actReveal, ActorID: "op1", Outcome: "success"}) }},
		{"bulk_exports", "op2",
			func(s *Snapshot) {
				s.Events = events(3, Event{Action: "audit.export", ActorID: "op2", Outcome: "success"})
			},
			func(s *Snapshot) {
				s.Events = events(3, Event{Action: "audit.export", ActorID: "op2", Outcome: "denied"})
			}},
		{"reveal_unusual_hour", "op3",
			func(s *Snapshot) {
				s.Events = []Event{{At: time.Date(2026, 12, 2, 3, 10, 0, 0, time.UTC), Action: actReveal, ActorID: "op3", Outcome: "success"}}
			},
			func(s *Snapshot) {
				s.Events = []Event{{At: time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC), Action: actReveal, ActorID: "op3", Outcome: "success"}}
			}},
		{"opt_out_spike", "opt_outs",
			func(s *Snapshot) { s.OptOutsHour, s.OptOutsDay = 30, 48 },
			func(s *Snapshot) { s.OptOutsHour, s.OptOutsDay = 30, 480 }},
		{"signature_failures", "webhook",
			func(s *Snapshot) { s.SignatureFailures = 50 },
			func(s *Snapshot) { s.SignatureFailures = 49 }},
		{"sender_paused", "sender", func(s *Snapshot) { s.SenderPaused = true }, func(s *Snapshot) {}},
		{"token_expired", "tok1", func(s *Snapshot) { s.ExpiredTokens = []string{"tok1"} }, func(s *Snapshot) {}},
		{"requests_overdue", "requests", func(s *Snapshot) { s.OverdueRequests = 1 }, func(s *Snapshot) { s.OverdueRequests = 0 }},
		{"audit_broken", "audit", func(s *Snapshot) { s.AuditBroken = "seq 9 edited" }, func(s *Snapshot) {}},
		{"audit_unanchored", "anchor",
			func(s *Snapshot) { s.AnchorRequired, s.AnchorAge = true, 3*time.Hour },
			func(s *Snapshot) { s.AnchorRequired, s.AnchorAge = true, time.Hour }},
		{"meta_account", "number:15550783881",
			func(s *Snapshot) {
				s.MetaReports = []MetaReport{{At: now, About: "number:15550783881", Severity: Warning, What: "FLAGGED (limit TIER_10K)"}}
			},
			func(s *Snapshot) {
				s.MetaReports = []MetaReport{{At: now, About: "number:15550783881", Severity: Info, What: "UNFLAGGED"}}
			}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.rule] = true
		t.Run(tt.rule, func(t *testing.T) {
			s := base
			tt.fires(&s)
			got := Evaluate(s, Config{})
			if len(got) != 1 || got[0].Rule != tt.rule || got[0].Key != tt.key || got[0].Summary == "" || !got[0].At.Equal(now) {
				t.Errorf("Evaluate = %+v, want one %s alert about %s", got, tt.rule, tt.key)
			}
			q := base
			tt.quiet(&q)
			if got := Evaluate(q, Config{}); len(got) != 0 {
				t.Errorf("below the threshold: Evaluate = %+v, want none", got)
			}
		})
	}
	for _, r := range Rules() {
		if !seen[r] {
			t.Errorf("rule %s has no test", r)
		}
	}
}

// TestOldEventsDoNotCount: failures outside the 15-minute window and
// reveals older than an hour are not counted.
func TestOldEventsDoNotCount(t *testing.T) {
	var evs []Event
	for i := range 30 {
		evs = append(evs, Event{At: now.Add(-16*time.Minute - time.Duration(i)*time.Second), Action: actLoginFailed, SourceIP: "a"})
		evs = append(evs, Event{At: now.Add(-61*time.Minute - time.Duration(i)*time.Second), Action: actReveal, ActorID: "x", Outcome: "success"})
	}
	for _, a := range Evaluate(Snapshot{Now: now, Events: evs, AnchorAge: -1}, Config{WorkStart: 0, WorkEnd: 24}) {
		t.Errorf("old events raised %+v", a)
	}
}

func TestUnusualHourUsesTheTimeZone(t *testing.T) {
	mex, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Skip("no tzdata")
	}
	// 15:00 UTC is 09:00 in Mexico City: working hours there.
	s := Snapshot{Now: now, Events: []Event{{At: now.Add(-time.Minute), Action: actReveal, ActorID: "op", Outcome: "success"}}, AnchorAge: -1}
	if got := Evaluate(s, Config{Location: mex, WorkStart: 8, WorkEnd: 18}); len(got) != 0 {
		t.Errorf("09:00 local = %+v, want quiet", got)
	}
	if got := Evaluate(s, Config{Location: mex, WorkStart: 10, WorkEnd: 18}); len(got) != 1 || !slices.ContainsFunc(got, func(a Alert) bool { return a.Rule == "reveal_unusual_hour" }) {
		t.Errorf("09:00 local with work from 10:00 = %+v", got)
	}
}
