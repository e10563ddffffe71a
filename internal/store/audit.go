package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Audit outcomes.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
)

// AuditEntry is one row of the audit trail: who did what to which record,
// and whether they were allowed to.
type AuditEntry struct {
	ID         int64       `json:"id"`
	At         time.Time   `json:"at"`
	Actor      string      `json:"actor"`
	ActorOrg   string      `json:"actor_organisation_id,omitempty"`
	Action     string      `json:"action"`
	Outcome    string      `json:"outcome"`
	RecordID   string      `json:"record_id,omitempty"`
	RecordOrg  string      `json:"record_organisation_id,omitempty"`
	RecordKind domain.Kind `json:"record_kind,omitempty"`
	Detail     string      `json:"detail,omitempty"`
}

// AppendAudit writes audit entries in the transaction, all at its time.
func (t *Tx) AppendAudit(ctx context.Context, entries ...AuditEntry) error {
	for len(entries) > 0 {
		n := min(len(entries), MaxBatch)
		args := make([]any, 0, n*9)
		for _, e := range entries[:n] {
			args = append(args, t.now, e.Actor, nullable(e.ActorOrg), e.Action, e.Outcome,
				nullable(e.RecordID), nullable(e.RecordOrg), string(e.RecordKind), e.Detail)
		}
		q := t.multiInsert(`INSERT INTO audit_log (at, actor, actor_org, action, outcome, record_id, record_org, record_kind, detail) VALUES `, 9, n)
		if _, err := t.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("append audit: %w", err)
		}
		entries = entries[n:]
	}
	return nil
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	// VisibleTo limits the entries to those an organisation's auditors may
	// see: acts by its people, and acts on its records by anyone (so that an
	// attempt from outside shows up to the owner). "" means every entry.
	VisibleTo string
	RecordID  string
	Actor     string
	Action    string
	Outcome   string
	Since     time.Time
	Before    int64 // cursor: entries with a smaller id
	Limit     int
}

// Audit lists audit entries matching f, newest first.
func (t *Tx) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.VisibleTo != "" {
		p := arg(f.VisibleTo)
		conds = append(conds, "(actor_org = "+p+" OR record_org = "+p+")")
	}
	if f.RecordID != "" {
		if !validID(f.RecordID) {
			return nil, nil
		}
		conds = append(conds, "record_id = "+arg(f.RecordID))
	}
	if f.Actor != "" {
		conds = append(conds, "actor = "+arg(f.Actor))
	}
	if f.Action != "" {
		conds = append(conds, "action = "+arg(f.Action))
	}
	if f.Outcome != "" {
		conds = append(conds, "outcome = "+arg(f.Outcome))
	}
	if !f.Since.IsZero() {
		conds = append(conds, "at >= "+arg(f.Since))
	}
	if f.Before > 0 {
		conds = append(conds, "id < "+arg(f.Before))
	}
	q := `SELECT id, at, actor, actor_org, action, outcome, record_id, record_org, record_kind, detail FROM audit_log`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at nullTime
		var actorOrg, recID, recOrg sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Actor, &actorOrg, &e.Action, &e.Outcome, &recID, &recOrg, &e.RecordKind, &e.Detail); err != nil {
			return nil, err
		}
		e.At, e.ActorOrg, e.RecordID, e.RecordOrg = at.Time, actorOrg.String, recID.String, recOrg.String
		out = append(out, e)
	}
	return out, rows.Err()
}
