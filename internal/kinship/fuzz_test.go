package kinship

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// The importers never panic, and what they accept survives a round trip
// through the compact form.
func FuzzReadProfiles(f *testing.F) {
	f.Add([]byte(longCSV))
	f.Add([]byte("sample,D3S1358,vWA\nC-1,\"15,16\",17\n"))
	f.Add([]byte("id;D3S1358_1;D3S1358_2\nX;15;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ReadProfiles(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, p := range ps {
			back, err := ParseGenotypes(p.ID, p.String())
			if err != nil || back != p {
				t.Fatalf("round trip of %q: %v, %v", p.String(), back.String(), err)
			}
			for _, g := range p.Loci {
				if g.Typed() && (g.A > g.B || g.A < 10 || g.B > MaxAllele) {
					t.Fatalf("bad genotype %v", g)
				}
			}
		}
	})
}

func FuzzReadFrequencies(f *testing.F) {
	f.Add([]byte("locus,allele,frequency\nD3S1358,N,100\nD3S1358,15,0.5\nD3S1358,16,0.5\n"))
	f.Add([]byte("Marker;Allele;Freq\nvWA;17;1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, _, err := ReadFrequencies(bytes.NewReader(data), "fuzz", FrequencyOptions{N: 50})
		if err != nil {
			return
		}
		for _, l := range tab.Loci() {
			if s := tab.Sum(l); s < 1-SumError || s > 1+SumError {
				t.Fatalf("accepted a sum of %v at %s", s, l)
			}
			if tab.Minimum(l) <= 0 {
				t.Fatalf("no minimum at %s", l)
			}
		}
	})
}

func FuzzParseAlleleAndLocus(f *testing.F) {
	for _, s := range []string{"9.3", "12", "Penta D", "vWA", "100", "0.1", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ParseAllele(s); err == nil {
			b, err := ParseAllele(a.String())
			if err != nil || a != b || a < 10 || a > MaxAllele {
				t.Fatalf("%q → %v → %v, %v", s, a, b, err)
			}
		}
		if l, err := ParseLocus(s); err == nil {
			if m, err := ParseLocus(l.String()); err != nil || m != l || !strings.EqualFold(fold(s), fold(s)) {
				t.Fatalf("%q → %v → %v", s, l, m)
			}
		}
	})
}

// ParseGenotypes (the stored form, and genotypes given on the command
// line) never panics, and what it accepts writes back to itself.
func FuzzParseGenotypes(f *testing.F) {
	for _, s := range []string{"D3S1358=15/16;vWA=17/17", "Penta D=9.3/12", "TH01=6", "FGA=21,22.2", ";", "x=1/2", "vWA=17/18/19"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseGenotypes("S", s)
		if err != nil {
			return
		}
		back, err := ParseGenotypes("S", p.String())
		if err != nil || back != p {
			t.Fatalf("%q → %q → %v, %v", s, p.String(), back.String(), err)
		}
	})
}

// ParseRelationship never panics and accepts only known relationships.
func FuzzParseRelationship(f *testing.F) {
	for _, s := range []string{"mother", "full-siblings", "Aunt", "trio", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRelationship(s)
		if err == nil && !slices.Contains(Relationships, r) {
			t.Fatalf("%q → unknown %q", s, r)
		}
	})
}

// UnmarshalBinary (the sealed form in the store) never panics, and what it
// accepts encodes back to the same bytes.
func FuzzUnmarshalProfile(f *testing.F) {
	p, _ := ParseGenotypes("S", "CSF1PO=10/12;FGA=21/22.2;Penta E=5/24")
	b, _ := p.MarshalBinary()
	f.Add(b)
	f.Add([]byte{1})
	f.Add([]byte{1, 30, 0, 100, 0, 90})
	f.Fuzz(func(t *testing.T, data []byte) {
		var q Profile
		if err := q.UnmarshalBinary(data); err != nil {
			return
		}
		back, _ := q.MarshalBinary()
		var r Profile
		if err := r.UnmarshalBinary(back); err != nil || r != q {
			t.Fatalf("round trip %x → %x: %v", data, back, err)
		}
	})
}
