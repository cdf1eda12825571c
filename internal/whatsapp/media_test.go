package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestDownloadMediaOnlyFromMeta: metadata pointing the download at a host
// that is not Meta's (nor the Graph API's own) is refused before any
// request, so the bearer token never leaves for it.
func TestDownloadMediaOnlyFromMeta(t *testing.T) {
	var evilHits atomic.Int64
	evil := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilHits.Add(1) }))
	defer evil.Close()
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"url":%q,"mime_type":"image/jpeg","sha256":"x","file_size":10,"id":"1"}`, evil.URL+"/file")
	}))
	defer graph.Close()
	c, err := NewClient(ClientConfig{BaseURL: graph.URL, Token: "secret-token", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.DownloadMedia(context.Background(), "1", "", 1<<20)
	if !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("DownloadMedia from a foreign host = %v, want refused as invalid", err)
	}
	if n := evilHits.Load(); n != 0 {
		t.Errorf("the foreign host got %d requests", n)
	}
	for host, ok := range map[string]bool{"lookaside.fbsbx.com": true, "scontent.whatsapp.net": true, "FBSBX.COM.": true,
		"fbsbx.com.evil.example": false, "evilfbsbx.com": false, "example.com": false} {
		if got := metaMediaHost(host); got != ok {
			t.Errorf("metaMediaHost(%q) = %v, want %v", host, got, ok)
		}
	}
}
