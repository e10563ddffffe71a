package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
	Seq        int64       `json:"seq,omitempty"` // place in the hash chain (audit_chain.go)
	At         time.Time   `json:"at"`
	Actor      string      `json:"actor"`
	ActorOrg   string      `json:"actor_organisation_id,omitempty"`
	Action     string      `json:"action"`
	Outcome    string      `json:"outcome"`
	RecordID   string      `json:"record_id,omitempty"`
	RecordOrg  string      `json:"record_organisation_id,omitempty"`
	RecordKind domain.Kind `json:"record_kind,omitempty"`
	// RecordIDs are the records an act showed when it showed more than
	// one (a page of a list, the review queue, an export), all of
	// RecordOrg's and of RecordKind: one row names them all rather than a
	// row per record (audit_refs.go). RecordID is then empty.
	RecordIDs []string `json:"record_ids,omitempty"`
	Detail    string   `json:"detail,omitempty"`
}

// Records are the ids of the records the entry names: RecordID, or
// RecordIDs.
func (e AuditEntry) Records() []string {
	if e.RecordID != "" {
		return []string{e.RecordID}
	}
	return e.RecordIDs
}

// Names reports whether the entry names the record id.
func (e AuditEntry) Names(id string) bool {
	return slices.Contains(e.Records(), canonicalID(id))
}

// AppendAudit adds audit entries to the transaction, all at its time.
//
// The entries are written to the chain in bulk: when MaxBatch of them are
// waiting, and in any case just before the transaction commits (InTx). A
// transaction therefore holds the chain's head (a row lock on PostgreSQL)
// only from its first write of audit rows to its commit, which for most
// use cases is the last moment of the transaction; and whatever else it
// locks (the ledger) it locks first, so the two locks are always taken in
// the same order. Rows still waiting are not seen by Tx.Audit in the same
// transaction.
//
// The exception is a transaction that appends more than MaxBatch entries
// before it ends, such as a large import: it writes them as it goes, and
// on PostgreSQL then holds the head until it commits, so other
// transactions wait for it at their own commits. (On SQLite every writer
// waits for it anyway.) Chaining such rows at commit instead would shorten
// that wait, at the cost of a second pass over them.
//
// In a ReadTx the entries are only kept: ReadTx hands them to the audit
// batcher once the reads are done.
func (t *Tx) AppendAudit(ctx context.Context, entries ...AuditEntry) error {
	t.audit.entries = append(t.audit.entries, entries...)
	if len(t.audit.entries) >= MaxBatch && !t.readOnly {
		return t.flushAudit(ctx)
	}
	return nil
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	// VisibleTo limits the entries to those an organisation's auditors may
	// see: acts by its people, and acts on its records by anyone (so that an
	// attempt from outside shows up to the owner). "" means every entry.
	VisibleTo string
	// RecordID: the acts that named the record, alone or among others.
	RecordID string
	Actor    string
	Action   string
	Outcome  string
	Since    time.Time
	Before   int64 // cursor: entries with a smaller id
	Limit    int
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
		// Acts on the record alone; acts that named it among others,
		// through the references the indexer has written; and, past
		// them, those the indexer has not reached yet (audit_refs.go).
		id := arg(canonicalID(f.RecordID))
		conds = append(conds, "id IN (SELECT id FROM audit_log WHERE record_id = "+id+
			" UNION ALL SELECT audit_id FROM audit_record_refs WHERE record_id = "+id+
			" UNION ALL SELECT id FROM audit_log WHERE seq > (SELECT seq FROM audit_refs_state WHERE id = 1)"+
			" AND record_ids <> '' AND ' ' || record_ids || ' ' LIKE "+arg("% "+canonicalID(f.RecordID)+" %")+")")
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
	q := `SELECT id, seq, at, actor, actor_org, action, outcome, record_id, record_org, record_kind, record_ids, detail FROM audit_log`
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
		var seq sql.NullInt64
		var ids string
		if err := rows.Scan(&e.ID, &seq, &at, &e.Actor, &actorOrg, &e.Action, &e.Outcome, &recID, &recOrg, &e.RecordKind, &ids, &e.Detail); err != nil {
			return nil, err
		}
		e.At, e.ActorOrg, e.RecordID, e.RecordOrg, e.Seq = at.Time, actorOrg.String, recID.String, recOrg.String, seq.Int64
		e.RecordIDs = splitRecordIDs(ids)
		out = append(out, e)
	}
	return out, rows.Err()
}
