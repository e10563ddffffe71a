package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// hidden marks every value party ua must never read.
const hidden = "HIDDEN"

// addOrg adds an organisation with a user and token per role.
func (w *world) addOrg(slug string, kind domain.OrgKind) {
	ctx := context.Background()
	org, err := w.app.CreateOrg(ctx, access.Operator("test", domain.Organisation{}), domain.Organisation{Slug: slug, Name: slug, Kind: kind})
	if err != nil {
		w.t.Fatal(err)
	}
	w.orgs[slug] = org
	for _, role := range domain.Roles {
		email := fmt.Sprintf("%s@%s.example.org", role, slug)
		if _, err := w.app.CreateUser(ctx, access.Operator("test", org), domain.User{Email: email, Roles: []domain.Role{role}}, ""); err != nil {
			w.t.Fatal(err)
		}
		tok, err := w.app.CreateToken(ctx, email, "test", nil, time.Hour)
		if err != nil {
			w.t.Fatal(err)
		}
		w.tokens[slug+"-"+string(role)] = tok
	}
}

func markedChild(tag string, namesHidden bool) map[string]any {
	given, family := "Богдан", "Марченко"
	if namesHidden {
		given, family = hidden+"-given-"+tag, hidden+"-family-"+tag
	}
	return map[string]any{
		"external_id": hidden + "-ext-" + tag,
		"person": map[string]any{
			"names":                   []map[string]any{{"given": given, "family": family}},
			"sex":                     "male",
			"birth_date":              "2012-04-03",
			"separation":              map[string]any{"date": "2022-05", "category": "displaced_by_frontline_fighting"},
			"distinguishing_features": hidden + "-features-" + tag,
			"notes":                   hidden + "-notes-" + tag,
		},
		"sensitive": map[string]any{"current_location": hidden + "-location-" + tag, "current_caregiver": hidden + "-caregiver-" + tag, "documents_held": []string{hidden + "-doc-" + tag}},
	}
}

