package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Meetings, commitments and handover operations (issue 9).
//
// A meeting, its commitments and its operations are visible to the
// organisations that took part in it, and to no one else: to any other
// organisation they are "not found", exactly like something that does not
// exist. The command line's operator over all organisations (reports) sees
// every one.
//
// A commitment's status is computed, never typed in: each case (or list
// row) it covers meets it when the case reaches the commitment's milestone
// state (see Milestone) at the time its case event says; only a withdrawal,
// by the organisation that made it, is recorded by hand.

// Ledger kinds of meetings, commitments and operations.
const (
	KindMeetingRecorded     = "meeting.recorded"
	KindCommitmentMade      = "commitment.made"
	KindCommitmentWithdrawn = "commitment.withdrawn"
	KindOperationPlanned    = "operation.planned"
	KindOperationCompleted  = "operation.completed"
)

// Audit actions of meetings.
const (
	ActionMeetingRecord        = "meeting.record"
	ActionMeetingRead          = "meeting.read"
	ActionMeetingAttachmentAdd = "meeting.attachment.add"
	ActionMeetingAttachmentGet = "meeting.attachment.read"
	ActionCommit               = "commitment.make"
	ActionCommitWithdraw       = "commitment.withdraw"
	ActionCommitmentRead       = "commitment.read"
	ActionOperationPlan        = "operation.plan"
	ActionOperationComplete    = "operation.complete"
	ActionOperationRead        = "operation.read"
)

// Commitment kinds.
const (
	CommitReturnChildren   = "return_children"   // return these children
	CommitSearchAndAnswer  = "search_and_answer" // search for these children and answer by a date
	CommitVerifyIdentities = "verify_identities"
	CommitAllowContact     = "allow_contact"
	CommitReturnTurned18   = "return_turned_18" // return those who have turned 18 since displacement
)

// CommitmentKinds lists the kinds.
var CommitmentKinds = []string{CommitReturnChildren, CommitSearchAndAnswer, CommitVerifyIdentities, CommitAllowContact, CommitReturnTurned18}

// Commitment statuses. Only withdrawn is set by hand.
const (
	StatusOpen      = "open"
	StatusPartlyMet = "partly_met"
	StatusMet       = "met"
	StatusOverdue   = "overdue"
	StatusWithdrawn = "withdrawn"
)

// CommitmentStatuses lists the statuses.
var CommitmentStatuses = []string{StatusOpen, StatusPartlyMet, StatusMet, StatusOverdue, StatusWithdrawn}

// Milestone is the case state that meets a commitment of kind for one
// child: a case that has reached it, or any later state on the main path,
// has done what was promised.
//   - return_children, return_turned_18: reunited;
//   - verify_identities: identity_verified;
//   - allow_contact: consent_and_best_interests (the child's views and the
//     family's are only heard once they are in contact);
//   - search_and_answer: confirmed, i.e. a case was opened on the record:
//     the child was found and both sides confirmed it.
//
// A case that leaves the main path (declined, deceased, …) never meets it;
// the organisation that made the commitment may withdraw it, with a reason.
func Milestone(kind string) cases.State {
	switch kind {
	case CommitReturnChildren, CommitReturnTurned18:
		return cases.Reunited
	case CommitVerifyIdentities:
		return cases.IdentityVerified
	case CommitAllowContact:
		return cases.ConsentAndBestInterests
	case CommitSearchAndAnswer:
		return cases.Confirmed
	}
	return ""
}

// isReturn reports whether a kind promises reunifications: those count in
// the median days from commitment to reunification.
func isReturn(kind string) bool { return kind == CommitReturnChildren || kind == CommitReturnTurned18 }

// Limits on meeting inputs.
const (
	MaxMinutes           = 100_000 // characters
	MaxMeetingOrgs       = 20
	MaxMeetingLists      = 100
	MaxCommitmentItems   = 500
	MaxOperationChildren = 100
	MaxEscorts           = 20
	MaxDocuments         = 50
)

// canActAtMeetings: caseworkers record meetings, commitments and
// operations.
func canActAtMeetings(p access.Principal) bool { return p.Can(access.WriteRecords) && p.OrgID != "" }

// canReadMeetings: those who follow cases, and the operator.
func canReadMeetings(p access.Principal) bool { return canReadCases(p) || p.IsOperator() }

// meetingScope is the organisation whose meetings p sees ("" and all for the
// operator over every organisation); ok is false if p sees none.
func meetingScope(p access.Principal) (org string, ok bool) {
	if p.IsOperator() && p.OrgID == "" {
		return "", true
	}
	return p.OrgID, p.OrgID != ""
}

// attended reports whether p may see meeting m.
func attended(p access.Principal, m store.Meeting) bool {
	org, ok := meetingScope(p)
	return ok && (org == "" || slices.Contains(m.OrgIDs, org))
}

// visibleMeeting reads a meeting p's organisation took part in; any other
// is not found.
func visibleMeeting(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.Meeting, error) {
	m, err := tx.Meeting(ctx, id)
	if err != nil {
		return m, err
	}
	if !attended(p, m) {
		return store.Meeting{}, fmt.Errorf("meeting %s: %w", id, store.ErrNotFound)
	}
	return m, nil
}

func fieldErr(field, format string, args ...any) error {
	return &domain.ValidationError{Fields: []domain.FieldError{{Field: field, Detail: fmt.Sprintf(format, args...)}}}
}

// MeetingInput records a meeting.
type MeetingInput struct {
	HeldOn  domain.Date `json:"held_on"`
	Place   string      `json:"place,omitempty"`
	Channel string      `json:"channel,omitempty"` // for a meeting not held in one place: video call, letters…
	// Organisations are the others present (ids or slugs); the recording
	// organisation is present by definition.
	Organisations []string `json:"organisations"`
	ListIDs       []string `json:"list_ids,omitempty"` // lists presented at the meeting
	Minutes       string   `json:"minutes,omitempty"`  // free text, sealed at rest
}

