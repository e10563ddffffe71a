package access

import (
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

func TestRolePermissions(t *testing.T) {
	gov := domain.Organisation{ID: "ua", Kind: domain.OrgGovernment}
	med := domain.Organisation{ID: "med", Kind: domain.OrgMediator}
	user := func(org domain.Organisation, roles ...domain.Role) Principal {
		return User(domain.User{ID: "u", Roles: roles}, org, nil)
	}
	for _, c := range []struct {
		name string
		p    Principal
		can  []Permission
	}{
		{"caseworker", user(gov, domain.RoleCaseworker), []Permission{ReadRecords, WriteRecords, ReadSensitive, ImportExport, EraseRecords}},
		{"reviewer", user(gov, domain.RoleReviewer), []Permission{ReadRecords, ReadSensitive, ReviewMatches}},
		{"analyst", user(gov, domain.RoleAnalyst), []Permission{ReadRecords}},
		{"auditor", user(gov, domain.RoleAuditor), []Permission{ReadAudit}},
		{"government admin", user(gov, domain.RoleAdmin), []Permission{ManageUsers, EraseRecords}},
		{"mediator admin", user(med, domain.RoleAdmin), []Permission{ManageUsers, ManageOrgs, EraseRecords}},
		{"two roles", user(gov, domain.RoleAnalyst, domain.RoleAuditor), []Permission{ReadRecords, ReadAudit}},
		{"no roles", user(gov), nil},
		{"scoped token", User(domain.User{Roles: []domain.Role{domain.RoleCaseworker}}, gov, []Permission{ReadRecords}), []Permission{ReadRecords}},
		{"scope beyond role", User(domain.User{Roles: []domain.Role{domain.RoleAnalyst}}, gov, []Permission{WriteRecords}), nil},
		{"operator", Operator("cli:root", gov), Permissions},
	} {
		got := map[Permission]bool{}
		for _, p := range c.p.PermissionsOf() {
			got[p] = true
		}
		want := map[Permission]bool{}
		for _, p := range c.can {
			want[p] = true
		}
		for _, p := range Permissions {
			if got[p] != want[p] {
				t.Errorf("%s: Can(%s) = %v, want %v", c.name, p, got[p], want[p])
			}
		}
	}
}

func TestRecordVisibility(t *testing.T) {
	ua := domain.Organisation{ID: "ua", Kind: domain.OrgGovernment}
	own := &domain.Record{OrgID: "ua"}
	theirs := &domain.Record{OrgID: "ru"}
	cw := User(domain.User{Roles: []domain.Role{domain.RoleCaseworker}}, ua, nil)
	an := User(domain.User{Roles: []domain.Role{domain.RoleAnalyst}}, ua, nil)
	au := User(domain.User{Roles: []domain.Role{domain.RoleAuditor}}, ua, nil)
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"caseworker sees own", cw.CanSeeRecord(own), true},
		{"caseworker sees own sensitive", cw.CanSeeSensitive(own), true},
		{"caseworker changes own", cw.CanChangeRecord(own), true},
		{"caseworker does not see theirs", cw.CanSeeRecord(theirs), false},
		{"caseworker does not change theirs", cw.CanChangeRecord(theirs), false},
		{"analyst sees own", an.CanSeeRecord(own), true},
		{"analyst not own sensitive", an.CanSeeSensitive(own), false},
		{"analyst does not change own", an.CanChangeRecord(own), false},
		{"auditor does not see records", au.CanSeeRecord(own), false},
		{"operator of ua does not see theirs", Operator("cli", ua).CanSeeRecord(theirs), false},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if got := au.VisibleOwners(); got != nil {
		t.Errorf("auditor may list the records of %v", got)
	}
	if got := cw.VisibleOwners(); len(got) != 1 || got[0] != "ua" {
		t.Errorf("caseworker may list %v", got)
	}
}
