package main

import (
	"net/http"
)

// routes assembles the HTTP surface.
func (a *app) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	wh := a.webhook()
	mux.Handle("GET /webhook", wh)
	mux.Handle("POST /webhook", wh)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.db.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return mux, nil
}
