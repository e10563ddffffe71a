package kinship

import (
	"fmt"
	"strings"
)

// symbols names alleles p, q, r, s for a formula.
type symbols struct {
	names  []string
	allele []Allele
}

func (s *symbols) set(name string, a Allele) {
	for _, x := range s.allele {
		if x == a {
			return
		}
	}
	s.names = append(s.names, name)
	s.allele = append(s.allele, a)
}

// formula gives the textbook formula of a locus (without θ, mutation or
// silent alleles) and the frequencies it uses, and says what was added to
// it.
func (k *Calculator) formula(c *Case, l Locus) (string, []AlleleFrequency) {
	ch, rel := c.Child.Loci[l], c.Relative.Loci[l]
	var s symbols
	var f string
	switch c.Relationship {
	case ParentChild:
		f = duoShape(ch, rel, &s)
	case TrioKnownParent:
		f = trioKnownShape(ch, c.Other.Loci[l], rel, &s)
	case Trio:
		f = trioShape(ch, c.Other.Loci[l], rel, &s)
	default:
		kappa, _ := c.Relationship.Kappa()
		x1 := duoShape(ch, rel, &s)
		x2 := "0"
		if ch == rel {
			if ch.Homozygous() {
				x2 = "1/q²"
			} else {
				x2 = "1/(2pq)"
			}
		}
		if kappa[2] == 0 {
			f = fmt.Sprintf("κ0 + κ1·X1 = ½ + ½·X1, X1 = %s", x1)
		} else {
			f = fmt.Sprintf("κ0 + κ1·X1 + κ2·X2 = ¼ + ½·X1 + ¼·X2, X1 = %s, X2 = %s", x1, x2)
		}
	}
	var extra []string
	if k.o.Theta > 0 {
		extra = append(extra, fmt.Sprintf("with NRC II's θ = %g (Balding–Nichols)", k.o.Theta))
	}
	if k.o.Null > 0 && (ch.Homozygous() || rel.Homozygous() || (c.Other != nil && c.Other.Loci[l].Homozygous())) {
		extra = append(extra, fmt.Sprintf("with a silent allele possible behind each apparent homozygote (probability %g)", k.o.Null))
	}
	if m := k.calcs[l].mut; m.Rate > 0 && (c.Relationship == ParentChild || c.Relationship == Trio || c.Relationship == TrioKnownParent) {
		extra = append(extra, fmt.Sprintf("with stepwise mutation (rate %g)", m.Rate))
	}
	if len(extra) > 0 {
		f += "; computed " + strings.Join(extra, ", ")
	}
	freqs := make([]AlleleFrequency, len(s.names))
	for i, a := range s.allele {
		p, raised := k.t.Freq(l, a)
		freqs[i] = AlleleFrequency{Symbol: s.names[i], Allele: a.String(), Frequency: p, Minimum: raised}
	}
	return f, freqs
}

// duoShape is the paternity index of a duo (and X1 of a pair): q is the
// allele the parent passed on, p the child's other, r the parent's other.
func duoShape(c, a Genotype, s *symbols) string {
	if c.Homozygous() {
		s.set("q", c.A)
		switch {
		case !a.Has(c.A):
			other(a, s)
			return "0"
		case a.Homozygous():
			return "1/q"
		}
		other(a, s)
		return "1/(2q)"
	}
	inA, inB := a.Has(c.A), a.Has(c.B)
	switch {
	case inA && inB:
		s.set("p", c.A)
		s.set("q", c.B)
		return "(p+q)/(4pq)"
	case !inA && !inB:
		s.set("p", c.A)
		s.set("q", c.B)
		other(a, s)
		return "0"
	}
	q, p := c.A, c.B
	if inB {
		q, p = c.B, c.A
	}
	s.set("p", p)
	s.set("q", q)
	if a.Homozygous() {
		return "1/(2q)"
	}
	other(a, s)
	return "1/(4q)"
}

// other names the alleles of g not named yet r and s.
func other(g Genotype, s *symbols) {
	for _, a := range []Allele{g.A, g.B} {
		n := "r"
		if len(s.names) > 0 && s.names[len(s.names)-1] == "r" {
			n = "s"
		}
		s.set(n, a)
	}
}

// trioKnownShape: k is the known parent, a the alleged one; q is the
// obligate allele (the one k cannot have given).
func trioKnownShape(c, k, a Genotype, s *symbols) string {
	if !c.Homozygous() && k.Has(c.A) && k.Has(c.B) {
		s.set("p", c.A)
		s.set("q", c.B)
		inA, inB := a.Has(c.A), a.Has(c.B)
		switch {
		case !inA && !inB:
			return "0"
		case inA && inB, a.Homozygous():
			return "1/(p+q)"
		}
		return "1/(2p+2q)"
	}
	var q Allele
	switch {
	case c.Homozygous() && k.Has(c.A):
		q = c.A
	case !c.Homozygous() && k.Has(c.A):
		q = c.B
		s.set("p", c.A)
	case !c.Homozygous() && k.Has(c.B):
		q = c.A
		s.set("p", c.B)
	default:
		return "the known parent shares no allele with the child"
	}
	s.set("q", q)
	switch {
	case !a.Has(q):
		return "0"
	case a.Homozygous():
		return "1/q"
	}
	return "1/(2q)"
}

// trioShape: the probability that the two alleged parents give the child's
// genotype, over its population frequency.
func trioShape(c, a, b Genotype, s *symbols) string {
	t := func(g Genotype, x Allele) int { // transmissions out of 2
		n := 0
		if g.A == x {
			n++
		}
		if g.B == x {
			n++
		}
		return n
	}
	var num int // out of 4
	if c.Homozygous() {
		s.set("q", c.A)
		num = t(a, c.A) * t(b, c.A)
		return map[int]string{0: "0", 1: "1/(4q²)", 2: "1/(2q²)", 4: "1/q²"}[num]
	}
	s.set("p", c.A)
	s.set("q", c.B)
	num = t(a, c.A)*t(b, c.B) + t(a, c.B)*t(b, c.A)
	return map[int]string{0: "0", 1: "1/(8pq)", 2: "1/(4pq)", 4: "1/(2pq)"}[num]
}
