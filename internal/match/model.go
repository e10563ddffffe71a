package match

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Model holds the parameters of the Fellegi–Sunter model: for every field
// and level, m (how often the level happens between two records of the same
// child) and u (between records of different children), and the prior
// probability that a pair of records taken at random is a match.
type Model struct {
	M, U [numFields][]float64
	// Prior is the probability that a random request–child pair is a match.
	Prior float64
	// Iterations EM took to converge.
	Iterations int

	weights   [numFields][]float64 // log2(m/u)
	maxWeight [numFields]float64   // the most a field can add (term-frequency adjustment included)
	maxTotal  float64
	prior     float64 // log2(Prior/(1-Prior))
	freq      termFreq
}

// termFreq holds how common each name is, for term-frequency adjustment.
type termFreq struct {
	given      map[uint64]float64 // given-name token → share of records
	family     map[uint64]float64
	patronymic map[uint64]float64 // father's name (patronymicToken) → share
	// given and family names as written (nameForm.givenFold, familyFold) → share
	givenFold, familyFold map[uint64]float64
	place                 map[uint64]float64 // settlement (entity.settlements) → share of records naming it
	category              [8]float64         // separation category (entity.category) → share of records
	floor                 float64            // the share of a name seen once
}

// givenToken is the value a given-name agreement is about: its equivalence
// class if known (so Олександр and Александр count as one name), else its
// cross-script key.
func givenToken(f *nameForm) uint64 {
	if len(f.givenClasses) > 0 {
		return uint64(f.givenClasses[0]) | 1<<40
	}
	return f.givenKeyH
}

func countTerms(sets ...[]entity) termFreq {
	tf := termFreq{given: map[uint64]float64{}, family: map[uint64]float64{}, patronymic: map[uint64]float64{},
		givenFold: map[uint64]float64{}, familyFold: map[uint64]float64{}, place: map[uint64]float64{}}
	n := 0
	for _, ents := range sets {
		for i := range ents {
			if len(ents[i].forms) == 0 {
				continue
			}
			if p := patronymicToken(&ents[i]); p != 0 {
				tf.patronymic[p]++
			}
			tf.category[ents[i].category&7]++
			for j, s := range ents[i].settlements {
				if !slices.Contains(ents[i].settlements[:j], s) {
					tf.place[s]++
				}
			}
			f := &ents[i].forms[0]
			n++
			if f.givenKey != "" {
				tf.given[givenToken(f)]++
				tf.givenFold[f.givenFold]++
			}
			if f.familyKey != "" {
				tf.family[f.familyKeyH]++
				tf.familyFold[f.familyFold]++
			}
		}
	}
	if n == 0 {
		n = 1
	}
	for k, c := range tf.given {
		tf.given[k] = c / float64(n)
	}
	for k, c := range tf.family {
		tf.family[k] = c / float64(n)
	}
	for _, m := range []map[uint64]float64{tf.patronymic, tf.givenFold, tf.familyFold, tf.place} {
		for k, c := range m {
			m[k] = c / float64(n)
		}
	}
	for k := range tf.category {
		tf.category[k] /= float64(n)
	}
	tf.floor = 1 / float64(n)
	return tf
}

// laplace turns level counts into probabilities, with one pseudo-count per
// level so that a level never seen is rare, not impossible.
func laplace(counts []float64) []float64 {
	total := 0.0
	for _, c := range counts {
		total += c
	}
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = (c + 1) / (total + float64(len(counts)))
	}
	return out
}

// estimateU measures each level's frequency among random pairs of a
// request and a child: nearly all of them are different children.
func estimateU(rng *rand.Rand, requests, children []entity, samples int) [numFields][]float64 {
	var counts [numFields][]float64
	for f := range fields {
		counts[f] = make([]float64, len(fields[f].Levels))
	}
	if len(requests) > 0 && len(children) > 0 {
		for range samples {
			a, b := &requests[rng.IntN(len(requests))], &children[rng.IntN(len(children))]
			v := compareAll(a, b)
			for f, l := range v {
				if l != missing {
					counts[f][l]++
				}
			}
		}
	}
	var u [numFields][]float64
	for f := range fields {
		u[f] = laplace(counts[f])
	}
	return u
}

// patterns counts how many candidate pairs share each comparison vector:
// EM then runs over a few thousand patterns instead of millions of pairs.
type patterns map[vector]float64

