package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Client defaults.
const (
	DefaultBaseURL    = "https://graph.facebook.com"
	DefaultAPIVersion = "v24.0"
	DefaultTimeout    = 20 * time.Second
	DefaultConns      = 8
	// maxResponseBytes caps how much of a Graph API answer is read.
	maxResponseBytes = 1 << 20
)

// errTransport marks failures to talk to the Graph API at all, which are
// worth retrying.
var errTransport = errors.New("transport error")

var apiVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// ClientConfig configures a Client.
type ClientConfig struct {
	// BaseURL defaults to DefaultBaseURL.
	BaseURL string
	// APIVersion, like "v24.0", defaults to DefaultAPIVersion.
	APIVersion string
	// Token is the system-user or business access token. Required. It is
	// sent as a bearer token and never logged.
	Token string
	// HTTPClient defaults to a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds each request when HTTPClient is nil; defaults to
	// DefaultTimeout.
	Timeout time.Duration
	// Conns sizes the connection pool when HTTPClient is nil: the number
	// of requests the caller makes at once (the outbox's senders). It
	// defaults to DefaultConns.
	Conns int
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
}

// LogValue keeps the token out of logs if the config itself is logged.
func (c ClientConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("api_version", c.APIVersion),
		slog.Bool("token_set", c.Token != ""),
	)
}

// Client sends messages through the Graph API (spec §4). It is safe for
// concurrent use. It does not retry: the caller's outbox decides, using
// Classify and RetryDelay.
type Client struct {
	base    *url.URL
	version string
	token   string
	http    *http.Client
	log     *slog.Logger
}

// NewClient checks cfg, fills defaults and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("whatsapp: new client: token is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("whatsapp: new client: base url %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if !apiVersionRE.MatchString(cfg.APIVersion) {
		return nil, fmt.Errorf("whatsapp: new client: api version %q, want like %q", cfg.APIVersion, DefaultAPIVersion)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		timeout := cfg.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		hc = &http.Client{Timeout: timeout, Transport: NewTransport(cfg.Conns)}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{base: base, version: cfg.APIVersion, token: cfg.Token, http: hc, log: log}, nil
}

