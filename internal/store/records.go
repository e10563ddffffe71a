package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
)

// Actor is who a change is made by: a user id, or a label such as "cli:root"
// for the command line, and the organisation acted for.
type Actor struct {
	ID    string
	OrgID string
}

// MaxBatch is the most records InsertRecords takes at once: it keeps every
// statement under both databases' limits on bound parameters.
const MaxBatch = 500

// InsertRecords stores new records with their sensitive fields, using a few multi-row statements for the whole batch (the import
// path depends on this being fast). It fills in ids, versions and times.
// A batch with external ids already taken (or taken twice in the batch) fails
// with a *DuplicateError naming them; the transaction must then be rolled
// back, as part of the batch may have been written.
func (t *Tx) InsertRecords(ctx context.Context, actor Actor, recs []*domain.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if len(recs) > MaxBatch {
		return fmt.Errorf("insert records: batch of %d is over the limit of %d", len(recs), MaxBatch)
	}
	// On PostgreSQL, in one statement (insertInOne) that also reads which
	// key the database names to wrap new data keys: the store's choice is
	// then taken as it stands, without a statement of its own to check it.
	keys, together := [][]string(nil), false
	if t.dialect == Postgres {
		keys, together = insertInOneFits(recs)
	}
	var choice kekChoice
	if c := t.kek.Load(); together && c != nil && t.keys != nil {
		choice = *c
	} else {
		var err error
		if choice, err = t.chooseKEK(ctx); err != nil {
			return err
		}
		t.kek.Store(&choice)
	}
	for _, r := range recs {
		r.ID, r.Version = newID(), 1
		r.CreatedAt, r.UpdatedAt = t.now, t.now
		r.CreatedBy, r.UpdatedBy = actor.ID, actor.ID
		r.Deleted = nil
	}
	prep, err := prepareRecords(ctx, t.keys, choice.kek, recs)
	if err != nil {
		return err
	}
	var recArgs, sensArgs []any
	nSens := 0
	for i, r := range recs {
		p := &prep[i]
		recArgs = append(recArgs, r.ID, string(r.Kind), r.OrgID, r.ExternalID, r.Version, p.person, jsonOrNil(r.Enquirer),
			p.d.familyFold, p.d.givenFold, string(r.Person.Sex), p.d.birthEarliest, p.d.birthLatest, string(r.Person.Separation.Category),
			r.CreatedAt, r.CreatedBy, r.UpdatedAt, r.UpdatedBy, choice.kek, p.wrapped, p.notes, true)
		if p.sensitive != nil {
			sensArgs = append(sensArgs, r.ID, "{}", p.sensitive)
			nSens++
		}
	}
	// A taken external id is skipped rather than failing the statement, so
	// that every duplicate of the batch can be named at once; no separate
	// look-up is needed (inside one long transaction the planner has no
	// statistics for the new rows, and such a look-up grew with every batch).
	q := t.multiInsert(`INSERT INTO records (id, kind, org_id, external_id, version, person, enquirer, family_fold, given_fold, sex, birth_earliest, birth_latest, category, created_at, created_by, updated_at, updated_by, kek_id, dek, notes_sealed, sealed) VALUES `, recordInsertColumns, len(recs)) +
		` ON CONFLICT (org_id, kind, external_id) WHERE external_id <> '' DO NOTHING`
	var inserted map[string]bool
	named := choice.named
	if together {
		inserted, named, err = t.insertedNamed(ctx, insertInOne(q, recs, prep, keys, &recArgs), recArgs)
	} else {
		inserted, err = t.returnedIDs(ctx, q+` RETURNING id`, recArgs...)
	}
	if err != nil {
		return fmt.Errorf("insert records: %w", err)
	}
	if len(inserted) < len(recs) {
		dup := &DuplicateError{}
		for _, r := range recs {
			if !inserted[r.ID] {
				dup.ExternalIDs = append(dup.ExternalIDs, r.ExternalID)
			}
		}
		return dup
	}
	if together {
		if named != choice.named {
			return t.rewrapInserted(ctx, recs, prep, choice)
		}
		return nil
	}
	if nSens > 0 {
		if _, err := t.exec(ctx, t.multiInsert(`INSERT INTO record_sensitive (record_id, data, sealed) VALUES `, 3, nSens), sensArgs...); err != nil {
			return fmt.Errorf("insert sensitive fields: %w", err)
		}
	}
	visArgs := make([]any, 0, 3*len(recs))
	for _, r := range recs {
		visArgs = append(visArgs, r.OrgID, string(r.Kind), r.ID)
	}
	if _, err := t.exec(ctx, t.multiInsert(`INSERT INTO record_visibility (org_id, kind, record_id) VALUES `, 3, len(recs)), visArgs...); err != nil {
		return fmt.Errorf("insert record visibility: %w", err)
	}
	return t.insertNameKeys(ctx, recs)
}

