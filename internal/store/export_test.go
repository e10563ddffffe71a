package store

import (
	"context"
	"database/sql"
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
