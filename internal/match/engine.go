package match

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Options tune training and linking.
type Options struct {
	// MinProbability is the lowest match probability a pair is reported at.
	MinProbability float64
	// MaxPerRecord bounds the candidates reported for one record.
	MaxPerRecord int
	// USamples is how many random pairs u is measured on.
	USamples int
	// EMSample is how many records' candidate pairs EM learns from.
	EMSample int
	// Seed makes the random samples repeatable.
	Seed uint64
	// Workers is how many goroutines link; 0 means GOMAXPROCS.
	Workers int
	// IndexRequests also indexes the requests, so that a new child record
	// finds the requests seeking it (Upsert). Batch linking does not need it.
	IndexRequests bool
}

func (o Options) withDefaults() Options {
	if o.MinProbability == 0 {
		o.MinProbability = 0.01
	}
	if o.MaxPerRecord == 0 {
		o.MaxPerRecord = 5
	}
	if o.USamples == 0 {
		o.USamples = 200_000
	}
	if o.EMSample == 0 {
		o.EMSample = 20_000
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// Pair is a proposed link between a record of one side and a record of the
// other (or, when deduplicating, two records of one side).
type Pair struct {
	A, B        string  // record ids: the request (or first record), the child (or second)
	Probability float64 // calibrated match probability
	Weight      float64 // total match weight in bits, prior included
	// Rivals is how much probability the pair lost to the request's other
	// candidates (see exclusive): the pair alone would have had
	// Probability + Rivals.
	Rivals  float64
	levels  vector
	weights [numFields]float32
}

// Engine links records. Build it with Train; it is safe for concurrent use.
type Engine struct {
	opts  Options
	model *Model

	trained []entity // the requests a Builder trained on, for LinkTrained

	mu       sync.RWMutex
	index    *Index    // children
	requests *Index    // requests, if Options.IndexRequests
	prep     *preparer // for single records; guarded by mu

	// noScreen turns the pre-screen (screen.go) off, for tests that it
	// changes no result.
	noScreen bool
}

// prepareAll prepares records on every core.
func prepareAll(recs []domain.Record, workers int) []entity {
	out := make([]entity, len(recs))
	var wg sync.WaitGroup
	chunk := (len(recs) + workers - 1) / max(workers, 1)
	for w := 0; w < workers && w*chunk < len(recs); w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(recs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newPreparer()
			for i := lo; i < hi; i++ {
				out[i] = p.prepare(&recs[i])
			}
		}()
	}
	wg.Wait()
	return out
}

// Train prepares both sides, indexes the children, and estimates the
// model from the data: u from random request–child pairs, m by EM over the
// candidate pairs that blocking finds, the prior from EM's estimate of how
// many candidate pairs are matches.
func Train(ctx context.Context, requests, children []domain.Record, opts Options) (*Engine, error) {
	opts = opts.withDefaults()
	if len(requests) == 0 || len(children) == 0 {
		return nil, errors.New("match: need records on both sides to train")
	}
	reqs := prepareAll(requests, opts.Workers)
	kids := prepareAll(children, opts.Workers)
	return train(ctx, reqs, kids, opts)
}

func train(ctx context.Context, reqs, kids []entity, opts Options) (*Engine, error) {
	// u before the index, which reorders the children: the random pairs
	// are drawn from the records in the order they came.
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	u := estimateU(rng, reqs, kids, opts.USamples)
	ix := buildIndex(kids, opts.Workers)
	tf := countTerms(reqs, kids)
	tf.setShares(reqs)
	tf.setShares(ix.ents)

	// EM learns from the best candidate of each sampled request under a
	// starting model. Among all candidate pairs true ones are rare (a few in
	// a thousand at a million records) and EM would settle on another
	// cluster, such as namesakes; among best candidates about as many are
	// true as there are requests whose child is on file, and the two kinds
	// differ clearly.
	var m0 [numFields][]float64
	for f := range fields {
		m0[f] = make([]float64, len(fields[f].Levels))
		for l := range m0[f] {
			m0[f][l] = math.Pow(0.25, float64(l))
		}
		normalise(m0[f])
	}
	start := newModel(m0, u, 1/float64(len(kids)), tf, 0)
	step := max(1, len(reqs)/opts.EMSample)
	pats, sampled, withCandidates := bestPatterns(ctx, ix, start, reqs, step, opts.Workers, true)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if withCandidates == 0 {
		return nil, errors.New("match: blocking found no candidate pairs to learn from")
	}
	m, share, iters := em(pats, u, 200)
	// Expected matches among all requests, over all request–child pairs.
	expected := share * float64(withCandidates) / float64(sampled) * float64(len(reqs))
	prior := expected / (float64(len(reqs)) * float64(len(kids)))
	prior = min(max(prior, 1e-15), 0.5)
	md := newModel(m, u, prior, tf, iters)
	en := &Engine{opts: opts, model: md, index: ix, prep: newPreparer()}
	if opts.IndexRequests {
		// Clipped: records added to the index later must not be written
		// into an array a Builder's engine still holds (en.trained).
		en.requests = buildIndex(slices.Clip(reqs), opts.Workers)
	}
	return en, nil
}

// bestPatterns counts the comparison vectors of the best candidate, under
// the model md, of every step-th request, on workers goroutines.
//
// The sampled requests are shared out among the workers; the counts they
// find are whole numbers, so adding them up in any order gives the same
// patterns. With screen, a candidate the pre-screen shows cannot beat the
// best so far (by more than rounding) is not scored: it would not have been
// taken.
func bestPatterns(ctx context.Context, ix *Index, md *Model, reqs []entity, step, workers int, screen bool) (pats patterns, sampled, withCandidates int) {
	type part struct {
		pats                    patterns
		sampled, withCandidates int
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := ix.searcher()
			pt := part{pats: patterns{}}
			for i := w * step; i < len(reqs) && ctx.Err() == nil; i += workers * step {
				a := &reqs[i]
				pt.sampled++
				var pr probe
				if screen {
					bounds := md.bounds(a)
					pr = ix.probe(md, a, &bounds)
				}
				var best Pair
				found := false
				for _, c := range s.candidates(a) {
					if found && screen && pr.reject(&ix.scr[c], best.Weight-screenSlack) {
						continue
					}
					p := md.pair(a, &ix.ents[c])
					if !found || p.Weight > best.Weight {
						best, found = p, true
					}
				}
				if found {
					pt.withCandidates++
					pt.pats[best.levels]++
				}
			}
			parts[w] = pt
		}()
	}
	wg.Wait()
	pats = patterns{}
	for _, pt := range parts {
		for v, n := range pt.pats {
			pats[v] += n
		}
		sampled += pt.sampled
		withCandidates += pt.withCandidates
	}
	return pats, sampled, withCandidates
}

