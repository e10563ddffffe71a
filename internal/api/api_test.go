package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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

// world is a running API with two governments and a mediator, and a token
// for each of the users the tests act as.
type world struct {
	t      *testing.T
	url    string
	app    *app.App
	orgs   map[string]domain.Organisation
	tokens map[string]string // "ua-caseworker" → token
}

func newWorld(t *testing.T, dsn string) *world {
	t.Helper()
	return newWorldWith(t, dsn, store.Options{})
}

// newWorldWith is newWorld on a store opened with opts. With a test clock
// (opts.Now) the tokens do not expire, so the clock can be moved on.
func newWorldWith(t *testing.T, dsn string, opts store.Options) *world {
	t.Helper()
	s := storetest.Open(t, dsn, opts)
	quiet := slog.New(slog.DiscardHandler)
	a := app.New(s, quiet)
	// Every cross-party act is recorded in the ledger, whose keys are
	// sealed with the data keys: no keys, no acts.
	keys, err := seal.Load(seal.NewKey(), "")
	if err != nil {
		t.Fatal(err)
	}
	a.SetKeyring(keys)
	w := &world{t: t, app: a, orgs: map[string]domain.Organisation{}, tokens: map[string]string{}}
	ctx := context.Background()
	root := access.Operator("test", domain.Organisation{})
	for _, o := range []domain.Organisation{
		{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment, Country: "UA"},
		{Slug: "ru", Name: "RU", Kind: domain.OrgGovernment, Country: "RU"},
		{Slug: "med", Name: "Mediator", Kind: domain.OrgMediator},
	} {
		org, err := a.CreateOrg(ctx, root, o)
		if err != nil {
			t.Fatal(err)
		}
		w.orgs[o.Slug] = org
		for _, role := range domain.Roles {
			email := fmt.Sprintf("%s@%s.example.org", role, o.Slug)
			if _, err := a.CreateUser(ctx, access.Operator("test", org), domain.User{Email: email, Roles: []domain.Role{role}}, ""); err != nil {
				t.Fatal(err)
			}
			ttl := time.Hour
			if opts.Now != nil {
				ttl = 0
			}
			tok, err := a.CreateToken(ctx, email, "test", nil, ttl)
			if err != nil {
				t.Fatal(err)
			}
			w.tokens[o.Slug+"-"+string(role)] = tok
		}
	}
	srv := httptest.NewServer(api.New(a, quiet))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// problem decodes a problem+json body and checks its content type and status.
func (r response) problem(t *testing.T, status int) api.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p api.Problem
	r.json(t, &p)
	if p.Status != status || p.Title == "" {
		t.Fatalf("problem %+v", p)
	}
	return p
}

func (w *world) do(who, method, path string, body any, header ...string) response {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, w.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, data}
}

func childBody(given, family string) map[string]any {
	return map[string]any{
		"external_id": "C-" + given,
		"person": map[string]any{
			"names":      []map[string]any{{"given": given, "patronymic": "Андрійович", "family": family}},
			"sex":        "male",
			"birth_date": "2011-05-09",
			"last_home":  map[string]any{"settlement": "Бердянськ", "oblast": "Запорізька", "country": "ua"},
			"separation": map[string]any{"date": "2022-09", "category": "displaced_by_frontline_fighting"},
			"relatives":  []map[string]any{{"relation": "mother", "name": "Ірина Коваль"}},
		},
		"sensitive": map[string]any{"current_location": "Placement centre 3", "current_caregiver": "Foster family K."},
	}
}

