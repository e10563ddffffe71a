package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// FuzzAPIBodies posts arbitrary bodies to every endpoint that reads one
// (every JSON decoder of the API, the CSV imports and the attachments),
// through the whole handler with a valid token of a user who may call it:
// never a server error or a panic (the handler turns a panic into a 500),
// and a refused body changes nothing in the database.
func FuzzAPIBodies(f *testing.F) {
	var routes []string
	for r := range bodies {
		if takesBody(r) {
			routes = append(routes, r)
		}
	}
	slices.Sort(routes)
	for i, r := range routes {
		f.Add(uint8(i), []byte(bodies[r]("Марія")))
		f.Add(uint8(i), []byte(bodies[r](`' OR 1=1--`)))
	}
	f.Add(uint8(0), []byte(`{"name":"\u0000"}`))
	f.Add(uint8(1), []byte(`[1,2,3]`))
	f.Add(uint8(2), []byte(`{"a":{"b":{"c":{"d":[[[[[[[[]]]]]]]]}}}}`))
	f.Add(uint8(3), []byte("{\"name\":\"\xff\xfe\"}"))
	f.Add(uint8(4), []byte(`{"person":{"names":[{"given":"A","family":"B"}],"birth_date":"2012-13-45"}}`))
	f.Add(uint8(5), []byte(`null`))
	f.Add(uint8(6), []byte("id,given_name\n\"unterminated,x\n"))

	dsn := storetest.SQLiteDSN(f)
	s := storetest.Open(f, dsn, store.Options{})
	a := app.New(s, slog.New(slog.DiscardHandler))
	keys, err := seal.Load(seal.NewKey(), "")
	if err != nil {
		f.Fatal(err)
	}
	a.SetKeyring(keys)
	ctx := context.Background()
	tokens := map[string]string{}
	ids := map[string]string{}
	for _, o := range []domain.Organisation{
		{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment, Country: "UA"},
		{Slug: "med", Name: "Mediator", Kind: domain.OrgMediator},
	} {
		org, err := a.CreateOrg(ctx, access.Operator("test", domain.Organisation{}), o)
		if err != nil {
			f.Fatal(err)
		}
		ids[o.Slug] = org.ID
		u, err := a.CreateUser(ctx, access.Operator("test", org), domain.User{Email: "all@" + o.Slug + ".test", Roles: domain.Roles}, "")
		if err != nil {
			f.Fatal(err)
		}
		ids[o.Slug+"-user"] = u.ID
		if tokens[o.Slug], err = a.CreateToken(ctx, u.Email, "fuzz", nil, time.Hour); err != nil {
			f.Fatal(err)
		}
	}
	rec, err := a.CreateRecord(ctx, access.Operator("test", domain.Organisation{ID: ids["ua"], Kind: domain.OrgGovernment}),
		domain.Record{Kind: domain.KindChild, Person: domain.Person{Names: []domain.Name{{Given: "Іван", Family: "Бойко"}}}})
	if err != nil {
		f.Fatal(err)
	}
	h := api.New(a, slog.New(slog.DiscardHandler))
	count := counter(f, dsn)
	// Path ids: a real one where there is one, else a well-formed unknown id.
	idFor := map[string]string{
		"organisations": ids["ua"], "users": ids["ua-user"], "children": rec.ID, "tracing-requests": rec.ID,
	}

	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		route := routes[int(which)%len(routes)]
		method, path := pathFor(route, "01939d6e-0000-7000-8000-000000000000")
		for prefix, id := range idFor {
			if p := "/api/v1/" + prefix + "/01939d6e-0000-7000-8000-000000000000"; len(path) >= len(p) && path[:len(p)] == p {
				path = "/api/v1/" + prefix + "/" + id + path[len(p):]
			}
		}
		for _, who := range []string{"ua", "med"} {
			before := count(t)
			req := httptest.NewRequest(method, path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tokens[who])
			if method == http.MethodPut {
				req.Header.Set("If-Match", `"1"`)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("%s as %s with %q: %d %s", route, who, body, w.Code, w.Body)
			}
			if w.Code >= 400 {
				if d := diffCounts(before, count(t)); d != "" {
					t.Fatalf("%s as %s with %q: refused with %d but changed %s", route, who, body, w.Code, d)
				}
			}
		}
	})
}
