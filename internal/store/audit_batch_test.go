package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// readAudited runs a ReadTx that reads the chain's head (any read would
// do) and appends n entries by actor.
func readAudited(ctx context.Context, s *store.Store, actor string, n int) error {
	return s.ReadTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Audit(ctx, store.AuditFilter{Limit: 1}); err != nil {
			return err
		}
		entries := make([]store.AuditEntry, n)
		for i := range entries {
			entries[i] = store.AuditEntry{Actor: actor, Action: "record.read", Outcome: store.OutcomeOK, Detail: fmt.Sprint(i)}
		}
		return tx.AppendAudit(ctx, entries...)
	})
}

// committed returns the rows of actor, as another transaction sees them.
func committed(t *testing.T, s *store.Store, actor string) []store.AuditEntry {
	t.Helper()
	var got []store.AuditEntry
	tx(t, s, func(tx *store.Tx) (err error) {
		got, err = tx.Audit(context.Background(), store.AuditFilter{Actor: actor})
		return err
	})
	return got
}

// waitQueued waits until n ReadTx wait for the next audit batch.
func waitQueued(t *testing.T, s *store.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.AuditQueued() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d readers queued for the audit batch, want %d", s.AuditQueued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestReadTxAuditGroupCommit: concurrent readers' entries are committed
// before each ReadTx returns, each reader's entries consecutive and in
// order, gathered into fewer transactions than readers (batches, and
// writes that carry the readers waiting), on one chain that verifies.
func TestReadTxAuditGroupCommit(t *testing.T) {
	storetest.Each(t, store.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const readers, writers, rounds = 16, 3, 10
		var batches, most atomic.Int64
		s.SetAuditBatchHook(func(n int) error {
			batches.Add(1)
			for m := most.Load(); int64(n) > m && !most.CompareAndSwap(m, int64(n)); m = most.Load() {
			}
			return nil
		})
		var wg sync.WaitGroup
		errs := make(chan error, readers+writers)
		for w := range writers {
			wg.Go(func() {
				for i := range rounds {
					err := s.InTx(ctx, func(tx *store.Tx) error {
						return tx.AppendAudit(ctx, store.AuditEntry{Actor: fmt.Sprintf("writer-%d-%d", w, i), Action: "record.create", Outcome: store.OutcomeOK})
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		for r := range readers {
			wg.Go(func() {
				for i := range rounds {
					actor := fmt.Sprintf("reader-%d-%d", r, i)
					n := 1 + (r+i)%3
					if err := readAudited(ctx, s, actor, n); err != nil {
						errs <- err
						return
					}
					// Committed the moment ReadTx returned.
					got := committed(t, s, actor)
					if len(got) != n {
						errs <- fmt.Errorf("%s: %d rows committed when ReadTx returned, want %d", actor, len(got), n)
						return
					}
					// Newest first: seq consecutive, details in order.
					for k, e := range got {
						if e.Seq != got[0].Seq-int64(k) || e.Detail != fmt.Sprint(n-1-k) {
							errs <- fmt.Errorf("%s: rows %+v are not consecutive in order", actor, got)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		v := verify(t, s)
		total := int64(writers * rounds)
		for r := range readers {
			for i := range rounds {
				total += int64(1 + (r+i)%3)
			}
		}
		if !v.OK() || v.Rows != total {
			t.Fatalf("chain: %+v, want %d rows verified", v, total)
		}
		t.Logf("%d readers' entries in %d batches (largest %d entries), %d carried by writes", readers*rounds, batches.Load(), most.Load(), s.AuditBatchStats().Carried)
	})
}

// TestReadTxAuditBatchGathers: readers that arrive while a batch is being
// written are written together in the next one.
func TestReadTxAuditBatchGathers(t *testing.T) {
	storetest.Each(t, store.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		release := make(chan struct{})
		var sizes []int
		var mu sync.Mutex
		s.SetAuditBatchHook(func(n int) error {
			mu.Lock()
			first := len(sizes) == 0
			sizes = append(sizes, n)
			mu.Unlock()
			if first {
				<-release
			}
			return nil
		})
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := readAudited(ctx, s, "first", 1); err != nil {
				t.Error(err)
			}
		})
		waitQueuedOrBusy := func() {
			deadline := time.Now().Add(10 * time.Second)
			for {
				mu.Lock()
				started := len(sizes) > 0
				mu.Unlock()
				if started {
					return
				}
				if time.Now().After(deadline) {
					t.Fatal("the first batch never started")
				}
				time.Sleep(time.Millisecond)
			}
		}
		waitQueuedOrBusy()
		const later = 5
		for i := range later {
			wg.Go(func() {
				if err := readAudited(ctx, s, fmt.Sprint("later-", i), 2); err != nil {
					t.Error(err)
				}
			})
		}
		waitQueued(t, s, later)
		close(release)
		wg.Wait()
		if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != 2*later {
			t.Fatalf("batches of %v entries, want [1 %d]", sizes, 2*later)
		}
		if v := verify(t, s); !v.OK() || v.Rows != 1+2*later {
			t.Fatalf("chain: %+v", v)
		}
	})
}

// TestReadTxAuditFailureFailsReaders: when the audit batch cannot be
// committed, every reader of it fails and none of its rows is written;
// the next batch goes through.
func TestReadTxAuditFailureFailsReaders(t *testing.T) {
	storetest.Each(t, store.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		boom := errors.New("disk full")
		release := make(chan struct{})
		var calls atomic.Int64
		s.SetAuditBatchHook(func(int) error {
			if calls.Add(1) == 1 {
				<-release // hold the first batch until the others queue
			}
			return boom
		})
		const readers = 4
		errs := make([]error, readers)
		var wg sync.WaitGroup
		wg.Go(func() { errs[0] = readAudited(ctx, s, "doomed-0", 1) })
		for calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		for i := 1; i < readers; i++ {
			wg.Go(func() { errs[i] = readAudited(ctx, s, fmt.Sprint("doomed-", i), 3) })
		}
		waitQueued(t, s, readers-1)
		close(release)
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, boom) {
				t.Errorf("reader %d: %v, want the audit batch's failure", i, err)
			}
			if got := committed(t, s, fmt.Sprint("doomed-", i)); len(got) != 0 {
				t.Errorf("reader %d: %d rows written by a failed batch", i, len(got))
			}
		}
		s.SetAuditBatchHook(nil)
		if err := readAudited(ctx, s, "after", 2); err != nil {
			t.Fatal(err)
		}
		if v := verify(t, s); !v.OK() || v.Rows != 2 {
			t.Fatalf("chain: %+v, want the 2 rows written after the failure", v)
		}
	})
}

// TestReadTxRefusesWrites: a ReadTx cannot write, on either database.
func TestReadTxRefusesWrites(t *testing.T) {
	storetest.Each(t, store.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.ExecForTest(ctx, `UPDATE audit_state SET seq = seq + 1 WHERE id = 1`)
		})
		if err == nil || !strings.Contains(err.Error(), "read") {
			t.Fatalf("a write in a ReadTx: %v, want the database's refusal", err)
		}
		t.Log(err)
		if v := verify(t, s); !v.OK() {
			t.Fatalf("chain: %+v", v)
		}
	})
}

// TestReadTxSeesCommittedWrites: a read that starts after a write has
// committed sees it (the readers are not left on an old snapshot), and a
// reader's entries carry the time of its read.
func TestReadTxSeesCommittedWrites(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	opts := store.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }}
	storetest.Each(t, opts, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 3 {
			o := mkOrg(t, s, fmt.Sprint("org-", i))
			var readAt time.Time
			err := s.ReadTx(ctx, func(tx *store.Tx) error {
				got, err := tx.Org(ctx, o.ID)
				if err != nil {
					return err
				}
				readAt = tx.Now()
				return tx.AppendAudit(ctx, store.AuditEntry{Actor: "reader", Action: "org.read", Outcome: store.OutcomeOK, RecordOrg: got.ID})
			})
			if err != nil {
				t.Fatalf("read of the organisation just created: %v", err)
			}
			got := committed(t, s, "reader")
			if len(got) != i+1 || !got[0].At.Equal(readAt) {
				t.Fatalf("rows %+v: want %d, the newest at the read's time %v", got, i+1, readAt)
			}
		}
	})
}

