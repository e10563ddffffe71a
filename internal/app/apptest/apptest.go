// Package apptest builds, through the application's own use cases, the
// state that tests of meetings and operations start from: two parties that
// have handed each other lists, and reunification cases between them ready
// for a handover.
package apptest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Clock is a store clock a test sets.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock: give it to store.Options.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Exchange is what Cases built.
type Exchange struct {
	// Lists are the request list of the family's side (with one record
	// more than there are cases: Spare) and the child list of the other.
	RequestList, ChildList store.List
	Cases                  []store.Case
	// Spare is a tracing request in RequestList that no case covers.
	Spare domain.Record
}

// Cases has req (the families' side) and kids (the children's side) hand
// each other and the mediator lists, confirms n pairs between them and
// takes each case to consent_and_best_interests, the state an operation
// takes cases from. The principals must have every permission (operators).
func Cases(t testing.TB, a *app.App, req, kids access.Principal, mediator string, n int) Exchange {
	t.Helper()
	ctx := context.Background()
	var ex Exchange
	var reqIDs, kidIDs []string
	for i := range n + 1 {
		birth, _ := domain.ParseFuzzyDate(fmt.Sprintf("2015-0%d-1%d", 1+i%9, i%10))
		person := domain.Person{Names: []domain.Name{{Given: fmt.Sprintf("Дитина%d", i), Family: "Тестова"}}, Sex: "female", BirthDate: birth}
		r, err := a.CreateRecord(ctx, req, domain.Record{Kind: domain.KindRequest, ExternalID: fmt.Sprintf("R-%d", i), Person: person})
		if err != nil {
			t.Fatal(err)
		}
		reqIDs = append(reqIDs, r.ID)
		if i == n {
			ex.Spare = r
			break
		}
		c, err := a.CreateRecord(ctx, kids, domain.Record{Kind: domain.KindChild, ExternalID: fmt.Sprintf("C-%d", i), Person: person})
		if err != nil {
			t.Fatal(err)
		}
		kidIDs = append(kidIDs, c.ID)
	}
	var err error
	if ex.RequestList, err = a.SubmitList(ctx, req, app.ListSubmission{Kind: domain.KindRequest, RecordIDs: reqIDs, Recipients: []string{kids.OrgID, mediator}}); err != nil {
		t.Fatal(err)
	}
	if ex.ChildList, err = a.SubmitList(ctx, kids, app.ListSubmission{Kind: domain.KindChild, RecordIDs: kidIDs, Recipients: []string{req.OrgID, mediator}}); err != nil {
		t.Fatal(err)
	}
	cands := make([]store.Candidate, n)
	for i := range cands {
		cands[i] = store.Candidate{RequestID: reqIDs[i], ChildID: kidIDs[i], RequestOrg: req.OrgID, ChildOrg: kids.OrgID,
			RequestVersion: 1, ChildVersion: 1, Probability: 0.99, Explanation: "{}"}
	}
	if err := a.Store().InTx(ctx, func(tx *store.Tx) error { return tx.ProposeCandidates(ctx, cands) }); err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if _, err := a.DecideCandidate(ctx, req, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		d, err := a.DecideCandidate(ctx, kids, c.ID, true, "")
		if err != nil || d.Case == nil {
			t.Fatalf("confirming %s: %+v %v", c.ID, d, err)
		}
		cs := *d.Case
		if cs, err = a.MoveCase(ctx, kids, cs.ID, 0, cases.IdentityVerified, cases.Input{Method: cases.MethodDocuments, Evidence: "birth certificate"}); err != nil {
			t.Fatal(err)
		}
		if cs, err = a.MoveCase(ctx, req, cs.ID, 0, cases.ConsentAndBestInterests, cases.Input{ChildViews: "wants to go home", BestInterests: "return to the family"}); err != nil {
			t.Fatal(err)
		}
		ex.Cases = append(ex.Cases, cs)
	}
	return ex
}
