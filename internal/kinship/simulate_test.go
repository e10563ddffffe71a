package kinship

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// The simulated table says what it is, and is a valid table.
func TestSimulatedTableIsLabelledAndValid(t *testing.T) {
	tab := SimulateTable(1)
	if !tab.Simulated || !strings.HasPrefix(tab.Name, SimulatedPrefix) || !strings.Contains(tab.Name, "not a real population") {
		t.Fatalf("table %q (simulated %v) does not say it is made up", tab.Name, tab.Simulated)
	}
	if _, err := tab.Check(); err != nil {
		t.Fatal(err)
	}
	if len(tab.Loci()) != NumLoci {
		t.Errorf("%d loci", len(tab.Loci()))
	}
	k, _ := NewCalculator(tab, Options{})
	c := pair(ParentChild, FGA, gt("20", "20"), gt("20", "20"))
	if r, err := k.Compute(c); err == nil && !strings.Contains(r.Reading, "SIMULATED") {
		t.Errorf("a result with a simulated table does not say so: %q", r.Reading)
	}
}

// Simulated true parent–child pairs over the 20 CODIS loci almost all
// exceed LR 10,000; simulated unrelated pairs almost never do, and mostly
// fall below 1. Mutations happen in the simulation and do not exclude.
func TestSimulationParentChildErrorRates(t *testing.T) {
	rep, err := Simulate(SimConfig{Table: SimulateTable(7), Pairs: 2000, Relationships: []Relationship{ParentChild, FullSiblings, HalfSiblings},
		Options: Options{Mutation: Mutation{LocusMutation: LocusMutation{Rate: 0.005, TwoStep: 0.1}, Fractional: 0.1}}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Simulated || len(rep.Loci) != 20 {
		t.Fatalf("report: simulated %v, %d loci", rep.Simulated, len(rep.Loci))
	}
	row := func(rel Relationship, related bool) SimRow {
		for _, r := range rep.Rows {
			if r.Relationship == rel && r.Related == related {
				return r
			}
		}
		t.Fatalf("no row %s %v", rel, related)
		return SimRow{}
	}
	idx := 2 // the threshold 10^4
	if rep.Thresholds[idx] != 1e4 {
		t.Fatal(rep.Thresholds)
	}
	tp, un := row(ParentChild, true), row(ParentChild, false)
	t.Logf("parent–child: true ≥10^4 %.4f, <1 %.4f; unrelated ≥10^4 %.4f, <1 %.4f", tp.Above[idx], tp.BelowOne, un.Above[idx], un.BelowOne)
	if tp.Above[idx] < 0.99 || tp.Zero != 0 {
		t.Errorf("true parent–child: %.4f above 10^4 (want ≥ 0.99), %.4f excluded", tp.Above[idx], tp.Zero)
	}
	if un.Above[idx] > 0.001 || un.BelowOne < 0.95 {
		t.Errorf("unrelated: %.4f above 10^4 (want ≤ 0.001), %.4f below 1 (want ≥ 0.95)", un.Above[idx], un.BelowOne)
	}
	// Siblings are weaker evidence than a parent, half siblings weaker still.
	fs, hs := row(FullSiblings, true), row(HalfSiblings, true)
	if !(tp.Median > fs.Median && fs.Median > hs.Median && hs.Median > 0) {
		t.Errorf("medians (log10): parent %v, full sibling %v, half sibling %v", tp.Median, fs.Median, hs.Median)
	}
	if u := row(HalfSiblings, false); u.Median >= 0 {
		t.Errorf("unrelated pairs tested as half siblings: median log10 LR %v, want below 0", u.Median)
	}
}

// A simulation is reproducible from its seed.
func TestSimulationIsDeterministic(t *testing.T) {
	cfg := SimConfig{Table: SimulateTable(2), Pairs: 50, Relationships: []Relationship{Grandparent, AuntUncle, Trio, TrioKnownParent}, Seed: 9,
		Options: Options{Mutation: DefaultMutation, Theta: 0.01}}
	a, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Simulate(cfg)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("two runs differ")
	}
	for _, r := range a.Rows {
		if math.IsNaN(float64(r.Median)) {
			t.Errorf("%s: NaN", r.Relationship)
		}
	}
}

// Search finds the true family among many, ranks it first, and combines
// the LR with the demographic probability.
func TestSearchFindsTheFamily(t *testing.T) {
	tab := SimulateTable(11)
	m := &simulator{s: newSampler(tab), rng: newRNG(5), loci: CODIS, mut: DefaultMutation}
	var families []Family
	parents := map[int][2]Profile{}
	for i := range 300 {
		mo, fa := m.Founder(fmt.Sprintf("F%d-mother", i)), m.Founder(fmt.Sprintf("F%d-father", i))
		parents[i] = [2]Profile{mo, fa}
		sib := m.Child(fmt.Sprintf("F%d-sister", i), &mo, &fa)
		f := Family{ID: fmt.Sprintf("F%d", i)}
		switch i % 3 {
		case 0:
			f.Members = []Member{{Profile: mo, Relationship: ParentChild, Label: "mother"}, {Profile: fa, Relationship: ParentChild, Label: "father"}, {Profile: sib, Relationship: FullSiblings}}
		case 1:
			f.Members = []Member{{Profile: mo, Relationship: ParentChild, Label: "mother"}}
		case 2:
			f.Members = []Member{{Profile: sib, Relationship: FullSiblings, Label: "sister"}}
		}
		families = append(families, f)
	}
	k, err := NewCalculator(tab, Options{Mutation: DefaultMutation})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []int{42, 43, 44} { // a trio, a duo and a sibling
		f := &families[target]
		mo, fa := parents[target][0], parents[target][1]
		if target%3 == 1 {
			fa = m.Founder("another father") // the mother's child by someone not on file
		}
		child := m.Child("child", &mo, &fa)
		f.Demographic, f.HasDemographic = 0.3, true
		hits, err := k.Search(child, families, SearchOptions{Top: 3})
		if err != nil {
			t.Fatal(err)
		}
		if hits[0].Family != f.ID || hits[0].LR < 100 {
			t.Fatalf("target %s: first hit %s with LR %v", f.ID, hits[0].Family, hits[0].LR)
		}
		h := hits[0]
		wantOdds := 0.3 / 0.7 * h.LR
		if math.Abs(h.Posterior-wantOdds/(1+wantOdds)) > 1e-12 || h.Prior != 0.3 {
			t.Errorf("posterior %v, prior %v", h.Posterior, h.Prior)
		}
		for _, want := range []string{"Posterior odds = prior odds × LR", "demographic probability 0.3"} {
			if !strings.Contains(h.Explanation, want) {
				t.Errorf("explanation lacks %q: %s", want, h.Explanation)
			}
		}
		if target%3 == 0 && (h.Relationship != Trio || len(h.Unused) != 1) {
			t.Errorf("trio family: relationship %s, unused %v", h.Relationship, h.Unused)
		}
		if hits[1].LR > h.LR/100 {
			t.Errorf("second hit %s has LR %v", hits[1].Family, hits[1].LR)
		}
		if hits[1].PriorSource == "" || hits[1].Prior != 1.0/301 {
			t.Errorf("prior of a family without a demographic match: %v (%s)", hits[1].Prior, hits[1].PriorSource)
		}
		f.HasDemographic = false
	}
}
