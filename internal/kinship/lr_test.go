package kinship

import (
	"math"
	"strings"
	"testing"
)

// Allele designations used in the tests, and a table that gives each a
// chosen frequency.
func al(s string) Allele {
	a, err := ParseAllele(s)
	if err != nil {
		panic(err)
	}
	return a
}

func gt(a, b string) Genotype { return NewGenotype(al(a), al(b)) }

// testTable gives, at every locus, the listed alleles their frequencies and
// the rest of the mass to allele 30 (so every locus sums to 1).
func testTable(t testing.TB, freqs map[string]float64) *FrequencyTable {
	t.Helper()
	tab := NewFrequencyTable("TEST (made-up frequencies, not a population)")
	tab.Simulated = true
	for _, l := range AllLoci() {
		rest := 1.0
		for a, p := range freqs {
			tab.Add(l, al(a), p)
			rest -= p
		}
		if rest > 1e-12 {
			tab.Add(l, al("30"), rest)
		}
		tab.N[l] = 1000
	}
	if _, err := tab.Check(); err != nil {
		t.Fatal(err)
	}
	return tab
}

func near(got, want float64) bool {
	if want == 0 {
		return got == 0
	}
	return math.Abs(got-want) <= 1e-11*math.Abs(want) // Compute rounds to 12 significant digits
}

func pair(rel Relationship, l Locus, child, relative Genotype) Case {
	c := Case{Relationship: rel, Child: Profile{ID: "C"}, Relative: Profile{ID: "AF"}}
	c.Child.Loci[l] = child
	c.Relative.Loci[l] = relative
	return c
}

