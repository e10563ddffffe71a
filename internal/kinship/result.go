package kinship

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AlleleFrequency is a frequency a result used.
type AlleleFrequency struct {
	Symbol    string  `json:"symbol"` // p, q, r … as in the formula
	Allele    string  `json:"allele"`
	Frequency float64 `json:"frequency"`
	Minimum   bool    `json:"minimum,omitempty"` // not in the table (or rarer): the minimum 5/2N was used
}

// LocusResult explains one locus.
type LocusResult struct {
	Locus Locus `json:"locus"`
	// Genotypes of the people in the order of Result.People.
	Genotypes   []string          `json:"genotypes"`
	Formula     string            `json:"formula"`
	Frequencies []AlleleFrequency `json:"frequencies"`
	LR          float64           `json:"lr"`
	// Note says what else the locus shows: a mutation or a silent allele
	// needed to explain it, an exclusion.
	Note string `json:"note,omitempty"`
}

// SkippedLocus is a locus typed in some profile but not used, and why.
type SkippedLocus struct {
	Locus  Locus  `json:"locus"`
	Reason string `json:"reason"`
}

// Result is a likelihood ratio with everything needed to read it.
type Result struct {
	Relationship Relationship `json:"relationship"`
	// People are the sample ids, child first, in the order of each
	// locus's genotypes, with their role.
	People []string `json:"people"`
	Roles  []string `json:"roles"`
	// Hp and Hd are the two hypotheses compared.
	Hp string `json:"hp"`
	Hd string `json:"hd"`
	// Table is the frequency table's name; Simulated says it is made up.
	Table     string         `json:"frequency_table"`
	Simulated bool           `json:"simulated_table,omitempty"`
	Options   Options        `json:"options"`
	Loci      []LocusResult  `json:"loci"`
	Skipped   []SkippedLocus `json:"skipped,omitempty"`
	LR        float64        `json:"lr"`
	Log10LR   Log10          `json:"log10_lr"`
	// Inconsistent counts the loci that a mutation or a silent allele had
	// to explain.
	Inconsistent int `json:"inconsistent_loci"`
	// Prior is the prior probability of Hp used for Posterior.
	Prior     float64 `json:"prior"`
	Posterior float64 `json:"posterior"`
	Verbal    string  `json:"verbal"`
	Reading   string  `json:"reading"`
}

// LociUsed lists the loci the LR is the product over.
func (r *Result) LociUsed() []Locus {
	out := make([]Locus, len(r.Loci))
	for i, x := range r.Loci {
		out[i] = x.Locus
	}
	return out
}