// Validate checks the input on its own (today is the current day: a meeting
// is recorded once held). It cleans text fields in place.
func (in *MeetingInput) Validate(today domain.Date) error {
	var v domain.Validator
	in.Place, in.Channel, in.Minutes = domain.Clean(in.Place), domain.Clean(in.Channel), strings.TrimSpace(in.Minutes)
	switch {
	case in.HeldOn.IsZero():
		v.Add("held_on", "required: the day of the meeting, YYYY-MM-DD")
	case !in.HeldOn.Valid():
		v.Add("held_on", "%s is not a calendar day", in.HeldOn)
	case today.Before(in.HeldOn):
		v.Add("held_on", "%s is in the future: record a meeting once it has been held", in.HeldOn)
	}
	if in.Place == "" && in.Channel == "" {
		v.Add("place", "a place or a channel is required")
	}
	v.Text("place", in.Place, domain.MaxShortText)
	v.Text("channel", in.Channel, domain.MaxShortText)
	switch {
	case len(in.Organisations) == 0:
		v.Add("organisations", "name the other organisations present")
	case len(in.Organisations) > MaxMeetingOrgs:
		v.Add("organisations", "at most %d", MaxMeetingOrgs)
	}
	for i, o := range in.Organisations {
		if strings.TrimSpace(o) == "" || !utf8.ValidString(o) || len(o) > domain.MaxShortText {
			v.Add(fmt.Sprintf("organisations[%d]", i), "an organisation id or slug")
		}
	}
	if len(in.ListIDs) > MaxMeetingLists {
		v.Add("list_ids", "at most %d", MaxMeetingLists)
	}
	if !utf8.ValidString(in.Minutes) || utf8.RuneCountInString(in.Minutes) > MaxMinutes {
		v.Add("minutes", "at most %d characters of valid text", MaxMinutes)
	}
	return v.Err()
}

// minutesAD binds sealed minutes to their meeting.
func minutesAD(meetingID string) []byte { return []byte("reunite meeting minutes\x00" + meetingID) }

// meetingAttachmentAD binds a sealed attachment to its row and meeting.
func meetingAttachmentAD(at store.MeetingAttachment) []byte {
	return []byte("reunite meeting attachment\x00" + at.ID + "\x00" + at.MeetingID)
}

// MeetingView is a meeting as one of its organisations sees it.
type MeetingView struct {
	store.Meeting
	Minutes     string                    `json:"minutes,omitempty"`
	Lists       []store.List              `json:"lists"`
	Attachments []store.MeetingAttachment `json:"attachments"`
	Commitments []CommitmentView          `json:"commitments"`
	Operations  []OperationView           `json:"operations"`
}

// RecordMeeting records a meeting p's organisation took part in. Its
// minutes are sealed at rest; the ledger gets a commitment to them.
func (a *App) RecordMeeting(ctx context.Context, p access.Principal, in MeetingInput) (MeetingView, error) {
	if !canActAtMeetings(p) {
		return MeetingView{}, ErrForbidden
	}
	if a.keys == nil {
		return MeetingView{}, ErrNoKeys
	}
	if err := in.Validate(a.today()); err != nil {
		return MeetingView{}, err
	}
	m := store.Meeting{ID: store.NewMeetingID(), HeldOn: in.HeldOn.String(), Place: in.Place, Channel: in.Channel, RecordedBy: p.ID, RecordedOrg: p.OrgID}
	if in.Minutes != "" {
		var err error
		if m.MinutesKeyID, m.MinutesSealed, err = a.keys.Seal([]byte(in.Minutes), minutesAD(m.ID)); err != nil {
			return MeetingView{}, err
		}
	}
	var view MeetingView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		m.OrgIDs = []string{p.OrgID}
		for i, o := range in.Organisations {
			org, err := tx.Org(ctx, strings.TrimSpace(o))
			if errors.Is(err, store.ErrNotFound) {
				return fieldErr(fmt.Sprintf("organisations[%d]", i), "no organisation %q", o)
			}
			if err != nil {
				return err
			}
			if !slices.Contains(m.OrgIDs, org.ID) {
				m.OrgIDs = append(m.OrgIDs, org.ID)
			}
		}
		if len(m.OrgIDs) < 2 {
			return fieldErr("organisations", "a meeting is between at least two organisations")
		}
		var lists []store.List
		m.ListIDs = nil
		for i, id := range in.ListIDs {
			l, err := visibleList(ctx, tx, p, id)
			if errors.Is(err, store.ErrNotFound) {
				return fieldErr(fmt.Sprintf("list_ids[%d]", i), "no list %s that your organisation submitted or received", id)
			}
			if err != nil {
				return err
			}
			if !slices.Contains(m.OrgIDs, l.OrgID) {
				return fieldErr(fmt.Sprintf("list_ids[%d]", i), "list %d was submitted by an organisation that was not at the meeting", l.Number)
			}
			if !slices.Contains(m.ListIDs, l.ID) {
				m.ListIDs = append(m.ListIDs, l.ID)
				lists = append(lists, l)
			}
		}
		if err := tx.InsertMeeting(ctx, &m); err != nil {
			return err
		}
		e := ledger.Entry{Kind: KindMeetingRecorded, Subjects: subjects("meeting", m.ID),
			Detail: map[string]string{"held_on": m.HeldOn, "organisations": strconv.Itoa(len(m.OrgIDs)), "lists": strconv.Itoa(len(m.ListIDs))}}
		e.Subjects = append(e.Subjects, subjects("org", m.OrgIDs...)...)
		e.Subjects = append(e.Subjects, subjects("list", m.ListIDs...)...)
		if in.Minutes != "" {
			h, err := a.hashData(ctx, tx, in.Minutes)
			if err != nil {
				return err
			}
			e.DataHashes = []string{h}
		}
		if err := a.record(ctx, tx, p.OrgID, e); err != nil {
			return err
		}
		view = MeetingView{Meeting: m, Minutes: in.Minutes, Lists: nonNilSlice(lists), Attachments: []store.MeetingAttachment{},
			Commitments: []CommitmentView{}, Operations: []OperationView{}}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionMeetingRecord, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("meeting %s of %s with %d organisations, %d lists", m.ID, m.HeldOn, len(m.OrgIDs), len(m.ListIDs))})
	})
	return view, err
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Meetings lists the meetings p's organisation took part in, newest first,
// without their minutes.
func (a *App) Meetings(ctx context.Context, p access.Principal) ([]store.Meeting, error) {
	if !canReadMeetings(p) {
		return nil, ErrForbidden
	}
	org, ok := meetingScope(p)
	if !ok {
		return []store.Meeting{}, nil
	}
	var ms []store.Meeting
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { ms, err = tx.Meetings(ctx, org); return err })
	return nonNilSlice(ms), err
}

