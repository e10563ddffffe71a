package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/store"
)

// MaxReportedRowErrors bounds how many bad rows an import lists in detail;
// the rest are counted. A file that is wrong everywhere is usually wrong in
// one way, and the first thousand rows show it.
const MaxReportedRowErrors = 1000

// ImportOptions tune an import.
type ImportOptions struct {
	Mapping interchange.Mapping
	// Progress, if set, is called after every batch with the rows read so far.
	Progress func(rows int)
	// DryRun checks every row, duplicates of stored records included, and
	// then rolls back: what the web import shows before the user commits.
	DryRun bool
}

// errDryRun rolls back a dry run that found nothing wrong.
var errDryRun = errors.New("dry run")

// ImportResult says what an import did.
type ImportResult struct {
	Rows     int           `json:"rows"`
	Imported int           `json:"imported"`
	Duration time.Duration `json:"duration_ns"`
	// IDs are the new records' ids, in file order, for handing them over
	// in a list.
	IDs []string `json:"-"`
}

// ImportError lists the bad rows of a refused import. Nothing was stored.
type ImportError struct {
	Rows  []*interchange.RowError
	Total int // bad rows in all, including those not listed
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad row(s); nothing was stored", e.Total)
	for _, r := range e.Rows {
		b.WriteString("\n  ")
		b.WriteString(r.Error())
	}
	if e.Total > len(e.Rows) {
		fmt.Fprintf(&b, "\n  … and %d more", e.Total-len(e.Rows))
	}
	return b.String()
}

// FileError is a file that cannot be read as interchange CSV at all: a bad
// header, a row over the size limit, an unreadable stream.
type FileError struct{ Err error }