// Compute computes the likelihood ratio of c, locus by locus, and explains it.
func (k *Calculator) Compute(c Case) (Result, error) {
	if err := c.check(); err != nil {
		return Result{}, err
	}
	r := Result{Relationship: c.Relationship, Table: k.t.Name, Simulated: k.t.Simulated, Options: k.o, Prior: k.o.prior(), LR: 1}
	profiles := []*Profile{&c.Child, &c.Relative}
	r.People = []string{c.Child.ID, c.Relative.ID}
	switch c.Relationship {
	case ParentChild:
		r.Roles = []string{"child", "alleged parent"}
		r.Hp, r.Hd = fmt.Sprintf("%s is a parent of %s", c.Relative.ID, c.Child.ID), fmt.Sprintf("%s and %s are unrelated", c.Relative.ID, c.Child.ID)
	case TrioKnownParent:
		profiles = []*Profile{&c.Child, c.Other, &c.Relative}
		r.People = []string{c.Child.ID, c.Other.ID, c.Relative.ID}
		r.Roles = []string{"child", "known parent", "alleged parent"}
		r.Hp = fmt.Sprintf("%s is the other parent of %s, whose parent %s is", c.Relative.ID, c.Child.ID, c.Other.ID)
		r.Hd = fmt.Sprintf("the other parent of %s (whose parent %s is) is someone unrelated to %s", c.Child.ID, c.Other.ID, c.Relative.ID)
	case Trio:
		profiles = []*Profile{&c.Child, c.Other, &c.Relative}
		r.People = []string{c.Child.ID, c.Other.ID, c.Relative.ID}
		r.Roles = []string{"child", "alleged parent", "alleged parent"}
		r.Hp = fmt.Sprintf("%s and %s are the parents of %s", c.Other.ID, c.Relative.ID, c.Child.ID)
		r.Hd = fmt.Sprintf("%s is unrelated to %s and %s", c.Child.ID, c.Other.ID, c.Relative.ID)
	default:
		r.Roles = []string{"child", string(c.Relationship)}
		r.Hp = fmt.Sprintf("%s is %s of %s", c.Relative.ID, c.Relationship.words(), c.Child.ID)
		r.Hd = fmt.Sprintf("%s and %s are unrelated", c.Relative.ID, c.Child.ID)
	}
	for _, l := range AllLoci() {
		typed, missing := 0, ""
		for i, p := range profiles {
			if p.Loci[l].Typed() {
				typed++
			} else if missing == "" {
				missing = r.People[i]
			}
		}
		switch {
		case typed == 0:
			continue
		case typed < len(profiles):
			r.Skipped = append(r.Skipped, SkippedLocus{l, "not typed in " + missing})
			continue
		case !k.t.Has(l):
			r.Skipped = append(r.Skipped, SkippedLocus{l, "not in frequency table " + k.t.Name})
			continue
		case !k.use[l]:
			r.Skipped = append(r.Skipped, SkippedLocus{l, "not among the loci asked for"})
			continue
		}
		hp, hd := k.locusLR(&c, l)
		if hd == 0 {
			r.Skipped = append(r.Skipped, SkippedLocus{l, "the known parent " + c.Other.ID + " cannot be a parent of " + c.Child.ID + " here (no mutation model explains it): left out"})
			continue
		}
		lr := round12(hp / hd)
		lres := LocusResult{Locus: l, LR: lr}
		for _, p := range profiles {
			lres.Genotypes = append(lres.Genotypes, p.Loci[l].String())
		}
		lres.Formula, lres.Frequencies = k.formula(&c, l)
		lres.Note = k.note(&c, l, lr)
		if lres.Note != "" && lr > 0 && strings.HasPrefix(lres.Note, "inconsistent") {
			r.Inconsistent++
		}
		r.Loci = append(r.Loci, lres)
		r.LR *= lr
	}
	if len(r.Loci) == 0 {
		return r, errors.New("no locus is typed in every profile and covered by the frequency table: no likelihood ratio can be computed")
	}
	r.LR = round12(r.LR)
	r.Log10LR = Log10(math.Log10(r.LR))
	r.Posterior = Posterior(r.LR, r.Prior)
	r.Verbal = Verbal(r.LR)
	r.Reading = reading(&r)
	return r, nil
}

// note explains what a locus needed: with the same options but no
// mutation and no silent allele, would it have excluded?
func (k *Calculator) note(c *Case, l Locus, lr float64) string {
	if lr == 0 {
		if c.Relationship == ParentChild || c.Relationship == Trio || c.Relationship == TrioKnownParent {
			return "exclusion: no allele can have been passed on (no mutation model, or the difference is too large for one)"
		}
		return "exclusion"
	}
	bare := *k
	bare.calcs[l].mut = LocusMutation{}
	bare.calcs[l].null = 0
	bare.calcs[l].prepare()
	hp, hd := bare.locusLR(c, l)
	if hd != 0 && hp/hd > 0 {
		return ""
	}
	withNull := *k
	withNull.calcs[l].mut = LocusMutation{}
	withNull.calcs[l].prepare()
	if hp, hd := withNull.locusLR(c, l); k.o.Null > 0 && hd != 0 && hp > 0 {
		return fmt.Sprintf("inconsistent as typed: explained by a silent allele (null allele or dropout, probability %g)", k.o.Null)
	}
	m := k.calcs[l].mut
	return fmt.Sprintf("inconsistent as typed: explained by a mutation (rate %g per meiosis, each further step %g times as likely)", m.Rate, m.TwoStep)
}

// Posterior is the probability of Hp from its prior and the LR: posterior
// odds = prior odds × LR.
func Posterior(lr, prior float64) float64 {
	if math.IsInf(lr, 1) {
		return 1
	}
	odds := prior / (1 - prior) * lr
	return odds / (1 + odds)
}

