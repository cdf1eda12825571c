// Package openai is an agent.Provider backed by any server that speaks the
// OpenAI chat-completions API: OpenAI itself, Ollama, vLLM, llama.cpp's
// server and others.
//
// It exists so a business can choose a language model, hosted or on its own
// hardware, without the conversation flow knowing which. The provider only
// ever sees redacted text; its prompt tells the model that it is an AI and
// must say so, that it must not invent personal data, that placeholders
// such as [EMAIL_1] must be kept verbatim (the caller restores them), and
// that it must answer exactly UNSURE when the knowledge passages it is given
// do not answer the question, which becomes Reply.Unsure.
//
// # Reliability
//
// Each attempt has its own timeout. 429s, 5xx responses, network errors
// and timeouts are retried with jittered exponential backoff, honouring
// Retry-After (and retry-after-ms) up to Config.MaxRetryWait: a server that
// asks for a longer pause is not waited for, since a customer is waiting.
// Every failure wraps agent.ErrUnavailable so the flow can fall back to the
// knowledge agent or a person.
//
// # Token budget
//
// Tokens are estimated at one per four bytes. The system prompt and the new
// message always go; history turns are added newest first while the
// estimate fits Config.ContextTokens less Config.MaxTokens; knowledge
// passages are dropped (lowest ranked first) only if the prompt and message
// alone do not fit.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/internal/agent"
)

// Config configures a Provider. Zero fields take the defaults named in
// their comments; New rejects what cannot work.
type Config struct {
	// BaseURL is the API root, including the version path:
	// https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama),
	// http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:8080/v1 (llama.cpp).
	BaseURL string
	// Model is the model name the server knows ("gpt-4o-mini", "llama3.1:8b").
	Model string
	// APIKey is sent as a bearer token when set. It is never logged.
	APIKey string
	// Timeout bounds one attempt (default 30s).
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried (default 2;
	// negative for none).
	MaxRetries int
	// RetryBackoff is the first wait between attempts, doubled each time and
	// jittered (default 500ms).
	RetryBackoff time.Duration
	// MaxRetryWait is the longest wait between attempts (default 20s). A
	// Retry-After longer than this ends the retries.
	MaxRetryWait time.Duration
	// MaxTokens caps the answer's length in tokens (default 400).
	MaxTokens int
	// Temperature is sent as is; 0, the zero value, is the most repeatable,
	// which suits customer service.
	Temperature float64
	// ContextTokens is the budget for prompt plus answer (default 4096).
	ContextTokens int
	// Passages is how many knowledge passages go in the prompt (default 3).
	Passages int
	// HistoryTurns is how many of the latest conversation turns go in the
	// prompt (default 6): enough for a follow-up, short enough that an
	// old topic does not steer the answer. The token budget may cut more.
	HistoryTurns int
	// Retriever, when set, supplies knowledge passages for each message.
	Retriever agent.Retriever
	// HTTPClient sends the requests (default: a client without its own
	// timeout; attempts are bounded by Timeout).
	HTTPClient *http.Client
	// Logger receives request metadata: status, attempt, latency, token
	// usage. Never text or the API key. Default: discard.
	Logger *slog.Logger
}

// LogValue keeps the API key out of logs should a Config be logged.
func (c Config) LogValue() slog.Value {
	key := ""
	if c.APIKey != "" {
		key = "[set]"
	}
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("model", c.Model),
		slog.String("api_key", key),
		slog.Duration("timeout", c.Timeout),
		slog.Int("max_retries", c.MaxRetries),
	)
}

