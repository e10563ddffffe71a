package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/sharing"
)

// SharingPolicy returns the policy for records of owner seen by viewer: the
// stored one, or the default.
func (t *Tx) SharingPolicy(ctx context.Context, owner, viewer string) (sharing.Policy, error) {
	if !validID(owner) || !validID(viewer) {
		return sharing.Default(owner, viewer), nil
	}
	var listed, handover string
	err := t.queryRow(ctx, `SELECT listed, handover FROM sharing_policies WHERE owner_org = $1 AND viewer_org = $2`, owner, viewer).Scan(&listed, &handover)
	if errors.Is(err, sql.ErrNoRows) {
		return sharing.Default(owner, viewer), nil
	}
	if err != nil {
		return sharing.Policy{}, fmt.Errorf("sharing policy: %w", err)
	}
	p := sharing.Policy{Owner: owner, Viewer: viewer}
	if err := json.Unmarshal([]byte(listed), &p.Listed); err != nil {
		return p, fmt.Errorf("sharing policy %s→%s: listed: %w", owner, viewer, err)
	}
	if err := json.Unmarshal([]byte(handover), &p.Handover); err != nil {
		return p, fmt.Errorf("sharing policy %s→%s: handover: %w", owner, viewer, err)
	}
	return p, nil
}

// SetSharingPolicy stores a policy, replacing the pair's previous one.
func (t *Tx) SetSharingPolicy(ctx context.Context, p sharing.Policy, by string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	listed, _ := json.Marshal(nonNil(p.Listed))
	handover, _ := json.Marshal(nonNil(p.Handover))
	_, err := t.exec(ctx, `INSERT INTO sharing_policies (owner_org, viewer_org, listed, handover, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (owner_org, viewer_org) DO UPDATE SET listed = excluded.listed, handover = excluded.handover,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		p.Owner, p.Viewer, string(listed), string(handover), t.now, by)
	if err != nil {
		return fmt.Errorf("set sharing policy: %w", err)
	}
	return nil
}

func nonNil(f []sharing.Field) []sharing.Field {
	if f == nil {
		return []sharing.Field{}
	}
	return f
}

// List is a set of records a party hands over to other organisations.
type List struct {
	ID          string          `json:"id"`
	OrgID       string          `json:"organisation_id"`
	Number      int             `json:"number"` // per submitting organisation: 1, 2, 3…
	Kind        domain.Kind     `json:"kind"`
	Count       int             `json:"count"`
	SubmittedBy string          `json:"submitted_by"`
	SubmittedAt time.Time       `json:"submitted_at"`
	Note        string          `json:"note,omitempty"`
	Recipients  []ListRecipient `json:"recipients"`
}

// ListRecipient is an organisation a list was sent to, and its receipt.
type ListRecipient struct {
	OrgID          string    `json:"organisation_id"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	AcknowledgedBy string    `json:"acknowledged_by,omitempty"`
}

// InsertList stores a list of records, numbering it after the
// organisation's previous ones. The records must belong to the list's
// organisation and be of its kind.
func (t *Tx) InsertList(ctx context.Context, l *List, recordIDs []string) error {
	if len(recordIDs) == 0 {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "record_ids", Detail: "a list needs at least one record"}}}
	}
	slices.Sort(recordIDs)
	recordIDs = slices.Compact(recordIDs)
	for i, id := range recordIDs {
		r, err := t.Record(ctx, id, false)
		if errors.Is(err, ErrNotFound) || err == nil && r.OrgID != l.OrgID {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: fmt.Sprintf("record_ids[%d]", i), Detail: fmt.Sprintf("no record %s of this organisation", id)}}}
		}
		if err != nil {
			return err
		}
		if r.Kind != l.Kind {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: fmt.Sprintf("record_ids[%d]", i), Detail: fmt.Sprintf("record %s is a %s record, the list is of %s records", id, r.Kind, l.Kind)}}}
		}
		if r.Deleted != nil {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: fmt.Sprintf("record_ids[%d]", i), Detail: fmt.Sprintf("record %s is deleted", id)}}}
		}
	}
	if err := t.queryRow(ctx, `SELECT coalesce(max(number), 0) + 1 FROM lists WHERE org_id = $1`, l.OrgID).Scan(&l.Number); err != nil {
		return err
	}
	l.ID, l.Count, l.SubmittedAt = newID(), len(recordIDs), t.now
	if _, err := t.exec(ctx, `INSERT INTO lists (id, org_id, number, kind, count, submitted_by, submitted_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		l.ID, l.OrgID, l.Number, string(l.Kind), l.Count, l.SubmittedBy, t.now, l.Note); err != nil {
		return fmt.Errorf("insert list: %w", err)
	}
	for len(recordIDs) > 0 {
		n := min(len(recordIDs), MaxBatch)
		args := make([]any, 0, 2*n)
		for _, id := range recordIDs[:n] {
			args = append(args, l.ID, id)
		}
		if _, err := t.exec(ctx, t.multiInsert(`INSERT INTO list_records (list_id, record_id) VALUES `, 2, n), args...); err != nil {
			return fmt.Errorf("insert list records: %w", err)
		}
		recordIDs = recordIDs[n:]
	}
	for _, rc := range l.Recipients {
		if _, err := t.exec(ctx, `INSERT INTO list_recipients (list_id, org_id) VALUES ($1, $2)`, l.ID, rc.OrgID); err != nil {
			return fmt.Errorf("insert list recipient: %w", err)
		}
		// The recipient now sees the list's records (as its policy says).
		if _, err := t.exec(ctx, `INSERT INTO record_visibility (org_id, kind, record_id)
			SELECT $1, $2, record_id FROM list_records WHERE list_id = $3 ON CONFLICT DO NOTHING`, rc.OrgID, string(l.Kind), l.ID); err != nil {
			return fmt.Errorf("record visibility of list recipient: %w", err)
		}
	}
	return nil
}

// Lists returns the lists org submitted or received, newest first.
func (t *Tx) Lists(ctx context.Context, org string) ([]List, error) {
	rows, err := t.query(ctx, `SELECT id, org_id, number, kind, count, submitted_by, submitted_at, note FROM lists l
		WHERE org_id = $1 OR EXISTS (SELECT 1 FROM list_recipients rc WHERE rc.list_id = l.id AND rc.org_id = $1)
		ORDER BY submitted_at DESC, id DESC`, org)
	if err != nil {
		return nil, fmt.Errorf("lists: %w", err)
	}
	out, err := scanAll(rows, scanList)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Recipients, err = t.listRecipients(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// List returns one list with its recipients.
func (t *Tx) List(ctx context.Context, id string) (List, error) {
	if !validID(id) {
		return List{}, fmt.Errorf("list %q: %w", id, ErrNotFound)
	}
	l, err := scanList(t.queryRow(ctx, `SELECT id, org_id, number, kind, count, submitted_by, submitted_at, note FROM lists WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("list %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return l, err
	}
	l.Recipients, err = t.listRecipients(ctx, id)
	return l, err
}