func (w *world) count(who, path string) int {
	w.t.Helper()
	var out struct{ Items []domain.Record }
	r := w.do(who, "GET", path, nil)
	if r.status != 200 {
		w.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	r.json(w.t, &out)
	return len(out.Items)
}

func TestRecordLifecycle(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		r := w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Олександр", "Коваль"))
		if r.status != 201 || r.header.Get("ETag") != `"1"` || !strings.HasPrefix(r.header.Get("Location"), "/api/v1/children/") {
			t.Fatalf("create: %d %v %s", r.status, r.header, r.body)
		}
		var rec domain.Record
		r.json(t, &rec)
		n := rec.Person.Names[0]
		if n.Given != "Олександр" || n.Script != domain.ScriptCyrillic && n.Script != domain.ScriptUkrainian || rec.Person.LastHome.Country != "UA" || rec.OrgID != w.orgs["ua"].ID {
			t.Fatalf("created record: %+v", rec)
		}

		r = w.do("ua-reviewer", "GET", "/api/v1/children/"+rec.ID, nil)
		var got domain.Record
		r.json(t, &got)
		if r.status != 200 || got.Person.Names[0].Given != "Олександр" || got.Sensitive.CurrentLocation != "Placement centre 3" {
			t.Fatalf("read: %d %s", r.status, r.body)
		}

		// Update from version 1, then a stale update from version 1 again.
		body := childBody("Сашко", "Коваль")
		body["version"] = 1
		r = w.do("ua-caseworker", "PUT", "/api/v1/children/"+rec.ID, body)
		if r.status != 200 || r.header.Get("ETag") != `"2"` {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		body = childBody("Петро", "Коваль")
		r = w.do("ua-caseworker", "PUT", "/api/v1/children/"+rec.ID, body, "If-Match", `"1"`)
		r.problem(t, http.StatusConflict)
		r = w.do("ua-caseworker", "PUT", "/api/v1/children/"+rec.ID, childBody("Петро", "Коваль"))
		if p := r.problem(t, http.StatusPreconditionRequired); p.Errors[0].Field != "version" {
			t.Fatalf("update without a version: %+v", p)
		}

		// Revisions: both versions, with who, when, old and new values.
		var revs struct {
			Items []struct {
				Version int
				Action  string
				Actor   string
				Record  domain.Record
				Changes []domain.Change
			}
		}
		w.do("ua-caseworker", "GET", "/api/v1/children/"+rec.ID+"/revisions", nil).json(t, &revs)
		if len(revs.Items) != 2 || revs.Items[0].Record.Person.Names[0].Given != "Олександр" || revs.Items[1].Record.Person.Names[0].Given != "Сашко" {
			t.Fatalf("revisions: %+v", revs)
		}
		found := false
		for _, c := range revs.Items[1].Changes {
			if c.Field == "person.names[0].given" && c.Old == "Олександр" && c.New == "Сашко" {
				found = true
			}
		}
		if !found || revs.Items[1].Action != "update" || revs.Items[1].Actor == "" {
			t.Fatalf("revision 2 changes: %+v", revs.Items[1])
		}

		// A tracing request is not reachable as a child, and vice versa.
		if r := w.do("ua-caseworker", "GET", "/api/v1/tracing-requests/"+rec.ID, nil); r.status != 404 {
			t.Fatalf("child read as a tracing request: %d", r.status)
		}

		// Delete needs a reason and the current version; then 410.
		w.do("ua-caseworker", "DELETE", "/api/v1/children/"+rec.ID+"?version=2", nil).problem(t, 422)
		if r := w.do("ua-caseworker", "DELETE", "/api/v1/children/"+rec.ID+"?version=2&reason=duplicate", nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		w.do("ua-caseworker", "GET", "/api/v1/children/"+rec.ID, nil).problem(t, http.StatusGone)
		if n := w.count("ua-caseworker", "/api/v1/children"); n != 0 {
			t.Fatalf("deleted record listed: %d", n)
		}
		if n := w.count("ua-caseworker", "/api/v1/children?include_deleted=true"); n != 1 {
			t.Fatalf("tombstone not kept: %d", n)
		}
	})
}

func TestBadInputStoresNothing(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		with := func(edit func(b map[string]any)) []byte {
			b := childBody("Іван", "Бойко")
			edit(b)
			data, _ := json.Marshal(b)
			return data
		}
		person := func(b map[string]any) map[string]any { return b["person"].(map[string]any) }
		for _, c := range []struct {
			name   string
			body   any
			status int
			field  string // an errors[].field the problem must name ("" for none)
		}{
			{"malformed JSON", `{"person": {`, 400, ""},
			{"not an object", `[1,2]`, 400, "(body)"},
			{"two values", `{"person":{"names":[{"given":"Іван"}]}} {}`, 400, ""},
			{"empty", ``, 400, ""},
			{"unknown field", with(func(b map[string]any) { b["owner"] = "ru" }), 400, "owner"},
			{"unknown nested field", with(func(b map[string]any) { person(b)["religion"] = "x" }), 400, "religion"},
			{"wrong type", with(func(b map[string]any) { person(b)["sex"] = 5 }), 400, "person.sex"},
			{"impossible date", with(func(b map[string]any) { person(b)["birth_date"] = "2014-02-30" }), 422, "person.birth_date"},
			{"future date", with(func(b map[string]any) { person(b)["birth_date"] = "2099" }), 422, "person.birth_date"},
			{"separated before birth", with(func(b map[string]any) {
				person(b)["separation"] = map[string]any{"date": "2005", "category": "other"}
			}), 422, "person.separation.date"},
			{"no names", with(func(b map[string]any) { person(b)["names"] = []any{} }), 422, "person.names"},
			{"bad enum", with(func(b map[string]any) { person(b)["sex"] = "x" }), 422, "person.sex"},
			{"bad category", with(func(b map[string]any) {
				person(b)["separation"] = map[string]any{"category": "kidnapped"}
			}), 422, "person.separation.category"},
			{"enquirer on a child", with(func(b map[string]any) { b["enquirer"] = map[string]any{"name": "x", "relation": "mother"} }), 422, "enquirer"},
			{"overlong name", with(func(b map[string]any) {
				person(b)["names"] = []map[string]any{{"given": strings.Repeat("я", 201)}}
			}), 422, "person.names[0].given"},
			{"oversized body", with(func(b map[string]any) { person(b)["notes"] = strings.Repeat("x", 2<<20) }), 413, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := w.do("ua-caseworker", "POST", "/api/v1/children", c.body).problem(t, c.status)
				if c.field != "" {
					named := false
					for _, e := range p.Errors {
						named = named || e.Field == c.field
					}
					if !named {
						t.Fatalf("problem does not name %q: %+v", c.field, p)
					}
				}
			})
		}
		// Several problems in one record are all reported at once.
		p := w.do("ua-caseworker", "POST", "/api/v1/children", with(func(b map[string]any) {
			person(b)["birth_date"] = "2014-13"
			person(b)["sex"] = "x"
		})).problem(t, 422)
		if len(p.Errors) != 2 {
			t.Fatalf("want both errors, got %+v", p.Errors)
		}
		req, _ := http.NewRequest("POST", w.url+"/api/v1/children", strings.NewReader("given_name\nІван"))
		req.Header.Set("Authorization", "Bearer "+w.tokens["ua-caseworker"])
		req.Header.Set("Content-Type", "text/csv")
		res, _ := http.DefaultClient.Do(req)
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("CSV posted as a record: %d", res.StatusCode)
		}
		if n := w.count("ua-caseworker", "/api/v1/children?include_deleted=true"); n != 0 {
			t.Fatalf("%d records stored from bad input", n)
		}
		// Bad query parameters are named too.
		p = w.do("ua-caseworker", "GET", "/api/v1/children?sex=q&limit=0&born_from=20x", nil).problem(t, 400)
		if len(p.Errors) != 3 {
			t.Fatalf("query problems: %+v", p.Errors)
		}
	})
}