// TestPolicyBoundary has every user of party ua try every endpoint on what
// the sharing policy does not give it: ru's child handed to ua in a list
// (whose features, notes, own reference and whereabouts stay withheld),
// ru's child handed only to a third party xx, and the list, pair and case
// between ru and xx. Every response is checked for withheld values, every
// attempt that must fail fails, and each is audited as denied.
func TestPolicyBoundary(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		w.addOrg("xx", domain.OrgGovernment)
		keys, _ := seal.Load(seal.NewKey(), "")
		w.app.SetKeyring(keys)
		ctx := context.Background()

		var listed, unlisted, xxReq domain.Record
		w.do("ru-caseworker", "POST", "/api/v1/children", markedChild("listed", false)).json(t, &listed)
		w.do("ru-caseworker", "POST", "/api/v1/children", markedChild("unlisted", true)).json(t, &unlisted)
		xxBody := markedChild("xxreq", true)
		delete(xxBody, "sensitive")
		w.do("xx-caseworker", "POST", "/api/v1/tracing-requests", xxBody).json(t, &xxReq)
		var toUA, toXX, fromXX store.List
		w.do("ru-caseworker", "POST", "/api/v1/lists", map[string]any{"kind": "child", "record_ids": []string{listed.ID}, "recipients": []string{"ua", "med"}}).json(t, &toUA)
		w.do("ru-caseworker", "POST", "/api/v1/lists", map[string]any{"kind": "child", "record_ids": []string{unlisted.ID}, "recipients": []string{"xx"}}).json(t, &toXX)
		w.do("xx-caseworker", "POST", "/api/v1/lists", map[string]any{"kind": "request", "record_ids": []string{xxReq.ID}, "recipients": []string{"ru"}}).json(t, &fromXX)
		if toUA.ID == "" || toXX.ID == "" || fromXX.ID == "" {
			t.Fatal("lists not submitted")
		}

		// A pair and a case between ru and xx, with a message and a file.
		err := w.app.Store().InTx(ctx, func(tx *store.Tx) error {
			return tx.ProposeCandidates(ctx, []store.Candidate{{RequestID: xxReq.ID, ChildID: unlisted.ID, RequestOrg: w.orgs["xx"].ID, ChildOrg: w.orgs["ru"].ID,
				RequestVersion: 1, ChildVersion: 1, Probability: 0.97, Explanation: `{"probability":0.97,"weight":5,"prior_weight":-20,"fields":[]}`}})
		})
		if err != nil {
			t.Fatal(err)
		}
		var xq struct{ Items []app.QueueItem }
		w.do("xx-reviewer", "GET", "/api/v1/review-queue", nil).json(t, &xq)
		if len(xq.Items) != 1 {
			t.Fatalf("xx queue: %+v", xq)
		}
		cand := xq.Items[0].ID
		// A second pending pair, for ua to try to vote on.
		w.do("xx-reviewer", "POST", "/api/v1/candidates/"+cand+"/confirm", nil)
		var d app.Decision
		w.do("ru-reviewer", "POST", "/api/v1/candidates/"+cand+"/confirm", nil).json(t, &d)
		if d.Case == nil {
			t.Fatalf("no case: %+v", d)
		}
		caseID := d.Case.ID
		var msg store.Message
		w.do("ru-caseworker", "POST", "/api/v1/cases/"+caseID+"/messages", map[string]any{"body": hidden + "-message"}).json(t, &msg)
		var at store.Attachment
		w.do("ru-caseworker", "POST", "/api/v1/cases/"+caseID+"/attachments?name="+hidden+"-file.txt", []byte(hidden+"-attachment text")).json(t, &at)
		if msg.ID == "" || at.ID == "" {
			t.Fatal("channel not set up")
		}
		other := "/api/v1/children/" + unlisted.ID
		shared := "/api/v1/children/" + listed.ID
		attempts := []struct {
			method, path string
			body         any
			mustFail     bool
		}{
			// Records: the one never handed over, and the withheld fields of
			// the one that was.
			{"GET", other, nil, true},
			{"GET", other + "/revisions", nil, true},
			{"PUT", other + "?version=1", markedChild("x", true), true},
			{"DELETE", other + "?version=1&reason=x", nil, true},
			{"GET", shared, nil, false},
			{"GET", shared + "/revisions", nil, false},
			{"PUT", shared + "?version=1", map[string]any{"person": map[string]any{"names": []map[string]any{{"given": "X", "family": "Y"}}}}, true},
			{"DELETE", shared + "?version=1&reason=x", nil, true},
			// Listing and searching, on shared and withheld fields.
			{"GET", "/api/v1/children", nil, false},
			{"GET", "/api/v1/children?given_name=" + hidden, nil, false},
			{"GET", "/api/v1/children?q=" + hidden + "-given-unlisted+" + hidden + "-family-unlisted", nil, false},
			{"GET", "/api/v1/children?external_id=" + hidden + "-ext-listed", nil, false},
			{"GET", "/api/v1/children?organisation_id=" + w.orgs["ru"].ID, nil, true},
			{"GET", "/api/v1/children/export", nil, false},
			{"GET", "/api/v1/children/export?organisation_id=" + w.orgs["ru"].ID, nil, true},
			// Lists, pairs, cases, the channel, files and policies between
			// other parties.
			{"GET", "/api/v1/lists/" + toXX.ID, nil, true},
			{"POST", "/api/v1/lists/" + toXX.ID + "/acknowledge", nil, true},
			{"POST", "/api/v1/lists", map[string]any{"kind": "child", "record_ids": []string{listed.ID}, "recipients": []string{"xx"}}, true},
			{"GET", "/api/v1/candidates/" + cand, nil, true},
			{"POST", "/api/v1/candidates/" + cand + "/confirm", nil, true},
			{"POST", "/api/v1/candidates/" + cand + "/reject", map[string]string{"reason": "x"}, true},
			{"GET", "/api/v1/cases/" + caseID, nil, true},
			{"POST", "/api/v1/cases/" + caseID + "/transitions", map[string]any{"to": "declined", "reason": "x"}, true},
			{"GET", "/api/v1/cases/" + caseID + "/messages", nil, true},
			{"POST", "/api/v1/cases/" + caseID + "/messages", map[string]any{"body": "x"}, true},
			{"POST", "/api/v1/cases/" + caseID + "/attachments?name=a.txt", []byte("plain text"), true},
			{"GET", "/api/v1/attachments/" + at.ID, nil, true},
			{"PUT", "/api/v1/sharing-policies/ru/ua", map[string]any{"listed": []string{"names", "notes", "distinguishing_features"}, "handover": []string{}}, true},
			{"GET", "/api/v1/sharing-policies/ru/xx", nil, true},
			// What every user may call: nothing withheld in it.
			{"GET", "/api/v1/review-queue", nil, false},
			{"GET", "/api/v1/cases", nil, false},
			{"GET", "/api/v1/lists", nil, false},
			{"GET", "/api/v1/lists/" + toUA.ID, nil, false},
			{"GET", "/api/v1/reports", nil, false},
			{"GET", "/api/v1/audit", nil, false},
		}
		for _, role := range domain.Roles {
			who := "ua-" + string(role)
			var me domain.User
			w.do(who, "GET", "/api/v1/me", nil).json(t, &me)
			for _, a := range attempts {
				before := w.deniedCount(me.ID)
				r := w.do(who, a.method, a.path, a.body)
				if strings.Contains(string(r.body), hidden) {
					t.Errorf("%s %s %s: withheld data in the response: %s", who, a.method, a.path, r.body)
				}
				if !a.mustFail {
					continue
				}
				if r.status < 400 {
					t.Errorf("%s %s %s: %d, want a refusal", who, a.method, a.path, r.status)
					continue
				}
				if w.deniedCount(me.ID) == before {
					t.Errorf("%s %s %s: refused (%d) but not audited", who, a.method, a.path, r.status)
				}
			}
		}
		// Nothing of ru's or xx's changed.
		var now domain.Record
		w.do("ru-caseworker", "GET", other, nil).json(t, &now)
		if now.Version != 1 || now.Deleted != nil {
			t.Fatalf("the withheld record changed: %+v", now)
		}
		var cv app.CaseView
		w.do("ru-caseworker", "GET", "/api/v1/cases/"+caseID, nil).json(t, &cv)
		if cv.State != "confirmed" || len(cv.Events) != 1 {
			t.Fatalf("the case changed: %+v", cv.Case)
		}
		var pol struct{ Default bool }
		w.do("med-admin", "GET", "/api/v1/sharing-policies/ru/ua", nil).json(t, &pol)
		if !pol.Default {
			t.Fatal("ua changed its own sharing policy")
		}

		// The mediator's admin narrows what ua sees of ru's records: from
		// then on ua reads the sex and birth date, not the names.
		w.do("med-admin", "PUT", "/api/v1/sharing-policies/ru/ua", map[string]any{"listed": []string{"current_location"}, "handover": []string{}}).problem(t, 422)
		if r := w.do("med-admin", "PUT", "/api/v1/sharing-policies/ru/ua", map[string]any{"listed": []string{"sex", "birth_date"}, "handover": []string{"current_location"}}); r.status != 200 {
			t.Fatalf("set policy: %d %s", r.status, r.body)
		}
		var narrowed domain.Record
		w.do("ua-caseworker", "GET", shared, nil).json(t, &narrowed)
		if len(narrowed.Person.Names) != 0 || narrowed.Person.Sex != "male" || narrowed.Person.BirthDate.IsZero() {
			t.Fatalf("after narrowing: %+v", narrowed.Person)
		}
		// Searching by name now finds nothing of ru's, and says so in the audit.
		var me domain.User
		w.do("ua-caseworker", "GET", "/api/v1/me", nil).json(t, &me)
		before := w.deniedCount(me.ID)
		if n := w.count("ua-caseworker", "/api/v1/children?family_name=Мар"); n != 0 {
			t.Fatalf("a search by a withheld field found %d", n)
		}
		if w.deniedCount(me.ID) == before {
			t.Fatal("a search on a withheld field was not audited")
		}
	})
}

// deniedCount counts the denied audit entries of one actor.
func (w *world) deniedCount(actor string) int {
	var n int
	err := w.app.Store().InTx(context.Background(), func(tx *store.Tx) error {
		es, err := tx.Audit(context.Background(), store.AuditFilter{Actor: actor, Outcome: store.OutcomeDenied, Limit: 100000})
		n = len(es)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}
