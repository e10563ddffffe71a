package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// byRecord returns the ids of the entries a query by record finds.
func byRecord(t *testing.T, s *store.Store, id string) []int64 {
	t.Helper()
	var ids []int64
	tx(t, s, func(tx *store.Tx) error {
		got, err := tx.Audit(context.Background(), store.AuditFilter{RecordID: id})
		for _, e := range got {
			if !e.Names(id) {
				t.Errorf("entry %d (%s) found for record %s does not name it: %v", e.ID, e.Detail, id, e.Records())
			}
			ids = append(ids, e.ID)
		}
		return err
	})
	return ids
}

// TestAuditByRecord: a query by record finds every act that named the
// record, alone or among others, whether the indexer has written the
// references of those acts, has not reached them yet, or was cut short in
// the middle of a window; never an act that did not name it, never one
// twice. And the record_ids are on the chain: dropping a name from a row
// breaks it.
func TestAuditByRecord(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		s := storetest.Open(t, dsn, clock)
		raw := storetest.Raw(t, dsn)
		ctx := context.Background()
		x, y, z := uuid.NewString(), uuid.NewString(), uuid.NewString()
		others := make([]string, 60)
		for i := range others {
			others[i] = uuid.NewString()
		}
		act := func(detail, one string, several ...string) {
			tx(t, s, func(tx *store.Tx) error {
				return tx.AppendAudit(ctx, store.AuditEntry{Actor: "u", Action: "record.list", Outcome: store.OutcomeOK,
					RecordID: one, RecordIDs: several, Detail: detail})
			})
		}
		act("x alone", x)
		act("x among y and z", "", y, strings.ToUpper(x), z) // ids are kept as PostgreSQL writes them
		act("y and z", "", y, z)
		act("x among sixty, y twice", "", append([]string{y, y}, append(slices.Clone(others[:30]), append([]string{x}, others[30:]...)...)...)...)
		wantX := byRecord(t, s, x)
		if len(wantX) != 3 {
			t.Fatalf("before indexing: %d acts name x, want 3", len(wantX))
		}
		if got := byRecord(t, s, y); len(got) != 3 {
			t.Fatalf("before indexing: %d acts name y, want 3", len(got))
		}

		// (The store's own indexer may be there first: count the table.)
		if _, err := s.IndexAuditRefs(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM audit_record_refs`).Scan(&n); err != nil || n != 3+2+62 {
			t.Fatalf("%d references (%v), want %d", n, err, 3+2+62) // y named twice in one act: once
		}
		if got := byRecord(t, s, x); !slices.Equal(got, wantX) {
			t.Fatalf("after indexing x is named by %v, want %v", got, wantX)
		}
		if n, err := s.IndexAuditRefs(ctx); err != nil || n != 0 {
			t.Fatalf("indexing again wrote %d references (%v), want none", n, err)
		}

		// Past the mark: found from the row itself.
		act("x again", "", others[0], x)
		if got := byRecord(t, s, x); len(got) != 4 {
			t.Fatalf("an act past the mark: %d acts name x, want 4", len(got))
		}
		if got := byRecord(t, s, strings.ToUpper(x)); len(got) != 4 {
			t.Fatalf("asked in capitals: %d acts name x, want 4", len(got))
		}
		// A window cut short: its references written, the mark not
		// moved. Indexed again from the start: nothing twice.
		rawExec(t, raw, `UPDATE audit_refs_state SET seq = 0`)
		if got := byRecord(t, s, x); len(got) != 4 {
			t.Fatalf("references and rows both read: %d acts name x, want 4 (each once)", len(got))
		}
		if _, err := s.IndexAuditRefs(ctx); err != nil {
			t.Fatalf("indexing a window again: %v", err)
		}
		if got := byRecord(t, s, x); len(got) != 4 {
			t.Fatalf("after indexing again: %d acts name x, want 4", len(got))
		}
		if got := byRecord(t, s, uuid.NewString()); len(got) != 0 {
			t.Fatalf("a record never named is found in %v", got)
		}

		if v := verify(t, s); !v.OK() {
			t.Fatalf("chain: %+v", v)
		}
		// The index is checked against the rows it covers: a reference
		// removed, added or pointed at another record is found.
		if _, err := s.IndexAuditRefs(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ name, tamper, undo string }{
			{"removed", `DELETE FROM audit_record_refs WHERE record_id = '` + x + `'`, `INSERT INTO audit_record_refs SELECT '` + x + `', id FROM audit_log WHERE record_ids LIKE '%` + x + `%'`},
			{"added", `INSERT INTO audit_record_refs SELECT '` + y + `', id FROM audit_log WHERE record_id = '` + x + `'`, `DELETE FROM audit_record_refs WHERE audit_id IN (SELECT id FROM audit_log WHERE record_id = '` + x + `')`},
			{"changed", `UPDATE audit_record_refs SET record_id = '` + z + `' WHERE record_id = '` + x + `' AND audit_id IN (SELECT id FROM audit_log WHERE detail = 'x again')`,
				`UPDATE audit_record_refs SET record_id = '` + x + `' WHERE record_id = '` + z + `' AND audit_id IN (SELECT id FROM audit_log WHERE detail = 'x again')`},
		} {
			rawExec(t, raw, c.tamper)
			if v := verify(t, s); v.OK() || !strings.Contains(v.Problem, "index of the audit trail by record") {
				t.Fatalf("a reference %s: %+v", c.name, v)
			}
			rawExec(t, raw, c.undo)
			if v := verify(t, s); !v.OK() {
				t.Fatalf("after undoing the reference %s: %+v", c.name, v)
			}
		}
		rawExec(t, raw, `UPDATE audit_log SET record_ids = replace(record_ids, ' `+x+`', '') WHERE detail = 'x among sixty, y twice'`)
		if v := verify(t, s); v.OK() || !strings.Contains(v.Problem, "does not match its hash") {
			t.Fatalf("a name dropped from a row: %+v", v)
		}
	})
}

// TestAuditEntryNamesOneOrSeveral: an entry names one record or several,
// not both.
func TestAuditEntryNamesOneOrSeveral(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.AppendAudit(ctx, store.AuditEntry{Actor: "u", Action: "record.list", Outcome: store.OutcomeOK,
				RecordID: uuid.NewString(), RecordIDs: []string{uuid.NewString()}})
		})
		if err == nil || !strings.Contains(err.Error(), "not both") {
			t.Fatalf("got %v, want a refusal", err)
		}
		if v := verify(t, s); !v.OK() || v.Rows != 0 {
			t.Fatalf("chain after the refusal: %+v", v)
		}
	})
}

// TestRefIndexerCatchesUp: the store's own indexer writes the references of
// a backlog past refsRowsMin rows without being asked, and the index then
// verifies with the chain.
func TestRefIndexerCatchesUp(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const rows = 2100 // past refsRowsMin
		entries := make([]store.AuditEntry, rows)
		for i := range entries {
			entries[i] = store.AuditEntry{Actor: "u", Action: "record.list", Outcome: store.OutcomeOK,
				RecordIDs: []string{uuid.NewString(), uuid.NewString()}}
		}
		tx(t, s, func(tx *store.Tx) error { return tx.AppendAudit(ctx, entries...) })
		deadline := time.Now().Add(time.Minute)
		for {
			mark, head, err := s.AuditRefsMark(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if mark == head {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a minute on, the store's indexer is at seq %d of %d", mark, head)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if v := verify(t, s); !v.OK() || v.Rows != rows {
			t.Fatalf("chain and index: %+v", v)
		}
		if n, err := s.IndexAuditRefs(ctx); err != nil || n != 0 {
			t.Fatalf("after the indexer, %d references were left to write (%v)", n, err)
		}
	})
}