func scanList(row interface{ Scan(...any) error }) (List, error) {
	var l List
	var at nullTime
	err := row.Scan(&l.ID, &l.OrgID, &l.Number, &l.Kind, &l.Count, &l.SubmittedBy, &at, &l.Note)
	l.SubmittedAt = at.Time
	return l, err
}

func (t *Tx) listRecipients(ctx context.Context, listID string) ([]ListRecipient, error) {
	rows, err := t.query(ctx, `SELECT org_id, acknowledged_at, acknowledged_by FROM list_recipients WHERE list_id = $1 ORDER BY org_id`, listID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ListRecipient
	for rows.Next() {
		var rc ListRecipient
		var at nullTime
		var by sql.NullString
		if err := rows.Scan(&rc.OrgID, &at, &by); err != nil {
			return nil, err
		}
		rc.AcknowledgedAt, rc.AcknowledgedBy = at.Time, by.String
		out = append(out, rc)
	}
	return out, rows.Err()
}

// ListRecordIDs returns the ids of a list's records.
func (t *Tx) ListRecordIDs(ctx context.Context, listID string) ([]string, error) {
	rows, err := t.query(ctx, `SELECT record_id FROM list_records WHERE list_id = $1 ORDER BY record_id`, listID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// AcknowledgeList records org's receipt of a list. Acknowledging twice is
// a conflict; acknowledging a list not sent to org is not found.
func (t *Tx) AcknowledgeList(ctx context.Context, listID, org, by string) error {
	if !validID(listID) {
		return fmt.Errorf("list %q: %w", listID, ErrNotFound)
	}
	res, err := t.exec(ctx, `UPDATE list_recipients SET acknowledged_at = $1, acknowledged_by = $2
		WHERE list_id = $3 AND org_id = $4 AND acknowledged_at IS NULL`, t.now, by, listID, org)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var x int
		err := t.queryRow(ctx, `SELECT 1 FROM list_recipients WHERE list_id = $1 AND org_id = $2`, listID, org).Scan(&x)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("list %s: %w", listID, ErrNotFound)
		}
		return fmt.Errorf("list %s was already acknowledged: %w", listID, ErrConflict)
	}
	return nil
}

// ListedTo returns the organisations that have received a list holding
// record id.
func (t *Tx) ListedTo(ctx context.Context, recordID string) ([]string, error) {
	rows, err := t.query(ctx, `SELECT DISTINCT rc.org_id FROM list_records lr JOIN list_recipients rc ON rc.list_id = lr.list_id
		WHERE lr.record_id = $1 ORDER BY rc.org_id`, recordID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SharedWith reports whether record id is in a list org has received.
func (t *Tx) SharedWith(ctx context.Context, recordID, org string) (bool, error) {
	var x int
	err := t.queryRow(ctx, `SELECT 1 FROM list_records lr JOIN list_recipients rc ON rc.list_id = lr.list_id
		WHERE lr.record_id = $1 AND rc.org_id = $2 LIMIT 1`, recordID, org).Scan(&x)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ListedToAll maps every listed record to the organisations that received
// it: what cross-party matching needs to know of every record at once.
func (t *Tx) ListedToAll(ctx context.Context) (map[string][]string, error) {
	rows, err := t.query(ctx, `SELECT DISTINCT lr.record_id, rc.org_id FROM list_records lr JOIN list_recipients rc ON rc.list_id = lr.list_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var rec, org string
		if err := rows.Scan(&rec, &org); err != nil {
			return nil, err
		}
		out[rec] = append(out[rec], org)
	}
	return out, rows.Err()
}
