package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// The conformance suite: every test here runs unchanged on SQLite and on
// PostgreSQL through storetest.Each.

var clock = store.Options{Now: func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }}

func tx(t *testing.T, s *store.Store, fn func(*store.Tx) error) {
	t.Helper()
	if err := s.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func mkOrg(t *testing.T, s *store.Store, slug string) domain.Organisation {
	t.Helper()
	o := domain.Organisation{Slug: slug, Name: "Org " + slug, Kind: domain.OrgGovernment, Country: "UA"}
	tx(t, s, func(tx *store.Tx) error { return tx.CreateOrg(context.Background(), &o) })
	return o
}

func child(org, ext, given, family string) *domain.Record {
	return &domain.Record{
		Kind: domain.KindChild, OrgID: org, ExternalID: ext,
		Person: domain.Person{
			Names:      []domain.Name{{Given: given, Family: family, Script: domain.ScriptUkrainian, Source: domain.SourceBirth}},
			Sex:        domain.SexMale,
			BirthDate:  domain.MustParseFuzzyDate("2012-03-07"),
			LastHome:   domain.Place{Settlement: "Маріуполь", Oblast: "Донецька", Country: "UA"},
			Separation: domain.Separation{Date: domain.MustParseFuzzyDate("2022-04"), Category: domain.CategoryFrontline},
			Relatives:  []domain.Relative{{Relation: domain.RelationMother, Name: "Ганна Петрівна " + family}},
		},
		Sensitive: domain.Sensitive{CurrentLocation: "Placement centre 7", DocumentsHeld: []string{"birth certificate"}},
	}
}

var actor = store.Actor{ID: "user-1"}

func TestOrganisationsAndUsers(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mkOrg(t, s, "ua-nib")
		if o.ID == "" || !o.CreatedAt.Equal(clock.Now()) {
			t.Fatalf("org not filled in: %+v", o)
		}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateOrg(ctx, &domain.Organisation{Slug: "ua-nib", Name: "again", Kind: domain.OrgMediator})
		})
		if !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("duplicate slug: got %v, want ErrDuplicate", err)
		}
		tx(t, s, func(tx *store.Tx) error {
			for _, key := range []string{o.ID, o.Slug} {
				got, err := tx.Org(ctx, key)
				if err != nil || got != o {
					t.Errorf("Org(%q) = %+v, %v; want %+v", key, got, err, o)
				}
			}
			if _, err := tx.Org(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("missing org: %v", err)
			}
			u := domain.User{OrgID: o.ID, Email: "Olena@Example.org", Name: "Олена", Roles: []domain.Role{domain.RoleCaseworker, domain.RoleReviewer}}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			got, err := tx.User(ctx, "olena@example.ORG")
			if err != nil || got.ID != u.ID || len(got.Roles) != 2 || got.Name != "Олена" {
				t.Errorf("User by e-mail = %+v, %v", got, err)
			}
			users, err := tx.Users(ctx, o.ID)
			if err != nil || len(users) != 1 {
				t.Errorf("Users = %v, %v", users, err)
			}
			return nil
		})
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateUser(ctx, &domain.User{OrgID: o.ID, Email: "olena@example.org", Roles: []domain.Role{domain.RoleAdmin}})
		})
		if !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("duplicate e-mail: got %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mkOrg(t, s, "mediator")
		tx(t, s, func(tx *store.Tx) error {
			u := domain.User{OrgID: o.ID, Email: "a@example.org", Roles: []domain.Role{domain.RoleAuditor}}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			tok := store.Token{UserID: u.ID, Name: "ci", Hash: []byte{1, 2, 3}, Scopes: []string{"audit:read"}, ExpiresAt: clock.Now().Add(time.Hour)}
			if err := tx.CreateToken(ctx, &tok); err != nil {
				return err
			}
			got, gotUser, err := tx.TokenByHash(ctx, []byte{1, 2, 3})
			if err != nil || got.ID != tok.ID || gotUser.ID != u.ID || !got.ExpiresAt.Equal(tok.ExpiresAt) || got.Scopes[0] != "audit:read" {
				t.Errorf("TokenByHash = %+v %+v %v", got, gotUser, err)
			}
			// The same, with the organisation, in one query.
			org, err := tx.Org(ctx, o.ID)
			if err != nil {
				return err
			}
			pTok, pUser, pOrg, err := tx.TokenPrincipal(ctx, []byte{1, 2, 3})
			if err != nil || !reflect.DeepEqual(pTok, got) || !reflect.DeepEqual(pUser, gotUser) || !reflect.DeepEqual(pOrg, org) {
				t.Errorf("TokenPrincipal = %+v %+v %+v %v, want %+v %+v %+v", pTok, pUser, pOrg, err, got, gotUser, org)
			}
			if err := tx.RevokeToken(ctx, tok.ID); err != nil {
				return err
			}
			got, _, _ = tx.TokenByHash(ctx, []byte{1, 2, 3})
			if got.RevokedAt.IsZero() {
				t.Error("revoked token has no revocation time")
			}
			if pTok, _, _, _ = tx.TokenPrincipal(ctx, []byte{1, 2, 3}); !pTok.RevokedAt.Equal(got.RevokedAt) {
				t.Errorf("TokenPrincipal of a revoked token: revoked at %v, want %v", pTok.RevokedAt, got.RevokedAt)
			}
			if _, _, err := tx.TokenByHash(ctx, []byte{9}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown token: %v", err)
			}
			if _, _, _, err := tx.TokenPrincipal(ctx, []byte{9}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown token: %v", err)
			}
			return nil
		})
	})
}

