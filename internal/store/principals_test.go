package store_test

import (
	"context"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// PrincipalEpoch changes with every write to organisations, users or API
// tokens (what a cache of principals depends on), and with nothing else.
func TestPrincipalEpoch(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		changes := func(what string, want bool, fn func(*store.Tx) error) {
			t.Helper()
			before := s.PrincipalEpoch()
			tx(t, s, fn)
			if got := s.PrincipalEpoch() != before; got != want {
				t.Errorf("%s: epoch changed %v, want %v", what, got, want)
			}
		}
		var org domain.Organisation
		changes("organisation created", true, func(tx *store.Tx) error {
			org = domain.Organisation{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment}
			return tx.CreateOrg(ctx, &org)
		})
		u := domain.User{OrgID: org.ID, Email: "olena@example.org", Name: "Olena", Roles: []domain.Role{domain.RoleCaseworker}}
		changes("user created", true, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) })
		tok := store.Token{UserID: u.ID, Name: "t", Hash: []byte("0123456789abcdef0123456789abcdef"), Scopes: []string{"records:read"}}
		changes("token created", true, func(tx *store.Tx) error { return tx.CreateToken(ctx, &tok) })
		changes("record created", false, func(tx *store.Tx) error {
			return tx.InsertRecords(ctx, actor, []*domain.Record{child(org.ID, "C-1", "Іван", "Коваленко")})
		})
		changes("token read", false, func(tx *store.Tx) error {
			_, _, _, err := tx.TokenPrincipal(ctx, tok.Hash)
			return err
		})
		changes("user disabled", true, func(tx *store.Tx) error {
			u.Disabled = true
			return tx.UpdateUser(ctx, &u)
		})
		changes("token revoked", true, func(tx *store.Tx) error { return tx.RevokeToken(ctx, tok.ID) })
		changes("organisation changed", true, func(tx *store.Tx) error {
			org.RequireTOTP = true
			return tx.UpdateOrg(ctx, &org)
		})
		if err := s.ReadTx(ctx, func(tx *store.Tx) error {
			_, _, _, err := tx.TokenPrincipal(ctx, tok.Hash)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