// carryScene holds an audit batch (reader "first") in its transaction,
// with readers 0, 1 and 2 waiting for the next batch, each appending two
// entries; it returns their outcomes (nil until they return), a way to
// wait for them, and the release of the first batch. PostgreSQL only: a
// write must run beside the held batch.
func carryScene(t *testing.T, s *store.Store) (errs []chan error, release func()) {
	t.Helper()
	ctx := context.Background()
	hold := make(chan struct{})
	var calls atomic.Int64
	s.SetAuditBatchHook(func(int) error {
		if calls.Add(1) == 1 {
			<-hold
		}
		return nil
	})
	first := make(chan error, 1)
	go func() { first <- readAudited(ctx, s, "first", 1) }()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	errs = []chan error{first}
	for i := range 3 {
		c := make(chan error, 1)
		go func() { c <- readAudited(ctx, s, fmt.Sprint("carried-", i), 2) }()
		errs = append(errs, c)
	}
	waitQueued(t, s, 3)
	return errs, func() { close(hold) }
}

func outcome(t *testing.T, c chan error) error {
	t.Helper()
	select {
	case err := <-c:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("a reader never returned")
		return nil
	}
}

// TestWriteCarriesWaitingReaders: a write that appends to the chain while
// readers wait for the next audit batch writes their entries after its
// own, in its transaction; they return once it has committed, before the
// batch ahead of them is done.
func TestWriteCarriesWaitingReaders(t *testing.T) {
	s := storetest.Open(t, storetest.PostgresDSN(t), store.Options{})
	ctx := context.Background()
	errs, release := carryScene(t, s)
	tx(t, s, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: "writer", Action: "record.create", Outcome: store.OutcomeOK})
	})
	for i, c := range errs[1:] {
		if err := outcome(t, c); err != nil {
			t.Errorf("reader %d: %v", i, err)
		}
	}
	writer := committed(t, s, "writer")
	if len(writer) != 1 {
		t.Fatalf("the write's row: %d", len(writer))
	}
	for i := range 3 {
		got := committed(t, s, fmt.Sprint("carried-", i))
		if len(got) != 2 || got[0].Seq != got[1].Seq+1 || got[1].Seq <= writer[0].Seq || got[1].Seq > writer[0].Seq+5 {
			t.Errorf("reader %d: rows %+v, want two, consecutive, after the write's (seq %d)", i, got, writer[0].Seq)
		}
	}
	if got := committed(t, s, "first"); len(got) != 0 {
		t.Fatalf("the held batch's row is committed before its release")
	}
	if st := s.AuditBatchStats(); st.Carried != 3 {
		t.Errorf("carried readers: %d, want 3", st.Carried)
	}
	release()
	if err := outcome(t, errs[0]); err != nil {
		t.Fatal(err)
	}
	if v := verify(t, s); !v.OK() || v.Rows != 1+1+3*2 {
		t.Fatalf("chain: %+v", v)
	}
}

