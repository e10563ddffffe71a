package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestLedgerAppendBatch: entries appended to the database in batches
// (Log.AppendBatch: all leaves, nodes and the border computed in memory,
// written a few statements per chunk) give byte for byte the leaves, roots,
// checkpoints and proofs of the same entries appended one by one (to the
// reference MemStore, which the conformance test ties to the database's
// one-by-one appends). Batch sizes cross perfect-subtree boundaries at
// several offsets (1, 2, 3, 7, 8, 9, 1000), then again with chunks of 4
// entries a statement, so that one batch is several statements.
func TestLedgerAppendBatch(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := newBatchBench(t)
		var size uint64
		var sizes []uint64 // after each batch
		for _, phase := range []struct {
			chunk int // 0: the default
			sizes []int
		}{
			{0, []int{1, 2, 3, 7, 8, 9, 1000}},
			{4, []int{3, 9, 8, 1, 13}},
		} {
			restore := func() {}
			if phase.chunk > 0 {
				restore = store.SetLedgerChunk(phase.chunk)
			}
			for _, k := range phase.sizes {
				es := b.entries(int(size), k)
				for _, e := range es {
					if _, err := b.mem.Append(ctx, e, b.org); err != nil {
						t.Fatal(err)
					}
				}
				var rs []ledger.Receipt
				err := b.inLog(s, func(l *ledger.Log) (err error) {
					rs, err = l.AppendBatch(ctx, es, b.org)
					return err
				})
				if err != nil {
					t.Fatalf("batch of %d at %d: %v", k, size, err)
				}
				me, _ := b.mem.Entries(ctx, size, size+uint64(k))
				for i, r := range rs {
					if r.Index != size+uint64(i) || r.LeafHash != me[i].LeafHash() {
						t.Fatalf("batch of %d at %d: receipt %d is %+v, want index %d leaf %x", k, size, i, r, size+uint64(i), me[i].LeafHash())
					}
				}
				size += uint64(k)
				sizes = append(sizes, size)
			}
			restore()
		}
		b.compare(t, s, size, sizes)
	})
}

// TestLedgerAppendBatchFails: a batch that fails part-way (a subtree hash
// already stored where the batch puts one, in its last chunk) leaves
// nothing — no entry, node or state — even in a transaction that goes on
// and commits; appended again once the obstacle is gone, it gives the same
// tree as one by one. An entry that cannot be signed fails the batch before
// anything is written.
func TestLedgerAppendBatchFails(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := newBatchBench(t)
		const base = 5
		es := b.entries(0, base)
		for _, e := range es {
			b.mem.Append(ctx, e, b.org)
		}
		if err := b.inLog(s, func(l *ledger.Log) error { _, err := l.AppendBatch(ctx, es, b.org); return err }); err != nil {
			t.Fatal(err)
		}
		// Entries 5-13: the last, 13, completes node (1, 6) (leaves 12, 13).
		es = b.entries(base, 9)
		block := func() error {
			return s.InTx(ctx, func(tx *store.Tx) error {
				return tx.ExecForTest(ctx, `INSERT INTO ledger_nodes (level, idx, hash) VALUES (1, 6, $1)`, bytes.Repeat([]byte{7}, 32))
			})
		}
		if err := block(); err != nil {
			t.Fatal(err)
		}
		check := func(what string, tx *store.Tx) {
			t.Helper()
			var entries, nodes, state int64
			if err := tx.QueryRowForTest(ctx, `SELECT (SELECT COUNT(*) FROM ledger_entries), (SELECT COUNT(*) FROM ledger_nodes WHERE idx <> 6 OR level <> 1), (SELECT size FROM ledger_state)`).Scan(&entries, &nodes, &state); err != nil {
				t.Fatal(err)
			}
			// 5 leaves: nodes (1,0), (1,1), (2,0).
			if entries != base || nodes != 3 || state != base {
				t.Errorf("%s: %d entries, %d nodes, state size %d; want %d, 3, %d", what, entries, nodes, state, base, base)
			}
		}
		for _, chunk := range []int{0, 4} {
			restore := func() {}
			if chunk > 0 {
				restore = store.SetLedgerChunk(chunk) // 5-8, 9-12, 13: the third statement fails
			}
			var batchErr error
			err := s.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.LockLedger(ctx); err != nil {
					return err
				}
				l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: b.logSigner, Now: b.now})
				if err != nil {
					return err
				}
				_, batchErr = l.AppendBatch(ctx, es, b.org)
				if batchErr == nil {
					return errors.New("batch over a stored node: no error")
				}
				if s.Dialect() == store.SQLite || chunk > 0 {
					// Rolled back to its savepoint: the transaction goes on.
					check(fmt.Sprintf("chunk %d, in the transaction", chunk), tx)
				}
				return nil
			})
			restore()
			if err != nil && (s.Dialect() == store.SQLite || chunk > 0) {
				t.Fatalf("chunk %d: %v (batch: %v)", chunk, err, batchErr)
			}
			s.InTx(ctx, func(tx *store.Tx) error { check(fmt.Sprintf("chunk %d, committed", chunk), tx); return nil })
		}
		// A bad entry in the middle: refused before anything is written.
		bad := slices.Clone(es)
		bad[4].Kind = "Not A Kind"
		err := b.inLog(s, func(l *ledger.Log) error { _, err := l.AppendBatch(ctx, bad, b.org); return err })
		if err == nil {
			t.Fatal("batch with a bad entry: no error")
		}
		s.InTx(ctx, func(tx *store.Tx) error { check("bad entry", tx); return nil })

		s.InTx(ctx, func(tx *store.Tx) error {
			return tx.ExecForTest(ctx, `DELETE FROM ledger_nodes WHERE level = 1 AND idx = 6`)
		})
		for _, e := range es {
			b.mem.Append(ctx, e, b.org)
		}
		if err := b.inLog(s, func(l *ledger.Log) error { _, err := l.AppendBatch(ctx, es, b.org); return err }); err != nil {
			t.Fatal(err)
		}
		b.compare(t, s, base+9, []uint64{base, base + 9})
	})
}

