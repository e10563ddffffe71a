package api_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ratelimit"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// jsonStr is s as a JSON string.
func jsonStr(s string) string { b, _ := json.Marshal(s); return string(b) }

// bodies are the request bodies of every endpoint that takes one, with the
// string v in each of its string fields. A route missing here (or a route
// here that the API no longer has) fails TestEveryRouteIsCovered, so a new
// endpoint cannot escape the injection, oversize and fuzz tests.
var bodies = map[string]func(v string) string{
	"POST /api/v1/organisations": func(v string) string {
		return fmt.Sprintf(`{"slug":%s,"name":%[1]s,"kind":"humanitarian","country":%[1]s}`, jsonStr(v))
	},
	"PUT /api/v1/organisations/{id}": func(v string) string { return fmt.Sprintf(`{"name":%s,"country":%[1]s}`, jsonStr(v)) },
	"POST /api/v1/users": func(v string) string {
		return fmt.Sprintf(`{"email":%s,"name":%[1]s,"roles":[%[1]s],"password":%[1]s}`, jsonStr(v))
	},
	"PUT /api/v1/users/{id}":                        func(v string) string { return fmt.Sprintf(`{"name":%s,"roles":[%[1]s],"password":%[1]s}`, jsonStr(v)) },
	"POST /api/v1/candidates/{id}/confirm":          func(v string) string { return fmt.Sprintf(`{"reason":%s}`, jsonStr(v)) },
	"POST /api/v1/candidates/{id}/reject":           func(v string) string { return fmt.Sprintf(`{"reason":%s}`, jsonStr(v)) },
	"PUT /api/v1/sharing-policies/{owner}/{viewer}": func(v string) string { return fmt.Sprintf(`{"listed":[%s],"handover":[%[1]s]}`, jsonStr(v)) },
	"POST /api/v1/lists": func(v string) string {
		return fmt.Sprintf(`{"kind":"child","record_ids":[%s],"recipients":[%[1]s],"note":%[1]s}`, jsonStr(v))
	},
	"POST /api/v1/lists/{id}/acknowledge":      nil, // no body read
	"POST /api/v1/children/{id}/erase":         func(v string) string { return fmt.Sprintf(`{"legal_basis":%s}`, jsonStr(v)) },
	"POST /api/v1/tracing-requests/{id}/erase": func(v string) string { return fmt.Sprintf(`{"legal_basis":%s}`, jsonStr(v)) },
	"POST /api/v1/cases/{id}/transitions":      func(v string) string { return fmt.Sprintf(`{"to":%s,"version":1,"reason":%[1]s}`, jsonStr(v)) },
	"POST /api/v1/cases/{id}/messages":         func(v string) string { return fmt.Sprintf(`{"body":%s,"parent_id":%[1]s}`, jsonStr(v)) },
	"POST /api/v1/cases/{id}/attachments":      func(v string) string { return v }, // raw bytes
	"POST /api/v1/ledger/cosignatures":         func(v string) string { return fmt.Sprintf(`{"witness_key":%s,"checkpoint":%[1]s}`, jsonStr(v)) },
	"POST /api/v1/meetings": func(v string) string {
		return fmt.Sprintf(`{"held_on":"2026-03-02","place":%s,"channel":%[1]s,"organisations":[%[1]s],"list_ids":[%[1]s],"minutes":%[1]s}`, jsonStr(v))
	},
	"POST /api/v1/meetings/{id}/commitments": func(v string) string {
		return fmt.Sprintf(`{"from":%s,"to":%[1]s,"kind":%[1]s,"due_on":"2026-03-20","case_ids":[%[1]s]}`, jsonStr(v))
	},
	"POST /api/v1/meetings/{id}/attachments": func(v string) string { return v },
	"POST /api/v1/commitments/{id}/withdraw": func(v string) string { return fmt.Sprintf(`{"reason":%s}`, jsonStr(v)) },
	"POST /api/v1/operations": func(v string) string {
		return fmt.Sprintf(`{"meeting_id":%s,"date":"2026-03-10","crossing_point":%[1]s,"route":%[1]s,"case_ids":[%[1]s]}`, jsonStr(v))
	},
	"POST /api/v1/operations/{id}/complete": func(v string) string {
		return fmt.Sprintf(`{"children":[{"case_id":%s,"handed_by":%[1]s}]}`, jsonStr(v))
	},
}

func recordBody(v string) string {
	return fmt.Sprintf(`{"external_id":%s,"person":{"names":[{"given":%[1]s,"family":%[1]s}],"sex":"male","notes":%[1]s},"sensitive":{"current_location":%[1]s}}`, jsonStr(v))
}

