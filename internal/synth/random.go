package synth

import "math/rand/v2"

// Every record is drawn from its own random stream, seeded from the
// configuration's seed, a stream name and the record's index. A record is
// then a pure function of (seed, N, index): records can be regenerated when a
// pair is written, generated in any order, and the output does not depend on
// how many were generated before.
type stream uint64

const (
	streamTruthMatched stream = iota + 1 // the child both sides describe, by child slot
	streamTruthRequest                   // the child an unmatched request seeks
	streamTruthChild                     // an unmatched child of party B
	streamRequest                        // how party A writes a request
	streamChild                          // how party B writes a child record
	streamPermutation                    // keys of the pairing permutations
)

const golden = 0x9e3779b97f4a7c15

// mix64 is the SplitMix64 finaliser: a cheap bijective scrambler that turns
// structured inputs (seed, counter) into well-spread seeds.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// source is a reusable PCG generator; reset reseeds it without allocating.
type source struct {
	pcg rand.PCG
	*rand.Rand
}

func newSource() *source {
	s := &source{}
	s.Rand = rand.New(&s.pcg)
	return s
}

func (s *source) reset(seed uint64, st stream, index int) {
	a := streamSeed(seed, st)
	s.pcg.Seed(a, mix64(a^uint64(index)*golden+uint64(index)))
}

// streamSeed derives the seed of one stream from the configuration's seed.
func streamSeed(seed uint64, st stream) uint64 { return mix64(seed ^ uint64(st)*golden) }

// chance returns true with probability p.
func (s *source) chance(p float64) bool { return s.Float64() < p }

// weights picks indices with probability proportional to integer weights.
type weights struct {
	cum []int32 // cum[i] = weight[0] + … + weight[i]
	// For larger tables (given names, surnames), a guide: guide[b] is the
	// first i with cum[i] > b<<shift, where the search for x starts. It
	// finds the same index as the binary search, in a step or two.
	guide []int32
	shift uint
}

// guideMin is the size from which a table gets a guide.
const guideMin = 64

func newWeights(n int, w func(i int) int) weights {
	cum := make([]int32, n)
	var t int32
	for i := range n {
		t += int32(w(i))
		cum[i] = t
	}
	ws := weights{cum: cum}
	if n >= guideMin {
		// About two buckets per index.
		for int64(t)>>ws.shift > int64(2*n) {
			ws.shift++
		}
		ws.guide = make([]int32, int((t-1)>>ws.shift)+1) // x < t
		i := 0
		for b := range ws.guide {
			for cum[i] <= int32(b)<<ws.shift {
				i++
			}
			ws.guide[b] = int32(i)
		}
	}
	return ws
}

func (w weights) total() int32 { return w.cum[len(w.cum)-1] }

// pick returns index i with probability weight[i]/total.
func (w weights) pick(r *source) int { return w.index(r.Int32N(w.total())) }

// index returns the first i with cum[i] > x, for 0 <= x < total.
func (w weights) index(x int32) int {
	if w.guide != nil {
		i := int(w.guide[x>>w.shift])
		for w.cum[i] <= x {
			i++
		}
		return i
	}
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if w.cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// choose picks one of the values with the given weights.
func choose[T any](r *source, options ...weighted[T]) T {
	var total int
	for _, o := range options {
		total += o.weight
	}
	x := r.IntN(total)
	for _, o := range options {
		if x < o.weight {
			return o.value
		}
		x -= o.weight
	}
	panic("unreachable")
}

type weighted[T any] struct {
	weight int
	value  T
}

func w[T any](weight int, value T) weighted[T] { return weighted[T]{weight, value} }
