// Package api serves reunite's JSON API under /api/v1.
//
// Every handler is thin: it decodes the request, calls one use case of
// package app (which checks access and audits), and encodes the answer.
// Errors are RFC 9457 problem+json naming each offending field.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/ratelimit"
)

// Server is the API's HTTP handler.
type Server struct {
	app *app.App
	log *slog.Logger
	mux *http.ServeMux
	// limits throttle clients by address and users by id (none by
	// default; serve sets them).
	limits ratelimit.Limits
	// routes are the patterns of the authenticated endpoints.
	routes []string
}

// Routes lists the patterns ("METHOD /path/{id}") of every authenticated
// endpoint, so that tests can go through all of them.
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// SetLimits sets the rate limits: every request by the client's address,
// and every authenticated request by its user.
func (s *Server) SetLimits(l ratelimit.Limits) { s.limits = l }

// tooMany answers 429 with a Retry-After header.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	ratelimit.SetRetryAfter(w, wait)
	writeProblem(w, problem(http.StatusTooManyRequests, "too many requests: slow down and retry after the time given in Retry-After"))
}

// New returns the API handler, /healthz included.
func New(a *app.App, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{app: a, log: log, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	// Public, without sign-in: counts only, small ones suppressed.
	s.mux.HandleFunc("GET /api/v1/public/statistics", s.publicStatistics)

	s.handle("GET /api/v1/me", s.me)
	s.handle("GET /api/v1/organisations", s.listOrgs)
	s.handle("POST /api/v1/organisations", s.createOrg)
	s.handle("GET /api/v1/organisations/{id}", s.getOrg)
	s.handle("PUT /api/v1/organisations/{id}", s.updateOrg)
	s.handle("GET /api/v1/users", s.listUsers)
	s.handle("POST /api/v1/users", s.createUser)
	s.handle("GET /api/v1/users/{id}", s.getUser)
	s.handle("PUT /api/v1/users/{id}", s.updateUser)
	s.handle("GET /api/v1/audit", s.listAudit)
	s.handle("GET /api/v1/review-queue", s.reviewQueue)
	s.handle("GET /api/v1/candidates/{id}", s.getCandidate)
	s.handle("POST /api/v1/candidates/{id}/confirm", s.decideCandidate(true))
	s.handle("POST /api/v1/candidates/{id}/reject", s.decideCandidate(false))
	s.routeExchange()
	s.routeLedger()
	s.routeMeetings()
	for path, kind := range recordPaths {
		rh := recordHandlers{s: s, kind: kind}
		s.handle("GET /api/v1/"+path, rh.list)
		s.handle("POST /api/v1/"+path, rh.create)
		s.handle("GET /api/v1/"+path+"/{id}", rh.get)
		s.handle("PUT /api/v1/"+path+"/{id}", rh.update)
		s.handle("DELETE /api/v1/"+path+"/{id}", rh.delete)
		s.handle("POST /api/v1/"+path+"/{id}/erase", rh.erase)
		s.handle("GET /api/v1/"+path+"/{id}/revisions", rh.revisions)
		s.handle("POST /api/v1/"+path+"/import", rh.importCSV)
		s.handle("GET /api/v1/"+path+"/export", rh.exportCSV)
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, problem(http.StatusNotFound, "no such endpoint"))
	})
	return s
}

// handlerFunc is a handler that acts for an authenticated principal and
// returns an error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p access.Principal) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ctx, rs := app.WithReceipts(r.Context())
		r = r.WithContext(ctx)
		w = &receiptWriter{ResponseWriter: w, rs: rs}
		p, err := s.authenticate(r)
		if err == nil && !cleanRequest(r) {
			// A NUL or invalid UTF-8 names nothing that exists, and
			// PostgreSQL refuses such text outright: refuse it here.
			err = problem(http.StatusBadRequest, "the path or query holds a NUL byte or invalid UTF-8")
		}
		if err == nil {
			if ok, wait := ratelimit.Check(s.limits.User, p.ID); !ok {
				tooMany(w, wait)
				return
			}
			err = h(w, r, p)
			if errors.Is(err, app.ErrForbidden) {
				// Refusals for want of a role or scope are audited here,
				// in one place; refusals of a record, list or case the
				// principal's organisation may not reach are audited by
				// the application, which knows what was asked for.
				s.app.AuditRefusal(r.Context(), p, "api.forbidden", r.Method+" "+r.URL.Path)
			}
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// cleanRequest reports whether the request's path and query are valid
// UTF-8 text without NUL bytes.
func cleanRequest(r *http.Request) bool {
	clean := func(v string) bool { return utf8.ValidString(v) && !strings.ContainsRune(v, 0) }
	if !clean(r.URL.Path) {
		return false
	}
	for k, vs := range r.URL.Query() {
		if !clean(k) {
			return false
		}
		for _, v := range vs {
			if !clean(v) {
				return false
			}
		}
	}
	return true
}

func (s *Server) authenticate(r *http.Request) (access.Principal, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return access.Principal{}, app.ErrUnauthenticated
	}
	return s.app.Authenticate(r.Context(), strings.TrimSpace(token))
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p, known := problemOf(err)
	if !known {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="reunite"`)
	}
	writeProblem(w, p)
}

// ServeHTTP adds the headers every API answer carries and recovers panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store") // answers hold personal data
	h.Set("Referrer-Policy", "no-referrer")
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeProblem(w, problem(http.StatusInternalServerError, "internal error"))
		}
	}()
	if ok, wait := ratelimit.Check(s.limits.IP, ratelimit.ClientIP(r)); !ok {
		tooMany(w, wait)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) publicStatistics(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.PublicStatistics(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.app.Store().Ping(ctx); err != nil {
		s.log.Error("health check", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(s.app.Store().Dialect())})
}
