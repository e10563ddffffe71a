package store_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// person returns a record of org with the given names; each name is
// "given|patronymic|family".
func person(org, ext string, names ...string) *domain.Record {
	r := &domain.Record{Kind: domain.KindChild, OrgID: org, ExternalID: ext, Person: domain.Person{Sex: domain.SexMale}}
	for i, n := range names {
		parts := strings.Split(n, "|")
		src := domain.SourceBirth
		if i > 0 {
			src = domain.SourceChanged
		}
		r.Person.Names = append(r.Person.Names, domain.Name{Given: parts[0], Patronymic: parts[1], Family: parts[2], Source: src})
	}
	r.Person.Normalize()
	return r
}

// searchWorld stores the records the search tests look for, by label.
func searchWorld(t *testing.T, s *store.Store) (own, other domain.Organisation, byLabel map[string]*domain.Record) {
	ctx := context.Background()
	own, other = mkOrg(t, s, "ua"), mkOrg(t, s, "ru")
	byLabel = map[string]*domain.Record{
		"Олександр Коваленко":  person(own.ID, "1", "Олександр|Петрович|Коваленко"),
		"Александр Шевчук":     person(own.ID, "2", "Александр|Иванович|Шевчук"),
		"Марія Ковальська":     person(own.ID, "3", "Марія||Ковальська"),
		"Мария Ковальская":     person(own.ID, "4", "Мария||Ковальская"),
		"Oleksandr Bondarenko": person(own.ID, "5", "Oleksandr||Bondarenko"),
		// Born Мельник, now Коваленко.
		"Ірина Коваленко": person(own.ID, "6", "Ірина||Коваленко", "Ирина||Мельник"),
		"Сашко Ткач":      person(own.ID, "7", "Сашко||Ткач"),
		"Дмитро Kowalski": person(own.ID, "8", "Дмитро||Kowalski"),
		// A given name no table knows, written in both scripts.
		"Світозара Лис": person(own.ID, "9", "Світозара||Лис"),
	}
	var recs []*domain.Record
	for _, r := range byLabel {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *domain.Record) int { return strings.Compare(a.ExternalID, b.ExternalID) })
	tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, recs) })
	// The same names in another party's records: never found through own.
	tx(t, s, func(tx *store.Tx) error {
		return tx.InsertRecords(ctx, actor, []*domain.Record{person(other.ID, "R1", "Олександр|Петрович|Коваленко"), person(other.ID, "R2", "Світозара||Гуцул")})
	})
	return own, other, byLabel
}

// found returns the labels of the records f lists, and checks that they
// come in id order.
func found(t *testing.T, s *store.Store, f store.RecordFilter, byLabel map[string]*domain.Record) []string {
	t.Helper()
	var recs []domain.Record
	tx(t, s, func(tx *store.Tx) (err error) { recs, err = tx.Records(context.Background(), f); return err })
	var labels []string
	for i, r := range recs {
		if i > 0 && recs[i-1].ID >= r.ID {
			t.Errorf("not in id order: %s after %s", r.ID, recs[i-1].ID)
		}
		label := "?" + r.ExternalID
		for l, want := range byLabel {
			if want != nil && want.ID == r.ID {
				label = l
			}
		}
		labels = append(labels, label)
	}
	slices.Sort(labels)
	var n int
	tx(t, s, func(tx *store.Tx) (err error) { n, err = tx.CountRecords(context.Background(), f); return err })
	if f.Limit == 0 && f.After == "" && n != len(recs) {
		t.Errorf("CountRecords(%q) = %d, Records found %d", f.Name, n, len(recs))
	}
	return labels
}

