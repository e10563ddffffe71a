package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func TestFamilyRange(t *testing.T) {
	for _, c := range []struct{ prefix, lo, hi string }{
		{"Ков", "ков", "ког"},
		{"  KOVAL ", "koval", "kovam"},
		{"z", "z", "{"},
		{"", "", ""},
		{"   ", "", ""},
		{"a\U0010FFFF", "a\U0010FFFF", ""},
		{"a\uD7FF", "a\uD7FF", "a\uE000"},
		{"%_", "%_", "%`"},
	} {
		lo, hi := store.FamilyRange(c.prefix)
		if lo != c.lo || hi != c.hi {
			t.Errorf("FamilyRange(%q) = %q, %q; want %q, %q", c.prefix, lo, hi, c.lo, c.hi)
		}
	}
}

// TestFamilyPrefixPages: a party's pages by family name prefix hold the
// same records, in the same order, whether read through the family name
// index or by walking the party's records: its own and those it received
// in a list, never another party's, never a deleted one, and a prefix
// taken literally.
func TestFamilyPrefixPages(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		own, other, third := mkOrg(t, s, "own"), mkOrg(t, s, "other"), mkOrg(t, s, "third")
		families := []string{"Коваленко", "Коваль", "Ковальчук", "Шевченко", "коваленко", "Ков_аль", "Kovalenko"}
		byID := map[string]string{} // id → owner slug and family, for messages
		var shared, deleted []string
		for i := range 42 {
			for _, o := range []domain.Organisation{own, other, third} {
				fam := families[i%len(families)]
				r := child(o.ID, fmt.Sprint(o.Slug, i), "Іван", fam)
				tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{r}) })
				byID[r.ID] = o.Slug + " " + fam
				switch {
				case o.ID == other.ID && i%3 == 0:
					shared = append(shared, r.ID)
				case o.ID == own.ID && i%10 == 9:
					deleted = append(deleted, r.ID)
				}
			}
		}
		tx(t, s, func(tx *store.Tx) error {
			return tx.InsertList(ctx, &store.List{OrgID: other.ID, Kind: domain.KindChild, SubmittedBy: "u",
				Recipients: []store.ListRecipient{{OrgID: own.ID}}}, shared)
		})
		for _, id := range deleted {
			tx(t, s, func(tx *store.Tx) error {
				_, err := tx.DeleteRecord(ctx, actor, id, 1, "duplicate")
				return err
			})
		}
		pages := func(prefix string, limit int) []string {
			var ids []string
			after := ""
			for {
				var page []domain.Record
				tx(t, s, func(tx *store.Tx) (err error) {
					page, err = tx.Records(ctx, store.RecordFilter{OrgIDs: []string{own.ID}, SharedWith: own.ID, Kind: domain.KindChild,
						FamilyPrefix: prefix, After: after, Limit: limit})
					return err
				})
				for _, r := range page {
					ids = append(ids, r.ID)
				}
				if len(page) < limit || len(ids) > len(byID) {
					return ids
				}
				after = page[len(page)-1].ID
			}
		}
		for _, prefix := range []string{"Ковал", "коваль", "ШЕВ", "Ков_", "ков%", "kov", "Я"} {
			// Own records (not deleted) and shared ones with the prefix.
			var want []string
			for id, label := range byID {
				var slug, fam string
				fmt.Sscan(label, &slug, &fam)
				mine := slug == "own" && !slices.Contains(deleted, id) || slices.Contains(shared, id)
				if mine && hasFoldedPrefix(fam, prefix) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			for _, most := range []int{1000, 0} { // through the index; walking
				restore := store.SetFamilyPlanMost(most)
				for _, limit := range []int{1, 7, 100} {
					if got := pages(prefix, limit); !slices.Equal(got, want) {
						t.Errorf("prefix %q, index up to %d, pages of %d: %d records, want %d", prefix, most, limit, len(got), len(want))
					}
				}
				restore()
			}
			if prefix == "Ковал" && len(want) < 10 {
				t.Fatalf("the world has only %d records for %q", len(want), prefix)
			}
		}
	})
}

func hasFoldedPrefix(name, prefix string) bool {
	lo, _ := store.FamilyRange(prefix)
	return strings.HasPrefix(strings.ToLower(name), lo)
}

