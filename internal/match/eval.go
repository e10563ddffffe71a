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
	e := Evaluation{Threshold: t}
	found := map[string]bool{}
	for _, p := range sorted {
		if p.Probability < t {
			break
		}
		if truth[p.A] == p.B {
			if !found[p.A] {
				found[p.A] = true
				e.TruePos++
			}
		} else {
			e.FalsePos++
		}
	}
	e.FalseNeg = len(truth) - e.TruePos
	if e.TruePos+e.FalsePos > 0 {
		e.Precision = float64(e.TruePos) / float64(e.TruePos+e.FalsePos)
	}
	if len(truth) > 0 {
		e.Recall = float64(e.TruePos) / float64(len(truth))
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
	last := -1.0
	for i := 0; i < points; i++ {
		t := sorted[min(len(sorted)-1, i*len(sorted)/(points-1))].Probability
		if t == last {
			continue
		}
		last = t
		out = append(out, evaluateAt(sorted, truth, t))
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
