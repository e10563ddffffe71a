package store

import (
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// TestInsertInOneFits: a batch goes in one statement only while its
// parameters (a record's columns, its sensitive fields, its name keys) fit
// in one; past that, InsertRecords writes the tables one by one.
func TestInsertInOneFits(t *testing.T) {
	batch := func(n, names int) ([]*domain.Record, []preparedRecord) {
		recs := make([]*domain.Record, n)
		for i := range recs {
			r := &domain.Record{Kind: domain.KindChild}
			for j := range names {
				r.Person.Names = append(r.Person.Names, domain.Name{Family: word(i*names + j)})
			}
			recs[i] = r
		}
		return recs, make([]preparedRecord, n)
	}
	recs, prep := batch(1, 1)
	if !insertInOneFits(recs, prep) || len(prep[0].keys) == 0 {
		t.Fatalf("one record with one name does not fit (%d keys)", len(prep[0].keys))
	}
	recs, prep = batch(MaxBatch, 1)
	if !insertInOneFits(recs, prep) {
		t.Errorf("a batch of %d records with a name each does not fit", MaxBatch)
	}
	recs, prep = batch(MaxBatch, 120)
	fits := insertInOneFits(recs, prep)
	params := recordInsertColumns * MaxBatch
	for i := range prep {
		params += 1 + len(prep[i].keys)
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
