package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
	"github.com/reunite-ftr/reunite/internal/synth"
)

// BenchmarkRecordSearch is the web UI's record list over a large SQLite
// table: one page of 50 (51 asked for, as app.ListRecords does to know
// whether a next page exists), owned and shared records of one kind, with
// no name, a common name, a rare one and two words.
//
// The table holds REUNITE_BENCH_SEARCH_N records (default 20,000), half
// synthetic children and half tracing requests, all of one organisation.
// With REUNITE_BENCH_SEARCH_DB set to a path, the database is built there
// once and reused by later runs (a million records take minutes to build):
//
//	REUNITE_BENCH_SEARCH_N=1000000 REUNITE_BENCH_SEARCH_DB=/tmp/search-1m.db \
//	  go test -run '^$' -bench RecordSearch -benchtime 20x ./internal/store
func BenchmarkRecordSearch(b *testing.B) {
	ctx := context.Background()
	s, org := searchBenchDB(b)
	small := smallOrg(b, s)

	// The rare name: a family name only a few records hold.
	var rare string
	inTx(b, s, func(tx *store.Tx) error {
		for _, given := range []string{"Ярема", "Орест", "Мирон", "Захар", "Остап"} {
			recs, err := tx.Records(ctx, store.RecordFilter{OrgIDs: []string{org}, Kind: domain.KindChild, Name: given, Limit: 200})
			if err != nil {
				return err
			}
			for _, r := range recs {
				family := r.Person.PrimaryName().Family
				n, err := tx.CountRecords(ctx, store.RecordFilter{OrgIDs: []string{org}, Kind: domain.KindChild, Name: family})
				if err != nil {
					return err
				}
				if family != "" && n <= 5 {
					rare = family
					return nil
				}
			}
		}
		return nil
	})
	if rare == "" {
		b.Fatal("no rare family name found")
	}
	for _, c := range []struct{ name, q, org string }{
		{"page", "", org},
		{"common", "Oleksandr", org},
		{"common-diminutive", "Саша", org},
		{"common-family", "Melnyk", org},
		{"rare", rare, org},
		{"two-words", "Oleksandr Melnyk", org},
		{"none", "Zzyzx", org},
		// A party with few records in a large database: every holder of
		// the name, whoever owns it, is looked up and left out.
		{"small-party-page", "", small},
		{"small-party-common", "Oleksandr", small},
		{"small-party-two-words", "Oleksandr Melnyk", small},
	} {
		f := store.RecordFilter{OrgIDs: []string{c.org}, SharedWith: c.org, Kind: domain.KindChild, Name: c.q, Limit: 51}
		var total int
		inTx(b, s, func(tx *store.Tx) (err error) {
			g := f
			g.Limit = 0
			total, err = tx.CountRecords(ctx, g)
			return err
		})
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				err := s.InTx(ctx, func(tx *store.Tx) error {
					recs, err := tx.Records(ctx, f)
					n = len(recs)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if c.q != "Zzyzx" && c.org == org && n == 0 {
				b.Fatalf("%q found nothing", c.q)
			}
			b.ReportMetric(float64(n), "rows")
			b.ReportMetric(float64(total), "matches")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
			b.Logf("%q: %d of %d matches", c.q, n, total)
		})
	}
}

