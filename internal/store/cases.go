package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Vote is one party's decision on a proposed pair.
type Vote struct {
	CandidateID string    `json:"candidate_id"`
	OrgID       string    `json:"organisation_id"`
	Voter       string    `json:"voter"`
	Confirm     bool      `json:"confirm"`
	Reason      string    `json:"reason,omitempty"`
	VotedAt     time.Time `json:"voted_at"`
}

// CastVote records org's vote on a candidate. A party votes once: a second
// vote is a conflict.
func (t *Tx) CastVote(ctx context.Context, v *Vote) error {
	v.VotedAt = t.now
	res, err := t.exec(ctx, `INSERT INTO candidate_votes (candidate_id, org_id, voter, confirm, reason, voted_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (candidate_id, org_id) DO NOTHING`, v.CandidateID, v.OrgID, v.Voter, v.Confirm, v.Reason, t.now)
	if err != nil {
		return fmt.Errorf("cast vote: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("candidate %s: this organisation has already voted: %w", v.CandidateID, ErrConflict)
	}
	return nil
}

// Votes returns the votes on a candidate, by organisation.
func (t *Tx) Votes(ctx context.Context, candidateID string) ([]Vote, error) {
	// Prepared: scanAll reads every row before anything else runs.
	rows, err := t.queryPrepared(ctx, `SELECT candidate_id, org_id, voter, confirm, reason, voted_at FROM candidate_votes WHERE candidate_id = $1 ORDER BY org_id`, candidateID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (v Vote, err error) {
		var at nullTime
		err = r.Scan(&v.CandidateID, &v.OrgID, &v.Voter, &v.Confirm, &v.Reason, &at)
		v.VotedAt = at.Time
		return v, err
	})
}

// Case is a reunification case: a confirmed pair on its way home.
type Case struct {
	ID          string    `json:"id"`
	Number      int       `json:"number"`
	CandidateID string    `json:"candidate_id"`
	RequestID   string    `json:"request_id"`
	ChildID     string    `json:"child_id"`
	RequestOrg  string    `json:"request_organisation_id"`
	ChildOrg    string    `json:"child_organisation_id"`
	MediatorOrg string    `json:"mediator_organisation_id,omitempty"`
	State       string    `json:"state"`
	Category    string    `json:"category"`
	Turned18    string    `json:"turned_18"` // yes, no, possibly, unknown
	OpenedAt    time.Time `json:"opened_at"`
	StateSince  time.Time `json:"state_since"`
	ReunitedOn  string    `json:"reunited_on,omitempty"` // YYYY-MM-DD
	Version     int       `json:"version"`
}

// Parties are the organisations a case concerns: the two owners and the
// mediator.
func (c *Case) Parties() []string {
	out := []string{c.RequestOrg, c.ChildOrg}
	if c.MediatorOrg != "" {
		out = append(out, c.MediatorOrg)
	}
	return out
}

// CaseEvent is one step of a case: a transition, who made it, why, and the
// data it needed.
type CaseEvent struct {
	ID       string    `json:"id"`
	CaseID   string    `json:"case_id"`
	Seq      int       `json:"seq"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	ActorOrg string    `json:"actor_organisation_id"`
	Reason   string    `json:"reason,omitempty"`
	Data     string    `json:"-"` // JSON
}

const caseColumns = `id, number, candidate_id, request_id, child_id, request_org, child_org, mediator_org, state, category, turned18, opened_at, state_since, reunited_on, version`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var med, reunited sql.NullString
	var opened, since nullTime
	err := row.Scan(&c.ID, &c.Number, &c.CandidateID, &c.RequestID, &c.ChildID, &c.RequestOrg, &c.ChildOrg, &med, &c.State, &c.Category, &c.Turned18, &opened, &since, &reunited, &c.Version)
	c.MediatorOrg, c.ReunitedOn, c.OpenedAt, c.StateSince = med.String, reunited.String, opened.Time, since.Time
	return c, err
}

// InsertCase opens a case, numbering it after the last, with its first
// event.
func (t *Tx) InsertCase(ctx context.Context, c *Case, first CaseEvent) error {
	if err := t.queryRow(ctx, `SELECT coalesce(max(number), 0) + 1 FROM cases`).Scan(&c.Number); err != nil {
		return err
	}
	c.ID, c.OpenedAt, c.StateSince, c.Version = newID(), t.now, t.now, 1
	_, err := t.exec(ctx, `INSERT INTO cases (`+caseColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		c.ID, c.Number, c.CandidateID, c.RequestID, c.ChildID, c.RequestOrg, c.ChildOrg, nullable(c.MediatorOrg), c.State, c.Category, c.Turned18,
		t.now, t.now, nullable(c.ReunitedOn), c.Version)
	if err != nil {
		return fmt.Errorf("insert case: %w", err)
	}
	first.CaseID, first.To = c.ID, c.State
	return t.appendCaseEvent(ctx, &first, 1)
}

func (t *Tx) appendCaseEvent(ctx context.Context, e *CaseEvent, seq int) error {
	e.ID, e.Seq, e.At = newID(), seq, t.now
	if e.Data == "" {
		e.Data = "{}"
	}
	_, err := t.exec(ctx, `INSERT INTO case_events (id, case_id, seq, from_state, to_state, at, actor, actor_org, reason, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.CaseID, e.Seq, e.From, e.To, t.now, e.Actor, e.ActorOrg, e.Reason, e.Data)
	if err != nil {
		return fmt.Errorf("case event: %w", err)
	}
	return nil
}

// MoveCase changes a case's state if it is still at version (someone else
// may have moved it first: a conflict), and records the event. reunitedOn,
// if not empty, is stored as the day of reunification.
func (t *Tx) MoveCase(ctx context.Context, c *Case, e CaseEvent, reunitedOn string) error {
	res, err := t.exec(ctx, `UPDATE cases SET state = $1, state_since = $2, version = version + 1, reunited_on = coalesce($3, reunited_on)
		WHERE id = $4 AND version = $5`, e.To, t.now, nullable(reunitedOn), c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("move case: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("case %d has changed since version %d: %w", c.Number, c.Version, ErrConflict)
	}
	var seq int
	if err := t.queryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM case_events WHERE case_id = $1`, c.ID).Scan(&seq); err != nil {
		return err
	}
	e.CaseID, e.From = c.ID, c.State
	if err := t.appendCaseEvent(ctx, &e, seq); err != nil {
		return err
	}
	c.State, c.StateSince, c.Version = e.To, t.now, c.Version+1
	if reunitedOn != "" {
		c.ReunitedOn = reunitedOn
	}
	return nil
}

// Case returns one case.
func (t *Tx) Case(ctx context.Context, id string) (Case, error) {
	if !validID(id) {
		return Case{}, fmt.Errorf("case %q: %w", id, ErrNotFound)
	}
	c, err := scanCase(t.queryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("case %s: %w", id, ErrNotFound)
	}
	return c, err
}

// CaseFilter selects cases.
type CaseFilter struct {
	// PartyOf limits the cases to those this organisation is a party to;
	// empty for the operator's reports over all cases.
	PartyOf  string
	State    string
	Turned18 string // yes, no, possibly: as of the day the case opened
	RecordID string
	Limit    int
}

// Cases lists cases, newest first.
func (t *Tx) Cases(ctx context.Context, f CaseFilter) ([]Case, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds = append(conds, "1 = 1")
	if f.PartyOf != "" {
		p := arg(f.PartyOf)
		conds = append(conds, "(request_org = "+p+" OR child_org = "+p+" OR mediator_org = "+p+")")
	}
	if f.State != "" {
		conds = append(conds, "state = "+arg(f.State))
	}
	if f.Turned18 != "" {
		conds = append(conds, "turned18 = "+arg(f.Turned18))
	}
	if f.RecordID != "" {
		if !validID(f.RecordID) {
			return nil, nil
		}
		p := arg(f.RecordID)
		conds = append(conds, "(request_id = "+p+" OR child_id = "+p+")")
	}
	q := `SELECT ` + caseColumns + ` FROM cases WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY number DESC`
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	// Prepared: scanAll reads every row before anything else runs.
	rows, err := t.queryPrepared(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	return scanAll(rows, scanCase)
}

// CaseEvents returns a case's history, oldest first.
func (t *Tx) CaseEvents(ctx context.Context, caseID string) ([]CaseEvent, error) {
	rows, err := t.query(ctx, `SELECT id, case_id, seq, from_state, to_state, at, actor, actor_org, reason, data FROM case_events WHERE case_id = $1 ORDER BY seq`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CaseEvent
	for rows.Next() {
		var e CaseEvent
		var at nullTime
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Seq, &e.From, &e.To, &at, &e.Actor, &e.ActorOrg, &e.Reason, &e.Data); err != nil {
			return nil, err
		}
		e.At = at.Time
		out = append(out, e)
	}
	return out, rows.Err()
}

// AllCaseEvents calls fn for every case event, oldest first: the input of
// the pipeline report.
func (t *Tx) AllCaseEvents(ctx context.Context, fn func(CaseEvent) error) error {
	rows, err := t.query(ctx, `SELECT id, case_id, seq, from_state, to_state, at, actor, actor_org, reason, '{}' FROM case_events ORDER BY case_id, seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e CaseEvent
		var at nullTime
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Seq, &e.From, &e.To, &at, &e.Actor, &e.ActorOrg, &e.Reason, &e.Data); err != nil {
			return err
		}
		e.At = at.Time
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Message is a note on a case's channel between the parties.
type Message struct {
	ID       string    `json:"id"`
	CaseID   string    `json:"case_id"`
	ParentID string    `json:"parent_id,omitempty"`
	OrgID    string    `json:"organisation_id"`
	Author   string    `json:"author"`
	At       time.Time `json:"at"`
	Body     string    `json:"body"`
}

// InsertMessage adds a message to a case's channel. A reply's parent must
// be on the same case.
func (t *Tx) InsertMessage(ctx context.Context, m *Message) error {
	if m.ParentID != "" {
		var caseID string
		err := t.queryRow(ctx, `SELECT case_id FROM case_messages WHERE id = $1`, m.ParentID).Scan(&caseID)
		if !validID(m.ParentID) || errors.Is(err, sql.ErrNoRows) || err == nil && caseID != m.CaseID {
			return fmt.Errorf("message %s on this case: %w", m.ParentID, ErrNotFound)
		}
		if err != nil {
			return err
		}
	}
	m.ID, m.At = newID(), t.now
	_, err := t.exec(ctx, `INSERT INTO case_messages (id, case_id, parent_id, org_id, author, at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, m.CaseID, nullable(m.ParentID), m.OrgID, m.Author, t.now, m.Body)
	return err
}

// Messages returns a case's messages, oldest first.
func (t *Tx) Messages(ctx context.Context, caseID string) ([]Message, error) {
	rows, err := t.query(ctx, `SELECT id, case_id, parent_id, org_id, author, at, body FROM case_messages WHERE case_id = $1 ORDER BY at, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var parent sql.NullString
		var at nullTime
		if err := rows.Scan(&m.ID, &m.CaseID, &parent, &m.OrgID, &m.Author, &at, &m.Body); err != nil {
			return nil, err
		}
		m.ParentID, m.At = parent.String, at.Time
		out = append(out, m)
	}
	return out, rows.Err()
}

// Attachment is a document or photo on a case, sealed at rest.
type Attachment struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	MessageID   string    `json:"message_id,omitempty"`
	OrgID       string    `json:"organisation_id"`
	Author      string    `json:"author"`
	At          time.Time `json:"at"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	KeyID       string    `json:"-"`
	Sealed      []byte    `json:"-"`
}

// NewAttachmentID returns the id an attachment will be stored under, so
// that it can be bound into the seal before the row exists.
func NewAttachmentID() string { return newID() }

// InsertAttachment stores a sealed attachment; a.ID must be set (see
// NewAttachmentID).
func (t *Tx) InsertAttachment(ctx context.Context, a *Attachment) error {
	a.At = t.now
	_, err := t.exec(ctx, `INSERT INTO case_attachments (id, case_id, message_id, org_id, author, at, name, content_type, size, key_id, sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		a.ID, a.CaseID, nullable(a.MessageID), a.OrgID, a.Author, t.now, a.Name, a.ContentType, a.Size, a.KeyID, a.Sealed)
	return err
}

// Attachment returns one attachment with its sealed content.
func (t *Tx) Attachment(ctx context.Context, id string) (Attachment, error) {
	var a Attachment
	if !validID(id) {
		return a, fmt.Errorf("attachment %q: %w", id, ErrNotFound)
	}
	var msg sql.NullString
	var at nullTime
	err := t.queryRow(ctx, `SELECT id, case_id, message_id, org_id, author, at, name, content_type, size, key_id, sealed FROM case_attachments WHERE id = $1`, id).
		Scan(&a.ID, &a.CaseID, &msg, &a.OrgID, &a.Author, &at, &a.Name, &a.ContentType, &a.Size, &a.KeyID, &a.Sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %s: %w", id, ErrNotFound)
	}
	a.MessageID, a.At = msg.String, at.Time
	return a, err
}

// Attachments lists a case's attachments, without their content.
func (t *Tx) Attachments(ctx context.Context, caseID string) ([]Attachment, error) {
	rows, err := t.query(ctx, `SELECT id, case_id, message_id, org_id, author, at, name, content_type, size FROM case_attachments WHERE case_id = $1 ORDER BY at, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var msg sql.NullString
		var at nullTime
		if err := rows.Scan(&a.ID, &a.CaseID, &msg, &a.OrgID, &a.Author, &at, &a.Name, &a.ContentType, &a.Size); err != nil {
			return nil, err
		}
		a.MessageID, a.At = msg.String, at.Time
		out = append(out, a)
	}
	return out, rows.Err()
}
