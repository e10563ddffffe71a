package store

import (
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// TestInsertInOneFits: a batch goes in one statement only while its
// parameters (a record's columns, its sensitive fields, its name keys) fit
// in one; past that, InsertRecords writes the tables one by one.
func TestInsertInOneFits(t *testing.T) {
	batch := func(n, names int) []*domain.Record {
		recs := make([]*domain.Record, n)
		for i := range recs {
			r := &domain.Record{Kind: domain.KindChild}
			for j := range names {
				r.Person.Names = append(r.Person.Names, domain.Name{Family: word(i*names + j)})
			}
			recs[i] = r
		}
		return recs
	}
	if keys, fits := insertInOneFits(batch(1, 1)); !fits || len(keys) != 1 || len(keys[0]) == 0 {
		t.Fatalf("one record with one name does not fit, or has no key: %v %v", fits, keys)
	}
	if _, fits := insertInOneFits(batch(MaxBatch, 1)); !fits {
		t.Errorf("a batch of %d records with a name each does not fit", MaxBatch)
	}
	keys, fits := insertInOneFits(batch(MaxBatch, 120))
	params := recordInsertColumns * MaxBatch
	for _, k := range keys {
		params += 1 + len(k)
	}
	if params <= pgMaxParameters {
		t.Fatalf("the large batch takes %d parameters, under the limit: make it larger", params)
	}
	if fits {
		t.Errorf("a batch of %d parameters fits in one statement", params)
	}
}

// word spells n in letters, a different family name for each n.
func word(n int) string {
	b := []byte("ko")
	for ; n > 0; n /= 5 {
		b = append(b, "aeiou"[n%5], "bdmrt"[n%5])
	}
	return string(b)
}
