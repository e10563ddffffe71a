package app_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// BenchmarkListRecordsSearch is the web UI's page of 50 as the server
// makes it: ListRecords for a caseworker (scope, query, sharing policy,
// one audit entry per record shown, commit). With REUNITE_BENCH_SEARCH_DB
// naming the database store's BenchmarkRecordSearch built (its "bench"
// organisation), it runs on that; otherwise on 5,000 imported children.
func BenchmarkListRecordsSearch(b *testing.B) {
	ctx := context.Background()
	var a *app.App
	var org domain.Organisation
	if path := os.Getenv("REUNITE_BENCH_SEARCH_DB"); path != "" {
		a = newApp(b, storetest.Open(b, path, store.Options{}))
		err := a.Store().InTx(ctx, func(tx *store.Tx) (err error) { org, err = tx.Org(ctx, "bench"); return err })
		if err != nil {
			b.Fatalf("%s: %v", path, err)
		}
	} else {
		var op access.Principal
		a, op = setup(b, storetest.SQLiteDSN(b))
		if _, err := a.Import(ctx, op, domain.KindChild, bytes.NewReader(synthCSV(b, 5000)), app.ImportOptions{}); err != nil {
			b.Fatal(err)
		}
		org.ID, org.Kind = op.OrgID, domain.OrgGovernment
	}
	p := access.Principal{ID: "bench-user", OrgID: org.ID, OrgKind: org.Kind, Roles: []domain.Role{domain.RoleCaseworker}}
	for _, c := range []struct{ name, q string }{
		{"page", ""},
		{"common", "Oleksandr"},
		{"rare", "Adamshin"}, // 2 of the million records of BenchmarkRecordSearch
		{"two-words", "Oleksandr Melnyk"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				recs, _, err := a.ListRecords(ctx, p, store.RecordFilter{Kind: domain.KindChild, Name: c.q, Limit: 50})
				if err != nil {
					b.Fatal(err)
				}
				n = len(recs)
			}
			b.ReportMetric(float64(n), "rows")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}