// TestFailedWriteHandsReadersBack: a write that took waiting readers and
// then failed leaves their entries to the next batch, which commits them:
// none of the readers fails, and nothing of the write is written. The
// batch ahead of them is still being written when the write fails, or
// done by then (and the readers handed back lead a batch of their own).
func TestFailedWriteHandsReadersBack(t *testing.T) {
	for _, batchDone := range []bool{false, true} {
		t.Run(fmt.Sprint("batch done ", batchDone), func(t *testing.T) {
			s := storetest.Open(t, storetest.PostgresDSN(t), store.Options{})
			ctx := context.Background()
			errs, release := carryScene(t, s)
			boom := errors.New("the write fails")
			var firstErr error
			s.SetAuditStealHook(func(readers int) error {
				if readers != 3 {
					t.Errorf("the write took %d readers, want 3", readers)
				}
				if batchDone {
					release()
					firstErr = outcome(t, errs[0])
				}
				return boom
			})
			err := s.InTx(ctx, func(tx *store.Tx) error {
				return tx.AppendAudit(ctx, store.AuditEntry{Actor: "writer", Action: "record.create", Outcome: store.OutcomeOK})
			})
			if !errors.Is(err, boom) {
				t.Fatalf("the write: %v, want its failure", err)
			}
			s.SetAuditStealHook(nil)
			if !batchDone {
				if n := s.AuditQueued(); n != 3 {
					t.Errorf("%d readers back in the queue, want 3", n)
				}
				release()
				firstErr = outcome(t, errs[0])
			}
			if firstErr != nil {
				t.Errorf("the first reader: %v", firstErr)
			}
			for i, c := range errs[1:] {
				if err := outcome(t, c); err != nil {
					t.Errorf("reader %d: %v", i, err)
				}
			}
			for i := range 3 {
				if got := committed(t, s, fmt.Sprint("carried-", i)); len(got) != 2 {
					t.Errorf("reader %d: %d rows, want 2", i, len(got))
				}
			}
			if got := committed(t, s, "writer"); len(got) != 0 {
				t.Errorf("the failed write's row is on the chain")
			}
			if st := s.AuditBatchStats(); st.Carried != 0 || st.Batches != 2 {
				t.Errorf("carried readers: %d, batches %d; want none, 2", st.Carried, st.Batches)
			}
			if v := verify(t, s); !v.OK() || v.Rows != 1+3*2 {
				t.Fatalf("chain: %+v", v)
			}
		})
	}
}
