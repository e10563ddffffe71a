package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/match"
	"github.com/reunite-ftr/reunite/internal/store"
)

// DefaultReviewThreshold is the lowest match probability put in the review
// queue. It is set low on purpose: a reviewer's minute on an unlikely pair
// costs far less than a child never found (see docs/BENCHMARKS.md for the
// recall and precision it gives).
const DefaultReviewThreshold = 0.2

// MatchOptions tune a matching run.
type MatchOptions struct {
	ReviewThreshold float64
}

// MatchResult says what a matching run found.
type MatchResult struct {
	Requests, Children int
	Pairs              []match.Pair
	Queued             int
	Duration           time.Duration
	// Explain gives a pair's field-by-field account.
	Explain func(match.Pair) match.Explanation
	// ExternalIDs maps record ids to the owners' own references.
	ExternalIDs map[string]string
}

// recordMeta is what a candidate needs to know of each record.
type recordMeta struct {
	org      string
	version  int
	external string
}

// loadAll reads every live record of one kind, page by page.
func (a *App) loadAll(ctx context.Context, kind domain.Kind, meta map[string]recordMeta) ([]domain.Record, error) {
	var out []domain.Record
	f := store.RecordFilter{AnyOwner: true, Kind: kind, Limit: 10_000}
	for {
		var page []domain.Record
		err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { page, err = tx.Records(ctx, f); return err })
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			meta[r.ID] = recordMeta{r.OrgID, r.Version, r.ExternalID}
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		f.After = page[len(page)-1].ID
	}
}

// MatchAll links every tracing request in the database to the child
// records, puts the pairs at or above the review threshold in the review
// queue, and keeps the engine as the live one (see StartMatching). It is the operator's job (actor names who ran it): it reads every
// party's records, and is audited as one act.
func (a *App) MatchAll(ctx context.Context, actor string, opts MatchOptions) (MatchResult, error) {
	start := time.Now()
	if opts.ReviewThreshold <= 0 {
		opts.ReviewThreshold = DefaultReviewThreshold
	}
	meta := map[string]recordMeta{}
	reqs, err := a.loadAll(ctx, domain.KindRequest, meta)
	if err != nil {
		return MatchResult{}, err
	}
	kids, err := a.loadAll(ctx, domain.KindChild, meta)
	if err != nil {
		return MatchResult{}, err
	}
	res := MatchResult{Requests: len(reqs), Children: len(kids), ExternalIDs: map[string]string{}}
	for id, m := range meta {
		res.ExternalIDs[id] = m.external
	}
	if len(reqs) == 0 || len(kids) == 0 {
		res.Duration = time.Since(start)
		res.Explain = func(match.Pair) match.Explanation { return match.Explanation{} }
		return res, nil
	}
	en, err := match.Train(ctx, reqs, kids, match.Options{IndexRequests: true})
	if err != nil {
		return res, err
	}
	// The engine just trained is the freshest there is: keep it live.
	a.engine.Store(en)
	res.Explain = en.Model().Explain
	if res.Pairs, err = en.Link(ctx, reqs); err != nil {
		return res, err
	}
	var listed map[string][]string
	if err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { listed, err = tx.ListedToAll(ctx); return err }); err != nil {
		return res, err
	}
	var cands []store.Candidate
	for _, p := range res.Pairs {
		if p.Probability < opts.ReviewThreshold || !eligible(meta[p.A].org, meta[p.B].org, listed[p.A], listed[p.B]) {
			continue
		}
		c, err := newCandidate(en, p, meta[p.A], meta[p.B])
		if err != nil {
			return res, err
		}
		cands = append(cands, c)
	}
	err = a.store.InTx(ctx, func(tx *store.Tx) error {
		ids, err := tx.ProposeCandidatesIDs(ctx, cands)
		if err != nil {
			return err
		}
		if err := a.recordProposals(ctx, tx, ids, map[string]string{"run": "batch"}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: actor, Action: "match.run", Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("%d requests × %d children: %d pairs, %d proposed for review", len(reqs), len(kids), len(res.Pairs), len(cands))})
	})
	res.Queued = len(cands)
	res.Duration = time.Since(start)
	return res, err
}

// newCandidate turns a proposed pair into a candidate for the review queue,
// with the engine's explanation and both records' owners and versions.
func newCandidate(en *match.Engine, p match.Pair, rq, ch recordMeta) (store.Candidate, error) {
	x, err := json.Marshal(en.Model().Explain(p))
	if err != nil {
		return store.Candidate{}, err
	}
	return store.Candidate{RequestID: p.A, ChildID: p.B, RequestOrg: rq.org, ChildOrg: ch.org,
		RequestVersion: rq.version, ChildVersion: ch.version, Probability: p.Probability, Explanation: string(x)}, nil
}
