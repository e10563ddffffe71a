package kinship

import (
	"fmt"
	"math"
	"strings"
)

// Relationship is the relationship a likelihood ratio tests against "unrelated".
type Relationship string

const (
	// ParentChild: the child and one alleged parent (a duo; no other parent typed).
	ParentChild Relationship = "parent_child"
	// Trio: the child and two alleged parents, tested together.
	Trio Relationship = "trio"
	// TrioKnownParent: the child, a parent whose parenthood is not in
	// question (e.g. the mother), and an alleged other parent.
	TrioKnownParent Relationship = "trio_known_parent"
	FullSiblings    Relationship = "full_siblings"
	HalfSiblings    Relationship = "half_siblings"
	// Grandparent: grandparent and grandchild.
	Grandparent Relationship = "grandparent"
	// AuntUncle: aunt or uncle and niece or nephew.
	AuntUncle Relationship = "aunt_uncle"
)

// Relationships lists the relationships in the order of closeness.
var Relationships = []Relationship{Trio, TrioKnownParent, ParentChild, FullSiblings, HalfSiblings, Grandparent, AuntUncle}

// ParseRelationship reads a relationship name; dashes and spaces may stand
// for underscores, and a few common words are accepted ("duo", "paternity",
// "siblings", "grandparent_grandchild", "avuncular").
func ParseRelationship(s string) (Relationship, error) {
	k := strings.ToLower(strings.NewReplacer("-", "_", " ", "_", "–", "_").Replace(strings.TrimSpace(s)))
	switch k {
	case "duo", "paternity", "maternity", "parent", "parent_child", "father", "mother":
		return ParentChild, nil
	case "trio", "both_parents", "parents":
		return Trio, nil
	case "trio_known_parent", "known_parent", "trio_known", "motherless_excluded":
		return TrioKnownParent, nil
	case "full_siblings", "siblings", "sibling", "full_sibling", "sib", "brother", "sister":
		return FullSiblings, nil
	case "half_siblings", "half_sibling", "half_sib":
		return HalfSiblings, nil
	case "grandparent", "grandparent_grandchild", "grandchild", "grandmother", "grandfather":
		return Grandparent, nil
	case "aunt_uncle", "avuncular", "aunt", "uncle", "niece", "nephew", "aunt_uncle_niece_nephew":
		return AuntUncle, nil
	}
	return "", fmt.Errorf("%q is not a relationship: one of %s", s, joinRel(Relationships))
}

func joinRel(rs []Relationship) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ", ")
}

// Kappa returns the IBD coefficients κ0, κ1, κ2 of a pairwise relationship
// (the probabilities that two relatives share 0, 1 or 2 alleles identical
// by descent). Trios have none.
func (r Relationship) Kappa() (k [3]float64, ok bool) {
	switch r {
	case ParentChild:
		return [3]float64{0, 1, 0}, true
	case FullSiblings:
		return [3]float64{0.25, 0.5, 0.25}, true
	case HalfSiblings, Grandparent, AuntUncle:
		return [3]float64{0.5, 0.5, 0}, true
	}
	return k, false
}

// Words describes the relationship, as in "X is the <words> of Y".
func (r Relationship) words() string {
	switch r {
	case ParentChild:
		return "a parent"
	case FullSiblings:
		return "a full sibling"
	case HalfSiblings:
		return "a half sibling"
	case Grandparent:
		return "a grandparent"
	case AuntUncle:
		return "an aunt or uncle"
	}
	return string(r)
}

// LocusMutation is the mutation model of one locus.
type LocusMutation struct {
	// Rate is the probability that an allele changes on its way from parent
	// to child (per meiosis), e.g. 0.0012.
	Rate float64 `json:"rate"`
	// TwoStep is how much rarer each further step is: a two-step mutation
	// is TwoStep times as likely as a one-step one, a three-step one
	// TwoStep² times, and so on (about 0.1).
	TwoStep float64 `json:"two_step"`
}

