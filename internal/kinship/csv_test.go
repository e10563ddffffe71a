package kinship

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseLocusAliases(t *testing.T) {
	for in, want := range map[string]Locus{
		"vWA": VWA, "VWA": VWA, " vwa ": VWA, "HUMVWA": VWA, "Penta D": PentaD, "PentaD": PentaD, "penta_d": PentaD,
		"PENTA E": PentaE, "TH01": TH01, "THO1": TH01, "d3s1358": D3S1358, "D3 S1358": D3S1358, "FIBRA": FGA,
		"CSF1PO": CSF1PO, "D22S1045": D22S1045, "SE33": SE33,
	} {
		got, err := ParseLocus(in)
		if err != nil || got != want {
			t.Errorf("ParseLocus(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "D3S135", "Amelogenin", "vWA2"} {
		if _, err := ParseLocus(bad); err == nil {
			t.Errorf("ParseLocus(%q) accepted", bad)
		}
	}
	if len(CODIS) != 20 || len(ESS) != 12 {
		t.Fatalf("CODIS %d, ESS %d", len(CODIS), len(ESS))
	}
	for _, l := range ESS {
		found := false
		for _, c := range CODIS {
			found = found || c == l
		}
		if !found {
			t.Errorf("ESS locus %s is not among the CODIS loci", l)
		}
	}
}

func TestParseAllele(t *testing.T) {
	for in, want := range map[string]string{"12": "12", "9.3": "9.3", " 22.2 ": "22.2", "10.0": "10", "5": "5", "99.9": "99.9"} {
		a, err := ParseAllele(in)
		if err != nil || a.String() != want {
			t.Errorf("ParseAllele(%q) = %v, %v; want %s", in, a, err, want)
		}
	}
	for _, bad := range []string{"", "OL", "9.35", "-1", "0", "0.5", "100", "1e3", "9.", ".3", "x"} {
		if _, err := ParseAllele(bad); err == nil {
			t.Errorf("ParseAllele(%q) accepted", bad)
		}
	}
}

const longCSV = "Sample ID,Marker,Allele 1,Allele 2\n" +
	"C-1,D3S1358,15,16\n" +
	"C-1,vWA,17,\n" +
	"C-1,Amelogenin,X,Y\n" +
	"C-1,TH01,9.3,6\n" +
	"M-1,VWA,17,18\n" +
	"M-1,Penta D,,\n"

func TestReadLong(t *testing.T) {
	ps, err := ReadProfiles(strings.NewReader(longCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].ID != "C-1" || ps[1].ID != "M-1" {
		t.Fatalf("profiles %+v", ps)
	}
	if got := ps[0].String(); got != "TH01=6/9.3;vWA=17/17;D3S1358=15/16" {
		t.Errorf("C-1: %s", got)
	}
	if got := ps[1].String(); got != "vWA=17/18" {
		t.Errorf("M-1: %s", got)
	}
	back, err := ParseGenotypes("C-1", ps[0].String())
	if err != nil || back != ps[0] {
		t.Errorf("round trip: %v, %v", back, err)
	}
}

func TestReadWideLayouts(t *testing.T) {
	want := "FGA=21/22.2;TH01=6/9.3;vWA=17/17;D3S1358=15/16"
	for name, in := range map[string]string{
		"one column, comma":      "sample,D3S1358,vWA,TH01,FGA,Amelogenin\nC-1,\"15,16\",17,6/9.3,21 22.2,XY\n",
		"one column, semicolon":  "Sample;D3S1358;VWA;THO1;FGA\nC-1;15,16;17,17;9.3/6;21/22.2\n",
		"two columns, suffixes":  "id,D3S1358_1,D3S1358_2,vWA 1,vWA 2,TH01-a,TH01-b,FGA.1,FGA.2\nC-1,15,16,17,,9.3,6,21,22.2\n",
		"two columns, same name": "Sample Name\tD3S1358\tD3S1358\tvWA\tvWA\tTH01\tTH01\tFGA\tFGA\nC-1\t15\t16\t17\t17\t6\t9.3\t21\t22.2\n",
		"BOM and CRLF":           "\ufeffsample,D3S1358,vWA,TH01,FGA\r\nC-1,15/16,17,6/9.3,21/22.2\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			ps, err := ReadProfiles(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 || ps[0].String() != want {
				t.Fatalf("got %+v", ps)
			}
		})
	}
}

