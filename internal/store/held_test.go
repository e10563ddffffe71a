package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestChangeReadsRecordOnce: a change of the record the transaction has
// just read (as the application reads it, to check who may change it)
// reads it no second time: two statements fewer (whether it is sealed, and
// the record; its data key was read with it either way); once any other
// statement has run, it reads it again. Either way each version lands in
// the history as it was, sensitive fields included.
func TestChangeReadsRecordOnce(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org := mkOrg(t, s, "ua")
		r, other := child(org.ID, "held-1", "Іван", "Коваль"), child(org.ID, "held-2", "Олег", "Мельник")
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{r, other}) })
		// update changes the given name and the location, so that each
		// update writes the same statements.
		update := func(readFirst, readOther bool, version int, given, place string) (statements uint64) {
			t.Helper()
			tx(t, s, func(tx *store.Tx) error {
				if readFirst {
					if _, err := tx.Record(ctx, r.ID, true); err != nil {
						return err
					}
				}
				if readOther {
					if _, err := tx.Record(ctx, other.ID, false); err != nil {
						return err
					}
				}
				n := tx.Statements()
				u := child(org.ID, "held-1", given, "Коваль")
				u.ID, u.Version, u.Sensitive.CurrentLocation = r.ID, version, place
				if err := tx.UpdateRecord(ctx, actor, u); err != nil {
					return err
				}
				statements = tx.Statements() - n
				return nil
			})
			return statements
		}
		direct := update(false, false, 1, "Петро", "Shelter 2")
		held := update(true, false, 2, "Іван", "Shelter 3")
		again := update(true, true, 3, "Петро", "Shelter 4")
		if direct-held != 2 {
			t.Errorf("an update after reading the record ran %d statements, without reading it first %d: want 2 fewer", held, direct)
		}
		if again != direct {
			t.Errorf("an update after reading the record and then another ran %d statements, want %d (the record read again)", again, direct)
		}
		var revs []store.Revision
		tx(t, s, func(tx *store.Tx) (err error) { revs, err = tx.Revisions(ctx, r.ID); return err })
		want := []struct{ given, place string }{{"Іван", "Placement centre 7"}, {"Петро", "Shelter 2"}, {"Іван", "Shelter 3"}, {"Петро", "Shelter 4"}}
		if len(revs) != len(want) {
			t.Fatalf("%d versions, want %d", len(revs), len(want))
		}
		for i, w := range want {
			got := revs[i].Record
			if got.Version != i+1 || got.Person.Names[0].Given != w.given || got.Sensitive.CurrentLocation != w.place {
				t.Errorf("version %d: %d %q %q, want %q %q", i+1, got.Version, got.Person.Names[0].Given, got.Sensitive.CurrentLocation, w.given, w.place)
			}
		}

		// A stale version is refused as before, the record read or not.
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Record(ctx, r.ID, true); err != nil {
				return err
			}
			u := child(org.ID, "held-1", "Іван", "Коваль")
			u.ID, u.Version = r.ID, 3
			return tx.UpdateRecord(ctx, actor, u)
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("update of version 3 at version 4: %v, want a conflict", err)
		}
	})
}

// TestChangeAfterReadSeesConcurrentChange (PostgreSQL, where two writers
// run at once): another transaction changes the record after this one read
// it and before it changes it; the change, based on what it read, is
// refused as a conflict and writes nothing.
func TestChangeAfterReadSeesConcurrentChange(t *testing.T) {
	s := storetest.Open(t, storetest.PostgresDSN(t), clock)
	ctx := context.Background()
	org := mkOrg(t, s, "ua")
	r := child(org.ID, "race-1", "Іван", "Коваль")
	tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{r}) })
	err := s.InTxOnce(ctx, func(tx *store.Tx) error {
		cur, err := tx.Record(ctx, r.ID, true)
		if err != nil {
			return err
		}
		// Meanwhile, another writer.
		tx2 := child(org.ID, "race-1", "Петро", "Коваль")
		tx2.ID, tx2.Version = r.ID, 1
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, tx2) }); err != nil {
			return err
		}
		u := child(org.ID, "race-1", "Олег", "Коваль")
		u.ID, u.Version = r.ID, cur.Version
		return tx.UpdateRecord(ctx, actor, u)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a change based on version 1 after another made version 2: %v, want a conflict", err)
	}
	var revs []store.Revision
	tx(t, s, func(tx *store.Tx) (err error) { revs, err = tx.Revisions(ctx, r.ID); return err })
	if len(revs) != 2 || revs[1].Record.Person.Names[0].Given != "Петро" {
		t.Errorf("versions after the conflict: %d, the last %q; want 2, Петро", len(revs), revs[len(revs)-1].Record.Person.Names[0].Given)
	}
}

