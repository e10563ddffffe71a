package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// fillAudit appends n single-row transactions and one bulk transaction of
// bulk rows (over MaxBatch, so it is written in several statements).
func fillAudit(t *testing.T, s *store.Store, n, bulk int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		tx(t, s, func(tx *store.Tx) error {
			return tx.AppendAudit(ctx, store.AuditEntry{Actor: "u", Action: "record.read", Outcome: store.OutcomeOK, Detail: fmt.Sprint("row ", i)})
		})
	}
	entries := make([]store.AuditEntry, bulk)
	for i := range entries {
		entries[i] = store.AuditEntry{Actor: "bulk", Action: "record.import", Outcome: store.OutcomeOK, Detail: fmt.Sprint("bulk ", i)}
	}
	tx(t, s, func(tx *store.Tx) error { return tx.AppendAudit(ctx, entries...) })
}

func verify(t *testing.T, s *store.Store, anchors ...store.AuditHead) store.AuditVerdict {
	t.Helper()
	v, err := s.VerifyAudit(context.Background(), anchors...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rawExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestAuditChainDetectsTampering edits, removes, reorders, truncates and
// inserts rows behind the application's back, each on a fresh database,
// and checks that verification names the first broken row.
func TestAuditChainDetectsTampering(t *testing.T) {
	const n, bulk = 12, store.MaxBatch + 30
	total := int64(n + bulk)
	cases := []struct {
		name    string
		tamper  func(t *testing.T, db *sql.DB)
		seq     int64
		problem string
	}{
		{"edited detail", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, `UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 5`)
		}, 5, "does not match its hash"},
		{"edited outcome in the bulk", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, `UPDATE audit_log SET outcome = 'ok', action = 'x' WHERE seq = 500`)
		}, 500, "does not match its hash"},
		{"removed row", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, `DELETE FROM audit_log WHERE seq = 7`)
		}, 7, "seq 7 is missing"},
		{"removed row, later ones renumbered", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, `DELETE FROM audit_log WHERE seq = 7`)
			rawExec(t, db, `UPDATE audit_log SET seq = -seq WHERE seq > 7`)
			rawExec(t, db, `UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0`)
			rawExec(t, db, `UPDATE audit_state SET seq = seq - 1`)
		}, 7, "does not match its hash"},
		{"two rows swapped", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, `UPDATE audit_log SET seq = -1 WHERE seq = 3`)
			rawExec(t, db, `UPDATE audit_log SET seq = 3 WHERE seq = 4`)
			rawExec(t, db, `UPDATE audit_log SET seq = 4 WHERE seq = -1`)
		}, 3, "does not match its hash"},
		{"row's hash replaced by its neighbour's chain", func(t *testing.T, db *sql.DB) {
			// Row 9 keeps its content and hash, but claims another predecessor.
			rawExec(t, db, `UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq = 2) WHERE seq = 9`)
		}, 9, "does not match its hash"},
		{"truncated tail", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, fmt.Sprintf(`DELETE FROM audit_log WHERE seq > %d`, total-3))
		}, total - 2, "truncated tail"},
		{"row inserted without a place", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, `INSERT INTO audit_log (at, actor, action, outcome) VALUES (CURRENT_TIMESTAMP, 'x', 'record.read', 'ok')`)
		}, 0, "not on the chain"},
		{"row appended past the head", func(t *testing.T, db *sql.DB) {
			rawExec(t, db, fmt.Sprintf(`INSERT INTO audit_log (at, actor, action, outcome, seq, prev_hash, hash)
				SELECT at, actor, action, outcome, %d, hash, hash FROM audit_log WHERE seq = %d`, total+1, total))
		}, total + 1, "past the chain's head"},
	}
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if store.IsPostgres(dsn) {
					dsn = storetest.PostgresDSN(t)
				} else {
					dsn = storetest.SQLiteDSN(t)
				}
				s := storetest.Open(t, dsn, clock)
				fillAudit(t, s, n, bulk)
				if v := verify(t, s); !v.OK() || v.Rows != total || v.Head.Seq != total {
					t.Fatalf("before tampering: %+v", v)
				}
				c.tamper(t, storetest.Raw(t, dsn))
				v := verify(t, s)
				if v.OK() || v.Seq != c.seq || !strings.Contains(v.Problem, c.problem) {
					t.Fatalf("got %q at seq %d; want %q at seq %d", v.Problem, v.Seq, c.problem, c.seq)
				}
			})
		}
	})
}

// TestAuditChainAnchoredHead: a tail removed together with a head rewritten
// to match is invisible to the database alone, and caught by a head
// recorded outside it.
func TestAuditChainAnchoredHead(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		s := storetest.Open(t, dsn, clock)
		fillAudit(t, s, 20, 0)
		recorded := verify(t, s).Head
		if recorded.Seq != 20 {
			t.Fatalf("head %v", recorded)
		}
		if v := verify(t, s, recorded); !v.OK() {
			t.Fatalf("own head: %s", v.Problem)
		}
		head, err := store.ParseAuditHead(recorded.String())
		if err != nil || head.String() != recorded.String() {
			t.Fatalf("parse %s: %v %v", recorded, head, err)
		}
		fillAudit(t, s, 3, 0)
		if v := verify(t, s, head); !v.OK() || v.Rows != 23 {
			t.Fatalf("an earlier head stays on a growing chain: %+v", v)
		}
		db := storetest.Raw(t, dsn)
		rawExec(t, db, `DELETE FROM audit_log WHERE seq > 15`)
		rawExec(t, db, `UPDATE audit_state SET seq = 15, head = (SELECT hash FROM audit_log WHERE seq = 15)`)
		if v := verify(t, s); !v.OK() {
			t.Fatalf("a consistent truncation is invisible without a recorded head, yet: %s", v.Problem)
		}
		if v := verify(t, s, head); v.OK() || !strings.Contains(v.Problem, "past the chain's head") {
			t.Fatalf("with the recorded head: %+v", v)
		}
		// And a rewritten history below the recorded head.
		fillAudit(t, s, 10, 0)
		rawExec(t, db, `UPDATE audit_log SET detail = 'rewritten' WHERE seq = 20`)
		if v := verify(t, s, head); v.OK() || v.Seq != 20 {
			t.Fatalf("rewritten row 20: %+v", v)
		}
	})
}

