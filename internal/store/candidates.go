package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Candidate statuses.
const (
	CandidateProposed  = "proposed"
	CandidateConfirmed = "confirmed"
	CandidateRejected  = "rejected"
)

// Candidate is a pair the matching engine proposes: a tracing request and a
// child record that may be the same child.
type Candidate struct {
	ID             string    `json:"id"`
	RequestID      string    `json:"request_id"`
	ChildID        string    `json:"child_id"`
	RequestOrg     string    `json:"request_organisation_id"`
	ChildOrg       string    `json:"child_organisation_id"`
	RequestVersion int       `json:"request_version"`
	ChildVersion   int       `json:"child_version"`
	Probability    float64   `json:"probability"`
	Explanation    string    `json:"-"` // JSON, as the engine wrote it
	Status         string    `json:"status"`
	ProposedAt     time.Time `json:"proposed_at"`
	DecidedAt      time.Time `json:"decided_at,omitzero"`
	DecidedBy      string    `json:"decided_by,omitempty"`
	DecidedOrg     string    `json:"decided_organisation_id,omitempty"`
	Reason         string    `json:"reason,omitempty"`
}

// ProposeCandidates records the engine's proposals. A new pair is added as
// proposed; a pair still proposed takes its new score; a confirmed pair is
// left as it is; a rejected pair is proposed again only if one side's data
// has changed since it was rejected (its version differs), so a rejection
// is never overridden by the same evidence. Each pair may appear once.
func (t *Tx) ProposeCandidates(ctx context.Context, cs []Candidate) error {
	_, err := t.ProposeCandidatesIDs(ctx, cs)
	return err
}

// ProposeCandidatesIDs is ProposeCandidates that returns the ids of the
// candidates it proposed (new, or proposed again), sorted: the ledger
// records them. A pair left as it was (decided, and neither record
// changed) is not among them; a pair already proposed keeps its id.
func (t *Tx) ProposeCandidatesIDs(ctx context.Context, cs []Candidate) ([]string, error) {
	var ids []string
	for len(cs) > 0 {
		n := min(len(cs), MaxBatch)
		args := make([]any, 0, n*11)
		for i := range cs[:n] {
			c := &cs[i]
			if c.ID == "" {
				c.ID = newID()
			}
			args = append(args, c.ID, c.RequestID, c.ChildID, c.RequestOrg, c.ChildOrg, c.RequestVersion, c.ChildVersion,
				c.Probability, c.Explanation, t.now, CandidateProposed)
		}
		q := t.multiInsert(`INSERT INTO match_candidates (id, request_id, child_id, request_org, child_org, request_version, child_version, probability, explanation, proposed_at, status) VALUES `, 11, n)
		q += ` ON CONFLICT (request_id, child_id) DO UPDATE SET
			probability = excluded.probability, explanation = excluded.explanation,
			request_version = excluded.request_version, child_version = excluded.child_version,
			status = 'proposed', proposed_at = excluded.proposed_at,
			decided_at = NULL, decided_by = NULL, decided_org = NULL, reason = ''
			WHERE match_candidates.status = 'proposed'
			   OR (match_candidates.status = 'rejected' AND (match_candidates.request_version <> excluded.request_version
			                                              OR match_candidates.child_version <> excluded.child_version))`
		q += ` RETURNING id`
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("propose candidates: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("propose candidates: %w", err)
		}
		cs = cs[n:]
	}
	slices.Sort(ids)
	return ids, nil
}

// CandidateFilter selects candidates for a review queue.
type CandidateFilter struct {
	// OrgIDs limits the queue to pairs in which one of these organisations
	// owns the request or the child. Required.
	OrgIDs         []string
	Status         string
	MinProbability float64
	// SharedWith adds the pairs both of whose records are in lists this
	// organisation received: the mediator follows them.
	SharedWith    string
	RecordID      string // pairs with this request or child
	Offset, Limit int
}

const candidateColumns = `id, request_id, child_id, request_org, child_org, request_version, child_version, probability, explanation,
	status, proposed_at, decided_at, decided_by, decided_org, reason`

func scanCandidate(row interface{ Scan(...any) error }) (Candidate, error) {
	var c Candidate
	var proposed, decided nullTime
	var by, org sql.NullString
	err := row.Scan(&c.ID, &c.RequestID, &c.ChildID, &c.RequestOrg, &c.ChildOrg, &c.RequestVersion, &c.ChildVersion, &c.Probability,
		&c.Explanation, &c.Status, &proposed, &decided, &by, &org, &c.Reason)
	c.ProposedAt, c.DecidedAt, c.DecidedBy, c.DecidedOrg = proposed.Time, decided.Time, by.String, org.String
	return c, err
}

// Candidates lists candidates matching f, most probable first.
func (t *Tx) Candidates(ctx context.Context, f CandidateFilter) ([]Candidate, error) {
	if len(f.OrgIDs) == 0 {
		return nil, nil
	}
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var orgs []string
	for _, o := range f.OrgIDs {
		orgs = append(orgs, arg(o))
	}
	in := strings.Join(orgs, ", ")
	own := "request_org IN (" + in + ") OR child_org IN (" + in + ")"
	if f.SharedWith != "" {
		org := arg(f.SharedWith)
		shared := func(col string) string {
			return `EXISTS (SELECT 1 FROM list_records lr JOIN list_recipients rc ON rc.list_id = lr.list_id WHERE lr.record_id = ` + col + ` AND rc.org_id = ` + org + `)`
		}
		own += " OR (" + shared("request_id") + " AND " + shared("child_id") + ")"
	}
	conds = append(conds, "("+own+")")
	if f.Status != "" {
		conds = append(conds, "status = "+arg(f.Status))
	}
	if f.MinProbability > 0 {
		conds = append(conds, "probability >= "+arg(f.MinProbability))
	}
	if f.RecordID != "" {
		if !validID(f.RecordID) {
			return nil, nil
		}
		p := arg(f.RecordID)
		conds = append(conds, "(request_id = "+p+" OR child_id = "+p+")")
	}
	q := `SELECT ` + candidateColumns + ` FROM match_candidates WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY probability DESC, id`
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	if f.Offset > 0 {
		q += " OFFSET " + strconv.Itoa(f.Offset)
	}
	// Prepared: scanAll reads every row before anything else runs.
	rows, err := t.queryPrepared(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list candidates: %w", err)
	}
	return scanAll(rows, scanCandidate)
}

// Candidate returns one candidate.
func (t *Tx) Candidate(ctx context.Context, id string) (Candidate, error) {
	if !validID(id) {
		return Candidate{}, fmt.Errorf("candidate %q: %w", id, ErrNotFound)
	}
	c, err := scanCandidate(t.queryRow(ctx, `SELECT `+candidateColumns+` FROM match_candidates WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("candidate %s: %w", id, ErrNotFound)
	}
	return c, err
}

// DecideCandidate confirms or rejects a proposed candidate. Deciding one
// that is no longer proposed is a conflict: someone decided first.
func (t *Tx) DecideCandidate(ctx context.Context, id, status string, actor Actor, reason string) error {
	if status != CandidateConfirmed && status != CandidateRejected {
		return fmt.Errorf("decide candidate: status %q", status)
	}
	res, err := t.exec(ctx, `UPDATE match_candidates SET status = $1, decided_at = $2, decided_by = $3, decided_org = $4, reason = $5
		WHERE id = $6 AND status = 'proposed'`, status, t.now, actor.ID, nullable(actor.OrgID), reason, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := t.Candidate(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("candidate %s has already been decided: %w", id, ErrConflict)
	}
	return nil
}