// recordInsertColumns is the number of columns InsertRecords writes of a
// record, its row's parameters in the statement.
const recordInsertColumns = 21

// preparedRecord is what InsertRecords writes for one record, made ahead:
// its data key (wrapped), person document, sealed notes and sensitive
// fields, and the derived columns.
type preparedRecord struct {
	wrapped, notes, sensitive []byte
	person                    string
	d                         derived
}

// prepareRecords makes each record's data key and ciphertexts on every
// core: a fresh key per record and its encryption are a tenth of an
// import's CPU, while the inserts that follow run on one connection.
func prepareRecords(ctx context.Context, keys seal.KeyWrapper, kek string, recs []*domain.Record) ([]preparedRecord, error) {
	prep := make([]preparedRecord, len(recs))
	errs := make([]error, len(recs))
	one := func(i int) {
		r := recs[i]
		dek, wrapped, err := seal.NewDEK(ctx, keys, kek, dekAD(r.ID))
		if err != nil {
			errs[i] = err
			return
		}
		p := &prep[i]
		p.wrapped, p.d = wrapped, derive(r)
		if p.person, p.notes, err = sealNotes(dek, r.ID, r.Person); err != nil {
			errs[i] = err
			return
		}
		if !r.Sensitive.IsZero() {
			p.sensitive, errs[i] = sealSensitive(dek, r.ID, r.Sensitive)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), 1+len(recs)/64)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(recs); i = int(next.Add(1) - 1) {
				one(i)
			}
		})
	}
	wg.Wait()
	return prep, errors.Join(errs...)
}

// DuplicateError names the external ids that are already taken.
type DuplicateError struct {
	ExternalIDs []string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("external id already exists: %s", strings.Join(e.ExternalIDs, ", "))
}

func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// returnedIDs runs a statement that returns ids and collects them.
func (t *Tx) returnedIDs(ctx context.Context, q string, args ...any) (map[string]bool, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	return ids, rows.Err()
}

// UpdateRecord replaces the changeable parts of a record (external id,
// person, enquirer, sensitive fields) if r.Version is still the current
// version, keeping the version it replaces in the history. On success r
// holds the new version. Kind and owner never change here.
func (t *Tx) UpdateRecord(ctx context.Context, actor Actor, r *domain.Record) error {
	if !validID(r.ID) {
		return fmt.Errorf("record %q: %w", r.ID, ErrNotFound)
	}
	// A record stored before encryption at rest is sealed first, so that
	// the version kept below is not the only one left in plaintext.
	if err := t.sealRecord(ctx, r.ID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("record %s: %w", r.ID, ErrNotFound)
		}
		return err
	}
	old, err := t.current(ctx, r.ID, r.Version)
	if err != nil {
		return err
	}
	dek, err := t.recordDEK(ctx, r.ID)
	if err != nil {
		return err
	}
	person, notes, err := sealNotes(dek, r.ID, r.Person)
	if err != nil {
		return err
	}
	d := derive(r)
	// The version condition makes a concurrent change that came first win:
	// this update then touches no row and reports the conflict.
	set := `UPDATE records SET version = version + 1, external_id = $1, person = $2, enquirer = $3,
		family_fold = $4, given_fold = $5, sex = $6, birth_earliest = $7, birth_latest = $8, category = $9, updated_at = $10, updated_by = $11,
		notes_sealed = $14
		WHERE id = $12 AND version = $13 AND deleted_at IS NULL`
	args := []any{r.ExternalID, person, jsonOrNil(r.Enquirer), d.familyFold, d.givenFold, string(r.Person.Sex), d.birthEarliest, d.birthLatest,
		string(r.Person.Separation.Category), t.now, actor.ID, r.ID, r.Version, notes}
	if t.dialect == Postgres {
		return t.updateInOne(ctx, actor, dek, r, &old, set, args)
	}
	res, err := t.exec(ctx, set, args...)
	if isUniqueViolation(err) {
		return &DuplicateError{ExternalIDs: []string{r.ExternalID}}
	}
	if err != nil {
		return fmt.Errorf("update record: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return t.whyNotChanged(ctx, r.ID, r.Version)
	}
	updated(r, &old, actor, t.now)
	if err := t.putSensitive(ctx, dek, r.ID, r.Sensitive); err != nil {
		return err
	}
	if err := t.replaceNameKeys(ctx, r.ID, &old.Person, &r.Person); err != nil {
		return err
	}
	return t.keep(ctx, dek, &old)
}