func TestRecordLifecycle(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mkOrg(t, s, "ua")
		r := child(o.ID, "A-1", "Олександр", "Коваль")
		r.Person.Names[0].Family = "Мар'яненко" // apostrophe and Cyrillic survive as written
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{r}) })
		if r.ID == "" || r.Version != 1 {
			t.Fatalf("insert did not fill id/version: %+v", r)
		}

		var got domain.Record
		tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.Record(ctx, r.ID, true); return err })
		if got.Person.Names[0].Family != "Мар'яненко" || got.Sensitive.CurrentLocation != "Placement centre 7" ||
			got.Person.BirthDate.String() != "2012-03-07" || got.Person.Separation.Date.String() != "2022-04" {
			t.Fatalf("read back differs: %+v", got)
		}
		tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.Record(ctx, r.ID, false); return err })
		if !got.Sensitive.IsZero() {
			t.Fatal("sensitive fields returned without being asked for")
		}

		// Update from version 1.
		upd := *r
		upd.Person.Names = append([]domain.Name(nil), r.Person.Names...)
		upd.Person.Names[0].Given = "Сашко"
		upd.Sensitive = domain.Sensitive{CurrentLocation: "Elsewhere"}
		tx(t, s, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, store.Actor{ID: "user-2"}, &upd) })
		if upd.Version != 2 || upd.UpdatedBy != "user-2" || upd.CreatedBy != "user-1" {
			t.Fatalf("after update: version %d, by %q, created by %q", upd.Version, upd.UpdatedBy, upd.CreatedBy)
		}

		// A second writer who also read version 1 must get a conflict, and
		// the first writer's change must stand.
		stale := *r
		stale.Person.Names = []domain.Name{{Given: "Петро"}}
		err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, &stale) })
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale update: got %v, want ErrConflict", err)
		}
		tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.Record(ctx, r.ID, true); return err })
		if got.Person.Names[0].Given != "Сашко" || got.Version != 2 || got.Sensitive.CurrentLocation != "Elsewhere" {
			t.Fatalf("stale write changed the record: %+v", got)
		}

		// Delete: a tombstone, data kept, further changes refused.
		tx(t, s, func(tx *store.Tx) error {
			_, err := tx.DeleteRecord(ctx, actor, r.ID, 2, "entered twice")
			return err
		})
		tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.Record(ctx, r.ID, true); return err })
		if got.Deleted == nil || got.Deleted.Reason != "entered twice" || got.Person.Names[0].Given != "Сашко" || got.Version != 3 {
			t.Fatalf("tombstone: %+v", got)
		}
		got.Person.Notes = "x"
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, &got) })
		if !errors.Is(err, store.ErrDeleted) {
			t.Fatalf("update of deleted record: got %v, want ErrDeleted", err)
		}

		// Every version is kept with who, when, and the values.
		var revs []store.Revision
		tx(t, s, func(tx *store.Tx) (err error) { revs, err = tx.Revisions(ctx, r.ID); return err })
		if len(revs) != 3 {
			t.Fatalf("got %d revisions, want 3", len(revs))
		}
		want := []struct {
			action, actor, given, location string
		}{{"create", "user-1", "Олександр", "Placement centre 7"}, {"update", "user-2", "Сашко", "Elsewhere"}, {"delete", "user-1", "Сашко", "Elsewhere"}}
		for i, w := range want {
			rv := revs[i]
			if rv.Version != i+1 || rv.Action != w.action || rv.Actor != w.actor || rv.Record.Person.Names[0].Given != w.given ||
				rv.Record.Sensitive.CurrentLocation != w.location || !rv.At.Equal(clock.Now()) {
				t.Errorf("revision %d = %+v, want %+v", i+1, rv, w)
			}
		}

		// Unknown and malformed ids are simply not found.
		for _, id := range []string{"0190f1b2-0000-7000-8000-000000000000", "not-a-uuid", "' OR 1=1 --"} {
			err := s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Record(ctx, id, false); return err })
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Record(%q): %v, want ErrNotFound", id, err)
			}
		}
	})
}