// Meeting returns a meeting p's organisation took part in: its minutes,
// lists, attachments, commitments with their status, and operations.
func (a *App) Meeting(ctx context.Context, p access.Principal, id string) (MeetingView, error) {
	if !canReadMeetings(p) {
		return MeetingView{}, ErrForbidden
	}
	if a.keys == nil {
		return MeetingView{}, ErrNoKeys
	}
	var v MeetingView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		m, err := visibleMeeting(ctx, tx, p, id)
		if err != nil {
			return err
		}
		v = MeetingView{Meeting: m, Lists: []store.List{}, Commitments: []CommitmentView{}, Operations: []OperationView{}}
		if m.MinutesSealed != nil {
			b, err := a.keys.Open(m.MinutesKeyID, m.MinutesSealed, minutesAD(m.ID))
			if err != nil {
				return fmt.Errorf("meeting %s: minutes: %w", m.ID, err)
			}
			v.Minutes = string(b)
		}
		for _, lid := range m.ListIDs {
			l, err := tx.List(ctx, lid)
			if err != nil {
				return err
			}
			v.Lists = append(v.Lists, l)
		}
		if v.Attachments, err = tx.MeetingAttachments(ctx, m.ID); err != nil {
			return err
		}
		cs, err := tx.Commitments(ctx, store.CommitmentFilter{MeetingID: m.ID})
		if err != nil {
			return err
		}
		for _, c := range cs {
			cv, err := a.commitmentView(ctx, tx, c)
			if err != nil {
				return err
			}
			v.Commitments = append(v.Commitments, cv)
		}
		ops, err := tx.Operations(ctx, store.OperationFilter{MeetingID: m.ID})
		if err != nil {
			return err
		}
		for _, o := range ops {
			v.Operations = append(v.Operations, operationView(o))
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionMeetingRead, Outcome: store.OutcomeOK,
			Detail: "meeting " + m.ID})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionMeetingRead, "meeting "+id)
	}
	return v, err
}

// AddMeetingAttachment stores a document on a meeting, sealed at rest.
func (a *App) AddMeetingAttachment(ctx context.Context, p access.Principal, meetingID, name string, content []byte) (store.MeetingAttachment, error) {
	if !canActAtMeetings(p) {
		return store.MeetingAttachment{}, ErrForbidden
	}
	if a.keys == nil {
		return store.MeetingAttachment{}, ErrNoKeys
	}
	name, ctype, err := checkAttachment(name, content)
	if err != nil {
		return store.MeetingAttachment{}, err
	}
	at := store.MeetingAttachment{ID: store.NewAttachmentID(), MeetingID: meetingID, OrgID: p.OrgID, Author: p.ID, Name: name, ContentType: ctype, Size: len(content)}
	if at.KeyID, at.Sealed, err = a.keys.Seal(content, meetingAttachmentAD(at)); err != nil {
		return at, err
	}
	err = a.store.InTx(ctx, func(tx *store.Tx) error {
		m, err := visibleMeeting(ctx, tx, p, meetingID)
		if err != nil {
			return err
		}
		if err := tx.InsertMeetingAttachment(ctx, &at); err != nil {
			return err
		}
		h, err := a.hashData(ctx, tx, string(content))
		if err != nil {
			return err
		}
		s := append(subjects("meeting", m.ID), subjects("attachment", at.ID)...)
		if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: KindAttachmentAdded, Subjects: s, DataHashes: []string{h},
			Detail: map[string]string{"content_type": ctype, "size": strconv.Itoa(at.Size)}}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionMeetingAttachmentAdd, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("meeting %s, attachment %s (%s, %d bytes)", m.ID, at.ID, ctype, at.Size)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionMeetingAttachmentAdd, "meeting "+meetingID)
	}
	at.Sealed = nil
	return at, err
}

// MeetingAttachment returns a meeting attachment's content, opened, to an
// organisation that took part in the meeting.
func (a *App) MeetingAttachment(ctx context.Context, p access.Principal, meetingID, id string) (store.MeetingAttachment, []byte, error) {
	if !canReadMeetings(p) {
		return store.MeetingAttachment{}, nil, ErrForbidden
	}
	if a.keys == nil {
		return store.MeetingAttachment{}, nil, ErrNoKeys
	}
	var at store.MeetingAttachment
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if _, err := visibleMeeting(ctx, tx, p, meetingID); err != nil {
			return err
		}
		if at, err = tx.MeetingAttachment(ctx, meetingID, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionMeetingAttachmentGet, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("meeting %s, attachment %s", meetingID, id)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionMeetingAttachmentGet, "meeting "+meetingID+" attachment "+id)
	}
	if err != nil {
		return store.MeetingAttachment{}, nil, err
	}
	content, err := a.keys.Open(at.KeyID, at.Sealed, meetingAttachmentAD(at))
	at.Sealed = nil
	return at, content, err
}

// CommitmentInput is a commitment made at a meeting.
type CommitmentInput struct {
	From    string          `json:"from"` // organisation id or slug
	To      string          `json:"to"`
	Kind    string          `json:"kind"`
	DueOn   domain.Date     `json:"due_on"`
	CaseIDs []string        `json:"case_ids,omitempty"`
	Rows    []store.ListRow `json:"rows,omitempty"` // records of lists presented at the meeting
}

// Validate checks the input on its own.
func (in *CommitmentInput) Validate() error {
	var v domain.Validator
	in.From, in.To = strings.TrimSpace(in.From), strings.TrimSpace(in.To)
	if in.From == "" {
		v.Add("from", "required: the organisation that commits")
	}
	if in.To == "" {
		v.Add("to", "required: the organisation committed to")
	}
	v.Text("from", in.From, domain.MaxShortText)
	v.Text("to", in.To, domain.MaxShortText)
	if !slices.Contains(CommitmentKinds, in.Kind) {
		v.Add("kind", "must be one of %s", strings.Join(CommitmentKinds, ", "))
	}
	switch {
	case in.DueOn.IsZero():
		v.Add("due_on", "required: the day it is due, YYYY-MM-DD")
	case !in.DueOn.Valid():
		v.Add("due_on", "%s is not a calendar day", in.DueOn)
	}
	switch n := len(in.CaseIDs) + len(in.Rows); {
	case n == 0:
		v.Add("case_ids", "a commitment covers at least one case or list row")
	case n > MaxCommitmentItems:
		v.Add("case_ids", "at most %d cases and rows together", MaxCommitmentItems)
	}
	for i, id := range in.CaseIDs {
		if strings.TrimSpace(id) == "" {
			v.Add(fmt.Sprintf("case_ids[%d]", i), "empty")
		}
	}
	for i, r := range in.Rows {
		if strings.TrimSpace(r.ListID) == "" {
			v.Add(fmt.Sprintf("rows[%d].list_id", i), "required")
		}
		if strings.TrimSpace(r.RecordID) == "" {
			v.Add(fmt.Sprintf("rows[%d].record_id", i), "required")
		}
	}
	return v.Err()
}

