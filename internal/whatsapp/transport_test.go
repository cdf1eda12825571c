package whatsapp

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// connCountingServer is a Graph stub that counts the TCP connections it
// accepts and the most it held open at once.
type connCountingServer struct {
	*httptest.Server
	opened, open, peak atomic.Int64
}

func newConnCountingServer(t *testing.T, delay time.Duration) *connCountingServer {
	t.Helper()
	s := &connCountingServer{}
	s.Server = httptest.NewUnstartedServer(&graphStub{status: http.StatusOK, body: successBody, delay: delay})
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			s.opened.Add(1)
			n := s.open.Add(1)
			for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
			}
		case http.StateClosed, http.StateHijacked:
			s.open.Add(-1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// sendConcurrently makes rounds×senders sends with senders goroutines.
func sendConcurrently(t *testing.T, c *Client, senders, rounds int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, senders*rounds)
	for range senders {
		wg.Go(func() {
			for range rounds {
				if _, err := c.Send(context.Background(), "106540352242922", OutboundMessage{To: "16505551234", Text: &TextContent{Body: "hi"}}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestClientReusesConnectionsUnderConcurrentSenders(t *testing.T) {
	const senders, rounds = 16, 10
	srv := newConnCountingServer(t, 5*time.Millisecond)
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: testToken, Timeout: 5 * time.Second, Conns: senders})
	if err != nil {
		t.Fatal(err)
	}
	sendConcurrently(t, c, senders, rounds)
	if got := srv.opened.Load(); got > senders {
		t.Fatalf("%d senders × %d sends opened %d connections, want at most %d (one per sender, reused)", senders, rounds, got, senders)
	}

	// The same load through a transport with Go's default idle pool (2 per
	// host) dials far more: this is what the pool fixes.
	ref := newConnCountingServer(t, 5*time.Millisecond)
	dc, err := NewClient(ClientConfig{BaseURL: ref.URL, Token: testToken, HTTPClient: &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	sendConcurrently(t, dc, senders, rounds)
	// On a loaded machine the senders may run almost one at a time, so
	// the default pool keeps up too: that says nothing about ours, which
	// the check above holds either way.
	t.Logf("reference default transport opened %d connections for the same load (ours: %d)", ref.opened.Load(), srv.opened.Load())
}

func TestClientCapsConnectionsAtPoolSize(t *testing.T) {
	const conns, senders = 4, 12
	srv := newConnCountingServer(t, 10*time.Millisecond)
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: testToken, Timeout: 5 * time.Second, Conns: conns})
	if err != nil {
		t.Fatal(err)
	}
	sendConcurrently(t, c, senders, 3)
	if got := srv.peak.Load(); got > conns {
		t.Fatalf("%d senders held %d connections open at once, want at most %d", senders, got, conns)
	}
	if got := srv.opened.Load(); got > conns {
		t.Fatalf("opened %d connections, want at most %d", got, conns)
	}
}

func TestNewTransportSpeaksHTTP1Only(t *testing.T) {
	tr := NewTransport(0)
	if tr.MaxConnsPerHost != DefaultConns || tr.MaxIdleConnsPerHost != DefaultConns {
		t.Fatalf("default pool: max conns %d, idle %d, want %d", tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost, DefaultConns)
	}
	if tr.Protocols == nil || tr.Protocols.HTTP2() || !tr.Protocols.HTTP1() {
		t.Fatalf("protocols %v, want HTTP/1.1 only", tr.Protocols)
	}
}
