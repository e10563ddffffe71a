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
