package app_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/kinship"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// BenchmarkKinshipSearchStore: KinshipSearch through the store on SQLite:
// read the samples the organisation may search, unseal them, search, and
// audit. N families, each of one parent (REUNITE_KINSHIP_BENCH_N, default
// 10,000), 20 loci, a SIMULATED table.
func BenchmarkKinshipSearchStore(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("REUNITE_KINSHIP_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	a, p := setup(b, storetest.SQLiteDSN(b))
	tab := kinship.SimulateTable(3)
	if err := a.ImportFrequencyTable(ctx, p, tab); err != nil {
		b.Fatal(err)
	}
	sim := kinship.NewSimulator(tab, 3, kinship.CODIS, kinship.DefaultMutation)
	recs := make([]*domain.Record, n+1)
	for i := range recs {
		r := kinRecord(domain.KindRequest, fmt.Sprintf("R-%d", i), "Іван")
		if i == n {
			r = kinRecord(domain.KindChild, "CH", "Иван")
		}
		r.OrgID = p.OrgID
		recs[i] = &r
	}
	err := a.Store().InTx(ctx, func(tx *store.Tx) error {
		for chunk := range slices.Chunk(recs, store.MaxBatch) {
			if err := tx.InsertRecords(ctx, store.Actor{ID: "bench", OrgID: p.OrgID}, chunk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	profiles := make([]kinship.Profile, 0, n+1)
	links := make([]app.SampleLink, 0, n+1)
	var mother kinship.Profile
	for i := range n {
		m := sim.Founder(fmt.Sprintf("M-%d", i))
		if i == n/2 {
			mother = m
		}
		profiles = append(profiles, m)
		links = append(links, app.SampleLink{Sample: m.ID, Record: recs[i].ID, Relationship: "mother"})
	}
	father := sim.Founder("F")
	child := sim.Child("C", &mother, &father)
	profiles = append(profiles, child)
	links = append(links, app.SampleLink{Sample: "C", Record: recs[n].ID, Relationship: "self"})
	if _, err := a.ImportKinshipSamples(ctx, p, profiles, links); err != nil {
		b.Fatal(err)
	}
	q := app.KinshipQuery{Table: tab.Name, Options: kinship.Options{Theta: 0.01, Mutation: kinship.DefaultMutation}}
	b.ResetTimer()
	for b.Loop() {
		hits, err := a.KinshipSearch(ctx, p, "C", q, kinship.SearchOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if hits[0].Family != recs[n/2].ID {
			b.Fatalf("first hit %s", hits[0].Family)
		}
	}
}
