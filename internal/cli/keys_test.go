package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestKeysRotate: the documented rotation, beside a running server: a new
// key file, the server given it (as on SIGHUP), keys rotate, and then the
// new key alone opens everything (records and the ledger's sealed keys),
// the old one alone is refused at start, naming the key it lacks.
func TestKeysRotate(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newLedgerFixture(t, dsn)
		f.act(t) // seals the ledger's keys, one value at a time
		var recs []*domain.Record
		for i := range 30 {
			recs = append(recs, &domain.Record{Kind: domain.KindChild, OrgID: f.med.OrgID, ExternalID: fmt.Sprint("K-", i),
				Person:    domain.Person{Names: []domain.Name{{Given: "Ivan", Family: "Koval"}}, Notes: "notes"},
				Sensitive: domain.Sensitive{CurrentLocation: "somewhere"}})
		}
		if err := f.s.InTx(ctx, func(tx *store.Tx) error { return tx.InsertRecords(ctx, store.Actor{ID: "test"}, recs) }); err != nil {
			t.Fatal(err)
		}
		oldID := f.keys.Current()
		old := []string{"--db", dsn, "--data-keys", f.dataKey}
		out := mustRun(t, append([]string{"keys", "status"}, old...)...)
		if !regexp.MustCompile(oldID + `\s+yes\s+yes\s+30\s+[1-9]`).MatchString(out) {
			t.Fatalf("status before:\n%s", out)
		}

		newFile := filepath.Join(t.TempDir(), "new.key")
		out = mustRun(t, "keys", "new", newFile)
		both, err := seal.Load("", newFile)
		if err != nil {
			t.Fatal(err)
		}
		newID := both.Current()
		if !strings.Contains(out, newID) {
			t.Fatalf("keys new: %s", out)
		}
		f.keys.Merge(both) // the server reloads its keys (SIGHUP)

		out = mustRun(t, append([]string{"keys", "rotate", "--new-key-file", newFile, "--batch", "7"}, old...)...)
		if !regexp.MustCompile(`re-wrapped 30 record data keys and [1-9]\d* sealed values`).MatchString(out) || !strings.Contains(out, oldID+" wraps nothing") {
			t.Fatalf("rotate:\n%s", out)
		}
		f.act(t) // the server still acts: it opens the re-wrapped ledger keys

		onlyNew := []string{"--db", dsn, "--key-file", newFile}
		out = mustRun(t, append([]string{"keys", "status"}, onlyNew...)...)
		if !regexp.MustCompile(newID+`\s+yes\s+yes\s+30\s+[1-9]`).MatchString(out) || !regexp.MustCompile(oldID+`\s+no\s+no\s+0\s+0\s+0`).MatchString(out) {
			t.Fatalf("status after:\n%s", out)
		}
		csv, err := run(ctx, append([]string{"export", "--kind", "child", "--org", "med"}, onlyNew...)...)
		if err != nil || strings.Count(csv, "notes") != 31 /* the heading, then every record */ {
			t.Fatalf("export (with the notes) with the new key alone: %v\n%s", err, csv)
		}
		_, err = run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, old...)...)
		if err == nil || !strings.Contains(err.Error(), "master key missing") || !strings.Contains(err.Error(), newID) {
			t.Fatalf("serve with the old key only: %v", err)
		}
		_, err = run(ctx, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--key-file", filepath.Join(t.TempDir(), "none.key"))
		if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), newID) {
			t.Fatalf("serve with a missing key file: %v", err)
		}
	})
}
