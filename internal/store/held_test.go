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
