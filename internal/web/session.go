package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/i18n"
	"github.com/reunite-ftr/reunite/internal/ratelimit"
)

// request is one page request: who asks, in which language.
type request struct {
	w   http.ResponseWriter
	r   *http.Request
	loc *i18n.Localizer
	// ws is the signed-in session; nil on the sign-in pages.
	ws    *app.WebSession
	token string
}

func (rq *request) principal() access.Principal { return rq.ws.Principal }

func (rq *request) can(p access.Permission) bool { return rq.ws != nil && rq.ws.Principal.Can(p) }

const (
	langCookie = "reunite_lang"
	preCookie  = "reunite_pre" // the sign-in form's CSRF token, before any session
)

func (s *Server) sessionCookie() string {
	if s.opts.SecureCookies {
		return "__Host-reunite_session"
	}
	return "reunite_session"
}

// language is the one the user chose (cookie), else the browser's.
func (s *Server) language(r *http.Request) i18n.Lang {
	if c, err := r.Cookie(langCookie); err == nil && i18n.Lang(c.Value).Valid() {
		return i18n.Lang(c.Value)
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sameOrigin rejects a cross-site form post by its Origin (or, lacking
// one, Referer) header: defence in depth behind the CSRF token.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return true // not sent by every client; the token still guards
	}
	u, err := url.Parse(src)
	return err == nil && u.Host == r.Host
}

func validToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// page registers a handler for signed-in users with a completed sign-in.
// POSTs must carry the session's CSRF token.
func (s *Server) page(pattern string, h func(*request) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rq := &request{w: w, r: r, loc: s.i18n.For(s.language(r))}
		w.Header().Set("Cache-Control", "no-store") // pages hold personal data
		c, err := r.Cookie(s.sessionCookie())
		if err != nil {
			s.toSignIn(w, r)
			return
		}
		ws, err := s.app.Session(r.Context(), c.Value)
		if errors.Is(err, app.ErrUnauthenticated) {
			s.clearCookie(w, s.sessionCookie())
			s.toSignIn(w, r)
			return
		}
		if err != nil {
			s.fail(rq, err)
			return
		}
		rq.ws, rq.token = &ws, c.Value
		if ok, wait := ratelimit.Check(s.opts.Limits.User, ws.User.ID); !ok {
			s.tooMany(rq, wait)
			return
		}
		if ws.Session.MFAPending {
			// Only the second-factor pages are open to a pending session.
			target := "/signin/totp"
			if ws.Org.RequireTOTP && !ws.Enrolled {
				target = "/account/totp"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes(r))
			if !sameOrigin(r) || !validToken(r.FormValue("csrf"), ws.Session.CSRF) {
				s.log.Warn("csrf refused", "path", r.URL.Path, "user", ws.User.ID)
				s.app.AuditRefusal(r.Context(), ws.Principal, "web.csrf", r.Method+" "+r.URL.Path)
				s.errorPage(rq, http.StatusForbidden, "error.csrf")
				return
			}
		}
		if err := h(rq); err != nil {
			s.fail(rq, err)
		}
	})
}

// maxFormBytes bounds a form: uploads may be large lists, anything else
// is small.
func maxFormBytes(r *http.Request) int64 {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return 64 << 20
	}
	return 1 << 20
}

func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := ""
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		next = "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, "/signin"+next, http.StatusSeeOther)
}

// localPath returns next if it is a path on this site, else "/": a
// sign-in must never redirect to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type signInForm struct {
	Email, Next, Error string
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, loc: s.i18n.For(s.language(r))}
	w.Header().Set("Cache-Control", "no-store")
	pre := randomToken()
	s.setCookie(w, preCookie, pre, time.Hour)
	s.render(rq, http.StatusOK, "signin", "signin.title", pre, signInForm{Next: r.URL.Query().Get("next")})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, loc: s.i18n.For(s.language(r))}
	w.Header().Set("Cache-Control", "no-store")
	if ok, wait := ratelimit.Check(s.opts.Limits.SignIn, ratelimit.ClientIP(r)); !ok {
		s.tooMany(rq, wait)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	pre, err := r.Cookie(preCookie)
	if err != nil || !sameOrigin(r) || !validToken(r.FormValue("csrf"), pre.Value) {
		s.errorPage(rq, http.StatusForbidden, "error.csrf")
		return
	}
	form := signInForm{Email: strings.TrimSpace(r.FormValue("email")), Next: r.FormValue("next")}
	in, err := s.app.SignInWithPassword(r.Context(), form.Email, r.FormValue("password"), clientOf(r))
	switch {
	case errors.Is(err, app.ErrBadCredentials):
		form.Error = "signin.bad"
	case errors.Is(err, app.ErrLocked):
		form.Error = "signin.locked"
	case err != nil:
		s.fail(rq, err)
		return
	}
	if form.Error != "" {
		newPre := randomToken()
		s.setCookie(w, preCookie, newPre, time.Hour)
		s.render(rq, http.StatusUnauthorized, "signin", "signin.title", newPre, form)
		return
	}
	s.clearCookie(w, preCookie)
	s.setCookie(w, s.sessionCookie(), in.Token, app.SessionMax)
	switch {
	case in.Enrol:
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
	case in.Pending:
		http.Redirect(w, r, "/signin/totp?next="+url.QueryEscape(localPath(form.Next)), http.StatusSeeOther)
	default:
		http.Redirect(w, r, localPath(form.Next), http.StatusSeeOther)
	}
}

