package app

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/report"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Age bands at reunification, in order; AgeUnknown when the birth date is
// unknown or its range spans two bands.
var AgeBands = []string{"0-4", "5-9", "10-14", "15-17", "18+"}

// Unknown labels a row whose value is not known (no oblast recorded, an
// erased record, a birth date too vague for one band).
const Unknown = "unknown"

// PublicTable is one published table: rows by one variable, columns by
// category, every number as text ("<5" for a small count, "x" for one
// withheld so that a small one cannot be worked out).
type PublicTable struct {
	By        string      `json:"by"` // week, oblast or age_band
	Rows      []PublicRow `json:"rows"`
	ColTotals []string    `json:"category_totals"`
	Total     string      `json:"total"`
}

// PublicRow is one row of a PublicTable.
type PublicRow struct {
	Label string   `json:"label"`
	Cells []string `json:"cells"`
	Total string   `json:"total"`
}

// PublicStatistics is what may be published without sign-in: counts of
// reunified children by category, and by week, oblast of last home and age
// band at reunification, with small counts suppressed (package report).
// No row is about one person, and no suppressed count can be worked out
// from the published ones, the three tables taken together.
type PublicStatistics struct {
	Threshold   int           `json:"threshold"`
	GeneratedAt time.Time     `json:"generated_at"`
	Categories  []string      `json:"categories"`
	Tables      []PublicTable `json:"tables"`
}

// publicCache keeps the statistics for publicTTL: the page is public, and
// each computation reads every reunified case.
type publicCache struct {
	mu   sync.Mutex
	at   time.Time
	stat *PublicStatistics
}

const publicTTL = 10 * time.Minute

// PublicCategories are the columns of the public tables.
func PublicCategories() []string {
	out := make([]string, 0, len(domain.Categories)+1)
	for _, c := range domain.Categories {
		out = append(out, string(c))
	}
	return append(out, CategoryTurned18)
}

// PublicStatistics returns the public statistics, computed at most once
// every ten minutes. Anyone may ask: there is no principal. Each computation
// is audited (it reads every reunified case's child record).
func (a *App) PublicStatistics(ctx context.Context) (PublicStatistics, error) {
	a.public.mu.Lock()
	defer a.public.mu.Unlock()
	now := a.store.Now()
	if a.public.stat != nil && now.Sub(a.public.at) < publicTTL && !now.Before(a.public.at) {
		return *a.public.stat, nil
	}
	st, err := a.computePublic(ctx)
	if err != nil {
		return st, err
	}
	a.public.stat, a.public.at = &st, now
	return st, nil
}

// publicCase is what the tables count of one reunified case.
type publicCase struct {
	category, week, oblast, band string
}

func (a *App) computePublic(ctx context.Context) (PublicStatistics, error) {
	st := PublicStatistics{Threshold: report.Threshold, GeneratedAt: a.store.Now(), Categories: PublicCategories()}
	var counted []publicCase
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		cs, err := tx.Cases(ctx, store.CaseFilter{})
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.ReunitedOn == "" {
				continue
			}
			on, err := time.Parse(time.DateOnly, c.ReunitedOn)
			if err != nil {
				continue
			}
			pc := publicCase{category: reportCategory(c), week: monday(on).Format(time.DateOnly), oblast: Unknown, band: Unknown}
			if !slices.Contains(st.Categories, pc.category) {
				pc.category = string(domain.CategoryOther)
			}
			ch, err := tx.Record(ctx, c.ChildID, false)
			if err != nil {
				return err
			}
			if o := ch.Person.LastHome.Oblast; o != "" {
				pc.oblast = o
			}
			pc.band = ageBand(ch.Person.BirthDate, domain.DateOf(on))
			counted = append(counted, pc)
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: "public", Action: "statistics.compute", Outcome: store.OutcomeOK,
			Detail: "reunified cases counted: " + itoa(len(counted))})
	})
	if err != nil {
		return st, err
	}
	vars := []struct {
		by    string
		of    func(publicCase) string
		order []string
	}{
		{"week", func(p publicCase) string { return p.week }, nil},
		{"oblast", func(p publicCase) string { return p.oblast }, nil},
		{"age_band", func(p publicCase) string { return p.band }, append(slices.Clone(AgeBands), Unknown)},
	}
	col := map[string]int{}
	for j, c := range st.Categories {
		col[c] = j
	}
	tables := make([]report.Table, len(vars))
	for k, v := range vars {
		rows := v.order
		if rows == nil {
			seen := map[string]bool{}
			for _, p := range counted {
				if l := v.of(p); !seen[l] {
					seen[l] = true
					rows = append(rows, l)
				}
			}
			sort.Strings(rows)
		}
		idx := map[string]int{}
		t := report.Table{Rows: rows, Cols: st.Categories, Cells: make([][]int, len(rows))}
		for i, r := range rows {
			idx[r] = i
			t.Cells[i] = make([]int, len(st.Categories))
		}
		for _, p := range counted {
			t.Cells[idx[v.of(p)]][col[p.category]]++
		}
		tables[k] = t
	}
	for k, p := range report.SuppressLinked(tables) {
		pt := PublicTable{By: vars[k].by, Total: p.Total.Text(), Rows: []PublicRow{}}
		for i, label := range p.Rows {
			row := PublicRow{Label: label, Total: p.RowTotals[i].Text()}
			for _, c := range p.Cells[i] {
				row.Cells = append(row.Cells, c.Text())
			}
			pt.Rows = append(pt.Rows, row)
		}
		for _, c := range p.ColTotals {
			pt.ColTotals = append(pt.ColTotals, c.Text())
		}
		st.Tables = append(st.Tables, pt)
	}
	return st, nil
}

// ageBand is the band of the age at reunification, if the birth date puts
// it in one.
func ageBand(birth domain.FuzzyDate, on domain.Date) string {
	young, old, ok := domain.AgeRange(birth, on)
	if !ok {
		return Unknown
	}
	band := func(age int) string {
		switch {
		case age < 5:
			return AgeBands[0]
		case age < 10:
			return AgeBands[1]
		case age < 15:
			return AgeBands[2]
		case age < 18:
			return AgeBands[3]
		}
		return AgeBands[4]
	}
	if band(young) != band(old) {
		return Unknown
	}
	return band(young)
}

func itoa(n int) string { return report.Cell{Value: n}.Text() }
