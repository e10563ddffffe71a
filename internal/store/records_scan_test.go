package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestListedRecordsAreTheirOwn: a page read row after row (scanRecord
// reuses what it scans into) gives each record its own fields only, none
// of the row before: notes (each record's own data key), enquirer,
// tombstone, times, on both databases; and each equals the record read
// alone.
func TestListedRecordsAreTheirOwn(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mkOrg(t, s, "ua-scan")
		full := child(o.ID, "A-1", "Олена", "Коваленко")
		full.Kind = domain.KindRequest
		full.Person.Notes = "notes of A"
		full.Person.Features = "scar"
		full.Person.BirthPlace = "Ізюм"
		full.Person.Names = append(full.Person.Names, domain.Name{Given: "Olena", Family: "Kovalenko", Script: domain.ScriptLatin, Source: domain.SourceDocument})
		full.Enquirer = &domain.Enquirer{Name: "Ганна", Relation: domain.RelationMother}
		bare := &domain.Record{Kind: domain.KindRequest, OrgID: o.ID, ExternalID: "B-2", Person: domain.Person{Names: []domain.Name{{Given: "Іван"}}}}
		notes := child(o.ID, "C-3", "Марія", "Шевченко")
		notes.Kind = domain.KindRequest
		notes.Person.Notes = "notes of C"
		recs := []*domain.Record{full, bare, notes}
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, recs) })
		tx(t, s, func(tx *store.Tx) error {
			_, err := tx.DeleteRecord(ctx, actor, full.ID, full.Version, "duplicate")
			return err
		})
		tx(t, s, func(tx *store.Tx) error {
			got, err := tx.Records(ctx, store.RecordFilter{OrgIDs: []string{o.ID}, Kind: domain.KindRequest, IncludeDeleted: true, Limit: 10})
			if err != nil {
				return err
			}
			if len(got) != 3 {
				t.Fatalf("%d records, want 3", len(got))
			}
			byExt := map[string]domain.Record{}
			for _, r := range got {
				byExt[r.ExternalID] = r
				alone, err := tx.Record(ctx, r.ID, false)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(r, alone) {
					t.Errorf("listed %+v\n  alone %+v", r, alone)
				}
			}
			a, b, c := byExt["A-1"], byExt["B-2"], byExt["C-3"]
			if a.Deleted == nil || a.Deleted.Reason != "duplicate" || a.Version != 2 || a.Person.Notes != "notes of A" ||
				!reflect.DeepEqual(a.Enquirer, full.Enquirer) || !reflect.DeepEqual(a.Person.Names, full.Person.Names) || a.Person.Features != "scar" {
				t.Errorf("A: %+v", a)
			}
			if b.Deleted != nil || b.Enquirer != nil || b.Person.Notes != "" || b.Version != 1 || !reflect.DeepEqual(b.Person, bare.Person) {
				t.Errorf("B holds another record's fields: %+v", b)
			}
			if c.Deleted != nil || c.Enquirer != nil || c.Person.Notes != "notes of C" || !reflect.DeepEqual(c.Person, notes.Person) {
				t.Errorf("C: %+v", c)
			}
			for _, r := range got {
				if !r.CreatedAt.Equal(clock.Now()) || !r.UpdatedAt.Equal(clock.Now()) || r.CreatedBy != actor.ID || r.Kind != domain.KindRequest || r.OrgID != o.ID {
					t.Errorf("bookkeeping: %+v", r)
				}
			}
			return nil
		})
	})
}
