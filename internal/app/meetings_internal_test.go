package app

import (
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// TestEvaluateCommitment: a commitment's status from the days its items
// reached the milestone, the due day and today.
func TestEvaluateCommitment(t *testing.T) {
	items := func(reached ...string) []CommitmentItem {
		var out []CommitmentItem
		for _, r := range reached {
			out = append(out, CommitmentItem{CaseID: "c", ReachedOn: r})
		}
		return out
	}
	withdrawn := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		items     []CommitmentItem
		today     string
		withdrawn bool
		status    string
		met       int
		late      bool
		overdue   int
	}{
		{"nothing yet", items("", "", ""), "2026-03-10", false, StatusOpen, 0, false, 0},
		{"nothing on the due day", items("", ""), "2026-03-20", false, StatusOpen, 0, false, 0},
		{"nothing after it", items("", ""), "2026-03-23", false, StatusOverdue, 0, false, 3},
		{"two of three", items("2026-03-10", "2026-03-10", ""), "2026-03-15", false, StatusPartlyMet, 2, false, 0},
		{"two of three, late", items("2026-03-10", "2026-03-10", ""), "2026-03-21", false, StatusOverdue, 2, false, 1},
		{"all on the due day", items("2026-03-10", "2026-03-20"), "2026-04-01", false, StatusMet, 2, false, 0},
		{"all, the last late", items("2026-03-10", "2026-03-21"), "2026-03-21", false, StatusMet, 2, true, 0},
		{"withdrawn", items("2026-03-10", ""), "2026-04-01", true, StatusWithdrawn, 1, false, 0},
		{"covers nothing", nil, "2026-03-01", false, StatusOpen, 0, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := store.Commitment{Kind: CommitReturnChildren, MadeOn: "2026-03-02", DueOn: "2026-03-20"}
			if tc.withdrawn {
				c.WithdrawnAt = withdrawn
			}
			var today domain.Date
			if err := today.UnmarshalText([]byte(tc.today)); err != nil {
				t.Fatal(err)
			}
			v := evaluate(c, tc.items, today)
			if v.Status != tc.status || v.Met != tc.met || v.Late != tc.late || v.OverdueDays != tc.overdue || v.Covered != len(tc.items) {
				t.Fatalf("got %s, %d met, late %v, %d days overdue; want %s, %d, %v, %d", v.Status, v.Met, v.Late, v.OverdueDays, tc.status, tc.met, tc.late, tc.overdue)
			}
		})
	}
}

// TestReached: the first event at the milestone or past it on the main
// path; a side exit never reaches it.
func TestReached(t *testing.T) {
	ev := func(to ...cases.State) []store.CaseEvent {
		var out []store.CaseEvent
		for i, s := range to {
			out = append(out, store.CaseEvent{To: string(s), At: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC)})
		}
		return out
	}
	for _, tc := range []struct {
		events    []store.CaseEvent
		milestone cases.State
		day       int // 0: not reached
	}{
		{ev(cases.Confirmed, cases.IdentityVerified), cases.IdentityVerified, 2},
		{ev(cases.Confirmed, cases.IdentityVerified, cases.ConsentAndBestInterests, cases.HandoverPlanned, cases.Reunited, cases.FollowUp), cases.Reunited, 5},
		{ev(cases.Confirmed, cases.IdentityVerified, cases.ConsentAndBestInterests, cases.HandoverPlanned, cases.HandoverPlanned), cases.Reunited, 0},
		{ev(cases.Confirmed, cases.Withdrawn), cases.IdentityVerified, 0},
		{ev(cases.Confirmed), cases.Confirmed, 1},
		{ev(cases.Confirmed, cases.IdentityVerified, cases.ConsentAndBestInterests), Milestone(CommitAllowContact), 3},
	} {
		got, ok := reached(tc.events, tc.milestone)
		if ok != (tc.day != 0) || ok && got.Day() != tc.day {
			t.Errorf("%v to %s: %v %v, want day %d", tc.events, tc.milestone, got, ok, tc.day)
		}
	}
}
