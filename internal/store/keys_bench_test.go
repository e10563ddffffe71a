package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestRotationSpeed measures key rotation on REUNITE_BENCH_ROTATE records
// (e.g. 100000) in SQLite: the figure in docs/BENCHMARKS.md. Skipped
// unless set.
//
//	REUNITE_BENCH_ROTATE=100000 go test ./internal/store -run TestRotationSpeed -v
func TestRotationSpeed(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("REUNITE_BENCH_ROTATE"))
	if n == 0 {
		t.Skip("set REUNITE_BENCH_ROTATE to the number of records")
	}
	ctx := context.Background()
	oldKey, newKey := seal.NewKey(), seal.NewKey()
	s := storetest.Open(t, storetest.SQLiteDSN(t), store.Options{Keys: keyring(t, newKey, oldKey)})
	o := mkOrg(t, s, "ua")
	old := keyring(t, oldKey)
	start := time.Now()
	for i := 0; i < n; i += store.MaxBatch {
		var recs []*domain.Record
		for j := i; j < min(n, i+store.MaxBatch); j++ {
			r := secretRecord(o.ID)
			r.ExternalID = fmt.Sprint("B-", j)
			recs = append(recs, r)
		}
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, recs) })
	}
	ins := time.Since(start)
	t.Logf("inserted %d records (each with its own data key) in %v: %.0f records/s", n, ins.Round(time.Millisecond), float64(n)/ins.Seconds())
	both := keyring(t, newKey, oldKey)
	// The first store registered its current key (newKey) as the one that
	// wraps; rotate to the old key, then back, measuring the second.
	if _, err := s.RotateKeys(ctx, actor, old.Current(), store.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	res, err := s.RotateKeys(ctx, actor, both.Current(), store.RotateOptions{Batch: 200})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	t.Logf("rotation: %d data keys re-wrapped in %v: %.0f data keys/s (batches of 200)", res.Records, d.Round(time.Millisecond), float64(res.Records)/d.Seconds())
	start = time.Now()
	var got int
	tx(t, s, func(tx *store.Tx) error {
		return tx.EachRecord(ctx, store.RecordFilter{OrgIDs: []string{o.ID}}, func(r domain.Record) error {
			if r.Person.Notes == secretNotes {
				got++
			}
			return nil
		})
	})
	d = time.Since(start)
	t.Logf("listing every record, notes decrypted: %d in %v: %.0f records/s", got, d.Round(time.Millisecond), float64(got)/d.Seconds())
}