// CommitmentItem is one case or list row a commitment covers, and how far
// it has come.
type CommitmentItem struct {
	CaseID     string `json:"case_id,omitempty"`
	CaseNumber int    `json:"case_number,omitempty"`
	ListID     string `json:"list_id,omitempty"`
	RecordID   string `json:"record_id,omitempty"`
	// State is the case's state now; empty for a row no case covers yet.
	State string `json:"state,omitempty"`
	// ReachedOn is the day the case reached the commitment's milestone;
	// empty until then.
	ReachedOn string `json:"reached_on,omitempty"`
}

// CommitmentView is a commitment with its computed status.
type CommitmentView struct {
	store.Commitment
	Status    string           `json:"status"`
	Milestone string           `json:"milestone"`
	Items     []CommitmentItem `json:"items"`
	Covered   int              `json:"covered"`
	Met       int              `json:"met"` // items that reached the milestone
	// MetOn is the day the last item was met, once all are; Late says it
	// was after the due day.
	MetOn       string `json:"met_on,omitempty"`
	Late        bool   `json:"late,omitempty"`
	OverdueDays int    `json:"overdue_days,omitempty"`
}

// evaluate computes a commitment's status from its items, as of today.
// Overdue wins over partly met: a commitment two-thirds kept a week after
// its day is overdue, and says 2 of 3 met.
func evaluate(c store.Commitment, items []CommitmentItem, today domain.Date) CommitmentView {
	v := CommitmentView{Commitment: c, Items: nonNilSlice(items), Covered: len(items), Milestone: string(Milestone(c.Kind))}
	last := ""
	for _, it := range items {
		if it.ReachedOn != "" {
			v.Met++
			last = max(last, it.ReachedOn)
		}
	}
	t := today.String()
	switch {
	case !c.WithdrawnAt.IsZero():
		v.Status = StatusWithdrawn
	case v.Covered > 0 && v.Met == v.Covered:
		v.Status, v.MetOn, v.Late = StatusMet, last, last > c.DueOn
	case t > c.DueOn:
		v.Status = StatusOverdue
		if due, err := time.Parse(time.DateOnly, c.DueOn); err == nil {
			v.OverdueDays = int(today.Time().Sub(due).Hours() / 24)
		}
	case v.Met > 0:
		v.Status = StatusPartlyMet
	default:
		v.Status = StatusOpen
	}
	return v
}

// reached returns when a case's history first reached milestone or a later
// state of the main path.
func reached(events []store.CaseEvent, milestone cases.State) (time.Time, bool) {
	want := slices.Index(cases.MainPath, milestone)
	if want < 0 {
		return time.Time{}, false
	}
	for _, e := range events {
		if slices.Index(cases.MainPath, cases.State(e.To)) >= want {
			return e.At, true
		}
	}
	return time.Time{}, false
}

// caseItem is the progress of one case towards milestone.
func caseItem(ctx context.Context, tx *store.Tx, c store.Case, milestone cases.State) (CommitmentItem, error) {
	it := CommitmentItem{CaseID: c.ID, CaseNumber: c.Number, State: c.State}
	events, err := tx.CaseEvents(ctx, c.ID)
	if err != nil {
		return it, err
	}
	if at, ok := reached(events, milestone); ok {
		it.ReachedOn = domain.DateOf(at).String()
	}
	return it, nil
}

// rowItem is the progress of a list row: of the cases opened on its record,
// the one that reached the milestone first, or else the newest.
func rowItem(ctx context.Context, tx *store.Tx, r store.ListRow, milestone cases.State) (CommitmentItem, error) {
	it := CommitmentItem{ListID: r.ListID, RecordID: r.RecordID}
	cs, err := tx.Cases(ctx, store.CaseFilter{RecordID: r.RecordID})
	if err != nil {
		return it, err
	}
	for i, c := range cs {
		ci, err := caseItem(ctx, tx, c, milestone)
		if err != nil {
			return it, err
		}
		if i == 0 || ci.ReachedOn != "" && (it.ReachedOn == "" || ci.ReachedOn < it.ReachedOn) {
			it.CaseID, it.CaseNumber, it.State, it.ReachedOn = ci.CaseID, ci.CaseNumber, ci.State, ci.ReachedOn
		}
	}
	return it, nil
}

// commitmentView computes a commitment's status as of the store's clock.
func (a *App) commitmentView(ctx context.Context, tx *store.Tx, c store.Commitment) (CommitmentView, error) {
	milestone := Milestone(c.Kind)
	var items []CommitmentItem
	for _, id := range c.CaseIDs {
		cs, err := tx.Case(ctx, id)
		if err != nil {
			return CommitmentView{}, err
		}
		it, err := caseItem(ctx, tx, cs, milestone)
		if err != nil {
			return CommitmentView{}, err
		}
		items = append(items, it)
	}
	for _, r := range c.Rows {
		it, err := rowItem(ctx, tx, r, milestone)
		if err != nil {
			return CommitmentView{}, err
		}
		items = append(items, it)
	}
	return evaluate(c, items, domain.DateOf(tx.Now())), nil
}

