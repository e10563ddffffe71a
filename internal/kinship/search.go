package kinship

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Member is a typed relative of a missing child: the relationship is the
// one stated by the family (ParentChild for a mother or father).
type Member struct {
	Profile      Profile      `json:"profile"`
	Relationship Relationship `json:"relationship"`
	// Label is how the family named the relationship ("mother", "elder
	// brother"), for the explanation.
	Label string `json:"label,omitempty"`
}

// Family is the typed relatives of one missing child: a reference family.
type Family struct {
	ID      string   `json:"id"`
	Members []Member `json:"members"`
	// Demographic is the matching engine's probability that the child
	// searched for is this family's missing child, from names, dates and
	// places; HasDemographic is false when the engine proposed no such
	// pair.
	Demographic    float64 `json:"demographic,omitempty"`
	HasDemographic bool    `json:"has_demographic,omitempty"`
}

// Hypothesis chooses what to test a child against a family with: both
// parents (a trio), else one parent (a duo), else the one relative of the
// closest relationship typed at the most loci. It returns the case and the
// members used.
func (f *Family) Hypothesis(child *Profile) (Case, []int, error) {
	var parents, others []int
	for i, m := range f.Members {
		switch m.Relationship {
		case ParentChild:
			parents = append(parents, i)
		case FullSiblings, HalfSiblings, Grandparent, AuntUncle:
			others = append(others, i)
		default:
			return Case{}, nil, fmt.Errorf("family %s: member %s: %q is not a relationship to a child (parent_child, full_siblings, half_siblings, grandparent, aunt_uncle)", f.ID, m.Profile.ID, m.Relationship)
		}
	}
	switch {
	case len(parents) >= 2:
		a, b := &f.Members[parents[0]], &f.Members[parents[1]]
		return Case{Relationship: Trio, Child: *child, Relative: b.Profile, Other: &a.Profile}, parents[:2], nil
	case len(parents) == 1:
		return Case{Relationship: ParentChild, Child: *child, Relative: f.Members[parents[0]].Profile}, parents, nil
	case len(others) == 0:
		return Case{}, nil, fmt.Errorf("family %s has no typed member", f.ID)
	}
	rank := func(i int) int { return slices.Index(Relationships, f.Members[i].Relationship) }
	best := slices.MinFunc(others, func(a, b int) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return cmp.Compare(len(f.Members[b].Profile.Typed()), len(f.Members[a].Profile.Typed()))
	})
	m := &f.Members[best]
	return Case{Relationship: m.Relationship, Child: *child, Relative: m.Profile}, []int{best}, nil
}

// SearchOptions tune Search.
type SearchOptions struct {
	// Top is how many hits are returned, explained (default 10).
	Top int
	// Prior is the prior probability of a family with no demographic
	// match (default 1/N over the N families searched).
	Prior float64
	// ByPosterior ranks by posterior rather than by LR.
	ByPosterior bool
	// Workers is how many goroutines compute (default GOMAXPROCS).
	Workers int
}

// Hit is one family's result.
type Hit struct {
	Family       string       `json:"family"`
	Relationship Relationship `json:"relationship"`
	// Used are the members' sample ids the LR compares the child with;
	// Unused the others typed, left out of the LR.
	Used        []string `json:"used"`
	Unused      []string `json:"unused,omitempty"`
	LR          float64  `json:"lr"`
	Log10LR     Log10    `json:"log10_lr"`
	Loci        int      `json:"loci"`
	Demographic float64  `json:"demographic_probability,omitempty"`
	// PriorSource says where the prior came from.
	PriorSource string  `json:"prior_source"`
	Prior       float64 `json:"prior"`
	Posterior   float64 `json:"posterior"`
	Explanation string  `json:"explanation"`
	// Result is the full per-locus explanation.
	Result *Result `json:"result,omitempty"`
}

// MinDemographic bounds the demographic probability used as a prior away
// from 0 and 1, so that no name or date settles a question DNA can answer.
const MinDemographic = 1e-6

