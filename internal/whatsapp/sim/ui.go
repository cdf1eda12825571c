package sim

import (
	"embed"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFiles embed.FS

// The page loads only same-origin files: no inline script or style.
const uiCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Simulator) routeUI(mux *http.ServeMux) {
	mux.Handle("GET /sim/{$}", uiHeaders(staticFile("index.html")))
	mux.Handle("GET /sim/app.js", uiHeaders(staticFile("app.js")))
	mux.Handle("GET /sim/app.css", uiHeaders(staticFile("app.css")))
	mux.Handle("GET /{$}", http.RedirectHandler("/sim/", http.StatusFound))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.Handle("GET /sim/api/threads", uiHeaders(http.HandlerFunc(s.apiThreads)))
	mux.Handle("POST /sim/api/send", uiHeaders(jsonOnly(sendMaxBytes, http.HandlerFunc(s.apiSend))))
	mux.Handle("GET /sim/api/events", uiHeaders(http.HandlerFunc(s.apiEvents)))
	mux.Handle("GET /sim/api/sent", uiHeaders(http.HandlerFunc(s.apiSent)))
	mux.Handle("GET /sim/api/faults", uiHeaders(http.HandlerFunc(s.apiFaults)))
	mux.Handle("POST /sim/api/faults", uiHeaders(jsonOnly(64<<10, http.HandlerFunc(s.apiInjectFault))))
	mux.Handle("DELETE /sim/api/faults", uiHeaders(http.HandlerFunc(s.apiClearFaults)))
}

var staticTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// staticFile serves one embedded file with an explicit content type, so
// that a system MIME table mapping .js to text/plain cannot break the page
// under nosniff.
func staticFile(name string) http.Handler {
	body, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	ctype := staticTypes[path.Ext(name)]
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(body)
	})
}

func uiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", uiCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// sendMaxBytes bounds a customer's message posted by the page: a file of
// 16 MiB as base64 in JSON. Other posts are small.
const sendMaxBytes = 22 << 20

// jsonOnly refuses bodies that are not application/json. A cross-site form
// cannot send that content type without a CORS preflight, which is never
// answered, so other sites cannot drive the simulator.
func jsonOnly(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, apiError{Error: "content type must be application/json"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

type apiError struct {
	Error string `json:"error"`
}

type threadsResponse struct {
	Business struct {
		Name          string `json:"name"`
		DisplayNumber string `json:"display_number"`
	} `json:"business"`
	Threads []Thread `json:"threads"`
}

func (s *Simulator) apiThreads(w http.ResponseWriter, _ *http.Request) {
	var resp threadsResponse
	resp.Business.Name = s.cfg.BusinessName
	resp.Business.DisplayNumber = s.cfg.DisplayNumber
	resp.Threads = s.Threads()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Simulator) apiSend(w http.ResponseWriter, r *http.Request) {
	var msg CustomerMessage
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "body must be JSON: {from, name, text | button_reply | list_reply | file, context}"})
		return
	}
	id, err := s.SendFromCustomer(msg)
	switch {
	case errors.Is(err, ErrBadNumber), errors.Is(err, ErrBadMessage), errors.Is(err, ErrNoSuchTap):
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "internal error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Simulator) apiSent(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"sent": s.Sent(), "duplicates": s.Duplicates()})
}

func (s *Simulator) apiFaults(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"pending": s.PendingFaults(), "latency_ms": latency.Milliseconds(), "known": Faults()})
}

// apiInjectFault takes {"fault": "rate_limit", "count": 2} and/or
// {"latency_ms": 300}.
func (s *Simulator) apiInjectFault(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Fault     Fault  `json:"fault"`
		Count     int    `json:"count"`
		LatencyMS *int64 `json:"latency_ms"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: `body must be JSON: {"fault": "...", "count": n, "latency_ms": n}`})
		return
	}
	if req.Fault != "" {
		if req.Count == 0 {
			req.Count = 1
		}
		if err := s.InjectFault(req.Fault, req.Count); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
			return
		}
	}
	if req.LatencyMS != nil {
		s.SetLatency(time.Duration(*req.LatencyMS) * time.Millisecond)
	}
	s.apiFaults(w, r)
}

func (s *Simulator) apiClearFaults(w http.ResponseWriter, r *http.Request) {
	s.ClearFaults()
	s.apiFaults(w, r)
}

// apiEvents streams an "update" event whenever anything changes; the page
// then refetches /sim/api/threads. A comment every 15 s keeps proxies from
// closing the stream.
func (s *Simulator) apiEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	changes, unsubscribe := s.subscribe()
	defer unsubscribe()
	if _, err := w.Write([]byte("retry: 2000\nevent: update\ndata: {}\n\n")); err != nil {
		return
	}
	flusher.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		var msg string
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-changes:
			msg = "event: update\ndata: {}\n\n"
		case <-ping.C:
			msg = ": ping\n\n"
		}
		if _, err := w.Write([]byte(msg)); err != nil {
			return
		}
		flusher.Flush()
	}
}