func TestDuplicateExternalIDsStoreNothing(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mkOrg(t, s, "ua")
		tx(t, s, func(tx *store.Tx) error {
			return tx.InsertRecords(ctx, actor, []*domain.Record{child(o.ID, "A-1", "Іван", "Бойко")})
		})
		// A batch where one row repeats an existing id and another repeats
		// an id within the batch: both named, nothing of the batch stored.
		batch := []*domain.Record{child(o.ID, "A-2", "Марія", "Бойко"), child(o.ID, "A-1", "Софія", "Бойко"), child(o.ID, "A-2", "Дарина", "Бойко")}
		err := s.InTx(ctx, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, batch) })
		var dup *store.DuplicateError
		if !errors.As(err, &dup) || len(dup.ExternalIDs) != 2 {
			t.Fatalf("got %v, want DuplicateError naming A-2 and A-1", err)
		}
		var n int
		tx(t, s, func(tx *store.Tx) (err error) {
			n, err = tx.CountRecords(ctx, store.RecordFilter{OrgIDs: []string{o.ID}, IncludeDeleted: true})
			return err
		})
		if n != 1 {
			t.Fatalf("%d records stored, want 1", n)
		}
		// The same external id is fine for another organisation or kind.
		other := mkOrg(t, s, "ru")
		req := child(o.ID, "A-1", "Іван", "Бойко")
		req.Kind, req.Sensitive = domain.KindRequest, domain.Sensitive{EnquirerContact: "+380 00 000 0000"}
		tx(t, s, func(tx *store.Tx) error {
			return tx.InsertRecords(ctx, actor, []*domain.Record{child(other.ID, "A-1", "Иван", "Бойко"), req})
		})
	})
}

func TestRollbackLeavesNothing(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mkOrg(t, s, "ua")
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertRecords(ctx, actor, []*domain.Record{child(o.ID, "A-1", "Іван", "Бойко")}); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, store.AuditEntry{Actor: "x", Action: "record.create", Outcome: store.OutcomeOK}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		tx(t, s, func(tx *store.Tx) error {
			n, err := tx.CountRecords(ctx, store.RecordFilter{OrgIDs: []string{o.ID}, IncludeDeleted: true})
			a, err2 := tx.Audit(ctx, store.AuditFilter{})
			if err != nil || err2 != nil || n != 0 || len(a) != 0 {
				t.Errorf("after rollback: %d records, %d audit entries (%v %v)", n, len(a), err, err2)
			}
			return nil
		})
	})
}

func TestListFiltersAndPages(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := mkOrg(t, s, "ua"), mkOrg(t, s, "ru")
		var recs []*domain.Record
		for i := 0; i < 25; i++ {
			r := child(a.ID, fmt.Sprintf("A-%02d", i), "Іван", "Шевченко")
			if i%5 == 0 {
				r.Person.Names[0].Family = "ШЕВЧУК"
				r.Person.Sex = domain.SexFemale
				r.Person.BirthDate = domain.MustParseFuzzyDate("~2008")
			}
			recs = append(recs, r)
		}
		recs = append(recs, child(b.ID, "B-1", "Иван", "Шевченко"))
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, recs) })

		count := func(f store.RecordFilter) int {
			var n int
			tx(t, s, func(tx *store.Tx) (err error) { n, err = tx.CountRecords(ctx, f); return err })
			return n
		}
		own := []string{a.ID}
		for name, c := range map[string]struct {
			f    store.RecordFilter
			want int
		}{
			"owner only":          {store.RecordFilter{OrgIDs: own}, 25},
			"no owner, nothing":   {store.RecordFilter{}, 0},
			"both owners":         {store.RecordFilter{OrgIDs: []string{a.ID, b.ID}}, 26},
			"kind":                {store.RecordFilter{OrgIDs: own, Kind: domain.KindRequest}, 0},
			"family prefix folds": {store.RecordFilter{OrgIDs: own, FamilyPrefix: "шевч"}, 25},
			"family prefix":       {store.RecordFilter{OrgIDs: own, FamilyPrefix: "Шевчу"}, 5},
			"like is literal":     {store.RecordFilter{OrgIDs: own, FamilyPrefix: "%"}, 0},
			"sex":                 {store.RecordFilter{OrgIDs: own, Sex: domain.SexFemale}, 5},
			"born after 2010":     {store.RecordFilter{OrgIDs: own, BornFrom: "2010-01-01"}, 20},
			"born by 2009":        {store.RecordFilter{OrgIDs: own, BornTo: "2009-12-31"}, 5},
			"external id":         {store.RecordFilter{OrgIDs: own, ExternalID: "A-07"}, 1},
			"category":            {store.RecordFilter{OrgIDs: own, Category: domain.CategoryFrontline}, 25},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d, want %d", name, got, c.want)
			}
		}

		// Pages of 10 by cursor visit each record once, in creation order.
		seen := map[string]bool{}
		after := ""
		for pages := 0; ; pages++ {
			var page []domain.Record
			tx(t, s, func(tx *store.Tx) (err error) {
				page, err = tx.Records(ctx, store.RecordFilter{OrgIDs: own, After: after, Limit: 10})
				return err
			})
			for _, r := range page {
				if seen[r.ID] {
					t.Fatalf("record %s seen twice", r.ID)
				}
				seen[r.ID] = true
			}
			if len(page) < 10 {
				break
			}
			after = page[len(page)-1].ID
		}
		if len(seen) != 25 {
			t.Fatalf("paged through %d records, want 25", len(seen))
		}
	})
}

