package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// The index of the audit trail by record, for the acts that named several.
//
// An act that shows several records (a page of a list, the review queue,
// an export) is one audit row naming them all (AuditEntry.RecordIDs).
// "Who saw this record?" then needs, beside record_id's index, a way from a
// record to the rows that named it among others: audit_record_refs, one
// (record_id, audit_id) a name.
//
// Those references are not written with their rows. The table is ordered
// by record, so the few dozen references of an act land on as many pages,
// and on SQLite each page changed is a page written to the WAL at commit:
// with every read's row, that was most of the one writer's time. Instead
// the store's indexer (startRefIndexer) writes them later, in bulk: it takes
// a window of the chain past audit_refs_state.seq, sorts the window's
// references by record and inserts them in runs of consecutive keys, one
// transaction a run, so that a page takes all of a window's references in
// one write; then it moves audit_refs_state.seq to the window's end.
//
// A query by record (Tx.Audit with RecordID) never depends on how far the
// indexer has got: it reads the references, and, past audit_refs_state.seq,
// the rows' record_ids themselves. While a window is being written some of
// its references are in the table and all its rows are past the mark, so a
// row may be found twice; the query asks for ids IN the union, which
// counts it once. A window cut short (a crash, an error) is written again
// from its start: a reference already there is skipped.
//
// The chain is what is trusted: references are a convenience the
// verification does not read, and removing one hides a row from a query by
// record but not from the chain or from a query by anything else.

// Limits of the indexer's work.
const (
	// refsWindow bounds the references taken in one window (a window
	// ends at a row's end, so it may hold one row's more).
	refsWindow = 100_000
	// refsRun bounds the references one transaction inserts: how long
	// the indexer holds SQLite's one writer at a time.
	refsRun = 4_000
	// refsEvery is how often the indexer looks for work; it writes once
	// refsRowsMin rows are past the mark, or once a row has waited
	// refsPatience. Fewer, larger windows write each page of the table
	// fewer times; the rows past the mark are what a query by record
	// reads from audit_log itself.
	refsEvery    = time.Second
	refsRowsMin  = 2_000
	refsPatience = 10 * time.Second
)

// auditRef is one name of a record by an audit row.
type auditRef struct {
	recordID string
	auditID  int64
}