// Mutation is the stepwise mutation model: a mutation of k repeats (up or
// down, equally) has probability Rate·(1−TwoStep)·TwoStep^(k−1)/2, so all
// mutations together have probability Rate. A change by a fraction of a
// repeat (9.3 → 10) counts as the next whole number of steps, times
// Fractional. The zero Mutation allows none: then an inconsistency
// excludes.
type Mutation struct {
	LocusMutation
	// Fractional weighs a change by part of a repeat against a whole step
	// of the same size (0: impossible).
	Fractional float64 `json:"fractional,omitempty"`
	// Loci overrides the rates of some loci.
	Loci map[Locus]LocusMutation `json:"loci,omitempty"`
}

// DefaultMutation is a cautious default: 1.2 × 10⁻³ per meiosis at every
// locus (the average of large studies; loci range from about 10⁻⁴ to
// 7 × 10⁻³), two-step mutations ten times rarer than one-step, and changes
// by part of a repeat ten times rarer than whole steps.
var DefaultMutation = Mutation{LocusMutation: LocusMutation{Rate: 0.0012, TwoStep: 0.1}, Fractional: 0.1}

func (m Mutation) at(l Locus) LocusMutation {
	if x, ok := m.Loci[l]; ok {
		return x
	}
	return m.LocusMutation
}

// prob is the probability that allele a becomes b in one transmission.
func (m LocusMutation) prob(a, b Allele, fractional float64) float64 {
	if a == b {
		if a == silent {
			return 1
		}
		return 1 - m.Rate
	}
	if a == silent || b == silent || m.Rate == 0 {
		return 0
	}
	d := int(a) - int(b)
	if d < 0 {
		d = -d
	}
	k := (d + 9) / 10 // whole steps, rounded up
	p := m.Rate * (1 - m.TwoStep) * math.Pow(m.TwoStep, float64(k-1)) / 2
	if d%10 != 0 {
		p *= fractional
	}
	return p
}

// Options set how a likelihood ratio is computed.
type Options struct {
	// Theta is the coancestry coefficient Fst of NRC II's correction
	// (about 0.01 for large populations, 0.03 for small or isolated ones).
	Theta float64 `json:"theta"`
	// Mutation is the mutation model of parent–child transmissions.
	Mutation Mutation `json:"mutation"`
	// Null is the probability that an apparent homozygote carries a second
	// allele that is not seen (a null allele, or one that dropped out): it
	// lets a parent who looks a/a and a child who looks b/b share a silent
	// allele instead of excluding each other. 0 leaves homozygotes as typed.
	Null float64 `json:"null"`
	// Prior is the prior probability of the relationship, for the
	// posterior; 0 means 0.5 (even odds), and the result states which was used.
	Prior float64 `json:"prior"`
	// Loci, if given, restricts the computation to these loci.
	Loci []Locus `json:"loci,omitempty"`
}

// Check validates the options.
func (o Options) Check() error {
	switch {
	case !(o.Theta >= 0 && o.Theta < 0.5):
		return fmt.Errorf("theta %g: must be at least 0 and below 0.5", o.Theta)
	case !(o.Null >= 0 && o.Null < 1):
		return fmt.Errorf("null probability %g: must be at least 0 and below 1", o.Null)
	case !(o.Prior >= 0 && o.Prior < 1):
		return fmt.Errorf("prior %g: must be above 0 and below 1 (0 for the default 0.5)", o.Prior)
	case !(o.Mutation.Fractional >= 0 && o.Mutation.Fractional <= 1):
		return fmt.Errorf("fractional mutation weight %g: must be between 0 and 1", o.Mutation.Fractional)
	}
	for _, m := range append([]LocusMutation{o.Mutation.LocusMutation}, mapValues(o.Mutation.Loci)...) {
		if !(m.Rate >= 0 && m.Rate < 0.5) || !(m.TwoStep >= 0 && m.TwoStep < 1) {
			return fmt.Errorf("mutation rate %g, two-step fraction %g: the rate must be in [0, 0.5), the fraction in [0, 1)", m.Rate, m.TwoStep)
		}
	}
	return nil
}

func mapValues(m map[Locus]LocusMutation) []LocusMutation {
	out := make([]LocusMutation, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (o Options) prior() float64 {
	if o.Prior == 0 {
		return 0.5
	}
	return o.Prior
}
