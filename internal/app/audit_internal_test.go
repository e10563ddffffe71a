package app

import (
	"reflect"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// TestAuditShown: an act that showed records is one entry per owner and
// kind, naming each record once, in the order shown; an entry for one
// record names it as RecordID.
func TestAuditShown(t *testing.T) {
	p := access.Principal{ID: "u1", OrgID: "ua"}
	rec := func(id, org string, kind domain.Kind) *domain.Record {
		return &domain.Record{ID: id, OrgID: org, Kind: kind}
	}
	entry := func(org string, kind domain.Kind, one string, several ...string) store.AuditEntry {
		return store.AuditEntry{Actor: "u1", ActorOrg: "ua", Action: ActionList, Outcome: store.OutcomeOK,
			RecordOrg: org, RecordKind: kind, RecordID: one, RecordIDs: several, Detail: "d"}
	}
	for _, c := range []struct {
		name  string
		shown []*domain.Record
		want  []store.AuditEntry
	}{
		{"nothing shown", nil, nil},
		{"one record", []*domain.Record{rec("a", "ua", domain.KindChild)}, []store.AuditEntry{entry("ua", domain.KindChild, "a")}},
		{"a page of one owner", []*domain.Record{rec("a", "ua", domain.KindChild), rec("b", "ua", domain.KindChild), rec("c", "ua", domain.KindChild)},
			[]store.AuditEntry{entry("ua", domain.KindChild, "", "a", "b", "c")}},
		{"owners and kinds apart, a record shown twice named once", []*domain.Record{
			rec("r1", "ua", domain.KindRequest), rec("c1", "ru", domain.KindChild), rec("r1", "ua", domain.KindRequest),
			rec("c2", "ru", domain.KindChild), rec("c3", "ua", domain.KindChild)},
			[]store.AuditEntry{entry("ua", domain.KindRequest, "r1"), entry("ru", domain.KindChild, "", "c1", "c2"), entry("ua", domain.KindChild, "c3")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := auditShown(p, ActionList, "d", c.shown); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}
