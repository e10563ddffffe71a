package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestLedgerStoreConformance: a log kept in the database answers exactly
// as the same log kept in memory (ledger.MemStore, the reference): the
// same checkpoints (byte for byte), entries, and inclusion and consistency
// proofs at every size.
func TestLedgerStoreConformance(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
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
		now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
		mem, err := ledger.NewLog(ctx, ledger.LogConfig{Store: ledger.NewMemStore(), Signer: signer, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		// open builds a Log on the database within a transaction, as the
		// application does for every act.
		inLog := func(fn func(l *ledger.Log) error) error {
			return s.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.LockLedger(ctx); err != nil {
					return err
				}
				l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: signer, Now: now})
				if err != nil {
					return err
				}
				return fn(l)
			})
		}
		const n = 37 // not a power of two: ephemeral nodes in the proofs
		for i := range n {
			e := ledger.Entry{Kind: ledger.KindMessageSent, Subjects: []string{fmt.Sprintf("case-%d", i)},
				DataHashes: []string{ledger.HashData([]byte("salt"), fmt.Sprint(i))}, Detail: map[string]string{"n": fmt.Sprint(i)}}
			if _, err := mem.Append(ctx, e, org); err != nil {
				t.Fatal(err)
			}
			err := inLog(func(l *ledger.Log) error {
				r, err := l.Append(ctx, e, org)
				if err == nil && r.Index != uint64(i) {
					t.Errorf("append %d: receipt index %d", i, r.Index)
				}
				return err
			})
			if err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
		err = inLog(func(l *ledger.Log) error {
			mc, _ := mem.Checkpoint(ctx)
			dc, err := l.Checkpoint(ctx)
			if err != nil {
				return err
			}
			if !bytes.Equal(mc, dc) {
				t.Errorf("checkpoint:\n%s\nwant\n%s", dc, mc)
			}
			me, _ := mem.Entries(ctx, 0, n)
			de, err := l.Entries(ctx, 0, n)
			if err != nil {
				return err
			}
			for i := range me {
				if !bytes.Equal(me[i].LeafData(), de[i].LeafData()) {
					t.Errorf("entry %d differs", i)
				}
			}
			for size := uint64(1); size <= n; size++ {
				for i := uint64(0); i < size; i++ {
					mp, _ := mem.InclusionProof(ctx, i, size)
					dp, err := l.InclusionProof(ctx, i, size)
					if err != nil || !slices.EqualFunc(mp, dp, bytes.Equal) {
						t.Fatalf("inclusion %d in %d: %v", i, size, err)
					}
					mp, _ = mem.ConsistencyProof(ctx, i, size)
					dp, err = l.ConsistencyProof(ctx, i, size)
					if err != nil || !slices.EqualFunc(mp, dp, bytes.Equal) {
						t.Fatalf("consistency %d to %d: %v", i, size, err)
					}
				}
			}
			if _, err := l.Entries(ctx, 0, n+1); err == nil {
				t.Error("entries beyond the size: no error")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Appending at a taken position is ledger.ErrConflict; the
		// store's own checks turn it away before any insert.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Ledger().Append(ctx, ledger.Entry{Index: 3}, ledger.Hash{}, nil)
		})
		if !errors.Is(err, ledger.ErrConflict) {
			t.Errorf("append at a taken index: %v, want ErrConflict", err)
		}
		// A node never stored is an error, not a zero hash.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Ledger().Hashes(ctx, []compact.NodeID{compact.NewNodeID(9, 0)})
			return err
		})
		if err == nil {
			t.Error("hash of a missing node: no error")
		}
		// An append rolled back with its transaction leaves nothing.
		boom := errors.New("boom")
		err = inLog(func(l *ledger.Log) error {
			if _, err := l.Append(ctx, ledger.Entry{Kind: ledger.KindMessageSent}, org); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		inLog(func(l *ledger.Log) error {
			if size, _ := l.Size(ctx); size != n {
				t.Errorf("size after a rolled-back append: %d, want %d", size, n)
			}
			return nil
		})

		// The border kept in ledger_state is the one the rows give, and
		// the rolled-back append did not move it.
		border := func(tx *store.Tx) []ledger.Hash {
			size, got, ok, err := tx.Ledger().Frontier(ctx)
			if err != nil || !ok || size != n {
				t.Fatalf("frontier: size %d, ok %v, %v; want size %d", size, ok, err, n)
			}
			want, err := tx.Ledger().Hashes(ctx, compact.RangeNodes(0, n, nil))
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("frontier %x, rows %x (%v)", got, want, err)
			}
			return got
		}
		s.InTx(ctx, func(tx *store.Tx) error { border(tx); return nil })
		// An entry beyond the size (a hole) is ErrConflict too.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Ledger().Append(ctx, ledger.Entry{Index: n + 1}, ledger.Hash{}, nil)
		})
		if !errors.Is(err, ledger.ErrConflict) {
			t.Errorf("append beyond the size: %v, want ErrConflict", err)
		}
		// An entry appended without the border (Store.Append) leaves the
		// state stale: it is not used, the log reads the rows, and the
		// next append through the Log writes it again.
		e := ledger.Entry{Kind: ledger.KindMessageSent, Subjects: []string{"case-x"}}
		for range 2 {
			if _, err := mem.Append(ctx, e, org); err != nil {
				t.Fatal(err)
			}
		}
		me, _ := mem.Entries(ctx, n, n+1)
		err = s.InTx(ctx, func(tx *store.Tx) error {
			r, err := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewRange(0, n, bytesOf(border(tx)))
			if err != nil {
				return err
			}
			leaf := me[0].LeafHash()
			var parents []ledger.Node
			err = r.Append(leaf[:], func(id compact.NodeID, h []byte) {
				if id.Level > 0 {
					parents = append(parents, ledger.Node{ID: id, Hash: ledger.Hash(h)})
				}
			})
			if err != nil {
				return err
			}
			if err := tx.Ledger().Append(ctx, me[0], leaf, parents); err != nil {
				return err
			}
			if _, _, ok, err := tx.Ledger().Frontier(ctx); ok || err != nil {
				t.Errorf("frontier after Store.Append: ok %v, %v; want stale", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = inLog(func(l *ledger.Log) error {
			if _, err := l.Append(ctx, e, org); err != nil {
				return err
			}
			mc, _ := mem.Checkpoint(ctx)
			dc, err := l.Checkpoint(ctx)
			if err == nil && !bytes.Equal(mc, dc) {
				t.Errorf("checkpoint after a stale state:\n%s\nwant\n%s", dc, mc)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		s.InTx(ctx, func(tx *store.Tx) error {
			size, got, ok, err := tx.Ledger().Frontier(ctx)
			want, _ := tx.Ledger().Hashes(ctx, compact.RangeNodes(0, n+2, nil))
			if err != nil || !ok || size != n+2 || !slices.Equal(got, want) {
				t.Errorf("frontier rewritten: size %d, ok %v, %v; %x, want %x", size, ok, err, got, want)
			}
			return nil
		})
	})
}

func bytesOf(hs []ledger.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

func TestLedgerKeysAndCosignatures(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.CurrentLedgerKey(ctx, store.LedgerKeyOrg, "org-a"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("no key yet: %v", err)
			}
			k1 := store.LedgerKey{ID: "org-a+00000001", Purpose: store.LedgerKeyOrg, Owner: "org-a", Public: "org-a+00000001+AAAA", SealKeyID: "k", Sealed: []byte{1, 2}}
			if err := tx.InsertLedgerKey(ctx, &k1); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		k1 := store.LedgerKey{ID: "org-a+00000001"}
		k2 := store.LedgerKey{ID: "org-a+00000002", Purpose: store.LedgerKeyOrg, Owner: "org-a", Public: "org-a+00000002+AAAA", SealKeyID: "k", Sealed: []byte{3}}
		// In a transaction of its own: in PostgreSQL the failed insert
		// aborts the transaction.
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.InsertLedgerKey(ctx, &k2) })
		if !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("second current key: %v, want ErrDuplicate", err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			// Rotation: retire, then add.
			if err := tx.RetireLedgerKey(ctx, k1.ID); err != nil {
				return err
			}
			if err := tx.InsertLedgerKey(ctx, &k2); err != nil {
				return err
			}
			got, err := tx.CurrentLedgerKey(ctx, store.LedgerKeyOrg, "org-a")
			if err != nil || got.ID != k2.ID || !bytes.Equal(got.Sealed, k2.Sealed) || got.SealKeyID != "k" {
				t.Errorf("current key: %+v, %v", got, err)
			}
			all, err := tx.LedgerKeys(ctx, store.LedgerKeyOrg)
			if err != nil || len(all) != 2 || all[0].RetiredAt.IsZero() || !all[1].RetiredAt.IsZero() {
				t.Errorf("all keys: %+v, %v", all, err)
			}

			root := ledger.Hash{7}
			if err := tx.AddCosignature(ctx, "w1", 5, root, "— w1 AAAA\n"); err != nil {
				return err
			}
			if err := tx.AddCosignature(ctx, "w1", 5, root, "— w1 BBBB\n"); err != nil {
				return err
			}
			if err := tx.AddCosignature(ctx, "w2", 5, ledger.Hash{8}, "— w2 CCCC\n"); err != nil {
				return err
			}
			lines, err := tx.Cosignatures(ctx, 5, root)
			if err != nil || !slices.Equal(lines, []string{"— w1 BBBB\n"}) {
				t.Errorf("cosignatures: %q, %v", lines, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestOnCommit(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ran := 0
		s.InTx(ctx, func(tx *store.Tx) error { tx.OnCommit(func() { ran++ }); return errors.New("no") })
		if ran != 0 {
			t.Error("OnCommit ran after a rollback")
		}
		s.InTx(ctx, func(tx *store.Tx) error { tx.OnCommit(func() { ran++ }); return nil })
		if ran != 1 {
			t.Errorf("OnCommit ran %d times after a commit", ran)
		}
	})
}
