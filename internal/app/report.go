package app

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// CategoryTurned18 is the reporting category of a child who has turned 18
// since the displacement: counted on its own whatever the reason for the
// separation, since what follows (consent, travel) is an adult's.
const CategoryTurned18 = "turned_18_since_displacement"

// WeekRow is how many children were reunited in one week, in one category.
type WeekRow struct {
	Week     string `json:"week"` // the Monday, YYYY-MM-DD
	Category string `json:"category"`
	Count    int    `json:"count"`
}

// StateRow is how many cases are in a state now, and how long cases spent
// in it: the median over every stay, finished or not, in days.
type StateRow struct {
	State      string  `json:"state"`
	Cases      int     `json:"cases"`
	MedianDays float64 `json:"median_days"`
	Stays      int     `json:"stays"`
}

// Report is the pipeline and the weekly reunifications.
type Report struct {
	Scope    string     `json:"scope"` // "all" or the organisation's id
	Weekly   []WeekRow  `json:"weekly"`
	Pipeline []StateRow `json:"pipeline"`
	Total    int        `json:"total_cases"`
	// Commitments are the figures of meetings, commitments and handover
	// operations, over the meetings the organisation took part in (the
	// operator over every organisation: all), overdue ones flagged.
	Commitments Figures `json:"commitments"`
}

// reportCategory is the category a case is counted in.
func reportCategory(c store.Case) string {
	if c.Turned18 == string(domain.Yes) {
		return CategoryTurned18
	}
	return c.Category
}

// Report returns the figures over the cases p's organisation is a party to;
// for the mediator and the operator, over all cases. Figures hold counts
// and durations only, no one's data.
func (a *App) Report(ctx context.Context, p access.Principal) (Report, error) {
	if !p.Can(access.ReadRecords) && !p.Can(access.ReviewMatches) && !p.IsOperator() {
		return Report{}, ErrForbidden
	}
	rep := Report{Scope: p.OrgID}
	f := store.CaseFilter{PartyOf: p.OrgID}
	if p.IsOperator() || p.OrgKind == domain.OrgMediator {
		f.PartyOf, rep.Scope = "", "all"
	}
	now := a.store.Now()
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if rep.Commitments, err = a.figures(ctx, tx, p); err != nil {
			return err
		}
		cs, err := tx.Cases(ctx, f)
		if err != nil {
			return err
		}
		rep.Total = len(cs)
		mine := map[string]store.Case{}
		weeks := map[[2]string]int{}
		current := map[string]int{}
		for _, c := range cs {
			mine[c.ID] = c
			current[c.State]++
			if c.ReunitedOn != "" {
				if d, err := time.Parse(time.DateOnly, c.ReunitedOn); err == nil {
					weeks[[2]string{monday(d).Format(time.DateOnly), reportCategory(c)}]++
				}
			}
		}
		for k, n := range weeks {
			rep.Weekly = append(rep.Weekly, WeekRow{Week: k[0], Category: k[1], Count: n})
		}
		sort.Slice(rep.Weekly, func(i, j int) bool {
			if rep.Weekly[i].Week != rep.Weekly[j].Week {
				return rep.Weekly[i].Week < rep.Weekly[j].Week
			}
			return rep.Weekly[i].Category < rep.Weekly[j].Category
		})
		// Stays: from the event that entered a state to the one that left
		// it, or to now for the state a case is in.
		stays := map[string][]float64{}
		var prev *store.CaseEvent
		flush := func(next *store.CaseEvent) {
			if prev == nil {
				return
			}
			end := now
			if next != nil && next.CaseID == prev.CaseID {
				end = next.At
			} else if cases.State(prev.To).Terminal() {
				return // a case that ended does not keep counting days
			}
			stays[prev.To] = append(stays[prev.To], end.Sub(prev.At).Hours()/24)
		}
		err = tx.AllCaseEvents(ctx, func(e store.CaseEvent) error {
			if _, ok := mine[e.CaseID]; !ok {
				return nil
			}
			flush(&e)
			prev = &e
			return nil
		})
		flush(nil)
		for _, s := range cases.States {
			st := string(s)
			row := StateRow{State: st, Cases: current[st], Stays: len(stays[st]), MedianDays: median(stays[st])}
			rep.Pipeline = append(rep.Pipeline, row)
		}
		return err
	})
	if rep.Weekly == nil {
		rep.Weekly = []WeekRow{}
	}
	return rep, err
}

// monday is the Monday of t's ISO week.
func monday(t time.Time) time.Time {
	wd := (int(t.Weekday()) + 6) % 7 // Monday 0
	return t.AddDate(0, 0, -wd)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return round1(s[m])
	}
	return round1((s[m-1] + s[m]) / 2)
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