func TestNameSearch(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		own, _, byLabel := searchWorld(t, s)
		oleksandr := []string{"Oleksandr Bondarenko", "Александр Шевчук", "Олександр Коваленко", "Сашко Ткач"}
		kovalsky := []string{"Дмитро Kowalski", "Марія Ковальська", "Мария Ковальская"}
		for _, c := range []struct {
			q    string
			want []string
		}{
			{"Oleksandr", oleksandr},
			{"Олександр", oleksandr},
			{"Александр", oleksandr},
			{"Саша", oleksandr},
			{"sasha", oleksandr},
			{"OLEKSANDR", oleksandr},
			// The surnames of one family are one: Ковальська, Ковальская,
			// Kowalski (Ковальський).
			{"Kovalska", kovalsky},
			{"Ковальская", kovalsky},
			{"Kowalska", kovalsky},
			{"Ковальський", kovalsky},
			{"Kowalski", kovalsky},
			{"Kovalska Maria", []string{"Марія Ковальська", "Мария Ковальская"}},
			{"Maria", []string{"Марія Ковальська", "Мария Ковальская"}},
			{"Коваленко", []string{"Ірина Коваленко", "Олександр Коваленко"}},
			{"Kovalenko", []string{"Ірина Коваленко", "Олександр Коваленко"}},
			{"Oleksandr Kovalenko", []string{"Олександр Коваленко"}},
			{"kovalenko, ALEKSANDR", []string{"Олександр Коваленко"}},
			{"Олександр-Коваленко", []string{"Олександр Коваленко"}},
			{"  Oleksandr   Kovalenko  Oleksandr ", []string{"Олександр Коваленко"}},
			// Former names count: born Мельник.
			{"Melnyk", []string{"Ірина Коваленко"}},
			{"Iryna Melnik", []string{"Ірина Коваленко"}},
			// Patronymics, across languages.
			{"Petrovych", []string{"Олександр Коваленко"}},
			{"Oleksandr Ivanovych", []string{"Александр Шевчук"}},
			// A given name the table does not know still crosses scripts.
			{"Svitozara", []string{"Світозара Лис"}},
			{"Svitozara Lys", []string{"Світозара Лис"}},
			{"Свiтозара", []string{"Світозара Лис"}}, // a Latin i among Cyrillic
			// No match: unrelated, half right, punctuation only, digits.
			{"Zhuravel", nil},
			{"Oleksandr Zhuravel", nil},
			{"Марія Коваленко", nil},
			{"Гуцул", nil},
			{"???", nil},
			{"12345", nil},
			// Nothing but white space is no name filter at all.
			{"   ", allLabels(byLabel)},
		} {
			got := found(t, s, store.RecordFilter{OrgIDs: []string{own.ID}, Name: c.q}, byLabel)
			slices.Sort(c.want)
			if !slices.Equal(got, c.want) {
				t.Errorf("Name %q: found %q, want %q", c.q, got, c.want)
			}
		}
	})
}

func allLabels(byLabel map[string]*domain.Record) []string {
	var out []string
	for l, r := range byLabel {
		if r != nil {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func TestNameSearchCombinesAndPages(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		own, other, byLabel := searchWorld(t, s)
		ownOnly := []string{own.ID}
		if got := found(t, s, store.RecordFilter{OrgIDs: ownOnly, Name: "Oleksandr", ExternalID: "2"}, byLabel); !slices.Equal(got, []string{"Александр Шевчук"}) {
			t.Errorf("with external id: %q", got)
		}
		if got := found(t, s, store.RecordFilter{OrgIDs: ownOnly, Name: "Oleksandr", Kind: domain.KindRequest}, byLabel); len(got) != 0 {
			t.Errorf("with the other kind: %q", got)
		}
		if got := found(t, s, store.RecordFilter{OrgIDs: ownOnly, Name: "Oleksandr", FamilyPrefix: "Шев"}, byLabel); !slices.Equal(got, []string{"Александр Шевчук"}) {
			t.Errorf("with a family prefix: %q", got)
		}
		// The other party's record answers only when its owner is asked for.
		if got := found(t, s, store.RecordFilter{OrgIDs: []string{other.ID}, Name: "Oleksandr Kovalenko"}, byLabel); !slices.Equal(got, []string{"?R1"}) {
			t.Errorf("other owner: %q", got)
		}
		// Pages of one by cursor visit each match once, in id order.
		var ids []string
		after := ""
		for {
			var page []domain.Record
			tx(t, s, func(tx *store.Tx) (err error) {
				page, err = tx.Records(ctx, store.RecordFilter{OrgIDs: ownOnly, Name: "Саша", After: after, Limit: 1})
				return err
			})
			if len(page) == 0 {
				break
			}
			ids = append(ids, page[0].ID)
			after = page[0].ID
		}
		if len(ids) != 4 || !slices.IsSorted(ids) {
			t.Errorf("paged through %v, want 4 ids in order", ids)
		}
	})
}

func TestNameSearchFollowsChanges(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		own, _, byLabel := searchWorld(t, s)
		f := func(q string) store.RecordFilter { return store.RecordFilter{OrgIDs: []string{own.ID}, Name: q} }

		// Oleksandr Bondarenko becomes Petro Bondarenko-Tkachuk.
		r := byLabel["Oleksandr Bondarenko"]
		upd := *r
		upd.Person.Names = []domain.Name{{Given: "Petro", Family: "Bondarenko-Tkachuk", Source: domain.SourceDocument}}
		tx(t, s, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, &upd) })
		if got := found(t, s, f("Oleksandr"), byLabel); slices.Contains(got, "Oleksandr Bondarenko") || len(got) != 3 {
			t.Errorf("after the update, Oleksandr finds %q", got)
		}
		for _, q := range []string{"Петро", "Ткачук", "Petro Bondarenko", "Бондаренко-Ткачук"} {
			if got := found(t, s, f(q), byLabel); !slices.Equal(got, []string{"Oleksandr Bondarenko"}) {
				t.Errorf("after the update, %q finds %q", q, got)
			}
		}

		// A deleted record is found by no name, even with IncludeDeleted.
		del := byLabel["Александр Шевчук"]
		tx(t, s, func(tx *store.Tx) error {
			_, err := tx.DeleteRecord(ctx, actor, del.ID, 1, "entered twice")
			return err
		})
		for _, g := range []store.RecordFilter{f("Шевчук"), {OrgIDs: []string{own.ID}, Name: "Shevchuk", IncludeDeleted: true}} {
			if got := found(t, s, g, byLabel); len(got) != 0 {
				t.Errorf("after the delete, %q finds %q", g.Name, got)
			}
		}
		if got := found(t, s, f("Sasha"), byLabel); !slices.Equal(got, []string{"Олександр Коваленко", "Сашко Ткач"}) {
			t.Errorf("after the update and the delete, Sasha finds %q", got)
		}

		// A failed update (stale version) leaves the keys as they were.
		stale := *byLabel["Сашко Ткач"]
		stale.Version = 7
		stale.Person.Names = []domain.Name{{Given: "Ярема", Family: "Ткач"}}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateRecord(ctx, actor, &stale) }); err == nil {
			t.Fatal("stale update succeeded")
		}
		if got := found(t, s, f("Ярема"), byLabel); len(got) != 0 {
			t.Errorf("a refused update changed the keys: %q", got)
		}
	})
}

