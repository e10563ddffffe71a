package kinship

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// locusCalc computes likelihoods at one locus.
type locusCalc struct {
	l     Locus
	t     *FrequencyTable
	theta float64
	null  float64
	mut   LocusMutation
	frac  float64
	min   float64
	freq  *[MaxAllele + 1]float64
	// precomputed: 1/(1+(n−1)θ) for n alleles drawn, and the mutation
	// probabilities by number of steps
	inv  [8]float64
	stay float64
	step *[maxSteps + 1]float64
}

// maxSteps is the largest mutation considered: the whole allele range.
const maxSteps = int(MaxAllele)/10 + 1

func (c *locusCalc) prepare() {
	for n := range c.inv {
		c.inv[n] = 1 / (1 + float64(n-1)*c.theta)
	}
	c.stay = 1 - c.mut.Rate
	c.step = nil
	if c.mut.Rate > 0 {
		c.step = new([maxSteps + 1]float64)
		for k := 1; k <= maxSteps; k++ {
			c.step[k] = c.mut.Rate * (1 - c.mut.TwoStep) * math.Pow(c.mut.TwoStep, float64(k-1)) / 2
		}
	}
}

// prob is the probability that allele a becomes b in one transmission
// (LocusMutation.prob, from the precomputed table).
func (c *locusCalc) prob(a, b Allele) float64 {
	if a == b {
		if a == silent {
			return 1
		}
		return c.stay
	}
	if a == silent || b == silent || c.step == nil {
		return 0
	}
	d := int(a) - int(b)
	if d < 0 {
		d = -d
	}
	p := c.step[min((d+9)/10, maxSteps)]
	if d%10 != 0 {
		p *= c.frac
	}
	return p
}

// p is the population frequency of a: the table's (raised to the minimum),
// shared with the silent allele when Null is set.
func (c *locusCalc) p(a Allele) float64 {
	if a == silent {
		return c.null
	}
	var f float64
	if c.freq != nil && a <= MaxAllele {
		f = c.freq[a]
	}
	if f < c.min {
		f = c.min
	}
	return f * (1 - c.null)
}

// seq is the probability of drawing the alleles xs, in this order, from the
// population: each next allele a has probability (x·θ + (1−θ)·p(a)) /
// (1 + (n−1)·θ) after n draws of which x were a (Balding–Nichols).
func (c *locusCalc) seq(xs ...Allele) float64 {
	pr := 1.0
	if c.theta == 0 {
		for _, x := range xs {
			pr *= c.p(x)
		}
		return pr
	}
	for n, x := range xs {
		cnt := 0
		for _, y := range xs[:n] {
			if y == x {
				cnt++
			}
		}
		pr *= (c.theta*float64(cnt) + (1-c.theta)*c.p(x)) * c.inv[n]
	}
	return pr
}

// after is the probability of drawing xs after the alleles drawn: seq of
// both together over seq of drawn.
func (c *locusCalc) after(drawn []Allele, xs ...Allele) float64 {
	pr := 1.0
	if c.theta == 0 {
		for _, x := range xs {
			pr *= c.p(x)
		}
		return pr
	}
	n := len(drawn)
	for i, x := range xs {
		cnt := 0
		for _, y := range drawn {
			if y == x {
				cnt++
			}
		}
		for _, y := range xs[:i] {
			if y == x {
				cnt++
			}
		}
		pr *= (c.theta*float64(cnt) + (1-c.theta)*c.p(x)) * c.inv[n+i]
	}
	return pr
}

// ordered lists the ordered allele pairs an observed genotype may be: a
// heterozygote a/b as (a,b) and (b,a); a homozygote a/a as (a,a) and, when
// a silent allele is possible, (a,Ø) and (Ø,a).
func (c *locusCalc) ordered(g Genotype) (out [3][2]Allele, n int) {
	switch {
	case !g.Homozygous():
		return [3][2]Allele{{g.A, g.B}, {g.B, g.A}}, 2
	case c.null > 0:
		return [3][2]Allele{{g.A, g.A}, {g.A, silent}, {silent, g.A}}, 3
	}
	return [3][2]Allele{{g.A, g.A}}, 1
}

// trans is the probability that a parent of ordered genotype o passes on
// allele a (either allele with probability ½, perhaps mutated).
func (c *locusCalc) trans(o [2]Allele, a Allele) float64 {
	return (c.prob(o[0], a) + c.prob(o[1], a)) / 2
}

// duo returns the likelihoods of the child's and parent's genotypes if the
// parent is the child's parent (hp) and if they are unrelated (hd).
func (c *locusCalc) duo(child, parent Genotype) (hp, hd float64) {
	po, np := c.ordered(parent)
	co, nc := c.ordered(child)
	for _, a := range po[:np] {
		base := c.seq(a[0], a[1])
		for _, x := range co[:nc] {
			// x[0] from the parent, x[1] from the untyped other parent.
			hp += base * c.after(a[:], x[1]) * c.trans(a, x[0])
			hd += base * c.after(a[:], x[0], x[1])
		}
	}
	return hp, hd
}

// trioKnown: the known parent k is a parent in both hypotheses; hp makes a
// the other parent, hd someone unrelated.
func (c *locusCalc) trioKnown(child, k, a Genotype) (hp, hd float64) {
	ko, nk := c.ordered(k)
	ao, na := c.ordered(a)
	co, nc := c.ordered(child)
	for _, m := range ko[:nk] {
		for _, f := range ao[:na] {
			drawn := [4]Allele{m[0], m[1], f[0], f[1]}
			base := c.seq(drawn[:]...)
			for _, x := range co[:nc] {
				tm := c.trans(m, x[0])
				if tm == 0 {
					continue
				}
				hp += base * tm * c.trans(f, x[1])
				hd += base * c.after(drawn[:], x[1]) * tm
			}
		}
	}
	return hp, hd
}

