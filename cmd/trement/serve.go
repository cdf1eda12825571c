package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/agent/knowledge"
	"github.com/trement/trement/internal/agent/openai"
	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/channel"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/ops"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/retention"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/whatsapp"
)

func init() {
	register("serve", "run the server (add -dev to chat with the local WhatsApp simulator)", cmdServe)
}

func cmdServe(ctx context.Context, env *Env, args []string) error {
	cfg, _, err := config.Load(args, env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if !cfg.Dev {
		if err := cfg.RequireChannel(); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	defer ln.Close()
	var dev *devSim
	if cfg.Dev {
		if dev, err = startDevSim(cfg, log, ln.Addr().String()); err != nil {
			return err
		}
	}
	if err := checkPermissions(cfg, log); err != nil {
		return err
	}
	db, devKey, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := guardAudit(ctx, cfg, db, log); err != nil {
		return err
	}
	app, err := build(ctx, cfg, db, log, nil)
	if err != nil {
		return err
	}
	app.devKey, app.dev = devKey, dev
	return app.serve(ctx, env, ln)
}

// app is a running trement: the message path, its HTTP surface and, in
// development, the simulator.
type app struct {
	cfg     *config.Config
	db      *store.DB
	log     *slog.Logger
	svc     *conversation.Service
	purger  *retention.Purger // hourly retention passes
	metrics *ops.Metrics
	handler http.Handler
	console *console.Server
	rights  *rights.Service
	// localURL is where this server listens, for links when PUBLIC_URL
	// is not set (development); serve sets it before anything runs.
	localURL string
	devKey   bool
	dev      *devSim
	policy   *policy.Engine
	alerter  *ops.Alerter
	// tracer exports spans over OTLP when TREMENT_OTLP_ENDPOINT is set.
	tracer      trace.TracerProvider
	stopTracing func(context.Context) error
}

// build wires a trement; wrap, if set, decorates the sender (tests use it
// to lose answers on purpose).
func build(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, wrap func(conversation.Sender) conversation.Sender) (*app, error) {
	a := &app{cfg: cfg, db: db, log: log}
	pol, err := newPolicy(cfg)
	if err != nil {
		return nil, err
	}
	a.policy = pol
	if a.tracer, a.stopTracing, err = ops.NewTracerProvider(ctx, cfg.OTLPEndpoint, version); err != nil {
		return nil, fmt.Errorf("TREMENT_OTLP_ENDPOINT: %w", err)
	}
	provider, kb, topics, err := newProvider(cfg, log)
	if err != nil {
		return nil, err
	}
	guard, err := newAnswerGuard(cfg, kb.Texts(), log)
	if err != nil {
		return nil, err
	}
	hours, err := conversation.ParseHours(cfg.BusinessHours, cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("config: TREMENT_BUSINESS_HOURS: %w", err)
	}
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: cfg.GraphURL, APIVersion: cfg.GraphVersion, Token: cfg.AccessToken, Timeout: cfg.GraphTimeout,
		Conns: conversation.SendWorkers(cfg.SendWorkers, cfg.SendRate)})
	if err != nil {
		return nil, fmt.Errorf("whatsapp client: %w", err)
	}
	var media conversation.MediaFetcher
	mediaTimeout := max(4*cfg.GraphTimeout, time.Minute) // a file is larger than a send's answer
	if cfg.DownloadMedia {
		// A client of its own: the senders' timeout would cut a large file
		// short, and downloads must not take the senders' connections.
		mc, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: cfg.GraphURL, APIVersion: cfg.GraphVersion, Token: cfg.AccessToken, Timeout: mediaTimeout, Conns: 4})
		if err != nil {
			return nil, fmt.Errorf("whatsapp media client: %w", err)
		}
		media = channel.Media{Client: mc}
	}
	var sender conversation.Sender = channel.Sender{Client: client}
	if wrap != nil {
		sender = wrap(sender)
	}
	a.rights, err = rights.New(rights.Config{Store: store.Rights(db), Policy: pol, Logger: log, RequireApproval: cfg.DSARApproval,
		LinkTTL: cfg.DSARLinkTTL, LinkKey: db.DeriveKey("dsar-link/v1"), KeepProfileName: cfg.KeepProfileName, BaseURL: a.publicURL})
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	a.svc, err = conversation.New(conversation.Config{
		BusinessName: cfg.BusinessName, Purpose: cfg.Purpose, Purposes: map[string]string{"en": cfg.Purpose, "es": cfg.PurposeES, "pt": cfg.PurposePT}, PrivacyURL: cfg.PrivacyURL, DPOContact: cfg.DPOContact,
		NoticeVersion: cfg.NoticeVersion, NoticeMaterial: cfg.NoticeMaterial, KeepProfileName: cfg.KeepProfileName,
		EscalateSensitive: cfg.EscalateSensitive, Confidence: cfg.AgentConfidence, Instructions: cfg.Instructions,
		TemplateName: cfg.TemplateName, TemplateLanguage: cfg.TemplateLanguage, TemplateBody: cfg.TemplateBodyParams(), NumberTemplates: numberTemplates(cfg), MarkRead: cfg.MarkRead, NoticeResend: cfg.NoticeResend,
		Topics: topics, Hours: hours, HumanWait: cfg.HumanWait, AnswerWhileWaiting: cfg.AnswerWhileWaiting,
		Redactor: newRedactor(cfg), DownloadMedia: cfg.DownloadMedia, MediaMaxBytes: cfg.MediaMaxBytes,
	}, conversation.OutboxConfig{Workers: cfg.SendWorkers, Rate: cfg.SendRate, PairInterval: cfg.PairInterval, PairBurst: cfg.PairBurst, ReconcileAfter: cfg.ReconcileAfter,
		// A request cannot be in flight longer than the Graph client's
		// timeout: past twice that (and a margin for settling), a sending
		// item's replica died, and the item goes to reconciliation.
		Lease:  2*cfg.GraphTimeout + 10*time.Second,
		Worker: host + "/" + fmt.Sprint(os.Getpid())},
		conversation.Deps{Store: store.Conversations(db), Policy: pol, Agent: provider, Filter: guard, Parse: channel.Parse, InboxKey: whatsapp.CustomerKey,
			Sender: sender, Logger: log, Rights: a.rights, Tracer: a.tracer, Media: media, MediaTimeout: mediaTimeout})
	if err != nil {
		return nil, err
	}
	if a.purger, err = newPurger(cfg, pol, db, log); err != nil {
		return nil, err
	}
	a.metrics = ops.NewMetrics(a.svc.Stats)
	a.metrics.RegisterRetention(a.purger.Stats, db.Scrubs, db.ErasedPending)
	a.metrics.RegisterSQL(db.SQLCounts)
	a.metrics.RegisterMedia(db.MediaBacklog) // 0 while DOWNLOAD_MEDIA is off: the alert's series exist everywhere
	a.metrics.WatchRequests(a.requestCounts)
	a.alerter = a.newAlerter()
	a.handler, err = a.routes()
	if err != nil {
		return nil, err
	}
	return a, nil
}