func TestPartyBoundary(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		r := w.do("ru-caseworker", "POST", "/api/v1/children", childBody("Александр", "Ковалев"))
		var theirs domain.Record
		r.json(t, &theirs)
		w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Олександр", "Коваль"))

		// Every way in from the other party meets the same not found.
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/children/" + theirs.ID},
			{"GET", "/api/v1/children/" + theirs.ID + "/revisions"},
			{"DELETE", "/api/v1/children/" + theirs.ID + "?version=1&reason=x"},
		} {
			w.do("ua-caseworker", c.method, c.path, nil).problem(t, 404)
		}
		body := childBody("Змінений", "Ковалев")
		body["version"] = 1
		w.do("ua-caseworker", "PUT", "/api/v1/children/"+theirs.ID, body).problem(t, 404)
		// The mediator sees no party's records until the sharing policy says so.
		w.do("med-caseworker", "GET", "/api/v1/children/"+theirs.ID, nil).problem(t, 404)

		// A's lists never hold B's records, and asking for them is refused.
		var list struct{ Items []domain.Record }
		w.do("ua-caseworker", "GET", "/api/v1/children", nil).json(t, &list)
		if len(list.Items) != 1 || list.Items[0].OrgID != w.orgs["ua"].ID {
			t.Fatalf("A's list: %+v", list.Items)
		}
		w.do("ua-caseworker", "GET", "/api/v1/children?organisation_id="+w.orgs["ru"].ID, nil).problem(t, 403)
		w.do("ua-caseworker", "GET", "/api/v1/children/export?organisation_id="+w.orgs["ru"].ID, nil).problem(t, 403)

		// B's record is untouched.
		var now domain.Record
		w.do("ru-caseworker", "GET", "/api/v1/children/"+theirs.ID, nil).json(t, &now)
		if now.Version != 1 || now.Deleted != nil || now.Person.Names[0].Given != "Александр" {
			t.Fatalf("B's record changed: %+v", now)
		}

		// Each attempt is audited as denied, visible to B's auditors (whose
		// record it was) and A's (whose user it was).
		for _, who := range []string{"ru-auditor", "ua-auditor"} {
			var audit struct{ Items []store.AuditEntry }
			w.do(who, "GET", "/api/v1/audit?outcome=denied", nil).json(t, &audit)
			actions := map[string]int{}
			for _, e := range audit.Items {
				if e.ActorOrg != w.orgs["ua"].ID || e.Action == "api.forbidden" {
					continue
				}
				actions[e.Action]++
				if e.Action != app.ActionList && e.Action != app.ActionExport && e.RecordID != theirs.ID {
					t.Errorf("%s: denied entry names record %q", who, e.RecordID)
				}
			}
			for _, a := range []string{app.ActionRead, app.ActionRevisions, app.ActionUpdate, app.ActionDelete, app.ActionList, app.ActionExport} {
				if actions[a] == 0 {
					t.Errorf("%s sees no denied %s by A (saw %v)", who, a, actions)
				}
			}
		}
		// The mediator's auditor, uninvolved, sees none of it.
		var medAudit struct{ Items []store.AuditEntry }
		w.do("med-auditor", "GET", "/api/v1/audit?outcome=denied", nil).json(t, &medAudit)
		for _, e := range medAudit.Items {
			if e.ActorOrg == w.orgs["ua"].ID {
				t.Fatalf("mediator's auditor sees A's attempt on B: %+v", e)
			}
		}
	})
}