// TestAuditChainConcurrentAppends: transactions appending at once (on
// PostgreSQL truly concurrently) take consecutive places, none twice.
func TestAuditChainConcurrentAppends(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 8*25)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					errs <- s.InTx(ctx, func(tx *store.Tx) error {
						return tx.AppendAudit(ctx,
							store.AuditEntry{Actor: fmt.Sprint("w", w), Action: "a", Outcome: store.OutcomeOK, Detail: fmt.Sprint(i)},
							store.AuditEntry{Actor: fmt.Sprint("w", w), Action: "b", Outcome: store.OutcomeOK, Detail: fmt.Sprint(i)})
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if v := verify(t, s); !v.OK() || v.Rows != 8*25*2 {
			t.Fatalf("%+v", v)
		}
	})
}

// TestAuditChainRolledBack: a transaction that rolls back leaves neither
// its rows nor its head.
func TestAuditChainRolledBack(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fillAudit(t, s, 2, 0)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.AppendAudit(ctx, make([]store.AuditEntry, store.MaxBatch+1)...); err != nil {
				return err
			}
			return fmt.Errorf("changed my mind")
		})
		if err == nil {
			t.Fatal("want the error")
		}
		fillAudit(t, s, 1, 0)
		if v := verify(t, s); !v.OK() || v.Rows != 3 {
			t.Fatalf("%+v", v)
		}
	})
}

// TestAuditChainExistingRows: rows the trail held before the chain existed
// are chained, in id order, the next time the database is opened.
func TestAuditChainExistingRows(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		s := storetest.Open(t, dsn, clock)
		fillAudit(t, s, 3, 0)
		db := storetest.Raw(t, dsn)
		// As a database migrated from before 00011 holds them: no place.
		for i := range 2500 {
			rawExec(t, db, `INSERT INTO audit_log (at, actor, action, outcome, detail) VALUES (CURRENT_TIMESTAMP, 'old', 'record.read', 'ok', $1)`, fmt.Sprint("old ", i))
		}
		rawExec(t, db, `UPDATE audit_state SET unchained_through = (SELECT MAX(id) FROM audit_log)`)
		if v := verify(t, s); v.OK() || v.Rows != 3 || !strings.Contains(v.Problem, "not been chained yet") {
			t.Fatalf("before chaining: %+v", v)
		}
		s.Close()
		s = storetest.Open(t, dsn, clock)
		fillAudit(t, s, 1, 0)
		if v := verify(t, s); !v.OK() || v.Rows != 2504 {
			t.Fatalf("after reopening: %+v", v)
		}
		var detail string
		if err := db.QueryRow(`SELECT detail FROM audit_log WHERE seq = 4`).Scan(&detail); err != nil || detail != "old 0" {
			t.Fatalf("seq 4 is %q (%v), want the first old row", detail, err)
		}
	})
}

// TestAuditHashAgreesEverywhere: rows whose fields take every shape the
// canonical form has (empty and NULL columns, non-ASCII text, lengths
// that need one, two and three bytes of uvarint, several records named,
// ids in capitals) hash the same when read back from either database as
// when they were chained.
func TestAuditHashAgreesEverywhere(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org, rec := "0195f3a1-7c2e-7b4a-9e10-2f6d4c8b1a01", "0195F3A1-7C2E-7B4A-9E10-2F6D4C8B1A02"
		entries := []store.AuditEntry{
			{Actor: "cli:root", Action: "x", Outcome: store.OutcomeOK},
			{Actor: "u", ActorOrg: org, Action: "record.read", Outcome: store.OutcomeDenied, RecordID: rec, RecordOrg: org, RecordKind: "child",
				Detail: strings.Repeat("Пошук дитини, ", 10)}, // 250 bytes: a two-byte length
			{Actor: "u", ActorOrg: org, Action: "record.list", Outcome: store.OutcomeOK, RecordOrg: org, RecordKind: "request",
				RecordIDs: []string{rec, org}, Detail: strings.Repeat("ї", 10000)}, // 20,000 bytes: three
			{Actor: "ü\tç", Action: "a\nb", Outcome: "ok", Detail: "\"quoted\" \\ 'and' %_"},
		}
		tx(t, s, func(tx *store.Tx) error { return tx.AppendAudit(ctx, entries...) })
		if err := s.ReadTx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(ctx, entries[1:3]...) }); err != nil {
			t.Fatal(err)
		}
		if v := verify(t, s); !v.OK() || v.Rows != 6 {
			t.Fatalf("%+v", v)
		}
	})
}
