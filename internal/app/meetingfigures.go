package app

import (
	"context"
	"sort"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/store"
)

// CommitmentCounts are the figures of a set of commitments: how many were
// made, and where they stand now.
type CommitmentCounts struct {
	Made      int `json:"commitments_made"`
	MetOnTime int `json:"met_on_time"`
	MetLate   int `json:"met_late"`
	Overdue   int `json:"overdue"`
	PartlyMet int `json:"partly_met"`
	Open      int `json:"open"`
	Withdrawn int `json:"withdrawn"`
	// MedianDaysToReunification is the median, over every child reunited
	// under a commitment to return children, of the days from the meeting
	// that made the commitment to the day the child's case reached
	// reunited; Reunifications is how many children that is.
	MedianDaysToReunification float64 `json:"median_days_to_reunification"`
	Reunifications            int     `json:"reunifications"`
	days                      []float64
}

func (c *CommitmentCounts) add(v CommitmentView) {
	c.Made++
	switch v.Status {
	case StatusMet:
		if v.Late {
			c.MetLate++
		} else {
			c.MetOnTime++
		}
	case StatusOverdue:
		c.Overdue++
	case StatusPartlyMet:
		c.PartlyMet++
	case StatusOpen:
		c.Open++
	case StatusWithdrawn:
		c.Withdrawn++
	}
	if !isReturn(v.Kind) {
		return
	}
	made, err := time.Parse(time.DateOnly, v.MadeOn)
	if err != nil {
		return
	}
	for _, it := range v.Items {
		if d, err := time.Parse(time.DateOnly, it.ReachedOn); err == nil {
			c.days = append(c.days, d.Sub(made).Hours()/24)
		}
	}
}

func (c *CommitmentCounts) finish() {
	c.Reunifications, c.MedianDaysToReunification = len(c.days), median(c.days)
}

// MeetingFigures are the figures of one meeting's commitments.
type MeetingFigures struct {
	MeetingID string `json:"meeting_id"`
	HeldOn    string `json:"held_on"`
	Place     string `json:"place,omitempty"`
	Channel   string `json:"channel,omitempty"`
	CommitmentCounts
}

// OrgFigures are the figures of the commitments one organisation made.
type OrgFigures struct {
	OrgID string `json:"organisation_id"`
	Slug  string `json:"slug"`
	CommitmentCounts
}

// OperationFigures are one operation's children: planned and reunited.
type OperationFigures struct {
	OperationID  string `json:"operation_id"`
	MeetingID    string `json:"meeting_id"`
	PlannedOn    string `json:"planned_on"`
	Status       string `json:"status"`
	Planned      int    `json:"children_planned"`
	Reunited     int    `json:"children_reunited"`
	StayedBehind int    `json:"children_stayed_behind"`
}

// Figures are the figures of meetings, commitments and operations over the
// meetings an organisation took part in (or all, for the operator): what
// each side promised and whether it was kept. Counts, days and ids only.
type Figures struct {
	Scope          string             `json:"scope"` // "all" or the organisation's id
	Total          CommitmentCounts   `json:"total"`
	ByMeeting      []MeetingFigures   `json:"by_meeting"`
	ByOrganisation []OrgFigures       `json:"by_organisation"` // by the organisation that made the commitments
	Operations     []OperationFigures `json:"operations"`
	// Overdue are the overdue commitments, flagged.
	Overdue []CommitmentView `json:"overdue"`
}

// MeetingFigures returns the figures over the meetings p's organisation
// took part in; for the operator over every organisation, all meetings.
func (a *App) MeetingFigures(ctx context.Context, p access.Principal) (Figures, error) {
	if !canReadMeetings(p) {
		return Figures{}, ErrForbidden
	}
	var f Figures
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { f, err = a.figures(ctx, tx, p); return err })
	return f, err
}

func (a *App) figures(ctx context.Context, tx *store.Tx, p access.Principal) (Figures, error) {
	f := Figures{Scope: p.OrgID, ByMeeting: []MeetingFigures{}, ByOrganisation: []OrgFigures{}, Operations: []OperationFigures{}, Overdue: []CommitmentView{}}
	org, ok := meetingScope(p)
	if !ok {
		return f, nil
	}
	if org == "" {
		f.Scope = "all"
	}
	meetings, err := tx.Meetings(ctx, org)
	if err != nil {
		return f, err
	}
	byMeeting := map[string]*MeetingFigures{}
	for i := len(meetings) - 1; i >= 0; i-- { // oldest first
		m := meetings[i]
		f.ByMeeting = append(f.ByMeeting, MeetingFigures{MeetingID: m.ID, HeldOn: m.HeldOn, Place: m.Place, Channel: m.Channel})
	}
	for i := range f.ByMeeting {
		byMeeting[f.ByMeeting[i].MeetingID] = &f.ByMeeting[i]
	}
	views, err := a.visibleCommitments(ctx, tx, p, "")
	if err != nil {
		return f, err
	}
	byOrg := map[string]*OrgFigures{}
	for _, v := range views {
		f.Total.add(v)
		if m := byMeeting[v.MeetingID]; m != nil {
			m.add(v)
		}
		o := byOrg[v.FromOrg]
		if o == nil {
			o = &OrgFigures{OrgID: v.FromOrg}
			if org, err := tx.Org(ctx, v.FromOrg); err == nil {
				o.Slug = org.Slug
			}
			byOrg[v.FromOrg] = o
		}
		o.add(v)
		if v.Status == StatusOverdue {
			f.Overdue = append(f.Overdue, v)
		}
	}
	f.Total.finish()
	for i := range f.ByMeeting {
		f.ByMeeting[i].finish()
	}
	for _, o := range byOrg {
		o.finish()
		f.ByOrganisation = append(f.ByOrganisation, *o)
	}
	sort.Slice(f.ByOrganisation, func(i, j int) bool { return f.ByOrganisation[i].Slug < f.ByOrganisation[j].Slug })
	ops, err := tx.Operations(ctx, store.OperationFilter{AttendedBy: org})
	if err != nil {
		return f, err
	}
	for _, o := range ops {
		v := operationView(o)
		f.Operations = append(f.Operations, OperationFigures{OperationID: o.ID, MeetingID: o.MeetingID, PlannedOn: o.PlannedOn, Status: o.Status,
			Planned: v.ChildrenPlanned, Reunited: v.ChildrenReunited, StayedBehind: v.ChildrenStayedBehind})
	}
	return f, nil
}