// NewTransport returns the Graph API transport for conns concurrent
// requests (DefaultConns if conns <= 0). http.DefaultTransport keeps 2
// idle connections per host, so with more senders than that most requests
// would dial (and TLS-handshake) a new connection and leave the old one in
// TIME_WAIT; this pool keeps one idle connection per sender and never opens
// more than conns at once.
//
// HTTP/2 is off on purpose: with one request per connection a stalled or
// reset connection costs one send rather than every send multiplexed on it,
// and the pool size is the concurrency the rate limit was sized for.
func NewTransport(conns int) *http.Transport {
	if conns <= 0 {
		conns = DefaultConns
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		Protocols:             protocols,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		MaxConnsPerHost:       conns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// Send validates msg and sends it from phoneNumberID. It returns the wamid
// Meta assigned, to correlate with status webhooks. A nil error means
// accepted, not delivered.
//
// Errors: ErrInvalidMessage (nothing was sent), *APIError (Meta refused),
// or a transport error. Pass any of them to Classify.
func (c *Client) Send(ctx context.Context, phoneNumberID string, msg OutboundMessage) (wamid string, err error) {
	if err := msg.Validate(); err != nil {
		return "", fmt.Errorf("whatsapp: send: %w", err)
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return "", fmt.Errorf("whatsapp: send: encode: %w", err)
	}
	var resp sendResponse
	if err := c.post(ctx, "send", phoneNumberID, msg.Type(), body, &resp); err != nil {
		return "", err
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		// Meta answered 200, so the message was probably accepted; do not
		// classify this as retryable.
		return "", errors.New("whatsapp: send: success answer without messages[0].id")
	}
	if s := resp.Messages[0].MessageStatus; s != "" && s != "accepted" {
		c.log.Info("whatsapp: send accepted with status",
			slog.String("phone_number_id", phoneNumberID), slog.String("message_status", s))
	}
	return resp.Messages[0].ID, nil
}

type markReadRequest struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *typingIndicator `json:"typing_indicator,omitempty"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

// MarkRead marks the inbound message wamid (and earlier ones in the thread)
// as read. With typing, it also shows a typing indicator, which disappears
// when the business replies or after 25 s: use it only when a reply follows.
//
// Errors: *APIError or a transport error; see Classify.
func (c *Client) MarkRead(ctx context.Context, phoneNumberID, wamid string, typing bool) error {
	if wamid == "" {
		return fmt.Errorf("whatsapp: mark read: %w: message_id: required", ErrInvalidMessage)
	}
	req := markReadRequest{MessagingProduct: messagingProductName, Status: "read", MessageID: wamid}
	if typing {
		req.TypingIndicator = &typingIndicator{Type: "text"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("whatsapp: mark read: encode: %w", err)
	}
	var resp struct {
		Success bool `json:"success"`
	}
	if err := c.post(ctx, "mark read", phoneNumberID, "read", body, &resp); err != nil {
		return err
	}
	if !resp.Success {
		return errors.New("whatsapp: mark read: answer without success=true")
	}
	return nil
}

// post sends body to /{version}/{phoneNumberID}/messages and decodes a 200
// answer into out.
func (c *Client) post(ctx context.Context, op, phoneNumberID, msgType string, body []byte, out any) error {
	if phoneNumberID == "" {
		return fmt.Errorf("whatsapp: %s: %w: phone number id: required", op, ErrInvalidMessage)
	}
	u := c.base.JoinPath(c.version, phoneNumberID, "messages")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("whatsapp: %s: build request: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.Warn("whatsapp: graph request failed", slog.String("op", op),
			slog.String("phone_number_id", phoneNumberID), slog.String("error", err.Error()))
		return fmt.Errorf("whatsapp: %s: %w: %w", op, errTransport, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("whatsapp: %s: read answer: %w: %w", op, errTransport, err)
	}
	attrs := func() []any {
		return []any{
			slog.String("op", op), slog.String("phone_number_id", phoneNumberID), slog.String("type", msgType),
			slog.Int("http_status", resp.StatusCode), slog.Duration("elapsed", time.Since(start)),
		}
	}
	if resp.StatusCode != http.StatusOK {
		ae := parseAPIError(resp.StatusCode, raw)
		c.log.Warn("whatsapp: graph request refused", append(attrs(), slog.Int("code", ae.Code), slog.String("fbtrace_id", ae.FBTraceID),
			slog.String("action", Classify(ae).String()))...)
		return fmt.Errorf("whatsapp: %s: %w", op, ae)
	}
	if c.log.Enabled(ctx, slog.LevelDebug) {
		// Built only when kept: every send passes here.
		c.log.Debug("whatsapp: graph request ok", attrs()...)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("whatsapp: %s: decode answer: %w", op, err)
	}
	return nil
}

// parseAPIError reads Meta's error JSON (spec §4.4). A body that is not
// Meta's shape yields an APIError with only HTTPStatus set.
func parseAPIError(status int, raw []byte) *APIError {
	var wire struct {
		Error struct {
			Message   string `json:"message"`
			Type      string `json:"type"`
			Code      int    `json:"code"`
			Subcode   int    `json:"error_subcode"`
			FBTraceID string `json:"fbtrace_id"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"error"`
	}
	ae := &APIError{HTTPStatus: status}
	// A field of an unexpected type leaves the others filled; a body that
	// is not JSON fills nothing.
	_ = json.Unmarshal(raw, &wire)
	w := wire.Error
	ae.Code, ae.Subcode, ae.Type, ae.Message, ae.Details, ae.FBTraceID = w.Code, w.Subcode, w.Type, w.Message, w.ErrorData.Details, w.FBTraceID
	return ae
}