// MakeCommitment records a commitment made at a meeting by one organisation
// present to another. The cases it covers must be between those two, not
// ended, and not already past its milestone; its list rows must be records
// of lists presented at the meeting by one of the two.
func (a *App) MakeCommitment(ctx context.Context, p access.Principal, meetingID string, in CommitmentInput) (CommitmentView, error) {
	if !canActAtMeetings(p) {
		return CommitmentView{}, ErrForbidden
	}
	if err := in.Validate(); err != nil {
		return CommitmentView{}, err
	}
	milestone := Milestone(in.Kind)
	var view CommitmentView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		m, err := visibleMeeting(ctx, tx, p, meetingID)
		if err != nil {
			return err
		}
		org := func(field, s string) (domain.Organisation, error) {
			o, err := tx.Org(ctx, s)
			if errors.Is(err, store.ErrNotFound) || err == nil && !slices.Contains(m.OrgIDs, o.ID) {
				return o, fieldErr(field, "no organisation %q at this meeting", s)
			}
			return o, err
		}
		from, err := org("from", in.From)
		if err != nil {
			return err
		}
		to, err := org("to", in.To)
		if err != nil {
			return err
		}
		if from.ID == to.ID {
			return fieldErr("to", "an organisation commits to another")
		}
		if in.DueOn.String() < m.HeldOn {
			return fieldErr("due_on", "%s is before the meeting (%s)", in.DueOn, m.HeldOn)
		}
		c := store.Commitment{MeetingID: m.ID, FromOrg: from.ID, ToOrg: to.ID, Kind: in.Kind, MadeOn: m.HeldOn, DueOn: in.DueOn.String(), MadeBy: p.ID, MadeOrg: p.OrgID}
		for i, id := range in.CaseIDs {
			field := fmt.Sprintf("case_ids[%d]", i)
			cs, err := partyCase(ctx, tx, p, id)
			if errors.Is(err, store.ErrNotFound) {
				return fieldErr(field, "no such case")
			}
			if err != nil {
				return err
			}
			parties := cs.Parties()
			switch {
			case !slices.Contains(parties, from.ID) || !slices.Contains(parties, to.ID):
				return fieldErr(field, "case %d is not between %s and %s", cs.Number, from.Slug, to.Slug)
			case cases.State(cs.State).Terminal():
				return fieldErr(field, "case %d has ended (%s)", cs.Number, cs.State)
			case in.Kind == CommitReturnTurned18 && cs.Turned18 == string(domain.No):
				return fieldErr(field, "case %d: the person had not turned 18 since the displacement", cs.Number)
			}
			it, err := caseItem(ctx, tx, cs, milestone)
			if err != nil {
				return err
			}
			if it.ReachedOn != "" {
				return fieldErr(field, "case %d has already reached %s", cs.Number, milestone)
			}
			c.CaseIDs = append(c.CaseIDs, cs.ID)
		}
		for i, r := range in.Rows {
			field := fmt.Sprintf("rows[%d]", i)
			if !slices.Contains(m.ListIDs, r.ListID) {
				return fieldErr(field+".list_id", "not a list presented at this meeting")
			}
			l, err := tx.List(ctx, r.ListID)
			if err != nil {
				return err
			}
			if l.OrgID != from.ID && l.OrgID != to.ID {
				return fieldErr(field+".list_id", "list %d is neither %s's nor %s's", l.Number, from.Slug, to.Slug)
			}
			ids, err := tx.ListRecordIDs(ctx, l.ID)
			if err != nil {
				return err
			}
			if !slices.Contains(ids, r.RecordID) {
				return fieldErr(field+".record_id", "not in list %d", l.Number)
			}
			it, err := rowItem(ctx, tx, r, milestone)
			if err != nil {
				return err
			}
			if it.ReachedOn != "" {
				return fieldErr(field+".record_id", "its case %d has already reached %s", it.CaseNumber, milestone)
			}
			c.Rows = append(c.Rows, r)
		}
		if err := tx.InsertCommitment(ctx, &c); err != nil {
			return err
		}
		e := ledger.Entry{Kind: KindCommitmentMade, Subjects: append(subjects("commitment", c.ID), subjects("meeting", m.ID)...),
			Detail: map[string]string{"kind": c.Kind, "from": c.FromOrg, "to": c.ToOrg, "due_on": c.DueOn,
				"cases": strconv.Itoa(len(c.CaseIDs)), "rows": strconv.Itoa(len(c.Rows))}}
		e.Subjects = append(e.Subjects, subjects("case", c.CaseIDs...)...)
		for _, r := range c.Rows {
			e.Subjects = append(e.Subjects, "record:"+r.RecordID)
		}
		if len(e.Subjects) > maxSubjects {
			e.Subjects = e.Subjects[:maxSubjects]
		}
		if err := a.record(ctx, tx, p.OrgID, e); err != nil {
			return err
		}
		if view, err = a.commitmentView(ctx, tx, c); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCommit, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("meeting %s: commitment %s, %s by %s to %s due %s, %d cases, %d rows", m.ID, c.ID, c.Kind, from.Slug, to.Slug, c.DueOn, len(c.CaseIDs), len(c.Rows))})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionCommit, "meeting "+meetingID)
	}
	return view, err
}

// visibleCommitment reads a commitment of a meeting p's organisation took
// part in; any other is not found.
func visibleCommitment(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.Commitment, error) {
	c, err := tx.Commitment(ctx, id)
	if err != nil {
		return c, err
	}
	if _, err := visibleMeeting(ctx, tx, p, c.MeetingID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Commitment{}, fmt.Errorf("commitment %s: %w", id, store.ErrNotFound)
		}
		return store.Commitment{}, err
	}
	return c, nil
}

// Commitment returns one commitment with its status.
func (a *App) Commitment(ctx context.Context, p access.Principal, id string) (CommitmentView, error) {
	if !canReadMeetings(p) {
		return CommitmentView{}, ErrForbidden
	}
	var v CommitmentView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := visibleCommitment(ctx, tx, p, id)
		if err != nil {
			return err
		}
		v, err = a.commitmentView(ctx, tx, c)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionCommitmentRead, "commitment "+id)
	}
	return v, err
}

// Commitments lists the commitments of the meetings p's organisation took
// part in, with their status; only those in status if it is given.
func (a *App) Commitments(ctx context.Context, p access.Principal, status string) ([]CommitmentView, error) {
	if !canReadMeetings(p) {
		return nil, ErrForbidden
	}
	if status != "" && !slices.Contains(CommitmentStatuses, status) {
		return nil, fieldErr("status", "must be one of %s", strings.Join(CommitmentStatuses, ", "))
	}
	var out []CommitmentView
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		out, err = a.visibleCommitments(ctx, tx, p, status)
		return err
	})
	return nonNilSlice(out), err
}