// updated fills in what of r an update that replaced old did not take
// from r.
func updated(r, old *domain.Record, actor Actor, now time.Time) {
	r.Kind, r.OrgID, r.CreatedAt, r.CreatedBy = old.Kind, old.OrgID, old.CreatedAt, old.CreatedBy
	r.Version, r.UpdatedAt, r.UpdatedBy, r.Deleted = old.Version+1, now, actor.ID, nil
}

// DeleteRecord turns a record into a tombstone if version is still current.
// The data stays, with who deleted it, when and why; the version it replaces
// is kept in the history like any other.
func (t *Tx) DeleteRecord(ctx context.Context, actor Actor, id string, version int, reason string) (domain.Record, error) {
	if !validID(id) {
		return domain.Record{}, fmt.Errorf("record %q: %w", id, ErrNotFound)
	}
	if err := t.sealRecord(ctx, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Record{}, fmt.Errorf("record %s: %w", id, ErrNotFound)
		}
		return domain.Record{}, err
	}
	old, err := t.current(ctx, id, version)
	if err != nil {
		return domain.Record{}, err
	}
	dek, err := t.recordDEK(ctx, id)
	if err != nil {
		return domain.Record{}, err
	}
	res, err := t.exec(ctx, `UPDATE records SET version = version + 1, deleted_at = $1, deleted_by = $2, delete_reason = $3, updated_at = $1, updated_by = $2
		WHERE id = $4 AND version = $5 AND deleted_at IS NULL`, t.now, actor.ID, reason, id, version)
	if err != nil {
		return domain.Record{}, fmt.Errorf("delete record: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Record{}, t.whyNotChanged(ctx, id, version)
	}
	// A tombstone is found by no name search, even with IncludeDeleted.
	if err := t.replaceNameKeys(ctx, id, &old.Person, nil); err != nil {
		return domain.Record{}, err
	}
	if err := t.keep(ctx, dek, &old); err != nil {
		return domain.Record{}, err
	}
	return t.Record(ctx, id, true)
}

// current reads a record that is about to change, with its sensitive
// fields, and checks that it is at version and not deleted.
func (t *Tx) current(ctx context.Context, id string, version int) (r domain.Record, err error) {
	if h := t.heldRow(id); h != nil {
		r, err = t.fullRecordOf(ctx, h)
	} else {
		r, err = t.Record(ctx, id, true)
	}
	switch {
	case err != nil:
		return r, err
	case r.Deleted != nil:
		return r, fmt.Errorf("record %s: %w", id, ErrDeleted)
	case r.Version != version:
		return r, fmt.Errorf("record %s is at version %d, not %d: %w", id, r.Version, version, ErrConflict)
	}
	return r, nil
}

// keep adds a superseded version to the history.
func (t *Tx) keep(ctx context.Context, dek *seal.DEK, old *domain.Record) error {
	snap, secret, err := splitSnapshot(dek, old)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO record_history (record_id, version, snapshot, sealed) VALUES ($1, $2, $3, $4)`, old.ID, old.Version, snap, secret)
	if isUniqueViolation(err) {
		// Another transaction replaced this version first.
		return fmt.Errorf("record %s version %d: %w", old.ID, old.Version, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("keep version: %w", err)
	}
	return nil
}

// whyNotChanged explains why a conditional update touched no row.
func (t *Tx) whyNotChanged(ctx context.Context, id string, version int) error {
	var current int
	var deleted nullTime
	err := t.queryRow(ctx, `SELECT version, deleted_at FROM records WHERE id = $1`, id).Scan(&current, &deleted)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("record %s: %w", id, ErrNotFound)
	case err != nil:
		return err
	case deleted.Valid:
		return fmt.Errorf("record %s: %w", id, ErrDeleted)
	}
	return fmt.Errorf("record %s is at version %d, not %d: %w", id, current, version, ErrConflict)
}

func (t *Tx) putSensitive(ctx context.Context, dek *seal.DEK, id string, s domain.Sensitive) error {
	if s.IsZero() {
		_, err := t.exec(ctx, `DELETE FROM record_sensitive WHERE record_id = $1`, id)
		return err
	}
	sealed, err := sealSensitive(dek, id, s)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO record_sensitive (record_id, data, sealed) VALUES ($1, $2, $3)
		ON CONFLICT (record_id) DO UPDATE SET data = excluded.data, sealed = excluded.sealed`, id, "{}", sealed)
	return err
}

func sealSensitive(dek *seal.DEK, id string, s domain.Sensitive) ([]byte, error) {
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return dek.Encrypt(data, sensitiveAD(id))
}

const recordColumns = `r.id, r.kind, r.org_id, r.external_id, r.version, r.person, r.enquirer, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by, r.delete_reason, r.kek_id, r.dek, r.notes_sealed, r.sealed`

