package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestNameSearch is the one search box (q) through the API: across
// scripts, combined with the other filters, and never past what the
// sharing policy lets the caller see.
func TestNameSearch(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		search := func(who, path, q string) []domain.Record {
			t.Helper()
			var out struct{ Items []domain.Record }
			r := w.do(who, "GET", path+"?q="+url.QueryEscape(q), nil)
			if r.status != 200 {
				t.Fatalf("%s %s q=%s: %d %s", who, path, q, r.status, r.body)
			}
			r.json(t, &out)
			return out.Items
		}
		create := func(who, path string, body map[string]any) domain.Record {
			t.Helper()
			var rec domain.Record
			r := w.do(who, "POST", path, body)
			if r.status != 201 {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			r.json(t, &rec)
			return rec
		}
		create("ua-caseworker", "/api/v1/children", childBody("Олександр", "Коваленко"))
		create("ua-caseworker", "/api/v1/children", childBody("Марія", "Ковальська"))
		req := childBody("Александр", "Шевчук")
		delete(req, "sensitive")
		create("ua-caseworker", "/api/v1/tracing-requests", req)
		shared := create("ru-caseworker", "/api/v1/children", childBody("Богдан", "Марченко"))
		create("ru-caseworker", "/api/v1/children", childBody("Світозара", "Гуцул"))
		var list store.List
		w.do("ru-caseworker", "POST", "/api/v1/lists", map[string]any{"kind": "child", "record_ids": []string{shared.ID}, "recipients": []string{"ua"}}).json(t, &list)
		if list.ID == "" {
			t.Fatal("list not submitted")
		}

		for _, c := range []struct {
			who, path, q string
			want         []string // external ids
		}{
			{"ua-caseworker", "/api/v1/children", "Oleksandr", []string{"C-Олександр"}},
			{"ua-caseworker", "/api/v1/children", "Саша коваленко", []string{"C-Олександр"}},
			{"ua-caseworker", "/api/v1/children", "Kowalska", []string{"C-Марія"}},
			{"ua-caseworker", "/api/v1/tracing-requests", "Oleksandr", []string{"C-Александр"}},
			// Another party's record shared with ua: found, through the
			// policy's view (no external id).
			{"ua-caseworker", "/api/v1/children", "Bohdan Marchenko", []string{""}},
			// Another party's record not shared with ua: not found, as
			// if it did not exist; its owner finds it.
			{"ua-caseworker", "/api/v1/children", "Svitozara", nil},
			{"ua-caseworker", "/api/v1/children", "Гуцул", nil},
			{"med-caseworker", "/api/v1/children", "Svitozara", nil},
			{"ru-caseworker", "/api/v1/children", "Svitozara Hutsul", []string{"C-Світозара"}},
		} {
			got := search(c.who, c.path, c.q)
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ExternalID)
			}
			if strings.Join(ids, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s %s q=%s: %q, want %q", c.who, c.path, c.q, ids, c.want)
			}
		}
		// Combined with other filters.
		if n := w.count("ua-caseworker", "/api/v1/children?q=Oleksandr&sex=female"); n != 0 {
			t.Errorf("q and sex: %d", n)
		}
		if n := w.count("ua-caseworker", "/api/v1/children?q=Oleksandr&family_name=Ков"); n != 1 {
			t.Errorf("q and family_name: %d", n)
		}
		w.do("ua-caseworker", "GET", "/api/v1/children?q="+url.QueryEscape(strings.Repeat("Коваленко ", 30)), nil).problem(t, 400)

		// Once the policy withholds names, a name search finds none of
		// ru's records and the attempt is audited as denied.
		if r := w.do("med-admin", "PUT", "/api/v1/sharing-policies/ru/ua", map[string]any{"listed": []string{"sex", "birth_date"}, "handover": []string{}}); r.status != 200 {
			t.Fatalf("set policy: %d %s", r.status, r.body)
		}
		var me domain.User
		w.do("ua-caseworker", "GET", "/api/v1/me", nil).json(t, &me)
		before := w.deniedCount(me.ID)
		if got := search("ua-caseworker", "/api/v1/children", "Bohdan"); len(got) != 0 {
			t.Errorf("search by withheld names found %+v", got)
		}
		if w.deniedCount(me.ID) == before {
			t.Error("a name search on withheld names was not audited")
		}
	})
}
