package store_test

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// BenchmarkLedgerAppend is appends to the ledger kept in the database
// (SQLite file and PostgreSQL), each through a Log opened in the
// transaction as the application opens it for an act: take the ledger
// lock, read the border, sign with the organisation's key, insert the
// entry and its subtree hashes, commit. "single" is one append per
// transaction (one act); "batch=N" is N appends per transaction, appended
// at once (Log.AppendBatch).
// reunite bench ledger measures the same at up to a million entries.
func BenchmarkLedgerAppend(b *testing.B) {
	for _, perTx := range []int{1, 100} {
		name := "single"
		if perTx > 1 {
			name = fmt.Sprintf("batch=%d", perTx)
		}
		b.Run(name, func(b *testing.B) {
			b.Run("sqlite", func(b *testing.B) { benchLedgerAppend(b, storetest.SQLiteDSN(b), perTx) })
			b.Run("postgres", func(b *testing.B) { benchLedgerAppend(b, storetest.PostgresDSN(b), perTx) })
		})
	}
}

func benchLedgerAppend(b *testing.B, dsn string, perTx int) {
	ctx := context.Background()
	s := storetest.Open(b, dsn, store.Options{})
	skey, _, err := ledger.NewLogKey(ledger.DefaultOrigin)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	oskey, _, _ := ledger.NewOrgKey("org-a")
	org, err := ledger.NewOrgSigner(oskey)
	if err != nil {
		b.Fatal(err)
	}
	salt := ledger.NewSalt()
	n := 0
	b.ResetTimer()
	for n < b.N {
		k := min(perTx, b.N-n)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.LockLedger(ctx); err != nil {
				return err
			}
			l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: signer})
			if err != nil {
				return err
			}
			es := make([]ledger.Entry, k)
			for j := range es {
				es[j] = ledger.Entry{
					Kind:       ledger.KindCaseTransition,
					ActorOrg:   "org-a",
					Subjects:   []string{fmt.Sprintf("case:%08x-0000-4000-8000-%012x", n+j, n+j)},
					DataHashes: []string{ledger.HashData(salt, "reason", fmt.Sprint(n+j))},
					Detail:     map[string]string{"from": "confirmed", "to": "identity_verified"},
				}
			}
			if k == 1 {
				_, err = l.Append(ctx, es[0], org)
			} else {
				_, err = l.AppendBatch(ctx, es, org)
			}
			if err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		n += k
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
}