// recordKeys is what scanRecord reads of a record's encryption, and the
// data key once unwrapped.
type recordKeys struct {
	kek    sql.NullString
	dek    []byte
	notes  []byte
	sealed bool
	opened *seal.DEK
}

// key returns the record's data key, unwrapping it on first use.
func (k *recordKeys) key(ctx context.Context, t *Tx, id string) (*seal.DEK, error) {
	if k.opened != nil {
		return k.opened, nil
	}
	if !k.kek.Valid {
		return nil, fmt.Errorf("record %s: encrypted data but no data key: %w", id, ErrSealed)
	}
	dek, err := t.openDEK(ctx, id, k.kek.String, k.dek)
	k.opened = dek
	return dek, err
}

// recordRow is what scanRecord scans a row of recordColumns (then extra)
// into: one for a whole listing, rather than a record, its destinations
// and its row's values allocated for each row. The columns are scanned as
// database/sql's own types (string, int64), which it assigns directly;
// into domain.Kind and int it went through reflection, and for int through
// the number's text.
type recordRow struct {
	id, kind, org, external, person, createdBy, updatedBy string
	version                                               int64
	enquirer, deletedBy, reason                           sql.NullString
	created, updated, deleted                             recordTime
	keys                                                  recordKeys
	dest                                                  []any
}

func newRecordRow(extra ...any) *recordRow {
	w := new(recordRow)
	w.dest = append([]any{&w.id, &w.kind, &w.org, &w.external, &w.version, &w.person, &w.enquirer,
		&w.created, &w.createdBy, &w.updated, &w.updatedBy, &w.deleted, &w.deletedBy, &w.reason,
		&w.keys.kek, &w.keys.dek, &w.keys.notes, &w.keys.sealed}, extra...)
	return w
}

// scanRecord reads a row of recordColumns (then w's extra destinations),
// decrypting the notes. A value that does not open is an error naming the
// record, never an empty field. w's keys are the record's afterwards.
func (t *Tx) scanRecord(ctx context.Context, row interface{ Scan(...any) error }, w *recordRow) (domain.Record, error) {
	*w = recordRow{dest: w.dest} // nothing of the previous row, its data key least of all
	if err := row.Scan(w.dest...); err != nil {
		return domain.Record{ID: w.id}, err
	}
	return t.recordOf(ctx, w)
}

// recordOf makes the record of the row scanned into w, decrypting the notes.
func (t *Tx) recordOf(ctx context.Context, w *recordRow) (domain.Record, error) {
	r := domain.Record{ID: w.id, Kind: domain.Kind(w.kind), OrgID: w.org, ExternalID: w.external, Version: int(w.version),
		CreatedBy: w.createdBy, UpdatedBy: w.updatedBy}
	person, enquirer, deletedBy, reason, deleted, keys := w.person, w.enquirer, w.deletedBy, w.reason, w.deleted, &w.keys
	r.CreatedAt, r.UpdatedAt = w.created.Time, w.updated.Time
	if err := decodePerson(person, &r.Person); err != nil {
		return r, fmt.Errorf("record %s: stored person: %w", r.ID, err)
	}
	if enquirer.Valid {
		r.Enquirer = new(domain.Enquirer)
		if err := json.Unmarshal([]byte(enquirer.String), r.Enquirer); err != nil {
			return r, fmt.Errorf("record %s: stored enquirer: %w", r.ID, err)
		}
	}
	if deleted.Valid {
		r.Deleted = &domain.Tombstone{At: deleted.Time, By: deletedBy.String, Reason: reason.String}
	}
	if keys.notes != nil {
		dek, err := keys.key(ctx, t, r.ID)
		if err != nil {
			return r, err
		}
		notes, err := dek.Decrypt(keys.notes, notesAD(r.ID))
		if err != nil {
			return r, fmt.Errorf("record %s: notes: %w", r.ID, ErrSealed)
		}
		r.Person.Notes = string(notes)
	}
	return r, nil
}

// Record returns one record, with its sensitive fields if withSensitive.
// Tombstones are returned too: callers decide what a deleted record means.
func (t *Tx) Record(ctx context.Context, id string, withSensitive bool) (domain.Record, error) {
	if !validID(id) {
		return domain.Record{}, fmt.Errorf("record %q: %w", id, ErrNotFound)
	}
	columns := recordColumnsFor(t.dialect)
	if !withSensitive {
		r, err := t.scanRecord(ctx, t.queryRow(ctx, `SELECT `+columns+` FROM records r WHERE r.id = $1`, id), newRecordRow())
		if errors.Is(err, sql.ErrNoRows) {
			return r, fmt.Errorf("record %s: %w", id, ErrNotFound)
		}
		return r, err
	}
	h := &heldRecord{}
	w := newRecordRow(&h.sens, &h.sensSealed)
	err := t.queryRow(ctx, `SELECT `+columns+`, s.data, s.sealed FROM records r LEFT JOIN record_sensitive s ON s.record_id = r.id WHERE r.id = $1`, id).Scan(w.dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Record{}, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return domain.Record{}, err
	}
	h.row, h.row.dest, h.after = *w, nil, t.statements
	r, err := t.fullRecordOf(ctx, h)
	if err == nil {
		t.held = h
	}
	return r, err
}

