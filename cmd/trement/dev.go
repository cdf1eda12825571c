package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// Development defaults shared by trement and its simulator. They protect
// nothing: `serve -dev` binds both to loopback.
const (
	devAppSecret   = "trement-dev-app-secret"
	devVerifyToken = "trement-dev-verify-token"
	devAccessToken = "trement-dev-access-token"
)

// devSim is the local Cloud API simulator run beside the server by
// `serve -dev`, on a loopback port of its own (its customer page has no
// authentication, so it never shares the server's address).
type devSim struct {
	sim *sim.Simulator
	srv *http.Server
	ln  net.Listener
	url string
	wg  sync.WaitGroup
}

// startDevSim binds the simulator next to the server and points the
// configuration's Graph API and secrets at it.
func startDevSim(cfg *config.Config, log *slog.Logger, serverAddr string, tune ...func(*sim.Config)) (*devSim, error) {
	ln, err := net.Listen("tcp", cfg.SimListen)
	if err != nil {
		return nil, fmt.Errorf("simulator listen: %w", err)
	}
	if cfg.AppSecret == "" {
		cfg.AppSecret = devAppSecret
	}
	if cfg.VerifyToken == "" {
		cfg.VerifyToken = devVerifyToken
	}
	if cfg.AccessToken == "" {
		cfg.AccessToken = devAccessToken
	}
	d := &devSim{ln: ln, url: "http://" + ln.Addr().String()}
	cfg.GraphURL = d.url
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	sc := sim.Config{WebhookURL: scheme + "://" + serverAddr + "/webhook", AppSecret: cfg.AppSecret, VerifyToken: cfg.VerifyToken,
		Token: cfg.AccessToken, BusinessName: cfg.BusinessName, StatusDelay: 300 * time.Millisecond}
	for _, f := range tune {
		f(&sc)
	}
	d.sim = sim.New(sc, log.With("component", "sim"))
	d.srv = &http.Server{Handler: d.sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return d, nil
}

func (d *devSim) run(ctx context.Context) {
	d.wg.Add(2)
	go func() { defer d.wg.Done(); d.sim.Run(ctx) }()
	go func() { defer d.wg.Done(); d.srv.Serve(d.ln) }()
}

func (d *devSim) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d.srv.Shutdown(ctx)
	d.sim.Close()
	d.wg.Wait()
}