// TestUpdateWritesEveryTable: an update (on PostgreSQL one statement, on
// SQLite several) changes the record, its sensitive fields (cleared: gone),
// its name keys and its history together, or, refused for an external id
// another record has, nothing at all.
func TestUpdateWritesEveryTable(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org := mkOrg(t, s, "ua")
		r, other := child(org.ID, "upd-1", "Іван", "Коваль"), child(org.ID, "upd-2", "Олег", "Мельник")
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{r, other}) })
		found := func(name string) int {
			t.Helper()
			var n int
			tx(t, s, func(tx *store.Tx) (err error) {
				n, err = tx.CountRecords(ctx, store.RecordFilter{OrgIDs: []string{org.ID}, Name: name})
				return err
			})
			return n
		}

		dup := child(org.ID, "upd-2", "Петро", "Шевченко")
		dup.ID, dup.Version = r.ID, 1
		err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, dup) })
		var de *store.DuplicateError
		if !errors.As(err, &de) || len(de.ExternalIDs) != 1 || de.ExternalIDs[0] != "upd-2" {
			t.Fatalf("update to another record's external id: %v, want a duplicate naming upd-2", err)
		}

		u := child(org.ID, "upd-1b", "Петро", "Шевченко")
		u.ID, u.Version, u.Sensitive = r.ID, 1, domain.Sensitive{}
		tx(t, s, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, u) })
		var got domain.Record
		tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.Record(ctx, r.ID, true); return err })
		if got.Version != 2 || got.ExternalID != "upd-1b" || got.Person.Names[0].Family != "Шевченко" || !got.Sensitive.IsZero() {
			t.Errorf("after the update: version %d, %q, %q, sensitive %+v", got.Version, got.ExternalID, got.Person.Names[0].Family, got.Sensitive)
		}
		if n := found("Шевченко"); n != 1 {
			t.Errorf("the new family name finds %d records, want 1", n)
		}
		if n := found("Коваль"); n != 0 {
			t.Errorf("the old family name finds %d records, want 0", n)
		}
		var revs []store.Revision
		tx(t, s, func(tx *store.Tx) (err error) { revs, err = tx.Revisions(ctx, r.ID); return err })
		if len(revs) != 2 || revs[0].Record.ExternalID != "upd-1" || revs[0].Record.Sensitive.CurrentLocation != "Placement centre 7" {
			t.Errorf("history: %d versions, the first %+v", len(revs), revs[0].Record)
		}
	})
}

// TestInsertWritesEveryTable: records inserted (on PostgreSQL in one
// statement) have their sensitive fields, or none, their name keys, and
// their place in their owner's list, each the record's own.
func TestInsertWritesEveryTable(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org := mkOrg(t, s, "ua")
		a, b, c := child(org.ID, "ins-1", "Іван", "Коваль"), child(org.ID, "ins-2", "Олег", "Мельник"), child(org.ID, "ins-3", "Петро", "Шевченко")
		b.Sensitive = domain.Sensitive{}
		c.Sensitive.CurrentLocation = "Shelter 9"
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{a, b, c}) })
		for _, w := range []struct {
			r     *domain.Record
			place string
		}{{a, "Placement centre 7"}, {b, ""}, {c, "Shelter 9"}} {
			var got domain.Record
			tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.Record(ctx, w.r.ID, true); return err })
			if got.Sensitive.CurrentLocation != w.place || got.ExternalID != w.r.ExternalID {
				t.Errorf("%s: %q at %q, want %q", w.r.ExternalID, got.ExternalID, got.Sensitive.CurrentLocation, w.place)
			}
			var named, listed []domain.Record
			tx(t, s, func(tx *store.Tx) (err error) {
				named, err = tx.Records(ctx, store.RecordFilter{OrgIDs: []string{org.ID}, Name: w.r.Person.Names[0].Family})
				if err != nil {
					return err
				}
				listed, err = tx.Records(ctx, store.RecordFilter{OrgIDs: []string{org.ID}, SharedWith: org.ID, Kind: domain.KindChild,
					ExternalID: w.r.ExternalID})
				return err
			})
			if len(named) != 1 || named[0].ID != w.r.ID {
				t.Errorf("%s: its family name finds %d records", w.r.ExternalID, len(named))
			}
			if len(listed) != 1 || listed[0].ID != w.r.ID {
				t.Errorf("%s: its owner's list holds it %d times", w.r.ExternalID, len(listed))
			}
		}
	})
}
