package kinship

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// SimulatedPrefix starts the name of every simulated table.
const SimulatedPrefix = "SIMULATED"

// SimulateTable makes up a frequency table for tests, demonstrations and
// simulations: SIMULATED, describing no real population, and named and
// flagged so. Each locus gets 8 to 16 consecutive alleles (and a
// microvariant or two) with bell-shaped random frequencies, a sample size
// N of 1,000 and so a minimum frequency of 0.0025.
func SimulateTable(seed uint64) *FrequencyTable {
	rng := rand.New(rand.NewPCG(seed, 0x6b696e73686970))
	t := NewFrequencyTable(fmt.Sprintf("%s-%d (made up, not a real population)", SimulatedPrefix, seed))
	t.Simulated = true
	for _, l := range AllLoci() {
		k := 8 + rng.IntN(9)
		base := 6 + rng.IntN(20)
		var alleles []Allele
		var weights []float64
		var sum float64
		for i := range k {
			// a bell over the alleles, times a random factor
			z := (float64(i) - float64(k-1)/2) / (float64(k) / 4)
			w := math.Exp(-z*z/2) * (0.3 + rng.Float64())
			alleles = append(alleles, Allele((base+i)*10))
			weights = append(weights, w)
			sum += w
		}
		for range 1 + rng.IntN(2) { // microvariants such as 9.3
			w := 0.02 * rng.Float64()
			alleles = append(alleles, Allele((base+rng.IntN(k))*10+1+rng.IntN(3)))
			weights = append(weights, w)
			sum += w
		}
		for i, a := range alleles {
			p := math.Round(weights[i]/sum*1e6) / 1e6
			if p > 0 && t.freq[l] != nil && t.freq[l][a] != 0 {
				p += t.freq[l][a]
			}
			if p > 0 {
				t.Add(l, a, p)
			}
		}
		t.N[l] = 1000
	}
	return t
}

// sampler draws alleles from a table.
type sampler struct {
	alleles [NumLoci][]Allele
	cdf     [NumLoci][]float64
}

func newSampler(t *FrequencyTable) *sampler {
	s := &sampler{}
	t.Each(func(l Locus, a Allele, p float64) {
		s.alleles[l] = append(s.alleles[l], a)
		prev := 0.0
		if n := len(s.cdf[l]); n > 0 {
			prev = s.cdf[l][n-1]
		}
		s.cdf[l] = append(s.cdf[l], prev+p)
	})
	return s
}

func (s *sampler) allele(rng *rand.Rand, l Locus) Allele {
	c := s.cdf[l]
	u := rng.Float64() * c[len(c)-1]
	i, _ := slices.BinarySearch(c, u)
	return s.alleles[l][min(i, len(c)-1)]
}

// Simulator makes simulated people: founders drawn from a table, children
// by Mendelian transmission with stepwise mutation. Use it with a
// SimulateTable for tests and demonstrations.
type Simulator = simulator

// NewSimulator returns a simulator of the loci (default all the table
// covers), reproducible from its seed.
func NewSimulator(t *FrequencyTable, seed uint64, loci []Locus, mut Mutation) *Simulator {
	if len(loci) == 0 {
		loci = t.Loci()
	}
	return &simulator{s: newSampler(t), rng: newRNG(seed), loci: loci, mut: mut}
}

type simulator struct {
	s    *sampler
	rng  *rand.Rand
	loci []Locus
	mut  Mutation
}

// Founder draws an unrelated person.
func (m *simulator) Founder(id string) Profile {
	p := Profile{ID: id}
	for _, l := range m.loci {
		p.Loci[l] = NewGenotype(m.s.allele(m.rng, l), m.s.allele(m.rng, l))
	}
	return p
}

// pass is the allele a parent passes on at l, perhaps mutated.
func (m *simulator) pass(g Genotype, l Locus) Allele {
	a := g.A
	if m.rng.IntN(2) == 1 {
		a = g.B
	}
	lm := m.mut.at(l)
	if lm.Rate == 0 || m.rng.Float64() >= lm.Rate {
		return a
	}
	steps := 1
	for m.rng.Float64() < lm.TwoStep {
		steps++
	}
	d := steps * 10
	if m.rng.IntN(2) == 0 && int(a) > d+10 {
		d = -d
	}
	return Allele(min(int(a)+d, int(MaxAllele)))
}

// Child makes a child of two people.
func (m *simulator) Child(id string, mother, father *Profile) Profile {
	p := Profile{ID: id}
	for _, l := range m.loci {
		p.Loci[l] = NewGenotype(m.pass(mother.Loci[l], l), m.pass(father.Loci[l], l))
	}
	return p
}

// pedigree makes a case of relationship rel: true relatives, or (related
// false) people unrelated to the child.
func (m *simulator) pedigree(rel Relationship, related bool) Case {
	f := m.Founder
	if !related {
		c := Case{Relationship: rel, Child: f("child"), Relative: f("relative")}
		if rel == Trio {
			o := f("other")
			c.Other = &o
		}
		if rel == TrioKnownParent {
			// the known parent is the child's parent; the alleged one is not
			mother, father := f("mother"), f("father")
			c.Child = m.Child("child", &mother, &father)
			c.Other = &mother
		}
		return c
	}
	switch rel {
	case ParentChild:
		p, o := f("parent"), f("other")
		return Case{Relationship: rel, Child: m.Child("child", &o, &p), Relative: p}
	case Trio, TrioKnownParent:
		mo, fa := f("mother"), f("father")
		return Case{Relationship: rel, Child: m.Child("child", &mo, &fa), Relative: fa, Other: &mo}
	case FullSiblings:
		mo, fa := f("mother"), f("father")
		return Case{Relationship: rel, Child: m.Child("child", &mo, &fa), Relative: m.Child("sibling", &mo, &fa)}
	case HalfSiblings:
		p, a, b := f("parent"), f("a"), f("b")
		return Case{Relationship: rel, Child: m.Child("child", &p, &a), Relative: m.Child("half sibling", &p, &b)}
	case Grandparent:
		g1, g2, sp := f("grandparent"), f("grandparent 2"), f("spouse")
		par := m.Child("parent", &g1, &g2)
		return Case{Relationship: rel, Child: m.Child("child", &par, &sp), Relative: g1}
	case AuntUncle:
		g1, g2, sp := f("g1"), f("g2"), f("spouse")
		par, aunt := m.Child("parent", &g1, &g2), m.Child("aunt", &g1, &g2)
		return Case{Relationship: rel, Child: m.Child("child", &par, &sp), Relative: aunt}
	}
	panic("unknown relationship " + rel)
}

