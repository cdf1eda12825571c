package channel

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// TestFetchMediaClassifies: each way a download fails maps to a reason
// (the metric's label, the row's last_error) and to whether it is worth
// retrying.
func TestFetchMediaClassifies(t *testing.T) {
	s := sim.New(sim.Config{Token: "tok"}, nil)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: "tok", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := Media{Client: client}
	photo := make([]byte, 2000)
	good := s.AddMedia(sim.Media{Data: photo, MimeType: "image/jpeg"})
	lying := s.AddMedia(sim.Media{Data: photo, MimeType: "image/jpeg", SHA256: "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI="})

	mime, data, err := m.FetchMedia(context.Background(), conversation.MediaRef{ID: good}, 1<<20)
	if err != nil || mime != "image/jpeg" || len(data) != len(photo) {
		t.Fatalf("FetchMedia(good) = %q, %d bytes, %v", mime, len(data), err)
	}
	tests := []struct {
		name   string
		id     string
		max    int64
		fault  sim.Fault
		reason string
		retry  bool
	}{
		{"too large", good, 1000, "", "too_large", false},
		{"sha256 mismatch", lying, 1 << 20, "", "mismatch", false},
		{"unknown id", "123", 1 << 20, "", "graph http 400 code 100", false},
		{"server error", good, 1 << 20, sim.FaultServerError, "graph http 500 code 131000", true},
		{"rate limit", good, 1 << 20, sim.FaultRateLimit, "graph http 400 code 130429", true},
		{"hang", good, 1 << 20, sim.FaultHang, "transport", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != "" {
				if err := s.InjectMediaFault(tc.fault, 1); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := m.FetchMedia(context.Background(), conversation.MediaRef{ID: tc.id}, tc.max)
			var me *conversation.MediaError
			if !errors.As(err, &me) || me.Reason != tc.reason || me.Retry != tc.retry {
				t.Errorf("FetchMedia = %v, want reason %q, retry %v", err, tc.reason, tc.retry)
			}
		})
	}
}
