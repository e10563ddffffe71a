package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
)

// TestFamilyPlan checks on SQLite that a party's page by a rare family
// name prefix reads the names through records_kind_family_live and tests
// each record's visibility by its key, without walking the party's records
// nor reading the row of a record it does not keep (the index covers the
// ids' query); then reads the page's rows by id.
func TestFamilyPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := "0190f1b2-0000-7000-8000-000000000001"
	f := RecordFilter{OrgIDs: []string{org}, SharedWith: org, Kind: domain.KindChild, FamilyPrefix: "Ковал", After: org, Limit: 51}
	var use bool
	if err := s.InTx(ctx, func(tx *Tx) (err error) { use, err = tx.familyPlan(ctx, f); return err }); err != nil || !use {
		t.Fatalf("familyPlan on an empty database: %v, %v; want the index", use, err)
	}
	f.byFamily = true
	text := queryPlan(t, s, f)
	if !strings.Contains(text, "SEARCH r USING COVERING INDEX records_kind_family_live (kind=? AND family_fold>? AND family_fold<?)") ||
		!strings.Contains(text, "SEARCH r USING INDEX sqlite_autoindex_records_1 (id=?)") ||
		!strings.Contains(text, "USING PRIMARY KEY (org_id=? AND kind=? AND record_id=?)") || strings.Contains(text, "SCAN") {
		t.Errorf("plan\n%s", text)
	}
}

// TestFamilyCountsReused checks that a page by family name reuses the count
// of the prefix for familyCountFor, then counts again: a count taken
// before records were added chooses the plan until it expires, and a
// count taken under another familyPlanMost is not used.
func TestFamilyCountsReused(t *testing.T) {
	ctx := context.Background()
	keys, err := seal.Load(seal.NewKey(), "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, err := Open(ctx, filepath.Join(t.TempDir(), "counts.db"), Options{Keys: keys, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer func(old int) { familyPlanMost = old }(familyPlanMost)
	familyPlanMost = 2
	org := "0190f1b2-0000-7000-8000-000000000001"
	f := RecordFilter{OrgIDs: []string{org}, SharedWith: org, Kind: domain.KindChild, FamilyPrefix: "Ковал", Limit: 50}
	plan := func() bool {
		t.Helper()
		var use bool
		if err := s.ReadTx(ctx, func(tx *Tx) (err error) { use, err = tx.familyPlan(ctx, f); return err }); err != nil {
			t.Fatal(err)
		}
		return use
	}
	if !plan() {
		t.Fatal("no record has the prefix, yet the family index is not chosen")
	}
	if err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO organisations (id, slug, name, kind, country, created_at) VALUES ($1, 'a', 'A', 'government', 'UA', $2)`, org, now); err != nil {
			return err
		}
		var recs []*domain.Record
		for _, fam := range []string{"Коваленко", "Ковальчук", "Коваль"} {
			recs = append(recs, &domain.Record{Kind: domain.KindChild, OrgID: org,
				Person: domain.Person{Names: []domain.Name{{Given: "Олена", Family: fam}}}})
		}
		return tx.InsertRecords(ctx, Actor{ID: "test", OrgID: org}, recs)
	}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(familyCountFor - time.Second)
	if !plan() {
		t.Error("the count of a moment ago was not reused")
	}
	familyPlanMost = 3
	if !plan() {
		t.Error("3 records, at most 3 through the index: the index is not chosen")
	}
	familyPlanMost = 2
	now = now.Add(time.Second)
	if plan() {
		t.Error("the count expired, 3 records are over 2: the index is still chosen")
	}
}

func TestFamilyCountsBounded(t *testing.T) {
	var c familyCounts
	now := time.Now()
	for i := range familyCountsMost + 1 {
		c.put(familyKey{kind: "child", lo: strconv.Itoa(i)}, i, now)
	}
	if len(c.entries) != 1 {
		t.Fatalf("%d counts kept after %d, want 1 (forgotten past %d)", len(c.entries), familyCountsMost+1, familyCountsMost)
	}
	if n, ok := c.get(familyKey{kind: "child", lo: strconv.Itoa(familyCountsMost)}, now); !ok || n != familyCountsMost {
		t.Errorf("the last count: %d, %v", n, ok)
	}
	if _, ok := c.get(familyKey{kind: "child", lo: "0"}, now); ok {
		t.Error("a forgotten count is still given")
	}
	var none *familyCounts
	none.put(familyKey{}, 1, now)
	if _, ok := none.get(familyKey{}, now); ok {
		t.Error("no cache, yet a count")
	}
}