// batchBench is a log's keys, a fixed clock and the reference log in
// memory.
type batchBench struct {
	t         *testing.T
	logSigner note.Signer
	org       ledger.OrgSigner
	now       func() time.Time
	mem       *ledger.Log
}

func newBatchBench(t *testing.T) *batchBench {
	skey, _, err := ledger.NewLogKey(ledger.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	oskey, _, _ := ledger.NewOrgKey("org-a")
	org, err := ledger.NewOrgSigner(oskey)
	if err != nil {
		t.Fatal(err)
	}
	b := &batchBench{t: t, logSigner: signer, org: org, now: func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }}
	if b.mem, err = ledger.NewLog(context.Background(), ledger.LogConfig{Store: ledger.NewMemStore(), Signer: signer, Now: b.now}); err != nil {
		t.Fatal(err)
	}
	return b
}

// entries are k entries numbered from.
func (b *batchBench) entries(from, k int) []ledger.Entry {
	es := make([]ledger.Entry, k)
	for i := range es {
		n := from + i
		es[i] = ledger.Entry{Kind: ledger.KindCaseTransition, Subjects: []string{fmt.Sprintf("case-%d", n)},
			DataHashes: []string{ledger.HashData([]byte("salt"), fmt.Sprint(n))}, Detail: map[string]string{"n": fmt.Sprint(n)}}
	}
	return es
}

// inLog runs fn on a Log opened in a transaction after the ledger lock, as
// the application appends.
func (b *batchBench) inLog(s *store.Store, fn func(l *ledger.Log) error) error {
	ctx := context.Background()
	return s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockLedger(ctx); err != nil {
			return err
		}
		l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: b.logSigner, Now: b.now})
		if err != nil {
			return err
		}
		return fn(l)
	})
}

