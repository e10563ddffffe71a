package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/kinship"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// The published worked example through the command line: father A/A and
// child A/A with p(A) = 0.05 give 20; a second locus with p = 0.1 gives 200.
func TestKinshipLRCommand(t *testing.T) {
	dir := t.TempDir()
	freq := filepath.Join(dir, "freq.csv")
	os.WriteFile(freq, []byte("locus,allele,frequency\nD3S1358,N,500\nD3S1358,15,0.05\nD3S1358,16,0.95\nvWA,N,500\nvWA,17,0.1\nvWA,18,0.9\n"), 0o600)
	profiles := filepath.Join(dir, "lab.csv")
	os.WriteFile(profiles, []byte("Sample,D3S1358,VWA\nC-1,15,17\nAF-1,15/15,\"17,17\"\n"), 0o600)
	out := mustRun(t, "kinship", "lr", "--profiles", profiles, "--child", "C-1", "--relative", "AF-1", "--freq", freq, "--mutation-rate", "0")
	for _, want := range []string{"combined LR: 200 ", "D3S1358  15/15  15/15           20  1/q", "about 200 times more likely if AF-1 is a parent of C-1", "prior 0.5"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "kinship", "lr", "--child-genotypes", "D3S1358=15/15", "--relative-genotypes", "D3S1358=15/15", "--freq", freq, "--json", "--prior", "0.1")
	var res kinship.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if res.LR != 19.976 || res.Prior != 0.1 || len(res.Loci) != 1 || res.Loci[0].Formula != "1/q; computed with stepwise mutation (rate 0.0012)" {
		t.Errorf("JSON result %+v", res)
	}
	// Errors name what is wrong.
	if _, err := run(context.Background(), "kinship", "lr", "--child-genotypes", "D3S1358=15/15.77", "--relative-genotypes", "D3S1358=15/15", "--freq", freq); err == nil || !strings.Contains(err.Error(), "D3S1358") || !strings.Contains(err.Error(), "15.77") {
		t.Errorf("bad allele: %v", err)
	}
	if _, err := run(context.Background(), "kinship", "lr", "--child-genotypes", "D3S1358=15/15", "--relative-genotypes", "D3S1358=15/15"); err == nil || !strings.Contains(err.Error(), "frequency table") {
		t.Errorf("no table: %v", err)
	}
}

func TestKinshipSimulateCommand(t *testing.T) {
	out := mustRun(t, "kinship", "simulate", "--pairs", "300", "--relationships", "parent_child,half_siblings", "--mutation-rate", "0.002")
	for _, want := range []string{"[SIMULATED, not a real population]", "20 loci, 300 true and 300 unrelated", "parent_child at LR 10,000: false inclusion 0.0000%", "half_siblings"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "kinship", "simulate", "--pairs", "100", "--relationships", "grandparent", "--json")
	var rep kinship.SimReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.Simulated || len(rep.Rows) != 2 {
		t.Fatalf("--json: %v %+v", err, rep)
	}
}

