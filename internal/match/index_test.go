package match

import (
	"slices"
	"testing"

	"github.com/reunite-ftr/reunite/internal/synth"
)

// TestBulkIndexAsAdded checks that an index built in bulk finds the same
// candidates as one built by adding the records one at a time, and that
// records added to a bulk index later count toward the same block caps.
func TestBulkIndexAsAdded(t *testing.T) {
	reqs, kids, _ := dataset(t, 3000, synth.DifficultyHard)
	r, k := prepareAll(reqs, 2), prepareAll(kids, 2)
	// Repeat some children, so that some blocks outgrow the cap and some
	// ids are indexed twice (the later record replaces the earlier).
	k = append(k, k[:200]...)
	for range 120 {
		k = append(k, k[:3]...)
	}

	one := buildIndex(nil, 1)
	for i := range k {
		one.add(k[i])
	}
	// Split so that the repeated records are half in bulk, half added:
	// neither part alone outgrows the cap.
	split := len(k) - 180
	half := buildIndex(slices.Clone(k[:split]), 2)
	for i := split; i < len(k); i++ {
		half.add(k[i])
	}
	full := buildIndex(slices.Clone(k), 2)
	capped := 0
	for i := range full.bulk.keys {
		if full.bulk.starts[i] == full.bulk.starts[i+1] {
			capped++
		}
	}
	if capped == 0 {
		t.Fatal("no block outgrew the cap: the test does not cover it")
	}
	for _, ix := range []*Index{full, buildIndex(slices.Clone(k), 1), half} {
		if ix.Len() != one.Len() {
			t.Fatalf("%d live records, want %d", ix.Len(), one.Len())
		}
		a, b := one.searcher(), ix.searcher()
		total := 0
		for i := range r {
			want, got := ids(one, a.candidates(&r[i])), ids(ix, b.candidates(&r[i]))
			total += len(want)
			if !slices.Equal(want, got) {
				t.Fatalf("request %d: candidates %v, want %v", i, got, want)
			}
		}
		if total == 0 {
			t.Fatal("no candidates at all")
		}
	}
}

// ids returns the ids of the records at cands, sorted (a bulk index holds
// its records in its own order).
func ids(ix *Index, cands []int32) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = ix.ents[c].id
	}
	slices.Sort(out)
	return out
}
