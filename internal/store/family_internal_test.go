package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
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
