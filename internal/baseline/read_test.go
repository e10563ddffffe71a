package baseline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/synth"
)

// TestReadSynth writes a synthetic dataset as reunite synth does and reads
// it back: every record and pair arrives, names and years as generated.
func TestReadSynth(t *testing.T) {
	dir := t.TempDir()
	rf, _ := os.Create(filepath.Join(dir, "requests.csv"))
	cf, _ := os.Create(filepath.Join(dir, "children.csv"))
	var truthCSV strings.Builder
	truthCSV.WriteString("request_id,child_id,variations\n")
	rw, cw := interchange.NewWriter(rf), interchange.NewWriter(cf)
	var wantReq, wantChild []Row
	wantTruth := map[string]string{}
	row := func(r domain.Record) Row {
		return Row{r.ExternalID, r.Person.PrimaryName().Full(), birthYear(r.Person.BirthDate)}
	}
	err := synth.Generate(context.Background(), synth.Config{Seed: 4, N: 300, Difficulty: synth.DifficultyHard}, synth.SinkFuncs{
		RequestFunc: func(r domain.Record) error { wantReq = append(wantReq, row(r)); return rw.Write(r) },
		ChildFunc:   func(r domain.Record) error { wantChild = append(wantChild, row(r)); return cw.Write(r) },
		PairFunc: func(p synth.Pair) error {
			wantTruth[p.RequestID] = p.ChildID
			fmt.Fprintf(&truthCSV, "%s,%s,%s\n", p.RequestID, p.ChildID, strings.Join(p.Variations, ";"))
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{rw.Flush(), cw.Flush(), rf.Close(), cf.Close(),
		os.WriteFile(filepath.Join(dir, "truth.csv"), []byte(truthCSV.String()), 0o600)} {
		if err != nil {
			t.Fatal(err)
		}
	}

	for file, want := range map[string][]Row{"requests.csv": wantReq, "children.csv": wantChild} {
		got, err := ReadInterchange(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, want %d", file, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s row %d: %+v, want %+v", file, i, got[i], want[i])
			}
		}
	}
	truth, err := ReadTruth(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(truth) != len(wantTruth) || len(truth) != 90 {
		t.Errorf("%d true pairs, want %d (90)", len(truth), len(wantTruth))
	}
	for req, child := range wantTruth {
		if truth[req] != child {
			t.Errorf("truth[%s] = %q, want %q", req, truth[req], child)
		}
	}
}

func TestBirthYear(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{{"", 0}, {"2012-03-04", 2012}, {"2012-03", 2012}, {"2012", 2012}, {"~2012", 2012}, {"2010/2012", 2011}} {
		d, err := domain.ParseFuzzyDate(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := birthYear(d); got != tc.want {
			t.Errorf("birthYear(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, content string
		read          func(string) error
		want          string
	}{
		{"truth: empty", "", readTruth, "empty file"},
		{"truth: wrong header", "request,child\nA-1,B-1\n", readTruth, "header"},
		{"truth: paired twice", "request_id,child_id,variations\nA-1,B-1,\nA-1,B-2,\n", readTruth, "line 3: request A-1 paired twice"},
		{"truth: empty id", "request_id,child_id,variations\nA-1,,typo_given\n", readTruth, "line 2: empty"},
		{"truth: short row", "request_id,child_id,variations\nA-1,B-1\n", readTruth, "wrong number of fields"},
		{"interchange: no name", "id,given_name,family_name\nB-1,,\n", readInterchange, "line 2"},
		{"interchange: bad date", "id,given_name,birth_date\nB-1,Анна,2012-13-01\n", readInterchange, "birth_date"},
		{"interchange: unknown column", "id,given_name,shoe_size\nB-1,Анна,40\n", readInterchange, "shoe_size"},
	}
	for _, tc := range tests {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := tc.read(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadTruth(filepath.Join(t.TempDir(), "missing.csv")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func readTruth(path string) error       { _, err := ReadTruth(path); return err }
func readInterchange(path string) error { _, err := ReadInterchange(path); return err }