func TestReadsAreAudited(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		var rec domain.Record
		w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Марія", "Бойко")).json(t, &rec)
		w.do("ua-analyst", "GET", "/api/v1/children/"+rec.ID, nil)
		w.do("ua-analyst", "GET", "/api/v1/children", nil)
		var audit struct{ Items []store.AuditEntry }
		w.do("ua-auditor", "GET", "/api/v1/audit?record_id="+rec.ID, nil).json(t, &audit)
		got := map[string]bool{}
		for _, e := range audit.Items {
			if e.Outcome == store.OutcomeOK && e.RecordOrg == w.orgs["ua"].ID {
				got[e.Action] = true
			}
		}
		for _, a := range []string{app.ActionCreate, app.ActionRead, app.ActionList} {
			if !got[a] {
				t.Errorf("no %s audit entry (got %v)", a, got)
			}
		}

		// A page of several records is one entry naming them all, and a
		// query by any of them finds it.
		var more [2]domain.Record
		w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Олег", "Бойко")).json(t, &more[0])
		w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Ірина", "Бойко")).json(t, &more[1])
		w.do("ua-reviewer", "GET", "/api/v1/children", nil)
		var lists struct{ Items []store.AuditEntry }
		w.do("ua-auditor", "GET", "/api/v1/audit?action="+app.ActionList, nil).json(t, &lists)
		// Newest first: the reviewer's page, then the analyst's (one record).
		if len(lists.Items) != 2 || lists.Items[0].RecordID != "" || lists.Items[1].RecordID != rec.ID ||
			!slices.Equal(lists.Items[0].RecordIDs, []string{rec.ID, more[0].ID, more[1].ID}) {
			t.Fatalf("the pages' audit: %+v", lists.Items)
		}
		for _, r := range append([]domain.Record{rec}, more[:]...) {
			var byRec struct{ Items []store.AuditEntry }
			w.do("ua-auditor", "GET", "/api/v1/audit?record_id="+r.ID+"&action="+app.ActionList, nil).json(t, &byRec)
			if !slices.ContainsFunc(byRec.Items, func(e store.AuditEntry) bool { return e.ID == lists.Items[0].ID }) {
				t.Errorf("the page's entry is not found by record %s: %+v", r.ID, byRec.Items)
			}
		}
	})
}

