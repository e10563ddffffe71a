package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// SetLedgerChunk makes a ledger batch write n entries per statement, on
// both databases, until the returned function restores the sizes.
func SetLedgerChunk(n int) (restore func()) {
	s, p := ledgerChunkSQLite, ledgerChunkPostgres
	ledgerChunkSQLite, ledgerChunkPostgres = n, n
	return func() { ledgerChunkSQLite, ledgerChunkPostgres = s, p }
}

// ExecForTest runs a statement in the transaction (tests that put the
// tables in a given state).
func (t *Tx) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := t.exec(ctx, q, args...)
	return err
}

// QueryRowForTest runs a query of one row in the transaction.
func (t *Tx) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return t.queryRow(ctx, q, args...)
}

// SetAuditBatchHook makes every audit batch run fn, with the number of its
// entries, in its transaction before writing them; an error fails the
// batch. nil removes the hook. Set it while no ReadTx runs.
func (s *Store) SetAuditBatchHook(fn func(entries int) error) { s.audit.beforeWrite = fn }

// SetAuditStealHook sets fn to run in a write's transaction once it has
// taken readers waiting for the audit batch (their count); an error from
// it fails the write. nil removes the hook. Set it while no write runs.
func (s *Store) SetAuditStealHook(fn func(readers int) error) { s.audit.afterSteal = fn }

// AuditQueued is the number of ReadTx waiting for the next audit batch.
func (s *Store) AuditQueued() int {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	return len(s.audit.queue)
}

// SetFamilyPlanMost sets how many records with a family name prefix a page
// may read through the family name index, until restore.
func SetFamilyPlanMost(n int) (restore func()) {
	old := familyPlanMost
	familyPlanMost = n
	return func() { familyPlanMost = old }
}

// FamilyRange exposes familyRange.
func FamilyRange(prefix string) (lo, hi string) { return familyRange(prefix) }

// Statements is the number of statements the transaction has run.
func (t *Tx) Statements() uint64 { return t.statements }

// ListPlan is the database's plan of f's page as the store would read it:
// through the family name index if familyPlan chooses it (byFamily).
func (s *Store) ListPlan(ctx context.Context, f RecordFilter) (plan string, byFamily bool, err error) {
	err = s.ReadTx(ctx, func(t *Tx) (err error) {
		f.byFamily, err = t.familyPlan(ctx, f)
		return err
	})
	if err != nil {
		return "", false, err
	}
	q, args := f.listQuery(s.dialect)
	plan, err = s.explain(ctx, q, args)
	return plan, f.byFamily, err
}

// FamilyCountPlan is the database's plan of familyPlan's count of the
// records of kind with the family name prefix.
func (s *Store) FamilyCountPlan(ctx context.Context, kind domain.Kind, prefix string) (string, error) {
	lo, hi := familyRange(prefix)
	q, args := familyCountQuery(s.dialect, string(kind), lo, hi)
	return s.explain(ctx, q, args)
}

// explain is the plan of q: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
// EXPLAIN without costs.
func (s *Store) explain(ctx context.Context, q string, args []any) (string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if s.dialect == Postgres {
		prefix = "EXPLAIN (COSTS OFF) "
	}
	rows, err := s.db.QueryContext(ctx, prefix+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if s.dialect == Postgres {
			err = rows.Scan(&line)
		} else {
			var id, parent, unused int
			err = rows.Scan(&id, &parent, &unused, &line)
		}
		if err != nil {
			return "", err
		}
		plan = append(plan, line)
	}
	return strings.Join(plan, "\n"), rows.Err()
}
