package kinship

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ImportError is one problem in an imported file, named as precisely as
// the file allows: the line, and the sample, locus and value concerned.
type ImportError struct {
	Line    int    `json:"line"`
	Sample  string `json:"sample,omitempty"`
	Locus   string `json:"locus,omitempty"`
	Value   string `json:"value,omitempty"`
	Problem string `json:"problem"`
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Sample != "" {
		fmt.Fprintf(&b, ", sample %s", e.Sample)
	}
	if e.Locus != "" {
		fmt.Fprintf(&b, ", locus %s", e.Locus)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ", value %q", e.Value)
	}
	return b.String() + ": " + e.Problem
}

// ImportErrors is every problem found in a file (up to MaxImportErrors).
// An import with any problem imports nothing.
type ImportErrors []*ImportError

// MaxImportErrors caps the problems reported for one file.
const MaxImportErrors = 100

func (es ImportErrors) Error() string {
	parts := make([]string, 0, len(es))
	for _, e := range es {
		parts = append(parts, e.Error())
	}
	return fmt.Sprintf("%d problem(s):\n  %s", len(es), strings.Join(parts, "\n  "))
}

// MaxImportBytes bounds a file read by the importers.
const MaxImportBytes = 64 << 20

// csvRows reads a whole CSV file: UTF-8 with or without a BOM, separated by
// commas, semicolons or tabs (told apart on the header line). It returns
// the rows with their line numbers.
func csvRows(r io.Reader) ([][]string, []int, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, nil, fmt.Errorf("file larger than %d bytes", MaxImportBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	switch {
	case bytes.Count(first, []byte("\t")) > 0:
		cr.Comma = '\t'
	case bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")):
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("malformed CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("empty file: expected a header row")
	}
	return rows, lines, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

var (
	sampleHeaders  = map[string]bool{"SAMPLE": true, "SAMPLEID": true, "SAMPLENAME": true, "SAMPLEFILE": true, "ID": true}
	locusHeaders   = map[string]bool{"LOCUS": true, "MARKER": true}
	allele1Headers = map[string]bool{"ALLELE1": true, "A1": true, "ALLELEA": true}
	allele2Headers = map[string]bool{"ALLELE2": true, "A2": true, "ALLELEB": true}
)

// ReadProfiles reads STR profiles from CSV in either layout, told apart by
// the header: the long layout has a locus column (sample id, locus, allele
// 1, allele 2); the wide layout has a column per locus (cells "12,14",
// "12/14" or "12") or two per locus ("D3S1358_1", "D3S1358_2", or the same
// name twice). Profiles come in the order their samples first appear. A
// file with any problem gives ImportErrors, listing every problem, and no
// profiles.
func ReadProfiles(r io.Reader) ([]Profile, error) {
	rows, lines, err := csvRows(r)
	if err != nil {
		return nil, err
	}
	for _, h := range rows[0] {
		if locusHeaders[fold(h)] {
			return readLong(rows, lines)
		}
	}
	return readWide(rows, lines)
}

// collector gathers profiles and problems.
type collector struct {
	order []string
	byID  map[string]*Profile
	errs  ImportErrors
}

func (c *collector) fail(e *ImportError) {
	if len(c.errs) < MaxImportErrors {
		c.errs = append(c.errs, e)
	}
}

func (c *collector) profile(id string) *Profile {
	if c.byID == nil {
		c.byID = map[string]*Profile{}
	}
	p := c.byID[id]
	if p == nil {
		p = &Profile{ID: id}
		c.byID[id] = p
		c.order = append(c.order, id)
	}
	return p
}

func (c *collector) result() ([]Profile, error) {
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	out := make([]Profile, len(c.order))
	for i, id := range c.order {
		out[i] = *c.byID[id]
	}
	return out, nil
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func readLong(rows [][]string, lines []int) ([]Profile, error) {
	c := &collector{}
	col := map[string]int{"sample": -1, "locus": -1, "allele1": -1, "allele2": -1}
	for i, h := range rows[0] {
		f := fold(h)
		switch {
		case sampleHeaders[f]:
			col["sample"] = i
		case locusHeaders[f]:
			col["locus"] = i
		case allele1Headers[f]:
			col["allele1"] = i
		case allele2Headers[f]:
			col["allele2"] = i
		}
	}
	for _, need := range []string{"sample", "locus", "allele1"} {
		if col[need] < 0 {
			c.fail(&ImportError{Line: lines[0], Problem: fmt.Sprintf("the header has no %s column (long layout: sample id, locus, allele 1, allele 2)", need)})
		}
	}
	if len(c.errs) > 0 {
		return c.result()
	}
	for k, rec := range rows[1:] {
		line := lines[k+1]
		id, name := cell(rec, col["sample"]), cell(rec, col["locus"])
		v1, v2 := cell(rec, col["allele1"]), cell(rec, col["allele2"])
		if id == "" {
			c.fail(&ImportError{Line: line, Locus: name, Problem: "the sample id is empty"})
			continue
		}
		if isNonAutosomal(name) {
			continue // sex and Y markers are not used for kinship
		}
		l, err := ParseLocus(name)
		if err != nil {
			c.fail(&ImportError{Line: line, Sample: id, Locus: name, Problem: err.Error()})
			continue
		}
		if v1 == "" && v2 == "" {
			c.profile(id)
			continue // not typed
		}
		g, ok := c.alleles(line, id, l, v1, v2)
		if !ok {
			continue
		}
		p := c.profile(id)
		if old := p.Loci[l]; old.Typed() && old != g {
			c.fail(&ImportError{Line: line, Sample: id, Locus: l.String(), Value: g.String(),
				Problem: fmt.Sprintf("the locus is given twice, first as %s", old)})
			continue
		}
		p.Loci[l] = g
	}
	return c.result()
}

// alleles parses a genotype given as two cells; an empty second cell is a
// homozygote.
func (c *collector) alleles(line int, id string, l Locus, v1, v2 string) (Genotype, bool) {
	var al [2]Allele
	for i, v := range []string{v1, v2} {
		if v == "" {
			continue
		}
		a, err := ParseAllele(v)
		if err != nil {
			c.fail(&ImportError{Line: line, Sample: id, Locus: l.String(), Value: v, Problem: err.Error()})
			return Genotype{}, false
		}
		al[i] = a
	}
	return NewGenotype(al[0], al[1]), true
}

// wideColumn is what one column of the wide layout holds.
type wideColumn struct {
	locus Locus
	part  int // 0: the whole genotype; 1, 2: one allele of two columns
	skip  bool
}

// splitSuffix reads "D3S1358_1", "D3S1358 2", "vWA-a", "FGA.b": a locus
// name, a separator and the number of the allele.
func splitSuffix(h string) (Locus, int, bool) {
	h = strings.TrimSpace(h)
	if len(h) < 3 {
		return 0, 0, false
	}
	sep, last := h[len(h)-2], h[len(h)-1]
	if !strings.ContainsRune(" _-.", rune(sep)) {
		return 0, 0, false
	}
	part := 0
	switch last {
	case '1', 'a', 'A':
		part = 1
	case '2', 'b', 'B':
		part = 2
	default:
		return 0, 0, false
	}
	l, err := ParseLocus(h[:len(h)-2])
	return l, part, err == nil
}

func readWide(rows [][]string, lines []int) ([]Profile, error) {
	c := &collector{}
	header := rows[0]
	idCol := -1
	cols := make([]wideColumn, len(header))
	seen := map[Locus][]int{} // locus → the columns that hold it
	for i, h := range header {
		if sampleHeaders[fold(h)] && idCol < 0 {
			idCol = i
			cols[i].skip = true
			continue
		}
		if isNonAutosomal(h) || strings.TrimSpace(h) == "" && i == len(header)-1 {
			cols[i].skip = true
			continue
		}
		if l, err := ParseLocus(h); err == nil {
			cols[i] = wideColumn{locus: l}
			seen[l] = append(seen[l], i)
			continue
		}
		if l, part, ok := splitSuffix(h); ok {
			cols[i] = wideColumn{locus: l, part: part}
			seen[l] = append(seen[l], i)
			continue
		}
		cols[i].skip = true
		c.fail(&ImportError{Line: lines[0], Value: h, Problem: fmt.Sprintf("column %d is neither the sample id nor a known locus", i+1)})
	}
	if idCol < 0 {
		c.fail(&ImportError{Line: lines[0], Problem: "the header has no sample id column (sample, sample id, or id) and no locus column: neither the long nor the wide layout"})
	}
	if len(seen) == 0 {
		c.fail(&ImportError{Line: lines[0], Problem: "the header names no locus"})
	}
	// A locus in two columns: the same name twice is alleles 1 and 2.
	for _, l := range sortedKeys(seen) {
		idx := seen[l]
		switch {
		case len(idx) == 1 && cols[idx[0]].part == 0:
		case len(idx) == 2 && cols[idx[0]].part == 0 && cols[idx[1]].part == 0:
			cols[idx[0]].part, cols[idx[1]].part = 1, 2
		case len(idx) == 2 && cols[idx[0]].part+cols[idx[1]].part == 3:
		default:
			c.fail(&ImportError{Line: lines[0], Locus: l.String(), Problem: fmt.Sprintf("the locus has %d columns: give one (\"12,14\") or two (allele 1 and allele 2)", len(idx))})
		}
	}
	if len(c.errs) > 0 {
		return c.result()
	}
	order := sortedKeys(seen)
	for k, rec := range rows[1:] {
		line := lines[k+1]
		id := cell(rec, idCol)
		if id == "" {
			c.fail(&ImportError{Line: line, Problem: "the sample id is empty"})
			continue
		}
		if _, dup := c.byID[id]; dup {
			c.fail(&ImportError{Line: line, Sample: id, Problem: "the sample appears on two rows"})
			continue
		}
		p := c.profile(id)
		for _, l := range order {
			idx := seen[l]
			var g Genotype
			var ok bool
			if len(idx) == 1 {
				v := cell(rec, idx[0])
				if v == "" {
					continue
				}
				var err error
				if g, err = parseCell(v); err != nil {
					c.fail(&ImportError{Line: line, Sample: id, Locus: l.String(), Value: v, Problem: err.Error()})
					continue
				}
			} else {
				first, second := idx[0], idx[1]
				if cols[first].part == 2 {
					first, second = second, first
				}
				v1, v2 := cell(rec, first), cell(rec, second)
				if v1 == "" && v2 == "" {
					continue
				}
				if g, ok = c.alleles(line, id, l, v1, v2); !ok {
					continue
				}
			}
			p.Loci[l] = g
		}
	}
	return c.result()
}

func sortedKeys(m map[Locus][]int) []Locus {
	out := make([]Locus, 0, len(m))
	for _, l := range AllLoci() {
		if _, ok := m[l]; ok {
			out = append(out, l)
		}
	}
	return out
}