func (a *App) visibleCommitments(ctx context.Context, tx *store.Tx, p access.Principal, status string) ([]CommitmentView, error) {
	org, ok := meetingScope(p)
	if !ok {
		return nil, nil
	}
	cs, err := tx.Commitments(ctx, store.CommitmentFilter{AttendedBy: org})
	if err != nil {
		return nil, err
	}
	var out []CommitmentView
	for _, c := range cs {
		v, err := a.commitmentView(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		if status == "" || v.Status == status {
			out = append(out, v)
		}
	}
	return out, nil
}

// OverdueCommitments lists the overdue commitments of the meetings p's
// organisation took part in: what the dashboard flags.
func (a *App) OverdueCommitments(ctx context.Context, p access.Principal) ([]CommitmentView, error) {
	return a.Commitments(ctx, p, StatusOverdue)
}

// WithdrawCommitment withdraws a commitment, with a reason: only the
// organisation that made it may, and not once it is met.
func (a *App) WithdrawCommitment(ctx context.Context, p access.Principal, id, reason string) (CommitmentView, error) {
	if !canActAtMeetings(p) {
		return CommitmentView{}, ErrForbidden
	}
	reason = domain.Clean(reason)
	switch {
	case reason == "":
		return CommitmentView{}, fieldErr("reason", "a withdrawal needs a reason")
	case !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > domain.MaxLongText:
		return CommitmentView{}, fieldErr("reason", "at most %d characters of valid text", domain.MaxLongText)
	}
	var v CommitmentView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := visibleCommitment(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if c.FromOrg != p.OrgID {
			return ErrForbidden
		}
		if v, err = a.commitmentView(ctx, tx, c); err != nil {
			return err
		}
		if v.Status == StatusMet {
			return fmt.Errorf("commitment %s is met: nothing to withdraw: %w", id, store.ErrConflict)
		}
		if err := tx.WithdrawCommitment(ctx, id, p.ID, reason); err != nil {
			return err
		}
		if c, err = tx.Commitment(ctx, id); err != nil {
			return err
		}
		h, err := a.hashData(ctx, tx, reason)
		if err != nil {
			return err
		}
		if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: KindCommitmentWithdrawn, Subjects: append(subjects("commitment", c.ID), subjects("meeting", c.MeetingID)...),
			DataHashes: []string{h}, Detail: map[string]string{"kind": c.Kind, "status_before": v.Status, "met": strconv.Itoa(v.Met), "covered": strconv.Itoa(v.Covered)}}); err != nil {
			return err
		}
		if v, err = a.commitmentView(ctx, tx, c); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCommitWithdraw, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("commitment %s of meeting %s", c.ID, c.MeetingID)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionCommitWithdraw, "commitment "+id)
	}
	return v, err
}

// EscortInput names an escort and the organisation they go for.
type EscortInput struct {
	Organisation string `json:"organisation"` // id or slug
	Name         string `json:"name"`
}

// OperationInput plans a handover operation.
type OperationInput struct {
	MeetingID     string        `json:"meeting_id"`
	Date          domain.Date   `json:"date"`
	CrossingPoint string        `json:"crossing_point,omitempty"`
	Route         string        `json:"route,omitempty"` // a route through a third country
	Escorts       []EscortInput `json:"escorts"`
	CaseIDs       []string      `json:"case_ids"`
}

// Validate checks the input on its own and cleans its text.
func (in *OperationInput) Validate() error {
	var v domain.Validator
	in.CrossingPoint, in.Route = domain.Clean(in.CrossingPoint), domain.Clean(in.Route)
	if strings.TrimSpace(in.MeetingID) == "" {
		v.Add("meeting_id", "required: the meeting the operation was agreed at")
	}
	switch {
	case in.Date.IsZero():
		v.Add("date", "required: the day of the handover, YYYY-MM-DD")
	case !in.Date.Valid():
		v.Add("date", "%s is not a calendar day", in.Date)
	}
	if in.CrossingPoint == "" && in.Route == "" {
		v.Add("crossing_point", "a crossing point or a third-country route is required")
	}
	v.Text("crossing_point", in.CrossingPoint, domain.MaxShortText)
	v.Text("route", in.Route, domain.MaxShortText)
	switch {
	case len(in.Escorts) == 0:
		v.Add("escorts", "name the escorts from each side and the mediator")
	case len(in.Escorts) > MaxEscorts:
		v.Add("escorts", "at most %d", MaxEscorts)
	}
	for i := range in.Escorts {
		e := &in.Escorts[i]
		e.Organisation, e.Name = strings.TrimSpace(e.Organisation), domain.Clean(e.Name)
		if e.Organisation == "" {
			v.Add(fmt.Sprintf("escorts[%d].organisation", i), "required")
		}
		if e.Name == "" {
			v.Add(fmt.Sprintf("escorts[%d].name", i), "required")
		}
		v.Text(fmt.Sprintf("escorts[%d].organisation", i), e.Organisation, domain.MaxShortText)
		v.Text(fmt.Sprintf("escorts[%d].name", i), e.Name, domain.MaxShortText)
	}
	switch {
	case len(in.CaseIDs) == 0:
		v.Add("case_ids", "an operation hands over at least one child")
	case len(in.CaseIDs) > MaxOperationChildren:
		v.Add("case_ids", "at most %d", MaxOperationChildren)
	}
	for i, id := range in.CaseIDs {
		if strings.TrimSpace(id) == "" {
			v.Add(fmt.Sprintf("case_ids[%d]", i), "empty")
		} else if slices.Index(in.CaseIDs, id) < i {
			v.Add(fmt.Sprintf("case_ids[%d]", i), "given twice")
		}
	}
	return v.Err()
}

// OperationView is an operation with its counts.
type OperationView struct {
	store.Operation
	ChildrenPlanned      int `json:"children_planned"`
	ChildrenReunited     int `json:"children_reunited"`
	ChildrenStayedBehind int `json:"children_stayed_behind"`
}

func operationView(o store.Operation) OperationView {
	v := OperationView{Operation: o, ChildrenPlanned: len(o.Children)}
	for _, c := range o.Children {
		switch c.Outcome {
		case store.ChildHandedOver:
			v.ChildrenReunited++
		case store.ChildStayedBehind:
			v.ChildrenStayedBehind++
		}
	}
	return v
}

// visibleOperation reads an operation of a meeting p's organisation took
// part in; any other is not found.
func visibleOperation(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.Operation, store.Meeting, error) {
	o, err := tx.Operation(ctx, id)
	if err != nil {
		return o, store.Meeting{}, err
	}
	m, err := visibleMeeting(ctx, tx, p, o.MeetingID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Operation{}, m, fmt.Errorf("operation %s: %w", id, store.ErrNotFound)
	}
	return o, m, err
}

// place is where an operation's children are handed over, for the cases'
// records.
func (o *OperationInput) place() (place, route string) {
	place, route = o.CrossingPoint, o.Route
	if place == "" {
		place = o.Route
	}
	if route == "" {
		route = "direct crossing at " + o.CrossingPoint
	}
	return place, route
}