// heldRecord is the row Tx.Record read last with sensitive fields, for a
// change of the same record that follows it in the transaction, so that
// the change reads it no second time. A change reads it from here only if
// no statement has run since (Tx.heldRow): nothing of the transaction can
// then have changed it, and a concurrent change that committed meanwhile
// is caught by the change's own condition on the version, as it would be
// had the change read it again before.
type heldRecord struct {
	row        recordRow
	sens       sql.NullString
	sensSealed []byte
	after      uint64 // Tx.statements once it was read
}

// heldRow returns the row of record id if Record read it with the last
// statement run; nil otherwise.
func (t *Tx) heldRow(id string) *heldRecord {
	if h := t.held; h != nil && h.after == t.statements && h.row.id == id {
		return h
	}
	return nil
}

// fullRecordOf makes the record of h's row, sensitive fields included. It
// decodes the row afresh each time, so that no caller shares the record
// another was given.
func (t *Tx) fullRecordOf(ctx context.Context, h *heldRecord) (domain.Record, error) {
	r, err := t.recordOf(ctx, &h.row)
	if err != nil {
		return r, err
	}
	switch {
	case h.sensSealed != nil:
		dek, err := h.row.keys.key(ctx, t, r.ID)
		if err != nil {
			return r, err
		}
		data, err := dek.Decrypt(h.sensSealed, sensitiveAD(r.ID))
		if err != nil {
			return r, fmt.Errorf("record %s: sensitive fields: %w", r.ID, ErrSealed)
		}
		err = json.Unmarshal(data, &r.Sensitive)
		return r, err
	case h.sens.Valid: // stored before encryption at rest, not sealed yet
		err = json.Unmarshal([]byte(h.sens.String), &r.Sensitive)
	}
	return r, err
}

// RecordFilter selects records. OrgIDs is required: the caller decides, from
// access rules, which owners' records may be listed.
type RecordFilter struct {
	OrgIDs []string
	// AnyOwner lifts the owner condition, for the operator's jobs over the
	// whole database (matching). Never set it from a user's request.
	AnyOwner bool
	// SharedWith adds, to the records owned by OrgIDs, those in lists this
	// organisation has received. What of them it may see is for the
	// sharing policy to say (package sharing), not the store.
	SharedWith string
	// Name is a free-text name search (the web UI's one search box): a
	// record matches when every word of it is a word of one of the
	// record's names (given, patronymic or family, current or former) in
	// any script or spelling, a given name also by its equivalents
	// (Oleksandr, Александр, Саша). See namekeys.go. Deleted records are
	// never found by name.
	Name string
	// Turned18, if set, keeps the records whose person has (yes), has
	// not (no) or may have (possibly) turned 18 since the displacement.
	// It depends on today, so the application applies it, not SQL.
	Turned18       domain.Tristate
	Kind           domain.Kind
	ExternalID     string
	Sex            domain.Sex
	Category       domain.Category
	FamilyPrefix   string // case-insensitive prefix of the primary family name
	GivenPrefix    string // case-insensitive prefix of the primary given name
	BornFrom       string // YYYY-MM-DD: records that may have been born on or after
	BornTo         string // YYYY-MM-DD: records that may have been born on or before
	UpdatedSince   time.Time
	IncludeDeleted bool
	After          string // cursor: the id of the last record of the previous page
	Limit          int    // 0: no limit

	// byFamily: the query starts from the records whose family name has
	// FamilyPrefix (their index), each kept if visible to the viewing
	// organisation, rather than from the viewer's visibility rows (see
	// familyPlan). Set by the store, never by callers.
	byFamily bool
}

// familyPlanMost is the most records (of any party) with the asked family
// name prefix for which a page is read through the family name index:
// at most that many index entries read and sorted by id, however few of
// them the viewer sees. Past it, the prefix is common enough that walking
// the viewer's own records in id order fills a page sooner.
var familyPlanMost = 1000