// Builder prepares records for training as they arrive and keeps only
// their compact prepared form, so that a million records of each kind fit in
// memory: the caller need not hold the records themselves.
type Builder struct {
	opts       Options
	prep       *preparer
	reqs, kids []entity
}

// NewBuilder returns an empty Builder.
func NewBuilder(opts Options) *Builder {
	return &Builder{opts: opts.withDefaults(), prep: newPreparer()}
}

// Grow makes room for this many more requests and children, so that
// adding them does not copy the records already added: growing a slice of
// a million entities by appending holds the old array and the new one at
// once, and leaves up to a quarter of the new one unused.
func (b *Builder) Grow(requests, children int) {
	b.reqs = slices.Grow(b.reqs, requests)
	b.kids = slices.Grow(b.kids, children)
}

// Add prepares a record, by its kind.
func (b *Builder) Add(r *domain.Record) {
	e := b.prep.prepare(r)
	if r.Kind == domain.KindRequest {
		b.reqs = append(b.reqs, e)
	} else {
		b.kids = append(b.kids, e)
	}
}

// Train trains an engine on the records added (see Train).
func (b *Builder) Train(ctx context.Context) (*Engine, error) {
	if len(b.reqs) == 0 || len(b.kids) == 0 {
		return nil, errors.New("match: need records on both sides to train")
	}
	en, err := train(ctx, b.reqs, b.kids, b.opts)
	if err == nil {
		en.trained = b.reqs
	}
	b.reqs, b.kids = nil, nil
	return en, err
}

