// Package moderation asks a moderation or guard model whether an answer
// is safe to send, through an OpenAI-compatible API.
//
// Two kinds of server are supported:
//
//   - KindOpenAI: an OpenAI-style POST {base}/moderations endpoint
//     (OpenAI's omni-moderation models, or any server that copies it),
//     sent {"model","input"} and read for results[0].flagged and its
//     categories;
//   - KindGuard: a Llama Guard–style model behind POST
//     {base}/chat/completions (Ollama's llama-guard3, vLLM, llama.cpp):
//     the customer's message and the answer go as a user and an assistant
//     turn, the server's chat template builds the guard prompt, and the
//     reply is "safe" or "unsafe" followed by category codes (S1…S14).
//
// The caller sends only redacted text — the same placeholders the main
// model saw — so a moderation server never learns more than the model did.
// Check returns an error when the server cannot be reached or answers
// something unreadable; callers fail closed on it.
package moderation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Kinds of moderation server.
const (
	KindOpenAI = "openai"
	KindGuard  = "guard"
)

// Config configures a Client.
type Config struct {
	Kind    string // KindOpenAI or KindGuard
	BaseURL string // the API root with its version path: https://api.openai.com/v1
	Model   string // "omni-moderation-latest", "llama-guard3:1b"
	APIKey  string // sent as a bearer token when set; never logged
	// Timeout bounds one check (default 10s).
	Timeout    time.Duration
	HTTPClient *http.Client
}

// Result is a moderation verdict.
type Result struct {
	Flagged bool
	// Categories name why, from a fixed vocabulary: for KindOpenAI the
	// part before "/" of OpenAI's category names ("hate", "self-harm",
	// "violence", "sexual", "harassment", "illicit"), for KindGuard the
	// Llama Guard 3 hazard names ("violent_crimes", "hate", "self_harm"…);
	// "other" for anything else.
	Categories []string
}

// Client asks one moderation server. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("moderation: config: BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	case u.User != nil:
		return nil, errors.New("moderation: config: BaseURL must not carry credentials; use APIKey")
	case cfg.Model == "":
		return nil, errors.New("moderation: config: Model is required")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	c := &Client{cfg: cfg}
	switch cfg.Kind {
	case KindOpenAI:
		c.endpoint = base + "/moderations"
	case KindGuard:
		c.endpoint = base + "/chat/completions"
	default:
		return nil, fmt.Errorf("moderation: config: Kind %q is not %s or %s", cfg.Kind, KindOpenAI, KindGuard)
	}
	return c, nil
}

// Check asks whether answer, the assistant's reply to message, is safe.
// Both must be redacted text. It returns an error when the server could
// not be asked or its answer could not be read.
func (c *Client) Check(ctx context.Context, message, answer string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body any
	if c.cfg.Kind == KindOpenAI {
		body = map[string]any{"model": c.cfg.Model, "input": answer}
	} else {
		body = map[string]any{"model": c.cfg.Model, "temperature": 0, "max_tokens": 20, "stream": false,
			"messages": []map[string]string{{"role": "user", "content": message}, {"role": "assistant", "content": answer}}}
	}
	data, err := c.post(ctx, body)
	if err != nil {
		return Result{}, fmt.Errorf("moderation: %w", err)
	}
	if c.cfg.Kind == KindOpenAI {
		return parseModeration(data)
	}
	return parseGuard(data)
}

func (c *Client) post(ctx context.Context, body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return data, nil
}

// parseModeration reads {"results":[{"flagged":true,"categories":{...}}]}.
func parseModeration(data []byte) (Result, error) {
	var resp struct {
		Results []struct {
			Flagged    bool            `json:"flagged"`
			Categories map[string]bool `json:"categories"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return Result{}, fmt.Errorf("moderation: decode response: %w", err)
	}
	if len(resp.Results) == 0 {
		return Result{}, errors.New("moderation: response has no results")
	}
	r := resp.Results[0]
	out := Result{Flagged: r.Flagged}
	seen := map[string]bool{}
	for name, on := range r.Categories {
		if !on {
			continue
		}
		cat, _, _ := strings.Cut(name, "/")
		switch cat {
		case "hate", "harassment", "self-harm", "sexual", "violence", "illicit":
		default:
			cat = "other"
		}
		if !seen[cat] {
			seen[cat] = true
			out.Categories = append(out.Categories, cat)
		}
	}
	sort.Strings(out.Categories)
	if out.Flagged && len(out.Categories) == 0 {
		out.Categories = []string{"other"}
	}
	return out, nil
}

// guardCategories are Llama Guard 3's hazard codes.
var guardCategories = map[string]string{
	"S1": "violent_crimes", "S2": "non_violent_crimes", "S3": "sex_crimes", "S4": "child_exploitation",
	"S5": "defamation", "S6": "specialized_advice", "S7": "privacy", "S8": "intellectual_property",
	"S9": "indiscriminate_weapons", "S10": "hate", "S11": "self_harm", "S12": "sexual_content",
	"S13": "elections", "S14": "code_interpreter_abuse",
}

// parseGuard reads a chat completion whose content is "safe", or "unsafe"
// and a line of comma-separated codes.
func parseGuard(data []byte) (Result, error) {
	var resp struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return Result{}, fmt.Errorf("moderation: decode response: %w", err)
	}
	if len(resp.Choices) == 0 {
		return Result{}, errors.New("moderation: response has no choices")
	}
	content := strings.TrimSpace(resp.Choices[0].Message.Content)
	first, rest, _ := strings.Cut(content, "\n")
	switch strings.ToLower(strings.TrimSpace(first)) {
	case "safe":
		return Result{}, nil
	case "unsafe":
	default:
		return Result{}, fmt.Errorf("moderation: guard model answered neither safe nor unsafe (%d bytes)", len(content))
	}
	out := Result{Flagged: true}
	seen := map[string]bool{}
	for _, code := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		cat, ok := guardCategories[strings.ToUpper(code)]
		if !ok {
			cat = "other"
		}
		if !seen[cat] {
			seen[cat] = true
			out.Categories = append(out.Categories, cat)
		}
	}
	if len(out.Categories) == 0 {
		out.Categories = []string{"other"}
	}
	return out, nil
}
