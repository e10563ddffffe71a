package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DNA kinship (issue 8). The store keeps samples, frequency tables and
// results as plain values; internal/kinship gives them meaning, and the app
// seals the genotypes before they reach the store.

// KinshipSample is one person's STR profile, sealed, and what it is linked to.
type KinshipSample struct {
	ID         string `json:"id"`
	OrgID      string `json:"organisation_id"`
	ExternalID string `json:"external_id"` // the laboratory's sample id
	RecordID   string `json:"record_id"`
	RecordKind string `json:"record_kind"` // child or request
	// Relationship is "self" for a child record's child, or a family
	// member's relationship to the child a request seeks (a
	// kinship.Relationship: parent_child, full_siblings …).
	Relationship string    `json:"relationship"`
	Label        string    `json:"label,omitempty"` // "mother", "elder sister"
	Loci         int       `json:"loci"`
	KeyID        string    `json:"-"`
	Sealed       []byte    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
}

// NewKinshipSampleID returns the id a sample will be stored under, so that
// it can be bound into the seal before the row exists.
func NewKinshipSampleID() string { return newID() }

const sampleColumns = `id, org_id, external_id, record_id, record_kind, relationship, label, loci, key_id, sealed, created_at, created_by`

// InsertKinshipSamples stores samples (their ids set, see
// NewKinshipSampleID). A laboratory id an organisation already used is a
// *DuplicateError naming every one.
func (t *Tx) InsertKinshipSamples(ctx context.Context, ss []*KinshipSample) error {
	var dups []string
	for _, s := range ss {
		s.CreatedAt = t.now
		res, err := t.exec(ctx, `INSERT INTO kinship_samples (`+sampleColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (org_id, external_id) DO NOTHING`,
			s.ID, s.OrgID, s.ExternalID, s.RecordID, s.RecordKind, s.Relationship, s.Label, s.Loci, s.KeyID, s.Sealed, t.now, s.CreatedBy)
		if err != nil {
			return fmt.Errorf("insert sample %s: %w", s.ExternalID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			dups = append(dups, s.ExternalID)
		}
	}
	if len(dups) > 0 {
		return &DuplicateError{ExternalIDs: dups}
	}
	return nil
}

func scanSample(row interface{ Scan(...any) error }) (KinshipSample, error) {
	var s KinshipSample
	var at nullTime
	err := row.Scan(&s.ID, &s.OrgID, &s.ExternalID, &s.RecordID, &s.RecordKind, &s.Relationship, &s.Label, &s.Loci, &s.KeyID, &s.Sealed, &at, &s.CreatedBy)
	s.CreatedAt = at.Time
	return s, err
}

// KinshipSample returns one sample by its id, or by an organisation's
// laboratory id when org is given.
func (t *Tx) KinshipSample(ctx context.Context, org, idOrExternal string) (KinshipSample, error) {
	var row *sql.Row
	switch {
	case validID(idOrExternal):
		row = t.queryRow(ctx, `SELECT `+sampleColumns+` FROM kinship_samples WHERE id = $1`, idOrExternal)
	case org != "":
		row = t.queryRow(ctx, `SELECT `+sampleColumns+` FROM kinship_samples WHERE org_id = $1 AND external_id = $2`, org, idOrExternal)
	default:
		return KinshipSample{}, fmt.Errorf("sample %q: %w", idOrExternal, ErrNotFound)
	}
	s, err := scanSample(row)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("sample %s: %w", idOrExternal, ErrNotFound)
	}
	return s, err
}

// SampleFilter selects samples.
type SampleFilter struct {
	// VisibleTo limits the samples to those an organisation may read: its
	// own, those linked to records it has received in a list, and those
	// linked to a record of a case it is a party to. Required.
	VisibleTo  string
	RecordKind string // child or request
	RecordID   string
}

// KinshipSamples lists samples, by record and then laboratory id.
func (t *Tx) KinshipSamples(ctx context.Context, f SampleFilter) ([]KinshipSample, error) {
	if f.VisibleTo == "" {
		return nil, errors.New("kinship samples: VisibleTo is required")
	}
	args := []any{f.VisibleTo}
	q := `SELECT ` + sampleColumns + ` FROM kinship_samples s WHERE (s.org_id = $1
		OR EXISTS (SELECT 1 FROM list_records lr JOIN list_recipients rc ON rc.list_id = lr.list_id WHERE lr.record_id = s.record_id AND rc.org_id = $1)
		OR EXISTS (SELECT 1 FROM cases c WHERE (c.request_id = s.record_id OR c.child_id = s.record_id)
		           AND (c.request_org = $1 OR c.child_org = $1 OR c.mediator_org = $1)))`
	if f.RecordKind != "" {
		args = append(args, f.RecordKind)
		q += " AND s.record_kind = $" + strconv.Itoa(len(args))
	}
	if f.RecordID != "" {
		if !validID(f.RecordID) {
			return nil, nil
		}
		args = append(args, f.RecordID)
		q += " AND s.record_id = $" + strconv.Itoa(len(args))
	}
	rows, err := t.query(ctx, q+" ORDER BY s.record_id, s.external_id", args...)
	if err != nil {
		return nil, fmt.Errorf("kinship samples: %w", err)
	}
	return scanAll(rows, scanSample)
}

// FrequencyTableRow is a stored frequency table's header.
type FrequencyTableRow struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	OrgID        string    `json:"organisation_id"`
	Simulated    bool      `json:"simulated"`
	MinFrequency float64   `json:"min_frequency,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
}

// Frequency is one allele's frequency; Allele "N" holds the number of
// individuals typed at the locus.
type Frequency struct {
	Locus     string
	Allele    string
	Frequency float64
}

// InsertFrequencyTable stores a named table; a name in use is ErrDuplicate.
func (t *Tx) InsertFrequencyTable(ctx context.Context, h *FrequencyTableRow, rows []Frequency) error {
	h.ID, h.CreatedAt = newID(), t.now
	_, err := t.exec(ctx, `INSERT INTO kinship_frequency_tables (id, name, org_id, simulated, min_frequency, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		h.ID, h.Name, h.OrgID, h.Simulated, h.MinFrequency, t.now, h.CreatedBy)
	if isUniqueViolation(err) {
		return fmt.Errorf("frequency table %q: %w", h.Name, ErrDuplicate)
	}
	if err != nil {
		return err
	}
	for len(rows) > 0 {
		n := min(len(rows), MaxBatch)
		args := make([]any, 0, 4*n)
		for _, r := range rows[:n] {
			args = append(args, h.ID, r.Locus, r.Allele, r.Frequency)
		}
		if _, err := t.exec(ctx, t.multiInsert(`INSERT INTO kinship_frequencies (table_id, locus, allele, frequency) VALUES `, 4, n), args...); err != nil {
			return fmt.Errorf("insert frequencies: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// FrequencyTable returns a table by name, with its rows by locus and allele.
func (t *Tx) FrequencyTable(ctx context.Context, name string) (FrequencyTableRow, []Frequency, error) {
	var h FrequencyTableRow
	var at nullTime
	err := t.queryRow(ctx, `SELECT id, name, org_id, simulated, min_frequency, created_at, created_by FROM kinship_frequency_tables WHERE name = $1`, name).
		Scan(&h.ID, &h.Name, &h.OrgID, &h.Simulated, &h.MinFrequency, &at, &h.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return h, nil, fmt.Errorf("frequency table %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return h, nil, err
	}
	h.CreatedAt = at.Time
	rows, err := t.query(ctx, `SELECT locus, allele, frequency FROM kinship_frequencies WHERE table_id = $1 ORDER BY locus, allele`, h.ID)
	if err != nil {
		return h, nil, err
	}
	out, err := scanAll(rows, func(r interface{ Scan(...any) error }) (f Frequency, err error) {
		return f, r.Scan(&f.Locus, &f.Allele, &f.Frequency)
	})
	return h, out, err
}

// FrequencyTables lists the tables, by name.
func (t *Tx) FrequencyTables(ctx context.Context) ([]FrequencyTableRow, error) {
	rows, err := t.query(ctx, `SELECT id, name, org_id, simulated, min_frequency, created_at, created_by FROM kinship_frequency_tables ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (h FrequencyTableRow, err error) {
		var at nullTime
		err = r.Scan(&h.ID, &h.Name, &h.OrgID, &h.Simulated, &h.MinFrequency, &at, &h.CreatedBy)
		h.CreatedAt = at.Time
		return h, err
	})
}

// KinshipResult is a DNA result recorded on a case.
type KinshipResult struct {
	ID               string    `json:"id"`
	CaseID           string    `json:"case_id"`
	OrgID            string    `json:"organisation_id"`
	ChildSample      string    `json:"child_sample"`
	ReferenceSamples []string  `json:"reference_samples"`
	Relationship     string    `json:"relationship"`
	Hp               string    `json:"hp"`
	Hd               string    `json:"hd"`
	LR               float64   `json:"lr"`
	Loci             []string  `json:"loci"`
	FrequencyTable   string    `json:"frequency_table"`
	Theta            float64   `json:"theta"`
	Prior            float64   `json:"prior"`
	Posterior        float64   `json:"posterior"`
	Reading          string    `json:"reading"`
	Detail           string    `json:"-"` // JSON: per-locus formulas and LRs, no genotypes
	CreatedAt        time.Time `json:"created_at"`
	CreatedBy        string    `json:"created_by"`
}

const resultColumns = `id, case_id, org_id, child_sample, reference_samples, relationship, hp, hd, lr, loci, frequency_table, theta, prior, posterior, reading, detail, created_at, created_by`

// InsertKinshipResult stores a DNA result.
func (t *Tx) InsertKinshipResult(ctx context.Context, r *KinshipResult) error {
	r.ID, r.CreatedAt = newID(), t.now
	_, err := t.exec(ctx, `INSERT INTO kinship_results (`+resultColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		r.ID, r.CaseID, r.OrgID, r.ChildSample, strings.Join(r.ReferenceSamples, ","), r.Relationship, r.Hp, r.Hd, r.LR,
		strings.Join(r.Loci, ","), r.FrequencyTable, r.Theta, r.Prior, r.Posterior, r.Reading, r.Detail, t.now, r.CreatedBy)
	if err != nil {
		return fmt.Errorf("insert DNA result: %w", err)
	}
	return nil
}

func scanResult(row interface{ Scan(...any) error }) (KinshipResult, error) {
	var r KinshipResult
	var refs, loci string
	var at nullTime
	err := row.Scan(&r.ID, &r.CaseID, &r.OrgID, &r.ChildSample, &refs, &r.Relationship, &r.Hp, &r.Hd, &r.LR, &loci, &r.FrequencyTable,
		&r.Theta, &r.Prior, &r.Posterior, &r.Reading, &r.Detail, &at, &r.CreatedBy)
	r.ReferenceSamples, r.Loci, r.CreatedAt = splitList(refs), splitList(loci), at.Time
	return r, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// KinshipResult returns one DNA result.
func (t *Tx) KinshipResult(ctx context.Context, id string) (KinshipResult, error) {
	if !validID(id) {
		return KinshipResult{}, fmt.Errorf("DNA result %q: %w", id, ErrNotFound)
	}
	r, err := scanResult(t.queryRow(ctx, `SELECT `+resultColumns+` FROM kinship_results WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("DNA result %s: %w", id, ErrNotFound)
	}
	return r, err
}

// KinshipResults lists a case's DNA results, oldest first.
func (t *Tx) KinshipResults(ctx context.Context, caseID string) ([]KinshipResult, error) {
	if !validID(caseID) {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT `+resultColumns+` FROM kinship_results WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanResult)
}
