package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func TestCandidateLifecycle(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, m := mkOrg(t, s, "ua"), mkOrg(t, s, "ru"), mkOrg(t, s, "med")
		req := child(a.ID, "A-1", "Олександр", "Коваль")
		req.Kind, req.Sensitive = domain.KindRequest, domain.Sensitive{}
		kid1, kid2 := child(b.ID, "B-1", "Александр", "Коваль"), child(b.ID, "B-2", "Алексей", "Ковалёв")
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{req, kid1, kid2}) })
		propose := func(p1, p2 float64, childVersion int) {
			t.Helper()
			tx(t, s, func(tx *store.Tx) error {
				return tx.ProposeCandidates(ctx, []store.Candidate{
					{RequestID: req.ID, ChildID: kid1.ID, RequestOrg: a.ID, ChildOrg: b.ID, RequestVersion: 1, ChildVersion: childVersion, Probability: p1, Explanation: `{}`},
					{RequestID: req.ID, ChildID: kid2.ID, RequestOrg: a.ID, ChildOrg: b.ID, RequestVersion: 1, ChildVersion: 1, Probability: p2, Explanation: `{}`},
				})
			})
		}
		list := func(f store.CandidateFilter) []store.Candidate {
			t.Helper()
			var cs []store.Candidate
			tx(t, s, func(tx *store.Tx) (err error) { cs, err = tx.Candidates(ctx, f); return err })
			return cs
		}
		propose(0.97, 0.4, 1)
		q := list(store.CandidateFilter{OrgIDs: []string{a.ID}, Status: store.CandidateProposed})
		if len(q) != 2 || q[0].ChildID != kid1.ID || q[0].Probability != 0.97 {
			t.Fatalf("queue: %+v", q)
		}
		if got := list(store.CandidateFilter{OrgIDs: []string{b.ID}, MinProbability: 0.5}); len(got) != 1 {
			t.Fatalf("B's queue above 0.5: %+v", got)
		}
		if got := list(store.CandidateFilter{OrgIDs: []string{m.ID}}); len(got) != 0 {
			t.Fatalf("uninvolved organisation sees %d candidates", len(got))
		}
		// Reject the weak one, confirm the strong one; deciding again conflicts.
		tx(t, s, func(tx *store.Tx) error {
			if err := tx.DecideCandidate(ctx, q[1].ID, store.CandidateRejected, store.Actor{ID: "rev", OrgID: a.ID}, "different mother"); err != nil {
				return err
			}
			return tx.DecideCandidate(ctx, q[0].ID, store.CandidateConfirmed, store.Actor{ID: "rev", OrgID: a.ID}, "")
		})
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.DecideCandidate(ctx, q[1].ID, store.CandidateConfirmed, store.Actor{ID: "x"}, "")
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second decision: %v", err)
		}
		// Proposed again on the same data: both decisions stand.
		propose(0.99, 0.5, 1)
		if got := list(store.CandidateFilter{OrgIDs: []string{a.ID}, Status: store.CandidateProposed}); len(got) != 0 {
			t.Fatalf("decided pairs proposed again on unchanged data: %+v", got)
		}
		var rej store.Candidate
		tx(t, s, func(tx *store.Tx) (err error) { rej, err = tx.Candidate(ctx, q[1].ID); return err })
		if rej.Status != store.CandidateRejected || rej.Reason != "different mother" || rej.DecidedOrg != a.ID || rej.Probability != 0.4 {
			t.Fatalf("rejected candidate: %+v", rej)
		}
		// When the child's data changes, the rejected pair comes back; the
		// confirmed one stays confirmed.
		tx(t, s, func(tx *store.Tx) error {
			return tx.ProposeCandidates(ctx, []store.Candidate{
				{RequestID: req.ID, ChildID: kid2.ID, RequestOrg: a.ID, ChildOrg: b.ID, RequestVersion: 1, ChildVersion: 2, Probability: 0.6, Explanation: `{}`},
				{RequestID: req.ID, ChildID: kid1.ID, RequestOrg: a.ID, ChildOrg: b.ID, RequestVersion: 2, ChildVersion: 1, Probability: 0.2, Explanation: `{}`},
			})
		})
		again := list(store.CandidateFilter{OrgIDs: []string{a.ID}, Status: store.CandidateProposed})
		if len(again) != 1 || again[0].ChildID != kid2.ID || again[0].Probability != 0.6 || again[0].Reason != "" {
			t.Fatalf("after the child changed: %+v", again)
		}
		if got := list(store.CandidateFilter{OrgIDs: []string{a.ID}, Status: store.CandidateConfirmed}); len(got) != 1 || got[0].Probability != 0.97 {
			t.Fatalf("confirmed pair changed: %+v", got)
		}
		if got := list(store.CandidateFilter{OrgIDs: []string{a.ID}, RecordID: kid2.ID}); len(got) != 1 {
			t.Fatalf("by record: %+v", got)
		}
	})
}
