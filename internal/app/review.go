package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/match"
	"github.com/reunite-ftr/reunite/internal/store"
)

// QueueItem is one proposed pair as a reviewer sees it: the engine's
// explanation, and each side's record if the reviewer may see it (until the
// sharing policy opens the other party's records, only the reviewer's own
// side is shown; the explanation says how the fields compared without
// showing the other side's data).
type QueueItem struct {
	store.Candidate
	Explanation match.Explanation `json:"explanation"`
	Request     *domain.Record    `json:"request,omitempty"`
	Child       *domain.Record    `json:"child,omitempty"`
	// Votes are each party's decision so far: the mediator sees both.
	Votes []store.Vote `json:"votes"`
}

// ReviewQueue lists the pairs involving p's organisation, most probable
// first: by default those still proposed at or above the review threshold.
func (a *App) ReviewQueue(ctx context.Context, p access.Principal, f store.CandidateFilter) ([]QueueItem, error) {
	if !p.Can(access.ReviewMatches) {
		return nil, ErrForbidden
	}
	f.OrgIDs = []string{p.OrgID}
	if p.OrgKind == domain.OrgMediator {
		f.SharedWith = p.OrgID
	}
	if f.Status == "" {
		f.Status = store.CandidateProposed
	}
	if f.Status == store.CandidateProposed && f.MinProbability == 0 {
		f.MinProbability = DefaultReviewThreshold
	}
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = 50
	}
	var items []QueueItem
	err := a.store.ReadTx(ctx, func(tx *store.Tx) error {
		cands, err := tx.Candidates(ctx, f)
		if err != nil {
			return err
		}
		var shown []*domain.Record
		for _, c := range cands {
			item, recs, err := a.queueItem(ctx, tx, p, c)
			if err != nil {
				return err
			}
			shown = append(shown, recs...)
			items = append(items, item)
		}
		return tx.AppendAudit(ctx, auditShown(p, ActionRead, fmt.Sprintf("review queue, %d candidates", len(cands)), shown)...)
	})
	if err != nil {
		return nil, err // nothing read is handed out without its audit
	}
	return items, nil
}

// WaitingPairs returns the ids of the proposed pairs involving p's
// organisation that it has not voted on yet, most probable first (at most
// MaxPage). It reads no record, so it audits nothing: a page that shows a
// pair reads it with Candidate, which does.
func (a *App) WaitingPairs(ctx context.Context, p access.Principal) ([]string, error) {
	if !p.Can(access.ReviewMatches) {
		return nil, ErrForbidden
	}
	f := store.CandidateFilter{OrgIDs: []string{p.OrgID}, Status: store.CandidateProposed, MinProbability: DefaultReviewThreshold, Limit: MaxPage}
	if p.OrgKind == domain.OrgMediator {
		f.SharedWith = p.OrgID
	}
	var ids []string
	err := a.store.ReadTx(ctx, func(tx *store.Tx) error {
		cands, err := tx.Candidates(ctx, f)
		if err != nil {
			return err
		}
		for _, c := range cands {
			votes, err := tx.Votes(ctx, c.ID)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(votes, func(v store.Vote) bool { return v.OrgID == p.OrgID }) {
				ids = append(ids, c.ID)
			}
		}
		return nil
	})
	return ids, err
}

// queueItem fills in a candidate's explanation and the records p may see,
// returning those records for the audit.
func (a *App) queueItem(ctx context.Context, tx *store.Tx, p access.Principal, c store.Candidate) (QueueItem, []*domain.Record, error) {
	item := QueueItem{Candidate: c}
	if err := json.Unmarshal([]byte(c.Explanation), &item.Explanation); err != nil {
		return item, nil, fmt.Errorf("candidate %s: stored explanation: %w", c.ID, err)
	}
	var err error
	if item.Votes, err = tx.Votes(ctx, c.ID); err != nil {
		return item, nil, err
	}
	if item.Votes == nil {
		item.Votes = []store.Vote{}
	}
	var shown []*domain.Record
	v := newViewer(p, tx)
	for _, side := range []struct {
		id  string
		dst **domain.Record
	}{{c.RequestID, &item.Request}, {c.ChildID, &item.Child}} {
		r, err := tx.Record(ctx, side.id, true)
		if err != nil {
			return item, nil, err
		}
		view, err := v.shown(ctx, r)
		if err != nil {
			return item, nil, err
		}
		if view == nil {
			continue // not shared with p: the explanation alone says how it compared
		}
		*side.dst = view
		shown = append(shown, view)
	}
	return item, shown, nil
}

// Candidate returns one pair involving p's organisation.
func (a *App) Candidate(ctx context.Context, p access.Principal, id string) (QueueItem, error) {
	if !p.Can(access.ReviewMatches) {
		return QueueItem{}, ErrForbidden
	}
	var item QueueItem
	err := a.store.ReadTx(ctx, func(tx *store.Tx) error {
		c, err := readableCandidate(ctx, tx, p, id)
		if err != nil {
			return err
		}
		var shown []*domain.Record
		if item, shown, err = a.queueItem(ctx, tx, p, c); err != nil {
			return err
		}
		for _, r := range shown {
			if err := tx.AppendAudit(ctx, auditOf(p, ActionRead, store.OutcomeOK, r)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, "match.read", "candidate "+id)
	}
	if err != nil {
		return QueueItem{}, err
	}
	return item, nil
}

// readableCandidate reads a candidate p's organisation owns a side of, or,
// for the mediator, one both of whose records it received.
func readableCandidate(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.Candidate, error) {
	c, err := tx.Candidate(ctx, id)
	if err != nil || slices.Contains([]string{c.RequestOrg, c.ChildOrg}, p.OrgID) {
		return c, err
	}
	if p.OrgKind == domain.OrgMediator {
		rq, err := tx.SharedWith(ctx, c.RequestID, p.OrgID)
		if err != nil {
			return c, err
		}
		ch, err := tx.SharedWith(ctx, c.ChildID, p.OrgID)
		if err != nil {
			return c, err
		}
		if rq && ch {
			return c, nil
		}
	}
	return store.Candidate{}, fmt.Errorf("candidate %s: %w", id, store.ErrNotFound)
}

// ownCandidate reads a candidate that involves p's organisation, for a
// vote; any other is not found.
func ownCandidate(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.Candidate, error) {
	c, err := tx.Candidate(ctx, id)
	if err == nil && !slices.Contains([]string{c.RequestOrg, c.ChildOrg}, p.OrgID) {
		return store.Candidate{}, fmt.Errorf("candidate %s: %w", id, store.ErrNotFound)
	}
	return c, err
}