// trio: hp makes a and b the child's parents, hd makes the child unrelated
// to both.
func (c *locusCalc) trio(child, a, b Genotype) (hp, hd float64) {
	ao, na := c.ordered(a)
	bo, nb := c.ordered(b)
	co, nc := c.ordered(child)
	for _, m := range ao[:na] {
		for _, f := range bo[:nb] {
			drawn := [4]Allele{m[0], m[1], f[0], f[1]}
			base := c.seq(drawn[:]...)
			for _, x := range co[:nc] {
				hp += base * c.trans(m, x[0]) * c.trans(f, x[1])
				hd += base * c.after(drawn[:], x[0], x[1])
			}
		}
	}
	return hp, hd
}

// ibd returns the probabilities of two people's genotypes if they share 0,
// 1 or 2 alleles identical by descent.
func (c *locusCalc) ibd(x, y Genotype) (p0, p1, p2 float64) {
	xo, nx := c.ordered(x)
	yo, ny := c.ordered(y)
	for _, a := range xo[:nx] {
		for _, b := range yo[:ny] {
			p0 += c.seq(a[0], a[1], b[0], b[1])
			if a[0] == b[0] { // the first allele of each is the shared one
				p1 += c.seq(a[0], a[1], b[1])
			}
			if a == b {
				p2 += c.seq(a[0], a[1])
			}
		}
	}
	return p0, p1, p2
}

// Case is what a likelihood ratio is computed for.
type Case struct {
	Relationship Relationship
	// Child is the person whose relationship is in question: the child, or
	// in pairwise relationships one of the two.
	Child Profile
	// Relative is the alleged parent, sibling, grandparent, aunt or uncle;
	// in a trio, the alleged parent.
	Relative Profile
	// Other is the second parent of a trio: the known parent
	// (TrioKnownParent) or the second alleged parent (Trio).
	Other *Profile
}

func (c *Case) check() error {
	if !slices.Contains(Relationships, c.Relationship) {
		return fmt.Errorf("%q is not a relationship: one of %s", c.Relationship, joinRel(Relationships))
	}
	trio := c.Relationship == Trio || c.Relationship == TrioKnownParent
	if trio && c.Other == nil {
		return fmt.Errorf("a %s needs the second parent's profile", c.Relationship)
	}
	if !trio && c.Other != nil {
		return fmt.Errorf("a %s takes two profiles, not three", c.Relationship)
	}
	return nil
}

// Calculator computes likelihood ratios with one frequency table and one
// set of options. It is safe for concurrent use.
type Calculator struct {
	t     *FrequencyTable
	o     Options
	calcs [NumLoci]locusCalc
	use   [NumLoci]bool // the table covers it and the options allow it
}

// NewCalculator checks the options and prepares a calculator.
func NewCalculator(t *FrequencyTable, o Options) (*Calculator, error) {
	if t == nil {
		return nil, errors.New("no frequency table")
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	k := &Calculator{t: t, o: o}
	for _, l := range AllLoci() {
		k.calcs[l] = locusCalc{l: l, t: t, theta: o.Theta, null: o.Null, mut: o.Mutation.at(l), frac: o.Mutation.Fractional,
			min: t.Minimum(l), freq: t.freq[l]}
		k.calcs[l].prepare()
		k.use[l] = t.Has(l) && (len(o.Loci) == 0 || slices.Contains(o.Loci, l))
	}
	return k, nil
}

// Table returns the calculator's frequency table.
func (k *Calculator) Table() *FrequencyTable { return k.t }

// Options returns the calculator's options.
func (k *Calculator) Options() Options { return k.o }

// locusLR computes one locus's hp and hd. For pairwise relationships other
// than parent–child, hd is 1 and hp is the LR (κ0 + κ1·X1 + κ2·X2).
func (k *Calculator) locusLR(c *Case, l Locus) (hp, hd float64) {
	lc := &k.calcs[l]
	ch, rel := c.Child.Loci[l], c.Relative.Loci[l]
	switch c.Relationship {
	case ParentChild:
		return lc.duo(ch, rel)
	case TrioKnownParent:
		return lc.trioKnown(ch, c.Other.Loci[l], rel)
	case Trio:
		return lc.trio(ch, c.Other.Loci[l], rel)
	}
	kappa, _ := c.Relationship.Kappa()
	p0, p1, p2 := lc.ibd(ch, rel)
	if p0 == 0 {
		return 0, 0
	}
	return kappa[0] + kappa[1]*p1/p0 + kappa[2]*p2/p0, 1
}

// usable reports whether l is typed in every profile of c and covered.
func (k *Calculator) usable(c *Case, l Locus) bool {
	return k.use[l] && c.Child.Loci[l].Typed() && c.Relative.Loci[l].Typed() && (c.Other == nil || c.Other.Loci[l].Typed())
}

// LR returns the combined likelihood ratio over the loci every profile has
// and the table covers, and the number of those loci, without the
// explanation Compute gives: for searching. A locus whose hypotheses are
// both impossible (a known parent inconsistent with the child) is left out.
func (k *Calculator) LR(c *Case) (lr float64, loci int) {
	lr = 1
	for l := range Locus(NumLoci) {
		if !k.usable(c, l) {
			continue
		}
		hp, hd := k.locusLR(c, l)
		if hd == 0 {
			continue
		}
		lr *= hp / hd
		loci++
	}
	return lr, loci
}

// Log10 is a base-10 logarithm of an LR; in JSON, an LR of 0 (−Inf) is null.
type Log10 float64

// MarshalJSON writes the number, or null when it is not finite.
func (x Log10) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}