// LinkTrained links the requests the engine was built on with a Builder.
func (en *Engine) LinkTrained(ctx context.Context) ([]Pair, error) {
	return en.link(ctx, en.trained)
}

// Model returns the trained model.
func (en *Engine) Model() *Model { return en.model }

// Children returns how many child records are indexed.
func (en *Engine) Children() int {
	en.mu.RLock()
	defer en.mu.RUnlock()
	return en.index.Len()
}

// Link finds, for every request, the children most likely to be the child
// sought, above Options.MinProbability, best first, at most
// Options.MaxPerRecord per request. It runs on every core.
func (en *Engine) Link(ctx context.Context, requests []domain.Record) ([]Pair, error) {
	reqs := prepareAll(requests, en.opts.Workers)
	en.model.freq.setShares(reqs)
	return en.link(ctx, reqs)
}

func (en *Engine) link(ctx context.Context, reqs []entity) ([]Pair, error) {
	en.mu.RLock()
	defer en.mu.RUnlock()
	results := make([][]Pair, en.opts.Workers)
	var wg sync.WaitGroup
	var next int64
	var nextMu sync.Mutex
	// Requests in the order the children are indexed in: one request's
	// candidates are then near the last one's, in cache.
	order := localityOrder(reqs)
	const batch = 1024
	for w := range en.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := en.index.searcher()
			var out []Pair
			for ctx.Err() == nil {
				nextMu.Lock()
				lo := int(next)
				next += batch
				nextMu.Unlock()
				if lo >= len(reqs) {
					break
				}
				for _, i := range order[lo:min(lo+batch, len(reqs))] {
					out = en.best(s, &reqs[i], out, -1)
				}
			}
			results[w] = out
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	all := make([]Pair, 0, n)
	for i, r := range results {
		all = append(all, r...)
		results[i] = nil
	}
	return all, nil
}

// best appends to out the best candidates of e. self, if not -1, is e's own
// index (deduplication), which is skipped along with every record before it,
// so that each pair is reported once.
func (en *Engine) best(s *searcher, e *entity, out []Pair, self int32) []Pair {
	start := len(out)
	minWeight := logit(en.opts.MinProbability)
	bounds := en.model.bounds(e)
	screen := !en.noScreen
	var pr probe
	if screen {
		pr = en.index.probe(en.model, e, &bounds)
	}
	for _, c := range s.candidates(e) {
		if self >= 0 && c <= self {
			continue
		}
		if screen && pr.reject(&en.index.scr[c], minWeight) {
			continue
		}
		if pair, ok := en.model.pruned(e, &en.index.ents[c], minWeight, &bounds); ok && pair.Probability >= en.opts.MinProbability {
			out = append(out, pair)
		}
	}
	mine := out[start:]
	slices.SortFunc(mine, func(x, y Pair) int { return cmp.Compare(y.Weight, x.Weight) })
	if self < 0 {
		mine = exclusive(mine, en.opts.MinProbability)
		out = out[:start+len(mine)]
	}
	if len(mine) > en.opts.MaxPerRecord {
		out = out[:start+en.opts.MaxPerRecord]
	}
	return out
}