// pending returns the session of a browser that is signing in, pending
// or not.
func (s *Server) pending(w http.ResponseWriter, r *http.Request) (*request, bool) {
	rq := &request{w: w, r: r, loc: s.i18n.For(s.language(r))}
	w.Header().Set("Cache-Control", "no-store")
	c, err := r.Cookie(s.sessionCookie())
	if err != nil {
		s.toSignIn(w, r)
		return nil, false
	}
	ws, err := s.app.Session(r.Context(), c.Value)
	if err != nil {
		s.clearCookie(w, s.sessionCookie())
		s.toSignIn(w, r)
		return nil, false
	}
	rq.ws, rq.token = &ws, c.Value
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if !sameOrigin(r) || !validToken(r.FormValue("csrf"), ws.Session.CSRF) {
			s.errorPage(rq, http.StatusForbidden, "error.csrf")
			return nil, false
		}
	}
	return rq, true
}

type totpForm struct {
	Next, Error string
	// enrolment
	Secret, URL string
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.pending(w, r)
	if !ok {
		return
	}
	if !rq.ws.Session.MFAPending {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(rq, http.StatusOK, "totp", "totp.title", rq.ws.Session.CSRF, totpForm{Next: r.URL.Query().Get("next")})
}

func (s *Server) presentTOTP(w http.ResponseWriter, r *http.Request) {
	if ok, wait := ratelimit.Check(s.opts.Limits.SignIn, ratelimit.ClientIP(r)); !ok {
		s.tooMany(&request{w: w, r: r, loc: s.i18n.For(s.language(r))}, wait)
		return
	}
	rq, ok := s.pending(w, r)
	if !ok {
		return
	}
	in, err := s.app.PresentTOTP(r.Context(), rq.token, strings.TrimSpace(r.FormValue("code")), clientOf(r))
	switch {
	case errors.Is(err, app.ErrBadCode), errors.Is(err, app.ErrLocked), errors.Is(err, app.ErrUnauthenticated):
		// A wrong code ends the pending session: the password is asked
		// again, so that codes cannot be guessed on one password.
		s.clearCookie(w, s.sessionCookie())
		key := "signin.badcode"
		if errors.Is(err, app.ErrLocked) {
			key = "signin.locked"
		}
		pre := randomToken()
		s.setCookie(w, preCookie, pre, time.Hour)
		s.render(rq, http.StatusUnauthorized, "signin", "signin.title", pre, signInForm{Error: key, Next: r.FormValue("next")})
		return
	case err != nil:
		s.fail(rq, err)
		return
	}
	s.setCookie(w, s.sessionCookie(), in.Token, app.SessionMax)
	http.Redirect(w, r, localPath(r.FormValue("next")), http.StatusSeeOther)
}

func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.pending(w, r)
	if !ok {
		return
	}
	if rq.ws.Session.MFAPending && rq.ws.Enrolled {
		http.Redirect(w, r, "/signin/totp", http.StatusSeeOther)
		return
	}
	key, err := s.app.NewTOTPKey(rq.ws.User.Email)
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.render(rq, http.StatusOK, "enrol", "enrol.title", rq.ws.Session.CSRF, totpForm{Secret: key.Secret(), URL: key.URL()})
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.pending(w, r)
	if !ok {
		return
	}
	secret := r.FormValue("secret")
	in, err := s.app.EnrolTOTP(r.Context(), rq.token, secret, strings.TrimSpace(r.FormValue("code")), clientOf(r))
	if errors.Is(err, app.ErrBadCode) {
		s.render(rq, http.StatusUnprocessableEntity, "enrol", "enrol.title", rq.ws.Session.CSRF,
			totpForm{Secret: secret, URL: "otpauth://totp/reunite:" + url.PathEscape(rq.ws.User.Email) + "?issuer=reunite&secret=" + url.QueryEscape(secret), Error: "signin.badcode"})
		return
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.setCookie(w, s.sessionCookie(), in.Token, app.SessionMax)
	http.Redirect(w, r, "/?done=totp", http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.pending(w, r)
	if !ok {
		return
	}
	everywhere := r.FormValue("everywhere") != ""
	var err error
	if everywhere {
		_, err = s.app.SignOutEverywhere(r.Context(), rq.ws.Principal)
	} else {
		err = s.app.SignOut(r.Context(), rq.token)
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.clearCookie(w, s.sessionCookie())
	http.Redirect(w, r, "/signin?done=signedout", http.StatusSeeOther)
}

// setLanguage remembers the chosen language and returns to the page.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	l := i18n.Lang(r.PathValue("lang"))
	if l.Valid() {
		s.setCookie(w, langCookie, string(l), 365*24*time.Hour)
	}
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// clientOf names the client in the audit trail.
func clientOf(r *http.Request) string {
	return "web " + r.RemoteAddr
}
