package kinship

import (
	"fmt"
	"strings"
)

// Locus is one STR marker, by its index in Loci.
type Locus uint8

// The loci reunite knows: the 20 CODIS core loci, which include the 12 of
// the European Standard Set, and four more that common kits type.
const (
	CSF1PO Locus = iota
	FGA
	TH01
	TPOX
	VWA
	D3S1358
	D5S818
	D7S820
	D8S1179
	D13S317
	D16S539
	D18S51
	D21S11
	D1S1656
	D2S441
	D2S1338
	D10S1248
	D12S391
	D19S433
	D22S1045
	PentaD
	PentaE
	SE33
	D6S1043
	NumLoci int = iota
)

var locusNames = [NumLoci]string{
	"CSF1PO", "FGA", "TH01", "TPOX", "vWA", "D3S1358", "D5S818", "D7S820", "D8S1179", "D13S317",
	"D16S539", "D18S51", "D21S11", "D1S1656", "D2S441", "D2S1338", "D10S1248", "D12S391", "D19S433", "D22S1045",
	"Penta D", "Penta E", "SE33", "D6S1043",
}

// CODIS lists the 20 CODIS core loci.
var CODIS = []Locus{CSF1PO, FGA, TH01, TPOX, VWA, D3S1358, D5S818, D7S820, D8S1179, D13S317,
	D16S539, D18S51, D21S11, D1S1656, D2S441, D2S1338, D10S1248, D12S391, D19S433, D22S1045}

// ESS lists the 12 loci of the European Standard Set.
var ESS = []Locus{FGA, TH01, VWA, D1S1656, D2S441, D3S1358, D8S1179, D10S1248, D12S391, D18S51, D21S11, D22S1045}

// AllLoci lists every locus in index order.
func AllLoci() []Locus {
	out := make([]Locus, NumLoci)
	for i := range out {
		out[i] = Locus(i)
	}
	return out
}

// String is the locus's canonical name (vWA, Penta D, D3S1358 …).
func (l Locus) String() string {
	if int(l) < NumLoci {
		return locusNames[l]
	}
	return fmt.Sprintf("Locus(%d)", int(l))
}

// MarshalText writes the canonical name.
func (l Locus) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads any accepted spelling.
func (l *Locus) UnmarshalText(b []byte) error {
	x, err := ParseLocus(string(b))
	if err == nil {
		*l = x
	}
	return err
}

// aliases maps folded spellings (see fold) to loci: the canonical names and
// the usual alternatives in kit and laboratory exports.
var aliases = map[string]Locus{}

// nonAutosomal are markers a kit types that are not used for kinship
// (sex and Y markers): importers skip their columns and rows.
var nonAutosomal = map[string]bool{"AMELOGENIN": true, "AMEL": true, "AM": true, "YINDEL": true, "DYS391": true, "DYS570": true, "DYS576": true}

func init() {
	for i, n := range locusNames {
		aliases[fold(n)] = Locus(i)
	}
	for alias, l := range map[string]Locus{
		"THO1": TH01, "HUMTH01": TH01, "TH1": TH01,
		"HUMVWA": VWA, "VWA31": VWA, "HUMVWA31": VWA, "HUMVWA31A": VWA,
		"FIBRA": FGA, "HUMFIBRA": FGA, "FGAFIBRA": FGA,
		"CSF1P0": CSF1PO, "HUMCSF1PO": CSF1PO, "CSF": CSF1PO,
		"TPOX": TPOX, "HUMTPOX": TPOX,
		"PD": PentaD, "PENTAD": PentaD, "PENTA_D": PentaD,
		"PE": PentaE, "PENTAE": PentaE,
		"ACTBP2": SE33,
	} {
		aliases[fold(alias)] = l
	}
}

// fold reduces a spelling to upper-case letters and digits: case, spaces,
// dashes, underscores and dots do not matter.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ParseLocus reads a locus name in any accepted spelling: case and spaces
// do not matter ("vwa", "VWA", "Penta D", "PentaD", "penta_d"), and the
// usual aliases (TH01/THO1, HUMTH01, FIBRA for FGA …) are accepted.
func ParseLocus(name string) (Locus, error) {
	if l, ok := aliases[fold(name)]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("%q is not a known STR locus (known: %s)", name, strings.Join(locusNames[:], ", "))
}

// isNonAutosomal reports whether name is a sex or Y marker, which kinship
// does not use.
func isNonAutosomal(name string) bool { return nonAutosomal[fold(name)] }
