package console

import (
	"net/http"
	"strconv"
	"time"
)

// apiAlerts lists the anomaly alerts raised in the last days (default 7).
func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request) {
	days := 7
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 366 {
			writeError(w, http.StatusBadRequest, "days must be a number from 1 to 366")
			return
		}
		days = n
	}
	list, err := s.db.Alerts(r.Context(), s.now().Add(-time.Duration(days)*24*time.Hour), 500)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": list})
}