// SimConfig sets up a simulation.
type SimConfig struct {
	// Table is where founders' alleles are drawn from: in tests and
	// demonstrations a SimulateTable, and the report says so.
	Table *FrequencyTable
	// Loci typed (default the 20 CODIS core loci).
	Loci []Locus
	// Pairs is how many true and how many unrelated cases per
	// relationship (default 1,000).
	Pairs int
	// Relationships simulated (default all).
	Relationships []Relationship
	// Options compute the LRs; Options.Mutation also mutates the simulated
	// transmissions, so true pairs include mutations.
	Options Options
	// Thresholds at which error rates are given (default 1, 100, 10⁴, 10⁶).
	Thresholds []float64
	Seed       uint64
}

// SimRow is the LR distribution of one relationship, for true relatives or
// unrelated people.
type SimRow struct {
	Relationship Relationship `json:"relationship"`
	Related      bool         `json:"related"`
	N            int          `json:"n"`
	// Log10 quantiles of the LR: 1%, 5%, 50%, 95%, 99% (−Inf for 0).
	Q01    Log10 `json:"log10_q01"`
	Q05    Log10 `json:"log10_q05"`
	Median Log10 `json:"log10_median"`
	Q95    Log10 `json:"log10_q95"`
	Q99    Log10 `json:"log10_q99"`
	// Above[i] is the share of LRs at or above Thresholds[i].
	Above []float64 `json:"above"`
	// BelowOne is the share below 1 (misleading for true relatives); Zero
	// the share excluded outright.
	BelowOne float64 `json:"below_one"`
	Zero     float64 `json:"zero"`
}

// SimReport is a simulation's result.
type SimReport struct {
	Table      string    `json:"table"`
	Simulated  bool      `json:"simulated_table"`
	Loci       []Locus   `json:"loci"`
	Pairs      int       `json:"pairs"`
	Thresholds []float64 `json:"thresholds"`
	Options    Options   `json:"options"`
	Rows       []SimRow  `json:"rows"`
}

// Simulate draws true and unrelated cases for each relationship and
// reports their LR distributions and error rates: at a threshold T, false
// inclusion is the share of unrelated cases with LR ≥ T, false exclusion
// the share of true ones below T.
func Simulate(cfg SimConfig) (SimReport, error) {
	if cfg.Table == nil {
		return SimReport{}, fmt.Errorf("no frequency table to simulate from")
	}
	if len(cfg.Loci) == 0 {
		cfg.Loci = CODIS
	}
	if cfg.Pairs <= 0 {
		cfg.Pairs = 1000
	}
	if len(cfg.Relationships) == 0 {
		cfg.Relationships = Relationships
	}
	if len(cfg.Thresholds) == 0 {
		cfg.Thresholds = []float64{1, 100, 1e4, 1e6}
	}
	for _, l := range cfg.Loci {
		if !cfg.Table.Has(l) {
			return SimReport{}, fmt.Errorf("locus %s is not in table %s", l, cfg.Table.Name)
		}
	}
	cfg.Options.Loci = cfg.Loci
	k, err := NewCalculator(cfg.Table, cfg.Options)
	if err != nil {
		return SimReport{}, err
	}
	m := &simulator{s: newSampler(cfg.Table), rng: rand.New(rand.NewPCG(cfg.Seed, 0x73696d)), loci: cfg.Loci, mut: cfg.Options.Mutation}
	rep := SimReport{Table: cfg.Table.Name, Simulated: cfg.Table.Simulated, Loci: cfg.Loci, Pairs: cfg.Pairs, Thresholds: cfg.Thresholds, Options: cfg.Options}
	for _, rel := range cfg.Relationships {
		for _, related := range []bool{true, false} {
			lrs := make([]float64, cfg.Pairs)
			for i := range lrs {
				c := m.pedigree(rel, related)
				lrs[i], _ = k.LR(&c)
			}
			rep.Rows = append(rep.Rows, summarise(rel, related, lrs, cfg.Thresholds))
		}
	}
	return rep, nil
}

func summarise(rel Relationship, related bool, lrs []float64, thresholds []float64) SimRow {
	slices.Sort(lrs)
	n := len(lrs)
	q := func(f float64) Log10 { return Log10(math.Log10(lrs[min(int(f*float64(n)), n-1)])) }
	r := SimRow{Relationship: rel, Related: related, N: n, Q01: q(0.01), Q05: q(0.05), Median: q(0.5), Q95: q(0.95), Q99: q(0.99)}
	for _, t := range thresholds {
		i, _ := slices.BinarySearch(lrs, t)
		r.Above = append(r.Above, float64(n-i)/float64(n))
	}
	i, _ := slices.BinarySearch(lrs, 1)
	r.BelowOne = float64(i) / float64(n)
	z, _ := slices.BinarySearch(lrs, math.SmallestNonzeroFloat64)
	r.Zero = float64(z) / float64(n)
	return r
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x73696d)) }
