package match

import (
	"fmt"
	"strings"
)

// FieldScore says how one field of a pair compared and how much it counted.
type FieldScore struct {
	Field string `json:"field"` // machine name, e.g. given_name
	Label string `json:"label"` // e.g. "Given name"
	Level string `json:"level"` // e.g. "equivalent names (Ukrainian and Russian forms, or a diminutive)"
	// LevelIndex numbers Level among the field's levels (0 the strongest
	// agreement; -1 when missing), so that a page can show it in another
	// language.
	LevelIndex int     `json:"level_index"`
	Weight     float64 `json:"weight"` // bits for (+) or against (−) the pair being one child; 0 when missing
	// Missing is true when one record does not have the field: it counts
	// neither way.
	Missing bool `json:"missing,omitempty"`
}

// Explanation says why a pair scored what it did.
type Explanation struct {
	Probability float64 `json:"probability"`
	Weight      float64 `json:"weight"`       // total, in bits
	PriorWeight float64 `json:"prior_weight"` // where every pair starts, in bits
	// Rivals is the probability lost to other candidates of the same
	// request that fit as well or better: one request seeks one child.
	Rivals float64      `json:"rivals,omitempty"`
	Fields []FieldScore `json:"fields"`
}

// Explain returns the field-by-field account of a pair.
func (md *Model) Explain(p Pair) Explanation {
	x := Explanation{Probability: p.Probability, Weight: p.Weight, PriorWeight: md.prior, Rivals: p.Rivals}
	for f := range fields {
		fs := FieldScore{Field: fields[f].Name, Label: fields[f].Label, Weight: float64(p.weights[f])}
		if l := p.levels[f]; l == missing {
			fs.Level, fs.Missing, fs.LevelIndex = "not recorded on both sides", true, -1
		} else {
			fs.Level, fs.LevelIndex = fields[f].Levels[l], int(l)
		}
		x.Fields = append(x.Fields, fs)
	}
	return x
}

// String is the explanation in one line, strongest evidence first, as a
// case worker reads it: "Given name: equivalent names … (+7.2); …".
func (x Explanation) String() string {
	var parts []string
	for _, f := range x.Fields {
		if f.Missing {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %s (%+.1f)", f.Label, f.Level, f.Weight))
	}
	s := fmt.Sprintf("%.1f%% — %s; starting weight %.1f, total %+.1f bits", 100*x.Probability, strings.Join(parts, "; "), x.PriorWeight, x.Weight)
	if x.Rivals >= 0.0005 {
		s += fmt.Sprintf("; other candidates for the same request take %.1f%%", 100*x.Rivals)
	}
	return s
}

// FieldLevels returns each compared field's machine name with its levels'
// English descriptions, strongest agreement first, in the order
// explanations list them: what a translation of explanations must cover.
func FieldLevels() []FieldScore {
	var out []FieldScore
	for f := range fields {
		for l, level := range fields[f].Levels {
			out = append(out, FieldScore{Field: fields[f].Name, Label: fields[f].Label, Level: level, LevelIndex: l})
		}
	}
	return out
}
