package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/app/apptest"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestMeetingCommands runs reunite meeting and reunite operation: a meeting
// recorded late, so that its commitment to return three children (by case
// number) is already overdue; an operation that hands two over and leaves
// one behind; the report flags the commitment, text and JSON. An
// organisation that was not at the meeting cannot show it.
func TestMeetingCommands(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "reunite.key")
		db := []string{"--db", dsn, "--key-file", keyFile}
		for _, o := range [][]string{{"ua", "government"}, {"ru", "government"}, {"med", "mediator"}, {"by", "government"}} {
			mustRun(t, append([]string{"org", "add", "--slug", o[0], "--name", o[0], "--kind", o[1]}, db...)...)
		}
		// The cases, built through the application on the same database
		// and keys.
		e := &env{db: dsn, keyFile: keyFile}
		a, err := e.open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ua, _ := operator(ctx, a, "ua")
		ru, _ := operator(ctx, a, "ru")
		med, _ := operator(ctx, a, "med")
		ex := apptest.Cases(t, a, ua, ru, med.OrgID, 3)
		a.Store().Close()

		now := time.Now().UTC()
		held, due := now.AddDate(0, 0, -10).Format(time.DateOnly), now.AddDate(0, 0, -5).Format(time.DateOnly)
		out := mustRun(t, append([]string{"meeting", "add", "--org", "med", "--date", held, "--place", "Doha", "--with", "ua,ru",
			"--list", ex.RequestList.ID + "," + ex.ChildList.ID, "--minutes", "Three children by the due day."}, db...)...)
		mm := regexp.MustCompile(`recorded meeting (\S+) of `).FindStringSubmatch(out)
		if mm == nil || !strings.Contains(out, "3 organisations, 2 lists") {
			t.Fatalf("meeting add: %s", out)
		}
		meeting := mm[1]
		out = mustRun(t, append([]string{"meeting", "commit", "--org", "med", "--meeting", meeting, "--from", "ru", "--to", "ua", "--kind", "return_children",
			"--due", due, "--case", "1,2,3"}, db...)...)
		if !strings.Contains(out, "3 covered") || !strings.HasSuffix(strings.TrimSpace(out), ": overdue") {
			t.Fatalf("meeting commit: %s", out)
		}
		handed := now.Add(-2 * time.Second)
		out = mustRun(t, append([]string{"operation", "plan", "--org", "ru", "--meeting", meeting, "--date", handed.Format(time.DateOnly), "--crossing", "Crossing point A",
			"--escort", "ru=Escort R", "--escort", "ua=Escort U", "--escort", "med=Escort M", "--case", "1,2,3"}, db...)...)
		om := regexp.MustCompile(`planned operation (\S+) on .*: 3 children`).FindStringSubmatch(out)
		if om == nil {
			t.Fatalf("operation plan: %s", out)
		}
		file := filepath.Join(dir, "handovers.json")
		body := fmt.Sprintf(`{"children": [
			{"case_id": %q, "handed_by": "Escort R", "received_by": "the mother", "at": %q, "documents": ["birth certificate"]},
			{"case_id": %q, "handed_by": "Escort R", "received_by": "the aunt", "at": %q},
			{"case_id": %q, "stayed_behind": "fever on the day"}]}`,
			ex.Cases[0].ID, handed.Format(time.RFC3339Nano), ex.Cases[1].ID, handed.Format(time.RFC3339Nano), ex.Cases[2].ID)
		os.WriteFile(file, []byte(body), 0o600)
		out = mustRun(t, append([]string{"operation", "complete", "--org", "ru", "--file", file, om[1]}, db...)...)
		if !strings.Contains(out, "2 of 3 children reunited, 1 stayed behind") {
			t.Fatalf("operation complete: %s", out)
		}
		if out = mustRun(t, append([]string{"operation", "show", "--org", "ua", om[1]}, db...)...); !strings.Contains(out, "fever on the day") || strings.Count(out, "handed_over") != 2 {
			t.Fatalf("operation show:\n%s", out)
		}
		out = mustRun(t, append([]string{"meeting", "show", "--org", "ua", meeting}, db...)...)
		if !strings.Contains(out, "Three children by the due day.") || !strings.Contains(out, "2 of 3") || !strings.Contains(out, "OVERDUE by 5 days") {
			t.Fatalf("meeting show:\n%s", out)
		}
		if out = mustRun(t, append([]string{"meeting", "list", "--org", "ru"}, db...)...); !strings.Contains(out, meeting) {
			t.Fatalf("meeting list: %s", out)
		}

		// Not at the meeting: nothing to show or list.
		if _, err := run(ctx, append([]string{"meeting", "show", "--org", "by", meeting}, db...)...); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("an outsider shows the meeting: %v", err)
		}
		if _, err := run(ctx, append([]string{"operation", "show", "--org", "by", om[1]}, db...)...); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("an outsider shows the operation: %v", err)
		}
		if out = mustRun(t, append([]string{"meeting", "list", "--org", "by"}, db...)...); strings.Contains(out, meeting) {
			t.Fatalf("an outsider lists the meeting: %s", out)
		}

		// The report flags the overdue commitment.
		var rep app.Report
		if err := json.Unmarshal([]byte(mustRun(t, append([]string{"report", "--json"}, db...)...)), &rep); err != nil {
			t.Fatal(err)
		}
		f := rep.Commitments
		if len(f.Overdue) != 1 || f.Total.Overdue != 1 || len(f.Operations) != 1 || f.Operations[0].Reunited != 2 || f.Operations[0].Planned != 3 {
			t.Fatalf("report JSON: %+v", f)
		}
		if out = mustRun(t, append([]string{"report"}, db...)...); !strings.Contains(out, "OVERDUE: 1 commitment") {
			t.Fatalf("report:\n%s", out)
		}
		if out = mustRun(t, append([]string{"report", "--org", "by"}, db...)...); !strings.Contains(out, "No commitment is overdue.") {
			t.Fatalf("the outsider's report:\n%s", out)
		}
	})
}

// FuzzParseCompletion: the handover records file either parses, and then
// says the same once written out and read again, or is refused; never a
// panic.
func FuzzParseCompletion(f *testing.F) {
	f.Add([]byte(`{"children":[{"case_id":"a","handed_by":"E","received_by":"mother","at":"2026-03-10T11:00:00Z","documents":["x"]},{"case_id":"b","stayed_behind":"fever"}]}`))
	f.Add([]byte(`{"children":[]} {}`))
	f.Add([]byte(`{"children":[{"case_id":"a","at":"2026-13-40T00:00:00Z"}]}`))
	f.Add([]byte(`{"kids":[]}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := parseCompletion(data)
		if err != nil {
			return
		}
		enc, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseCompletion(enc)
		if err != nil {
			t.Fatalf("%s does not parse again: %v", enc, err)
		}
		if enc2, _ := json.Marshal(again); string(enc2) != string(enc) {
			t.Fatalf("round trip: %s became %s", enc, enc2)
		}
	})
}