// TestFamilyPlanIndexOnly: among many records, a party's page by a rare
// family name prefix finds its ids from indexes alone (on PostgreSQL an
// index-only scan of records_kind_family_covering, on SQLite a search of
// records_kind_family_live, each entry's visibility tested by its key),
// keeps the first of them by id, and then reads only those rows by id,
// never scanning a table; the count that chooses this plan reads that
// index alone too. So whether or not the tables have statistics: just
// filled, as bench http's are, the planner knows nothing of them, and then
// the party's page without a prefix must still walk its visibility rows
// and read each record by id, not take the family name index for a way to
// read its records of a kind (as it did a partial index of live records).
// A page with deleted records walks the party's records.
func TestFamilyPlanIndexOnly(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		own, other := mkOrg(t, s, "own"), mkOrg(t, s, "other")
		var recs []*domain.Record
		for i := range 3000 {
			org, fam := other.ID, fmt.Sprintf("Прізвище%d", i%700)
			if i%50 == 0 {
				org, fam = own.ID, "Коваленко"
			}
			recs = append(recs, child(org, fmt.Sprint(i), "Іван", fam))
		}
		for len(recs) > 0 {
			n := min(len(recs), store.MaxBatch)
			tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, recs[:n]) })
			recs = recs[n:]
		}
		pg := s.Dialect() == store.Postgres
		var ids, rows, visible, walk string
		var scans []string
		if pg {
			ids, rows = "Index Only Scan using records_kind_family_covering on records", "Index Scan using records_pkey on records r"
			visible, walk = "Index Only Scan using record_visibility_pkey on record_visibility v", "Index Scan using records_pkey on records r"
			scans = []string{"Seq Scan", "Bitmap"}
		} else {
			ids, rows = "SEARCH r USING COVERING INDEX records_kind_family_live (kind=? AND family_fold>? AND family_fold<?)", "SEARCH r USING INDEX sqlite_autoindex_records_1 (id=?)"
			visible, walk = "SEARCH v EXISTS USING PRIMARY KEY (org_id=? AND kind=? AND record_id=?)", "SEARCH r USING INDEX sqlite_autoindex_records_1 (id=?)"
			scans = []string{"SCAN r", "SCAN v"}
		}
		for _, stats := range []bool{false, true} {
			if stats {
				tx(t, s, func(tx *store.Tx) error { return tx.ExecForTest(ctx, `ANALYZE`) })
			}
			f := store.RecordFilter{OrgIDs: []string{own.ID}, SharedWith: own.ID, Kind: domain.KindChild, FamilyPrefix: "Ковал", Limit: 50}
			page, byFamily, err := s.ListPlan(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if !byFamily {
				t.Fatal("60 records with the prefix, yet the page is not read by family name")
			}
			count, err := s.FamilyCountPlan(ctx, f.Kind, f.FamilyPrefix)
			if err != nil {
				t.Fatal(err)
			}
			f.FamilyPrefix = ""
			all, _, err := s.ListPlan(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			limit, scan := strings.Index(page, "Limit"), strings.Index(page, ids)
			if !strings.Contains(page, rows) || !strings.Contains(page, visible) || scan < 0 || pg && (limit < 0 || limit > scan) {
				t.Errorf("statistics %v: page's plan\n%s", stats, page)
			}
			if !strings.Contains(count, ids) {
				t.Errorf("statistics %v: count's plan\n%s", stats, count)
			}
			if !strings.Contains(all, walk) || strings.Contains(all, "family") {
				t.Errorf("statistics %v: plan of the page without a prefix\n%s", stats, all)
			}
			for _, scan := range scans {
				if strings.Contains(page+count+all, scan) {
					t.Errorf("statistics %v: %s in the plans\n%s\n%s\n%s", stats, scan, page, count, all)
				}
			}
		}

		f := store.RecordFilter{OrgIDs: []string{own.ID}, SharedWith: own.ID, Kind: domain.KindChild, FamilyPrefix: "Ковал", Limit: 50, IncludeDeleted: true}
		if _, byFamily, err := s.ListPlan(ctx, f); err != nil || byFamily {
			t.Errorf("a page with deleted records is read by family name (%v)", err)
		}
	})
}
