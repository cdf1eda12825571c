package consent

import "testing"

func TestMarketingAllowed(t *testing.T) {
	ev := func(kinds ...Kind) []*Event {
		var out []*Event
		for _, k := range kinds {
			out = append(out, &Event{Kind: k})
		}
		return out
	}
	tests := []struct {
		name string
		evs  []*Event
		want bool
	}{
		{"service opt-in only", ev(Asked, OptIn), false},
		{"marketing opt-in", ev(OptIn, MarketingOptIn), true},
		{"stopped inside WhatsApp", ev(OptIn, MarketingOptIn, MarketingStop), false},
		{"stopped then resumed", ev(OptIn, MarketingOptIn, MarketingStop, MarketingResume), true},
		{"resume is not an opt-in", ev(OptIn, MarketingResume), false},
		{"withdrawn", ev(OptIn, MarketingOptIn, MarketingOptOut), false},
		{"service opt-out ends it", ev(OptIn, MarketingOptIn, OptOut, ReOptIn), false},
		{"opted in again after", ev(OptIn, MarketingOptIn, OptOut, ReOptIn, MarketingOptIn), true},
		{"a new opt-in lifts an old stop", ev(OptIn, MarketingStop, MarketingOptIn), true},
		{"erased", ev(OptIn, MarketingOptIn, Erased), false},
	}
	for _, tt := range tests {
		if got := MarketingAllowed(tt.evs); got != tt.want {
			t.Errorf("%s: MarketingAllowed = %v, want %v", tt.name, got, tt.want)
		}
	}
}
