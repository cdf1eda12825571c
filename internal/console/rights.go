package console

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/rights"
)

// requestJSON is a data-subject request as the API shows it.
type requestJSON struct {
	ID          string     `json:"id"`
	ContactID   string     `json:"contact_id,omitempty"`
	Type        string     `json:"type"`
	Source      string     `json:"source"`
	Identity    string     `json:"identity"`
	Status      string     `json:"status"`
	Region      string     `json:"region"`
	DueAt       time.Time  `json:"due_at"`
	Overdue     bool       `json:"overdue"`
	DueSoon     bool       `json:"due_soon"`
	Outcome     string     `json:"outcome,omitempty"`
	Detail      string     `json:"detail,omitempty"`
	CreatedBy   string     `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

func (s *Server) toRequestJSON(r *rights.Request) requestJSON {
	now := s.rights.Now()
	return requestJSON{ID: r.ID, ContactID: r.ContactID, Type: string(r.Type), Source: string(r.Source), Identity: string(r.Identity),
		Status: string(r.Status), Region: r.Region, DueAt: r.DueAt, Overdue: r.Overdue(now), DueSoon: r.DueSoon(now, s.rights.DueSoonWindow()),
		Outcome: r.Outcome, Detail: r.Detail, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CompletedAt: timePtr(r.CompletedAt)}
}

// rightsActor is the caller as the rights service audits them.
func rightsActor(r *http.Request) rights.Actor {
	a := actorFrom(r.Context())
	return rights.Actor{Type: a.Principal.ActorType(), ID: a.Principal.ActorID(), RequestID: a.RequestID, SourceIP: a.SourceIP}
}

// withRights answers 503 when the server was built without the rights
// service.
func (s *Server) withRights(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.rights == nil {
			writeError(w, http.StatusServiceUnavailable, "data-subject requests are not available")
			return
		}
		f(w, r)
	}
}

// GET /api/v1/dsar?status=&type=&open=true&contact_id=&limit=
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := rights.Filter{Status: rights.Status(q.Get("status")), Type: rights.Type(q.Get("type")), ContactID: q.Get("contact_id"), OpenOnly: q.Get("open") == "true"}
	if f.Status != "" && !f.Status.Valid() || f.Type != "" && !f.Type.Valid() {
		writeError(w, http.StatusBadRequest, "unknown status or type")
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be 1 to 1000")
			return
		}
		f.Limit = n
	}
	list, counts, err := s.rights.List(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Requests []requestJSON `json:"requests"`
		Open     int           `json:"open"`
		DueSoon  int           `json:"due_soon"`
		Overdue  int           `json:"overdue"`
	}{Requests: []requestJSON{}, Open: counts.Open, DueSoon: counts.DueSoon, Overdue: counts.Overdue}
	for _, rq := range list {
		out.Requests = append(out.Requests, s.toRequestJSON(rq))
	}
	writeJSON(w, http.StatusOK, out)
}

// POST /api/v1/dsar {"phone", "type", "source", "detail"}
func (s *Server) createRequest(w http.ResponseWriter, r *http.Request) {
	var body createRequestBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	a := rightsActor(r)
	src := rights.Source(body.Source)
	if src == "" {
		src = rights.SourceConsole
		if a.Type == audit.ActorToken {
			src = rights.SourceAPI
		}
	}
	rq, err := s.rights.Open(r.Context(), a, rights.NewRequest{Phone: body.Phone, Type: rights.Type(body.Type), Source: src, Detail: body.Detail})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// The same answer whether or not anyone has the number: no contact id.
	out := s.toRequestJSON(rq)
	out.ContactID = ""
	writeJSON(w, http.StatusAccepted, out)
}

// GET /api/v1/dsar/{id}: with the customer's own statement, if any.
func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) {
	rq, err := s.rights.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toRequestJSON(rq))
}

// POST /api/v1/dsar/{id}/approve
func (s *Server) approveRequest(w http.ResponseWriter, r *http.Request) {
	rq, err := s.rights.Approve(r.Context(), rightsActor(r), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toRequestJSON(rq))
}

// POST /api/v1/dsar/{id}/status {"status", "outcome"}
func (s *Server) moveRequest(w http.ResponseWriter, r *http.Request) {
	var body moveRequestBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	rq, err := s.rights.Move(r.Context(), rightsActor(r), r.PathValue("id"), rights.Status(body.Status), body.Outcome)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toRequestJSON(rq))
}

// PATCH /api/v1/contacts/{id} {"language", "profile_name", "reason"}
func (s *Server) correctContact(w http.ResponseWriter, r *http.Request) {
	var body correctContactBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	fields, err := s.rights.CorrectContact(r.Context(), rightsActor(r), r.PathValue("id"),
		rights.ContactUpdate{Language: body.Language, ProfileName: body.ProfileName, Reason: body.Reason})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if fields == nil {
		fields = []string{}
	}
	writeJSON(w, http.StatusOK, map[string][]string{"changed": fields})
}

// GET /dsar/download/{token}: the customer's ZIP, once. Every refusal is
// the same 404 text, whatever the reason.
func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request) {
	ri := RequestInfo(r.Context())
	d, err := s.rights.OpenDownload(r.Context(), rights.Actor{RequestID: ri.RequestID, SourceIP: ri.SourceIP}, r.PathValue("token"))
	if err != nil {
		status, msg := errorStatus(err)
		if !errors.Is(err, rights.ErrLink) && !errors.Is(err, rights.ErrRateLimited) {
			s.log.Error("download failed", "error", err)
		}
		http.Error(w, msg, status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+d.Filename+`"`)
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	h.Set("Referrer-Policy", "no-referrer")
	if _, err := d.WriteTo(r.Context(), w); err != nil {
		s.log.Warn("download interrupted", "error", err)
	}
}

// createRequestBody is the JSON body createRequest reads.
type createRequestBody struct {
	Phone  string `json:"phone"`
	Type   string `json:"type"`
	Source string `json:"source"`
	Detail string `json:"detail"`
}

// moveRequestBody is the JSON body moveRequest reads.
type moveRequestBody struct {
	Status  string `json:"status"`
	Outcome string `json:"outcome"`
}

// correctContactBody is the JSON body correctContact reads.
type correctContactBody struct {
	Language    *string `json:"language"`
	ProfileName *string `json:"profile_name"`
	Reason      string  `json:"reason"`
}
