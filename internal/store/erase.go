package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// ErasedReason is what a record erased on a lawful request says instead of
// its deletion reason (which, free text, may have named someone).
const ErasedReason = "erased on a lawful request"

// Erasure is the tombstone an erased record leaves.
type Erasure struct {
	RecordID   string      `json:"record_id"`
	Kind       domain.Kind `json:"kind"`
	OrgID      string      `json:"organisation_id"`
	ErasedAt   time.Time   `json:"erased_at"`
	ErasedBy   string      `json:"erased_by"`
	LegalBasis string      `json:"legal_basis"`
	// Cases are the ids of the cases the record took part in, whose free
	// text and attachments were erased with it.
	Cases []string `json:"cases,omitempty"`
}

// ErrErased: the record was erased; nothing of it is left to change.
var ErrErased = errors.New("the record has been erased")

// Erased returns the tombstone of an erased record, or ErrNotFound.
func (t *Tx) Erased(ctx context.Context, id string) (Erasure, error) {
	var e Erasure
	if !validID(id) {
		return e, fmt.Errorf("erasure of %q: %w", id, ErrNotFound)
	}
	var at nullTime
	err := t.queryRow(ctx, `SELECT record_id, kind, org_id, erased_at, erased_by, legal_basis FROM record_erasures WHERE record_id = $1`, id).
		Scan(&e.RecordID, &e.Kind, &e.OrgID, &at, &e.ErasedBy, &e.LegalBasis)
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("erasure of %s: %w", id, ErrNotFound)
	}
	e.ErasedAt = at.Time
	return e, err
}

// EraseRecord removes the personal data of a record and what hangs on it,
// keeps a tombstone, and returns it. What is removed, and why:
//
//   - the record: its person description becomes an empty one, its
//     enquirer, external id and every column derived for search (folded
//     names, sex, birth dates, category) are emptied, and it becomes a
//     deleted record (if it was not one) whose reason is ErasedReason. The
//     row stays, with its id, owner, kind and times: lists, candidates,
//     cases and the ledger's entries refer to the id;
//   - its sensitive fields (record_sensitive) and every superseded version
//     (record_history): they are copies of the same data;
//   - the name search keys of record_name_keys, where that table exists;
//   - on every proposed pair that includes it: the engine's explanation
//     (it quotes both records' names and places) and the free-text reasons
//     of the decision and of each party's vote;
//   - on every case it is a party to: the messages' text, the attachments
//     (rows and sealed content), the reasons and data of the case's events,
//     and the handover details of its operations (who handed over and
//     received the child, documents, why a child stayed behind). A case is
//     about one child, whom both of its records describe, so all of that
//     concerns the person erased, whichever of the two records is erased.
//     The case row itself stays (state, category, turned 18, reunification
//     date): it holds no name, and the public statistics count it.
//
// What stays, on purpose: the audit trail (ids, actions and times, on a
// hash chain that an edit would break; callers do not write names in it),
// the ledger (it holds only ids and salted hashes, so it stays verifiable
// and, without the data, the hashes cannot be recomputed), and meeting
// minutes and attachments, which are sealed, cover many cases at once and
// are the meeting's record, not the person's.
func (t *Tx) EraseRecord(ctx context.Context, actor Actor, id, legalBasis string) (Erasure, error) {
	r, err := t.Record(ctx, id, false)
	if err != nil {
		return Erasure{}, err
	}
	if _, err := t.Erased(ctx, id); err == nil {
		return Erasure{}, fmt.Errorf("record %s: %w", id, ErrErased)
	} else if !errors.Is(err, ErrNotFound) {
		return Erasure{}, err
	}
	e := Erasure{RecordID: r.ID, Kind: r.Kind, OrgID: r.OrgID, ErasedAt: t.now, ErasedBy: actor.ID, LegalBasis: legalBasis}
	steps := []struct {
		what string
		q    string
	}{
		{"record", `UPDATE records SET person = '{"names":[]}', enquirer = NULL, external_id = '', family_fold = '', given_fold = '',
			sex = '', birth_earliest = '', birth_latest = '', category = '', notes_sealed = NULL, version = version + 1, updated_at = $2, updated_by = $3,
			deleted_at = COALESCE(deleted_at, $2), deleted_by = COALESCE(deleted_by, $3), delete_reason = $4 WHERE id = $1`},
		{"sensitive fields", `DELETE FROM record_sensitive WHERE record_id = $1`},
		{"versions", `DELETE FROM record_history WHERE record_id = $1`},
		{"pairs", `UPDATE match_candidates SET explanation = '{}', reason = '' WHERE request_id = $1 OR child_id = $1`},
		{"votes", `UPDATE candidate_votes SET reason = '' WHERE candidate_id IN
			(SELECT id FROM match_candidates WHERE request_id = $1 OR child_id = $1)`},
		{"attachments", `DELETE FROM case_attachments WHERE case_id IN (SELECT id FROM cases WHERE request_id = $1 OR child_id = $1)`},
		{"messages", `UPDATE case_messages SET body = '' WHERE case_id IN (SELECT id FROM cases WHERE request_id = $1 OR child_id = $1)`},
		{"case events", `UPDATE case_events SET reason = '', data = '{}' WHERE case_id IN (SELECT id FROM cases WHERE request_id = $1 OR child_id = $1)`},
		{"handovers", `UPDATE operation_children SET handed_by = '', received_by = '', documents = '[]', reason = ''
			WHERE case_id IN (SELECT id FROM cases WHERE request_id = $1 OR child_id = $1)`},
	}
	for _, s := range steps {
		args := []any{id}
		if s.what == "record" {
			args = append(args, t.now, actor.ID, ErasedReason)
		}
		if _, err := t.exec(ctx, s.q, args...); err != nil {
			return Erasure{}, fmt.Errorf("erase record %s: %s: %w", id, s.what, err)
		}
	}
	// record_name_keys is added by another migration (00009) that may not
	// be in this database yet; where it is, the record's keys go too.
	if ok, err := t.tableExists(ctx, "record_name_keys"); err != nil {
		return Erasure{}, err
	} else if ok {
		if _, err := t.exec(ctx, `DELETE FROM record_name_keys WHERE record_id = $1`, id); err != nil {
			return Erasure{}, fmt.Errorf("erase record %s: name keys: %w", id, err)
		}
	}
	rows, err := t.query(ctx, `SELECT id FROM cases WHERE request_id = $1 OR child_id = $1 ORDER BY number`, id)
	if err != nil {
		return Erasure{}, err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return Erasure{}, err
		}
		e.Cases = append(e.Cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Erasure{}, err
	}
	if _, err := t.exec(ctx, `INSERT INTO record_erasures (record_id, kind, org_id, erased_at, erased_by, legal_basis) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.RecordID, string(e.Kind), e.OrgID, e.ErasedAt, e.ErasedBy, e.LegalBasis); err != nil {
		return Erasure{}, fmt.Errorf("erase record %s: tombstone: %w", id, err)
	}
	return e, nil
}

// tableExists reports whether the database has a table of that name.
func (t *Tx) tableExists(ctx context.Context, name string) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if t.dialect == Postgres {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := t.queryRow(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", name, err)
	}
	return n > 0, nil
}
