package app_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/app/apptest"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func day(s string) domain.Date {
	var d domain.Date
	if err := d.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return d
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// meetingWorld: ua (the families' side), ru (the children's side), the
// mediator, and an outsider government that takes part in nothing; three
// cases between ua and ru, ready for a handover.
type meetingWorld struct {
	a                     *app.App
	clock                 *apptest.Clock
	ua, ru, med, outsider access.Principal
	ex                    apptest.Exchange
}

func newMeetingWorld(t *testing.T, dsn string) *meetingWorld {
	t.Helper()
	return newMeetingWorldN(t, dsn, 3)
}

// newMeetingWorldN is newMeetingWorld with n cases.
func newMeetingWorldN(t *testing.T, dsn string, n int) *meetingWorld {
	t.Helper()
	ctx := context.Background()
	w := &meetingWorld{clock: apptest.NewClock(at("2026-03-02T09:00:00Z"))}
	s := storetest.Open(t, dsn, store.Options{Now: w.clock.Now})
	w.a = newApp(t, s)
	root := access.Operator("test", domain.Organisation{})
	for _, o := range []struct {
		p    *access.Principal
		slug string
		kind domain.OrgKind
	}{{&w.ua, "ua", domain.OrgGovernment}, {&w.ru, "ru", domain.OrgGovernment}, {&w.med, "med", domain.OrgMediator}, {&w.outsider, "by", domain.OrgGovernment}} {
		org, err := w.a.CreateOrg(ctx, root, domain.Organisation{Slug: o.slug, Name: strings.ToUpper(o.slug), Kind: o.kind})
		if err != nil {
			t.Fatal(err)
		}
		*o.p = access.Operator("test", org)
	}
	w.ex = apptest.Cases(t, w.a, w.ua, w.ru, w.med.OrgID, n)
	return w
}

func (w *meetingWorld) caseState(t *testing.T, id string) string {
	t.Helper()
	cv, err := w.a.Case(context.Background(), w.ua, id)
	if err != nil {
		t.Fatal(err)
	}
	return cv.State
}

func fieldOf(err error) string {
	var v *domain.ValidationError
	if errors.As(err, &v) {
		return v.Fields[0].Field
	}
	return ""
}

