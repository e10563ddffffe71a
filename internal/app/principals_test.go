package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/app/apptest"
	"github.com/reunite-ftr/reunite/internal/auth"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// Authenticate caches who a token stands for, but a revocation, a user
// disabled or given other roles, through the same store, takes effect at
// the next request; through another store (another process) within
// PrincipalCacheTTL.
func TestAuthenticateCacheFollowsChanges(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := apptest.NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
		s := storetest.Open(t, dsn, store.Options{Now: clock.Now})
		a := newApp(t, s)
		org, err := a.CreateOrg(ctx, access.Operator("test", domain.Organisation{}),
			domain.Organisation{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment})
		if err != nil {
			t.Fatal(err)
		}
		op := access.Operator("test", org)
		u, err := a.CreateUser(ctx, op, domain.User{Email: "olena@example.org", Name: "Olena", Roles: []domain.Role{domain.RoleCaseworker}}, "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		newToken := func() string {
			t.Helper()
			tok, err := a.CreateToken(ctx, u.ID, "t", nil, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		authOK := func(tok string) access.Principal {
			t.Helper()
			p, err := a.Authenticate(ctx, tok)
			if err != nil {
				t.Fatalf("authenticate: %v", err)
			}
			return p
		}
		refused := func(tok, why string) {
			t.Helper()
			if _, err := a.Authenticate(ctx, tok); !errors.Is(err, app.ErrUnauthenticated) {
				t.Fatalf("%s: authenticate gave %v, want refused", why, err)
			}
		}
		revoke := func(s *store.Store, tok string) {
			t.Helper()
			err := s.InTx(ctx, func(tx *store.Tx) error {
				got, _, err := tx.TokenByHash(ctx, auth.HashToken(tok))
				if err != nil {
					return err
				}
				return tx.RevokeToken(ctx, got.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		// Revoked: refused at once, though cached a moment before.
		tok := newToken()
		authOK(tok)
		authOK(tok) // from the cache
		revoke(s, tok)
		refused(tok, "revoked token")

		// Roles changed: the next request has the new ones.
		tok = newToken()
		if p := authOK(tok); !slices.Contains(p.Roles, domain.RoleCaseworker) {
			t.Fatalf("roles %v", p.Roles)
		}
		if _, err := a.UpdateUser(ctx, op, u.ID, app.UserChange{Roles: []domain.Role{domain.RoleAnalyst}}); err != nil {
			t.Fatal(err)
		}
		if p := authOK(tok); !slices.Equal(p.Roles, []domain.Role{domain.RoleAnalyst}) {
			t.Fatalf("roles after the change %v, want [analyst]", p.Roles)
		}

		// Disabled: refused at once.
		disabled := true
		if _, err := a.UpdateUser(ctx, op, u.ID, app.UserChange{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		refused(tok, "disabled user")
		enabled := false
		if _, err := a.UpdateUser(ctx, op, u.ID, app.UserChange{Disabled: &enabled}); err != nil {
			t.Fatal(err)
		}
		authOK(tok)

		// Expired: refused at once, cached or not.
		clock.Set(clock.Now().Add(time.Hour))
		refused(tok, "expired token")

		// Revoked by another process: refused within the bound.
		tok = newToken()
		authOK(tok)
		other := storetest.Open(t, dsn, store.Options{Now: clock.Now})
		revoke(other, tok)
		authOK(tok) // still cached: the change was not this store's
		clock.Set(clock.Now().Add(app.PrincipalCacheTTL))
		refused(tok, "token revoked by another process, after the bound")
	})
}