// PlanOperation plans a handover operation agreed at a meeting. Each of its
// cases is moved, through the state machine, to handover_planned with the
// operation's date, place, route and escorts (from
// consent_and_best_interests, or again from handover_planned: a new plan
// replaces the old). p's organisation must be a party to every case, and
// both sides of each case must have been at the meeting. A case is in one
// planned operation at a time.
func (a *App) PlanOperation(ctx context.Context, p access.Principal, in OperationInput) (OperationView, error) {
	if !canActAtMeetings(p) {
		return OperationView{}, ErrForbidden
	}
	if err := in.Validate(); err != nil {
		return OperationView{}, err
	}
	var view OperationView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		m, err := visibleMeeting(ctx, tx, p, in.MeetingID)
		if err != nil {
			return err
		}
		if in.Date.String() < m.HeldOn {
			return fieldErr("date", "%s is before the meeting (%s)", in.Date, m.HeldOn)
		}
		o := store.Operation{MeetingID: m.ID, PlannedOn: in.Date.String(), CrossingPoint: in.CrossingPoint, Route: in.Route, PlannedBy: p.ID, PlannedOrg: p.OrgID}
		var escortText []string
		for i, e := range in.Escorts {
			org, err := tx.Org(ctx, e.Organisation)
			if errors.Is(err, store.ErrNotFound) || err == nil && !slices.Contains(m.OrgIDs, org.ID) {
				return fieldErr(fmt.Sprintf("escorts[%d].organisation", i), "no organisation %q at this meeting", e.Organisation)
			}
			if err != nil {
				return err
			}
			o.Escorts = append(o.Escorts, store.Escort{OrgID: org.ID, Name: e.Name})
			escortText = append(escortText, e.Name+" ("+org.Slug+")")
		}
		var moving []store.Case
		for i, id := range in.CaseIDs {
			field := fmt.Sprintf("case_ids[%d]", i)
			c, err := partyCase(ctx, tx, p, id)
			if errors.Is(err, store.ErrNotFound) {
				return fieldErr(field, "no such case")
			}
			if err != nil {
				return err
			}
			if !slices.Contains(m.OrgIDs, c.RequestOrg) || !slices.Contains(m.OrgIDs, c.ChildOrg) {
				return fieldErr(field, "case %d: both its parties must have been at the meeting", c.Number)
			}
			if st := cases.State(c.State); st != cases.ConsentAndBestInterests && st != cases.HandoverPlanned {
				return fieldErr(field, "case %d is %s: an operation takes cases whose consent and best interests are settled (consent_and_best_interests) or whose handover is planned", c.Number, c.State)
			}
			planned, err := tx.Operations(ctx, store.OperationFilter{CaseID: c.ID, Status: store.OperationPlanned})
			if err != nil {
				return err
			}
			if len(planned) > 0 {
				return fieldErr(field, "case %d is already in planned operation %s", c.Number, planned[0].ID)
			}
			o.Children = append(o.Children, store.OperationChild{CaseID: c.ID})
			moving = append(moving, c)
		}
		if err := tx.InsertOperation(ctx, &o); err != nil {
			return err
		}
		place, route := in.place()
		escort := strings.Join(escortText, ", ")
		if utf8.RuneCountInString(escort) > domain.MaxShortText {
			escort = string([]rune(escort)[:domain.MaxShortText-1]) + "…"
		}
		for i := range moving {
			err := a.moveCase(ctx, tx, p, &moving[i], cases.HandoverPlanned, cases.Input{HandoverDate: in.Date, HandoverPlace: place, Route: route, Escort: escort,
				Reason: "handover operation " + o.ID})
			if err != nil {
				return fmt.Errorf("case %d: %w", moving[i].Number, err)
			}
		}
		h, err := a.hashJSON(ctx, tx, o.Escorts, o.CrossingPoint, o.Route)
		if err != nil {
			return err
		}
		e := ledger.Entry{Kind: KindOperationPlanned, Subjects: append(subjects("operation", o.ID), subjects("meeting", m.ID)...), DataHashes: []string{h},
			Detail: map[string]string{"planned_on": o.PlannedOn, "children": strconv.Itoa(len(o.Children)), "escorts": strconv.Itoa(len(o.Escorts))}}
		for _, c := range o.Children {
			e.Subjects = append(e.Subjects, "case:"+c.CaseID)
		}
		if err := a.record(ctx, tx, p.OrgID, e); err != nil {
			return err
		}
		view = operationView(o)
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionOperationPlan, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("operation %s of meeting %s on %s: %d children", o.ID, m.ID, o.PlannedOn, len(o.Children))})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionOperationPlan, "meeting "+in.MeetingID)
	}
	return view, err
}

// HandoverInput is what happened to one child of an operation: handed
// over (by whom, to whom, when, with which documents), or stayed behind,
// with the reason.
type HandoverInput struct {
	CaseID       string    `json:"case_id"`
	HandedBy     string    `json:"handed_by,omitempty"`
	ReceivedBy   string    `json:"received_by,omitempty"`
	At           time.Time `json:"at,omitzero"`
	Documents    []string  `json:"documents,omitempty"`
	StayedBehind string    `json:"stayed_behind,omitempty"` // why the child could not travel
}

// CompletionInput completes an operation: one entry per child.
type CompletionInput struct {
	Children []HandoverInput `json:"children"`
}

// Validate checks the input on its own and cleans its text.
func (in *CompletionInput) Validate() error {
	var v domain.Validator
	switch {
	case len(in.Children) == 0:
		v.Add("children", "give each child's handover, or why the child stayed behind")
	case len(in.Children) > MaxOperationChildren:
		v.Add("children", "at most %d", MaxOperationChildren)
	}
	for i := range in.Children {
		c := &in.Children[i]
		f := func(name string) string { return fmt.Sprintf("children[%d].%s", i, name) }
		c.CaseID, c.HandedBy, c.ReceivedBy, c.StayedBehind = strings.TrimSpace(c.CaseID), domain.Clean(c.HandedBy), domain.Clean(c.ReceivedBy), domain.Clean(c.StayedBehind)
		if c.CaseID == "" {
			v.Add(f("case_id"), "required")
		} else if slices.IndexFunc(in.Children, func(x HandoverInput) bool { return strings.TrimSpace(x.CaseID) == c.CaseID }) < i {
			v.Add(f("case_id"), "given twice")
		}
		if c.StayedBehind != "" {
			if c.HandedBy != "" || c.ReceivedBy != "" || !c.At.IsZero() || len(c.Documents) > 0 {
				v.Add(f("stayed_behind"), "a child who stayed behind has no handover record: give either stayed_behind or handed_by, received_by, at and documents")
			}
			v.Text(f("stayed_behind"), c.StayedBehind, domain.MaxLongText)
			continue
		}
		if c.HandedBy == "" {
			v.Add(f("handed_by"), "required: who handed the child over (or stayed_behind: why the child could not travel)")
		}
		if c.ReceivedBy == "" {
			v.Add(f("received_by"), "required: who received the child")
		}
		if c.At.IsZero() {
			v.Add(f("at"), "required: when the child was handed over (RFC 3339)")
		}
		v.Text(f("handed_by"), c.HandedBy, domain.MaxShortText)
		v.Text(f("received_by"), c.ReceivedBy, domain.MaxShortText)
		if len(c.Documents) > MaxDocuments {
			v.Add(f("documents"), "at most %d", MaxDocuments)
		}
		for j := range c.Documents {
			c.Documents[j] = domain.Clean(c.Documents[j])
			if c.Documents[j] == "" {
				v.Add(fmt.Sprintf("children[%d].documents[%d]", i, j), "empty")
			}
			v.Text(fmt.Sprintf("children[%d].documents[%d]", i, j), c.Documents[j], domain.MaxShortText)
		}
	}
	return v.Err()
}