// TestMeetingCommitmentOperationStory is issue 9's "done when": a meeting
// records a commitment to return three children by a date; an operation
// with those three cases completes for two and leaves one behind with a
// reason; the commitment is partly met, turns overdue after its date (the
// store's clock set by the test), and the figures say so. Then the third
// child comes home late, and the figures say that too. Organisations that
// were not at the meeting see none of it.
func TestMeetingCommitmentOperationStory(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newMeetingWorld(t, dsn)
		a := w.a
		caseIDs := []string{w.ex.Cases[0].ID, w.ex.Cases[1].ID, w.ex.Cases[2].ID}

		// The meeting, recorded by the mediator, with both lists presented.
		const minutes = "Agreed: three children to return by 20 March. SECRET-NAME-Тестова"
		m, err := a.RecordMeeting(ctx, w.med, app.MeetingInput{HeldOn: day("2026-03-02"), Place: "Doha", Organisations: []string{"ua", "ru"},
			ListIDs: []string{w.ex.RequestList.ID, w.ex.ChildList.ID}, Minutes: minutes})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.OrgIDs) != 3 || len(m.ListIDs) != 2 {
			t.Fatalf("meeting: %+v", m.Meeting)
		}
		// The minutes are sealed at rest.
		a.Store().InTx(ctx, func(tx *store.Tx) error {
			raw, err := tx.Meeting(ctx, m.ID)
			if err != nil || len(raw.MinutesSealed) == 0 || bytes.Contains(raw.MinutesSealed, []byte("SECRET")) {
				t.Errorf("minutes not sealed at rest: %v", err)
			}
			return nil
		})
		if _, err := a.RecordMeeting(ctx, w.med, app.MeetingInput{HeldOn: day("2026-03-09"), Place: "x", Organisations: []string{"ua"}}); fieldOf(err) != "held_on" {
			t.Errorf("a meeting in the future: %v", err)
		}
		if _, err := a.RecordMeeting(ctx, w.outsider, app.MeetingInput{HeldOn: day("2026-03-01"), Place: "x", Organisations: []string{"ua"}, ListIDs: []string{w.ex.RequestList.ID}}); fieldOf(err) != "list_ids[0]" {
			t.Errorf("presenting a list one never received: %v", err)
		}

		// The commitment: ru returns the three children to ua by 20 March.
		c, err := a.MakeCommitment(ctx, w.med, m.ID, app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitReturnChildren, DueOn: day("2026-03-20"), CaseIDs: caseIDs})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != app.StatusOpen || c.Covered != 3 || c.Met != 0 || c.MadeOn != "2026-03-02" || c.Milestone != "reunited" {
			t.Fatalf("new commitment: %+v", c)
		}
		for _, bad := range []struct {
			in    app.CommitmentInput
			field string
		}{
			{app.CommitmentInput{From: "ru", To: "by", Kind: app.CommitReturnChildren, DueOn: day("2026-03-20"), CaseIDs: caseIDs}, "to"},
			{app.CommitmentInput{From: "ru", To: "ua", Kind: "promise", DueOn: day("2026-03-20"), CaseIDs: caseIDs}, "kind"},
			{app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitReturnChildren, DueOn: day("2026-03-01"), CaseIDs: caseIDs}, "due_on"},
			{app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitVerifyIdentities, DueOn: day("2026-03-20"), CaseIDs: caseIDs}, "case_ids[0]"}, // already verified
			{app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitReturnChildren, DueOn: day("2026-03-20"), CaseIDs: []string{"9d3c2a8e-0000-7000-8000-000000000000"}}, "case_ids[0]"},
			{app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitSearchAndAnswer, DueOn: day("2026-03-20"), Rows: []store.ListRow{{ListID: w.ex.RequestList.ID, RecordID: w.ex.Cases[0].ChildID}}}, "rows[0].record_id"},
		} {
			if _, err := a.MakeCommitment(ctx, w.med, m.ID, bad.in); fieldOf(err) != bad.field {
				t.Errorf("%+v: %v, want an error on %s", bad.in, err, bad.field)
			}
		}

		// The operation: the three children, through a crossing point,
		// escorted from each side and by the mediator. Planning it takes
		// each case, through the state machine, to handover_planned.
		op, err := a.PlanOperation(ctx, w.ru, app.OperationInput{MeetingID: m.ID, Date: day("2026-03-10"), CrossingPoint: "Crossing point A",
			Escorts: []app.EscortInput{{Organisation: "ru", Name: "Escort R"}, {Organisation: "ua", Name: "Escort U"}, {Organisation: "med", Name: "Escort M"}},
			CaseIDs: caseIDs})
		if err != nil {
			t.Fatal(err)
		}
		if op.Status != store.OperationPlanned || op.ChildrenPlanned != 3 {
			t.Fatalf("planned: %+v", op)
		}
		for _, id := range caseIDs {
			if st := w.caseState(t, id); st != string(cases.HandoverPlanned) {
				t.Fatalf("case %s is %s after planning", id, st)
			}
		}
		if _, err := a.PlanOperation(ctx, w.ru, app.OperationInput{MeetingID: m.ID, Date: day("2026-03-11"), Route: "via a third country",
			Escorts: []app.EscortInput{{Organisation: "ru", Name: "E"}}, CaseIDs: caseIDs[:1]}); fieldOf(err) != "case_ids[0]" {
			t.Errorf("a case in two planned operations: %v", err)
		}

		// The handover day.
		w.clock.Set(at("2026-03-10T15:00:00Z"))
		handed := func(id string) app.HandoverInput {
			return app.HandoverInput{CaseID: id, HandedBy: "Escort R", ReceivedBy: "the mother", At: at("2026-03-10T11:00:00Z"), Documents: []string{"birth certificate", "medical record"}}
		}
		stayed := app.HandoverInput{CaseID: caseIDs[2], StayedBehind: "fever on the day; not fit to travel"}
		// Every child must be accounted for, and nothing moves otherwise.
		if _, err := a.CompleteOperation(ctx, w.ru, op.ID, app.CompletionInput{Children: []app.HandoverInput{handed(caseIDs[0]), handed(caseIDs[1])}}); fieldOf(err) != "children" {
			t.Fatalf("a child unaccounted for: %v", err)
		}
		if _, err := a.CompleteOperation(ctx, w.ru, op.ID, app.CompletionInput{Children: []app.HandoverInput{handed(caseIDs[0]), handed(caseIDs[1]), {CaseID: caseIDs[2]}}}); fieldOf(err) != "children[2].handed_by" {
			t.Fatalf("a child neither handed over nor with a reason: %v", err)
		}
		future := handed(caseIDs[0])
		future.At = at("2026-03-10T16:00:00Z")
		if _, err := a.CompleteOperation(ctx, w.ru, op.ID, app.CompletionInput{Children: []app.HandoverInput{handed(caseIDs[1]), stayed, future}}); fieldOf(err) != "children[2].at" {
			t.Fatalf("a handover in the future: %v", err)
		}
		if st := w.caseState(t, caseIDs[1]); st != string(cases.HandoverPlanned) {
			t.Fatalf("a refused completion moved a case: %s", st)
		}
		done, err := a.CompleteOperation(ctx, w.ru, op.ID, app.CompletionInput{Children: []app.HandoverInput{handed(caseIDs[0]), handed(caseIDs[1]), stayed}})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != store.OperationCompleted || done.ChildrenReunited != 2 || done.ChildrenStayedBehind != 1 {
			t.Fatalf("completed: %+v", done)
		}
		for i, want := range []string{"reunited", "reunited", "handover_planned"} {
			if st := w.caseState(t, caseIDs[i]); st != want {
				t.Fatalf("case %d is %s, want %s", i, st, want)
			}
		}
		for _, ch := range done.Children {
			if ch.CaseID == caseIDs[2] && (ch.Outcome != store.ChildStayedBehind || ch.Reason != stayed.StayedBehind) ||
				ch.CaseID != caseIDs[2] && (ch.Outcome != store.ChildHandedOver || ch.ReceivedBy != "the mother" || len(ch.Documents) != 2 || !ch.HandedAt.Equal(at("2026-03-10T11:00:00Z"))) {
				t.Fatalf("handover record: %+v", ch)
			}
		}
		if _, err := a.CompleteOperation(ctx, w.ru, op.ID, app.CompletionInput{Children: []app.HandoverInput{handed(caseIDs[2])}}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("completing twice: %v", err)
		}

		// Partly met.
		c, err = a.Commitment(ctx, w.ua, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != app.StatusPartlyMet || c.Met != 2 || c.Covered != 3 {
			t.Fatalf("after the operation: %s, %d of %d", c.Status, c.Met, c.Covered)
		}
		figs, err := a.MeetingFigures(ctx, w.ua)
		if err != nil {
			t.Fatal(err)
		}
		if figs.Total.Made != 1 || figs.Total.PartlyMet != 1 || figs.Total.Overdue != 0 || len(figs.Overdue) != 0 ||
			figs.Total.Reunifications != 2 || figs.Total.MedianDaysToReunification != 8 {
			t.Fatalf("figures before the due day: %+v", figs.Total)
		}
		if len(figs.Operations) != 1 || figs.Operations[0].Planned != 3 || figs.Operations[0].Reunited != 2 || figs.Operations[0].StayedBehind != 1 {
			t.Fatalf("operation figures: %+v", figs.Operations)
		}

		// The day after the due day: overdue, flagged, and counted.
		w.clock.Set(at("2026-03-21T08:00:00Z"))
		c, _ = a.Commitment(ctx, w.ua, c.ID)
		if c.Status != app.StatusOverdue || c.Met != 2 || c.OverdueDays != 1 {
			t.Fatalf("after the due day: %+v", c)
		}
		overdue, err := a.OverdueCommitments(ctx, w.ua)
		if err != nil || len(overdue) != 1 || overdue[0].ID != c.ID {
			t.Fatalf("overdue for the dashboard: %+v %v", overdue, err)
		}
		rep, err := a.Report(ctx, access.Operator("test", domain.Organisation{}))
		if err != nil {
			t.Fatal(err)
		}
		figs = rep.Commitments
		if figs.Scope != "all" || figs.Total.Overdue != 1 || figs.Total.PartlyMet != 0 || len(figs.Overdue) != 1 || len(figs.ByMeeting) != 1 || figs.ByMeeting[0].Overdue != 1 {
			t.Fatalf("report after the due day: %+v", figs)
		}
		if len(figs.ByOrganisation) != 1 || figs.ByOrganisation[0].Slug != "ru" || figs.ByOrganisation[0].Overdue != 1 || figs.ByOrganisation[0].MedianDaysToReunification != 8 {
			t.Fatalf("by organisation: %+v", figs.ByOrganisation)
		}

		// The third child travels later, in a second operation: the
		// commitment is met, late.
		op2, err := a.PlanOperation(ctx, w.ru, app.OperationInput{MeetingID: m.ID, Date: day("2026-03-24"), Route: "through a third country",
			Escorts: []app.EscortInput{{Organisation: "med", Name: "Escort M"}}, CaseIDs: caseIDs[2:]})
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(at("2026-03-24T18:00:00Z"))
		if _, err := a.CompleteOperation(ctx, w.ru, op2.ID, app.CompletionInput{Children: []app.HandoverInput{{CaseID: caseIDs[2], HandedBy: "Escort M", ReceivedBy: "the father", At: at("2026-03-24T12:00:00Z")}}}); err != nil {
			t.Fatal(err)
		}
		c, _ = a.Commitment(ctx, w.ru, c.ID)
		if c.Status != app.StatusMet || !c.Late || c.MetOn != "2026-03-24" {
			t.Fatalf("met late: %+v", c)
		}
		figs, _ = a.MeetingFigures(ctx, w.med)
		if figs.Total.MetLate != 1 || figs.Total.MetOnTime != 0 || figs.Total.Overdue != 0 || figs.Total.Reunifications != 3 || figs.Total.MedianDaysToReunification != 8 {
			t.Fatalf("figures once met late: %+v", figs.Total)
		}
		if _, err := a.WithdrawCommitment(ctx, w.ru, c.ID, "changed our minds"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("withdrawing a met commitment: %v", err)
		}

		// A commitment on a list row, withdrawn by the organisation that
		// made it, and by no other.
		sa, err := a.MakeCommitment(ctx, w.ua, m.ID, app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitSearchAndAnswer, DueOn: day("2026-04-30"),
			Rows: []store.ListRow{{ListID: w.ex.RequestList.ID, RecordID: w.ex.Spare.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if sa.Status != app.StatusOpen || len(sa.Items) != 1 || sa.Items[0].RecordID != w.ex.Spare.ID {
			t.Fatalf("row commitment: %+v", sa)
		}
		if _, err := a.WithdrawCommitment(ctx, w.ua, sa.ID, "not ours to withdraw"); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("withdrawn by the other side: %v", err)
		}
		if _, err := a.WithdrawCommitment(ctx, w.ru, sa.ID, " "); fieldOf(err) != "reason" {
			t.Fatalf("withdrawn without a reason: %v", err)
		}
		sa, err = a.WithdrawCommitment(ctx, w.ru, sa.ID, "the request was answered by letter")
		if err != nil || sa.Status != app.StatusWithdrawn || sa.WithdrawReason == "" {
			t.Fatalf("withdrawn: %+v %v", sa, err)
		}
		if _, err := a.WithdrawCommitment(ctx, w.ru, sa.ID, "again"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("withdrawn twice: %v", err)
		}

		// A meeting attachment, sealed, read back by a participant.
		pdf := []byte("%PDF-1.4 minutes scan")
		att, err := a.AddMeetingAttachment(ctx, w.med, m.ID, "minutes.pdf", pdf)
		if err != nil {
			t.Fatal(err)
		}
		if _, got, err := a.MeetingAttachment(ctx, w.ua, m.ID, att.ID); err != nil || !bytes.Equal(got, pdf) {
			t.Fatalf("attachment: %q %v", got, err)
		}

		// What a participant sees of the meeting.
		mv, err := a.Meeting(ctx, w.ua, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if mv.Minutes != minutes || len(mv.Lists) != 2 || len(mv.Commitments) != 2 || len(mv.Operations) != 2 || len(mv.Attachments) != 1 {
			t.Fatalf("meeting view: minutes %q, %d lists, %d commitments, %d operations, %d attachments", mv.Minutes, len(mv.Lists), len(mv.Commitments), len(mv.Operations), len(mv.Attachments))
		}

		// The outsider sees none of it: each is "not found", exactly as
		// something that does not exist.
		const missing = "01970000-0000-7000-8000-000000000000"
		o := w.outsider
		for name, fn := range map[string]func(id string) error{
			"meeting":    func(id string) error { _, err := a.Meeting(ctx, o, id); return err },
			"commitment": func(id string) error { _, err := a.Commitment(ctx, o, id); return err },
			"operation":  func(id string) error { _, err := a.Operation(ctx, o, id); return err },
			"commit": func(id string) error {
				_, err := a.MakeCommitment(ctx, o, id, app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitReturnChildren, DueOn: day("2026-04-01"), CaseIDs: caseIDs})
				return err
			},
			"withdraw": func(id string) error { _, err := a.WithdrawCommitment(ctx, o, id, "x"); return err },
			"complete": func(id string) error {
				_, err := a.CompleteOperation(ctx, o, id, app.CompletionInput{Children: []app.HandoverInput{stayed}})
				return err
			},
			"attachment": func(id string) error { _, _, err := a.MeetingAttachment(ctx, o, id, att.ID); return err },
		} {
			id := map[string]string{"meeting": m.ID, "commit": m.ID, "attachment": m.ID, "commitment": c.ID, "withdraw": sa.ID, "operation": op.ID, "complete": op2.ID}[name]
			err := fn(id)
			errMissing := fn(missing)
			if !errors.Is(err, store.ErrNotFound) || !errors.Is(errMissing, store.ErrNotFound) {
				t.Errorf("%s: outsider gets %v; a missing one %v: want not found for both", name, err, errMissing)
			}
		}
		if ms, _ := a.Meetings(ctx, o); len(ms) != 0 {
			t.Errorf("outsider lists %d meetings", len(ms))
		}
		if cs, _ := a.Commitments(ctx, o, ""); len(cs) != 0 {
			t.Errorf("outsider lists %d commitments", len(cs))
		}
		if ops, _ := a.Operations(ctx, o); len(ops) != 0 {
			t.Errorf("outsider lists %d operations", len(ops))
		}
		if f, _ := a.MeetingFigures(ctx, o); f.Total.Made != 0 || len(f.ByMeeting) != 0 || len(f.Operations) != 0 {
			t.Errorf("outsider's figures: %+v", f)
		}
		// A meeting of ua and the mediator alone is not ru's to see.
		private, err := a.RecordMeeting(ctx, w.ua, app.MeetingInput{HeldOn: day("2026-03-20"), Channel: "video call", Organisations: []string{"med"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Meeting(ctx, w.ru, private.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ru reads a meeting it was not at: %v", err)
		}
		if _, err := a.Meeting(ctx, w.med, private.ID); err != nil {
			t.Errorf("the mediator cannot read a meeting it was at: %v", err)
		}

		// Every act is on the ledger, and the minutes are not.
		leaves, err := a.LedgerEntries(ctx, w.ua, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, l := range leaves {
			if bytes.Contains(l.Leaf, []byte("SECRET")) || bytes.Contains(l.Leaf, []byte("mother")) {
				t.Fatalf("personal data on the ledger: %s", l.Leaf)
			}
			e, err := ledger.ParseLeaf(l.Leaf)
			if err != nil {
				t.Fatal(err)
			}
			kinds[e.Kind]++
		}
		for k, n := range map[string]int{app.KindMeetingRecorded: 2, app.KindCommitmentMade: 2, app.KindCommitmentWithdrawn: 1, app.KindOperationPlanned: 2, app.KindOperationCompleted: 2} {
			if kinds[k] != n {
				t.Errorf("%d %s entries, want %d (%v)", kinds[k], k, n, kinds)
			}
		}
	})
}
