package app

import (
	"context"
	"fmt"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/match"
	"github.com/reunite-ftr/reunite/internal/store"
)

// StartMatching trains the matching engine on the records in the store and
// keeps it, so that from then on every record created or changed gets its
// candidates at once (the incremental path). With no records on one side
// yet there is nothing to learn from: it returns without an engine, and
// the first records to arrive on the missing side train one.
func (a *App) StartMatching(ctx context.Context) error {
	a.wantLive.Store(true)
	start := time.Now()
	meta := map[string]recordMeta{}
	reqs, err := a.loadAll(ctx, domain.KindRequest, meta)
	if err != nil {
		return err
	}
	kids, err := a.loadAll(ctx, domain.KindChild, meta)
	if err != nil {
		return err
	}
	if len(reqs) == 0 || len(kids) == 0 {
		a.log.Info("matching engine not started: no records on one side yet", "requests", len(reqs), "children", len(kids))
		return nil
	}
	en, err := match.Train(ctx, reqs, kids, match.Options{IndexRequests: true})
	if err != nil {
		return err
	}
	a.engine.Store(en)
	a.log.Info("matching engine ready", "requests", len(reqs), "children", len(kids), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// rematch runs committed new or changed records through the live engine
// and proposes their candidates for review. Matching is a proposal, never a
// change to the records, so it runs after their transaction: a failure here
// is logged and leaves the records as they are.
func (a *App) rematch(ctx context.Context, recs []domain.Record) {
	en := a.engine.Load()
	if len(recs) == 0 {
		return
	}
	if en == nil {
		a.firstMatch(ctx)
		return
	}
	// The engine is in memory: most writes propose nothing, and then no
	// transaction is opened at all.
	var proposed []match.Pair
	for i := range recs {
		r := &recs[i]
		if r.Deleted != nil {
			en.Remove(r.ID)
			continue
		}
		for _, p := range en.Upsert(r) {
			if p.Probability >= DefaultReviewThreshold {
				proposed = append(proposed, p)
			}
		}
	}
	if len(proposed) == 0 {
		return
	}
	var cands []store.Candidate
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		cands = cands[:0]
		for _, p := range proposed {
			c, ok, err := candidateOf(ctx, tx, en, p)
			if err != nil {
				return err
			}
			if ok {
				cands = append(cands, c)
			}
		}
		ids, err := tx.ProposeCandidatesIDs(ctx, cands)
		if err != nil {
			return err
		}
		return a.recordProposals(ctx, tx, ids, map[string]string{"run": "live"})
	})
	if err != nil {
		a.log.Error("matching new records", "records", len(recs), "err", err)
	}
}

// firstMatch trains the first engine, when records arrive in a store that
// had none on one side: a full run, which also fills the review queue.
// Later records take the incremental path. One run at a time: records
// arriving meanwhile are in the store, and the run reads the store.
func (a *App) firstMatch(ctx context.Context) {
	if !a.wantLive.Load() || !a.firstRun.TryLock() {
		return
	}
	defer a.firstRun.Unlock()
	if a.engine.Load() != nil {
		return
	}
	// While one side has no record yet, every write would otherwise load
	// the whole store only to find that: count first (an index scan, not
	// a read and decode of every record).
	var reqs, kids int
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if reqs, err = tx.CountRecords(ctx, store.RecordFilter{AnyOwner: true, Kind: domain.KindRequest, Limit: 1}); err != nil || reqs == 0 {
			return err
		}
		kids, err = tx.CountRecords(ctx, store.RecordFilter{AnyOwner: true, Kind: domain.KindChild, Limit: 1})
		return err
	})
	if err != nil {
		a.log.Error("first matching run", "err", err)
		return
	}
	if reqs == 0 || kids == 0 {
		return
	}
	if _, err := a.MatchAll(ctx, "system:live", MatchOptions{}); err != nil {
		a.log.Error("first matching run", "err", err)
	}
}

// candidateOf turns a pair into a candidate, reading both records' owners
// and versions from the store; ok is false for a pair of two parties'
// records not yet handed over to each other (see eligible).
func candidateOf(ctx context.Context, tx *store.Tx, en *match.Engine, p match.Pair) (c store.Candidate, ok bool, err error) {
	rq, err := tx.Record(ctx, p.A, false)
	if err != nil {
		return c, false, fmt.Errorf("request %s: %w", p.A, err)
	}
	ch, err := tx.Record(ctx, p.B, false)
	if err != nil {
		return c, false, fmt.Errorf("child %s: %w", p.B, err)
	}
	if rq.OrgID != ch.OrgID {
		rl, err := tx.ListedTo(ctx, rq.ID)
		if err != nil {
			return c, false, err
		}
		cl, err := tx.ListedTo(ctx, ch.ID)
		if err != nil {
			return c, false, err
		}
		if !eligible(rq.OrgID, ch.OrgID, rl, cl) {
			return c, false, nil
		}
	}
	c, err = newCandidate(en, p, recordMeta{org: rq.OrgID, version: rq.Version}, recordMeta{org: ch.OrgID, version: ch.Version})
	return c, err == nil, err
}
