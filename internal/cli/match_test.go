package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func TestMatchEvalAndBenchCommands(t *testing.T) {
	dir := t.TempDir()
	db := storetest.SQLiteDSN(t)
	mustRun(t, "synth", "--n", "300", "--seed", "3", "--out", dir)
	for _, o := range []string{"ua", "ru"} {
		mustRun(t, "org", "add", "--db", db, "--slug", o, "--name", o, "--kind", "government")
	}
	mustRun(t, "import", "--db", db, "--kind", "request", "--org", "ua", filepath.Join(dir, SynthRequests))
	mustRun(t, "import", "--db", db, "--kind", "child", "--org", "ru", filepath.Join(dir, SynthChildren))

	pairsFile := filepath.Join(dir, "pairs.csv")
	out := mustRun(t, "match", "--db", db, "--out", pairsFile)
	if !strings.Contains(out, "linked 300 tracing requests to 300 child records") {
		t.Fatalf("match: %s", out)
	}
	f, err := os.Open(pairsFile)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 50 || rows[0][0] != "request_id" || !strings.Contains(rows[1][5], "Given name:") {
		t.Fatalf("pairs file: %d rows, %v", len(rows), err)
	}
	// Most true pairs are among the pairs written, by external id.
	truth, err := readTruth(filepath.Join(dir, SynthTruth))
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	for _, r := range rows[1:] {
		if p, _ := strconv.ParseFloat(r[4], 64); p >= 0.5 && truth[r[2]] == r[3] {
			hits++
		}
	}
	if hits < len(truth)*9/10 {
		t.Fatalf("%d of %d true pairs found above 0.5", hits, len(truth))
	}
	// A second run proposes nothing twice and keeps decisions.
	mustRun(t, "match", "--db", db)

	out = mustRun(t, "eval", "--truth", filepath.Join(dir, SynthTruth))
	if !strings.Contains(out, "best F1") || !strings.Contains(out, "recall at the review threshold") {
		t.Fatalf("eval: %s", out)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(mustRun(t, "eval", "--truth", filepath.Join(dir, SynthTruth), "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.TruePairs != len(truth) || rep.BestF1.F1 < 0.9 || len(rep.Curve) < 10 {
		t.Fatalf("eval --json: %+v", rep.BestF1)
	}

	var bench matchBench
	if err := json.Unmarshal([]byte(mustRun(t, "bench", "match", "--n", "300", "--json")), &bench); err != nil {
		t.Fatal(err)
	}
	if bench.N != 300 || bench.LinkSeconds <= 0 || bench.PeakRSSMiB <= 0 || bench.SingleP99Ms <= 0 || bench.BestF1 < 0.8 || bench.Difficulty != "hard" {
		t.Fatalf("bench match --json: %+v", bench)
	}
}