func TestRolesAndTokens(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		var rec domain.Record
		w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Марія", "Бойко")).json(t, &rec)

		// Analysts read records but not where a child is now; they cannot write.
		var seen domain.Record
		w.do("ua-analyst", "GET", "/api/v1/children/"+rec.ID, nil).json(t, &seen)
		if seen.Person.Names[0].Given != "Марія" || !seen.Sensitive.IsZero() {
			t.Fatalf("analyst's view: %+v", seen)
		}
		w.do("ua-analyst", "POST", "/api/v1/children", childBody("А", "Б")).problem(t, 403)
		// Auditors read the trail, not the records; caseworkers the reverse.
		w.do("ua-auditor", "GET", "/api/v1/children/"+rec.ID, nil).problem(t, 403)
		w.do("ua-caseworker", "GET", "/api/v1/audit", nil).problem(t, 403)
		// Admins manage their own organisation's users only.
		var users struct{ Items []domain.User }
		w.do("ua-admin", "GET", "/api/v1/users", nil).json(t, &users)
		if len(users.Items) != len(domain.Roles) {
			t.Fatalf("ua admin sees %d users", len(users.Items))
		}
		for _, u := range users.Items {
			if u.OrgID != w.orgs["ua"].ID {
				t.Fatalf("ua admin sees a user of another organisation: %+v", u)
			}
		}
		r := w.do("ua-admin", "POST", "/api/v1/users", map[string]any{"email": "new@ua.example.org", "roles": []string{"reviewer"}, "password": "long enough password"})
		var u domain.User
		r.json(t, &u)
		if r.status != 201 || u.OrgID != w.orgs["ua"].ID || strings.Contains(string(r.body), "argon2") {
			t.Fatalf("create user: %d %s", r.status, r.body)
		}
		// Only the mediator's admin adds parties.
		org := map[string]any{"slug": "icrc", "name": "Humanitarian", "kind": "humanitarian"}
		w.do("ua-admin", "POST", "/api/v1/organisations", org).problem(t, 403)
		if r := w.do("med-admin", "POST", "/api/v1/organisations", org); r.status != 201 {
			t.Fatalf("mediator admin: %d %s", r.status, r.body)
		}

		// Tokens: missing, wrong, scoped, expired, revoked.
		w.do("", "GET", "/api/v1/me", nil).problem(t, 401)
		w.tokens["forged"] = "rnt_forged"
		w.do("forged", "GET", "/api/v1/me", nil).problem(t, 401)
		ctx := context.Background()
		ro, err := w.app.CreateToken(ctx, "caseworker@ua.example.org", "read only", []string{"records:read"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		w.tokens["ro"] = ro
		if r := w.do("ro", "GET", "/api/v1/children/"+rec.ID, nil); r.status != 200 {
			t.Fatalf("read-only token cannot read: %d", r.status)
		}
		w.do("ro", "POST", "/api/v1/children", childBody("А", "Б")).problem(t, 403)
		if _, err := w.app.CreateToken(ctx, "analyst@ua.example.org", "", []string{"records:write"}, 0); err == nil {
			t.Fatal("token granted a scope beyond the user's roles")
		}
		short, _ := w.app.CreateToken(ctx, "caseworker@ua.example.org", "short", nil, time.Nanosecond)
		w.tokens["short"] = short
		time.Sleep(2 * time.Millisecond)
		w.do("short", "GET", "/api/v1/me", nil).problem(t, 401)
	})
}

func TestImportAPI(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		good := "id,given_name,family_name,sex,birth_date\nA-1,Іван,Бойко,m,2012-01-02\nA-2,Марія,Бойко,f,~2010\n"
		bad := good + "A-3,Петро,Бойко,m,2012-02-30\n"
		post := func(csv string) response {
			req, _ := http.NewRequest("POST", w.url+"/api/v1/tracing-requests/import", strings.NewReader(csv))
			req.Header.Set("Authorization", "Bearer "+w.tokens["ua-caseworker"])
			req.Header.Set("Content-Type", "text/csv")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			data, _ := io.ReadAll(res.Body)
			return response{res.StatusCode, res.Header, data}
		}
		p := post(bad).problem(t, 422)
		if len(p.Rows) != 1 || p.Rows[0].Line != 4 || p.Rows[0].Errors[0].Field != "birth_date" {
			t.Fatalf("bad row not named: %+v", p)
		}
		if n := w.count("ua-caseworker", "/api/v1/tracing-requests"); n != 0 {
			t.Fatalf("%d records stored from a refused import", n)
		}
		r := post(good)
		var res app.ImportResult
		r.json(t, &res)
		if r.status != 201 || res.Imported != 2 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		if n := w.count("ua-caseworker", "/api/v1/tracing-requests"); n != 2 {
			t.Fatalf("%d records after import", n)
		}
		// Importing the same ids again names them and stores nothing more.
		p = post(good).problem(t, 422)
		if len(p.Rows) != 2 || p.Rows[0].Errors[0].Field != "id" {
			t.Fatalf("duplicate ids: %+v", p)
		}
		exp := w.do("ua-caseworker", "GET", "/api/v1/tracing-requests/export", nil)
		if exp.status != 200 || !strings.Contains(string(exp.body), "Марія") || strings.Count(string(exp.body), "\n") != 3 {
			t.Fatalf("export: %d %s", exp.status, exp.body)
		}
	})
}