func TestAuditVisibility(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, m := mkOrg(t, s, "ua"), mkOrg(t, s, "ru"), mkOrg(t, s, "mediator")
		rec := child(b.ID, "B-1", "Іван", "Бойко")
		tx(t, s, func(tx *store.Tx) error {
			if err := tx.InsertRecords(ctx, actor, []*domain.Record{rec}); err != nil {
				return err
			}
			return tx.AppendAudit(ctx,
				store.AuditEntry{Actor: "ua-user", ActorOrg: a.ID, Action: "record.read", Outcome: store.OutcomeDenied, RecordID: rec.ID, RecordOrg: b.ID, RecordKind: domain.KindChild},
				store.AuditEntry{Actor: "ru-user", ActorOrg: b.ID, Action: "record.read", Outcome: store.OutcomeOK, RecordID: rec.ID, RecordOrg: b.ID, RecordKind: domain.KindChild},
				store.AuditEntry{Actor: "ua-user", ActorOrg: a.ID, Action: "record.list", Outcome: store.OutcomeOK},
			)
		})
		list := func(f store.AuditFilter) []store.AuditEntry {
			var es []store.AuditEntry
			tx(t, s, func(tx *store.Tx) (err error) { es, err = tx.Audit(ctx, f); return err })
			return es
		}
		if got := list(store.AuditFilter{VisibleTo: a.ID}); len(got) != 2 {
			t.Errorf("A sees %d entries, want its own 2", len(got))
		}
		// B sees both reads of its record, including A's denied attempt.
		got := list(store.AuditFilter{VisibleTo: b.ID})
		if len(got) != 2 || got[1].Outcome != store.OutcomeDenied || got[1].ActorOrg != a.ID {
			t.Errorf("B sees %+v", got)
		}
		if got := list(store.AuditFilter{VisibleTo: m.ID}); len(got) != 0 {
			t.Errorf("uninvolved mediator sees %d entries", len(got))
		}
		if got := list(store.AuditFilter{RecordID: rec.ID, Outcome: store.OutcomeDenied}); len(got) != 1 || !got[0].At.Equal(clock.Now()) {
			t.Errorf("denied reads of the record: %+v", got)
		}
		newest := list(store.AuditFilter{Limit: 1})
		if older := list(store.AuditFilter{Before: newest[0].ID}); len(older) != 2 {
			t.Errorf("cursor: %d older entries, want 2", len(older))
		}
	})
}

func TestSchemaVersion(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		cur, latest, err := s.SchemaVersion(context.Background())
		if err != nil || cur != latest || cur < 1 {
			t.Fatalf("schema version %d of %d: %v", cur, latest, err)
		}
	})
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mkOrg(t, s, "ua")
		r := child(o.ID, "A-1", "Іван", "Бойко")
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{r}) })
		const writers = 8
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				upd := *r
				upd.Person.Names = []domain.Name{{Given: fmt.Sprintf("Writer %d", i)}}
				errs[i] = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, &upd) })
			}()
		}
		wg.Wait()
		wins, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 || conflicts != writers-1 {
			t.Fatalf("%d writers won and %d got conflicts; want 1 and %d", wins, conflicts, writers-1)
		}
		var revs []store.Revision
		tx(t, s, func(tx *store.Tx) (err error) { revs, err = tx.Revisions(ctx, r.ID); return err })
		if len(revs) != 2 || revs[1].Version != 2 || revs[0].Record.Person.Names[0].Given != "Іван" {
			t.Fatalf("after the race: %+v", revs)
		}
	})
}