// em estimates m, and the share of matches among the candidate pairs, by
// expectation–maximisation over the candidate pairs' comparison vectors.
// No labels are needed: pairs that agree on many fields pull m towards
// their levels. u is re-estimated too during EM, because candidate pairs
// that are not matches agree far more often than random pairs do (they were
// chosen for agreeing on something); the final model keeps the u measured
// on random pairs.
func em(pats patterns, uRandom [numFields][]float64, maxIter int) (m [numFields][]float64, share float64, iters int) {
	u := uRandom
	for f := range fields {
		// Start m believing the first levels are the usual ones for a match.
		n := len(fields[f].Levels)
		m[f] = make([]float64, n)
		for l := range m[f] {
			m[f][l] = math.Pow(0.25, float64(l))
		}
		normalise(m[f])
		u[f] = append([]float64(nil), uRandom[f]...)
	}
	// In a fixed order, so that the sums, and the model, are the same
	// from run to run (a map's order is random, and sums of floating-point
	// numbers depend on their order).
	type pattern struct {
		v     vector
		count float64
	}
	sorted := make([]pattern, 0, len(pats))
	for v, c := range pats {
		sorted = append(sorted, pattern{v, c})
	}
	slices.SortFunc(sorted, func(x, y pattern) int {
		for f := range x.v {
			if c := cmp.Compare(x.v[f], y.v[f]); c != 0 {
				return c
			}
		}
		return 0
	})
	share = 0.1
	for iters = 1; iters <= maxIter; iters++ {
		var mNum, uNum [numFields][]float64
		for f := range fields {
			mNum[f] = make([]float64, len(fields[f].Levels))
			uNum[f] = make([]float64, len(fields[f].Levels))
		}
		matched, total := 0.0, 0.0
		for _, pt := range sorted {
			v, count := pt.v, pt.count
			pm, pu := share, 1-share
			for f, l := range v {
				if l != missing {
					pm *= m[f][l]
					pu *= u[f][l]
				}
			}
			g := pm / (pm + pu)
			matched += g * count
			total += count
			for f, l := range v {
				if l != missing {
					mNum[f][l] += g * count
					uNum[f][l] += (1 - g) * count
				}
			}
		}
		change := math.Abs(matched/total - share)
		share = matched / total
		for f := range fields {
			next := laplace(mNum[f])
			for l := range next {
				change = math.Max(change, math.Abs(next[l]-m[f][l]))
			}
			m[f], u[f] = next, laplace(uNum[f])
		}
		if change < 1e-6 {
			break
		}
	}
	return m, share, min(iters, maxIter)
}

func normalise(p []float64) {
	s := 0.0
	for _, x := range p {
		s += x
	}
	for i := range p {
		p[i] /= s
	}
}

// newModel assembles a model and precomputes its weights.
func newModel(m, u [numFields][]float64, prior float64, tf termFreq, iters int) *Model {
	md := &Model{M: m, U: u, Prior: prior, Iterations: iters, freq: tf}
	md.prior = math.Log2(prior / (1 - prior))
	for f := range fields {
		md.weights[f] = make([]float64, len(m[f]))
		md.maxWeight[f] = 0 // a missing field adds nothing
		for l := range m[f] {
			md.weights[f][l] = math.Log2(m[f][l] / u[f][l])
			best := md.weights[f][l]
			if int8(l) < fields[f].tf {
				best = math.Log2(m[f][l] / tf.floor)
			}
			md.maxWeight[f] = math.Max(md.maxWeight[f], best)
		}
		md.maxTotal += md.maxWeight[f]
	}
	return md
}

// logit is the match weight, in bits, of a probability.
func logit(p float64) float64 { return math.Log2(p / (1 - p)) }

// weight is a field's weight for a pair at level l, term-frequency adjusted
// where the field says so: agreeing on a name that one record in ten has is
// weaker evidence than agreeing on a name one in ten thousand has.
func (md *Model) weight(f Field, l int8, a *entity) float64 {
	if l == missing {
		return 0
	}
	if l < fields[f].tf {
		share := a.givenShare
		switch f {
		case FieldGiven:
			if l == 0 {
				// The same name as written: as rare as that spelling.
				share = float64(a.givenFoldShare)
			}
		case FieldFamily:
			share = a.familyShare
			if l == 0 {
				share = float64(a.familyFoldShare)
			}
		case FieldPatronymic:
			share = a.patronymicShare
		case FieldPlace:
			share = float64(a.placeShare)
		case FieldCategory:
			share = float64(a.categoryShare)
		}
		return math.Log2(md.M[f][l] / math.Max(share, md.freq.floor))
	}
	return md.weights[f][l]
}

