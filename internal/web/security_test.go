package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/ratelimit"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
	"github.com/reunite-ftr/reunite/internal/web"
)

// TestHeadersCookiesAndFixation: every page answer carries the strict
// headers; pages with personal data are not stored; the session cookie is
// HttpOnly, SameSite and (with SecureCookies) Secure with the __Host-
// prefix; sign-in issues a new session, and a cookie planted before it is
// not accepted.
func TestHeadersCookiesAndFixation(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0, web.Options{SecureCookies: true})
	// Secure cookies on plain HTTP: drive the requests by hand and read
	// the Set-Cookie headers.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, cookies ...*http.Cookie) *http.Response {
		req, _ := http.NewRequest("GET", w.url+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	checkHeaders := func(what string, h http.Header) {
		t.Helper()
		csp := h.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %q", what, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", what, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s: headers %v", what, h)
		}
	}
	signInPage := get("/signin")
	checkHeaders("GET /signin", signInPage.Header)
	var pre *http.Cookie
	for _, c := range signInPage.Cookies() {
		if c.Name == "reunite_pre" {
			pre = c
		}
	}
	if pre == nil || !pre.HttpOnly || !pre.Secure || pre.SameSite != http.SameSiteLaxMode {
		t.Fatalf("pre-sign-in cookie flags: %+v", pre)
	}
	// A session cookie planted by an attacker before sign-in.
	planted := &http.Cookie{Name: "__Host-reunite_session", Value: "attacker-chosen-session-value"}
	if res := get("/records/request", planted); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Fatalf("a planted session cookie reached a page: %d", res.StatusCode)
	}
	// Sign in (with the planted cookie sent along): a new session value.
	form := url.Values{"email": {"officer@ua.test"}, "password": {password}}
	req, _ := http.NewRequest("GET", w.url+"/signin", nil)
	res, _ := noRedirect.Do(req)
	body := new(strings.Builder)
	buf := make([]byte, 64<<10)
	for {
		n, err := res.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	res.Body.Close()
	m := csrfField.FindStringSubmatch(body.String())
	if m == nil {
		t.Fatal("no csrf on the sign-in page")
	}
	form.Set("csrf", m[1])
	req, _ = http.NewRequest("POST", w.url+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.url)
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	req.AddCookie(planted)
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	checkHeaders("POST /signin", res.Header)
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "__Host-reunite_session" {
			session = c
		}
	}
	if session == nil || session.Value == planted.Value || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Domain != "" {
		t.Fatalf("session cookie after sign-in: %+v", session)
	}
	// The new session works on every kind of page, with the headers; the
	// planted one still does not.
	for _, path := range []string{"/", "/records/request", "/records/child", "/review", "/cases", "/import", "/ledger", "/no-such-page", "/records/child/01939d6e-0000-7000-8000-000000000000"} {
		res := get(path, session)
		checkHeaders("GET "+path, res.Header)
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		if res.StatusCode == http.StatusOK && res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, res.Header.Get("Cache-Control"))
		}
	}
	if res := get("/records/request", planted); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the planted cookie works after the victim signed in: %d", res.StatusCode)
	}
}

// TestSignInRateLimit: sign-in attempts from one address beyond the limit
// get 429 with Retry-After, before the password is even checked.
func TestSignInRateLimit(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0, web.Options{Limits: ratelimit.Limits{SignIn: ratelimit.New(ratelimit.Config{Rate: 3, Per: time.Minute, Burst: 3})}})
	c := w.client()
	for i := range 3 {
		if code, _ := c.signIn("nobody@ua.test", "wrong password here"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, code)
		}
	}
	c.get("/signin")
	req, _ := http.NewRequest("POST", w.url+"/signin", strings.NewReader(url.Values{"email": {"officer@ua.test"}, "password": {password}, "csrf": {c.csrf()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("4th attempt: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// The pages themselves are not limited by the sign-in limit.
	if code, _ := c.get("/signin"); code != http.StatusOK {
		t.Fatalf("GET /signin: %d", code)
	}
}
