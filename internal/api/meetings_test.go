package api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/app/apptest"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestMeetingsAPI is issue 9's story through the API, as the parties' users
// do it: a meeting, a commitment to return three children by a date, an
// operation that hands two over and leaves one behind, the commitment
// partly met and then overdue (the store's clock set by the test), and the
// figures and the dashboard's flag saying so. An organisation that was not
// at the meeting gets, for the meeting, its commitments, its operations and
// its attachments, the same 404 as for ids that do not exist.
func TestMeetingsAPI(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := apptest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		w := newWorldWith(t, dsn, store.Options{Now: clock.Now})
		// An outsider: a fourth government, at none of the meetings.
		by, err := w.app.CreateOrg(ctx, access.Operator("test", domain.Organisation{}), domain.Organisation{Slug: "by", Name: "BY", Kind: domain.OrgGovernment})
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range []domain.Role{domain.RoleCaseworker, domain.RoleAnalyst} {
			email := string(role) + "@by.example.org"
			if _, err := w.app.CreateUser(ctx, access.Operator("test", by), domain.User{Email: email, Roles: []domain.Role{role}}, ""); err != nil {
				t.Fatal(err)
			}
			if w.tokens["by-"+string(role)], err = w.app.CreateToken(ctx, email, "test", nil, 0); err != nil {
				t.Fatal(err)
			}
		}
		ex := apptest.Cases(t, w.app, access.Operator("test", w.orgs["ua"]), access.Operator("test", w.orgs["ru"]), w.orgs["med"].ID, 3)
		caseIDs := []string{ex.Cases[0].ID, ex.Cases[1].ID, ex.Cases[2].ID}

		r := w.do("ru-caseworker", "POST", "/api/v1/meetings", map[string]any{"held_on": "2026-03-02", "place": "Doha", "organisations": []string{"ua", "med"},
			"list_ids": []string{ex.RequestList.ID, ex.ChildList.ID}, "minutes": "Three children to return by 20 March."})
		if r.status != 201 {
			t.Fatalf("record meeting: %d %s", r.status, r.body)
		}
		var m app.MeetingView
		r.json(t, &m)
		w.do("ua-analyst", "POST", "/api/v1/meetings", map[string]any{"held_on": "2026-03-02", "place": "x", "organisations": []string{"ru"}}).problem(t, 403)
		w.do("ru-caseworker", "POST", "/api/v1/meetings", map[string]any{"held_on": "2026-02-30", "place": "x", "organisations": []string{"ua"}}).problem(t, 400)
		w.do("ru-caseworker", "POST", "/api/v1/meetings", map[string]any{"held_on": "2026-03-02", "organisations": []string{"ua"}, "agenda": "x"}).problem(t, 400)
		if p := w.do("ru-caseworker", "POST", "/api/v1/meetings", map[string]any{"held_on": "2026-03-02", "organisations": []string{"ua"}}).problem(t, 422); p.Errors[0].Field != "place" {
			t.Fatalf("no place: %+v", p)
		}
		var seen app.MeetingView
		w.do("ua-analyst", "GET", "/api/v1/meetings/"+m.ID, nil).json(t, &seen)
		if seen.Minutes != "Three children to return by 20 March." || len(seen.Lists) != 2 {
			t.Fatalf("ua reads the meeting: %+v", seen)
		}

		r = w.do("med-caseworker", "POST", "/api/v1/meetings/"+m.ID+"/commitments", map[string]any{"from": "ru", "to": "ua", "kind": "return_children", "due_on": "2026-03-20", "case_ids": caseIDs})
		if r.status != 201 {
			t.Fatalf("commit: %d %s", r.status, r.body)
		}
		var c app.CommitmentView
		r.json(t, &c)
		if c.Status != "open" || c.Covered != 3 {
			t.Fatalf("commitment: %+v", c)
		}
		w.do("ua-analyst", "POST", "/api/v1/meetings/"+m.ID+"/commitments", map[string]any{"from": "ru", "to": "ua", "kind": "return_children", "due_on": "2026-03-20", "case_ids": caseIDs}).problem(t, 403)

		r = w.do("ru-caseworker", "POST", "/api/v1/operations", map[string]any{"meeting_id": m.ID, "date": "2026-03-10", "crossing_point": "Crossing point A",
			"escorts":  []map[string]string{{"organisation": "ru", "name": "Escort R"}, {"organisation": "ua", "name": "Escort U"}, {"organisation": "med", "name": "Escort M"}},
			"case_ids": caseIDs})
		if r.status != 201 {
			t.Fatalf("plan: %d %s", r.status, r.body)
		}
		var op app.OperationView
		r.json(t, &op)
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 50)...)
		r = w.do("med-caseworker", "POST", "/api/v1/meetings/"+m.ID+"/attachments?name=photo.png", png)
		if r.status != 201 {
			t.Fatalf("attachment: %d %s", r.status, r.body)
		}
		var att store.MeetingAttachment
		r.json(t, &att)
		if got := w.do("ua-analyst", "GET", "/api/v1/meetings/"+m.ID+"/attachments/"+att.ID, nil); got.status != 200 || !bytes.Equal(got.body, png) {
			t.Fatalf("attachment read back: %d", got.status)
		}

		clock.Set(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC))
		complete := map[string]any{"children": []map[string]any{
			{"case_id": caseIDs[0], "handed_by": "Escort R", "received_by": "the mother", "at": "2026-03-10T11:00:00Z", "documents": []string{"birth certificate"}},
			{"case_id": caseIDs[1], "handed_by": "Escort R", "received_by": "the grandmother", "at": "2026-03-10T11:30:00Z"},
			{"case_id": caseIDs[2], "stayed_behind": "fever on the day; not fit to travel"},
		}}
		w.do("ru-caseworker", "POST", "/api/v1/operations/"+op.ID+"/complete", map[string]any{"children": []map[string]any{{"case_id": caseIDs[0], "at": "yesterday"}}}).problem(t, 400)
		r = w.do("ru-caseworker", "POST", "/api/v1/operations/"+op.ID+"/complete", complete)
		if r.status != 200 {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		r.json(t, &op)
		if op.ChildrenReunited != 2 || op.ChildrenStayedBehind != 1 || op.Status != "completed" {
			t.Fatalf("completed: %+v", op)
		}
		w.do("ru-caseworker", "POST", "/api/v1/operations/"+op.ID+"/complete", complete).problem(t, 409)
		w.do("ua-analyst", "GET", "/api/v1/commitments/"+c.ID, nil).json(t, &c)
		if c.Status != "partly_met" || c.Met != 2 {
			t.Fatalf("after the operation: %s, %d met", c.Status, c.Met)
		}

		clock.Set(time.Date(2026, 3, 21, 8, 0, 0, 0, time.UTC))
		var flagged struct{ Items []app.CommitmentView }
		w.do("ua-analyst", "GET", "/api/v1/commitments?status=overdue", nil).json(t, &flagged)
		if len(flagged.Items) != 1 || flagged.Items[0].ID != c.ID || flagged.Items[0].Met != 2 {
			t.Fatalf("overdue: %+v", flagged.Items)
		}
		w.do("ua-analyst", "GET", "/api/v1/commitments?status=late", nil).problem(t, 422)
		var rep app.Report
		w.do("med-analyst", "GET", "/api/v1/reports", nil).json(t, &rep)
		f := rep.Commitments
		if f.Total.Made != 1 || f.Total.Overdue != 1 || len(f.Overdue) != 1 || f.Total.MedianDaysToReunification != 8 ||
			len(f.Operations) != 1 || f.Operations[0].Planned != 3 || f.Operations[0].Reunited != 2 {
			t.Fatalf("report: %+v", f)
		}

		// A meeting of ru and the mediator alone, with a commitment: not
		// ua's to see.
		r = w.do("ru-caseworker", "POST", "/api/v1/meetings", map[string]any{"held_on": "2026-03-20", "channel": "video call", "organisations": []string{"med"}})
		var private app.MeetingView
		r.json(t, &private)
		r = w.do("ru-caseworker", "POST", "/api/v1/meetings/"+private.ID+"/commitments", map[string]any{"from": "ru", "to": "med", "kind": "return_children", "due_on": "2026-04-01", "case_ids": caseIDs[2:]})
		if r.status != 201 {
			t.Fatalf("private commitment: %d %s", r.status, r.body)
		}
		var pc app.CommitmentView
		r.json(t, &pc)

		const missing = "01970000-0000-7000-8000-000000000000"
		notFound := w.do("by-analyst", "GET", "/api/v1/meetings/"+missing, nil)
		notFound.problem(t, 404)
		for _, c := range []struct{ who, method, path string }{
			{"by-analyst", "GET", "/api/v1/meetings/" + m.ID},
			{"by-analyst", "GET", "/api/v1/commitments/" + c.ID},
			{"by-analyst", "GET", "/api/v1/operations/" + op.ID},
			{"by-analyst", "GET", "/api/v1/meetings/" + m.ID + "/attachments/" + att.ID},
			{"by-caseworker", "POST", "/api/v1/commitments/" + c.ID + "/withdraw"},
			{"ua-analyst", "GET", "/api/v1/meetings/" + private.ID},
			{"ua-analyst", "GET", "/api/v1/commitments/" + pc.ID},
			{"by-analyst", "GET", "/api/v1/meetings/" + missing},
			{"by-analyst", "GET", "/api/v1/commitments/" + missing},
			{"by-analyst", "GET", "/api/v1/operations/" + missing},
		} {
			var body any
			if c.method == "POST" {
				body = map[string]string{"reason": "x"}
			}
			got := w.do(c.who, c.method, c.path, body)
			got.problem(t, 404)
			if !bytes.Equal(got.body, notFound.body) {
				t.Errorf("%s %s %s: %s, unlike the 404 of a missing id: %s", c.who, c.method, c.path, got.body, notFound.body)
			}
		}
		for _, path := range []string{"/api/v1/meetings", "/api/v1/commitments", "/api/v1/operations"} {
			var list struct{ Items []map[string]any }
			w.do("by-analyst", "GET", path, nil).json(t, &list)
			if len(list.Items) != 0 {
				t.Errorf("the outsider lists %d at %s", len(list.Items), path)
			}
		}
		var ms struct{ Items []store.Meeting }
		w.do("ua-analyst", "GET", "/api/v1/meetings", nil).json(t, &ms)
		if len(ms.Items) != 1 || ms.Items[0].ID != m.ID {
			t.Errorf("ua lists %+v", ms.Items)
		}
		var figs app.Figures
		w.do("by-analyst", "GET", "/api/v1/meeting-figures", nil).json(t, &figs)
		if figs.Total.Made != 0 || len(figs.ByMeeting) != 0 || len(figs.Operations) != 0 || len(figs.Overdue) != 0 {
			t.Errorf("the outsider's figures: %+v", figs)
		}
		if strings.Contains(string(w.do("by-analyst", "GET", "/api/v1/reports", nil).body), m.ID) {
			t.Error("the outsider's report names the meeting")
		}

		// The committing organisation withdraws the private commitment.
		w.do("med-caseworker", "POST", "/api/v1/commitments/"+pc.ID+"/withdraw", map[string]string{"reason": "x"}).problem(t, 403)
		w.do("ru-caseworker", "POST", "/api/v1/commitments/"+pc.ID+"/withdraw", map[string]string{}).problem(t, 422)
		r = w.do("ru-caseworker", "POST", "/api/v1/commitments/"+pc.ID+"/withdraw", map[string]string{"reason": "the child will travel with the first group"})
		r.json(t, &pc)
		if r.status != 200 || pc.Status != "withdrawn" {
			t.Fatalf("withdraw: %d %s", r.status, r.body)
		}
	})
}
