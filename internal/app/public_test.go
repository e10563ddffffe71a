package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestPublicStatistics reunites children and reads the public figures, as
// anyone may: a week of seven is shown as 7, a week of three as "<5" with
// every total that would give it away hidden too, and nothing of a record
// (ids, names) is in the answer.
func TestPublicStatistics(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newMeetingWorldN(t, dsn, 10)
		ctx := context.Background()
		w.clock.Set(at("2026-03-12T09:00:00Z"))
		reunite := func(c string, day string) {
			t.Helper()
			cs, err := w.a.MoveCase(ctx, w.ru, c, 0, cases.HandoverPlanned, cases.Input{HandoverDate: day2(day), HandoverPlace: "crossing", Route: "via mediator", Escort: "ICRC"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.a.MoveCase(ctx, w.ru, cs.ID, 0, cases.Reunited, cases.Input{ReunitedAt: day2(day), ReunitedPlace: "crossing", HandedTo: "mother"}); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range w.ex.Cases {
			if i < 7 {
				reunite(c.ID, "2026-03-04") // the week of Monday 2 March
			} else {
				reunite(c.ID, "2026-03-10") // the week of 9 March
			}
		}
		srv := httptest.NewServer(api.New(w.a, slog.New(slog.DiscardHandler)))
		defer srv.Close()
		res, err := http.Get(srv.URL + "/api/v1/public/statistics") // no token
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		for _, c := range w.ex.Cases {
			if strings.Contains(string(body), c.ChildID) || strings.Contains(string(body), c.RequestID) || strings.Contains(string(body), c.ID) {
				t.Fatalf("a record or case id is published: %s", body)
			}
		}
		if strings.Contains(string(body), "Тестова") {
			t.Fatalf("a name is published: %s", body)
		}
		var st app.PublicStatistics
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		other := -1
		for j, c := range st.Categories {
			if c == string(domain.CategoryOther) {
				other = j
			}
		}
		week := st.Tables[0]
		if week.By != "week" || len(week.Rows) != 2 || week.Rows[0].Label != "2026-03-02" || week.Rows[1].Label != "2026-03-09" {
			t.Fatalf("weeks: %+v", week)
		}
		if got := week.Rows[0].Cells[other]; got != "x" && got != "7" {
			t.Errorf("week of 7: %q", got)
		}
		if got := week.Rows[1].Cells[other]; got != "<5" {
			t.Errorf("week of 3: %q", got)
		}
		// With 7 and 3 in one column, the column total (10) and the grand
		// total would give the 3 away: the 7 or a total must be hidden.
		if week.Rows[0].Cells[other] == "7" && week.ColTotals[other] == "10" {
			t.Errorf("3 = 10 - 7 is recoverable: %+v", week)
		}
		if week.Rows[1].Total != "<5" {
			t.Errorf("the row total of the week of 3 is %q", week.Rows[1].Total)
		}
		band := st.Tables[2]
		if band.By != "age_band" || len(band.Rows) != len(app.AgeBands)+1 {
			t.Errorf("age bands: %+v", band)
		}
	})
}

func day2(s string) domain.Date { return day(s) }
