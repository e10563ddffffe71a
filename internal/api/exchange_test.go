package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/ledger/ledgerhttp"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
	"github.com/reunite-ftr/reunite/internal/synth"
)

// importSynth imports synthetic records through the API: requests as ua,
// children as ru, with the children carrying sensitive fields. It returns
// the true pairs by external id.
func (w *world) importSynth(n int, seed uint64) map[string]string {
	t := w.t
	var reqCSV, kidCSV bytes.Buffer
	rw, kw := interchange.NewWriter(&reqCSV), interchange.NewWriter(&kidCSV)
	truth := map[string]string{}
	err := synth.Generate(context.Background(), synth.Config{N: n, Seed: seed}, synth.SinkFuncs{
		RequestFunc: func(r domain.Record) error { return rw.Write(r) },
		ChildFunc:   func(r domain.Record) error { return kw.Write(r) },
		PairFunc:    func(p synth.Pair) error { truth[p.RequestID] = p.ChildID; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	rw.Flush()
	kw.Flush()
	for _, c := range []struct {
		who, path string
		body      []byte
	}{
		{"ua-caseworker", "/api/v1/tracing-requests/import", reqCSV.Bytes()},
		{"ru-caseworker", "/api/v1/children/import", kidCSV.Bytes()},
	} {
		if r := w.do(c.who, "POST", c.path, c.body, "Content-Type", "text/csv"); r.status != 201 {
			t.Fatalf("import %s: %d %s", c.path, r.status, r.body)
		}
	}
	return truth
}

// ids returns the ids of every record at path that who can list.
func (w *world) ids(who, path string) []string {
	var out struct {
		Items []domain.Record
		Next  string `json:"next_cursor"`
	}
	w.do(who, "GET", path+"?limit=500", nil).json(w.t, &out)
	var ids []string
	for _, r := range out.Items {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestExchangeStory drives the whole story through the API with three
// organisations: both parties submit lists, matching proposes, both
// confirm, the case runs to reunited and closed, and the weekly figures
// show it in its category.
func TestExchangeStory(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		keys, err := seal.Load(seal.NewKey(), "")
		if err != nil {
			t.Fatal(err)
		}
		w.app.SetKeyring(keys)
		ctx := context.Background()
		truth := w.importSynth(150, 3)

		// Before any list, neither party sees the other's records.
		kidIDs := w.ids("ru-caseworker", "/api/v1/children")
		w.do("ua-caseworker", "GET", "/api/v1/children/"+kidIDs[0], nil).problem(t, 404)
		if n := w.count("ua-caseworker", "/api/v1/children"); n != 0 {
			t.Fatalf("ua lists %d of ru's children before any list", n)
		}

		// Both parties hand over their lists, to each other and the mediator.
		var uaList, ruList store.List
		r := w.do("ua-caseworker", "POST", "/api/v1/lists", map[string]any{"kind": "request", "record_ids": w.ids("ua-caseworker", "/api/v1/tracing-requests"), "recipients": []string{"ru", "med"}, "note": "first list"})
		if r.status != 201 {
			t.Fatalf("submit list: %d %s", r.status, r.body)
		}
		r.json(t, &uaList)
		w.do("ru-caseworker", "POST", "/api/v1/lists", map[string]any{"kind": "child", "record_ids": kidIDs, "recipients": []string{"ua", "med"}}).json(t, &ruList)
		if uaList.Number != 1 || uaList.Count != 150 || len(uaList.Recipients) != 2 || ruList.Count != 150 {
			t.Fatalf("lists: %+v / %+v", uaList, ruList)
		}
		w.do("ru-analyst", "POST", "/api/v1/lists/"+uaList.ID+"/acknowledge", nil).json(t, &uaList)
		w.do("med-analyst", "POST", "/api/v1/lists/"+uaList.ID+"/acknowledge", nil).json(t, &uaList)
		w.do("ru-analyst", "POST", "/api/v1/lists/"+uaList.ID+"/acknowledge", nil).problem(t, 409)
		for _, rc := range uaList.Recipients {
			if rc.AcknowledgedAt.IsZero() {
				t.Fatalf("receipt missing: %+v", uaList.Recipients)
			}
		}

		// Now ua sees ru's children as the default policy shares them:
		// names and the rest of the identifying fields, never where the
		// child is now.
		r = w.do("ua-caseworker", "GET", "/api/v1/children/"+kidIDs[0], nil)
		var shared domain.Record
		r.json(t, &shared)
		if r.status != 200 || len(shared.Person.Names) == 0 || !shared.Sensitive.IsZero() || shared.ExternalID != "" {
			t.Fatalf("shared child: %d %s", r.status, r.body)
		}

		// Matching proposes; both reviewers confirm a true pair.
		if _, err := w.app.MatchAll(ctx, "test", app.MatchOptions{}); err != nil {
			t.Fatal(err)
		}
		var q struct{ Items []app.QueueItem }
		w.do("ua-reviewer", "GET", "/api/v1/review-queue?limit=500", nil).json(t, &q)
		var cand app.QueueItem
		for _, it := range q.Items {
			if it.Request != nil && it.Child != nil && truth[it.Request.ExternalID] != "" && it.Probability > 0.9 {
				cand = it
				break
			}
		}
		if cand.ID == "" {
			t.Fatalf("no true pair among %d proposed", len(q.Items))
		}
		var d app.Decision
		w.do("ua-reviewer", "POST", "/api/v1/candidates/"+cand.ID+"/confirm", nil).json(t, &d)
		if d.Case != nil || len(d.Votes) != 1 || d.Status != "proposed" {
			t.Fatalf("one vote made a case: %+v", d)
		}
		w.do("ua-reviewer", "POST", "/api/v1/candidates/"+cand.ID+"/confirm", nil).problem(t, 409) // one vote per party
		var medView app.QueueItem
		w.do("med-reviewer", "GET", "/api/v1/candidates/"+cand.ID, nil).json(t, &medView)
		if len(medView.Votes) != 1 || medView.Votes[0].OrgID != w.orgs["ua"].ID {
			t.Fatalf("mediator sees votes %+v", medView.Votes)
		}
		w.do("med-reviewer", "POST", "/api/v1/candidates/"+cand.ID+"/confirm", nil).problem(t, 404) // the mediator does not vote
		w.do("ru-reviewer", "POST", "/api/v1/candidates/"+cand.ID+"/confirm", nil).json(t, &d)
		if d.Case == nil || d.Status != "confirmed" || len(d.Votes) != 2 {
			t.Fatalf("two confirmations, no case: %+v", d)
		}
		caseID := d.Case.ID
		if d.Case.MediatorOrg != w.orgs["med"].ID {
			t.Fatalf("the mediator is not a party: %+v", d.Case)
		}

		// A rejection, with its reason, is read by all three.
		var other app.QueueItem
		for _, it := range q.Items {
			if it.ID != cand.ID {
				other = it
				break
			}
		}
		w.do("ru-reviewer", "POST", "/api/v1/candidates/"+other.ID+"/reject", map[string]string{"reason": "different mother"}).json(t, &d)
		for _, who := range []string{"ua-reviewer", "ru-reviewer", "med-reviewer"} {
			var seen app.QueueItem
			w.do(who, "GET", "/api/v1/candidates/"+other.ID, nil).json(t, &seen)
			if seen.Status != "rejected" || seen.Reason != "different mother" || len(seen.Votes) != 1 || seen.Votes[0].Reason != "different mother" {
				t.Fatalf("%s sees %+v", who, seen)
			}
		}

		// The case runs its course.
		move := func(who string, body map[string]any, status int) app.CaseView {
			t.Helper()
			r := w.do(who, "POST", "/api/v1/cases/"+caseID+"/transitions", body)
			if r.status != status {
				t.Fatalf("%s %v: %d %s", who, body["to"], r.status, r.body)
			}
			var cv app.CaseView
			w.do(who, "GET", "/api/v1/cases/"+caseID, nil).json(t, &cv)
			return cv
		}
		p := w.do("ua-caseworker", "POST", "/api/v1/cases/"+caseID+"/transitions", map[string]any{"to": "reunited"}).problem(t, 409)
		if !strings.Contains(p.Detail, "identity_verified") {
			t.Fatalf("illegal move does not name the allowed states: %s", p.Detail)
		}
		w.do("ua-analyst", "POST", "/api/v1/cases/"+caseID+"/transitions", map[string]any{"to": "identity_verified", "method": "documents", "evidence": "birth certificate"}).problem(t, 403)
		w.do("ua-caseworker", "POST", "/api/v1/cases/"+caseID+"/transitions", map[string]any{"to": "identity_verified", "method": "documents"}).problem(t, 422)

		// Evidence: a scan attached to the case, sealed at rest.
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)
		var at store.Attachment
		r = w.do("ru-caseworker", "POST", "/api/v1/cases/"+caseID+"/attachments?name=certificate.png", png)
		if r.status != 201 {
			t.Fatalf("attachment: %d %s", r.status, r.body)
		}
		r.json(t, &at)
		w.do("ru-caseworker", "POST", "/api/v1/cases/"+caseID+"/attachments?name=x.exe", []byte("MZ\x90\x00binary")).problem(t, 422)
		if got := w.do("ua-caseworker", "GET", "/api/v1/attachments/"+at.ID, nil); got.status != 200 || !bytes.Equal(got.body, png) || got.header.Get("Content-Type") != "image/png" {
			t.Fatalf("attachment read back: %d %q", got.status, got.header)
		}
		var sealed []byte
		w.app.Store().InTx(ctx, func(tx *store.Tx) error {
			a, err := tx.Attachment(ctx, at.ID)
			sealed = a.Sealed
			return err
		})
		if len(sealed) == 0 || bytes.Contains(sealed, png[8:]) {
			t.Fatal("attachment not sealed at rest")
		}

		cv := move("ru-caseworker", map[string]any{"to": "identity_verified", "method": "documents", "evidence": "birth certificate matches", "attachment_ids": []string{at.ID}}, 200)
		if cv.State != "identity_verified" || cv.Version != 2 {
			t.Fatalf("after verification: %+v", cv.Case)
		}
		consent := map[string]any{"to": "consent_and_best_interests", "child_views": "wants to go home to her mother", "best_interests": "return to the family", "version": 2}
		if cv.Turned18Now == domain.Yes {
			consent = map[string]any{"to": "consent_and_best_interests", "child_views": "decided to return", "decided_by_self": true, "version": 2}
		}
		move("ua-caseworker", consent, 200)
		move("ua-caseworker", map[string]any{"to": "handover_planned", "version": 2}, 409) // stale version

		// ru records where the child is now (the CSV interchange carries no
		// sensitive fields).
		var full domain.Record
		w.do("ru-caseworker", "GET", "/api/v1/children/"+cand.ChildID, nil).json(t, &full)
		upd := map[string]any{"external_id": full.ExternalID, "person": full.Person,
			"sensitive": domain.Sensitive{CurrentLocation: "Foster family, file 4411", CurrentCaregiver: "Foster mother P."}}
		if r := w.do("ru-caseworker", "PUT", "/api/v1/children/"+cand.ChildID, upd, "If-Match", fmt.Sprintf(`"%d"`, full.Version)); r.status != 200 {
			t.Fatalf("recording the whereabouts: %d %s", r.status, r.body)
		}
		// Until handover planning, ua does not see where the child is.
		var child domain.Record
		w.do("ua-caseworker", "GET", "/api/v1/children/"+cand.ChildID, nil).json(t, &child)
		if !child.Sensitive.IsZero() {
			t.Fatalf("sensitive fields shared before handover: %+v", child.Sensitive)
		}
		today := time.Now().UTC().Format(time.DateOnly)
		move("ru-caseworker", map[string]any{"to": "handover_planned", "handover_date": today, "handover_place": "crossing point", "route": "through the mediator", "escort": "mediator staff"}, 200)
		w.do("ua-caseworker", "GET", "/api/v1/children/"+cand.ChildID, nil).json(t, &child)
		if child.Sensitive.CurrentLocation != "Foster family, file 4411" {
			t.Fatalf("the case's parties do not see the handover fields at handover planning: %+v", child.Sensitive)
		}
		var analystView domain.Record
		w.do("ua-analyst", "GET", "/api/v1/children/"+cand.ChildID, nil).json(t, &analystView)
		if !analystView.Sensitive.IsZero() {
			t.Fatal("an analyst, without records:sensitive, sees sensitive fields")
		}
		move("ru-caseworker", map[string]any{"to": "reunited", "reunited_at": today, "reunited_place": "crossing point", "handed_to": "mother"}, 200)
		cv = move("ua-caseworker", map[string]any{"to": "follow_up"}, 200)
		if len(cv.FollowUps) != 3 {
			t.Fatalf("follow-ups: %v", cv.FollowUps)
		}
		cv = move("ua-caseworker", map[string]any{"to": "closed", "reason": "settled at home"}, 200)
		if cv.State != "closed" || len(cv.Events) != 7 || len(cv.Next) != 0 {
			t.Fatalf("closed case: state %s, %d events, next %v", cv.State, len(cv.Events), cv.Next)
		}

		// The channel between the parties.
		var m store.Message
		w.do("ua-caseworker", "POST", "/api/v1/cases/"+caseID+"/messages", map[string]any{"body": "The family will wait at the crossing."}).json(t, &m)
		w.do("ru-caseworker", "POST", "/api/v1/cases/"+caseID+"/messages", map[string]any{"body": "Agreed.", "parent_id": m.ID})
		var ch struct {
			Messages    []store.Message
			Attachments []store.Attachment
		}
		w.do("med-analyst", "GET", "/api/v1/cases/"+caseID+"/messages", nil).json(t, &ch)
		if len(ch.Messages) != 2 || ch.Messages[1].ParentID != m.ID || len(ch.Attachments) != 1 {
			t.Fatalf("channel: %+v", ch)
		}

		// The figures: one reunification this week, in the case's category.
		var rep app.Report
		w.do("med-analyst", "GET", "/api/v1/reports", nil).json(t, &rep)
		wantCat := d.Case.Category
		if cv.Turned18 == "yes" {
			wantCat = app.CategoryTurned18
		}
		if len(rep.Weekly) != 1 || rep.Weekly[0].Count != 1 || rep.Weekly[0].Category != wantCat || rep.Total != 1 {
			t.Fatalf("weekly: %+v (want one in %s)", rep.Weekly, wantCat)
		}
		closed := 0
		for _, row := range rep.Pipeline {
			if row.State == "closed" {
				closed = row.Cases
			}
		}
		if closed != 1 {
			t.Fatalf("pipeline: %+v", rep.Pipeline)
		}

		// Every act of the story is in the ledger, and the ledger, read
		// through the API by a party, verifies.
		c := &ledgerhttp.Client{Server: w.url, Token: w.tokens["ua-analyst"]}
		pub, err := c.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st := ledger.VerifierState{LogKey: pub.LogKey, KeepLeafHashes: true}
		for _, k := range pub.Orgs {
			st.OrgKeys = append(st.OrgKeys, k.Key)
		}
		v, err := ledger.NewVerifier(st)
		if err != nil {
			t.Fatal(err)
		}
		verdict := v.VerifyAll(ctx, c)
		if !verdict.OK {
			t.Fatalf("ledger: %s", verdict)
		}
		es, err := c.Entries(ctx, 0, verdict.Checkpoint.Size)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range es {
			kinds[e.Kind]++
		}
		for _, k := range []string{ledger.KindListSubmitted, ledger.KindListAcknowledged, ledger.KindMatchProposed, ledger.KindMatchConfirmed,
			app.KindCaseOpened, ledger.KindCaseTransition, ledger.KindMessageSent, app.KindAttachmentAdded} {
			if kinds[k] == 0 {
				t.Errorf("no %s entry in the ledger: %v", k, kinds)
			}
		}
	})
}

// TestTurned18Cohort checks that records say whether the person has turned
// 18 since the displacement, and that the cohort is listed on its own.
func TestTurned18Cohort(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	year := time.Now().UTC().Year()
	for _, c := range []struct{ id, birth, sep string }{
		{"A-adult", fmt.Sprint(year-19) + "-01-10", fmt.Sprint(year-3) + "-03"}, // 16 then, 19 now
		{"A-child", fmt.Sprint(year-10) + "-06-01", fmt.Sprint(year-3) + "-03"},
		{"A-maybe", fmt.Sprint(year - 18), fmt.Sprint(year-3) + "-03"}, // 18 this year, or not yet
	} {
		body := childBody("Іван", "Бойко")
		body["external_id"] = c.id
		body["person"].(map[string]any)["birth_date"] = c.birth
		body["person"].(map[string]any)["separation"] = map[string]any{"date": c.sep}
		delete(body, "sensitive")
		if r := w.do("ua-caseworker", "POST", "/api/v1/tracing-requests", body); r.status != 201 {
			t.Fatalf("%s: %d %s", c.id, r.status, r.body)
		}
	}
	for want, ids := range map[string][]string{"yes": {"A-adult"}, "no": {"A-child"}, "possibly": {"A-maybe"}} {
		var out struct{ Items []domain.Record }
		w.do("ua-caseworker", "GET", "/api/v1/tracing-requests?turned_18="+want, nil).json(t, &out)
		if len(out.Items) != len(ids) || out.Items[0].ExternalID != ids[0] || string(out.Items[0].Turned18) != want {
			t.Errorf("turned_18=%s: %+v", want, out.Items)
		}
	}
	w.do("ua-caseworker", "GET", "/api/v1/tracing-requests?turned_18=maybe", nil).problem(t, 400)
}
