package whatsapp

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Errors of a media download that no retry can fix: the file is not the
// one Meta described, or is larger than the caller accepts.
var (
	// ErrMediaTooLarge: Meta's file_size (or the bytes actually sent) is
	// over the caller's limit; nothing past the limit is read.
	ErrMediaTooLarge = errors.New("media larger than allowed")
	// ErrMediaMismatch: the bytes' length or SHA-256 is not what Meta's
	// metadata (or the webhook) stated.
	ErrMediaMismatch = errors.New("media does not match its metadata")
)

// MediaInfo is Meta's description of an uploaded or received file
// (GET /{media-id}, spec §7.3). URL is valid for about five minutes and is
// fetched with the same bearer token.
type MediaInfo struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
	// SHA256 is Meta's checksum of the file, hex or base64.
	SHA256   string `json:"sha256"`
	FileSize int64  `json:"file_size"`
}

// LogValue leaves the short-lived download URL out of logs: while it
// works, it and the token fetch the customer's file.
func (m MediaInfo) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", m.ID), slog.String("mime_type", m.MimeType), slog.Int64("file_size", m.FileSize))
}

// Media reads the metadata of the file with mediaID.
//
// Errors: ErrInvalidMessage (empty id), *APIError (Meta refused: an
// expired or unknown id is code 100), or a transport error; see Classify.
func (c *Client) Media(ctx context.Context, mediaID string) (*MediaInfo, error) {
	if mediaID == "" || strings.ContainsAny(mediaID, "/?#") {
		return nil, fmt.Errorf("whatsapp: media: %w: media id: required, without / ? #", ErrInvalidMessage)
	}
	var info MediaInfo
	u := c.base.JoinPath(c.version, mediaID)
	raw, err := c.get(ctx, "media", u.String(), maxResponseBytes)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("whatsapp: media: decode answer: %w", err)
	}
	if info.URL == "" {
		return nil, errors.New("whatsapp: media: answer without url")
	}
	return &info, nil
}

// metaMediaDomains are the domains Meta serves media from (the URL in a
// media id's metadata is on lookaside.fbsbx.com); a download URL must be
// on one of them, or on the Graph API's own host.
var metaMediaDomains = []string{"fbsbx.com", "fbcdn.net", "facebook.com", "whatsapp.net"}

func metaMediaHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range metaMediaDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// DownloadMedia reads mediaID's metadata, then the file from its URL,
// and checks what arrived against the metadata: no more than max bytes
// (refused from file_size before anything is fetched), exactly file_size
// bytes, and Meta's SHA-256. want, if not empty, is the checksum the
// webhook carried, which must match too. It returns the metadata and the
// bytes.
//
// The URL must be https on one of Meta's media domains, or on the same
// host as the Graph API base URL (the simulator): the bearer token goes
// with it.
//
// Errors: ErrMediaTooLarge and ErrMediaMismatch (Classify: Permanent),
// and those of Media.
func (c *Client) DownloadMedia(ctx context.Context, mediaID, want string, max int64) (*MediaInfo, []byte, error) {
	info, err := c.Media(ctx, mediaID)
	if err != nil {
		return nil, nil, err
	}
	if info.FileSize > max {
		return info, nil, fmt.Errorf("whatsapp: download media: %w: %d bytes, at most %d", ErrMediaTooLarge, info.FileSize, max)
	}
	u, err := url.Parse(info.URL)
	sameHost := err == nil && u.Scheme == c.base.Scheme && u.Host == c.base.Host
	if err != nil || u.Host == "" || (u.Scheme != "https" && !sameHost) {
		return info, nil, fmt.Errorf("whatsapp: download media: %w: the url is not https", ErrInvalidMessage)
	}
	if !sameHost && !metaMediaHost(u.Hostname()) {
		// The bearer token goes with the request: never to a host that
		// is not Meta's, whatever the metadata says.
		return info, nil, fmt.Errorf("whatsapp: download media: %w: the url's host is not Meta's (%s)", ErrInvalidMessage, strings.Join(metaMediaDomains, ", "))
	}
	data, err := c.get(ctx, "download media", u.String(), max+1)
	if err != nil {
		return info, nil, err
	}
	sum := sha256.Sum256(data)
	switch {
	case int64(len(data)) > max:
		return info, nil, fmt.Errorf("whatsapp: download media: %w: more than %d bytes", ErrMediaTooLarge, max)
	case info.FileSize > 0 && int64(len(data)) != info.FileSize:
		return info, nil, fmt.Errorf("whatsapp: download media: %w: %d bytes, file_size says %d", ErrMediaMismatch, len(data), info.FileSize)
	case !SumMatches(sum[:], info.SHA256):
		return info, nil, fmt.Errorf("whatsapp: download media: %w: sha256 differs from the metadata's", ErrMediaMismatch)
	case want != "" && !SumMatches(sum[:], want):
		return info, nil, fmt.Errorf("whatsapp: download media: %w: sha256 differs from the webhook's", ErrMediaMismatch)
	}
	return info, data, nil
}

// SumMatches reports whether stated, a SHA-256 as Meta writes it (hex in
// older payloads, base64 in current ones), is sum. An empty or unreadable
// stated checksum does not match: a file that cannot be checked is not
// kept.
func SumMatches(sum []byte, stated string) bool {
	stated = strings.TrimSpace(stated)
	for _, dec := range []func(string) ([]byte, error){hex.DecodeString, base64.StdEncoding.DecodeString,
		base64.RawStdEncoding.DecodeString, base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString} {
		if b, err := dec(stated); err == nil && len(b) == sha256.Size {
			return string(b) == string(sum)
		}
	}
	return false
}

// get fetches u with the bearer token and returns at most limit bytes of
// a 200 answer.
func (c *Client) get(ctx context.Context, op, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: %s: build request: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		// The error names the URL; a download URL must not reach the log.
		c.log.Warn("whatsapp: graph request failed", "op", op, "error", redactURL(err))
		return nil, fmt.Errorf("whatsapp: %s: %w: %w", op, errTransport, redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		ae := parseAPIError(resp.StatusCode, raw)
		c.log.Warn("whatsapp: graph request refused", "op", op, "http_status", resp.StatusCode, "code", ae.Code,
			"fbtrace_id", ae.FBTraceID, "action", Classify(ae).String())
		return nil, fmt.Errorf("whatsapp: %s: %w", op, ae)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("whatsapp: %s: read answer: %w: %w", op, errTransport, redactURL(err))
	}
	c.log.Debug("whatsapp: graph request ok", "op", op, "http_status", resp.StatusCode, "bytes", len(raw), "elapsed", time.Since(start))
	return raw, nil
}

// redactURL drops the URL from a *url.Error (net/http's), keeping the
// operation and the cause.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
