package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
	"github.com/reunite-ftr/reunite/internal/synth"
)

func setup(t testing.TB, dsn string) (*app.App, access.Principal) {
	t.Helper()
	s := storetest.Open(t, dsn, store.Options{})
	a := newApp(t, s)
	org, err := a.CreateOrg(context.Background(), access.Operator("test", domain.Organisation{}),
		domain.Organisation{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment})
	if err != nil {
		t.Fatal(err)
	}
	return a, access.Operator("test", org)
}

// newApp returns an App with data keys: the ledger's keys are sealed with
// them, and without them no cross-party act can be recorded.
func newApp(t testing.TB, s *store.Store) *app.App {
	t.Helper()
	a := app.New(s, slog.New(slog.DiscardHandler))
	keys, err := seal.Load(seal.NewKey(), "")
	if err != nil {
		t.Fatal(err)
	}
	a.SetKeyring(keys)
	return a
}

// synthCSV returns n synthetic child records as interchange CSV.
func synthCSV(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := interchange.NewWriter(&buf)
	err := synth.Generate(context.Background(), synth.Config{N: n, Seed: 9}, synth.SinkFuncs{ChildFunc: w.Write})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func count(t *testing.T, a *app.App, p access.Principal) int {
	t.Helper()
	var n int
	err := a.Store().InTx(context.Background(), func(tx *store.Tx) (err error) {
		n, err = tx.CountRecords(context.Background(), store.RecordFilter{OrgIDs: []string{p.OrgID}, IncludeDeleted: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportReportsEveryBadRowAndStoresNothing(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		a, p := setup(t, dsn)
		ctx := context.Background()
		if _, err := a.Import(ctx, p, domain.KindChild, strings.NewReader("id,given_name\nA-9,Іван\n"), app.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		file := strings.Join([]string{
			"id,given_name,family_name,birth_date,sex",
			"A-1,Іван,Бойко,2012,m",        // line 2: fine
			"A-2,Марія,Бойко,2012-02-30,f", // line 3: impossible date
			"A-3,,,2012,f",                 // line 4: no name
			"A-1,Петро,Бойко,2011,m",       // line 5: same id as line 2
			"A-9,Олег,Бойко,2010,x",        // line 6: id taken, and a bad sex
			"A-5,Ганна,Бойко,2013,f",       // line 7: fine
		}, "\n")
		_, err := a.Import(ctx, p, domain.KindChild, strings.NewReader(file), app.ImportOptions{})
		var ie *app.ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("got %v, want an ImportError", err)
		}
		got := map[int]string{}
		for _, r := range ie.Rows {
			var fields []string
			for _, f := range r.Fields {
				fields = append(fields, f.Field)
			}
			got[r.Line] = strings.Join(fields, ",")
		}
		want := map[int]string{3: "birth_date", 4: "given_name", 5: "id", 6: "sex"}
		if fmt.Sprint(got) != fmt.Sprint(want) || ie.Total != 4 {
			t.Fatalf("bad rows %v (total %d), want %v", got, ie.Total, want)
		}
		if n := count(t, a, p); n != 1 {
			t.Fatalf("%d records after a refused import, want the 1 from before", n)
		}
		// With the row errors fixed, A-9 is still taken: named with its line.
		fixed := "id,given_name\nA-1,Іван\nA-9,Олег\n"
		_, err = a.Import(ctx, p, domain.KindChild, strings.NewReader(fixed), app.ImportOptions{})
		if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 3 || ie.Rows[0].ID != "A-9" {
			t.Fatalf("taken id: %v", err)
		}
		if n := count(t, a, p); n != 1 {
			t.Fatalf("%d records, want 1", n)
		}
		// A file that is not interchange CSV at all.
		_, err = a.Import(ctx, p, domain.KindChild, strings.NewReader("name;age\nx;1\n"), app.ImportOptions{})
		var fe *app.FileError
		if !errors.As(err, &fe) {
			t.Fatalf("bad header: %v", err)
		}
	})
}

func TestImportCapsTheReport(t *testing.T) {
	a, p := setup(t, storetest.SQLiteDSN(t))
	var b strings.Builder
	b.WriteString("id,given_name,birth_date\n")
	for i := 0; i < app.MaxReportedRowErrors+500; i++ {
		fmt.Fprintf(&b, "X-%d,Іван,2099\n", i)
	}
	_, err := a.Import(context.Background(), p, domain.KindChild, strings.NewReader(b.String()), app.ImportOptions{})
	var ie *app.ImportError
	if !errors.As(err, &ie) || ie.Total != app.MaxReportedRowErrors+500 || len(ie.Rows) != app.MaxReportedRowErrors {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(ie.Error(), "and 500 more") {
		t.Fatalf("message does not say how many more: %.200s", ie.Error())
	}
}

func TestImportExportRoundTripAcrossBatches(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		a, p := setup(t, dsn)
		ctx := context.Background()
		const n = 2*store.MaxBatch + 137 // more than one batch and one export page
		data := synthCSV(t, n)
		var progress []int
		res, err := a.Import(ctx, p, domain.KindChild, bytes.NewReader(data), app.ImportOptions{Progress: func(rows int) { progress = append(progress, rows) }})
		if err != nil || res.Imported != n || res.Rows != n {
			t.Fatalf("import: %+v %v", res, err)
		}
		if len(progress) != 3 || progress[2] != n {
			t.Fatalf("progress reports %v", progress)
		}
		var out bytes.Buffer
		got, err := a.Export(ctx, p, domain.KindChild, &out, store.RecordFilter{})
		if err != nil || got != n {
			t.Fatalf("export: %d %v", got, err)
		}
		// What was exported reads back as the same records.
		rd, err := interchange.NewReader(&out, domain.KindChild, interchange.Options{})
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := interchange.NewReader(bytes.NewReader(data), domain.KindChild, interchange.Options{})
		byID := map[string]domain.Person{}
		for {
			r, _, err := orig.Next()
			if err != nil {
				break
			}
			byID[r.ExternalID] = r.Person
		}
		seen := 0
		for {
			r, line, err := rd.Next()
			if err != nil {
				break
			}
			seen++
			want, ok := byID[r.ExternalID]
			if !ok || fmt.Sprint(want) != fmt.Sprint(r.Person) {
				t.Fatalf("line %d: exported %+v, imported %+v", line, r.Person, want)
			}
		}
		if seen != n {
			t.Fatalf("read back %d records, want %d", seen, n)
		}
		// Each imported and each exported record has its audit entry.
		err = a.Store().InTx(ctx, func(tx *store.Tx) error {
			for _, action := range []string{app.ActionImport, app.ActionExport} {
				var all []store.AuditEntry
				f := store.AuditFilter{Action: action, Limit: 1000}
				for {
					page, err := tx.Audit(ctx, f)
					if err != nil {
						return err
					}
					all = append(all, page...)
					if len(page) < f.Limit {
						break
					}
					f.Before = page[len(page)-1].ID
				}
				// Every record named exactly once: by an entry of its
				// own when imported, among the page's when exported.
				named := map[string]int{}
				for _, e := range all {
					for _, id := range e.Records() {
						named[id]++
					}
				}
				if len(named) != n {
					t.Errorf("%s: %d entries name %d records, want %d", action, len(all), len(named), n)
				}
				for id, times := range named {
					if times != 1 {
						t.Errorf("%s: record %s named %d times", action, id, times)
					}
				}
				if action == app.ActionExport && len(all) >= n {
					t.Errorf("%s: %d entries for %d records: want one a page", action, len(all), n)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkImport measures the import path end to end (parse, validate,
// store, audit) on both databases; see also `reunite bench import`.
func BenchmarkImport(b *testing.B) {
	const n = 10_000
	data := synthCSV(b, n)
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLiteDSN}, {"postgres", storetest.PostgresDSN}} {
		b.Run(db.name, func(b *testing.B) {
			var rows int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				a, p := setup(b, db.dsn(b))
				b.StartTimer()
				res, err := a.Import(context.Background(), p, domain.KindChild, bytes.NewReader(data), app.ImportOptions{})
				if err != nil {
					b.Fatal(err)
				}
				rows += res.Imported
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func TestLiveMatching(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := storetest.Open(t, dsn, store.Options{})
		a := newApp(t, s)
		root := access.Operator("test", domain.Organisation{})
		ua, _ := a.CreateOrg(ctx, root, domain.Organisation{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment})
		ru, _ := a.CreateOrg(ctx, root, domain.Organisation{Slug: "ru", Name: "RU", Kind: domain.OrgGovernment})
		var reqs, kids []domain.Record
		truth := map[string]string{}
		err := synth.Generate(ctx, synth.Config{N: 300, Seed: 5}, synth.SinkFuncs{
			RequestFunc: func(r domain.Record) error { reqs = append(reqs, r); return nil },
			ChildFunc:   func(r domain.Record) error { kids = append(kids, r); return nil },
			PairFunc:    func(p synth.Pair) error { truth[p.RequestID] = p.ChildID; return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		sought := map[string]bool{}
		for _, kid := range truth {
			sought[kid] = true
		}
		// Keep one sought child back, to be registered later.
		var held domain.Record
		var reqCSV, kidCSV bytes.Buffer
		rw, kw := interchange.NewWriter(&reqCSV), interchange.NewWriter(&kidCSV)
		for _, r := range reqs {
			rw.Write(r)
		}
		for _, k := range kids {
			if held.ExternalID == "" && sought[k.ExternalID] {
				held = k
				continue
			}
			kw.Write(k)
		}
		rw.Flush()
		kw.Flush()
		if _, err := a.Import(ctx, access.Operator("test", ua), domain.KindRequest, &reqCSV, app.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Import(ctx, access.Operator("test", ru), domain.KindChild, &kidCSV, app.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := a.StartMatching(ctx); err != nil {
			t.Fatal(err)
		}
		// The sought child is registered now. Until the two parties have
		// handed over their records, no pair across them is proposed.
		created, err := a.CreateRecord(ctx, access.Operator("test", ru), held)
		if err != nil {
			t.Fatal(err)
		}
		if q, err := a.ReviewQueue(ctx, access.Operator("test", ua), store.CandidateFilter{RecordID: created.ID, MinProbability: 0.01}); err != nil || len(q) != 0 {
			t.Fatalf("a pair proposed before any list was exchanged: %+v %v", q, err)
		}
		// Both lists handed over: the child's request must be in the review
		// queue as soon as the child's list is submitted.
		var reqIDs []string
		recs, _, err := a.ListRecords(ctx, access.Operator("test", ua), store.RecordFilter{Kind: domain.KindRequest})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			reqIDs = append(reqIDs, r.ID)
		}
		if _, err := a.SubmitList(ctx, access.Operator("test", ua), app.ListSubmission{Kind: domain.KindRequest, RecordIDs: reqIDs, Recipients: []string{"ru"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SubmitList(ctx, access.Operator("test", ru), app.ListSubmission{Kind: domain.KindChild, RecordIDs: []string{created.ID}, Recipients: []string{"ua"}}); err != nil {
			t.Fatal(err)
		}
		var wantReq string
		for rq, kid := range truth {
			if kid == held.ExternalID {
				wantReq = rq
			}
		}
		q, err := a.ReviewQueue(ctx, access.Operator("test", ua), store.CandidateFilter{RecordID: created.ID, MinProbability: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		if len(q) == 0 || q[0].Request == nil || q[0].Request.ExternalID != wantReq || q[0].ChildID != created.ID {
			t.Fatalf("queue for the new child: %+v (want request %s)", q, wantReq)
		}
	})
}