// publicURL is the base of links sent to customers.
func (a *app) publicURL() string {
	if a.cfg.PublicURL != "" {
		return a.cfg.PublicURL
	}
	return a.localURL
}

// requestCounts feeds the data-subject request gauges on each scrape.
func (a *app) requestCounts() (open, dueSoon, overdue int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := a.rights.Counts(ctx)
	return n.Open, n.DueSoon, n.Overdue, err
}

// newPolicy builds the region rules: the built-in packs, DEFAULT_REGION,
// and the business's overrides from POLICY_FILE (whose own default, if
// set, wins).
func newPolicy(cfg *config.Config) (*policy.Engine, error) {
	pc := policy.Config{Default: policy.Region(cfg.DefaultRegion)}
	if cfg.PolicyFile != "" {
		b, err := os.ReadFile(cfg.PolicyFile)
		if err != nil {
			return nil, fmt.Errorf("TREMENT_POLICY_FILE: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields() // a misspelt field must not be silently ignored
		var fc policy.Config
		if err := dec.Decode(&fc); err != nil {
			return nil, fmt.Errorf("TREMENT_POLICY_FILE %s: %w", cfg.PolicyFile, err)
		}
		if fc.Default == "" {
			fc.Default = pc.Default
		}
		pc = fc
	}
	pol, err := policy.New(pc)
	if err != nil {
		return nil, fmt.Errorf("TREMENT_POLICY_FILE: %w", err)
	}
	return pol, nil
}

// newProvider builds the agent, the knowledge base it answers from, and
// the topics (per language) a reply that could not answer names: the
// knowledge base's.
func newProvider(cfg *config.Config, log *slog.Logger) (agent.Provider, *knowledge.Agent, map[string]string, error) {
	fsys := knowledge.Sample()
	if cfg.KnowledgeDir != "" {
		fsys = os.DirFS(cfg.KnowledgeDir)
	}
	kb, err := knowledge.New(fsys, knowledge.Options{MinConfidence: cfg.AgentConfidence, Logger: log})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("knowledge base: %w", err)
	}
	topics := map[string]string{}
	for _, l := range policy.Languages() {
		topics[l] = kb.Topics(l, 5)
	}
	if cfg.AgentProvider != "openai" {
		return kb, kb, topics, nil
	}
	p, err := openai.New(openai.Config{BaseURL: cfg.OpenAIURL, Model: cfg.OpenAIModel, APIKey: cfg.OpenAIKey, Timeout: cfg.OpenAITimeout, Retriever: kb, Logger: log})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("openai provider: %w", err)
	}
	return p, kb, topics, nil
}