// writeProfiles writes profiles in the long layout.
func writeProfiles(t *testing.T, path string, ps ...kinship.Profile) {
	var b strings.Builder
	b.WriteString("sample,locus,allele1,allele2\n")
	for _, p := range ps {
		for _, l := range p.Typed() {
			g := p.Get(l)
			fmt.Fprintf(&b, "%s,%s,%s,%s\n", p.ID, l, g.A, g.B)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Import profiles and a table into the store, then search: the family
// whose parents were typed comes first.
func TestKinshipImportAndSearchCommands(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", storetest.SQLiteDSN(t)}
	do := func(args ...string) string { t.Helper(); return mustRun(t, append(args, db...)...) }
	do("org", "add", "--slug", "ua", "--name", "UA", "--kind", "government")
	do("org", "add", "--slug", "ru", "--name", "RU", "--kind", "government")
	reqs, kids := filepath.Join(dir, "req.csv"), filepath.Join(dir, "kids.csv")
	os.WriteFile(reqs, []byte("id,given_name,family_name,birth_date\nREQ-1,Іван,Бойко,2012\nREQ-2,Марія,Шевченко,2011\n"), 0o600)
	os.WriteFile(kids, []byte("id,given_name,family_name,birth_date\nCH-1,Иван,Бойко,2012\n"), 0o600)
	do("import", "--kind", "request", "--org", "ua", reqs)
	do("import", "--kind", "child", "--org", "ru", kids)
	do("list", "submit", "--org", "ua", "--kind", "request", "--to", "ru")

	out := do("kinship", "import", "--org", "ua", "--simulated-table", "8")
	if !strings.Contains(out, `stored frequency table "SIMULATED-8"`) || !strings.Contains(out, "SIMULATED, not a real population") {
		t.Fatalf("table import: %s", out)
	}
	tab := kinship.SimulateTable(8)
	sim := kinship.NewSimulator(tab, 3, kinship.CODIS, kinship.DefaultMutation)
	mo, fa, aunt := sim.Founder("LAB-M"), sim.Founder("LAB-F"), sim.Founder("LAB-A")
	child := sim.Child("LAB-C", &mo, &fa)
	fam, kid := filepath.Join(dir, "fam.csv"), filepath.Join(dir, "kid.csv")
	writeProfiles(t, fam, mo, fa, aunt)
	writeProfiles(t, kid, child)
	linksUA, linksRU := filepath.Join(dir, "links-ua.csv"), filepath.Join(dir, "links-ru.csv")
	os.WriteFile(linksUA, []byte("sample,record,relationship,label\nLAB-M,REQ-1,mother,\nLAB-F,REQ-1,father,\nLAB-A,REQ-2,aunt,maternal aunt\n"), 0o600)
	// A link to a record of another organisation is refused, naming the sample.
	if _, err := run(context.Background(), append([]string{"kinship", "import", "--org", "ru", "--profiles", fam, "--links", linksUA}, db...)...); err == nil || !strings.Contains(err.Error(), `sample LAB-M: no record "REQ-1" of this organisation`) {
		t.Fatalf("import against another organisation's records: %v", err)
	}
	os.WriteFile(linksRU, []byte("sample,record,relationship\nLAB-C,CH-1,self\n"), 0o600)
	if out := do("kinship", "import", "--org", "ua", "--profiles", fam, "--links", linksUA); !strings.Contains(out, "stored 3 samples") {
		t.Fatalf("import: %s", out)
	}
	do("kinship", "import", "--org", "ru", "--profiles", kid, "--links", linksRU)

	out = do("kinship", "search", "--org", "ru", "--sample", "LAB-C", "--table", "SIMULATED-8", "--theta", "0.01")
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], "trio") || !strings.Contains(lines[1], "LAB-F,LAB-M") || !strings.Contains(lines[2], "aunt_uncle") {
		t.Fatalf("search:\n%s", out)
	}
	if !strings.Contains(out, "Posterior odds = prior odds × LR") {
		t.Errorf("search explanation:\n%s", out)
	}
	// UA cannot search with RU's sample: it is not theirs and no case joins them.
	if _, err := run(context.Background(), append([]string{"kinship", "search", "--org", "ua", "--sample", "LAB-C", "--table", "SIMULATED-8"}, db...)...); err == nil {
		t.Fatal("UA searched with RU's sample")
	}
}

// The links file parser never panics; a link it returns has the columns
// the header named.
func FuzzParseLinks(f *testing.F) {
	f.Add("sample,record,relationship,label\nLAB-M,REQ-1,mother,\n")
	f.Add("\ufeffSample,Record,Relationship\nA,B,self\nshort\n")
	f.Add("sample,record\nA,B\n")
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := parseLinks(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		for _, l := range ls {
			if l.Sample != strings.TrimSpace(l.Sample) || l.Relationship != strings.TrimSpace(l.Relationship) {
				t.Fatalf("untrimmed link %+v", l)
			}
		}
	})
}
