package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// readiness is /readyz's answer: ready only when the database answers and
// every migration is applied; the sender's state is reported but a paused
// sender does not take a replica out of rotation (it must still acknowledge
// webhooks).
type readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	rd := readiness{Ready: true, Checks: map[string]string{}}
	if err := a.db.Ping(ctx); err != nil {
		rd.Ready, rd.Checks["database"] = false, "unreachable"
	} else {
		rd.Checks["database"] = "ok"
		applied, latest, err := a.db.SchemaCurrent(ctx)
		switch {
		case err != nil:
			rd.Ready, rd.Checks["migrations"] = false, "unknown"
		case applied != latest:
			rd.Ready, rd.Checks["migrations"] = false, fmt.Sprintf("at %d, binary expects %d", applied, latest)
		default:
			rd.Checks["migrations"] = fmt.Sprintf("current (%d)", applied)
		}
	}
	rd.Checks["sender"] = "sending"
	if a.svc != nil && a.svc.Stats.Paused.Load() {
		rd.Checks["sender"] = "paused"
	}
	w.Header().Set("Content-Type", "application/json")
	if !rd.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(rd)
}
