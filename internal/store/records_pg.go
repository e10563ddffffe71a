package store

// On PostgreSQL every statement is a round trip, and its share of the
// server's work (reading the message, a snapshot, starting the executor,
// the reply) costs as much as a small insert itself. A record's change
// writes four tables; here it does so in one statement whose parts are
// data-modifying WITH clauses, each conditioned on the record's own update
// having touched its row. PostgreSQL runs them all, to completion, on one
// snapshot, and checks foreign keys at the statement's end. SQLite, in the
// process, runs the same writes one by one (records.go).

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
)

// pgMaxParameters is the most parameters a PostgreSQL statement may have.
const pgMaxParameters = 65535

// insertInOneFits tells whether insertInOne can write recs in one
// statement, filling in their name keys: the name keys of a large batch
// may take more parameters than a statement can have, and then
// InsertRecords writes the tables one by one.
func insertInOneFits(recs []*domain.Record, prep []preparedRecord) bool {
	n := recordInsertColumns * len(recs)
	for i, r := range recs {
		prep[i].keys = nameKeys(&r.Person)
		n += 1 + len(prep[i].keys)
	}
	return n <= pgMaxParameters
}

// insertInOne turns InsertRecords' insert of the records rows (insert,
// with args; it returns the ids of the rows written) into one
// statement that also writes, for each row written, its sensitive fields,
// its visibility to its owner and its name keys. A row's id, owner and
// kind are its own parameters, used again.
func insertInOne(insert string, recs []*domain.Record, prep []preparedRecord, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	rowID := func(i int) string { return "$" + strconv.Itoa(i*recordInsertColumns+1) + "::uuid" }
	var q strings.Builder
	q.WriteString("WITH r AS (" + insert + " RETURNING id, org_id, kind)")
	q.WriteString(", v AS (INSERT INTO record_visibility (org_id, kind, record_id) SELECT org_id, kind, id FROM r)")
	sens := false
	for i := range recs {
		if prep[i].sensitive == nil {
			continue
		}
		if !sens {
			q.WriteString(", s AS (INSERT INTO record_sensitive (record_id, data, sealed) SELECT s.id, '{}', s.sealed FROM (VALUES ")
			sens = true
		} else {
			q.WriteString(", ")
		}
		q.WriteString("(" + rowID(i) + ", " + arg(prep[i].sensitive) + "::bytea)")
	}
	if sens {
		q.WriteString(") s (id, sealed) WHERE s.id IN (SELECT id FROM r))")
	}
	keys := false
	for i := range recs {
		for _, k := range prep[i].keys {
			if !keys {
				q.WriteString(", k AS (INSERT INTO record_name_keys (record_id, key) SELECT k.id, k.key FROM (VALUES ")
				keys = true
			} else {
				q.WriteString(", ")
			}
			q.WriteString("(" + rowID(i) + ", " + arg(k) + "::text)")
		}
	}
	if keys {
		q.WriteString(") k (id, key) WHERE k.id IN (SELECT id FROM r) ON CONFLICT DO NOTHING)")
	}
	q.WriteString(" SELECT id FROM r")
	return q.String()
}

// updateInOne is UpdateRecord's writes on PostgreSQL: set (the update of
// the records row, with args) and, if it touched the row, the superseded
// version kept in the history, the sensitive fields and the name keys.
func (t *Tx) updateInOne(ctx context.Context, actor Actor, dek *seal.DEK, r, old *domain.Record, set string, args []any) error {
	snap, secret, err := splitSnapshot(dek, old)
	if err != nil {
		return err
	}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var q strings.Builder
	q.WriteString("WITH u AS (" + set + " RETURNING id)")
	q.WriteString(", h AS (INSERT INTO record_history (record_id, version, snapshot, sealed) SELECT id, " +
		arg(old.Version) + "::integer, " + arg(snap) + "::json, " + arg(secret) + "::bytea FROM u)")
	if r.Sensitive.IsZero() {
		q.WriteString(", s AS (DELETE FROM record_sensitive WHERE record_id IN (SELECT id FROM u))")
	} else {
		sealed, err := sealSensitive(dek, r.ID, r.Sensitive)
		if err != nil {
			return err
		}
		q.WriteString(", s AS (INSERT INTO record_sensitive (record_id, data, sealed) SELECT id, '{}', " + arg(sealed) +
			"::bytea FROM u ON CONFLICT (record_id) DO UPDATE SET data = excluded.data, sealed = excluded.sealed)")
	}
	gone, added := nameKeyChanges(&old.Person, &r.Person)
	if len(gone) > 0 {
		q.WriteString(", d AS (DELETE FROM record_name_keys WHERE record_id IN (SELECT id FROM u) AND key IN (")
		for i, k := range gone {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(arg(k) + "::text")
		}
		q.WriteString("))")
	}
	if len(added) > 0 {
		q.WriteString(", k AS (INSERT INTO record_name_keys (record_id, key) SELECT u.id, k.key FROM u, (VALUES ")
		for i, k := range added {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + arg(k) + "::text)")
		}
		q.WriteString(") k (key) ON CONFLICT DO NOTHING)")
	}
	q.WriteString(" SELECT count(*) FROM u")
	var n int
	err = t.queryRow(ctx, q.String(), args...).Scan(&n)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "records_external_id":
		return &DuplicateError{ExternalIDs: []string{r.ExternalID}}
	case isUniqueViolation(err): // the history's key: another transaction replaced this version first
		return fmt.Errorf("record %s version %d: %w", old.ID, old.Version, ErrConflict)
	case err != nil:
		return fmt.Errorf("update record: %w", err)
	case n == 0:
		return t.whyNotChanged(ctx, r.ID, r.Version)
	}
	updated(r, old, actor, t.now)
	return nil
}
