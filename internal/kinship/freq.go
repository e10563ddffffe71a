package kinship

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// FrequencyTable holds allele frequencies per locus, from one laboratory's
// population study. Several named tables may be kept; a result names the
// one it used.
type FrequencyTable struct {
	Name string `json:"name"`
	// Simulated marks a table made up by SimulateTable: it describes no
	// real population, and every result computed with it says so.
	Simulated bool `json:"simulated"`
	// N is the number of individuals typed at each locus (0 when unknown),
	// which sets the minimum allele frequency 5/2N.
	N [NumLoci]int `json:"-"`
	// MinFrequency, when above 0, is the minimum allele frequency at every
	// locus, in place of 5/2N.
	MinFrequency float64 `json:"min_frequency,omitempty"`

	freq [NumLoci]*[MaxAllele + 1]float64
	n    [NumLoci]int // alleles listed per locus
}

// NewFrequencyTable returns an empty table.
func NewFrequencyTable(name string) *FrequencyTable { return &FrequencyTable{Name: name} }

// Add sets the frequency of allele a at locus l.
func (t *FrequencyTable) Add(l Locus, a Allele, p float64) {
	if t.freq[l] == nil {
		t.freq[l] = new([MaxAllele + 1]float64)
	}
	if t.freq[l][a] == 0 {
		t.n[l]++
	}
	t.freq[l][a] = p
}

// Has reports whether the table lists any allele at l.
func (t *FrequencyTable) Has(l Locus) bool { return t.n[l] > 0 }

// Loci lists the loci the table covers.
func (t *FrequencyTable) Loci() []Locus {
	var out []Locus
	for _, l := range AllLoci() {
		if t.Has(l) {
			out = append(out, l)
		}
	}
	return out
}

// Minimum is the smallest frequency used at l: MinFrequency if set, else
// 5/2N (NRC II's recommendation), else 0 when N is unknown.
func (t *FrequencyTable) Minimum(l Locus) float64 {
	if t.MinFrequency > 0 {
		return t.MinFrequency
	}
	if t.N[l] > 0 {
		return 5 / (2 * float64(t.N[l]))
	}
	return 0
}

// Freq returns the frequency used for allele a at l: the table's, raised to
// the minimum if below it (an allele not in the table gets the minimum).
// raised reports that the minimum was used.
func (t *FrequencyTable) Freq(l Locus, a Allele) (p float64, raised bool) {
	var f float64
	if t.freq[l] != nil && a <= MaxAllele {
		f = t.freq[l][a]
	}
	if m := t.Minimum(l); f < m {
		return m, true
	}
	return f, false
}

// Each calls fn for every allele listed, by locus and then allele.
func (t *FrequencyTable) Each(fn func(l Locus, a Allele, p float64)) {
	for l := range t.freq {
		if t.freq[l] == nil {
			continue
		}
		for a, p := range t.freq[l] {
			if p > 0 {
				fn(Locus(l), Allele(a), p)
			}
		}
	}
}

// Sum returns the sum of the frequencies listed at l.
func (t *FrequencyTable) Sum(l Locus) float64 {
	var s float64
	if t.freq[l] != nil {
		for _, p := range t.freq[l] {
			s += p
		}
	}
	return s
}

// Frequency sums: a locus whose frequencies sum to further than
// SumError from 1 is refused; further than SumWarning, warned about
// (published tables round, and leave out the rarest alleles).
const (
	SumWarning = 0.005
	SumError   = 0.05
)

// Check validates the table: every locus's frequencies sum to about 1, and
// every locus has a minimum frequency for unseen alleles. It returns the
// warnings, or an error listing every problem.
func (t *FrequencyTable) Check() (warnings []string, err error) {
	var problems []string
	if len(t.Loci()) == 0 {
		problems = append(problems, "the table lists no allele")
	}
	for _, l := range t.Loci() {
		s := t.Sum(l)
		switch d := math.Abs(s - 1); {
		case d > SumError:
			problems = append(problems, fmt.Sprintf("locus %s: frequencies sum to %.4f, not 1 (more than %.2f off: a wrong column or a missing allele?)", l, s, SumError))
		case d > SumWarning:
			warnings = append(warnings, fmt.Sprintf("locus %s: frequencies sum to %.4f, not 1", l, s))
		}
		if t.Minimum(l) == 0 {
			problems = append(problems, fmt.Sprintf("locus %s: no sample size N, so no minimum frequency 5/2N for alleles the table has not seen: add a row %q or give N", l, l.String()+",N,500"))
		}
	}
	if len(problems) > 0 {
		return warnings, fmt.Errorf("frequency table %s: %s", t.Name, strings.Join(problems, "; "))
	}
	return warnings, nil
}