// searchBenchDB opens (building it if need be) the benchmark's database
// and returns it with the owning organisation's id.
func searchBenchDB(b *testing.B) (*store.Store, string) {
	ctx := context.Background()
	n := 20_000
	if v := os.Getenv("REUNITE_BENCH_SEARCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 2*synth.MinN || n > 2*synth.MaxN {
			b.Fatalf("REUNITE_BENCH_SEARCH_N=%q: want %d to %d", v, 2*synth.MinN, 2*synth.MaxN)
		}
	}
	path := os.Getenv("REUNITE_BENCH_SEARCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "search.db")
	}
	opened := time.Now()
	s, err := store.Open(ctx, path, store.Options{Keys: storetest.Keys})
	if err != nil {
		b.Fatal(err)
	}
	// Open rebuilds the name keys of a database written under other key
	// rules: this is the time it takes.
	b.Logf("opened %s in %v", path, time.Since(opened).Round(time.Millisecond))
	b.Cleanup(func() { s.Close() })
	var org domain.Organisation
	if err := s.InTx(ctx, func(tx *store.Tx) (err error) { org, err = tx.Org(ctx, "bench"); return err }); err == nil {
		var have int
		inTx(b, s, func(tx *store.Tx) (err error) {
			have, err = tx.CountRecords(ctx, store.RecordFilter{OrgIDs: []string{org.ID}})
			return err
		})
		if have != n/2*2 {
			b.Fatalf("%s holds %d records, not %d: remove it to build it again", path, have, n)
		}
		return s, org.ID
	}
	org = domain.Organisation{Slug: "bench", Name: "Benchmark", Kind: domain.OrgGovernment}
	inTx(b, s, func(tx *store.Tx) error { return tx.CreateOrg(ctx, &org) })
	start := time.Now()
	var batch []*domain.Record
	var txn *store.Tx
	flush := func() error {
		err := txn.InsertRecords(ctx, actor, batch)
		batch = batch[:0]
		return err
	}
	add := func(r domain.Record) error {
		r.OrgID = org.ID
		batch = append(batch, &r)
		if len(batch) == store.MaxBatch {
			return flush()
		}
		return nil
	}
	// One transaction per 50,000 records; the generator streams.
	recs := make(chan domain.Record, 1024)
	errc := make(chan error, 1)
	go func() {
		errc <- synth.Generate(ctx, synth.Config{N: n / 2, Seed: 7}, synth.SinkFuncs{
			ChildFunc:   func(r domain.Record) error { recs <- r; return nil },
			RequestFunc: func(r domain.Record) error { recs <- r; return nil },
		})
		close(recs)
	}()
	done := false
	for !done {
		err := s.InTxOnce(ctx, func(t *store.Tx) error {
			txn = t
			for i := 0; i < 50_000; i++ {
				r, ok := <-recs
				if !ok {
					done = true
					break
				}
				if err := add(r); err != nil {
					return err
				}
			}
			return flush()
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s: %d records in %v", path, n/2*2, time.Since(start).Round(time.Second))
	return s, org.ID
}

// smallOrg returns the id of a second organisation holding 1,000 records
// (500 children), adding it if missing.
func smallOrg(b *testing.B, s *store.Store) string {
	ctx := context.Background()
	var org domain.Organisation
	if err := s.InTx(ctx, func(tx *store.Tx) (err error) { org, err = tx.Org(ctx, "bench-small"); return err }); err == nil {
		return org.ID
	}
	org = domain.Organisation{Slug: "bench-small", Name: "Small party", Kind: domain.OrgGovernment}
	var recs []*domain.Record
	err := synth.Generate(ctx, synth.Config{N: 500, Seed: 8}, synth.SinkFuncs{
		ChildFunc:   func(r domain.Record) error { recs = append(recs, &r); return nil },
		RequestFunc: func(r domain.Record) error { recs = append(recs, &r); return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	inTx(b, s, func(tx *store.Tx) error {
		if err := tx.CreateOrg(ctx, &org); err != nil {
			return err
		}
		for i := 0; i < len(recs); i += store.MaxBatch {
			batch := recs[i:min(i+store.MaxBatch, len(recs))]
			for _, r := range batch {
				r.OrgID = org.ID
			}
			if err := tx.InsertRecords(ctx, actor, batch); err != nil {
				return err
			}
		}
		return nil
	})
	return org.ID
}

func inTx(tb testing.TB, s *store.Store, fn func(*store.Tx) error) {
	tb.Helper()
	if err := s.InTx(context.Background(), fn); err != nil {
		tb.Fatal(err)
	}
}
