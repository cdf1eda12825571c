package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSimTerminalChatsWithAStandaloneServer runs `trement sim -terminal`
// against a trement that sends to it: a customer types in the terminal and
// reads the greeting with its numbered consent buttons.
func TestSimTerminalChatsWithAStandaloneServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	simAddr := l.Addr().String()
	l.Close()
	ta := startApp(t, appOpt{graph: "http://" + simAddr})

	inR, inW := io.Pipe()
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sim", "-listen", simAddr, "-webhook", "http://" + ta.addr + "/webhook", "-terminal", "-from", "+34 612 000 777"},
			&Env{Getenv: func(string) string { return "" }, Stdin: inR, Stdout: &out, Stderr: io.Discard})
	}()
	time.Sleep(200 * time.Millisecond)
	io.WriteString(inW, "hola\n")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "IA") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s := out.String(); !strings.Contains(s, "IA") || !strings.Contains(s, "Aceptar") {
		t.Fatalf("terminal shows %q, want the AI greeting with the consent buttons", s)
	}
	inW.Close()
	cancel()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("sim: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