// TestNameKeysBackfill puts a database with records back in the state the
// migration leaves an older one in (no keys, no fingerprint) and opens it
// again: Open writes the keys, exactly as the writes had. Keys written
// under other rules (another fingerprint) are replaced the same way.
func TestNameKeysBackfill(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := storetest.Open(t, dsn, clock)
		own, _, byLabel := searchWorld(t, s)
		// A tombstone gets no keys back.
		tx(t, s, func(tx *store.Tx) error {
			_, err := tx.DeleteRecord(ctx, actor, byLabel["Світозара Лис"].ID, 1, "test")
			return err
		})
		raw := rawDB(t, dsn)
		before := keyRows(t, raw)
		if len(before) < 20 {
			t.Fatalf("only %d keys stored: %q", len(before), before)
		}
		rawExec(t, raw, `DELETE FROM record_name_keys`)
		rawExec(t, raw, `UPDATE record_name_keys_state SET fingerprint = ''`)
		if got := found(t, s, store.RecordFilter{OrgIDs: []string{own.ID}, Name: "Oleksandr"}, byLabel); len(got) != 0 {
			t.Fatalf("found %q with no keys", got)
		}
		s.Close()

		s = storetest.Open(t, dsn, clock)
		if after := keyRows(t, raw); !slices.Equal(after, before) {
			t.Fatalf("backfill wrote %d keys, want the %d the writes had:\n%q\n%q", len(after), len(before), after, before)
		}
		if got := found(t, s, store.RecordFilter{OrgIDs: []string{own.ID}, Name: "Саша Коваленко"}, byLabel); !slices.Equal(got, []string{"Олександр Коваленко"}) {
			t.Fatalf("after the backfill: %q", got)
		}
		s.Close()

		// Keys of other rules: a stale key goes, a missing one comes back.
		id := byLabel["Ірина Коваленко"].ID
		rawExec(t, raw, `DELETE FROM record_name_keys WHERE key = 'f:kovalenko'`)
		rawExec(t, raw, `INSERT INTO record_name_keys (record_id, key) VALUES ($1, 'f:old-rules')`, id)
		// With the fingerprint unchanged, Open trusts the keys.
		storetest.Open(t, dsn, clock).Close()
		if n := len(keyRows(t, raw)); n != len(before)-3+1 {
			t.Fatalf("%d keys after reopening, want %d", n, len(before)-2)
		}
		rawExec(t, raw, `UPDATE record_name_keys_state SET fingerprint = 'older rules'`)
		storetest.Open(t, dsn, clock).Close()
		if after := keyRows(t, raw); !slices.Equal(after, before) {
			t.Fatalf("rebuild under new rules: %d keys, want %d:\n%q", len(after), len(before), after)
		}
	})
}

func keyRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT record_id, key FROM record_name_keys ORDER BY record_id, key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, key string
		if err := rows.Scan(&id, &key); err != nil {
			t.Fatal(err)
		}
		out = append(out, id+" "+key)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