// pendingAuditRefs reads the window past the mark: its end (the seq the
// mark moves to) and its references, sorted by record. The window ends at
// the chain's head or, past refsWindow references, at the row that passed
// it.
func (s *Store) pendingAuditRefs(ctx context.Context) (from, to int64, refs []auditRef, err error) {
	err = s.ReadTx(ctx, func(tx *Tx) (err error) {
		if from, to, err = tx.refsMark(ctx); err != nil {
			return err
		}
		if to <= from {
			return nil
		}
		rows, err := tx.query(ctx, `SELECT id, seq, record_ids FROM audit_log WHERE seq > $1 AND seq <= $2 AND record_ids <> '' ORDER BY seq`, from, to)
		if err != nil {
			return fmt.Errorf("audit references: read: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, seq int64
			var ids string
			if err := rows.Scan(&id, &seq, &ids); err != nil {
				return fmt.Errorf("audit references: read: %w", err)
			}
			for _, r := range splitRecordIDs(ids) {
				refs = append(refs, auditRef{recordID: r, auditID: id})
			}
			if len(refs) >= refsWindow {
				to = seq
				break
			}
		}
		return rows.Err()
	})
	slices.SortFunc(refs, func(a, b auditRef) int {
		return cmp.Or(cmp.Compare(a.recordID, b.recordID), cmp.Compare(a.auditID, b.auditID))
	})
	return from, to, refs, err
}

// IndexAuditRefs writes the references of every act on the chain that
// named several records and is past the mark, window by window, and
// returns how many it wrote.
func (s *Store) IndexAuditRefs(ctx context.Context) (int, error) {
	total := 0
	for {
		from, to, refs, err := s.pendingAuditRefs(ctx)
		if err != nil || to <= from {
			return total, err
		}
		if err := s.writeAuditRefs(ctx, from, to, refs); err != nil {
			return total, err
		}
		total += len(refs)
	}
}

// writeAuditRefs inserts a window's references, run by run, and moves the
// mark from from to to with the last run (only if it is still at from: two
// indexers, in two processes, write the same references and one moves it).
func (s *Store) writeAuditRefs(ctx context.Context, from, to int64, refs []auditRef) error {
	// again: the window was cut short before (a crash, the store closing),
	// and some of its references are already there.
	again := false
	for {
		n := min(len(refs), refsRun)
		run, last := refs[:n], n == len(refs)
		err := s.InTx(ctx, func(tx *Tx) error {
			if err := tx.insertAuditRefs(ctx, run, again); err != nil {
				return err
			}
			if last {
				if _, err := tx.exec(ctx, `UPDATE audit_refs_state SET seq = $1 WHERE id = 1 AND seq = $2`, to, from); err != nil {
					return fmt.Errorf("audit references: mark: %w", err)
				}
			}
			return nil
		})
		if isUniqueViolation(err) && !again {
			again = true
			continue
		}
		if err != nil || last {
			return err
		}
		refs = refs[n:]
	}
}

// refChunk is the number of references the next SQLite insert carries,
// for n waiting: a few fixed sizes, so that the statements' texts repeat
// and stay prepared.
func refChunk(n int) int {
	for _, c := range []int{250, 50, 10, 1} {
		if n >= c {
			return c
		}
	}
	return n
}

// insertAuditRefs writes refs; again if some may be there already, which
// are then skipped. On PostgreSQL, a reference already there otherwise
// fails the insert (a unique violation) and the run is written again,
// skipping: skipping costs PostgreSQL a look-up of each key before its
// insert (bench http: 5.7 µs a reference with it, 3.2 without), for what
// only a window written again can meet.
func (t *Tx) insertAuditRefs(ctx context.Context, refs []auditRef, again bool) error {
	if t.dialect == Postgres {
		ids, audits := make([]string, len(refs)), make([]int64, len(refs))
		for i, r := range refs {
			ids[i], audits[i] = r.recordID, r.auditID
		}
		q := `INSERT INTO audit_record_refs (record_id, audit_id) SELECT * FROM unnest($1::uuid[], $2::bigint[])`
		if again {
			q += ` ON CONFLICT DO NOTHING`
		}
		if _, err := t.exec(ctx, q, ids, audits); err != nil {
			return fmt.Errorf("audit references: %w", err)
		}
		return nil
	}
	for len(refs) > 0 {
		n := refChunk(len(refs))
		args := make([]any, 0, 2*n)
		for _, r := range refs[:n] {
			args = append(args, r.recordID, r.auditID)
		}
		if _, err := t.exec(ctx, t.multiInsert(`INSERT OR IGNORE INTO audit_record_refs (record_id, audit_id) VALUES `, 2, n), args...); err != nil {
			return fmt.Errorf("audit references: %w", err)
		}
		refs = refs[n:]
	}
	return nil
}

// refIndexer runs IndexAuditRefs in the background until stopped.
type refIndexer struct {
	// stop ends the indexer, and the window it is writing (a window cut
	// short is written again from its start by the next indexer).
	stop context.CancelFunc
	done sync.WaitGroup
	once sync.Once
}

// startRefIndexer starts the store's indexer: every refsEvery it writes the
// references waiting, once refsRowsMin rows are past the mark or the
// oldest has waited refsPatience. Errors are logged and left for the next round
// (queries by record read what is not indexed from the rows themselves).
func (s *Store) startRefIndexer() *refIndexer {
	ctx, stop := context.WithCancel(context.Background())
	x := &refIndexer{stop: stop}
	x.done.Go(func() {
		t := time.NewTicker(refsEvery)
		defer t.Stop()
		waiting := time.Time{} // since when references have waited
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			n, err := s.rowsPastRefs(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("audit references", "err", err)
				}
				continue
			}
			if n == 0 {
				waiting = time.Time{}
				continue
			}
			if waiting.IsZero() {
				waiting = time.Now()
			}
			if n < refsRowsMin && time.Since(waiting) < refsPatience {
				continue
			}
			if _, err := s.IndexAuditRefs(ctx); err != nil {
				if ctx.Err() == nil {
					s.log.Warn("audit references", "err", err)
				}
				continue
			}
			waiting = time.Time{}
		}
	})
	return x
}

// AuditRefsMark is where the index by record stands: complete up to the
// chain's seq mark, with the chain's head at head.
func (s *Store) AuditRefsMark(ctx context.Context) (mark, head int64, err error) {
	err = s.ReadTx(ctx, func(tx *Tx) (err error) {
		mark, head, err = tx.refsMark(ctx)
		return err
	})
	return mark, head, err
}

func (t *Tx) refsMark(ctx context.Context) (mark, head int64, err error) {
	err = t.queryRow(ctx, `SELECT r.seq, a.seq FROM audit_refs_state r, audit_state a WHERE r.id = 1 AND a.id = 1`).Scan(&mark, &head)
	if err != nil {
		err = fmt.Errorf("audit references: state: %w", err)
	}
	return mark, head, err
}

// rowsPastRefs is the number of rows on the chain past the mark.
func (s *Store) rowsPastRefs(ctx context.Context) (int64, error) {
	mark, head, err := s.AuditRefsMark(ctx)
	return head - mark, err
}

func (x *refIndexer) close() {
	if x == nil {
		return
	}
	x.once.Do(func() {
		x.stop()
		x.done.Wait()
	})
}