// familyRange is the range of folded family names that start with the
// folded prefix: lo ≤ name < hi, where hi is lo with its last character the
// next one (hi "" when there is none: then the range has no end and a LIKE
// condition is the exact test). Names compare as their bytes (SQLite's
// BINARY, PostgreSQL's collation "C"), which for UTF-8 is the order of
// their characters, so a name is in the range exactly when it starts with
// lo. Folded names are lower case (derive), as lo is, so this is what LIKE
// found (case-insensitive for ASCII only), and the database reads the
// names through their index instead of testing every record.
func familyRange(prefix string) (lo, hi string) {
	lo = strings.ToLower(domain.Clean(prefix))
	if lo == "" {
		return "", ""
	}
	last, size := utf8.DecodeLastRuneInString(lo)
	switch {
	case last == utf8.MaxRune:
		return lo, ""
	case last == 0xD7FF: // the next code point is a surrogate, not in UTF-8
		last = 0xE000
	default:
		last++
	}
	return lo, lo[:len(lo)-size] + string(last)
}

// familyPlan tells whether f's page is better read from the family name
// index (see byFamily): a viewer's page of one kind by family prefix, for
// a prefix that at most familyPlanMost records have. It costs one count
// of index entries, at most familyPlanMost + 1, unless the store counted
// the prefix a moment ago (familyCounts). It counts the records not
// deleted, those the page may hold and all that SQLite's index of family
// names holds (records_kind_family_live); a page that asks for deleted
// records walks the viewer's records.
func (t *Tx) familyPlan(ctx context.Context, f RecordFilter) (bool, error) {
	if f.visibleTo() == "" || f.Kind == "" || f.Limit <= 0 || f.IncludeDeleted {
		return false, nil
	}
	lo, hi := familyRange(f.FamilyPrefix)
	if lo == "" {
		return false, nil
	}
	key := familyKey{string(f.Kind), lo, hi, familyPlanMost}
	if n, ok := t.families.get(key, t.now); ok {
		return n <= familyPlanMost, nil
	}
	q, args := familyCountQuery(t.dialect, string(f.Kind), lo, hi)
	var n int
	if err := t.queryRow(ctx, q, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("list records: family names: %w", err)
	}
	t.families.put(key, n, t.now)
	return n <= familyPlanMost, nil
}

// familyCountQuery counts, up to familyPlanMost + 1, the records of kind
// not deleted with a folded family name from lo up to hi, from the family
// name index alone (records_kind_family_live on SQLite,
// records_kind_family_covering on PostgreSQL).
func familyCountQuery(d Dialect, kind, lo, hi string) (string, []any) {
	args := []any{kind, lo}
	q := `SELECT count(*) FROM (SELECT 1 FROM records r WHERE r.kind = $1 AND ` + familyCmp(d, ">=", "$2")
	if hi != "" {
		q += ` AND ` + familyCmp(d, "<", "$3")
		args = append(args, hi)
	}
	q += ` AND r.deleted_at IS NULL LIMIT ` + strconv.Itoa(familyPlanMost+1) + `) c`
	return q, args
}

// familyCmp compares the folded family name with a parameter in the byte
// order of the family name index (on PostgreSQL, collation "C", whatever
// the database's).
func familyCmp(d Dialect, op, param string) string {
	if d == Postgres {
		return `r.family_fold COLLATE "C" ` + op + ` ` + param
	}
	return `r.family_fold ` + op + ` ` + param
}

