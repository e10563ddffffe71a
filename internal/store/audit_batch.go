package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Group commit of the audit entries of reads.
//
// A user action that only reads (a record read, a page of records, the
// review queue) still writes: its audit rows, naming every record it shows,
// on the hash chain. Written in the action's own transaction, every read would be
// a write transaction: one at a time on SQLite, and on PostgreSQL one
// holding the chain's head and waiting for its own WAL flush. ReadTx
// instead reads in a read-only transaction and hands its entries to the
// store's auditBatcher, which writes the entries of every reader waiting at
// that moment in one write transaction: one multi-row insert on the chain
// and one update of its head, one commit, whatever the number of readers.
//
// The batcher has no goroutine of its own. The first reader to arrive while
// no batch is being written leads: it takes every entry waiting (its own
// among them), writes them, and tells each reader of the batch the outcome.
// Readers that arrive meanwhile queue; when the leader is done, the first of
// them leads the next batch, with all that queued behind it. So a batch
// gathers the readers that arrived during the previous one's commit, and a
// reader waits for at most the batch before its own and its own.
//
// A write that appends to the chain anyway (a record's creation, a case's
// move) takes the readers waiting at the moment it is about to hold the
// head (steal), writes their entries after its own and, once it has
// committed, tells them so (settle); if it fails, they go back to the
// queue for the next batch, untouched. Every transaction that holds the
// head holds it through its commit, one at a time, so readers that ride on
// a write hold it no extra time, and wait less.
//
// Guarantees, as for an action's own transaction:
//   - a reader returns only once its entries are committed; if the batch
//     fails, every reader of it fails (and shows nothing);
//   - the entries of one reader are consecutive on the chain, in the order
//     it appended them, with the time of its read;
//   - the chain is the same chain: the batch holds its head like any
//     other transaction, so batches and writes are ordered by it.
type auditBatcher struct {
	s     *Store
	mu    sync.Mutex
	busy  bool         // a leader is writing a batch
	queue []*auditWait // readers waiting for the next batch
	// beforeWrite, if set (by tests), runs in each batch's transaction
	// before the entries are written; an error fails the batch.
	beforeWrite func(entries int) error
	// afterSteal, if set (by tests), runs in a write's transaction once
	// it has taken readers (steal); an error fails the write.
	afterSteal func(readers int) error
	stats      AuditBatchStats // under mu
}

// AuditBatchStats counts the audit batches written since the store opened.
type AuditBatchStats struct {
	Batches, Readers, Entries int64
	Writing                   time.Duration // in the batches' transactions, all told
	// Carried: readers whose entries were written by a write's
	// transaction (steal), not a batch's.
	Carried int64
}

// AuditBatchStats returns what the audit batcher has written so far.
func (s *Store) AuditBatchStats() AuditBatchStats {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	return s.audit.stats
}

// auditWait is one reader's entries and where it learns their fate.
type auditWait struct {
	entries []AuditEntry
	done    chan error // the batch's outcome, or errAuditLead
}

// errAuditLead tells a waiting reader that it leads the next batch.
var errAuditLead = errors.New("audit batch: lead the next batch")

// commit writes entries on the chain with those of the other readers
// waiting, and returns once they are committed, or with the error that kept
// them from being committed.
func (b *auditBatcher) commit(ctx context.Context, entries []AuditEntry) error {
	w := &auditWait{entries: entries, done: make(chan error, 1)}
	b.mu.Lock()
	lead := !b.busy
	b.busy = true
	if !lead {
		b.queue = append(b.queue, w)
	}
	b.mu.Unlock()
	if !lead {
		// Not abandoned when ctx ends: the batch may be handed to this
		// reader to lead, and the others would wait for ever.
		if err := <-w.done; err != errAuditLead {
			return err
		}
	}
	// A leader is never in the queue, so that a write cannot take it
	// (steal) and leave it to lead a batch without its own entries.
	b.mu.Lock()
	batch := append([]*auditWait{w}, b.queue...)
	b.queue = nil
	b.mu.Unlock()

	// The batch is written for every reader in it, so it does not end
	// with the leader's request.
	start := time.Now()
	err := b.write(context.WithoutCancel(ctx), batch)
	took := time.Since(start)
	for _, x := range batch {
		if x != w {
			x.done <- err
		}
	}

	b.mu.Lock()
	b.stats.Batches++
	b.stats.Readers += int64(len(batch))
	for _, x := range batch {
		b.stats.Entries += int64(len(x.entries))
	}
	b.stats.Writing += took
	b.handOff()
	return err
}

// handOff, called with mu held by the leader of the batch just written,
// makes the first reader waiting the next leader, or ends the run of
// batches. It unlocks mu.
func (b *auditBatcher) handOff() {
	if len(b.queue) == 0 {
		b.busy = false
		b.mu.Unlock()
		return
	}
	next := b.queue[0]
	b.queue = b.queue[1:]
	b.mu.Unlock()
	next.done <- errAuditLead
}

// steal takes the readers waiting for the next batch, for a write that is
// about to append to the chain to write their entries with its own.
func (b *auditBatcher) steal() []*auditWait {
	b.mu.Lock()
	defer b.mu.Unlock()
	taken := b.queue
	b.queue = nil
	return taken
}

// settle tells the readers a write took (steal) that their entries are
// committed, if the write committed; else it gives them back to the
// batcher, first in the queue, and, if no batch is being written, makes
// the first of them lead one.
func (b *auditBatcher) settle(taken []*auditWait, committed bool) {
	if len(taken) == 0 {
		return
	}
	if committed {
		b.mu.Lock()
		b.stats.Carried += int64(len(taken))
		b.mu.Unlock()
		for _, x := range taken {
			x.done <- nil
		}
		return
	}
	b.mu.Lock()
	b.queue = append(taken, b.queue...)
	if b.busy {
		b.mu.Unlock() // the leader hands off when it is done
		return
	}
	b.busy = true
	b.handOff()
}

// write puts the batch's entries on the chain in one transaction.
func (b *auditBatcher) write(ctx context.Context, batch []*auditWait) error {
	n := 0
	for _, w := range batch {
		n += len(w.entries)
	}
	entries := make([]AuditEntry, 0, n)
	for _, w := range batch {
		entries = append(entries, w.entries...)
	}
	return b.s.InTx(ctx, func(tx *Tx) error {
		tx.auditBatch = true
		if b.beforeWrite != nil {
			if err := b.beforeWrite(len(entries)); err != nil {
				return err
			}
		}
		// flushAudit keeps each entry's time (that of its read).
		tx.audit.entries = append(tx.audit.entries[:0], entries...)
		return tx.flushAudit(ctx)
	})
}