func (e *FileError) Error() string { return "cannot read the file: " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// Import reads an interchange CSV of records of one kind into p's
// organisation. It is all or nothing: every row is read and checked, every
// bad row is reported (as an *ImportError), and if there is one nothing is
// stored. Each stored record is audited.
func (a *App) Import(ctx context.Context, p access.Principal, kind domain.Kind, src io.Reader, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	if !p.Can(access.WriteRecords) || !p.Can(access.ImportExport) {
		return res, ErrForbidden
	}
	start := time.Now()
	rd, err := interchange.NewReader(src, kind, interchange.Options{Mapping: opts.Mapping, Today: a.today()})
	if err != nil {
		return res, &FileError{err}
	}
	bad := &ImportError{}
	addBad := func(e *interchange.RowError) {
		bad.Total++
		if len(bad.Rows) < MaxReportedRowErrors {
			bad.Rows = append(bad.Rows, e)
		}
	}
	// With a live matching engine, the imported records are matched once
	// they are committed, in the background: a list of thousands takes
	// seconds to match, and the import has nothing to wait for.
	live := a.engine.Load() != nil
	var imported []domain.Record
	// Once: the transaction consumes src, so it cannot be retried.
	err = a.store.InTxOnce(ctx, func(tx *store.Tx) error {
		firstLine := map[string]int{} // external id → line it first appears on
		batch := make([]*domain.Record, 0, store.MaxBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := tx.InsertRecords(ctx, actorOf(p), batch)
			var dup *store.DuplicateError
			if errors.As(err, &dup) {
				for _, id := range dup.ExternalIDs {
					addBad(&interchange.RowError{Line: firstLine[id], ID: id, Fields: []domain.FieldError{{Field: "id", Detail: "a record with this id already exists"}}})
				}
				return nil
			}
			if err != nil {
				return err
			}
			entries := make([]store.AuditEntry, len(batch))
			for i, r := range batch {
				res.IDs = append(res.IDs, r.ID)
				entries[i] = auditOf(p, ActionImport, store.OutcomeOK, r)
				if live {
					imported = append(imported, *r)
				}
			}
			if err := tx.AppendAudit(ctx, entries...); err != nil {
				return err
			}
			res.Imported += len(batch)
			batch = batch[:0]
			if opts.Progress != nil {
				opts.Progress(res.Rows)
			}
			return nil
		}
		rows := readAhead(ctx, rd)
		defer rows.stop()
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec, line, err := rows.next()
			if err == io.EOF {
				break
			}
			var rowErr *interchange.RowError
			if errors.As(err, &rowErr) {
				res.Rows++
				addBad(rowErr)
				continue
			}
			if err != nil {
				return &FileError{err}
			}
			res.Rows++
			if rec.ExternalID != "" {
				if first, ok := firstLine[rec.ExternalID]; ok {
					addBad(&interchange.RowError{Line: line, ID: rec.ExternalID, Fields: []domain.FieldError{{Field: "id", Detail: fmt.Sprintf("the same id is on line %d", first)}}})
					continue
				}
				firstLine[rec.ExternalID] = line
			}
			if bad.Total > 0 {
				continue // the import will be refused: keep checking, stop writing
			}
			rec.OrgID = p.OrgID
			batch = append(batch, &rec)
			if len(batch) == store.MaxBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if bad.Total == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
		if bad.Total > 0 {
			return bad
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	res.Duration = time.Since(start)
	if errors.Is(err, errDryRun) {
		// Nothing was stored; the count is what a real run would store.
		res.IDs = nil
		return res, nil
	}
	if err != nil {
		res.Imported, res.IDs = 0, nil
		return res, err
	}
	if live {
		go a.rematch(context.WithoutCancel(ctx), imported)
	} else {
		go a.firstMatch(context.WithoutCancel(ctx))
	}
	return res, nil
}

// Export writes the records of one kind that p may see, as interchange CSV,
// and returns how many it wrote. Each exported record is audited.
func (a *App) Export(ctx context.Context, p access.Principal, kind domain.Kind, w io.Writer, f store.RecordFilter) (int, error) {
	if !p.Can(access.ReadRecords) || !p.Can(access.ImportExport) {
		return 0, ErrForbidden
	}
	if err := a.scopeOwners(ctx, p, &f, ActionExport); err != nil {
		return 0, err
	}
	f.Kind, f.Limit, f.SharedWith = kind, store.MaxBatch, p.OrgID
	cw := interchange.NewWriter(w)
	n := 0
	// Page by page, each page with its audit in one transaction: a cursor
	// cannot stay open across writes on PostgreSQL, and an export of a
	// million records must not hold them all in memory.
	for {
		var page []domain.Record
		full, last := 0, ""
		err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
			if page, err = tx.Records(ctx, f); err != nil {
				return err
			}
			if full = len(page); full > 0 {
				last = page[full-1].ID
			}
			if page, err = viewAll(ctx, newViewer(p, tx), page, f); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, auditShown(p, ActionExport, "", pointers(page))...)
		})
		if err != nil {
			return n, err
		}
		for i := range page {
			if err := cw.Write(page[i]); err != nil {
				return n, err
			}
		}
		n += len(page)
		if full < f.Limit {
			break
		}
		f.After = last
	}
	if err := cw.Flush(); err != nil {
		return n, err
	}
	// The export as a whole, even of nothing: each record written was
	// audited with its page; this says the export ran, and how big it was.
	e := store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionExportRun, Outcome: store.OutcomeOK, RecordKind: kind,
		Detail: fmt.Sprintf("%d records; searched by: %s", n, searchedFields(f))}
	return n, a.store.InTx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(ctx, e) })
}

// parsedRow is one row as the interchange reader gave it.
type parsedRow struct {
	rec  domain.Record
	line int
	err  error
}

// rowsAhead reads and checks rows on its own goroutine while the caller
// stores the rows before them: parsing and validation then use the second
// core instead of waiting for the inserts (an import's two halves take
// about as long as each other).
type rowsAhead struct {
	ch     chan parsedRow
	cancel context.CancelFunc
	done   chan struct{}
}

func readAhead(ctx context.Context, rd *interchange.Reader) *rowsAhead {
	ctx, cancel := context.WithCancel(ctx)
	r := &rowsAhead{ch: make(chan parsedRow, store.MaxBatch), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		defer close(r.ch)
		for {
			rec, line, err := rd.Next()
			select {
			case r.ch <- parsedRow{rec, line, err}:
			case <-ctx.Done():
				return
			}
			var rowErr *interchange.RowError
			if err != nil && !errors.As(err, &rowErr) {
				return // EOF or the file itself is unreadable: nothing follows
			}
		}
	}()
	return r
}

// next returns the next row, or io.EOF after the last.
func (r *rowsAhead) next() (domain.Record, int, error) {
	p, ok := <-r.ch
	if !ok {
		return domain.Record{}, 0, io.EOF
	}
	return p.rec, p.line, p.err
}

// stop ends the reading and waits for it, so that nothing reads the source
// after the import has returned.
func (r *rowsAhead) stop() {
	r.cancel()
	for range r.ch {
	}
	<-r.done
}
