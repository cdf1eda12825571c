package console

import (
	"net/http"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
)

// auditRow is one audit event as the page shows it: operators by name.
type auditRow struct {
	*audit.Event
	Actor string
}

// pageAudit is the audit log: filtered as the API is (actor, action,
// since, until), newest after the filter's position; reading it is itself
// audited. The page's script runs "verify chain" through the API.
func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	ctx := r.Context()
	if err := s.audit(ctx, audit.ActionAuditRead, "audit", audit.Success, "page query "+clip(r.URL.RawQuery, 256)); err != nil {
		s.pageError(w, err)
		return
	}
	var events []*audit.Event
	if err := s.db.AuditSnapshot(ctx, func(rd audit.Reader) error {
		var err error
		events, err = rd.AuditEvents(f)
		return err
	}); err != nil {
		s.pageError(w, err)
		return
	}
	names := s.operatorNames(r)
	pg := s.basePage(r, "Audit log")
	for _, e := range events {
		actor := e.ActorID
		if n, ok := names[e.ActorID]; ok {
			actor = n
		}
		pg.Audit = append(pg.Audit, auditRow{Event: e, Actor: actor})
	}
	q := r.URL.Query()
	pg.Filter = map[string]string{"actor": q.Get("actor"), "action": q.Get("action"), "since": q.Get("since"), "until": q.Get("until")}
	if len(events) == f.Limit && len(events) > 0 {
		pg.NextAfter = events[len(events)-1].Seq
	}
	if PrincipalFrom(ctx).Can(auth.PermAuditExport) {
		pg.ExportURL = "/api/v1/audit/export?" + r.URL.RawQuery
	}
	s.render(w, http.StatusOK, "audit", pg)
}
