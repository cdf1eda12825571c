package policy

import (
	"strings"
	"testing"
	"time"
)

func TestRetentionAndBlockingPerRegion(t *testing.T) {
	const day = 24 * time.Hour
	e, err := New(Config{Retention: map[Region]Retention{ES: {Days: 60}, MX: {BlockDays: 400}, GDPR: {BlockDays: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		r         Region
		keep, blk time.Duration
	}{
		{ES, 60 * day, 1095 * day}, // overridden retention, the default Art. 32 block
		{MX, 30 * day, 400 * day},  // default retention, overridden block
		{GDPR, 30 * day, 0},        // GDPR does not block, whatever the file says
		{BR, 30 * day, 0},
	}
	for _, tt := range tests {
		if got := e.RetentionFor(tt.r, 30*day); got != tt.keep {
			t.Errorf("RetentionFor(%s) = %v, want %v", tt.r, got, tt.keep)
		}
		if got := e.BlockPeriod(tt.r); got != tt.blk {
			t.Errorf("BlockPeriod(%s) = %v, want %v", tt.r, got, tt.blk)
		}
	}
	if o := e.RetentionOverrides(); len(o) != 1 || o[ES] != 60*day {
		t.Errorf("RetentionOverrides = %v, want only ES", o)
	}
	for _, bad := range []Config{
		{Retention: map[Region]Retention{"XX": {Days: 5}}},
		{Retention: map[Region]Retention{ES: {Days: -1}}},
		{Retention: map[Region]Retention{ES: {BlockDays: 99999}}},
	} {
		if _, err := New(bad); err == nil || !strings.Contains(err.Error(), "retention") {
			t.Errorf("New(%+v) = %v, want a retention error", bad.Retention, err)
		}
	}
}