func TestHealthz(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	r := w.do("", "GET", "/healthz", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"sqlite"`) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("security headers missing: %v", r.header)
	}
	w.do("ua-caseworker", "GET", "/api/v1/nothing-here", nil).problem(t, 404)
}

func TestAdminUpdates(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		var rec domain.Record
		w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Марія", "Бойко")).json(t, &rec)
		users := func(who string) map[string]domain.User {
			var list struct{ Items []domain.User }
			w.do(who, "GET", "/api/v1/users", nil).json(t, &list)
			out := map[string]domain.User{}
			for _, u := range list.Items {
				out[strings.Split(u.Email, "@")[0]] = u
			}
			return out
		}
		ua, ru := users("ua-admin"), users("ru-admin")

		// An admin cannot see or change another party's users.
		w.do("ua-admin", "GET", "/api/v1/users/"+ru["caseworker"].ID, nil).problem(t, 404)
		w.do("ua-admin", "PUT", "/api/v1/users/"+ru["caseworker"].ID, map[string]any{"disabled": true}).problem(t, 404)
		if r := w.do("ru-caseworker", "GET", "/api/v1/me", nil); r.status != 200 {
			t.Fatalf("ru caseworker disabled from outside: %d", r.status)
		}

		// A role taken away takes effect at once, whatever the token's scopes.
		if r := w.do("ua-reviewer", "GET", "/api/v1/children/"+rec.ID, nil); r.status != 200 {
			t.Fatalf("reviewer cannot read: %d", r.status)
		}
		var u domain.User
		r := w.do("ua-admin", "PUT", "/api/v1/users/"+ua["reviewer"].ID, map[string]any{"roles": []string{"auditor"}, "name": "Renamed"})
		r.json(t, &u)
		if r.status != 200 || u.Name != "Renamed" || len(u.Roles) != 1 || u.Roles[0] != domain.RoleAuditor {
			t.Fatalf("update user: %d %s", r.status, r.body)
		}
		w.do("ua-reviewer", "GET", "/api/v1/children/"+rec.ID, nil).problem(t, 403)

		// A disabled user's token stops working.
		w.do("ua-admin", "PUT", "/api/v1/users/"+ua["caseworker"].ID, map[string]any{"disabled": true})
		w.do("ua-caseworker", "GET", "/api/v1/me", nil).problem(t, 401)
		w.do("ua-admin", "PUT", "/api/v1/users/"+ua["analyst"].ID, map[string]any{"roles": []string{"wizard"}}).problem(t, 422)
		w.do("ua-admin", "PUT", "/api/v1/users/"+ua["analyst"].ID, map[string]any{"password": "short"}).problem(t, 422)

		// Only the mediator renames parties; slug and kind stay.
		w.do("ua-admin", "PUT", "/api/v1/organisations/"+w.orgs["ru"].ID, map[string]any{"name": "x", "country": "RU"}).problem(t, 403)
		var o domain.Organisation
		r = w.do("med-admin", "PUT", "/api/v1/organisations/"+w.orgs["ru"].ID, map[string]any{"name": "Renamed party", "country": "RU"})
		r.json(t, &o)
		if r.status != 200 || o.Name != "Renamed party" || o.Slug != "ru" || o.Kind != domain.OrgGovernment {
			t.Fatalf("update org: %d %s", r.status, r.body)
		}
		w.do("med-admin", "PUT", "/api/v1/organisations/"+w.orgs["ru"].ID, map[string]any{"name": "", "country": "Russia"}).problem(t, 422)
	})
}
