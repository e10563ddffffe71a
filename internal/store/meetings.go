package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Meeting is a meeting between the parties and the mediator (issue 9): when
// and where (or over which channel) it was held, who took part, the lists
// presented at it, and its minutes, sealed at rest.
type Meeting struct {
	ID          string    `json:"id"`
	HeldOn      string    `json:"held_on"` // YYYY-MM-DD
	Place       string    `json:"place,omitempty"`
	Channel     string    `json:"channel,omitempty"`
	OrgIDs      []string  `json:"organisation_ids"`
	ListIDs     []string  `json:"list_ids"`
	RecordedBy  string    `json:"recorded_by"`
	RecordedOrg string    `json:"recorded_by_organisation_id"`
	RecordedAt  time.Time `json:"recorded_at"`
	// The minutes, sealed: the app opens them for those who took part.
	MinutesKeyID  string `json:"-"`
	MinutesSealed []byte `json:"-"`
}

// NewMeetingID returns the id a meeting will be stored under, so that its
// minutes can be sealed to it before the row exists.
func NewMeetingID() string { return newID() }

// InsertMeeting stores a meeting with its organisations and lists; m.ID
// must be set (see NewMeetingID).
func (t *Tx) InsertMeeting(ctx context.Context, m *Meeting) error {
	m.RecordedAt = t.now
	var sealed any
	if m.MinutesSealed != nil {
		sealed = m.MinutesSealed
	}
	if _, err := t.exec(ctx, `INSERT INTO meetings (id, held_on, place, channel, recorded_by, recorded_org, recorded_at, minutes_key_id, minutes_sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		m.ID, m.HeldOn, m.Place, m.Channel, m.RecordedBy, m.RecordedOrg, t.now, m.MinutesKeyID, sealed); err != nil {
		return fmt.Errorf("insert meeting: %w", err)
	}
	m.OrgIDs = sortedUnique(m.OrgIDs)
	m.ListIDs = sortedUnique(m.ListIDs)
	for _, o := range m.OrgIDs {
		if _, err := t.exec(ctx, `INSERT INTO meeting_orgs (meeting_id, org_id) VALUES ($1, $2)`, m.ID, o); err != nil {
			return fmt.Errorf("insert meeting organisation: %w", err)
		}
	}
	for _, l := range m.ListIDs {
		if _, err := t.exec(ctx, `INSERT INTO meeting_lists (meeting_id, list_id) VALUES ($1, $2)`, m.ID, l); err != nil {
			return fmt.Errorf("insert meeting list: %w", err)
		}
	}
	return nil
}

func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

const meetingColumns = `id, held_on, place, channel, recorded_by, recorded_org, recorded_at, minutes_key_id, minutes_sealed`

func scanMeeting(row interface{ Scan(...any) error }) (Meeting, error) {
	var m Meeting
	var at nullTime
	err := row.Scan(&m.ID, &m.HeldOn, &m.Place, &m.Channel, &m.RecordedBy, &m.RecordedOrg, &at, &m.MinutesKeyID, &m.MinutesSealed)
	m.RecordedAt = at.Time
	return m, err
}

// Meeting returns one meeting with its organisations and lists.
func (t *Tx) Meeting(ctx context.Context, id string) (Meeting, error) {
	if !validID(id) {
		return Meeting{}, fmt.Errorf("meeting %q: %w", id, ErrNotFound)
	}
	m, err := scanMeeting(t.queryRow(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Meeting{}, fmt.Errorf("meeting %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, err
	}
	return m, t.meetingLinks(ctx, &m)
}

func (t *Tx) meetingLinks(ctx context.Context, m *Meeting) (err error) {
	if m.OrgIDs, err = t.strings(ctx, `SELECT org_id FROM meeting_orgs WHERE meeting_id = $1 ORDER BY org_id`, m.ID); err != nil {
		return err
	}
	m.ListIDs, err = t.strings(ctx, `SELECT list_id FROM meeting_lists WHERE meeting_id = $1 ORDER BY list_id`, m.ID)
	return err
}

// strings runs a query of one text column.
func (t *Tx) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Meetings returns the meetings org took part in, or every meeting if org
// is empty, newest first.
func (t *Tx) Meetings(ctx context.Context, org string) ([]Meeting, error) {
	q := `SELECT ` + meetingColumns + ` FROM meetings m`
	var args []any
	if org != "" {
		if !validID(org) {
			return nil, nil
		}
		q += ` WHERE EXISTS (SELECT 1 FROM meeting_orgs mo WHERE mo.meeting_id = m.id AND mo.org_id = $1)`
		args = append(args, org)
	}
	rows, err := t.query(ctx, q+` ORDER BY held_on DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("meetings: %w", err)
	}
	out, err := scanAll(rows, scanMeeting)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := t.meetingLinks(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MeetingAttachment is a document attached to a meeting, sealed at rest.
type MeetingAttachment struct {
	ID          string    `json:"id"`
	MeetingID   string    `json:"meeting_id"`
	OrgID       string    `json:"organisation_id"`
	Author      string    `json:"author"`
	At          time.Time `json:"at"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	KeyID       string    `json:"-"`
	Sealed      []byte    `json:"-"`
}

// InsertMeetingAttachment stores a sealed attachment; a.ID must be set
// (see NewAttachmentID).
func (t *Tx) InsertMeetingAttachment(ctx context.Context, a *MeetingAttachment) error {
	a.At = t.now
	_, err := t.exec(ctx, `INSERT INTO meeting_attachments (id, meeting_id, org_id, author, at, name, content_type, size, key_id, sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.ID, a.MeetingID, a.OrgID, a.Author, t.now, a.Name, a.ContentType, a.Size, a.KeyID, a.Sealed)
	return err
}

// MeetingAttachment returns one attachment of a meeting with its sealed
// content; one of another meeting is not found.
func (t *Tx) MeetingAttachment(ctx context.Context, meetingID, id string) (MeetingAttachment, error) {
	var a MeetingAttachment
	if !validID(id) || !validID(meetingID) {
		return a, fmt.Errorf("attachment %q: %w", id, ErrNotFound)
	}
	var at nullTime
	err := t.queryRow(ctx, `SELECT id, meeting_id, org_id, author, at, name, content_type, size, key_id, sealed FROM meeting_attachments WHERE id = $1 AND meeting_id = $2`, id, meetingID).
		Scan(&a.ID, &a.MeetingID, &a.OrgID, &a.Author, &at, &a.Name, &a.ContentType, &a.Size, &a.KeyID, &a.Sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %s: %w", id, ErrNotFound)
	}
	a.At = at.Time
	return a, err
}

// MeetingAttachments lists a meeting's attachments, without their content.
func (t *Tx) MeetingAttachments(ctx context.Context, meetingID string) ([]MeetingAttachment, error) {
	rows, err := t.query(ctx, `SELECT id, meeting_id, org_id, author, at, name, content_type, size FROM meeting_attachments WHERE meeting_id = $1 ORDER BY at, id`, meetingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []MeetingAttachment{}
	for rows.Next() {
		var a MeetingAttachment
		var at nullTime
		if err := rows.Scan(&a.ID, &a.MeetingID, &a.OrgID, &a.Author, &at, &a.Name, &a.ContentType, &a.Size); err != nil {
			return nil, err
		}
		a.At = at.Time
		out = append(out, a)
	}
	return out, rows.Err()
}

// ListRow is one record of a list: what a commitment may cover besides
// cases (a family's request handed over, to be searched for).
type ListRow struct {
	ListID   string `json:"list_id"`
	RecordID string `json:"record_id"`
}

// Commitment is a promise made at a meeting by one organisation to
// another. Its status is computed by the app from the cases it covers; only
// a withdrawal is recorded.
type Commitment struct {
	ID             string    `json:"id"`
	MeetingID      string    `json:"meeting_id"`
	FromOrg        string    `json:"from_organisation_id"`
	ToOrg          string    `json:"to_organisation_id"`
	Kind           string    `json:"kind"`
	MadeOn         string    `json:"made_on"` // the meeting's day
	DueOn          string    `json:"due_on"`
	CaseIDs        []string  `json:"case_ids"`
	Rows           []ListRow `json:"rows"`
	MadeBy         string    `json:"made_by"`
	MadeOrg        string    `json:"recorded_by_organisation_id"`
	MadeAt         time.Time `json:"made_at"`
	WithdrawnAt    time.Time `json:"withdrawn_at,omitzero"`
	WithdrawnBy    string    `json:"withdrawn_by,omitempty"`
	WithdrawReason string    `json:"withdraw_reason,omitempty"`
}

// InsertCommitment stores a commitment with the cases and rows it covers.
func (t *Tx) InsertCommitment(ctx context.Context, c *Commitment) error {
	c.ID, c.MadeAt = newID(), t.now
	if _, err := t.exec(ctx, `INSERT INTO commitments (id, meeting_id, from_org, to_org, kind, made_on, due_on, made_by, made_org, made_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.MeetingID, c.FromOrg, c.ToOrg, c.Kind, c.MadeOn, c.DueOn, c.MadeBy, c.MadeOrg, t.now); err != nil {
		return fmt.Errorf("insert commitment: %w", err)
	}
	c.CaseIDs = sortedUnique(c.CaseIDs)
	for _, id := range c.CaseIDs {
		if _, err := t.exec(ctx, `INSERT INTO commitment_cases (commitment_id, case_id) VALUES ($1, $2)`, c.ID, id); err != nil {
			return fmt.Errorf("insert commitment case: %w", err)
		}
	}
	slices.SortFunc(c.Rows, func(a, b ListRow) int { return strings.Compare(a.ListID+a.RecordID, b.ListID+b.RecordID) })
	c.Rows = slices.Compact(c.Rows)
	if c.Rows == nil {
		c.Rows = []ListRow{}
	}
	for _, r := range c.Rows {
		if _, err := t.exec(ctx, `INSERT INTO commitment_rows (commitment_id, list_id, record_id) VALUES ($1, $2, $3)`, c.ID, r.ListID, r.RecordID); err != nil {
			return fmt.Errorf("insert commitment row: %w", err)
		}
	}
	return nil
}

const commitmentColumns = `id, meeting_id, from_org, to_org, kind, made_on, due_on, made_by, made_org, made_at, withdrawn_at, withdrawn_by, withdraw_reason`

func scanCommitment(row interface{ Scan(...any) error }) (Commitment, error) {
	var c Commitment
	var made, withdrawn nullTime
	err := row.Scan(&c.ID, &c.MeetingID, &c.FromOrg, &c.ToOrg, &c.Kind, &c.MadeOn, &c.DueOn, &c.MadeBy, &c.MadeOrg, &made, &withdrawn, &c.WithdrawnBy, &c.WithdrawReason)
	c.MadeAt, c.WithdrawnAt = made.Time, withdrawn.Time
	return c, err
}

func (t *Tx) commitmentItems(ctx context.Context, c *Commitment) error {
	var err error
	if c.CaseIDs, err = t.strings(ctx, `SELECT case_id FROM commitment_cases WHERE commitment_id = $1 ORDER BY case_id`, c.ID); err != nil {
		return err
	}
	rows, err := t.query(ctx, `SELECT list_id, record_id FROM commitment_rows WHERE commitment_id = $1 ORDER BY list_id, record_id`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.Rows = []ListRow{}
	for rows.Next() {
		var r ListRow
		if err := rows.Scan(&r.ListID, &r.RecordID); err != nil {
			return err
		}
		c.Rows = append(c.Rows, r)
	}
	return rows.Err()
}

// Commitment returns one commitment with what it covers.
func (t *Tx) Commitment(ctx context.Context, id string) (Commitment, error) {
	if !validID(id) {
		return Commitment{}, fmt.Errorf("commitment %q: %w", id, ErrNotFound)
	}
	c, err := scanCommitment(t.queryRow(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Commitment{}, fmt.Errorf("commitment %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, err
	}
	return c, t.commitmentItems(ctx, &c)
}

// CommitmentFilter selects commitments.
type CommitmentFilter struct {
	MeetingID string
	// AttendedBy limits them to the meetings this organisation took part
	// in; empty for all.
	AttendedBy string
}

// Commitments lists commitments, oldest meeting first.
func (t *Tx) Commitments(ctx context.Context, f CommitmentFilter) ([]Commitment, error) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	conds = append(conds, "1 = 1")
	for _, id := range []string{f.MeetingID, f.AttendedBy} {
		if id != "" && !validID(id) {
			return nil, nil
		}
	}
	if f.MeetingID != "" {
		conds = append(conds, "c.meeting_id = "+arg(f.MeetingID))
	}
	if f.AttendedBy != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM meeting_orgs mo WHERE mo.meeting_id = c.meeting_id AND mo.org_id = "+arg(f.AttendedBy)+")")
	}
	rows, err := t.query(ctx, `SELECT c.`+strings.ReplaceAll(commitmentColumns, ", ", ", c.")+` FROM commitments c WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY c.made_on, c.made_at, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("commitments: %w", err)
	}
	out, err := scanAll(rows, scanCommitment)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := t.commitmentItems(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WithdrawCommitment marks a commitment withdrawn. Withdrawing it twice is
// a conflict.
func (t *Tx) WithdrawCommitment(ctx context.Context, id, by, reason string) error {
	res, err := t.exec(ctx, `UPDATE commitments SET withdrawn_at = $1, withdrawn_by = $2, withdraw_reason = $3 WHERE id = $4 AND withdrawn_at IS NULL`,
		t.now, by, reason, id)
	if err != nil {
		return fmt.Errorf("withdraw commitment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("commitment %s is already withdrawn: %w", id, ErrConflict)
	}
	return nil
}

// Operation statuses and the outcomes of a child in one.
const (
	OperationPlanned   = "planned"
	OperationCompleted = "completed"

	ChildPlanned      = "planned"
	ChildHandedOver   = "handed_over"
	ChildStayedBehind = "stayed_behind"
)

// Escort accompanies the children of an operation for one organisation.
type Escort struct {
	OrgID string `json:"organisation_id"`
	Name  string `json:"name"`
}

// OperationChild is one child of an operation and, once it is completed,
// the handover record or the reason the child stayed behind.
type OperationChild struct {
	CaseID     string    `json:"case_id"`
	Outcome    string    `json:"outcome"`
	HandedBy   string    `json:"handed_by,omitempty"`
	ReceivedBy string    `json:"received_by,omitempty"`
	HandedAt   time.Time `json:"handed_at,omitzero"`
	Documents  []string  `json:"documents,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

// Operation is a planned batch of reunifications: a date, a crossing point
// or a third-country route, the escorts, and its children.
type Operation struct {
	ID            string           `json:"id"`
	MeetingID     string           `json:"meeting_id"`
	PlannedOn     string           `json:"planned_on"`
	CrossingPoint string           `json:"crossing_point,omitempty"`
	Route         string           `json:"route,omitempty"`
	Escorts       []Escort         `json:"escorts"`
	Status        string           `json:"status"`
	PlannedBy     string           `json:"planned_by"`
	PlannedOrg    string           `json:"planned_by_organisation_id"`
	PlannedAt     time.Time        `json:"planned_at"`
	CompletedBy   string           `json:"completed_by,omitempty"`
	CompletedAt   time.Time        `json:"completed_at,omitzero"`
	Children      []OperationChild `json:"children"`
}

// InsertOperation stores a planned operation with its children.
func (t *Tx) InsertOperation(ctx context.Context, o *Operation) error {
	o.ID, o.PlannedAt, o.Status = newID(), t.now, OperationPlanned
	escorts, err := json.Marshal(o.Escorts)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO operations (id, meeting_id, planned_on, crossing_point, route, escorts, status, planned_by, planned_org, planned_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		o.ID, o.MeetingID, o.PlannedOn, o.CrossingPoint, o.Route, string(escorts), o.Status, o.PlannedBy, o.PlannedOrg, t.now); err != nil {
		return fmt.Errorf("insert operation: %w", err)
	}
	for i := range o.Children {
		o.Children[i].Outcome = ChildPlanned
		if _, err := t.exec(ctx, `INSERT INTO operation_children (operation_id, case_id, outcome) VALUES ($1, $2, $3)`, o.ID, o.Children[i].CaseID, ChildPlanned); err != nil {
			return fmt.Errorf("insert operation child: %w", err)
		}
	}
	return nil
}

const operationColumns = `id, meeting_id, planned_on, crossing_point, route, escorts, status, planned_by, planned_org, planned_at, completed_by, completed_at`

func scanOperation(row interface{ Scan(...any) error }) (Operation, error) {
	var o Operation
	var escorts string
	var planned, completed nullTime
	err := row.Scan(&o.ID, &o.MeetingID, &o.PlannedOn, &o.CrossingPoint, &o.Route, &escorts, &o.Status, &o.PlannedBy, &o.PlannedOrg, &planned, &o.CompletedBy, &completed)
	if err != nil {
		return o, err
	}
	o.PlannedAt, o.CompletedAt = planned.Time, completed.Time
	if err := json.Unmarshal([]byte(escorts), &o.Escorts); err != nil {
		return o, fmt.Errorf("operation %s: escorts: %w", o.ID, err)
	}
	return o, nil
}

func (t *Tx) operationChildren(ctx context.Context, o *Operation) error {
	rows, err := t.query(ctx, `SELECT case_id, outcome, handed_by, received_by, handed_at, documents, reason FROM operation_children WHERE operation_id = $1 ORDER BY case_id`, o.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	o.Children = []OperationChild{}
	for rows.Next() {
		var c OperationChild
		var at nullTime
		var docs string
		if err := rows.Scan(&c.CaseID, &c.Outcome, &c.HandedBy, &c.ReceivedBy, &at, &docs, &c.Reason); err != nil {
			return err
		}
		c.HandedAt = at.Time
		if err := json.Unmarshal([]byte(docs), &c.Documents); err != nil {
			return fmt.Errorf("operation %s: documents: %w", o.ID, err)
		}
		o.Children = append(o.Children, c)
	}
	return rows.Err()
}

// Operation returns one operation with its children.
func (t *Tx) Operation(ctx context.Context, id string) (Operation, error) {
	if !validID(id) {
		return Operation{}, fmt.Errorf("operation %q: %w", id, ErrNotFound)
	}
	o, err := scanOperation(t.queryRow(ctx, `SELECT `+operationColumns+` FROM operations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Operation{}, fmt.Errorf("operation %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return o, err
	}
	return o, t.operationChildren(ctx, &o)
}

// OperationFilter selects operations.
type OperationFilter struct {
	MeetingID string
	// AttendedBy limits them to the meetings this organisation took part
	// in; empty for all.
	AttendedBy string
	// CaseID and Status find the operations of one case in one status.
	CaseID string
	Status string
}

// Operations lists operations, by planned day.
func (t *Tx) Operations(ctx context.Context, f OperationFilter) ([]Operation, error) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	conds = append(conds, "1 = 1")
	for _, id := range []string{f.MeetingID, f.AttendedBy, f.CaseID} {
		if id != "" && !validID(id) {
			return nil, nil
		}
	}
	if f.MeetingID != "" {
		conds = append(conds, "o.meeting_id = "+arg(f.MeetingID))
	}
	if f.AttendedBy != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM meeting_orgs mo WHERE mo.meeting_id = o.meeting_id AND mo.org_id = "+arg(f.AttendedBy)+")")
	}
	if f.CaseID != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM operation_children oc WHERE oc.operation_id = o.id AND oc.case_id = "+arg(f.CaseID)+")")
	}
	if f.Status != "" {
		conds = append(conds, "o.status = "+arg(f.Status))
	}
	rows, err := t.query(ctx, `SELECT o.`+strings.ReplaceAll(operationColumns, ", ", ", o.")+` FROM operations o WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY o.planned_on, o.planned_at, o.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("operations: %w", err)
	}
	out, err := scanAll(rows, scanOperation)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := t.operationChildren(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CompleteOperation records the outcome of every child of a planned
// operation and marks it completed. Completing it twice is a conflict.
func (t *Tx) CompleteOperation(ctx context.Context, id, by string, children []OperationChild) error {
	res, err := t.exec(ctx, `UPDATE operations SET status = $1, completed_by = $2, completed_at = $3 WHERE id = $4 AND status = $5`,
		OperationCompleted, by, t.now, id, OperationPlanned)
	if err != nil {
		return fmt.Errorf("complete operation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("operation %s is already completed: %w", id, ErrConflict)
	}
	for _, c := range children {
		docs, err := json.Marshal(nonNilStrings(c.Documents))
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE operation_children SET outcome = $1, handed_by = $2, received_by = $3, handed_at = $4, documents = $5, reason = $6
			WHERE operation_id = $7 AND case_id = $8 AND outcome = $9`,
			c.Outcome, c.HandedBy, c.ReceivedBy, timeOrNil(c.HandedAt), string(docs), c.Reason, id, c.CaseID, ChildPlanned)
		if err != nil {
			return fmt.Errorf("operation child: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("case %s is not a planned child of operation %s: %w", c.CaseID, id, ErrNotFound)
		}
	}
	return nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
