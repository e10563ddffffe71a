package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestWaitingPairs: the pairs waiting for an organisation are those it has
// not voted on; listing them reads no record and so writes no audit row.
func TestWaitingPairs(t *testing.T) {
	ctx := context.Background()
	a, ua := setup(t, storetest.SQLiteDSN(t))
	ruOrg, err := a.CreateOrg(ctx, access.Operator("test", domain.Organisation{}), domain.Organisation{Slug: "ru", Name: "RU", Kind: domain.OrgGovernment})
	if err != nil {
		t.Fatal(err)
	}
	ru := access.Operator("test", ruOrg)
	person := domain.Person{Names: []domain.Name{{Given: "Олександр", Family: "Коваль"}}}
	req, err := a.CreateRecord(ctx, ua, domain.Record{Kind: domain.KindRequest, Person: person})
	if err != nil {
		t.Fatal(err)
	}
	kid, err := a.CreateRecord(ctx, ru, domain.Record{Kind: domain.KindChild, Person: person})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	err = a.Store().InTx(ctx, func(tx *store.Tx) error {
		ids, err := tx.ProposeCandidatesIDs(ctx, []store.Candidate{{RequestID: req.ID, ChildID: kid.ID, RequestOrg: ua.OrgID, ChildOrg: ru.OrgID,
			RequestVersion: 1, ChildVersion: 1, Probability: 0.9, Explanation: `{}`}})
		id = ids[0]
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	auditRows := func() int {
		var n []store.AuditEntry
		a.Store().InTx(ctx, func(tx *store.Tx) (err error) { n, err = tx.Audit(ctx, store.AuditFilter{}); return err })
		return len(n)
	}
	before := auditRows()
	for _, p := range []access.Principal{ua, ru} {
		got, err := a.WaitingPairs(ctx, p)
		if err != nil || !slices.Equal(got, []string{id}) {
			t.Fatalf("waiting for %s: %v %v", p.OrgID, got, err)
		}
	}
	if after := auditRows(); after != before {
		t.Fatalf("listing waiting pairs wrote %d audit rows", after-before)
	}
	if _, err := a.DecideCandidate(ctx, ua, id, true, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.WaitingPairs(ctx, ua); len(got) != 0 {
		t.Fatalf("still waiting for the organisation that voted: %v", got)
	}
	if got, _ := a.WaitingPairs(ctx, ru); !slices.Equal(got, []string{id}) {
		t.Fatalf("no longer waiting for the other party: %v", got)
	}
}
