package audit

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("ñ", 30000) // 60,000 bytes
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{strings.Repeat("a", 40), 30, strings.Repeat("a", 16) + "…[+24 bytes]"}, // 30 bytes in all
	}
	for _, tt := range tests {
		if got := Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%.20q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	got := Clip(long, ClipLen)
	if len(got) > ClipLen || !utf8.ValidString(got) || !strings.HasSuffix(got, " bytes]") || !strings.HasPrefix(got, "ññ") {
		t.Errorf("Clip(60 KB) = %q (%d bytes), want valid UTF-8 of at most %d bytes naming the cut", got, len(got), ClipLen)
	}
}

func TestClipFieldsMakesAnOversizedEventValid(t *testing.T) {
	e := &Event{ActorType: ActorAnonymous, Action: ActionDenied, Outcome: Denied,
		Reason: "cross-origin request (Origin " + strings.Repeat("x", 60<<10) + ")", Target: strings.Repeat("/p", 5000)}
	if err := e.Validate(); err == nil {
		t.Fatal("Validate(60 KB reason) = nil; the test needs an event Validate refuses")
	}
	e.ClipFields()
	if err := e.Validate(); err != nil {
		t.Errorf("Validate after ClipFields = %v, want nil", err)
	}
	if !strings.HasPrefix(e.Reason, "cross-origin request (Origin xxx") {
		t.Errorf("ClipFields lost the start of the reason: %.60q", e.Reason)
	}
}