// FrequencyOptions tune ReadFrequencies.
type FrequencyOptions struct {
	// N is the number of individuals typed, for every locus without an N
	// row of its own.
	N int
	// MinFrequency, if above 0, replaces 5/2N as the minimum frequency.
	MinFrequency float64
}

var (
	alleleHeaders = map[string]bool{"ALLELE": true}
	freqHeaders   = map[string]bool{"FREQUENCY": true, "FREQ": true, "F": true, "P": true}
)

// ReadFrequencies reads a frequency table from CSV with the columns locus,
// allele and frequency (a header row naming them, in any order). A row
// whose allele is N gives the number of individuals typed at the locus
// ("D3S1358,N,500"), which sets the minimum frequency 5/2N for alleles not
// in the table. Sex and Y markers are skipped. It returns the table and
// its warnings (sums a little off 1), or every problem found.
func ReadFrequencies(r io.Reader, name string, opts FrequencyOptions) (*FrequencyTable, []string, error) {
	rows, lines, err := csvRows(r)
	if err != nil {
		return nil, nil, err
	}
	t := NewFrequencyTable(name)
	t.MinFrequency = opts.MinFrequency
	c := &collector{}
	lc, ac, fc := -1, -1, -1
	for i, h := range rows[0] {
		switch f := fold(h); {
		case locusHeaders[f]:
			lc = i
		case alleleHeaders[f]:
			ac = i
		case freqHeaders[f]:
			fc = i
		}
	}
	if lc < 0 || ac < 0 || fc < 0 {
		return nil, nil, ImportErrors{{Line: lines[0], Problem: "the header must name the columns locus, allele and frequency"}}
	}
	for k, rec := range rows[1:] {
		line := lines[k+1]
		name, av, fv := cell(rec, lc), cell(rec, ac), cell(rec, fc)
		if isNonAutosomal(name) {
			continue
		}
		l, err := ParseLocus(name)
		if err != nil {
			c.fail(&ImportError{Line: line, Locus: name, Problem: err.Error()})
			continue
		}
		if strings.EqualFold(av, "N") {
			n, err := strconv.Atoi(fv)
			if err != nil || n <= 0 {
				c.fail(&ImportError{Line: line, Locus: l.String(), Value: fv, Problem: "N, the number of individuals typed, must be a whole number above 0"})
				continue
			}
			t.N[l] = n
			continue
		}
		a, err := ParseAllele(av)
		if err != nil {
			c.fail(&ImportError{Line: line, Locus: l.String(), Value: av, Problem: err.Error()})
			continue
		}
		p, err := strconv.ParseFloat(fv, 64)
		if err != nil || !(p > 0 && p <= 1) {
			c.fail(&ImportError{Line: line, Locus: l.String(), Value: fv, Problem: fmt.Sprintf("the frequency of allele %s must be a number above 0 and at most 1", a)})
			continue
		}
		if t.freq[l] != nil && t.freq[l][a] != 0 {
			c.fail(&ImportError{Line: line, Locus: l.String(), Value: av, Problem: "the allele is listed twice"})
			continue
		}
		t.Add(l, a, p)
	}
	if len(c.errs) > 0 {
		return nil, nil, c.errs
	}
	if opts.N > 0 {
		for l := range t.N {
			if t.N[l] == 0 && t.Has(Locus(l)) {
				t.N[l] = opts.N
			}
		}
	}
	warnings, err := t.Check()
	if err != nil {
		return nil, warnings, err
	}
	return t, warnings, nil
}

// WriteFrequencies writes t as CSV in the form ReadFrequencies reads,
// sample sizes included.
func WriteFrequencies(w io.Writer, t *FrequencyTable) error {
	var b strings.Builder
	b.WriteString("locus,allele,frequency\n")
	for _, l := range t.Loci() {
		if t.N[l] > 0 {
			fmt.Fprintf(&b, "%s,N,%d\n", l, t.N[l])
		}
	}
	t.Each(func(l Locus, a Allele, p float64) {
		fmt.Fprintf(&b, "%s,%s,%s\n", l, a, strconv.FormatFloat(p, 'g', -1, 64))
	})
	_, err := io.WriteString(w, b.String())
	return err
}