// setShares fills in the entities' name shares for term-frequency
// adjustment, once, so that scoring a pair looks nothing up.
func (tf termFreq) setShares(ents []entity) {
	for i := range ents {
		e := &ents[i]
		e.givenShare, e.familyShare, e.patronymicShare = tf.floor, tf.floor, tf.floor
		if s, ok := tf.patronymic[patronymicToken(e)]; ok {
			e.patronymicShare = s
		}
		place := 0.0
		for j, s := range e.settlements {
			if !slices.Contains(e.settlements[:j], s) {
				place += max(tf.place[s], tf.floor)
			}
		}
		e.placeShare = float32(min(max(place, tf.floor), 1))
		e.categoryShare = float32(max(tf.category[e.category&7], tf.floor))
		if len(e.forms) == 0 {
			continue
		}
		f := &e.forms[0]
		e.givenFoldShare, e.familyFoldShare = float32(tf.floor), float32(tf.floor)
		if s, ok := tf.given[givenToken(f)]; ok && f.givenKey != "" {
			e.givenShare = s
			if s, ok := tf.givenFold[f.givenFold]; ok {
				e.givenFoldShare = float32(min(s, e.givenShare))
			}
		}
		if s, ok := tf.family[f.familyKeyH]; ok && f.familyKey != "" {
			e.familyShare = s
			if s, ok := tf.familyFold[f.familyFold]; ok {
				e.familyFoldShare = float32(min(s, e.familyShare))
			}
		}
	}
}

// order is the order fields are scored in when pruning: cheap and
// decisive ones first, those that may need Jaro–Winkler last.
var order = [numFields]Field{FieldBirthDate, FieldSex, FieldCategory, FieldPatronymic, FieldGiven, FieldPlace, FieldSeparation, FieldMother, FieldFather, FieldSiblings, FieldFamily}

// pruned scores a pair field by field and gives up (ok false) as soon as
// even the best levels of the fields left could not lift it to minWeight.
// Most candidates of a large block are settled by their birth dates and
// given names, before any costly comparison.
//
// bounds are a's per-field maxima, from md.bounds(a).
func (md *Model) pruned(a, b *entity, minWeight float64, bounds *fieldBounds) (p Pair, ok bool) {
	w, rest := md.prior, bounds.total
	for _, f := range order {
		l := fields[f].compare(a, b)
		fw := md.weight(f, l, a)
		p.levels[f], p.weights[f] = l, float32(fw)
		w += fw
		rest -= bounds.field[f]
		if w+rest < minWeight {
			return p, false
		}
	}
	p.A, p.B, p.Weight, p.Probability = a.id, b.id, w, probability(w)
	return p, true
}

// maxWeightOf is the most field f can add to a pair with a as its first
// record. For the names it is a's own: agreeing on a common name can add
// only a little, which is what lets pruning settle most candidates early.
func (md *Model) maxWeightOf(f Field, a *entity) float64 {
	if fields[f].tf == 0 {
		return md.maxWeight[f]
	}
	w := 0.0
	for l := range fields[f].tf {
		w = math.Max(w, md.weight(f, l, a))
	}
	for l := int(fields[f].tf); l < len(md.weights[f]); l++ {
		w = math.Max(w, md.weights[f][l])
	}
	return w
}

// fieldBounds are the most each field, and all of them, can add to a pair
// with a given first record.
type fieldBounds struct {
	field [numFields]float64
	total float64
}

func (md *Model) bounds(a *entity) fieldBounds {
	var b fieldBounds
	for f := range fields {
		b.field[f] = md.maxWeightOf(Field(f), a)
		b.total += b.field[f]
	}
	return b
}

// pair compares two records and scores them.
func (md *Model) pair(a, b *entity) Pair {
	p := Pair{A: a.id, B: b.id, levels: compareAll(a, b), Weight: md.prior}
	for f, l := range p.levels {
		w := md.weight(Field(f), l, a)
		p.weights[f] = float32(w)
		p.Weight += w
	}
	p.Probability = probability(p.Weight)
	return p
}

// probability turns a match weight in bits into a probability.
func probability(w float64) float64 { return 1 / (1 + math.Exp2(-w)) }

// String summarises the model: each field's levels with m, u and weight.
func (md *Model) String() string {
	s := fmt.Sprintf("prior %.3g (%.1f bits), EM iterations %d\n", md.Prior, md.prior, md.Iterations)
	for f := range fields {
		s += fields[f].Label + "\n"
		for l, label := range fields[f].Levels {
			s += fmt.Sprintf("  %-62s m=%.4f u=%.6f w=%+.1f\n", label, md.M[f][l], md.U[f][l], md.weights[f][l])
		}
	}
	return s
}
