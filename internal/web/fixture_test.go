package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
	"github.com/reunite-ftr/reunite/internal/synth"
	"github.com/reunite-ftr/reunite/internal/web"
)

const password = "correct horse battery staple"

// world is a running web server with two governments and a mediator, each
// with an officer (case worker, reviewer, analyst) and an admin, and
// background synthetic records on both sides (not handed over, so not
// matched across parties) for the engine to learn from.
type world struct {
	t    *testing.T
	app  *app.App
	url  string
	orgs map[string]domain.Organisation
	// skew moves the store's clock forward (nanoseconds).
	skew *atomic.Int64
}

func newWorld(t *testing.T, dsn string, background int, options ...web.Options) *world {
	t.Helper()
	skew := new(atomic.Int64)
	s := storetest.Open(t, dsn, store.Options{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	a := app.New(s, slog.New(slog.DiscardHandler))
	keys, err := seal.Load(seal.NewKey(), "")
	if err != nil {
		t.Fatal(err)
	}
	a.SetKeyring(keys)
	w := &world{t: t, app: a, orgs: map[string]domain.Organisation{}, skew: skew}
	ctx := context.Background()
	root := access.Operator("test", domain.Organisation{})
	for _, o := range []domain.Organisation{
		{Slug: "ua", Name: "Ukraine NIB (test)", Kind: domain.OrgGovernment, Country: "UA"},
		{Slug: "ru", Name: "Russia CRO (test)", Kind: domain.OrgGovernment, Country: "RU"},
		{Slug: "med", Name: "Mediator (test)", Kind: domain.OrgMediator},
	} {
		org, err := a.CreateOrg(ctx, root, o)
		if err != nil {
			t.Fatal(err)
		}
		w.orgs[o.Slug] = org
		op := access.Operator("test", org)
		for _, u := range []domain.User{
			{Email: "officer@" + o.Slug + ".test", Roles: []domain.Role{domain.RoleCaseworker, domain.RoleReviewer, domain.RoleAnalyst}},
			{Email: "admin@" + o.Slug + ".test", Roles: []domain.Role{domain.RoleAdmin}},
		} {
			if _, err := a.CreateUser(ctx, op, u, password); err != nil {
				t.Fatal(err)
			}
		}
	}
	if background > 0 {
		var reqs, kids bytes.Buffer
		rw, cw := interchange.NewWriter(&reqs), interchange.NewWriter(&kids)
		err := synth.Generate(ctx, synth.Config{N: background, Seed: 3}, synth.SinkFuncs{RequestFunc: rw.Write, ChildFunc: cw.Write})
		if err != nil {
			t.Fatal(err)
		}
		rw.Flush()
		cw.Flush()
		for _, load := range []struct {
			org  string
			kind domain.Kind
			data *bytes.Buffer
		}{{"ua", domain.KindRequest, &reqs}, {"ru", domain.KindChild, &kids}} {
			if _, err := a.Import(ctx, access.Operator("test", w.orgs[load.org]), load.kind, load.data, app.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.StartMatching(ctx); err != nil {
		t.Fatal(err)
	}
	var opts web.Options
	if len(options) > 0 {
		opts = options[0]
	}
	h, err := web.New(a, slog.New(slog.DiscardHandler), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

// client is a browser without JavaScript: cookies, forms, redirects.
type client struct {
	t    *testing.T
	w    *world
	http *http.Client
	// last is the body of the last page, whose CSRF token the next form
	// post carries.
	last string
}

func (w *world) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: w.t, w: w, http: &http.Client{Jar: jar}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

func (c *client) csrf() string {
	m := csrfField.FindStringSubmatch(c.last)
	if m == nil {
		c.t.Fatalf("no CSRF token on the last page:\n%.400s", c.last)
	}
	return m[1]
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.w.url + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = string(b)
	return resp.StatusCode, c.last
}

// post submits a form with the last page's CSRF token (unless form sets
// one) and follows the redirect.
func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf())
	}
	req, _ := http.NewRequest(http.MethodPost, c.w.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.w.url)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = string(b)
	return resp.StatusCode, c.last
}

func (c *client) signIn(email, pw string) (int, string) {
	c.t.Helper()
	c.get("/signin")
	return c.post("/signin", url.Values{"email": {email}, "password": {pw}})
}

func (c *client) mustSignIn(email string) {
	c.t.Helper()
	if code, body := c.signIn(email, password); code != http.StatusOK || !strings.Contains(body, `action="/signout"`) {
		c.t.Fatalf("sign-in as %s: %d\n%.600s", email, code, body)
	}
}
