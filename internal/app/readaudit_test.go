package app_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestReadsFailWithoutTheirAudit: when the audit rows of a read cannot be
// committed (here the database refuses them), the read fails and shows
// nothing, whichever use case reads; once they can be, the reads answer
// and the chain verifies.
func TestReadsFailWithoutTheirAudit(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, op := setup(t, dsn)
		if _, err := a.Import(ctx, op, domain.KindChild, strings.NewReader("id,given_name,family_name\nA-1,Іван,Коваленко\nA-2,Марія,Коваль\n"), app.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		recs, _, err := a.ListRecords(ctx, op, store.RecordFilter{Kind: domain.KindChild})
		if err != nil || len(recs) != 2 {
			t.Fatalf("list before: %d records, %v", len(recs), err)
		}
		id := recs[0].ID

		raw := rawDB(t, dsn)
		refuse, allow := refuseReadAudit(dsn)
		if _, err := raw.Exec(refuse); err != nil {
			t.Fatal(err)
		}
		reads := []struct {
			name string
			read func() (shown int, err error)
		}{
			{"record", func() (int, error) {
				r, err := a.Record(ctx, op, domain.KindChild, id)
				if r.ID != "" {
					return 1, err
				}
				return 0, err
			}},
			{"list", func() (int, error) {
				recs, _, err := a.ListRecords(ctx, op, store.RecordFilter{Kind: domain.KindChild})
				return len(recs), err
			}},
			{"list by family name", func() (int, error) {
				recs, _, err := a.ListRecords(ctx, op, store.RecordFilter{Kind: domain.KindChild, FamilyPrefix: "Ковал", Limit: 50})
				return len(recs), err
			}},
			{"revisions", func() (int, error) {
				revs, err := a.Revisions(ctx, op, domain.KindChild, id)
				return len(revs), err
			}},
		}
		for _, r := range reads {
			if n, err := r.read(); err == nil || n != 0 {
				t.Errorf("%s without its audit: %d records shown, error %v", r.name, n, err)
			}
		}
		if _, err := raw.Exec(allow); err != nil {
			t.Fatal(err)
		}
		for _, r := range reads {
			if n, err := r.read(); err != nil || n == 0 {
				t.Errorf("%s with its audit: %d records shown, error %v", r.name, n, err)
			}
		}
		v, err := a.Store().VerifyAudit(ctx)
		if err != nil || !v.OK() {
			t.Fatalf("chain: %+v, %v", v, err)
		}
	})
}

func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, name := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	if store.IsPostgres(dsn) {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// refuseReadAudit returns statements that make the database refuse, and
// then accept again, the audit rows of record reads and listings.
func refuseReadAudit(dsn string) (refuse, allow string) {
	if store.IsPostgres(dsn) {
		return `CREATE FUNCTION refuse_read_audit() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.action IN ('record.read', 'record.list', 'record.revisions') THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$;
			CREATE TRIGGER refuse_read_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_read_audit()`,
			`DROP TRIGGER refuse_read_audit ON audit_log; DROP FUNCTION refuse_read_audit()`
	}
	return `CREATE TRIGGER refuse_read_audit BEFORE INSERT ON audit_log WHEN NEW.action IN ('record.read', 'record.list', 'record.revisions')
			BEGIN SELECT RAISE(ABORT, 'audit refused'); END`,
		`DROP TRIGGER refuse_read_audit`
}