// Verbal is the verbal equivalent of an LR on the scale of the ENFSI
// guideline for evaluative reporting (2015): weak, moderate, moderately
// strong, strong, very strong, extremely strong support, for Hp above 1 and
// for Hd below.
func Verbal(lr float64) string {
	if lr == 0 {
		return "excludes the relationship"
	}
	x, side := lr, "the relationship"
	if lr < 1 {
		x, side = 1/lr, "their being unrelated"
	}
	switch {
	case x == 1:
		return "no support either way"
	case x < 10:
		return "weak support for " + side
	case x < 100:
		return "moderate support for " + side
	case x < 1000:
		return "moderately strong support for " + side
	case x < 10000:
		return "strong support for " + side
	case x < 1e6:
		return "very strong support for " + side
	}
	return "extremely strong support for " + side
}

// Humanize writes a positive number for a reading: 20, 1,230, 4.5 million,
// 3.2 × 10^12.
func Humanize(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "infinitely"
	case x >= 1e9:
		e := math.Floor(math.Log10(x))
		return fmt.Sprintf("%.1f × 10^%d", x/math.Pow(10, e), int(e))
	case x >= 1e6:
		return fmt.Sprintf("%.1f million", x/1e6)
	case x >= 1000:
		return commas(int64(roundSig(x, 3)))
	case x >= 10:
		return strconv.FormatFloat(roundSig(x, 3), 'f', -1, 64)
	}
	return strconv.FormatFloat(roundSig(x, 2), 'f', -1, 64)
}

// round12 rounds an explained LR to 12 significant digits, far below
// anything the data can tell apart and far above floating-point noise: an
// LR of 1/0.05 reads 20, not 19.999999999999996.
func round12(x float64) float64 { return roundSig(x, 12) }

func roundSig(x float64, sig int) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	e := int(math.Floor(math.Log10(math.Abs(x)))) - sig + 1
	if e < 0 {
		if e < -300 {
			return x
		}
		s := math.Pow10(-e)
		return math.Round(x*s) / s
	}
	s := math.Pow10(e)
	return math.Round(x/s) * s
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func reading(r *Result) string {
	var b strings.Builder
	switch {
	case r.LR == 0:
		var ex []string
		for _, l := range r.Loci {
			if l.LR == 0 {
				ex = append(ex, l.Locus.String())
			}
		}
		fmt.Fprintf(&b, "The DNA excludes that %s: at %s no allele can have been passed on", r.Hp, strings.Join(ex, ", "))
		if r.Options.Mutation.Rate == 0 {
			b.WriteString(" (no mutation model was used)")
		}
		b.WriteString(".")
	case r.LR >= 1:
		fmt.Fprintf(&b, "The DNA is about %s times more likely if %s than if %s: %s.", Humanize(r.LR), r.Hp, r.Hd, r.Verbal)
	default:
		fmt.Fprintf(&b, "The DNA is about %s times more likely if %s than if %s: %s.", Humanize(1/r.LR), r.Hd, r.Hp, r.Verbal)
	}
	fmt.Fprintf(&b, " With a prior probability of %s, the probability that %s is %s.", pct(r.Prior), r.Hp, pct(r.Posterior))
	if len(r.Loci) == 1 {
		fmt.Fprintf(&b, " 1 locus was compared, with the frequency table %s", r.Table)
	} else {
		fmt.Fprintf(&b, " %d loci were compared, with the frequency table %s", len(r.Loci), r.Table)
	}
	if r.Simulated && !strings.HasPrefix(r.Table, SimulatedPrefix) {
		b.WriteString(" (SIMULATED: not a real population)")
	}
	if r.Options.Theta > 0 {
		fmt.Fprintf(&b, " and θ = %g", r.Options.Theta)
	}
	b.WriteString(".")
	if r.Inconsistent > 0 {
		fmt.Fprintf(&b, " %d locus/loci needed a mutation or a silent allele to be explained.", r.Inconsistent)
	}
	return b.String()
}

// pct writes a probability as a percentage with as many decimals as it
// needs to differ from 100% or 0%.
func pct(p float64) string {
	switch {
	case p <= 0:
		return "0%"
	case p >= 1-1e-9:
		return "more than 99.9999999%"
	case p < 1e-9:
		return "less than 0.0000001%"
	}
	for d := 0; d < 12; d++ {
		s := strconv.FormatFloat(p*100, 'f', d, 64)
		if s != "100"+dec(d) && s != "0"+dec(d) {
			return s + "%"
		}
	}
	return strconv.FormatFloat(p*100, 'g', 6, 64) + "%"
}

func dec(d int) string {
	if d == 0 {
		return ""
	}
	return "." + strings.Repeat("0", d)
}
