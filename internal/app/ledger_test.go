package app_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestLedgerAtomic: an act and its ledger entry are committed together or
// not at all. The act fails after its entry was appended, inside its
// transaction; then neither the act's change nor the entry exists.
func TestLedgerAtomic(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, ua := setup(t, dsn)
		med, err := a.CreateOrg(ctx, access.Operator("test", domain.Organisation{}), domain.Organisation{Slug: "med", Name: "Mediator", Kind: domain.OrgMediator})
		if err != nil {
			t.Fatal(err)
		}
		root := access.Operator("test", med)
		pol := sharing.Policy{Owner: "ua", Viewer: "med", Listed: []sharing.Field{sharing.Fields[0]}, Handover: []sharing.Field{}}
		// size reads the ledger's size from a checkpoint it verifies.
		size := func() uint64 {
			t.Helper()
			keys, err := a.LedgerKeysOf(ctx, ua)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := a.LedgerCheckpoint(ctx, ua)
			if err != nil {
				t.Fatal(err)
			}
			lk, err := note.NewVerifier(keys.LogKey)
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := ledger.OpenCheckpoint(cp, lk)
			if err != nil {
				t.Fatal(err)
			}
			return c.Size
		}

		boom := errors.New("boom")
		a.SetAfterAppend(func() error { return boom })
		if _, err := a.SetSharingPolicy(ctx, root, pol); !errors.Is(err, boom) {
			t.Fatalf("set policy: %v, want the forced failure", err)
		}
		got, err := a.SharingPolicy(ctx, root, "ua", "med")
		if err != nil || !got.Default {
			t.Errorf("policy after a failed act: %+v, %v; want the default", got, err)
		}
		if n := size(); n != 0 {
			t.Errorf("ledger size after a failed act: %d, want 0", n)
		}

		a.SetAfterAppend(nil)
		if _, err := a.SetSharingPolicy(ctx, root, pol); err != nil {
			t.Fatal(err)
		}
		got, _ = a.SharingPolicy(ctx, root, "ua", "med")
		if got.Default || size() != 1 {
			t.Errorf("after the act: policy default %v, ledger size %d; want set, 1", got.Default, size())
		}
	})
}
