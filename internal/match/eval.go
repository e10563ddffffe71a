package match

import (
	"cmp"
	"slices"
)

// Evaluation is the quality of a set of proposed pairs at one threshold,
// against the true pairs.
type Evaluation struct {
	Threshold float64 `json:"threshold"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	TruePos   int     `json:"true_positives"`
	FalsePos  int     `json:"false_positives"`
	FalseNeg  int     `json:"false_negatives"`
}

// Evaluate measures pairs against truth (request id → child id) at each
// threshold: a pair counts as proposed when its probability is at least the
// threshold.
func Evaluate(pairs []Pair, truth map[string]string, thresholds []float64) []Evaluation {
	sorted := sortedByProbability(pairs)
	out := make([]Evaluation, 0, len(thresholds))
	for _, t := range thresholds {
		out = append(out, evaluateAt(sorted, truth, t))
	}
	return out
}

func sortedByProbability(pairs []Pair) []Pair {
	s := slices.Clone(pairs)
	slices.SortFunc(s, func(a, b Pair) int { return cmp.Compare(b.Probability, a.Probability) })
	return s
}

func evaluateAt(sorted []Pair, truth map[string]string, t float64) Evaluation {
	var s sweep
	s.to(sorted, truth, t)
	return s.at(t, len(truth))
}

// sweep counts the pairs of a list sorted best first down to a threshold,
// and can be moved on to a lower threshold: a curve is one pass over the
// pairs.
type sweep struct {
	next              int // the first pair not counted
	truePos, falsePos int
	found             map[string]bool // requests whose true child was counted
}

// to counts the pairs down to threshold t (not above the last one).
func (s *sweep) to(sorted []Pair, truth map[string]string, t float64) {
	if s.found == nil {
		s.found = map[string]bool{}
	}
	for ; s.next < len(sorted) && sorted[s.next].Probability >= t; s.next++ {
		p := &sorted[s.next]
		if truth[p.A] == p.B {
			if !s.found[p.A] {
				s.found[p.A] = true
				s.truePos++
			}
		} else {
			s.falsePos++
		}
	}
}

func (s *sweep) at(t float64, truths int) Evaluation {
	e := Evaluation{Threshold: t, TruePos: s.truePos, FalsePos: s.falsePos}
	e.FalseNeg = truths - e.TruePos
	if e.TruePos+e.FalsePos > 0 {
		e.Precision = float64(e.TruePos) / float64(e.TruePos+e.FalsePos)
	}
	if truths > 0 {
		e.Recall = float64(e.TruePos) / float64(truths)
	}
	if e.Precision+e.Recall > 0 {
		e.F1 = 2 * e.Precision * e.Recall / (e.Precision + e.Recall)
	}
	return e
}

// Curve returns the precision–recall curve: an evaluation at each of
// about points thresholds spread over the pairs' probabilities.
func Curve(pairs []Pair, truth map[string]string, points int) []Evaluation {
	sorted := sortedByProbability(pairs)
	if len(sorted) == 0 || points < 2 {
		return nil
	}
	var out []Evaluation
	var s sweep
	last := -1.0
	for i := 0; i < points; i++ {
		// Thresholds fall as i rises: the sweep moves on.
		t := sorted[min(len(sorted)-1, i*len(sorted)/(points-1))].Probability
		if t == last {
			continue
		}
		last = t
		s.to(sorted, truth, t)
		out = append(out, s.at(t, len(truth)))
	}
	return out
}

// BestF1 returns the evaluation with the highest F1 on the curve.
func BestF1(curve []Evaluation) Evaluation {
	var best Evaluation
	for _, e := range curve {
		if e.F1 > best.F1 {
			best = e
		}
	}
	return best
}