func (f RecordFilter) where(d Dialect) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case f.byFamily:
		// Owned or received, each record found by its family name and
		// then looked up in record_visibility by its key. (On
		// PostgreSQL, OFFSET 0 keeps the planner from turning the test
		// into a join, which without statistics, as on a table just
		// filled, it made a nested loop over the party's records.)
		offset := ""
		if d == Postgres {
			offset = " OFFSET 0"
		}
		conds = append(conds, `EXISTS (SELECT 1 FROM record_visibility v WHERE v.org_id = `+arg(f.visibleTo())+
			` AND v.kind = r.kind AND v.record_id = r.id`+offset+`)`)
	case f.visibleTo() != "":
		// Owned or received, through record_visibility (see from).
		conds = append(conds, "v.org_id = "+arg(f.visibleTo()))
		if f.Kind != "" {
			conds = append(conds, "v.kind = "+arg(string(f.Kind)))
		}
		if f.After != "" {
			conds = append(conds, "v.record_id > "+arg(f.After))
		}
	case f.AnyOwner:
		conds = append(conds, "1 = 1")
	case len(f.OrgIDs) == 0:
		return "1 = 0", nil // no owner allowed: nothing to list
	default:
		var orgs []string
		for _, o := range f.OrgIDs {
			orgs = append(orgs, arg(o))
		}
		owned := "r.org_id IN (" + strings.Join(orgs, ", ") + ")"
		if f.SharedWith != "" {
			owned = "(" + owned + ` OR EXISTS (SELECT 1 FROM list_records lr JOIN list_recipients rc ON rc.list_id = lr.list_id
				WHERE lr.record_id = r.id AND rc.org_id = ` + arg(f.SharedWith) + "))"
		}
		conds = append(conds, owned)
	}
	if f.Kind != "" {
		conds = append(conds, "r.kind = "+arg(string(f.Kind)))
	}
	if f.ExternalID != "" {
		conds = append(conds, "r.external_id = "+arg(f.ExternalID))
	}
	if f.Sex != "" {
		conds = append(conds, "r.sex = "+arg(string(f.Sex)))
	}
	if f.Category != "" {
		conds = append(conds, "r.category = "+arg(string(f.Category)))
	}
	if f.FamilyPrefix != "" {
		// Folded names that start with the folded prefix: when the
		// range has both ends, exactly the names in it (see
		// familyRange); else the range's start, and LIKE.
		lo, hi := familyRange(f.FamilyPrefix)
		if lo != "" {
			conds = append(conds, familyCmp(d, ">=", arg(lo)))
		}
		if hi != "" {
			conds = append(conds, familyCmp(d, "<", arg(hi)))
		} else {
			conds = append(conds, `r.family_fold LIKE `+arg(likePrefix(f.FamilyPrefix))+` ESCAPE '\'`)
		}
	}
	if f.GivenPrefix != "" {
		conds = append(conds, `r.given_fold LIKE `+arg(likePrefix(f.GivenPrefix))+` ESCAPE '\'`)
	}
	if strings.TrimSpace(f.Name) != "" {
		conds = append(conds, nameCondition(f.Name, arg))
	}
	if f.BornFrom != "" {
		conds = append(conds, "r.birth_latest >= "+arg(f.BornFrom))
	}
	if f.BornTo != "" {
		conds = append(conds, "r.birth_earliest <> '' AND r.birth_earliest <= "+arg(f.BornTo))
	}
	if !f.UpdatedSince.IsZero() {
		conds = append(conds, "r.updated_at >= "+arg(f.UpdatedSince))
	}
	if !f.IncludeDeleted {
		conds = append(conds, "r.deleted_at IS NULL")
	}
	if f.After != "" {
		conds = append(conds, "r.id > "+arg(f.After))
	}
	return strings.Join(conds, " AND "), args
}

// visibleTo is the one organisation whose owned and received records f
// asks for, when that is what it asks (the usual case: a party's users),
// and "" otherwise.
func (f RecordFilter) visibleTo() string {
	if f.AnyOwner || len(f.OrgIDs) != 1 || f.SharedWith != f.OrgIDs[0] {
		return ""
	}
	return f.SharedWith
}

// from is the FROM clause of f's queries: with one viewing organisation,
// its visibility rows in id order joined to the records.
func (f RecordFilter) from() (from, order string) {
	if f.visibleTo() != "" && !f.byFamily {
		return `record_visibility v JOIN records r ON r.id = v.record_id`, `v.record_id`
	}
	return `records r`, `r.id`
}

