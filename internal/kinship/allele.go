package kinship

import (
	"fmt"
	"strconv"
	"strings"
)

// Allele is an STR allele designation in tenths of a repeat: 10 is 100, the
// microvariant 9.3 is 93. 0 is no allele.
type Allele uint16

// MaxAllele is the largest designation accepted (99.9 repeats).
const MaxAllele Allele = 999

// silent stands, inside the likelihood computations, for an allele that is
// not seen: a null allele or one that dropped out. It is never parsed.
const silent Allele = 0xFFFF

// ParseAllele reads an allele designation: a number of repeats from 1 to 99,
// with at most one decimal for a microvariant (9.3, 22.2). Spaces around it
// are ignored; "10.0" is 10.
func ParseAllele(s string) (Allele, error) {
	t := strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(t, ".")
	if whole == "" || len(whole) > 2 || !digits(whole) || (dot && (len(frac) != 1 || !digits(frac))) {
		return 0, fmt.Errorf("%q is not an allele: a number of repeats such as 12, or a microvariant such as 9.3", s)
	}
	w, _ := strconv.Atoi(whole)
	a := Allele(w * 10)
	if dot {
		a += Allele(frac[0] - '0')
	}
	if a < 10 {
		return 0, fmt.Errorf("%q is not an allele: at least 1 repeat", s)
	}
	return a, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String writes the designation: 12, 9.3; "Ø" for the silent allele.
func (a Allele) String() string {
	switch {
	case a == silent:
		return "Ø"
	case a%10 == 0:
		return strconv.Itoa(int(a / 10))
	}
	return strconv.Itoa(int(a/10)) + "." + strconv.Itoa(int(a%10))
}

// Genotype is the pair of alleles at one locus, smaller first. The zero
// Genotype means the locus was not typed. A homozygote has A == B.
type Genotype struct{ A, B Allele }

// NewGenotype orders two alleles into a genotype; b == 0 means a single
// allele was reported, read as a homozygote.
func NewGenotype(a, b Allele) Genotype {
	if b == 0 {
		b = a
	}
	if a == 0 {
		a = b
	}
	if b < a {
		a, b = b, a
	}
	return Genotype{a, b}
}

// Typed reports whether the locus was typed.
func (g Genotype) Typed() bool { return g.A != 0 }

// Homozygous reports whether both alleles are the same (or apparently so).
func (g Genotype) Homozygous() bool { return g.A == g.B }

// String writes "12/14", or "–" for an untyped locus.
func (g Genotype) String() string {
	if !g.Typed() {
		return "–"
	}
	return g.A.String() + "/" + g.B.String()
}

// Has reports whether a is one of the genotype's alleles.
func (g Genotype) Has(a Allele) bool { return g.A == a || g.B == a }

// Profile is the STR genotypes of one sample.
type Profile struct {
	ID   string            `json:"id"`
	Loci [NumLoci]Genotype `json:"-"`
}

// Set records the genotype at l.
func (p *Profile) Set(l Locus, g Genotype) { p.Loci[l] = g }

// Get returns the genotype at l (the zero Genotype if not typed).
func (p *Profile) Get(l Locus) Genotype { return p.Loci[l] }

// Typed lists the loci typed, in index order.
func (p *Profile) Typed() []Locus {
	var out []Locus
	for i, g := range p.Loci {
		if g.Typed() {
			out = append(out, Locus(i))
		}
	}
	return out
}

// String writes the profile in the compact form ParseGenotypes reads:
// "CSF1PO=10/12;FGA=21/22.2;…", typed loci only, in index order.
func (p *Profile) String() string {
	var b strings.Builder
	for _, l := range p.Typed() {
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(l.String())
		b.WriteByte('=')
		b.WriteString(p.Loci[l].String())
	}
	return b.String()
}

// ParseGenotypes reads the compact form Profile.String writes into a
// profile with the given id.
func ParseGenotypes(id, s string) (Profile, error) {
	p := Profile{ID: id}
	if strings.TrimSpace(s) == "" {
		return p, nil
	}
	for part := range strings.SplitSeq(s, ";") {
		name, gt, ok := strings.Cut(part, "=")
		if !ok {
			return p, fmt.Errorf("sample %s: %q is not locus=allele/allele", id, part)
		}
		l, err := ParseLocus(name)
		if err != nil {
			return p, fmt.Errorf("sample %s: %w", id, err)
		}
		g, err := parseCell(gt)
		if err != nil {
			return p, fmt.Errorf("sample %s, locus %s: %w", id, l, err)
		}
		p.Loci[l] = g
	}
	return p, nil
}

// parseCell reads one genotype cell: "12,14", "12/14", "12 14" or "12".
func parseCell(s string) (Genotype, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '/' || r == ' ' || r == '\t' })
	switch len(f) {
	case 1, 2:
	default:
		return Genotype{}, fmt.Errorf("%q is not a genotype: one or two alleles such as 12,14 or 12/14", s)
	}
	var al [2]Allele
	for i, x := range f {
		a, err := ParseAllele(x)
		if err != nil {
			return Genotype{}, err
		}
		al[i] = a
	}
	return NewGenotype(al[0], al[1]), nil
}

// MarshalBinary encodes the typed loci compactly (the sample id is not
// included): for each typed locus, its index and both alleles, 5 bytes.
func (p *Profile) MarshalBinary() ([]byte, error) {
	out := make([]byte, 0, 1+5*NumLoci)
	out = append(out, 1) // version
	for i, g := range p.Loci {
		if g.Typed() {
			out = append(out, byte(i), byte(g.A>>8), byte(g.A), byte(g.B>>8), byte(g.B))
		}
	}
	return out, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote, checking every locus
// and allele; the id is left as it was.
func (p *Profile) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || b[0] != 1 || (len(b)-1)%5 != 0 {
		return fmt.Errorf("not an encoded STR profile (%d bytes)", len(b))
	}
	var loci [NumLoci]Genotype
	for b = b[1:]; len(b) > 0; b = b[5:] {
		l, a, c := int(b[0]), Allele(b[1])<<8|Allele(b[2]), Allele(b[3])<<8|Allele(b[4])
		switch {
		case l >= NumLoci:
			return fmt.Errorf("encoded profile: locus %d unknown", l)
		case a < 10 || c < a || c > MaxAllele:
			return fmt.Errorf("encoded profile: locus %s: alleles %d, %d out of range", Locus(l), a, c)
		case loci[l].Typed():
			return fmt.Errorf("encoded profile: locus %s twice", Locus(l))
		}
		loci[l] = Genotype{a, c}
	}
	p.Loci = loci
	return nil
}
