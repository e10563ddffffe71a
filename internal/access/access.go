// Package access decides who may see and do what. It is the one place that
// holds these rules: the application layer asks it before every read and
// write, whichever way the request came in (API, command line, later the web
// pages), so no handler decides access on its own.
package access

import (
	"slices"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Permission is one thing a principal may do. Permission names are also the
// scopes an API token can be limited to.
type Permission string

const (
	ReadRecords   Permission = "records:read"
	WriteRecords  Permission = "records:write"
	ReadSensitive Permission = "records:sensitive" // current location, caregiver, enquirer contact
	ImportExport  Permission = "records:transfer"  // lists in and out in bulk
	ReviewMatches Permission = "matches:review"    // confirm or reject proposed pairs
	ReadAudit     Permission = "audit:read"
	// EraseRecords: erase a record's personal data on a lawful request
	// (app.EraseRecord), which, unlike a deletion, cannot be undone.
	EraseRecords Permission = "records:erase"
	ManageUsers  Permission = "users:manage"
	ManageOrgs   Permission = "orgs:manage"
)

// Permissions lists every permission (and so every token scope).
var Permissions = []Permission{ReadRecords, WriteRecords, ReadSensitive, ImportExport, ReviewMatches, ReadAudit, ManageUsers, ManageOrgs, EraseRecords}

// rolePermissions grants the least each role needs. Admins manage people,
// not records; auditors read the trail, not the records; analysts read
// records but not where a child is now.
var rolePermissions = map[domain.Role][]Permission{
	domain.RoleAdmin:      {ManageUsers, EraseRecords},
	domain.RoleCaseworker: {ReadRecords, WriteRecords, ReadSensitive, ImportExport, EraseRecords},
	domain.RoleReviewer:   {ReadRecords, ReadSensitive, ReviewMatches},
	domain.RoleAnalyst:    {ReadRecords},
	domain.RoleAuditor:    {ReadAudit},
}

// Principal is who is acting: a user (through a token or a session) or the
// operator on the command line.
type Principal struct {
	// ID is the user id, or a label such as "cli:root" for the operator.
	ID      string
	OrgID   string
	OrgKind domain.OrgKind
	Roles   []domain.Role
	// Scopes limit a token to some of the user's permissions; nil means no
	// limit beyond the roles.
	Scopes []Permission
	// operator is the command line run by whoever runs the server: it has
	// every permission within the organisation it names.
	operator bool
}

// User returns the principal for a user of an organisation.
func User(u domain.User, org domain.Organisation, scopes []Permission) Principal {
	return Principal{ID: u.ID, OrgID: org.ID, OrgKind: org.Kind, Roles: u.Roles, Scopes: scopes}
}

// Operator returns the principal for the command line acting for org.
func Operator(label string, org domain.Organisation) Principal {
	return Principal{ID: label, OrgID: org.ID, OrgKind: org.Kind, operator: true}
}

// Can reports whether p has permission perm.
func (p Principal) Can(perm Permission) bool {
	if p.operator {
		return true
	}
	if p.Scopes != nil && !slices.Contains(p.Scopes, perm) {
		return false
	}
	if perm == ManageOrgs {
		// Only the mediator, which sets up the exchange, adds parties.
		return p.OrgKind == domain.OrgMediator && slices.Contains(p.Roles, domain.RoleAdmin)
	}
	for _, r := range p.Roles {
		if slices.Contains(rolePermissions[r], perm) {
			return true
		}
	}
	return false
}

// IsOperator reports whether p is the command line's operator.
func (p Principal) IsOperator() bool { return p.operator }

// PermissionsOf returns every permission p has, for defaulting a token's scopes.
func (p Principal) PermissionsOf() []Permission {
	var out []Permission
	for _, perm := range Permissions {
		if p.Can(perm) {
			out = append(out, perm)
		}
	}
	return out
}

// CanSeeRecord reports whether p may read the identifying part of r. Until
// the sharing policy exists, a party sees only what it owns.
func (p Principal) CanSeeRecord(r *domain.Record) bool {
	return p.Can(ReadRecords) && r.OrgID == p.OrgID
}

// CanSeeSensitive reports whether p may read r's sensitive fields.
func (p Principal) CanSeeSensitive(r *domain.Record) bool {
	return p.Can(ReadSensitive) && r.OrgID == p.OrgID
}

// CanChangeRecord reports whether p may change or delete r.
func (p Principal) CanChangeRecord(r *domain.Record) bool {
	return p.Can(WriteRecords) && r.OrgID == p.OrgID
}

// CanEraseRecord reports whether p may erase r on a lawful request: a
// caseworker or admin of the organisation that owns it (or the operator
// acting for that organisation).
func (p Principal) CanEraseRecord(r *domain.Record) bool {
	return p.Can(EraseRecords) && r.OrgID == p.OrgID
}

// VisibleOwners returns the organisations whose records p may list.
func (p Principal) VisibleOwners() []string {
	if !p.Can(ReadRecords) {
		return nil
	}
	return []string{p.OrgID}
}

// ParseScopes checks scope names.
func ParseScopes(names []string) ([]Permission, bool) {
	out := make([]Permission, 0, len(names))
	for _, n := range names {
		if !slices.Contains(Permissions, Permission(n)) {
			return nil, false
		}
		out = append(out, Permission(n))
	}
	return out, true
}