// compare checks the database's log of size entries against the reference:
// every leaf, the checkpoint, the root at every size, inclusion proofs of
// entries around every batch boundary in the trees of those sizes, and
// consistency proofs between them.
func (b *batchBench) compare(t *testing.T, s *store.Store, size uint64, sizes []uint64) {
	ctx := context.Background()
	err := s.InTx(ctx, func(tx *store.Tx) error {
		l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: b.logSigner, Now: b.now})
		if err != nil {
			return err
		}
		mc, _ := b.mem.Checkpoint(ctx)
		if dc, err := l.Checkpoint(ctx); err != nil || !bytes.Equal(mc, dc) {
			t.Fatalf("checkpoint:\n%s\nwant\n%s (%v)", dc, mc, err)
		}
		me, _ := b.mem.Entries(ctx, 0, size)
		rows, err := tx.LedgerLeaves(ctx, 0, size)
		if err != nil || len(rows) != int(size) {
			t.Fatalf("%d rows, want %d (%v)", len(rows), size, err)
		}
		for i := range me {
			if !bytes.Equal(me[i].LeafData(), rows[i].Leaf) {
				t.Fatalf("leaf %d:\n%s\nwant\n%s", i, rows[i].Leaf, me[i].LeafData())
			}
		}
		for n := uint64(1); n <= size; n++ {
			mr, _ := b.mem.Root(ctx, n)
			if dr, err := l.Root(ctx, n); err != nil || dr != mr {
				t.Fatalf("root at %d: %x, want %x (%v)", n, dr, mr, err)
			}
		}
		// The border kept in ledger_state is the one the rows give.
		fs, border, ok, err := tx.Ledger().Frontier(ctx)
		if err != nil || !ok || fs != size {
			t.Fatalf("frontier: size %d ok %v (%v), want %d", fs, ok, err, size)
		}
		_ = border
		for _, to := range sizes {
			for _, at := range sizes {
				for _, i := range []uint64{at - 1, at, at + 1, 0} {
					if i >= to {
						continue
					}
					mp, _ := b.mem.InclusionProof(ctx, i, to)
					dp, err := l.InclusionProof(ctx, i, to)
					if err != nil || !slices.EqualFunc(mp, dp, bytes.Equal) {
						t.Fatalf("inclusion %d in %d: %v", i, to, err)
					}
				}
				if at <= to {
					mp, _ := b.mem.ConsistencyProof(ctx, at, to)
					dp, err := l.ConsistencyProof(ctx, at, to)
					if err != nil || !slices.EqualFunc(mp, dp, bytes.Equal) {
						t.Fatalf("consistency %d to %d: %v", at, to, err)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLedgerConcurrentAppends: acts appending at once from several
// goroutines, from an empty ledger (the first ones race to make the state
// row), single entries and batches mixed, are taken one after another by the
// ledger lock: every append succeeds, positions are consecutive, and the
// stored tree is the one its leaves give.
func TestLedgerConcurrentAppends(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := newBatchBench(t)
		const workers, each = 6, 20
		errs := make(chan error, workers)
		for w := range workers {
			go func() {
				for i := range each {
					k := 1
					if i%5 == 4 {
						k = 3
					}
					es := b.entries(1000*w+i*10, k)
					err := b.inLog(s, func(l *ledger.Log) error { _, err := l.AppendBatch(ctx, es, b.org); return err })
					if err != nil {
						errs <- fmt.Errorf("worker %d, append %d: %w", w, i, err)
						return
					}
				}
				errs <- nil
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		const size = workers * (each + 2*each/5)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			rows, err := tx.LedgerLeaves(ctx, 0, size+1)
			if err != nil || len(rows) != size {
				t.Fatalf("%d rows, want %d (%v)", len(rows), size, err)
			}
			mem, _ := ledger.NewLog(ctx, ledger.LogConfig{Store: ledger.NewMemStore(), Signer: b.logSigner})
			for i, r := range rows {
				e, err := ledger.ParseLeaf(r.Leaf)
				if err != nil || e.Index != uint64(i) || r.Index != uint64(i) {
					t.Fatalf("row %d: index %d, entry %d (%v)", i, r.Index, e.Index, err)
				}
				// Re-sign: the same key and entry give the same leaf.
				e.Signature, e.KeyID = nil, ""
				if _, err := mem.Append(ctx, e, b.org); err != nil {
					t.Fatal(err)
				}
			}
			l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: b.logSigner})
			if err != nil {
				return err
			}
			mc, _ := mem.Checkpoint(ctx)
			if dc, err := l.Checkpoint(ctx); err != nil || !bytes.Equal(mc, dc) {
				t.Errorf("checkpoint:\n%s\nwant\n%s (%v)", dc, mc, err)
			}
			for _, i := range []uint64{0, 1, 77, size - 1} {
				mp, _ := mem.InclusionProof(ctx, i, size)
				dp, err := l.InclusionProof(ctx, i, size)
				if err != nil || !slices.EqualFunc(mp, dp, bytes.Equal) {
					t.Errorf("inclusion %d: %v", i, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