func compute(t *testing.T, k *Calculator, c Case) Result {
	t.Helper()
	r, err := k.Compute(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The known answer: father A/A, child A/A, p(A) = 0.05 gives LR = 20; a
// second locus of the same pattern with p = 0.1 gives 200 in all.
func TestWorkedExampleTwentyAndTwoHundred(t *testing.T) {
	tab := NewFrequencyTable("worked example")
	tab.Add(D3S1358, al("15"), 0.05)
	tab.Add(D3S1358, al("16"), 0.95)
	tab.Add(VWA, al("17"), 0.1)
	tab.Add(VWA, al("18"), 0.9)
	tab.MinFrequency = 0.001
	k, err := NewCalculator(tab, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := pair(ParentChild, D3S1358, gt("15", "15"), gt("15", "15"))
	r := compute(t, k, c)
	if r.LR != 20 {
		t.Fatalf("one locus: LR = %v, want exactly 20", r.LR)
	}
	if r.Loci[0].Formula != "1/q" || r.Loci[0].Frequencies[0].Frequency != 0.05 {
		t.Errorf("explanation: %+v", r.Loci[0])
	}
	c.Child.Loci[VWA], c.Relative.Loci[VWA] = gt("17", "17"), gt("17", "17")
	r = compute(t, k, c)
	if math.Abs(r.LR-200) > 1e-9 || len(r.Loci) != 2 || r.Loci[0].Locus != VWA || r.Loci[0].LR != 10 || r.Loci[1].LR != 20 {
		t.Fatalf("two loci: LR = %v (loci %+v), want 200", r.LR, r.Loci)
	}
	if r.Prior != 0.5 || math.Abs(r.Posterior-200.0/201) > 1e-12 {
		t.Errorf("posterior %v with prior %v, want 200/201 with 0.5", r.Posterior, r.Prior)
	}
	for _, want := range []string{"about 200 times more likely if AF is a parent of C than if AF and C are unrelated",
		"moderately strong support", "prior probability of 50%", "99.5%"} {
		if !strings.Contains(r.Reading, want) {
			t.Errorf("reading %q lacks %q", r.Reading, want)
		}
	}
}

// The standard paternity index table: duo and trio, each case against its
// textbook formula.
func TestPaternityIndexTable(t *testing.T) {
	const p, q, r, s = 0.1, 0.05, 0.2, 0.15
	tab := testTable(t, map[string]float64{"12": p, "14": q, "16": r, "18": s})
	k, err := NewCalculator(tab, Options{})
	if err != nil {
		t.Fatal(err)
	}
	duo := []struct {
		name          string
		child, father Genotype
		want          float64
		formula       string
	}{
		{"child q, father q", gt("14", "14"), gt("14", "14"), 1 / q, "1/q"},
		{"child q, father qr", gt("14", "14"), gt("14", "16"), 1 / (2 * q), "1/(2q)"},
		{"child pq, father q", gt("12", "14"), gt("14", "14"), 1 / (2 * q), "1/(2q)"},
		{"child pq, father pq", gt("12", "14"), gt("12", "14"), (p + q) / (4 * p * q), "(p+q)/(4pq)"},
		{"child pq, father qr", gt("12", "14"), gt("14", "16"), 1 / (4 * q), "1/(4q)"},
		{"child pq, father rs (exclusion)", gt("12", "14"), gt("16", "18"), 0, "0"},
	}
	for _, tc := range duo {
		t.Run("duo/"+tc.name, func(t *testing.T) {
			res := compute(t, k, pair(ParentChild, FGA, tc.child, tc.father))
			if !near(res.LR, tc.want) {
				t.Errorf("LR = %v, want %v", res.LR, tc.want)
			}
			if res.Loci[0].Formula != tc.formula {
				t.Errorf("formula %q, want %q", res.Loci[0].Formula, tc.formula)
			}
		})
	}
	trio := []struct {
		name                  string
		child, mother, father Genotype
		want                  float64
		formula               string
	}{
		{"child pq, mother p, father q", gt("12", "14"), gt("12", "12"), gt("14", "14"), 1 / q, "1/q"},
		{"child pq, mother pr, father q", gt("12", "14"), gt("12", "16"), gt("14", "14"), 1 / q, "1/q"},
		{"child pq, mother p, father qr", gt("12", "14"), gt("12", "12"), gt("14", "16"), 1 / (2 * q), "1/(2q)"},
		{"child pq, mother pr, father qs", gt("12", "14"), gt("12", "16"), gt("14", "18"), 1 / (2 * q), "1/(2q)"},
		{"child q, mother qr, father q", gt("14", "14"), gt("14", "16"), gt("14", "14"), 1 / q, "1/q"},
		{"child pq, mother pq, father q", gt("12", "14"), gt("12", "14"), gt("14", "14"), 1 / (p + q), "1/(p+q)"},
		{"child pq, mother pq, father pq", gt("12", "14"), gt("12", "14"), gt("12", "14"), 1 / (p + q), "1/(p+q)"},
		{"child pq, mother pq, father qr", gt("12", "14"), gt("12", "14"), gt("14", "16"), 1 / (2*p + 2*q), "1/(2p+2q)"},
		{"child pq, mother p, father rs (exclusion)", gt("12", "14"), gt("12", "12"), gt("16", "18"), 0, "0"},
	}
	for _, tc := range trio {
		t.Run("trio known mother/"+tc.name, func(t *testing.T) {
			c := pair(TrioKnownParent, FGA, tc.child, tc.father)
			c.Other = &Profile{ID: "M"}
			c.Other.Loci[FGA] = tc.mother
			res := compute(t, k, c)
			if !near(res.LR, tc.want) {
				t.Errorf("LR = %v, want %v", res.LR, tc.want)
			}
			if res.Loci[0].Formula != tc.formula {
				t.Errorf("formula %q, want %q", res.Loci[0].Formula, tc.formula)
			}
			if got := strings.Join(res.Loci[0].Genotypes, " "); got != tc.child.String()+" "+tc.mother.String()+" "+tc.father.String() {
				t.Errorf("genotypes %q", got)
			}
		})
	}
	// Both parents alleged: P(child | parents) / P(child).
	both := []struct {
		name        string
		child, a, b Genotype
		want        float64
	}{
		{"child pq, parents p and q", gt("12", "14"), gt("12", "12"), gt("14", "14"), 1 / (2 * p * q)},
		{"child pq, parents pq and pq", gt("12", "14"), gt("12", "14"), gt("12", "14"), 0.5 / (2 * p * q)},
		{"child q, parents qr and qs", gt("14", "14"), gt("14", "16"), gt("14", "18"), 0.25 / (q * q)},
		{"child pq, parents pr and qs", gt("12", "14"), gt("12", "16"), gt("14", "18"), 0.25 / (2 * p * q)},
	}
	for _, tc := range both {
		t.Run("trio both alleged/"+tc.name, func(t *testing.T) {
			c := pair(Trio, FGA, tc.child, tc.b)
			c.Other = &Profile{ID: "M"}
			c.Other.Loci[FGA] = tc.a
			res := compute(t, k, c)
			if !near(res.LR, tc.want) {
				t.Errorf("LR = %v, want %v (%s)", res.LR, tc.want, res.Loci[0].Formula)
			}
		})
	}
}

// Full- and half-sibling indices against their published closed forms.
func TestSiblingRatios(t *testing.T) {
	const p, q = 0.1, 0.05
	tab := testTable(t, map[string]float64{"12": p, "14": q, "16": 0.2, "18": 0.15})
	k, _ := NewCalculator(tab, Options{})
	cases := []struct {
		name       string
		x, y       Genotype
		full, half float64
	}{
		{"aa, aa", gt("12", "12"), gt("12", "12"), (1 + p) * (1 + p) / (4 * p * p), (1 + p) / (2 * p)},
		{"aa, ab", gt("12", "12"), gt("12", "14"), (1 + p) / (4 * p), (1 + 2*p) / (4 * p)},
		{"ab, ab", gt("12", "14"), gt("12", "14"), (1 + p + q + 2*p*q) / (8 * p * q), 0.5 + (p+q)/(8*p*q)},
		{"ab, ac", gt("12", "14"), gt("12", "16"), (1 + 2*p) / (8 * p), (1 + 4*p) / (8 * p)},
		{"ab, cd", gt("12", "14"), gt("16", "18"), 0.25, 0.5},
		{"aa, bb", gt("12", "12"), gt("14", "14"), 0.25, 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := compute(t, k, pair(FullSiblings, TH01, tc.x, tc.y)); !near(r.LR, tc.full) {
				t.Errorf("full siblings: %v, want %v (%s)", r.LR, tc.full, r.Loci[0].Formula)
			}
			for _, rel := range []Relationship{HalfSiblings, Grandparent, AuntUncle} {
				if r := compute(t, k, pair(rel, TH01, tc.x, tc.y)); !near(r.LR, tc.half) {
					t.Errorf("%s: %v, want %v", rel, r.LR, tc.half)
				}
			}
		})
	}
	r := compute(t, k, pair(FullSiblings, TH01, gt("12", "12"), gt("12", "12")))
	if want := "κ0 + κ1·X1 + κ2·X2 = ¼ + ½·X1 + ¼·X2, X1 = 1/q, X2 = 1/q²"; r.Loci[0].Formula != want {
		t.Errorf("formula %q, want %q", r.Loci[0].Formula, want)
	}
}

// NRC II's θ formulas: the genotype probabilities 4.4a/b, the conditional
// match probabilities 4.10, and the paternity indices they give.
func TestThetaNRCII(t *testing.T) {
	const pa, pb = 0.1, 0.05
	tab := testTable(t, map[string]float64{"12": pa, "14": pb})
	for _, theta := range []float64{0, 0.01, 0.03} {
		k, err := NewCalculator(tab, Options{Theta: theta})
		if err != nil {
			t.Fatal(err)
		}
		c := &k.calcs[D8S1179]
		a, b := al("12"), al("14")
		// 4.4a: P(aa) = p² + p(1−p)θ; 4.4b: P(ab) = 2 pa pb (1−θ).
		if got, want := c.seq(a, a), pa*pa+pa*(1-pa)*theta; !near(got, want) {
			t.Errorf("θ=%g 4.4a: %v, want %v", theta, got, want)
		}
		if got, want := 2*c.seq(a, b), 2*pa*pb*(1-theta); !near(got, want) {
			t.Errorf("θ=%g 4.4b: %v, want %v", theta, got, want)
		}
		// 4.10: P(aa | aa) and P(ab | ab).
		den := (1 + theta) * (1 + 2*theta)
		if got, want := c.seq(a, a, a, a)/c.seq(a, a), (2*theta+(1-theta)*pa)*(3*theta+(1-theta)*pa)/den; !near(got, want) {
			t.Errorf("θ=%g 4.10 homozygote: %v, want %v", theta, got, want)
		}
		if got, want := 2*c.seq(a, b, a, b)/c.seq(a, b), 2*(theta+(1-theta)*pa)*(theta+(1-theta)*pb)/den; !near(got, want) {
			t.Errorf("θ=%g 4.10 heterozygote: %v, want %v", theta, got, want)
		}
		// Paternity indices with θ (Balding & Nichols 1995): child aa,
		// father aa: (1+2θ)/(3θ+(1−θ)pa); child ab, father ac:
		// (1+2θ)/(4(θ+(1−θ)pa)).
		r := compute(t, k, pair(ParentChild, D8S1179, gt("12", "12"), gt("12", "12")))
		if want := (1 + 2*theta) / (3*theta + (1-theta)*pa); !near(r.LR, want) {
			t.Errorf("θ=%g PI aa/aa: %v, want %v", theta, r.LR, want)
		}
		r = compute(t, k, pair(ParentChild, D8S1179, gt("12", "14"), gt("12", "16")))
		if want := (1 + 2*theta) / (4 * (theta + (1-theta)*pa)); !near(r.LR, want) {
			t.Errorf("θ=%g PI ab/ac: %v, want %v", theta, r.LR, want)
		}
		if theta > 0 && !strings.Contains(r.Loci[0].Formula, "θ = ") {
			t.Errorf("formula does not state θ: %q", r.Loci[0].Formula)
		}
	}
}

// One mutation does not exclude a true parent: the locus gets a small LR
// rather than 0, as the stepwise model gives it.
func TestMutationGivesSmallNonzeroLR(t *testing.T) {
	const p12, p14 = 0.1, 0.05
	tab := testTable(t, map[string]float64{"12": p12, "14": p14, "15": 0.2, "16": 0.15})
	c := pair(ParentChild, D21S11, gt("12", "14"), gt("15", "16"))
	k0, _ := NewCalculator(tab, Options{})
	if r := compute(t, k0, c); r.LR != 0 || !strings.Contains(r.Reading, "excludes") {
		t.Fatalf("without mutation: LR %v, reading %q", r.LR, r.Reading)
	}
	m := Mutation{LocusMutation: LocusMutation{Rate: 0.002, TwoStep: 0.1}}
	k, _ := NewCalculator(tab, Options{Mutation: m})
	r := compute(t, k, c)
	step := func(n int) float64 { return m.Rate * (1 - m.TwoStep) * math.Pow(m.TwoStep, float64(n-1)) / 2 }
	t14 := (step(1) + step(2)) / 2 // 15→14, 16→14
	t12 := (step(3) + step(4)) / 2 // 15→12, 16→12
	want := (p12*t14 + p14*t12) / (2 * p12 * p14)
	if !near(r.LR, want) || r.LR <= 0 || r.LR > 0.01 {
		t.Fatalf("LR %v, want %v (small, above 0)", r.LR, want)
	}
	if r.Inconsistent != 1 || !strings.Contains(r.Loci[0].Note, "mutation") {
		t.Errorf("note %q, inconsistent %d", r.Loci[0].Note, r.Inconsistent)
	}
	// With 19 more consistent loci the true father is still strongly supported.
	for _, l := range CODIS[1:] {
		c.Child.Loci[l], c.Relative.Loci[l] = gt("12", "14"), gt("14", "16")
	}
	c.Child.Loci[D21S11], c.Relative.Loci[D21S11] = gt("12", "14"), gt("15", "16")
	if got := compute(t, k, c).LR; got < 1e6 {
		t.Errorf("20 loci with one mutation: LR %v, want above 10^6", got)
	}
	if got := compute(t, k0, c).LR; got != 0 {
		t.Errorf("without the mutation model the same loci exclude: %v", got)
	}
}

// An apparent homozygote may hide a silent allele: father 12/12 and child
// 14/14 are then consistent (both 12/Ø and 14/Ø).
func TestSilentAlleleAvoidsFalseExclusion(t *testing.T) {
	tab := testTable(t, map[string]float64{"12": 0.1, "14": 0.05})
	c := pair(ParentChild, CSF1PO, gt("14", "14"), gt("12", "12"))
	k, _ := NewCalculator(tab, Options{Null: 0.01})
	r := compute(t, k, c)
	if !(r.LR > 0) || !strings.Contains(r.Loci[0].Note, "silent allele") {
		t.Fatalf("LR %v, note %q", r.LR, r.Loci[0].Note)
	}
	// With ν the frequency of the silent allele and p, q scaled by (1−ν):
	// Hp: father 12Ø passes Ø (½), child 14Ø gets 14 from the mother;
	// Hd: both genotypes from the population.
	nu, p, q := 0.01, 0.1*0.99, 0.05*0.99
	pf, pc := p*p+2*p*nu, q*q+2*q*nu
	// The father is 12Ø in two orders, each p·ν, and passes Ø with ½; the
	// mother gives 14.
	hp := 2 * (p * nu) * 0.5 * q
	if want := hp / (pf * pc); !near(r.LR, want) {
		t.Errorf("LR %v, want %v", r.LR, want)
	}
	// The same genotypes without the silent allele exclude.
	k0, _ := NewCalculator(tab, Options{})
	if compute(t, k0, c).LR != 0 {
		t.Error("without a silent allele the genotypes should exclude")
	}
	// Heterozygotes keep their formula; only the frequencies make room
	// for the silent allele's: 1/(4q) with q = 0.05·(1−ν).
	h := pair(ParentChild, CSF1PO, gt("12", "14"), gt("14", "30"))
	if got := compute(t, k, h).LR; !near(got, 1/(4*q)) {
		t.Errorf("heterozygotes: %v, want %v", got, 1/(4*q))
	}
}

func TestPosteriorAndVerbalScale(t *testing.T) {
	for _, tc := range []struct {
		lr, prior, post float64
		verbal          string
	}{
		{20, 0.5, 20.0 / 21, "moderate support for the relationship"},
		{1e4, 0.01, 1e4 * 0.01 / 0.99 / (1 + 1e4*0.01/0.99), "very strong support for the relationship"},
		{2e6, 0.5, 2e6 / (2e6 + 1), "extremely strong support for the relationship"},
		{0.001, 0.5, 0.001 / 1.001, "strong support for their being unrelated"},
		{0, 0.5, 0, "excludes the relationship"},
	} {
		if got := Posterior(tc.lr, tc.prior); math.Abs(got-tc.post) > 1e-12 {
			t.Errorf("Posterior(%v, %v) = %v, want %v", tc.lr, tc.prior, got, tc.post)
		}
		if got := Verbal(tc.lr); got != tc.verbal {
			t.Errorf("Verbal(%v) = %q, want %q", tc.lr, got, tc.verbal)
		}
	}
	for x, want := range map[float64]string{20: "20", 1234: "1,230", 4.56e6: "4.6 million", 3.2e12: "3.2 × 10^12", 2.5: "2.5"} {
		if got := Humanize(x); got != want {
			t.Errorf("Humanize(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestSkippedLociAndUnseenAlleles(t *testing.T) {
	tab := NewFrequencyTable("small")
	tab.Add(TPOX, al("8"), 0.5)
	tab.Add(TPOX, al("11"), 0.5)
	tab.N[TPOX] = 250 // minimum 5/500 = 0.01
	k, _ := NewCalculator(tab, Options{})
	c := pair(ParentChild, TPOX, gt("9", "9"), gt("9", "9"))
	c.Child.Loci[FGA], c.Relative.Loci[FGA] = gt("20", "21"), gt("20", "20")
	c.Child.Loci[TH01] = gt("6", "7")
	r := compute(t, k, c)
	if !near(r.LR, 100) || !r.Loci[0].Frequencies[0].Minimum {
		t.Errorf("unseen allele 9: LR %v (want 1/0.01), frequencies %+v", r.LR, r.Loci[0].Frequencies)
	}
	if len(r.Skipped) != 2 || !strings.Contains(r.Skipped[0].Reason, "frequency table") || !strings.Contains(r.Skipped[1].Reason, "not typed in AF") {
		t.Errorf("skipped %+v", r.Skipped)
	}
}

func TestTrioFormulas(t *testing.T) {
	tab := testTable(t, map[string]float64{"12": 0.1, "14": 0.05, "16": 0.2, "18": 0.15})
	k, _ := NewCalculator(tab, Options{})
	for _, tc := range []struct {
		child, a, b Genotype
		formula     string
	}{
		{gt("12", "14"), gt("12", "12"), gt("14", "14"), "1/(2pq)"},
		{gt("12", "14"), gt("12", "14"), gt("12", "14"), "1/(4pq)"},
		{gt("12", "14"), gt("12", "16"), gt("14", "18"), "1/(8pq)"},
		{gt("14", "14"), gt("14", "14"), gt("14", "16"), "1/(2q²)"},
		{gt("14", "14"), gt("14", "16"), gt("14", "18"), "1/(4q²)"},
	} {
		c := pair(Trio, FGA, tc.child, tc.b)
		c.Other = &Profile{ID: "M"}
		c.Other.Loci[FGA] = tc.a
		if r := compute(t, k, c); r.Loci[0].Formula != tc.formula {
			t.Errorf("%v %v %v: %q, want %q", tc.child, tc.a, tc.b, r.Loci[0].Formula, tc.formula)
		}
	}
}
