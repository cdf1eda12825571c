package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/whatsapp/sim"
)

func init() {
	register("sim", "run the local WhatsApp Cloud API simulator against a running trement (web page, or -terminal)", cmdSim)
}

// cmdSim runs the simulator on its own, for a trement started separately
// (serve -dev runs both together). It plays Meta: a fake Graph API that
// trement sends to, and signed webhooks to trement's callback URL.
func cmdSim(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	listen := fs.String("listen", "127.0.0.1:8090", "address of the fake Graph API and the customer page (loopback only)")
	webhook := fs.String("webhook", "http://127.0.0.1:8080/webhook", "trement's webhook URL")
	secret := fs.String("app-secret", devAppSecret, "app secret the webhooks are signed with (trement's TREMENT_APP_SECRET)")
	token := fs.String("token", devAccessToken, "access token the fake Graph API accepts (trement's TREMENT_ACCESS_TOKEN)")
	dup := fs.Float64("duplicate-rate", 0, "probability (0..1) that a webhook is delivered twice, as Meta's retries do")
	terminal := fs.Bool("terminal", false, "chat in this terminal instead of the web page")
	from := fs.String("from", "+34 612 345 678", "the customer's number, with -terminal")
	name := fs.String("name", "Ana", "the customer's profile name, with -terminal")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil || !config.IsLoopback(host) {
		return fmt.Errorf("sim: -listen %q must be a loopback address: the customer page has no authentication", *listen)
	}
	if *dup < 0 || *dup > 1 {
		return errors.New("sim: -duplicate-rate must be between 0 and 1")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := sim.New(sim.Config{WebhookURL: *webhook, AppSecret: *secret, Token: *token, DuplicateRate: *dup}, log)
	defer s.Close()
	fmt.Fprintf(env.Stderr, "Graph API: http://%s (set TREMENT_GRAPH_URL to it)\nCustomer page: http://%s/sim/\n", ln.Addr(), ln.Addr())
	if !*terminal {
		return s.Serve(ctx, ln)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	err = s.RunTerminal(ctx, env.Stdin, env.Stdout, *from, *name)
	cancel()
	return errors.Join(err, <-done)
}