// CompleteOperation records the outcome of a planned operation in one
// transaction: each child handed over has its case moved to reunited
// through the state machine (from handover_planned, with the day, the
// crossing and who received the child); a child who stayed behind keeps its
// case where it is, with the reason recorded. Every child of the operation
// must be accounted for. If any case cannot move, nothing is recorded.
func (a *App) CompleteOperation(ctx context.Context, p access.Principal, id string, in CompletionInput) (OperationView, error) {
	if !canActAtMeetings(p) {
		return OperationView{}, ErrForbidden
	}
	if err := in.Validate(); err != nil {
		return OperationView{}, err
	}
	var view OperationView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		o, m, err := visibleOperation(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if o.Status != store.OperationPlanned {
			return fmt.Errorf("operation %s is already %s: %w", o.ID, o.Status, store.ErrConflict)
		}
		for i, c := range in.Children {
			if !slices.ContainsFunc(o.Children, func(x store.OperationChild) bool { return x.CaseID == c.CaseID }) {
				return fieldErr(fmt.Sprintf("children[%d].case_id", i), "not a child of this operation")
			}
		}
		for _, oc := range o.Children {
			if !slices.ContainsFunc(in.Children, func(x HandoverInput) bool { return x.CaseID == oc.CaseID }) {
				c, err := tx.Case(ctx, oc.CaseID)
				if err != nil {
					return err
				}
				return fieldErr("children", "case %d of the operation is not accounted for: give its handover, or why the child stayed behind", c.Number)
			}
		}
		now := tx.Now()
		place := o.CrossingPoint
		if place == "" {
			place = o.Route
		}
		var outcomes []store.OperationChild
		reunited, stayed := 0, 0
		for i, h := range in.Children {
			if h.StayedBehind != "" {
				outcomes = append(outcomes, store.OperationChild{CaseID: h.CaseID, Outcome: store.ChildStayedBehind, Reason: h.StayedBehind})
				stayed++
				continue
			}
			at := h.At.UTC().Truncate(time.Microsecond)
			switch {
			case at.After(now):
				return fieldErr(fmt.Sprintf("children[%d].at", i), "%s is in the future", at.Format(time.RFC3339))
			case domain.DateOf(at).String() < o.PlannedOn:
				return fieldErr(fmt.Sprintf("children[%d].at", i), "%s is before the operation's day (%s)", at.Format(time.RFC3339), o.PlannedOn)
			}
			c, err := partyCase(ctx, tx, p, h.CaseID)
			if errors.Is(err, store.ErrNotFound) {
				return fieldErr(fmt.Sprintf("children[%d].case_id", i), "no such case")
			}
			if err != nil {
				return err
			}
			if err := a.moveCase(ctx, tx, p, &c, cases.Reunited, cases.Input{ReunitedAt: domain.DateOf(at), ReunitedPlace: place, HandedTo: h.ReceivedBy,
				Reason: "handover operation " + o.ID}); err != nil {
				return fmt.Errorf("case %d: %w", c.Number, err)
			}
			outcomes = append(outcomes, store.OperationChild{CaseID: h.CaseID, Outcome: store.ChildHandedOver, HandedBy: h.HandedBy, ReceivedBy: h.ReceivedBy,
				HandedAt: at, Documents: h.Documents})
			reunited++
		}
		if err := tx.CompleteOperation(ctx, o.ID, p.ID, outcomes); err != nil {
			return err
		}
		// Who handed and received whom, and why a child stayed behind, are
		// about people: committed to, not written.
		hash, err := a.hashJSON(ctx, tx, outcomes)
		if err != nil {
			return err
		}
		e := ledger.Entry{Kind: KindOperationCompleted, Subjects: append(subjects("operation", o.ID), subjects("meeting", m.ID)...), DataHashes: []string{hash},
			Detail: map[string]string{"planned": strconv.Itoa(len(o.Children)), "reunited": strconv.Itoa(reunited), "stayed_behind": strconv.Itoa(stayed)}}
		for _, c := range outcomes {
			e.Subjects = append(e.Subjects, "case:"+c.CaseID)
		}
		if err := a.record(ctx, tx, p.OrgID, e); err != nil {
			return err
		}
		if o, err = tx.Operation(ctx, o.ID); err != nil {
			return err
		}
		view = operationView(o)
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionOperationComplete, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("operation %s: %d reunited, %d stayed behind", o.ID, reunited, stayed)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionOperationComplete, "operation "+id)
	}
	return view, err
}

// Operation returns one operation of a meeting p's organisation took part
// in.
func (a *App) Operation(ctx context.Context, p access.Principal, id string) (OperationView, error) {
	if !canReadMeetings(p) {
		return OperationView{}, ErrForbidden
	}
	var v OperationView
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		o, _, err := visibleOperation(ctx, tx, p, id)
		if err != nil {
			return err
		}
		v = operationView(o)
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionOperationRead, Outcome: store.OutcomeOK, Detail: "operation " + id})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionOperationRead, "operation "+id)
	}
	return v, err
}

// Operations lists the operations of the meetings p's organisation took
// part in.
func (a *App) Operations(ctx context.Context, p access.Principal) ([]OperationView, error) {
	if !canReadMeetings(p) {
		return nil, ErrForbidden
	}
	org, ok := meetingScope(p)
	if !ok {
		return []OperationView{}, nil
	}
	out := []OperationView{}
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		ops, err := tx.Operations(ctx, store.OperationFilter{AttendedBy: org})
		for _, o := range ops {
			out = append(out, operationView(o))
		}
		return err
	})
	return out, err
}