func (c *Config) setDefaults() {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 2
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = 500 * time.Millisecond
	}
	if c.MaxRetryWait == 0 {
		c.MaxRetryWait = 20 * time.Second
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = 400
	}
	if c.ContextTokens == 0 {
		c.ContextTokens = 4096
	}
	if c.Passages == 0 {
		c.Passages = 3
	}
	if c.HistoryTurns == 0 {
		c.HistoryTurns = 6
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// ProviderName prefixes Reply.Provider, followed by ":" and the model.
const ProviderName = "openai"

// Provider answers through a chat-completions server. It is safe for
// concurrent use.
type Provider struct {
	cfg      Config
	endpoint string
}

var _ agent.Provider = (*Provider)(nil)

// New checks cfg and returns a Provider. It fails when BaseURL is not an
// absolute http(s) URL, when Model is empty, or when the token budget
// leaves no room for a prompt.
func New(cfg Config) (*Provider, error) {
	cfg.setDefaults()
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("openai: config: BaseURL is required")
	case err != nil:
		return nil, fmt.Errorf("openai: config: BaseURL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, fmt.Errorf("openai: config: BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	case u.User != nil:
		return nil, errors.New("openai: config: BaseURL must not carry credentials; use APIKey")
	case cfg.Model == "":
		return nil, errors.New("openai: config: Model is required")
	case cfg.MaxTokens < 0 || cfg.ContextTokens-cfg.MaxTokens < 256:
		return nil, fmt.Errorf("openai: config: ContextTokens %d leaves under 256 tokens for the prompt after MaxTokens %d", cfg.ContextTokens, cfg.MaxTokens)
	case cfg.Temperature < 0 || cfg.Temperature > 2:
		return nil, fmt.Errorf("openai: config: Temperature %v not in [0, 2]", cfg.Temperature)
	}
	return &Provider{cfg: cfg, endpoint: strings.TrimRight(cfg.BaseURL, "/") + "/chat/completions"}, nil
}

// Wire types of the chat-completions API.
type (
	message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	chatRequest struct {
		Model       string    `json:"model"`
		Messages    []message `json:"messages"`
		MaxTokens   int       `json:"max_tokens,omitempty"`
		Temperature float64   `json:"temperature"`
		Stream      bool      `json:"stream"`
	}
	chatResponse struct {
		ID      string `json:"id"`
		Model   string `json:"model"`
		Choices []struct {
			Index        int     `json:"index"`
			Message      message `json:"message"`
			FinishReason string  `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
			TotalTokens      int `json:"total_tokens"`
		} `json:"usage"`
	}
)

// APIError is an error response from the server.
type APIError struct {
	StatusCode int
	Type       string // "invalid_request_error", "rate_limit_error", ...
	Code       string // "rate_limit_exceeded", "model_not_found", ...; may be empty
	Message    string // the server's message, cut to 300 bytes
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d", e.StatusCode)
	for _, s := range []string{e.Type, e.Code} {
		if s != "" {
			b.WriteString(" " + s)
		}
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Retryable reports whether the request may succeed if sent again.
func (e *APIError) Retryable() bool {
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// parseAPIError reads {"error":{"message","type","code"}}, the form
// llama.cpp uses (numeric code) and Ollama's {"error":"text"}.
func parseAPIError(status int, body []byte) *APIError {
	e := &APIError{StatusCode: status}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 {
		var obj struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
		}
		var s string
		switch {
		case json.Unmarshal(env.Error, &s) == nil:
			e.Message = s
		case json.Unmarshal(env.Error, &obj) == nil:
			e.Message, e.Type = obj.Message, obj.Type
			if err := json.Unmarshal(obj.Code, &s); err == nil {
				e.Code = s
			} else if c := string(obj.Code); c != "null" {
				e.Code = c
			}
		}
	}
	if e.Message == "" && e.Type == "" {
		e.Message = http.StatusText(status)
	}
	if len(e.Message) > 300 {
		e.Message = e.Message[:300]
	}
	return e
}

// Reply asks the model. Errors wrap agent.ErrUnavailable (and an *APIError
// when the server answered with one), or are ctx's error when ctx ended.
func (p *Provider) Reply(ctx context.Context, req agent.Request) (agent.Reply, error) {
	var passages []agent.Passage
	if p.cfg.Retriever != nil && p.cfg.Passages > 0 {
		// "Is this available?" about an ad's product is found with the
		// product and the ad.
		query := strings.TrimSpace(req.Subject() + " " + req.Message)
		passages = p.cfg.Retriever.Search(query, req.Language, p.cfg.Passages)
		// A short follow-up ("and to the Azores?") is found with the
		// customer's previous message.
		if prev := followedUp(req); len(passages) == 0 && prev != "" && len(strings.Fields(req.Message)) <= 8 {
			passages = p.cfg.Retriever.Search(prev+" "+query, req.Language, p.cfg.Passages)
		}
	}
	if n := p.cfg.HistoryTurns; len(req.History) > n {
		req.History = req.History[len(req.History)-n:]
	}
	msgs, used, err := p.messages(req, passages)
	if err != nil {
		return agent.Reply{}, fmt.Errorf("openai: %w: %w", agent.ErrUnavailable, err)
	}
	body, err := json.Marshal(chatRequest{
		Model:       p.cfg.Model,
		Messages:    msgs,
		MaxTokens:   p.cfg.MaxTokens,
		Temperature: p.cfg.Temperature,
	})
	if err != nil {
		return agent.Reply{}, fmt.Errorf("openai: encode request: %w", err)
	}
	resp, err := p.send(ctx, req.ConversationID, body)
	if err != nil {
		return agent.Reply{}, err
	}
	return p.reply(resp, used), nil
}

// followedUp is the message a short follow-up goes with: the one it
// replies to, else the customer's previous message.
func followedUp(req agent.Request) string {
	if req.Quoted != "" {
		return req.Quoted
	}
	return lastCustomerTurn(req.History)
}

func lastCustomerTurn(h []agent.Turn) string {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Role == agent.RoleCustomer {
			return h[i].Text
		}
	}
	return ""
}

// reply turns a completion into a Reply.
func (p *Provider) reply(resp *chatResponse, passages []agent.Passage) agent.Reply {
	r := agent.Reply{Provider: ProviderName + ":" + p.cfg.Model}
	if len(resp.Choices) == 0 {
		r.Unsure = true
		return r
	}
	c := resp.Choices[0]
	text := strings.TrimSpace(c.Message.Content)
	if text == "" || c.FinishReason == "content_filter" || isUnsure(text) {
		r.Unsure = true
		return r
	}
	r.Text = strings.ReplaceAll(text, "**", "*") // Markdown bold → WhatsApp bold
	r.Generated, r.Passages = true, passages
	for _, ps := range passages {
		r.Sources = append(r.Sources, ps.ArticleID)
	}
	// A model's confidence is not observable through this API; these are
	// coarse, documented levels the flow can threshold on.
	switch {
	case c.FinishReason == "length":
		r.Confidence = 0.5 // cut off mid-answer
	case len(passages) > 0:
		r.Confidence = 0.8
	default:
		r.Confidence = 0.6 // answered from the instructions alone
	}
	return r
}

// isUnsure reports whether the model used the UNSURE convention, possibly
// with punctuation, quotes or an explanation after it.
func isUnsure(text string) bool {
	t := strings.TrimLeft(text, " \t\n\"'*`_")
	return len(t) >= 6 && strings.EqualFold(t[:6], "UNSURE") &&
		(len(t) == 6 || !isLetter(t[6]))
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// send posts body, retrying as the package documentation describes.
func (p *Provider) send(ctx context.Context, conv string, body []byte) (*chatResponse, error) {
	log := p.cfg.Logger.With(slog.String("conversation_id", conv), slog.String("model", p.cfg.Model))
	var last error
	for attempt := 0; ; attempt++ {
		resp, retryAfter, err := p.attempt(ctx, body, log, attempt)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		last = err
		var apiErr *APIError
		retryable := !errors.As(err, &apiErr) || apiErr.Retryable()
		if !retryable || attempt >= p.cfg.MaxRetries {
			break
		}
		wait := p.backoff(attempt)
		if retryAfter > 0 {
			if retryAfter > p.cfg.MaxRetryWait {
				log.WarnContext(ctx, "openai: server asks to wait longer than allowed; giving up",
					slog.Duration("retry_after", retryAfter), slog.Duration("max_retry_wait", p.cfg.MaxRetryWait))
				break
			}
			wait = retryAfter
		}
		log.InfoContext(ctx, "openai: retrying", slog.Int("attempt", attempt+1), slog.Duration("wait", wait), slog.String("error", err.Error()))
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("openai: chat completion: %w: %w", agent.ErrUnavailable, last)
}

// backoff is RetryBackoff·2^attempt, capped at MaxRetryWait, with jitter
// in its upper half so that clients retrying together spread out.
func (p *Provider) backoff(attempt int) time.Duration {
	d := p.cfg.RetryBackoff << min(attempt, 16)
	d = min(d, p.cfg.MaxRetryWait)
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errTimeout marks an attempt that ran out of its own time.
var errTimeout = errors.New("attempt timed out")

// attempt sends one request. It returns the server's Retry-After, if any.
func (p *Provider) attempt(ctx context.Context, body []byte, log *slog.Logger, n int) (*chatResponse, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if p.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+p.cfg.APIKey)
	}
	start := time.Now()
	hresp, err := p.cfg.HTTPClient.Do(hreq)
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			err = errTimeout
		}
		log.DebugContext(ctx, "openai: request failed", slog.Int("attempt", n), slog.Duration("latency", time.Since(start)), slog.String("error", err.Error()))
		return nil, 0, err
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, 1<<20))
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			err = errTimeout
		}
		return nil, 0, fmt.Errorf("read response: %w", err)
	}
	log.DebugContext(ctx, "openai: response", slog.Int("attempt", n), slog.Int("status", hresp.StatusCode), slog.Duration("latency", time.Since(start)))
	if hresp.StatusCode/100 != 2 {
		return nil, retryAfter(hresp.Header, time.Now()), parseAPIError(hresp.StatusCode, data)
	}
	var resp chatResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, 0, fmt.Errorf("decode response: %w", err)
	}
	log.DebugContext(ctx, "openai: usage",
		slog.Int("prompt_tokens", resp.Usage.PromptTokens),
		slog.Int("completion_tokens", resp.Usage.CompletionTokens),
		slog.Int("total_tokens", resp.Usage.TotalTokens))
	return &resp, 0, nil
}

// retryAfter reads retry-after-ms (OpenAI) or Retry-After in seconds or as
// an HTTP date; 0 when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