// exclusive turns the probabilities of one request's candidates, sorted
// best first, into what they are given each other: a request seeks one
// child, so two children cannot both be the one. With odds o_k = 2^w_k of
// each pair on its own, the probability that candidate k is the child is
// o_k / (1 + Σ o_j), the 1 standing for "none of them". A lone candidate
// keeps its probability; a namesake found beside a much better fitting
// record loses most of its. Candidates that fall below minProbability are
// dropped.
func exclusive(pairs []Pair, minProbability float64) []Pair {
	if len(pairs) < 2 {
		return pairs
	}
	// Shift by the best weight so that 2^w cannot overflow: with t = w - top,
	// o_k / (1 + Σ o_j) = 2^t_k / (2^-top + Σ 2^t_j).
	top := pairs[0].Weight
	sum := math.Exp2(-top)
	for _, p := range pairs {
		sum += math.Exp2(p.Weight - top)
	}
	kept := pairs[:0]
	for _, p := range pairs {
		alone := p.Probability
		p.Probability = math.Exp2(p.Weight-top) / sum
		p.Rivals = alone - p.Probability
		if p.Probability >= minProbability {
			kept = append(kept, p)
		}
	}
	return kept
}

// Candidates returns the best children for one request, best first: the
// incremental path, for a record just created or changed.
func (en *Engine) Candidates(r *domain.Record) []Pair {
	en.mu.Lock() // the preparer's caches are not safe for concurrent use
	e := en.prep.prepare(r)
	en.mu.Unlock()
	ents := []entity{e}
	en.model.freq.setShares(ents)
	e = ents[0]
	en.mu.RLock()
	defer en.mu.RUnlock()
	s := en.index.borrow()
	defer en.index.release(s)
	return en.best(s, &e, nil, -1)
}

// Upsert indexes a new or changed record and returns its best candidates on
// the other side, best first, each as a request–child pair: a tracing
// request's children, or the requests seeking a child. Requests are only
// searched for if the engine was trained with Options.IndexRequests.
func (en *Engine) Upsert(r *domain.Record) []Pair {
	en.mu.Lock()
	ents := []entity{en.prep.prepare(r)}
	en.model.freq.setShares(ents)
	e := ents[0]
	own, other := en.index, en.requests
	if r.Kind == domain.KindRequest {
		own, other = en.requests, en.index
	}
	if own != nil {
		own.add(e)
	}
	en.mu.Unlock()
	if other == nil {
		return nil
	}
	en.mu.RLock()
	defer en.mu.RUnlock()
	s := other.borrow()
	defer other.release(s)
	if r.Kind == domain.KindRequest {
		return en.best(s, &e, nil, -1)
	}
	// A child's candidates are requests; score each pair from the
	// request's side, as linking does, so weights are the same both ways,
	// and among the request's other candidates (see exclusive), so that
	// probabilities are the same as a full link would give.
	var out []Pair
	minWeight := logit(en.opts.MinProbability)
	children := en.index.borrow()
	defer en.index.release(children)
	for _, c := range s.candidates(&e) {
		req := &other.ents[c]
		bounds := en.model.bounds(req)
		if _, ok := en.model.pruned(req, &e, minWeight, &bounds); !ok {
			continue
		}
		for _, p := range en.best(children, req, nil, -1) {
			if p.B == e.id {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(x, y Pair) int { return cmp.Compare(y.Weight, x.Weight) })
	return out[:min(len(out), en.opts.MaxPerRecord)]
}

// Add indexes a child record, or re-indexes it if it was indexed before.
func (en *Engine) Add(r *domain.Record) {
	en.mu.Lock()
	defer en.mu.Unlock()
	ents := []entity{en.prep.prepare(r)}
	en.model.freq.setShares(ents)
	en.index.add(ents[0])
}

// Remove takes a record out of the indexes.
func (en *Engine) Remove(id string) {
	en.mu.Lock()
	defer en.mu.Unlock()
	for _, ix := range []*Index{en.index, en.requests} {
		if ix == nil {
			continue
		}
		if i, ok := ix.byID[id]; ok {
			ix.remove(i)
		}
	}
}

// Dedupe finds pairs of indexed records that may be the same child
// recorded twice by one side.
func (en *Engine) Dedupe(ctx context.Context) ([]Pair, error) {
	en.mu.RLock()
	defer en.mu.RUnlock()
	s := en.index.searcher()
	var out []Pair
	for i := range en.index.ents {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e := &en.index.ents[i]
		if e.dead {
			continue
		}
		out = en.best(s, e, out, int32(i))
	}
	return out, nil
}
