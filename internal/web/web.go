// Package web serves reunite's pages for case workers, reviewers, analysts
// and officials: server-rendered HTML in English, Ukrainian and Russian,
// from the same binary as the API. Every page calls the same use cases of
// package app as the API does, so access checks and audit are the same
// whichever way a user comes in.
//
// Core flows work without JavaScript: every action is an HTML form. The
// one script (static/app.js) only adds keyboard shortcuts and live import
// progress.
package web

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/i18n"
	"github.com/reunite-ftr/reunite/internal/ratelimit"
)

//go:embed templates static
var assets embed.FS

// Options configure the pages.
type Options struct {
	// SecureCookies marks the session cookie Secure and gives it the
	// __Host- prefix. Set it whenever the pages are served over HTTPS
	// (directly or behind a proxy); plain HTTP on loopback (the demo)
	// cannot use it.
	SecureCookies bool
	// Limits throttle clients by address, signed-in users by id, and
	// sign-in attempts by address. No limit where nil.
	Limits ratelimit.Limits
}

// Server is the pages' HTTP handler.
type Server struct {
	app   *app.App
	log   *slog.Logger
	opts  Options
	i18n  *i18n.Bundle
	pages map[string]*template.Template
	mux   *http.ServeMux
	// imports are uploads waiting for their columns to be mapped, or
	// running (import.go).
	importsMu sync.Mutex
	imports   map[string]*upload
}

// New returns the pages' handler.
func New(a *app.App, log *slog.Logger, opts Options) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	b, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	s := &Server{app: a, log: log, opts: opts, i18n: b, mux: http.NewServeMux(), imports: map[string]*upload{}}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(assets, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	s.routes()
	return s, nil
}

// ServeHTTP adds the headers every page carries and recovers panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// A strict policy: scripts, styles and images from this server only
	// (no inline script or style, so an injected tag does nothing), forms
	// post only here, and no other site may frame the pages.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.opts.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	if ok, wait := ratelimit.Check(s.opts.Limits.IP, ratelimit.ClientIP(r)); !ok {
		s.tooMany(&request{w: w, r: r, loc: s.i18n.For(s.language(r))}, wait)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// tooMany answers 429 with a Retry-After header.
func (s *Server) tooMany(rq *request, wait time.Duration) {
	ratelimit.SetRetryAfter(rq.w, wait)
	rq.w.Header().Set("Cache-Control", "no-store")
	s.errorPage(rq, http.StatusTooManyRequests, "error.ratelimit")
}

// errNotFound is shown for what does not exist and for what the user may
// not know exists: the same page, so a refusal reveals nothing.
var errNotFound = errors.New("not found")
