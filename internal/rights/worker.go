package rights

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/policy"
)

// Run fulfils verified requests and shreds expired exports until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		if err := s.Fulfil(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("rights: fulfilling requests failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
			// The transaction that woke us may not have committed yet.
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// Fulfil runs one round: open access and portability requests get their
// export and link, open erasure requests (entered by an operator and
// confirmed, or approved by the DPO) are carried out, and expired exports
// are shredded. Correction and restriction requests are the DPO's.
func (s *Service) Fulfil(ctx context.Context) error {
	if lead, err := s.st.Lead(ctx); err != nil || !lead {
		return err
	}
	if err := s.expire(ctx); err != nil {
		return err
	}
	var todo []*Request
	err := s.st.View(ctx, func(tx Tx) error {
		for _, t := range []Type{Access, Portability, Erasure} {
			list, err := tx.Requests(Filter{Status: StatusOpen, Type: t, Limit: 50})
			if err != nil {
				return err
			}
			todo = append(todo, list...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range todo {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.Type == Erasure {
			errs = append(errs, s.erase(ctx, r))
			continue
		}
		errs = append(errs, s.export(ctx, r))
	}
	return errors.Join(errs...)
}

// export builds one request's ZIP and sends the customer the link.
func (s *Service) export(ctx context.Context, r *Request) error {
	var c *conversation.Contact
	e := &Export{RequestID: r.ID, ContactID: r.ContactID}
	gone := false
	err := s.st.Update(ctx, func(tx Tx) error {
		cur, err := tx.Request(r.ID)
		if err != nil || cur.Status != StatusOpen {
			return err // someone else took it
		}
		if c, err = tx.Contact(r.ContactID); errors.Is(err, conversation.ErrNotFound) {
			gone = true
			return s.move(tx, cur, StatusClosed, "closed: the customer no longer exists", system)
		} else if err != nil {
			return err
		}
		convs, err := tx.ContactConversations(c.ID)
		if err != nil {
			return err
		}
		if len(convs) == 0 {
			gone = true // no conversation to send the link in
			return s.move(tx, cur, StatusAwaitingApproval, "no WhatsApp conversation to send the link in: the DPO must answer another way", system)
		}
		if err := s.move(tx, cur, StatusInProgress, "", system); err != nil {
			return err
		}
		e.ExpiresAt = tx.Time().Add(s.cfg.LinkTTL)
		return tx.CreateExport(e)
	})
	if err != nil || gone || e.ID == "" {
		return err
	}
	sum, err := s.Build(ctx, e, c)
	if err != nil {
		s.failExport(ctx, r.ID, e.ID, err)
		return err
	}
	token, hash, err := newToken(s.cfg.LinkKey)
	if err != nil {
		s.failExport(ctx, r.ID, e.ID, err)
		return err
	}
	e.TokenHash = hash
	link := strings.TrimRight(s.cfg.BaseURL(), "/") + DownloadPath + token
	err = s.st.Update(ctx, func(tx Tx) error {
		cur, err := tx.Request(r.ID)
		if err != nil {
			return err
		}
		if err := tx.FinishExport(e); err != nil {
			return err
		}
		lang := c.Language
		if convs, err := tx.ContactConversations(c.ID); err == nil && len(convs) > 0 && convs[len(convs)-1].Language != "" {
			lang = convs[len(convs)-1].Language // what they last wrote in
		}
		exp := formatDue(e.ExpiresAt)
		text := say(lang, msgReady, sum.Conversations, sum.Messages, sum.Consent, sum.Requests, exp, link)
		// The conversation keeps the summary without the link: the token
		// is stored nowhere but in the outbox until it is sent.
		kept := say(lang, msgReady, sum.Conversations, sum.Messages, sum.Consent, sum.Requests, exp, "[download link]")
		if err := s.send(tx, c, conversation.Outbound{To: c.WaID, Text: text}, kept); err != nil {
			return err
		}
		return s.move(tx, cur, StatusCompleted, fmt.Sprintf("export sent over WhatsApp (%d bytes, %d messages); link expires %s", e.Size, sum.Messages, exp), system)
	})
	if err != nil {
		s.failExport(ctx, r.ID, e.ID, err)
	}
	return err
}

// failExport shreds a half-built export and puts the request back to open,
// so the next round tries again.
func (s *Service) failExport(ctx context.Context, requestID, exportID string, cause error) {
	err := s.st.Update(ctx, func(tx Tx) error {
		if err := tx.DeleteExport(exportID); err != nil {
			return err
		}
		cur, err := tx.Request(requestID)
		if err != nil || cur.Status != StatusInProgress {
			return err
		}
		return s.move(tx, cur, StatusOpen, "export failed; retrying", system)
	})
	s.log.Error("rights: export failed", "request", requestID, "error", cause, "cleanup_error", err)
}

// erase carries out an open erasure request through the store's erasure.
func (s *Service) erase(ctx context.Context, r *Request) error {
	return s.st.Update(ctx, func(tx Tx) error {
		cur, err := tx.Request(r.ID)
		if err != nil || cur.Status != StatusOpen {
			return err
		}
		c, err := tx.Contact(r.ContactID)
		if errors.Is(err, conversation.ErrNotFound) {
			return s.move(tx, cur, StatusClosed, "closed: the customer no longer exists", system)
		}
		if err != nil {
			return err
		}
		convs, err := tx.ContactConversations(c.ID)
		if err != nil {
			return err
		}
		if err := s.erasing(tx, c, system); err != nil {
			return err
		}
		if err := tx.AppendAudit(system.event("contact.erase", "contact:"+c.ID, audit.Success, "data-subject request "+r.ID)); err != nil {
			return err
		}
		to, lang := c.WaID, c.Language
		if err := tx.EraseContact(c.ID); err != nil {
			return err
		}
		if len(convs) == 0 {
			return nil
		}
		p := s.pack(c.Region)
		p.BlockBeforeDelete = false
		text, err := p.Text(lang, policy.ErasureDone, policy.Vars{})
		if err != nil {
			return err
		}
		// Queued under a one-shot key of its own ("erased:<id>", destroyed once
		// sent): the customer's key is gone.
		return tx.Enqueue(&conversation.OutboxItem{ContactID: "erased:" + c.ID, PhoneNumberID: convs[len(convs)-1].PhoneNumberID, Kind: "message",
			Payload: mustJSON(conversation.Outbound{To: to, Text: text})})
	})
}

// expire shreds exports whose link expired unused, and closes the
// requests (and shreds the exports) of customers erased by another path
// (the API, retention, the command line).
func (s *Service) expire(ctx context.Context) error {
	return s.st.Update(ctx, func(tx Tx) error {
		orphans, err := tx.ErasedOpenRequests(100)
		if err != nil {
			return err
		}
		for _, r := range orphans {
			if err := s.move(tx, r, StatusClosed, "closed: the customer was erased", system); err != nil {
				return err
			}
		}
		if _, err := tx.DeleteErasedExports(); err != nil {
			return err
		}
		list, err := tx.ExportsExpiringBefore(tx.Time(), 100)
		if err != nil {
			return err
		}
		for _, e := range list {
			if err := tx.DeleteExport(e.ID); err != nil {
				return err
			}
			if e.State == "fetched" {
				continue // shredded at its download
			}
			if err := tx.AppendAudit(system.event("dsar.export_expired", "dsar:"+e.RequestID, audit.Success, "export shredded at expiry")); err != nil {
				return err
			}
		}
		return nil
	})
}

// DownloadPath is where download links live under the public URL; the
// token follows.
const DownloadPath = "/dsar/download/"

// Tokens: 16 random bytes and the first 16 bytes of their HMAC, in
// base64url. The signature lets a guessed or tampered token be refused
// without a look-up; the store keeps only SHA-256(token).
const tokenRand, tokenMAC = 16, 16

func newToken(key []byte) (token string, hash []byte, err error) {
	b := make([]byte, tokenRand, tokenRand+tokenMAC)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	b = append(b, tokenSig(key, b)...)
	token = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:], nil
}

func tokenSig(key, r []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("dsar-link/v1\x00"))
	m.Write(r)
	return m.Sum(nil)[:tokenMAC]
}

// checkToken reports whether token is well formed and signed by key, and
// returns its hash.
func checkToken(key []byte, token string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenRand+tokenMAC || base64.RawURLEncoding.EncodeToString(b) != token {
		return nil, false
	}
	if !hmac.Equal(b[tokenRand:], tokenSig(key, b[:tokenRand])) {
		return nil, false
	}
	h := sha256.Sum256([]byte(token))
	return h[:], true
}

// Download is an export claimed by its link, ready to stream once.
type Download struct {
	Filename string
	Size     int64
	s        *Service
	e        *Export
}

// OpenDownload checks a link's token and claims its export: after this
// call the link never works again. Every refusal (malformed, tampered,
// guessed, unknown, used, expired) is ErrLink, the same for all, and is
// audited with the precise reason; ErrRateLimited past the per-source
// limit. The caller streams the file with WriteTo.
func (s *Service) OpenDownload(ctx context.Context, a Actor, token string) (*Download, error) {
	if !s.allow(a.SourceIP) {
		s.refuseLink(ctx, a, "", "rate limited")
		return nil, ErrRateLimited
	}
	hash, ok := checkToken(s.cfg.LinkKey, token)
	if !ok {
		s.refuseLink(ctx, a, "", "malformed or bad signature")
		return nil, ErrLink
	}
	var e *Export
	why := ""
	err := s.st.Update(ctx, func(tx Tx) error {
		var err error
		e, err = tx.ExportByTokenHash(hash)
		switch {
		case errors.Is(err, conversation.ErrNotFound):
			why = "unknown token"
			return nil
		case err != nil:
			return err
		case e.State != "ready":
			why = "already used"
			return nil
		case !tx.Time().Before(e.ExpiresAt):
			why = "expired"
			if err := tx.DeleteExport(e.ID); err != nil {
				return err
			}
			return tx.AppendAudit(system.event("dsar.export_expired", "dsar:"+e.RequestID, audit.Success, "export shredded at expiry"))
		}
		won, err := tx.ClaimExport(e.ID)
		if err != nil {
			return err
		}
		if !won {
			why = "already used"
			return nil
		}
		c, err := tx.Contact(e.ContactID)
		if err != nil {
			return err
		}
		// The downloader is whoever holds the customer's link.
		holder := Actor{Type: audit.ActorCustomer, ID: s.st.Pseudonym(c.WaID), RequestID: a.RequestID, SourceIP: a.SourceIP}
		return tx.AppendAudit(holder.event("dsar.export_downloaded", "dsar:"+e.RequestID, audit.Success, fmt.Sprintf("%d bytes", e.Size)))
	})
	if err != nil {
		return nil, err
	}
	if why != "" {
		target := ""
		if e != nil {
			target = "dsar:" + e.RequestID
		}
		s.refuseLink(ctx, a, target, why)
		return nil, ErrLink
	}
	return &Download{Filename: "my-data-" + e.CreatedAt.UTC().Format("20060102") + ".zip", Size: e.Size, s: s, e: e}, nil
}

func (s *Service) refuseLink(ctx context.Context, a Actor, target, why string) {
	if target == "" {
		target = "dsar:link"
	}
	a.Type, a.ID = audit.ActorAnonymous, ""
	err := s.st.Update(ctx, func(tx Tx) error {
		return tx.AppendAudit(a.event("dsar.download_refused", target, audit.Denied, why))
	})
	if err != nil {
		s.log.Error("rights: audit of a refused download failed", "error", err)
	}
}

// WriteTo streams the ZIP chunk by chunk, then shreds the export whether
// or not the copy finished (the link was single-use).
func (d *Download) WriteTo(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	var werr error
	for seq := 0; seq < d.e.Chunks && werr == nil; seq++ {
		var data []byte
		werr = d.s.st.View(ctx, func(tx Tx) error {
			var err error
			data, err = tx.ExportChunk(d.e, seq)
			return err
		})
		if werr == nil {
			var k int
			k, werr = w.Write(data)
			n += int64(k)
		}
	}
	derr := d.s.st.Update(context.WithoutCancel(ctx), func(tx Tx) error { return tx.DeleteExport(d.e.ID) })
	return n, errors.Join(werr, derr)
}

// window counts one source's download attempts in the current minute.
type window struct {
	start time.Time
	n     int
}

func (s *Service) allow(source string) bool {
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	now := s.now()
	if len(s.limits) > 10000 {
		for k, w := range s.limits {
			if now.Sub(w.start) > time.Minute {
				delete(s.limits, k)
			}
		}
	}
	w := s.limits[source]
	if w == nil || now.Sub(w.start) > time.Minute {
		w = &window{start: now}
		s.limits[source] = w
	}
	w.n++
	return w.n <= s.cfg.DownloadsPerMinute
}