// Records lists records matching f in id (creation) order, without their
// sensitive fields.
func (t *Tx) Records(ctx context.Context, f RecordFilter) ([]domain.Record, error) {
	var out []domain.Record
	// Prepared: nothing runs while the rows are read but scanRecord.
	err := t.eachRecord(ctx, f, true, func(r domain.Record) error {
		if out == nil && f.Limit > 0 {
			out = make([]domain.Record, 0, min(f.Limit, 128)) // a page, without growing it
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// EachRecord calls fn for every record matching f, streaming, in id order,
// without sensitive fields. It serves exports and index builds that must not
// hold a million records in memory.
func (t *Tx) EachRecord(ctx context.Context, f RecordFilter, fn func(domain.Record) error) error {
	return t.eachRecord(ctx, f, false, fn)
}

// eachRecord is EachRecord, its query through the statement cache if
// prepared (only when fn runs no query: see stmtCache).
func (t *Tx) eachRecord(ctx context.Context, f RecordFilter, prepared bool, fn func(domain.Record) error) error {
	if f.After != "" && !validID(f.After) {
		return fmt.Errorf("cursor %q: %w", f.After, ErrNotFound)
	}
	var err error
	if f.byFamily, err = t.familyPlan(ctx, f); err != nil {
		return err
	}
	q, args := f.listQuery(t.dialect)
	query := t.query
	if prepared {
		query = t.queryPrepared
	}
	rows, err := query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list records: %w", err)
	}
	defer rows.Close()
	w := newRecordRow()
	for rows.Next() {
		r, err := t.scanRecord(ctx, rows, w)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// listQuery is the statement EachRecord runs for f.
func (f RecordFilter) listQuery(d Dialect) (string, []any) {
	where, args := f.where(d)
	from, order := f.from()
	if f.byFamily && !f.IncludeDeleted && f.Limit > 0 {
		// The page's ids first, from indexes alone when only kind,
		// family name and visibility are asked (records_kind_family_live
		// on SQLite, records_kind_family_covering on PostgreSQL cover
		// them, deleted_at too), then the page's rows: a row is read for
		// each record of the page, not for each record with the name.
		return `SELECT ` + recordColumnsFor(d) + ` FROM records r WHERE r.id IN (SELECT r.id FROM records r WHERE ` + where +
			` ORDER BY r.id LIMIT ` + strconv.Itoa(f.Limit) + `) ORDER BY r.id`, args
	}
	q := `SELECT ` + recordColumnsFor(d) + ` FROM ` + from + ` WHERE ` + where + ` ORDER BY ` + order
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	return q, args
}

// CountRecords counts records matching f (ignoring After and Limit).
func (t *Tx) CountRecords(ctx context.Context, f RecordFilter) (int, error) {
	f.After, f.Limit, f.byFamily = "", 0, false
	where, args := f.where(t.dialect)
	from, _ := f.from()
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM `+from+` WHERE `+where, args...).Scan(&n)
	return n, err
}

// Revision is one version of a record, as it stood after the change that
// made it.
type Revision struct {
	Version int           `json:"version"`
	Action  string        `json:"action"` // create, update or delete
	At      time.Time     `json:"at"`
	Actor   string        `json:"actor"`
	Record  domain.Record `json:"record"`
}

// Revisions returns every version of a record, oldest first: the history
// and then the current version.
func (t *Tx) Revisions(ctx context.Context, id string) ([]Revision, error) {
	cur, err := t.Record(ctx, id, true)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT snapshot, sealed FROM record_history WHERE record_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Revision
	var secrets [][]byte
	for rows.Next() {
		var snap string
		var secret []byte
		var r domain.Record
		if err := rows.Scan(&snap, &secret); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(snap), &r); err != nil {
			return nil, fmt.Errorf("record %s: stored version: %w", id, err)
		}
		out = append(out, revisionOf(r))
		secrets = append(secrets, secret)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	var dek *seal.DEK
	for i, secret := range secrets {
		if secret == nil {
			continue // stored before encryption at rest, not sealed yet
		}
		if dek == nil {
			if dek, err = t.recordDEK(ctx, id); err != nil {
				return nil, err
			}
		}
		rev := &out[i].Record
		data, err := dek.Decrypt(secret, historyAD(id, rev.Version))
		if err != nil {
			return nil, fmt.Errorf("record %s version %d: %w", id, rev.Version, ErrSealed)
		}
		var h historySecrets
		if err := json.Unmarshal(data, &h); err != nil {
			return nil, fmt.Errorf("record %s version %d: %w", id, rev.Version, err)
		}
		rev.Sensitive, rev.Person.Notes = h.Sensitive, h.Notes
	}
	return append(out, revisionOf(cur)), nil
}

func revisionOf(r domain.Record) Revision {
	action := "update"
	switch {
	case r.Version == 1:
		action = "create"
	case r.Deleted != nil:
		action = "delete"
	}
	return Revision{Version: r.Version, Action: action, At: r.UpdatedAt, Actor: r.UpdatedBy, Record: r}
}

// derived holds the columns computed from a record for filtering.
type derived struct {
	familyFold, givenFold      string
	birthEarliest, birthLatest string
}

func derive(r *domain.Record) derived {
	n := r.Person.PrimaryName()
	d := derived{familyFold: strings.ToLower(n.Family), givenFold: strings.ToLower(n.Given)}
	if b := r.Person.BirthDate; !b.IsZero() {
		d.birthEarliest, d.birthLatest = b.Earliest.String(), b.Latest.String()
	}
	return d
}

// likePrefix turns s into a LIKE pattern matching values that start with
// it, case-folded, with LIKE's wildcards in s taken literally.
func likePrefix(s string) string {
	s = strings.ToLower(domain.Clean(s))
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

func jsonOrNil(v *domain.Enquirer) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Statements with many parameters (batches, IN lists) number them in
// order: "?" for SQLite, "$N" for PostgreSQL. SQLite takes "$N" as a named
// parameter and looks each one up in a list while parsing, which made a
// batch of a few thousand parameters cost quadratic time (the import ran at
// ~1,000 rows/s); "?" is numbered on the spot.
func (t *Tx) writePlaceholder(b *strings.Builder, n int) {
	if t.dialect == SQLite {
		b.WriteByte('?')
		return
	}
	b.WriteByte('$')
	b.WriteString(strconv.Itoa(n))
}

// multiInsert returns prefix followed by rows groups of cols placeholders.
func (t *Tx) multiInsert(prefix string, cols, rows int) string {
	var b strings.Builder
	b.Grow(len(prefix) + rows*cols*6)
	b.WriteString(prefix)
	n := 1
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := 0; j < cols; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			t.writePlaceholder(&b, n)
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}
