package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trement/trement/internal/store"
)

// openBlocked shows a blocked customer's data (Spain's LOPDGDD Art. 32,
// Mexico's blocking) to the DPO answering a court or authority: the
// request names the customer by number and states the authority's
// request as the reason; the store audits it before opening anything and
// refuses if that audit cannot be written.
func (s *Server) openBlocked(w http.ResponseWriter, r *http.Request) {
	var body openBlockedBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	reason := strings.TrimSpace(body.Reason)
	if utf8.RuneCountInString(reason) < MinRevealReason {
		s.apiError(w, r, fmt.Errorf("%w: state the court's or authority's request (at least %d characters)", ErrInvalid, MinRevealReason))
		return
	}
	waID := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, body.Number)
	ctx := r.Context()
	p, ri := PrincipalFrom(ctx), RequestInfo(ctx)
	type msgJSON struct {
		ID        string    `json:"id"`
		Direction string    `json:"direction"`
		Author    string    `json:"author"`
		Body      string    `json:"body"`
		CreatedAt time.Time `json:"created_at"`
	}
	var out struct {
		ContactID string    `json:"contact_id"`
		Number    string    `json:"number"`
		Region    string    `json:"region"`
		Language  string    `json:"language"`
		Messages  []msgJSON `json:"messages"`
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		id, err := tx.BlockedID(s.db.WaIndex(waID))
		if err != nil {
			return err
		}
		c, msgs, err := tx.OpenBlocked(id, store.BlockedAccess{ActorType: p.ActorType(), ActorID: p.ActorID(), Reason: reason, RequestID: ri.RequestID, SourceIP: ri.SourceIP})
		if err != nil {
			return err
		}
		out.ContactID, out.Number, out.Region, out.Language = c.ID, c.WaID, c.Region, c.Language
		out.Messages = []msgJSON{}
		for _, m := range msgs {
			out.Messages = append(out.Messages, msgJSON{ID: m.ID, Direction: string(m.Direction), Author: m.Author, Body: m.Body, CreatedAt: m.CreatedAt})
		}
		return nil
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// openBlockedBody is the JSON body openBlocked reads.
type openBlockedBody struct {
	Number string `json:"number"`
	Reason string `json:"reason"`
}
