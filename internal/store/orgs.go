package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// newID returns a time-ordered UUID (version 7): new rows land at the end of
// the primary-key index, and ordering by id is ordering by creation.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// validID reports whether s is a UUID; ids from outside are checked before
// they reach a query, so a malformed one is "not found", never a database error.
func validID(s string) bool { return uuid.Validate(s) == nil }

// CreateOrg stores a new organisation, filling in its id and creation time.
func (t *Tx) CreateOrg(ctx context.Context, o *domain.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.ID, o.CreatedAt = newID(), t.now
	_, err := t.exec(ctx, `INSERT INTO organisations (id, slug, name, kind, country, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		o.ID, o.Slug, o.Name, string(o.Kind), o.Country, o.CreatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("organisation %q: %w", o.Slug, ErrDuplicate)
	}
	return err
}

const orgColumns = `id, slug, name, kind, country, require_totp, created_at`

func scanOrg(row interface{ Scan(...any) error }) (domain.Organisation, error) {
	var o domain.Organisation
	var created nullTime
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.Kind, &o.Country, &o.RequireTOTP, &created)
	o.CreatedAt = created.Time
	return o, err
}

// Org returns the organisation with the given id or slug.
func (t *Tx) Org(ctx context.Context, idOrSlug string) (domain.Organisation, error) {
	col := "slug"
	if validID(idOrSlug) {
		col = "id"
	}
	o, err := scanOrg(t.queryRow(ctx, `SELECT `+orgColumns+` FROM organisations WHERE `+col+` = $1`, idOrSlug))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("organisation %q: %w", idOrSlug, ErrNotFound)
	}
	return o, err
}

// Orgs lists every organisation by name.
func (t *Tx) Orgs(ctx context.Context) ([]domain.Organisation, error) {
	rows, err := t.query(ctx, `SELECT `+orgColumns+` FROM organisations ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanOrg)
}

// UpdateOrg changes an organisation's name, country and second-factor rule
// (its slug and kind are fixed: other parties and the audit trail refer to
// them).
func (t *Tx) UpdateOrg(ctx context.Context, o *domain.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if !validID(o.ID) {
		return fmt.Errorf("organisation %q: %w", o.ID, ErrNotFound)
	}
	res, err := t.exec(ctx, `UPDATE organisations SET name = $1, country = $2, require_totp = $3 WHERE id = $4`, o.Name, o.Country, o.RequireTOTP, o.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("organisation %q: %w", o.ID, ErrNotFound)
	}
	return nil
}

