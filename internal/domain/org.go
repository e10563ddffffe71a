package domain

import (
	"slices"
	"time"
)

// OrgKind is what sort of party an organisation is.
type OrgKind string

const (
	OrgGovernment   OrgKind = "government"
	OrgMediator     OrgKind = "mediator"
	OrgHumanitarian OrgKind = "humanitarian"
)

// OrgKinds lists the valid kinds.
var OrgKinds = []OrgKind{OrgGovernment, OrgMediator, OrgHumanitarian}

// Organisation is a party to the exchange. Every record is owned by exactly one.
type Organisation struct {
	ID      string  `json:"id"`
	Slug    string  `json:"slug"` // short stable handle used on the command line
	Name    string  `json:"name"`
	Kind    OrgKind `json:"kind"`
	Country string  `json:"country,omitempty"`
	// RequireTOTP makes every user of the organisation sign in to the web
	// pages with a second factor (TOTP); an admin sets it.
	RequireTOTP bool      `json:"require_totp,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate returns every problem with the organisation, or nil.
func (o *Organisation) Validate() error {
	var v Validator
	if !validSlug(o.Slug) {
		v.Add("slug", "must be 2 to 40 lower-case letters, digits or '-'")
	}
	if o.Name == "" {
		v.Add("name", "is required")
	}
	v.Text("name", o.Name, MaxShortText)
	if !slices.Contains(OrgKinds, o.Kind) {
		v.Add("kind", "must be one of %v", OrgKinds)
	}
	if o.Country != "" && !isCountryCode(o.Country) {
		v.Add("country", "must be an ISO 3166-1 alpha-2 code such as UA")
	}
	return v.Err()
}

func validSlug(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Role is what a user may do within their organisation.
type Role string

const (
	RoleAdmin      Role = "admin"      // manages the organisation's users
	RoleCaseworker Role = "caseworker" // creates and edits records
	RoleReviewer   Role = "reviewer"   // reviews records and proposed matches
	RoleAnalyst    Role = "analyst"    // reads records and figures
	RoleAuditor    Role = "auditor"    // reads the audit trail
)

// Roles lists the valid roles.
var Roles = []Role{RoleAdmin, RoleCaseworker, RoleReviewer, RoleAnalyst, RoleAuditor}

// User belongs to one organisation.
type User struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"organisation_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Roles     []Role    `json:"roles"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// PasswordHash is an argon2id hash in PHC form; never serialised.
	PasswordHash string `json:"-"`
}

// HasRole reports whether the user has role r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// Validate returns every problem with the user, or nil.
func (u *User) Validate() error {
	var v Validator
	if !validEmail(u.Email) {
		v.Add("email", "must be an e-mail address")
	}
	v.Text("email", u.Email, MaxShortText)
	v.Text("name", u.Name, MaxShortText)
	if len(u.Roles) == 0 {
		v.Add("roles", "at least one role is required")
	}
	for _, r := range u.Roles {
		if !slices.Contains(Roles, r) {
			v.Add("roles", "%q is not one of %v", r, Roles)
		}
	}
	return v.Err()
}

func validEmail(s string) bool {
	at := -1
	for i, c := range s {
		if c == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
		if c <= ' ' {
			return false
		}
	}
	return at > 0 && at < len(s)-1
}