// webhook is the Callback URL handler with its metric and audit hooks.
func (a *app) webhook() (http.Handler, error) {
	secrets := [][]byte{[]byte(a.cfg.AppSecret)}
	if a.cfg.AppSecretPrevious != "" {
		secrets = append(secrets, []byte(a.cfg.AppSecretPrevious))
	}
	wh, err := whatsapp.NewWebhook(whatsapp.WebhookConfig{
		VerifyToken: a.cfg.VerifyToken, AppSecrets: secrets, MaxBytes: a.cfg.WebhookMaxBytes, MemoryBudget: a.cfg.WebhookMemory,
		Accept: a.svc.Inbox.Accept, Logger: a.log,
		Rejected: func(r *http.Request, reason string) {
			a.metrics.WebhookRejected.WithLabelValues(reason).Inc()
			if reason == "busy" {
				return // load shed before reading: says nothing about who sent it
			}
			err := a.console.RefuseWebhook(r, &audit.Event{ActorType: "meta", ActorID: "webhook", Action: "webhook." + reason,
				Target: "webhook", Outcome: "denied", Reason: reason, SourceIP: sourceIP(r)}, reason)
			if err != nil {
				a.log.Error("audit write failed", "error", err)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return ops.Traced(a.tracer, "webhook.receive", a.metrics.Timed(wh)), nil
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// serve runs the HTTP server and the message path until ctx ends, then
// shuts down in order: stop accepting requests, drain in-flight webhooks
// into the inbox, stop the workers.
func (a *app) serve(ctx context.Context, env *Env, ln net.Listener) error {
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	// Live streams never go idle: Shutdown ends them rather than wait.
	srv.RegisterOnShutdown(a.console.EndStreams)
	scheme := "http"
	if a.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.cfg.TLSCert, a.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TREMENT_TLS_CERT/TLS_KEY: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	addr := ln.Addr().String()
	a.localURL = scheme + "://" + addr

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.svc.Run(workCtx); err != nil {
			a.log.Error("message path stopped", "error", err)
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.housekeeping(workCtx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.anchorLoop(workCtx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.purger.Loop(workCtx, time.Hour)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Flushes each window and once more after the server stopped.
		a.console.Refusals().Run(workCtx, func(err error) { a.log.Error("refusal audit flush failed", "error", err) })
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.alerter.Run(workCtx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.console.RunLive(workCtx) // the console's live updates
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.rights.Run(workCtx)
	}()
	if a.dev != nil {
		a.dev.run(workCtx)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("trement is serving", "url", scheme+"://"+addr, "database", a.db.Backend(), "webhook", scheme+"://"+addr+"/webhook", "dev", a.cfg.Dev)
	if a.dev != nil {
		fmt.Fprintf(env.Stderr, "\n  Chat as a customer: %s/sim/\n\n", a.dev.url)
	}
	if env.Ready != nil {
		env.Ready(addr)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("server stopped", "error", err)
		}
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil {
		a.log.Warn("shutdown", "error", serr)
	}
	stopWork()
	wg.Wait()
	if err := a.stopTracing(shutCtx); err != nil {
		a.log.Warn("trace export at shutdown", "error", err)
	}
	if a.dev != nil {
		a.dev.close()
	}
	return nil
}

// housekeeping removes expired sessions now and then.
func (a *app) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.console.Auth().PurgeSessions(ctx); err != nil {
				a.log.Warn("session purge failed", "error", err)
			} else if n > 0 {
				a.log.Debug("expired sessions purged", "count", n)
			}
		}
	}
}

// numberTemplates is NUMBER_TEMPLATES for the flow (checked by Load).
func numberTemplates(cfg *config.Config) map[string]conversation.NumberTemplate {
	m, _ := cfg.NumberTemplateMap()
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]conversation.NumberTemplate, len(m))
	for id, t := range m {
		out[id] = conversation.NumberTemplate{Name: t.Name, Language: t.Language, Body: t.Body}
	}
	return out
}

// startCPUProfile writes a CPU profile to path (TREMENT_CPU_PROFILE) until
// the returned function is called, at shutdown.
func startCPUProfile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("TREMENT_CPU_PROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("TREMENT_CPU_PROFILE: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
