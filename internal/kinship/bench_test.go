package kinship

import (
	"fmt"
	"testing"
)

// benchFamilies makes n families from a simulated table: a third with
// both parents typed, a third with the mother, a third with a sister.
func benchFamilies(tab *FrequencyTable, n int) (*simulator, []Family) {
	m := &simulator{s: newSampler(tab), rng: newRNG(1), loci: AllLoci(), mut: DefaultMutation}
	fams := make([]Family, n)
	for i := range fams {
		mo, fa := m.Founder("mother"), m.Founder("father")
		f := Family{ID: fmt.Sprint(i)}
		switch i % 3 {
		case 0:
			f.Members = []Member{{Profile: mo, Relationship: ParentChild}, {Profile: fa, Relationship: ParentChild}}
		case 1:
			f.Members = []Member{{Profile: mo, Relationship: ParentChild}}
		default:
			f.Members = []Member{{Profile: m.Child("sister", &mo, &fa), Relationship: FullSiblings}}
		}
		fams[i] = f
	}
	return m, fams
}

// BenchmarkLR24Loci: one likelihood ratio over a 24-locus profile.
func BenchmarkLR24Loci(b *testing.B) {
	tab := SimulateTable(1)
	m := &simulator{s: newSampler(tab), rng: newRNG(2), loci: AllLoci(), mut: DefaultMutation}
	for _, rel := range []Relationship{ParentChild, TrioKnownParent, FullSiblings} {
		for _, o := range []Options{{}, {Theta: 0.01, Mutation: DefaultMutation, Null: 0.002}} {
			name := fmt.Sprintf("%s/theta=%g,mutation=%v,null=%g", rel, o.Theta, o.Mutation.Rate > 0, o.Null)
			b.Run(name, func(b *testing.B) {
				k, _ := NewCalculator(tab, o)
				c := m.pedigree(rel, true)
				b.ReportAllocs()
				for b.Loop() {
					k.LR(&c)
				}
			})
		}
		b.Run(string(rel)+"/explained", func(b *testing.B) {
			k, _ := NewCalculator(tab, Options{Theta: 0.01, Mutation: DefaultMutation})
			c := m.pedigree(rel, true)
			for b.Loop() {
				if _, err := k.Compute(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearch: one child's 24-locus profile against N reference
// families (a third trios, a third one parent, a third a sibling), the top
// 10 explained.
func BenchmarkSearch(b *testing.B) {
	tab := SimulateTable(1)
	for _, n := range []int{1000, 10000, 100000} {
		m, fams := benchFamilies(tab, n)
		mo := fams[n/2].Members[0].Profile
		fa := m.Founder("father")
		child := m.Child("child", &mo, &fa)
		k, _ := NewCalculator(tab, Options{Theta: 0.01, Mutation: DefaultMutation})
		b.Run(fmt.Sprintf("families=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := k.Search(child, fams, SearchOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
