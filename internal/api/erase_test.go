package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestEraseAndPublicStatistics: the erasure endpoint's roles and answers,
// and the public statistics without a token.
func TestEraseAndPublicStatistics(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		r := w.do("ua-caseworker", "POST", "/api/v1/children", childBody("Олександр", "Коваль"))
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var rec domain.Record
		r.json(t, &rec)
		path := "/api/v1/children/" + rec.ID + "/erase"
		body := map[string]string{"legal_basis": "request 12, art. 17"}
		for _, c := range []struct {
			who    string
			path   string
			body   any
			status int
		}{
			{"ua-reviewer", path, body, http.StatusForbidden},
			{"ru-caseworker", path, body, http.StatusNotFound},
			{"ua-caseworker", "/api/v1/tracing-requests/" + rec.ID + "/erase", body, http.StatusNotFound},
			{"ua-caseworker", path, map[string]string{}, http.StatusUnprocessableEntity},
			{"ua-admin", path, body, http.StatusOK},
			{"ua-caseworker", path, body, http.StatusGone},
		} {
			if r := w.do(c.who, "POST", c.path, c.body); r.status != c.status {
				t.Errorf("%s %s: %d, want %d: %s", c.who, c.path, r.status, c.status, r.body)
			}
		}
		r = w.do("ua-caseworker", "GET", "/api/v1/children/"+rec.ID, nil)
		if strings.Contains(string(r.body), "Коваль") {
			t.Errorf("the erased record still reads %s", r.body)
		}
		r = w.do("", "GET", "/api/v1/public/statistics", nil)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"threshold":5`) {
			t.Errorf("public statistics: %d %s", r.status, r.body)
		}
	})
}
