package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestExportKeepsToThePolicy has the command line export, for one party,
// the other party's children: those handed over in a list appear with
// what the policy shares, the one never handed over does not appear at
// all, nor does the owner's own reference.
func TestExportKeepsToThePolicy(t *testing.T) {
	db := storetest.SQLiteDSN(t)
	dir := t.TempDir()
	for _, o := range [][]string{{"ua", "government"}, {"ru", "government"}, {"med", "mediator"}} {
		mustRun(t, "org", "add", "--db", db, "--slug", o[0], "--name", o[0], "--kind", o[1])
	}
	kids := filepath.Join(dir, "kids.csv")
	os.WriteFile(kids, []byte("id,given_name,family_name,sex,birth_date\n"+
		"HIDDEN-ref-1,Богдан,Марченко,m,2012-04-03\n"+
		"HIDDEN-ref-2,HIDDEN-given,HIDDEN-family,m,2013-01-02\n"), 0o600)
	out := mustRun(t, "import", "--db", db, "--kind", "child", "--org", "ru", kids)
	if !strings.Contains(out, "imported 2") {
		t.Fatalf("import: %s", out)
	}
	out = mustRun(t, "list", "submit", "--db", db, "--org", "ru", "--kind", "child", "--to", "ua,med", "--external-id", "HIDDEN-ref-1")
	if !strings.Contains(out, "list 1: 1 child records to 2") {
		t.Fatalf("list submit: %s", out)
	}
	exp := mustRun(t, "export", "--db", db, "--kind", "child", "--org", "ua")
	if !strings.Contains(exp, "Марченко") || strings.Contains(exp, "HIDDEN") {
		t.Fatalf("export for ua:\n%s", exp)
	}
	// The owner exports both, with its own references.
	if exp := mustRun(t, "export", "--db", db, "--kind", "child", "--org", "ru"); strings.Count(exp, "HIDDEN-ref") != 2 {
		t.Fatalf("export for ru:\n%s", exp)
	}
	// import --submit-to hands a file over in one step.
	reqs := filepath.Join(dir, "reqs.csv")
	os.WriteFile(reqs, []byte("id,given_name,family_name,sex,birth_date\nA-1,Богдан,Марченко,m,2012-04-03\n"), 0o600)
	if out := mustRun(t, "import", "--db", db, "--kind", "request", "--org", "ua", "--submit-to", "ru,med", reqs); !strings.Contains(out, "submitted list 1 (1 records) to ru, med") {
		t.Fatalf("import --submit-to: %s", out)
	}
	if out := mustRun(t, "list", "show", "--db", db, "--org", "med"); strings.Count(out, "request") != 1 || strings.Count(out, "child") != 1 {
		t.Fatalf("list show:\n%s", out)
	}
	// The report, empty but well formed.
	var rep app.Report
	if err := json.Unmarshal([]byte(mustRun(t, "report", "--db", db, "--json")), &rep); err != nil || rep.Scope != "all" || len(rep.Pipeline) != 11 {
		t.Fatalf("report: %+v %v", rep, err)
	}
}