func init() {
	for _, p := range []string{"children", "tracing-requests"} {
		bodies["POST /api/v1/"+p] = recordBody
		bodies["PUT /api/v1/"+p+"/{id}"] = recordBody
		bodies["POST /api/v1/"+p+"/import"] = func(v string) string {
			return "id,given_name,family_name,notes\n" + strings.Join([]string{csvCell("X-" + v), csvCell(v), csvCell(v), csvCell(v)}, ",") + "\n"
		}
	}
}

func csvCell(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// noBody are the routes that take no body.
func takesBody(pattern string) bool {
	m, _, _ := strings.Cut(pattern, " ")
	return (m == "POST" || m == "PUT") && bodies[pattern] != nil
}

func TestEveryRouteIsCovered(t *testing.T) {
	srv := api.New(nil, slog.New(slog.DiscardHandler))
	for _, r := range srv.Routes() {
		m, _, _ := strings.Cut(r, " ")
		if _, ok := bodies[r]; (m == "POST" || m == "PUT") && !ok {
			t.Errorf("route %q is not in the bodies table of security_test.go: add its body so it is injection-, oversize- and fuzz-tested", r)
		}
	}
	for r := range bodies {
		if !slices.Contains(srv.Routes(), r) {
			t.Errorf("bodies lists %q, which the API does not serve", r)
		}
	}
}

// injections are classic SQL injection strings, and others that break
// naive parsers.
var injections = []string{
	`' OR '1'='1`,
	`1; DROP TABLE records;--`,
	`Robert'); DROP TABLE users;--`,
	`" OR ""="`,
	`1' UNION SELECT hash, user_id, scopes FROM api_tokens--`,
	`%' AND 1=0 UNION SELECT name FROM sqlite_master--`,
	`'; SELECT pg_sleep(5);--`,
	"\x00\x01'",
	`../../etc/passwd`,
	`{{.}}<script>alert(1)</script>`,
}

// tableCounts counts the rows of every table but the audit trail (which
// records refusals too) and the sessions (no web here).
func tableCounts(t testing.TB, dsn string) map[string]int {
	t.Helper()
	return counter(t, dsn)(t)
}

// counter returns a function counting the rows of every table (but the
// audit trail, which records refusals too, and the web sessions), on one
// connection kept for the test.
func counter(t testing.TB, dsn string) func(testing.TB) map[string]int {
	t.Helper()
	var db *sql.DB
	var err error
	var list string
	if store.IsPostgres(dsn) {
		db, err = sql.Open("pgx", dsn)
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`
	} else {
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)")
		list = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return func(t testing.TB) map[string]int {
		t.Helper()
		rows, err := db.Query(list)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			if n != "audit_log" && n != "goose_db_version" && n != "web_sessions" {
				names = append(names, n)
			}
		}
		rows.Close()
		slices.Sort(names)
		q := make([]string, len(names))
		counts := make([]int, len(names))
		dest := make([]any, len(names))
		for i, n := range names {
			q[i] = `(SELECT count(*) FROM ` + n + `)`
			dest[i] = &counts[i]
		}
		if err := db.QueryRow(`SELECT ` + strings.Join(q, ", ")).Scan(dest...); err != nil {
			t.Fatalf("counting rows: %v", err)
		}
		out := map[string]int{}
		for i, n := range names {
			out[n] = counts[i]
		}
		return out
	}
}

func diffCounts(a, b map[string]int) string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, fmt.Sprintf("%s %d→%d", k, v, b[k]))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k+" appeared")
		}
	}
	slices.Sort(d)
	return strings.Join(d, ", ")
}

// pathFor fills every {param} of pattern with v.
func pathFor(pattern, v string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	for {
		i := strings.Index(path, "{")
		if i < 0 {
			return method, path
		}
		j := strings.Index(path[i:], "}")
		path = path[:i] + url.PathEscape(v) + path[i+j+1:]
	}
}

func checkHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s is %q, want %q", what, k, got, v)
		}
	}
}

// TestInjectionOnEveryRoute sends SQL injection strings in the path ids,
// the query parameters and every string field of the body of every route,
// as a case worker and as the mediator's admin: never a server error, the
// security headers on every answer, nothing changed by a refused request,
// every table still there, and an injected string stored is stored as
// text.
func TestInjectionOnEveryRoute(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		sentinel := w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Сентинел", "Вартовий"))
		var rec domain.Record
		sentinel.json(t, &rec)
		count := counter(t, dsn)
		routes := api.New(w.app, nil).Routes()
		routes = append(routes, "GET /healthz", "GET /api/v1/no-such-endpoint")
		query := url.Values{}
		for _, inj := range injections {
			for _, route := range routes {
				method, path := pathFor(route, inj)
				for _, k := range []string{"cursor", "limit", "offset", "since", "state", "status", "given_name", "family_name", "sex", "category", "external_id", "actor", "action", "min_probability", "include_deleted", "record_id", "index", "size", "from", "to", "map", "name", "message_id"} {
					query.Set(k, inj)
				}
				for _, who := range []string{"ua-caseworker", "med-admin"} {
					var body any
					if mk := bodies[route]; mk != nil && takesBody(route) {
						body = mk(inj)
					}
					before := count(t)
					r := w.do(who, method, path+"?"+query.Encode(), body)
					what := fmt.Sprintf("%s %s as %s with %q", method, route, who, inj)
					if r.status >= 500 {
						t.Fatalf("%s: %d %s", what, r.status, r.body)
					}
					checkHeaders(t, what, r.header)
					if r.status >= 400 {
						if d := diffCounts(before, count(t)); d != "" {
							t.Fatalf("%s: refused with %d but changed %s", what, r.status, d)
						}
					}
				}
			}
		}
		// Every table is still there, and the sentinel unchanged.
		counts := count(t)
		for _, tbl := range []string{"records", "users", "organisations", "api_tokens", "cases", "audit_log"} {
			if _, ok := counts[tbl]; !ok && tbl != "audit_log" {
				t.Fatalf("table %s is gone", tbl)
			}
		}
		var got domain.Record
		w.do("ua-caseworker", "GET", "/api/v1/children/"+rec.ID, nil).json(t, &got)
		if got.Person.Names[0].Family != "Вартовий" {
			t.Fatalf("the sentinel changed: %+v", got.Person.Names)
		}
		// An injection string is a name like any other: stored and read
		// back as written.
		evil := `Robert'); DROP TABLE records;--`
		r := w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Бобі", evil))
		var stored domain.Record
		r.json(t, &stored)
		w.do("ua-caseworker", "GET", "/api/v1/children/"+stored.ID, nil).json(t, &got)
		if r.status != 201 || got.Person.Names[0].Family != evil {
			t.Fatalf("injection string as a name: %d, read back %+v", r.status, got.Person.Names)
		}
	})
}