// Every problem is reported, each naming the line, sample, locus and value.
func TestImportErrorsNameSampleLocusValue(t *testing.T) {
	in := "sample,locus,allele1,allele2\n" +
		"C-1,D3S1358,15,16.55\n" +
		"C-1,D99S1,15,16\n" +
		",vWA,17,18\n" +
		"C-1,FGA,21,22\n" +
		"C-1,FGA,21,23\n"
	_, err := ReadProfiles(strings.NewReader(in))
	var es ImportErrors
	if !errors.As(err, &es) || len(es) != 4 {
		t.Fatalf("err %v", err)
	}
	if e := es[0]; e.Line != 2 || e.Sample != "C-1" || e.Locus != "D3S1358" || e.Value != "16.55" {
		t.Errorf("first: %+v", e)
	}
	if !strings.Contains(es[0].Error(), `line 2, sample C-1, locus D3S1358, value "16.55"`) {
		t.Errorf("message %q", es[0].Error())
	}
	if e := es[1]; e.Locus != "D99S1" || !strings.Contains(e.Problem, "not a known STR locus") {
		t.Errorf("second: %+v", e)
	}
	if e := es[3]; e.Line != 6 || !strings.Contains(e.Problem, "given twice") {
		t.Errorf("fourth: %+v", e)
	}
	_, err = ReadProfiles(strings.NewReader("sample,D3S1358,Notes\nC-1,15/16,x\n"))
	if !errors.As(err, &es) || es[0].Value != "Notes" {
		t.Errorf("unknown column: %v", err)
	}
	_, err = ReadProfiles(strings.NewReader("sample,vWA\nC-1,17/18/19\n"))
	if !errors.As(err, &es) || es[0].Sample != "C-1" || es[0].Locus != "vWA" || es[0].Value != "17/18/19" {
		t.Errorf("three alleles: %v", err)
	}
}

func TestReadFrequencies(t *testing.T) {
	in := "Locus,Allele,Frequency\nD3S1358,N,400\nD3S1358,15,0.25\nD3S1358,16,0.25\nD3S1358,17,0.5\n" +
		"vWA,17,0.6\nvWA,18,0.398\nAmelogenin,X,0.5\n"
	tab, warnings, err := ReadFrequencies(strings.NewReader(in), "lab A", FrequencyOptions{N: 200})
	if err != nil {
		t.Fatal(err)
	}
	if p, raised := tab.Freq(D3S1358, al("14")); !raised || p != 5.0/800 {
		t.Errorf("unseen allele at D3S1358: %v %v, want 5/2N with N=400", p, raised)
	}
	if p, raised := tab.Freq(VWA, al("19")); !raised || p != 5.0/400 {
		t.Errorf("unseen allele at vWA: %v %v, want 5/2N with N=200", p, raised)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %v", warnings)
	}
	var buf bytes.Buffer
	if err := WriteFrequencies(&buf, tab); err != nil {
		t.Fatal(err)
	}
	back, _, err := ReadFrequencies(&buf, "lab A", FrequencyOptions{})
	if err != nil || back.N != tab.N || back.freq[VWA][al("18")] != 0.398 {
		t.Errorf("round trip: %v", err)
	}

	// A sum a little off warns; far off is refused; no N is refused.
	_, warnings, err = ReadFrequencies(strings.NewReader("locus,allele,frequency\nTPOX,8,0.5\nTPOX,9,0.49\n"), "x", FrequencyOptions{N: 100})
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "0.9900") {
		t.Errorf("0.99: %v %v", warnings, err)
	}
	_, _, err = ReadFrequencies(strings.NewReader("locus,allele,frequency\nTPOX,8,0.5\nTPOX,9,0.3\n"), "x", FrequencyOptions{N: 100})
	if err == nil || !strings.Contains(err.Error(), "sum to 0.8000") {
		t.Errorf("0.8: %v", err)
	}
	_, _, err = ReadFrequencies(strings.NewReader("locus,allele,frequency\nTPOX,8,0.5\nTPOX,9,0.5\n"), "x", FrequencyOptions{})
	if err == nil || !strings.Contains(err.Error(), "5/2N") {
		t.Errorf("no N: %v", err)
	}
	_, _, err = ReadFrequencies(strings.NewReader("locus,allele,frequency\nTPOX,8,1.5\nTPOX,8.x,0.5\n"), "x", FrequencyOptions{N: 10})
	var es ImportErrors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Value != "1.5" || es[1].Value != "8.x" {
		t.Errorf("bad rows: %v", err)
	}
}