// Search compares one child's profile with every family and returns the
// top hits, each with its LR for the relationships the family stated and a
// posterior that combines it with the demographic match: posterior odds =
// demographic (prior) odds × LR.
func (k *Calculator) Search(child Profile, families []Family, o SearchOptions) ([]Hit, error) {
	if len(families) == 0 {
		return nil, errors.New("no reference family to search")
	}
	if o.Top <= 0 {
		o.Top = 10
	}
	if o.Prior <= 0 || o.Prior >= 1 {
		o.Prior = 1 / float64(len(families)+1)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type scored struct {
		i        int
		lr, post float64
		loci     int
		err      error
	}
	scores := make([]scored, len(families))
	var wg sync.WaitGroup
	chunk := (len(families) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(families))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f := &families[i]
				c, _, err := f.Hypothesis(&child)
				s := scored{i: i, err: err}
				if err == nil {
					s.lr, s.loci = k.LR(&c)
					s.post = Posterior(s.lr, priorOf(f, o.Prior))
				}
				scores[i] = s
			}
		}()
	}
	wg.Wait()
	for _, s := range scores {
		if s.err != nil {
			return nil, s.err
		}
	}
	slices.SortFunc(scores, func(a, b scored) int {
		if o.ByPosterior {
			if c := cmp.Compare(b.post, a.post); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(b.lr, a.lr); c != 0 {
			return c
		}
		return cmp.Compare(families[a.i].ID, families[b.i].ID)
	})
	hits := make([]Hit, 0, min(o.Top, len(scores)))
	for _, s := range scores[:min(o.Top, len(scores))] {
		h, err := k.explainHit(child, &families[s.i], o.Prior)
		if err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, nil
}

func priorOf(f *Family, def float64) float64 {
	if f.HasDemographic {
		return min(max(f.Demographic, MinDemographic), 1-MinDemographic)
	}
	return def
}

// explainHit computes one family's hit in full.
func (k *Calculator) explainHit(child Profile, f *Family, def float64) (Hit, error) {
	c, used, err := f.Hypothesis(&child)
	if err != nil {
		return Hit{}, err
	}
	h := Hit{Family: f.ID, Relationship: c.Relationship, Prior: priorOf(f, def)}
	for i, m := range f.Members {
		if slices.Contains(used, i) {
			h.Used = append(h.Used, m.Profile.ID)
		} else {
			h.Unused = append(h.Unused, m.Profile.ID)
		}
	}
	kk := *k
	kk.o.Prior = h.Prior
	r, err := kk.Compute(c)
	if err != nil {
		// No locus in common: an LR of 1, which moves nothing.
		r = Result{LR: 1, Prior: h.Prior, Posterior: h.Prior, Reading: err.Error(), Relationship: c.Relationship}
	}
	h.LR, h.Log10LR, h.Loci, h.Posterior, h.Result = r.LR, Log10(math.Log10(r.LR)), len(r.Loci), r.Posterior, &r
	if f.HasDemographic {
		h.Demographic = f.Demographic
		h.PriorSource = fmt.Sprintf("the matching engine's demographic probability %.4g (names, dates, places)", f.Demographic)
	} else {
		h.PriorSource = fmt.Sprintf("no demographic match: %.3g, as if the child were equally likely to belong to any family searched or to none", def)
	}
	priorOdds := h.Prior / (1 - h.Prior)
	h.Explanation = fmt.Sprintf("%s Posterior odds = prior odds × LR = %s × %s = %s, so the posterior probability is %s (prior: %s).",
		r.Reading, odds(priorOdds), odds(r.LR), odds(priorOdds*r.LR), pct(h.Posterior), h.PriorSource)
	if len(h.Unused) > 0 {
		h.Explanation += fmt.Sprintf(" Typed but not in this LR: %v (the LR uses the closest relatives: both parents, one parent, or else one relative).", h.Unused)
	}
	return h, nil
}

func odds(x float64) string {
	if x > 0 && x < 1 {
		return "1/" + Humanize(1/x)
	}
	if x == 0 {
		return "0"
	}
	return Humanize(x)
}
