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

// insertInOneFits returns the name keys of recs, and whether insertInOne
// can write recs with them in one statement: the name keys of a large
// batch may take more parameters than a statement can have, and then
// InsertRecords writes the tables one by one.
func insertInOneFits(recs []*domain.Record) ([][]string, bool) {
	keys := make([][]string, len(recs))
	n := recordInsertColumns * len(recs)
	for i, r := range recs {
		keys[i] = nameKeys(&r.Person)
		n += 1 + len(keys[i])
	}
	return keys, n <= pgMaxParameters
}

// insertInOne turns InsertRecords' insert of the records rows (insert,
// with args) into one statement that also writes, for each row written,
// its sensitive fields, its visibility to its owner and its name keys (keys
// for recs[i] at i). A row's id, owner and kind are its own parameters,
// used again. It returns the id of each row written beside the master key
// the database names to wrap new data keys (kekNamedQuery), read on the
// statement's snapshot (see insertedNamed).
func insertInOne(insert string, recs []*domain.Record, prep []preparedRecord, keys [][]string, args *[]any) string {
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
	anyKey := false
	for i := range recs {
		for _, k := range keys[i] {
			if !anyKey {
				q.WriteString(", k AS (INSERT INTO record_name_keys (record_id, key) SELECT k.id, k.key FROM (VALUES ")
				anyKey = true
			} else {
				q.WriteString(", ")
			}
			q.WriteString("(" + rowID(i) + ", " + arg(k) + "::text)")
		}
	}
	if anyKey {
		q.WriteString(") k (id, key) WHERE k.id IN (SELECT id FROM r) ON CONFLICT DO NOTHING)")
	}
	q.WriteString(" SELECT r.id, g.named FROM r, (" + kekNamedQuery + ") g (named)")
	return q.String()
}

// insertedNamed runs insertInOne's statement q: the ids of the rows it
// wrote, and the master key the database named ("" if no row was written).
func (t *Tx) insertedNamed(ctx context.Context, q string, args []any) (map[string]bool, string, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	ids, named := map[string]bool{}, ""
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &named); err != nil {
			return nil, "", err
		}
		ids[id] = true
	}
	return ids, named, rows.Err()
}

// rewrapInserted: InsertRecords wrapped the data keys of recs by the key
// of choice, and the database named another to wrap new data keys when
// they were written (a rotation, by another process or this one, since the
// store chose). The key is chosen again, and the data keys just written
// are re-wrapped by it, as the rotation would have them.
func (t *Tx) rewrapInserted(ctx context.Context, recs []*domain.Record, prep []preparedRecord, choice kekChoice) error {
	fresh, err := t.chooseKEK(ctx)
	if err != nil {
		return err
	}
	t.kek.Store(&fresh)
	if fresh.kek == choice.kek {
		return nil
	}
	for i, r := range recs {
		w, err := seal.Rewrap(ctx, t.keys, choice.kek, prep[i].wrapped, dekAD(r.ID), fresh.kek)
		if err != nil {
			return fmt.Errorf("record %s: re-wrap its data key: %w", r.ID, err)
		}
		if _, err := t.exec(ctx, `UPDATE records SET kek_id = $1, dek = $2 WHERE id = $3`, fresh.kek, w, r.ID); err != nil {
			return fmt.Errorf("record %s: re-wrap its data key: %w", r.ID, err)
		}
	}
	return nil
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