// endless yields n bytes of b repeated, without holding them.
type repeatReader struct {
	b    []byte
	n, i int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.i >= r.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.i < r.n {
		p[k] = r.b[r.i%int64(len(r.b))]
		k++
		r.i++
	}
	return k, nil
}

// TestOversizedBodies sends each body-taking route a body over its limit
// (1 MiB of JSON; 10 MiB for attachments): a 4xx, nothing stored.
func TestOversizedBodies(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		// A case to attach to, so that the size is what is refused.
		for route := range bodies {
			if !takesBody(route) || strings.HasSuffix(route, "/import") {
				continue // imports: TestHostileImports streams a 2 GB line
			}
			method, path := pathFor(route, "01939d6e-0000-7000-8000-000000000000")
			size := int64(1<<20) + 1024
			if strings.HasSuffix(route, "/attachments") {
				size = app.MaxAttachment + 1024
			}
			prefix := []byte(`{"name":"`)
			body := io.MultiReader(bytes.NewReader(prefix), &repeatReader{b: []byte("A"), n: size})
			for _, who := range []string{"ua-caseworker", "med-admin"} {
				before := tableCounts(t, dsn)
				req, _ := http.NewRequest(method, w.url+path, body)
				req.Header.Set("Authorization", "Bearer "+w.tokens[who])
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", route, err)
				}
				res.Body.Close()
				if res.StatusCode < 400 || res.StatusCode >= 500 {
					t.Errorf("%s as %s with %d bytes: status %d, want 4xx", route, who, size, res.StatusCode)
				}
				if d := diffCounts(before, tableCounts(t, dsn)); d != "" {
					t.Errorf("%s: an oversized body changed %s", route, d)
				}
				body = io.MultiReader(bytes.NewReader(prefix), &repeatReader{b: []byte("A"), n: size})
			}
		}
	})
}

// TestRateLimits: past its burst a user gets 429 with Retry-After, while
// another user goes on; and an address past its own limit is refused
// before authentication.
func TestRateLimits(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	srv := api.New(w.app, slog.New(slog.DiscardHandler))
	srv.SetLimits(ratelimit.Limits{User: ratelimit.New(ratelimit.Config{Rate: 1, Per: time.Minute, Burst: 3})})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	get := func(tok string) *http.Response {
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	for i := range 3 {
		if res := get(w.tokens["ua-caseworker"]); res.StatusCode != 200 {
			t.Fatalf("request %d: %d", i+1, res.StatusCode)
		}
	}
	res := get(w.tokens["ua-caseworker"])
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("past the burst: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	checkHeaders(t, "429", res.Header)
	// Another user of the same address is not held back by the first.
	if res := get(w.tokens["ua-reviewer"]); res.StatusCode != 200 {
		t.Fatalf("another user: %d", res.StatusCode)
	}

	srv.SetLimits(ratelimit.Limits{IP: ratelimit.New(ratelimit.Config{Rate: 1, Per: time.Minute, Burst: 2})})
	get("rnt_wrong")
	get("rnt_wrong")
	if res := get(w.tokens["ua-analyst"]); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("past the address's burst: %d", res.StatusCode)
	}
}
