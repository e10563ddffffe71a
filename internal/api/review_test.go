package api_test

import (
	"context"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func TestReviewQueue(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		var req, kid domain.Record
		body := childBody("Олександр", "Коваль")
		delete(body, "sensitive")
		w.do("ua-caseworker", "POST", "/api/v1/tracing-requests", body).json(t, &req)
		w.do("ru-caseworker", "POST", "/api/v1/children", childBody("Александр", "Ковалев")).json(t, &kid)
		explanation := `{"probability":0.93,"weight":3.7,"prior_weight":-20,"fields":[{"field":"given_name","label":"Given name","level":"equivalent names (Ukrainian and Russian forms, or a diminutive)","weight":7.5}]}`
		err := w.app.Store().InTx(context.Background(), func(tx *store.Tx) error {
			return tx.ProposeCandidates(context.Background(), []store.Candidate{
				{RequestID: req.ID, ChildID: kid.ID, RequestOrg: w.orgs["ua"].ID, ChildOrg: w.orgs["ru"].ID, RequestVersion: 1, ChildVersion: 1, Probability: 0.93, Explanation: explanation},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		type item struct {
			ID          string
			Status      string
			Probability float64
			Explanation struct {
				Fields []struct{ Field, Level string }
			}
			Request *domain.Record
			Child   *domain.Record
		}
		var q struct{ Items []item }
		w.do("ua-reviewer", "GET", "/api/v1/review-queue", nil).json(t, &q)
		if len(q.Items) != 1 || q.Items[0].Probability != 0.93 || len(q.Items[0].Explanation.Fields) != 1 {
			t.Fatalf("queue: %+v", q)
		}
		it := q.Items[0]
		// The reviewer sees its own side, not the other party's record.
		if it.Request == nil || it.Request.Person.Names[0].Given != "Олександр" || it.Child != nil {
			t.Fatalf("sides shown: request %v, child %v", it.Request, it.Child)
		}
		var ruQ struct{ Items []item }
		w.do("ru-reviewer", "GET", "/api/v1/review-queue", nil).json(t, &ruQ)
		if len(ruQ.Items) != 1 || ruQ.Items[0].Child == nil || ruQ.Items[0].Request != nil {
			t.Fatalf("ru reviewer's view: %+v", ruQ.Items)
		}
		// Roles and parties: caseworkers do not review; the uninvolved
		// mediator neither lists nor reaches the pair.
		w.do("ua-caseworker", "GET", "/api/v1/review-queue", nil).problem(t, 403)
		var medQ struct{ Items []item }
		w.do("med-reviewer", "GET", "/api/v1/review-queue", nil).json(t, &medQ)
		if len(medQ.Items) != 0 {
			t.Fatalf("mediator sees %d pairs", len(medQ.Items))
		}
		w.do("med-reviewer", "GET", "/api/v1/candidates/"+it.ID, nil).problem(t, 404)
		w.do("med-reviewer", "POST", "/api/v1/candidates/"+it.ID+"/confirm", nil).problem(t, 404)
		w.do("ua-reviewer", "GET", "/api/v1/review-queue?min_probability=0.95", nil).json(t, &q)
		if len(q.Items) != 0 {
			t.Fatalf("min_probability ignored: %d items", len(q.Items))
		}

		// Reject needs a reason; once decided, the pair cannot be decided again.
		w.do("ua-reviewer", "POST", "/api/v1/candidates/"+it.ID+"/reject", map[string]string{}).problem(t, 422)
		var decided store.Candidate
		r := w.do("ua-reviewer", "POST", "/api/v1/candidates/"+it.ID+"/reject", map[string]string{"reason": "mother's name differs"})
		r.json(t, &decided)
		if r.status != 200 || decided.Status != "rejected" || decided.Reason != "mother's name differs" {
			t.Fatalf("reject: %d %s", r.status, r.body)
		}
		w.do("ru-reviewer", "POST", "/api/v1/candidates/"+it.ID+"/confirm", nil).problem(t, 409)
		w.do("ua-reviewer", "GET", "/api/v1/review-queue", nil).json(t, &q)
		if len(q.Items) != 0 {
			t.Fatal("a rejected pair is still in the queue")
		}
		// Both parties' auditors see the decision.
		for _, who := range []string{"ua-auditor"} {
			var audit struct{ Items []store.AuditEntry }
			w.do(who, "GET", "/api/v1/audit?action=match.vote", nil).json(t, &audit)
			if len(audit.Items) != 1 {
				t.Fatalf("%s sees %d rejections", who, len(audit.Items))
			}
		}
	})
}