// CreateUser stores a new user, filling in its id and creation time.
func (t *Tx) CreateUser(ctx context.Context, u *domain.User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if err := u.Validate(); err != nil {
		return err
	}
	u.ID, u.CreatedAt = newID(), t.now
	_, err := t.exec(ctx, `INSERT INTO users (id, org_id, email, name, roles, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.OrgID, u.Email, u.Name, joinRoles(u.Roles), u.PasswordHash, u.Disabled, u.CreatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("user %q: %w", u.Email, ErrDuplicate)
	}
	return err
}

func joinRoles(rs []domain.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []domain.Role {
	var rs []domain.Role
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			rs = append(rs, domain.Role(r))
		}
	}
	return rs
}

const userColumns = `id, org_id, email, name, roles, password_hash, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (domain.User, error) {
	var u domain.User
	var roles string
	var created nullTime
	err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &roles, &u.PasswordHash, &u.Disabled, &created)
	u.Roles, u.CreatedAt = splitRoles(roles), created.Time
	return u, err
}

// User returns the user with the given id or e-mail address.
func (t *Tx) User(ctx context.Context, idOrEmail string) (domain.User, error) {
	col, key := "email", strings.ToLower(strings.TrimSpace(idOrEmail))
	if validID(idOrEmail) {
		col, key = "id", idOrEmail
	}
	u, err := scanUser(t.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+col+` = $1`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %q: %w", idOrEmail, ErrNotFound)
	}
	return u, err
}

// UpdateUser changes a user's name, roles, disabled flag and password hash.
// The e-mail address and organisation are fixed.
func (t *Tx) UpdateUser(ctx context.Context, u *domain.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if !validID(u.ID) {
		return fmt.Errorf("user %q: %w", u.ID, ErrNotFound)
	}
	res, err := t.exec(ctx, `UPDATE users SET name = $1, roles = $2, disabled = $3, password_hash = $4 WHERE id = $5`,
		u.Name, joinRoles(u.Roles), u.Disabled, u.PasswordHash, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", u.ID, ErrNotFound)
	}
	return nil
}

// Users lists the users of one organisation by e-mail address.
func (t *Tx) Users(ctx context.Context, orgID string) ([]domain.User, error) {
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = $1 ORDER BY email`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanUser)
}

// Token is an API token's stored form. The secret itself is never stored.
type Token struct {
	ID        string
	UserID    string
	Name      string
	Hash      []byte
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: not revoked
}

// CreateToken stores a token, filling in its id and creation time.
func (t *Tx) CreateToken(ctx context.Context, tok *Token) error {
	tok.ID, tok.CreatedAt = newID(), t.now
	_, err := t.exec(ctx, `INSERT INTO api_tokens (id, user_id, name, hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tok.ID, tok.UserID, tok.Name, tok.Hash, strings.Join(tok.Scopes, ","), tok.CreatedAt, timeOrNil(tok.ExpiresAt))
	return err
}

// TokenByHash returns the token with the given hash and its user.
func (t *Tx) TokenByHash(ctx context.Context, hash []byte) (Token, domain.User, error) {
	var tok Token
	var scopes string
	var created, expires, revoked nullTime
	row := t.queryRow(ctx, `SELECT id, user_id, name, hash, scopes, created_at, expires_at, revoked_at FROM api_tokens WHERE hash = $1`, hash)
	err := row.Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &scopes, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return tok, domain.User{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return tok, domain.User{}, err
	}
	tok.Scopes = strings.Split(scopes, ",")
	tok.CreatedAt, tok.ExpiresAt, tok.RevokedAt = created.Time, expires.Time, revoked.Time
	u, err := t.User(ctx, tok.UserID)
	return tok, u, err
}

// TokenPrincipal returns a token by its hash with its user and the user's
// organisation, in one query: what every API request reads to know who it
// acts for.
func (t *Tx) TokenPrincipal(ctx context.Context, hash []byte) (Token, domain.User, domain.Organisation, error) {
	var tok Token
	var u domain.User
	var o domain.Organisation
	var scopes, roles string
	var created, expires, revoked, uCreated, oCreated nullTime
	err := t.queryRow(ctx, `SELECT t.id, t.user_id, t.name, t.hash, t.scopes, t.created_at, t.expires_at, t.revoked_at,
		u.id, u.org_id, u.email, u.name, u.roles, u.password_hash, u.disabled, u.created_at,
		o.id, o.slug, o.name, o.kind, o.country, o.require_totp, o.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = u.org_id WHERE t.hash = $1`, hash).Scan(
		&tok.ID, &tok.UserID, &tok.Name, &tok.Hash, &scopes, &created, &expires, &revoked,
		&u.ID, &u.OrgID, &u.Email, &u.Name, &roles, &u.PasswordHash, &u.Disabled, &uCreated,
		&o.ID, &o.Slug, &o.Name, &o.Kind, &o.Country, &o.RequireTOTP, &oCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return tok, u, o, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return tok, u, o, err
	}
	tok.Scopes = strings.Split(scopes, ",")
	tok.CreatedAt, tok.ExpiresAt, tok.RevokedAt = created.Time, expires.Time, revoked.Time
	u.Roles, u.CreatedAt = splitRoles(roles), uCreated.Time
	o.CreatedAt = oCreated.Time
	return tok, u, o, nil
}

// RevokeToken marks a token revoked.
func (t *Tx) RevokeToken(ctx context.Context, id string) error {
	if !validID(id) {
		return fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	res, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, t.now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	return nil
}
