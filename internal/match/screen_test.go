package match

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/synth"
)

// TestScreenSize keeps a screen to one cache line: the pre-screen pays only
// if it reads one line per candidate instead of the entity's several.
func TestScreenSize(t *testing.T) {
	if s := unsafe.Sizeof(screen{}); s > 64 {
		t.Errorf("a screen is %d bytes, want at most 64", s)
	}
}

func synthData(t testing.TB, n int, seed uint64) (reqs, kids []domain.Record) {
	t.Helper()
	err := synth.Generate(context.Background(), synth.Config{N: n, Seed: seed, Difficulty: synth.DifficultyHard}, synth.SinkFuncs{
		RequestFunc: func(r domain.Record) error { reqs = append(reqs, r); return nil },
		ChildFunc:   func(r domain.Record) error { kids = append(kids, r); return nil },
		PairFunc:    func(synth.Pair) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return reqs, kids
}

// TestScreenChangesNothing links synthetic data with the pre-screen and
// without it: the pairs, weights and probabilities must be the same.
func TestScreenChangesNothing(t *testing.T) {
	sizes := []struct {
		n    int
		seed uint64
	}{{3000, 1}, {5000, 2}, {8000, 3}, {20000, 4}}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, c := range sizes {
		reqs, kids := synthData(t, c.n, c.seed)
		en, err := Train(context.Background(), reqs, kids, Options{Seed: c.seed})
		if err != nil {
			t.Fatal(err)
		}
		link := func(noScreen bool) []Pair {
			en.noScreen = noScreen
			pairs, err := en.Link(context.Background(), reqs)
			if err != nil {
				t.Fatal(err)
			}
			// Workers interleave requests: compare in one order.
			slices.SortFunc(pairs, func(x, y Pair) int {
				if x.A != y.A {
					if x.A < y.A {
						return -1
					}
					return 1
				}
				if x.B < y.B {
					return -1
				}
				if x.B > y.B {
					return 1
				}
				return 0
			})
			return pairs
		}
		without, with := link(true), link(false)
		if len(with) != len(without) {
			t.Fatalf("n=%d seed=%d: %d pairs with the pre-screen, %d without", c.n, c.seed, len(with), len(without))
		}
		for i := range with {
			if with[i] != without[i] {
				t.Fatalf("n=%d seed=%d: pair %d differs:\n with    %+v\n without %+v", c.n, c.seed, i, with[i], without[i])
			}
		}
		t.Logf("n=%d seed=%d: %d pairs, identical", c.n, c.seed, len(with))
	}
}

// TestScreenSound compares many pairs, candidates and random ones: whenever
// the pre-screen rejects a pair, scoring must reject it too.
func TestScreenSound(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		reqs, kids := synthData(t, 3000, seed+10)
		en, err := Train(context.Background(), reqs, kids, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		// Remove and re-add some children, so that added records and
		// dead ones are screened too.
		for i := 0; i < 200; i++ {
			en.Add(&kids[i*7])
		}
		en.Remove(kids[5].ExternalID)
		rs := prepareAll(reqs, 2)
		en.model.freq.setShares(rs)
		ix := en.index
		minWeight := logit(en.opts.MinProbability)
		rng := rand.New(rand.NewPCG(seed, 7))
		s := ix.searcher()
		var pairs, rejected, accepted int
		for i := range rs {
			a := &rs[i]
			bounds := en.model.bounds(a)
			pr := ix.probe(en.model, a, &bounds)
			cands := slices.Clone(s.candidates(a))
			for range 40 {
				cands = append(cands, int32(rng.IntN(len(ix.ents))))
			}
			for _, c := range cands {
				if ix.ents[c].dead {
					continue
				}
				pairs++
				p, ok := en.model.pruned(a, &ix.ents[c], minWeight, &bounds)
				keep := ok && p.Probability >= en.opts.MinProbability
				if keep {
					accepted++
				}
				if pr.reject(&ix.scr[c], minWeight) {
					rejected++
					if keep {
						t.Fatalf("seed %d: the pre-screen rejects %s–%s, which scores %.3f bits (p %.4f)", seed, a.id, ix.ents[c].id, p.Weight, p.Probability)
					}
				}
			}
		}
		t.Logf("seed %d: %d pairs, %d rejected by the pre-screen (%.1f%%), %d accepted by scoring", seed, pairs, rejected, 100*float64(rejected)/float64(pairs), accepted)
		if float64(rejected) < 0.8*float64(pairs-accepted) {
			t.Errorf("the pre-screen rejects only %d of %d pairs scoring rejects", rejected, pairs-accepted)
		}
	}
}

// TestScreenedPatterns checks that EM learns from the same best candidates
// when they are found on several goroutines with the pre-screen as when
// they are found one by one, scoring every candidate.
func TestScreenedPatterns(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		reqs, kids := synthData(t, 5000, seed+20)
		en, err := Train(context.Background(), reqs, kids, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		rs := prepareAll(reqs, 2)
		en.model.freq.setShares(rs)
		for _, md := range []*Model{en.model, newModel(en.model.M, en.model.U, 1/float64(len(kids)), en.model.freq, 0)} {
			want, ws, ww := bestPatterns(context.Background(), en.index, md, rs, 3, 1, false)
			got, gs, gw := bestPatterns(context.Background(), en.index, md, rs, 3, 3, true)
			if gs != ws || gw != ww || len(got) != len(want) {
				t.Fatalf("seed %d: %d sampled, %d with candidates, %d patterns; want %d, %d, %d", seed, gs, gw, len(got), ws, ww, len(want))
			}
			for v, n := range want {
				if got[v] != n {
					t.Fatalf("seed %d: pattern %v counted %v times, want %v", seed, v, got[v], n)
				}
			}
		}
	}
}
