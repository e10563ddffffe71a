package web

import (
	"fmt"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// chartCategories are the reporting categories in the order the chart
// stacks them, each with its colour class.
var chartCategories = []string{
	string(domain.CategoryFrontline), string(domain.CategoryAcrossBorder), string(domain.CategoryInstitution),
	string(domain.CategoryOther), app.CategoryTurned18,
}

type bar struct {
	X, Y, W, H int
	Category   string
	Count      int
	Week       string
}

type weekChart struct {
	Width, Height int
	Bars          []bar
	Labels        []struct {
		X    int
		Text string
	}
	Max   int
	Weeks []weekRow // the same figures as a table, for screen readers and print
	Cats  []string
}

type weekRow struct {
	Week   time.Time
	Counts []int
	Total  int
}

// chartWeeks lays out the last weeks' reunifications as stacked bars in
// an SVG drawn by the server: no script, readable on a slow link.
func chartWeeks(rows []app.WeekRow, now time.Time, weeks int) weekChart {
	start := mondayOf(now).AddDate(0, 0, -7*(weeks-1))
	counts := make([]map[string]int, weeks)
	for i := range counts {
		counts[i] = map[string]int{}
	}
	for _, r := range rows {
		d, err := time.Parse(time.DateOnly, r.Week)
		if err != nil || d.Before(start) {
			continue
		}
		i := int(d.Sub(start).Hours() / (24 * 7))
		if i >= 0 && i < weeks {
			counts[i][r.Category] += r.Count
		}
	}
	c := weekChart{Width: 640, Height: 200, Cats: chartCategories}
	max := 1
	for i := range counts {
		t := 0
		row := weekRow{Week: start.AddDate(0, 0, 7*i)}
		for _, cat := range chartCategories {
			row.Counts = append(row.Counts, counts[i][cat])
			t += counts[i][cat]
		}
		row.Total = t
		c.Weeks = append(c.Weeks, row)
		if t > max {
			max = t
		}
	}
	c.Max = max
	plotH, slot := c.Height-30, c.Width/weeks
	for i, row := range c.Weeks {
		y := plotH
		for k, cat := range chartCategories {
			n := row.Counts[k]
			if n == 0 {
				continue
			}
			h := n * (plotH - 10) / max
			if h < 2 {
				h = 2
			}
			y -= h
			c.Bars = append(c.Bars, bar{X: i*slot + 4, Y: y, W: slot - 8, H: h, Category: cat, Count: n, Week: row.Week.Format(time.DateOnly)})
		}
		if i%2 == 0 || weeks <= 8 {
			c.Labels = append(c.Labels, struct {
				X    int
				Text string
			}{i*slot + slot/2, row.Week.Format("02.01")})
		}
	}
	return c
}

func mondayOf(t time.Time) time.Time {
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

type dashboardData struct {
	Report    *app.Report
	MaxState  int
	Chart     weekChart
	Turned18  int
	Cases18   []store.Case
	Waiting   []app.QueueItem
	WaitCount int
	CanReview bool
	// Overdue are the first overdue commitments of the meetings the
	// user's organisation was at; OverdueCount all of them.
	Overdue      []app.CommitmentView
	OverdueCount int
	CanMeetings  bool
	Orgs         map[string]string
}

func (s *Server) dashboard(rq *request) error {
	ctx, p := rq.r.Context(), rq.principal()
	d := dashboardData{}
	if rep, err := s.app.Report(ctx, p); err == nil {
		d.Report = &rep
		for _, row := range rep.Pipeline {
			d.MaxState = max(d.MaxState, row.Cases)
		}
		d.Chart = chartWeeks(rep.Weekly, s.app.Store().Now(), 12)
		cs, err := s.app.Cases(ctx, p, "", string(domain.Yes))
		if err != nil {
			return err
		}
		d.Turned18 = len(cs)
		if len(cs) > 5 {
			cs = cs[:5]
		}
		d.Cases18 = cs
	} else if err != app.ErrForbidden {
		return err
	}
	if ov, err := s.app.OverdueCommitments(ctx, p); err == nil {
		d.CanMeetings, d.OverdueCount = true, len(ov)
		d.Overdue = ov[:min(len(ov), 5)]
		if len(ov) > 0 {
			if d.Orgs, _, err = s.orgNames(rq); err != nil {
				return err
			}
		}
	} else if err != app.ErrForbidden {
		return err
	}
	if p.Can(access.ReviewMatches) {
		d.CanReview = true
		// What waits for this user: pairs their organisation has not
		// voted on yet; the first few are shown (and read, so audited).
		ids, err := s.app.WaitingPairs(ctx, p)
		if err != nil {
			return err
		}
		d.WaitCount = len(ids)
		for _, id := range ids[:min(len(ids), 8)] {
			it, err := s.app.Candidate(ctx, p, id)
			if err != nil {
				return err
			}
			d.Waiting = append(d.Waiting, it)
		}
	}
	s.render(rq, 200, "dashboard", "nav.dashboard", "", d)
	return nil
}

func votedBy(it app.QueueItem, org string) bool {
	for _, v := range it.Votes {
		if v.OrgID == org {
			return true
		}
	}
	return false
}

// barWidth scales a pipeline count to a percentage class (0..100 by 5s):
// widths come from the stylesheet, since the policy forbids inline style.
func barWidth(n, max int) string {
	if max == 0 || n == 0 {
		return "w0"
	}
	w := (n*20 + max - 1) / max * 5
	return fmt.Sprintf("w%d", w)
}
