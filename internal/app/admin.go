package app

import (
	"context"
	"fmt"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/auth"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Orgs lists every organisation. The parties to the exchange are known to
// each other, so any signed-in user may list them.
func (a *App) Orgs(ctx context.Context, p access.Principal) ([]domain.Organisation, error) {
	var out []domain.Organisation
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { out, err = tx.Orgs(ctx); return err })
	return out, err
}

// Org returns one organisation.
func (a *App) Org(ctx context.Context, p access.Principal, idOrSlug string) (domain.Organisation, error) {
	var o domain.Organisation
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { o, err = tx.Org(ctx, idOrSlug); return err })
	return o, err
}

// CreateOrg adds a party. Only the mediator's admins (and the operator) may.
func (a *App) CreateOrg(ctx context.Context, p access.Principal, o domain.Organisation) (domain.Organisation, error) {
	if !p.Can(access.ManageOrgs) {
		return o, ErrForbidden
	}
	o.Name, o.Slug = domain.Clean(o.Name), domain.Clean(o.Slug)
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOrg(ctx, &o); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "org.create", Outcome: store.OutcomeOK, Detail: o.ID + " " + o.Slug})
	})
	return o, err
}

// UpdateOrg changes an organisation's name and country. Only the
// mediator's admins (and the operator) may.
func (a *App) UpdateOrg(ctx context.Context, p access.Principal, id, name, country string) (domain.Organisation, error) {
	if !p.Can(access.ManageOrgs) {
		return domain.Organisation{}, ErrForbidden
	}
	var o domain.Organisation
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if o, err = tx.Org(ctx, id); err != nil {
			return err
		}
		o.Name, o.Country = domain.Clean(name), domain.Clean(country)
		if err := tx.UpdateOrg(ctx, &o); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "org.update", Outcome: store.OutcomeOK, Detail: o.ID + " " + o.Slug})
	})
	return o, err
}

// Users lists the users of p's own organisation.
func (a *App) Users(ctx context.Context, p access.Principal) ([]domain.User, error) {
	if !p.Can(access.ManageUsers) {
		return nil, ErrForbidden
	}
	var out []domain.User
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { out, err = tx.Users(ctx, p.OrgID); return err })
	return out, err
}

// CreateUser adds a user to p's own organisation, with a password if one is
// given (API-only users need none).
func (a *App) CreateUser(ctx context.Context, p access.Principal, u domain.User, password string) (domain.User, error) {
	if !p.Can(access.ManageUsers) {
		return u, ErrForbidden
	}
	u.OrgID, u.Name = p.OrgID, domain.Clean(u.Name)
	if password != "" {
		h, err := auth.HashPassword(password)
		if err != nil {
			return u, &domain.ValidationError{Fields: []domain.FieldError{{Field: "password", Detail: err.Error()}}}
		}
		u.PasswordHash = h
	}
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "user.create", Outcome: store.OutcomeOK, Detail: u.ID + " " + u.Email})
	})
	return u, err
}

// User returns one user of p's own organisation. Users of other
// organisations are not found.
func (a *App) User(ctx context.Context, p access.Principal, id string) (domain.User, error) {
	if !p.Can(access.ManageUsers) {
		return domain.User{}, ErrForbidden
	}
	var u domain.User
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { u, err = ownUser(ctx, tx, p, id); return err })
	return u, err
}

func ownUser(ctx context.Context, tx *store.Tx, p access.Principal, id string) (domain.User, error) {
	u, err := tx.User(ctx, id)
	if err == nil && u.OrgID != p.OrgID {
		return domain.User{}, fmt.Errorf("user %q: %w", id, store.ErrNotFound)
	}
	return u, err
}

// UserChange is what an admin may change about a user; nil fields stay.
type UserChange struct {
	Name     *string
	Roles    []domain.Role
	Disabled *bool
	Password *string
}

// UpdateUser changes a user of p's own organisation. A disabled user's
// tokens stop working at once.
func (a *App) UpdateUser(ctx context.Context, p access.Principal, id string, c UserChange) (domain.User, error) {
	if !p.Can(access.ManageUsers) {
		return domain.User{}, ErrForbidden
	}
	hash := ""
	if c.Password != nil {
		h, err := auth.HashPassword(*c.Password)
		if err != nil {
			return domain.User{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "password", Detail: err.Error()}}}
		}
		hash = h
	}
	var u domain.User
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if u, err = ownUser(ctx, tx, p, id); err != nil {
			return err
		}
		if c.Name != nil {
			u.Name = domain.Clean(*c.Name)
		}
		if c.Roles != nil {
			u.Roles = c.Roles
		}
		if c.Disabled != nil {
			u.Disabled = *c.Disabled
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: "user.update", Outcome: store.OutcomeOK, Detail: u.ID + " " + u.Email})
	})
	return u, err
}

// Audit lists the audit entries p's organisation may see: its own people's
// acts, and anyone's acts on its records.
func (a *App) Audit(ctx context.Context, p access.Principal, f store.AuditFilter) ([]store.AuditEntry, error) {
	if !p.Can(access.ReadAudit) {
		return nil, ErrForbidden
	}
	f.VisibleTo = p.OrgID
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = MaxPage
	}
	var out []store.AuditEntry
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { out, err = tx.Audit(ctx, f); return err })
	return out, err
}
