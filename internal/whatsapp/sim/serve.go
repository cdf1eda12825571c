package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves Handler on ln and runs the delivery workers until ctx ends,
// then shuts the server down (5 s grace) and closes the simulator. It is
// the whole simulator process in one call:
//
//	ln, _ := net.Listen("tcp", "127.0.0.1:9090")
//	err := sim.New(cfg, logger).Serve(ctx, ln)
func (s *Simulator) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runDone := make(chan struct{})
	go func() { // stops when ctx is cancelled
		defer close(runDone)
		_ = s.Run(ctx)
	}()
	serveErr := make(chan error, 1)
	go func() { // stops when srv is shut down
		serveErr <- srv.Serve(ln)
	}()
	s.log.Info("sim: listening", slog.String("addr", ln.Addr().String()), slog.String("ui", "http://"+ln.Addr().String()+"/sim/"))

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if err != nil {
			err = fmt.Errorf("sim: serve: %w", err)
		}
	}
	cancel()
	// Close first: it ends held requests (hang faults) and event streams,
	// which Shutdown would otherwise wait for.
	_ = s.Close()
	shutdownCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if shutdownErr := srv.Shutdown(shutdownCtx); shutdownErr != nil && err == nil {
		err = fmt.Errorf("sim: shutdown: %w", shutdownErr)
	}
	<-runDone
	return err
}
