package app_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/app/apptest"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// The name the erased child and family go by, in each form it is stored in.
var erasedName = []string{"Оверчук", "оверчук", "Overchuk", "overchuk", "Живосил", "живосил"}

// traces scans every column of every table for each form of the name
// (blobs too: a name in clear bytes counts) and returns table.column of
// each hit.
func traces(t *testing.T, db *sql.DB, postgres bool) []string {
	t.Helper()
	type col struct{ table, column, typ string }
	q := `SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`
	if postgres {
		q = `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	var hits []string
	for _, c := range cols {
		expr := fmt.Sprintf(`CAST(%q AS text)`, c.column)
		if postgres {
			switch c.typ {
			case "bytea":
				expr = fmt.Sprintf(`encode(%q, 'escape')`, c.column)
			default:
				expr = fmt.Sprintf(`%q::text`, c.column)
			}
		}
		for _, n := range erasedName {
			like := "%" + n + "%"
			pattern := like
			if postgres {
				// bytea's escape encoding writes non-ASCII bytes as \ooo.
				if c.typ == "bytea" {
					var b strings.Builder
					for _, x := range []byte(n) {
						if x < 0x80 {
							b.WriteByte(x)
						} else {
							fmt.Fprintf(&b, `\\%03o`, x)
						}
					}
					pattern = "%" + b.String() + "%"
				}
			}
			var k int
			if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM %q WHERE %s LIKE $1`, c.table, expr), pattern).Scan(&k); err != nil {
				t.Fatalf("%s.%s: %v", c.table, c.column, err)
			}
			if k > 0 {
				hits = append(hits, c.table+"."+c.column)
				break
			}
		}
	}
	return hits
}

// TestEraseRecord runs a family's request and the matching child record
// through the whole exchange with a known name everywhere it can go
// (versions, sensitive fields, the engine's explanation, votes, case
// events, messages, an attachment, a search), erases both on a lawful
// request, and then finds the name in no column of any table, while the
// ledger and the audit chain still verify and the tombstones are kept.
func TestEraseRecord(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := apptest.NewClock(at("2026-03-02T09:00:00Z"))
		s := storetest.Open(t, dsn, store.Options{Now: clock.Now})
		a := newApp(t, s)
		root := access.Operator("test", domain.Organisation{})
		var ua, ru, med access.Principal
		for _, o := range []struct {
			p    *access.Principal
			slug string
			kind domain.OrgKind
		}{{&ua, "ua", domain.OrgGovernment}, {&ru, "ru", domain.OrgGovernment}, {&med, "med", domain.OrgMediator}} {
			org, err := a.CreateOrg(ctx, root, domain.Organisation{Slug: o.slug, Name: strings.ToUpper(o.slug), Kind: o.kind})
			if err != nil {
				t.Fatal(err)
			}
			*o.p = access.Operator("test", org)
		}
		// Someone else, who must keep their data: the control that the scan finds names.
		other, err := a.CreateRecord(ctx, ua, domain.Record{Kind: domain.KindRequest, Person: domain.Person{Names: []domain.Name{{Given: "Остап", Family: "Іншенко"}}}})
		if err != nil {
			t.Fatal(err)
		}
		birth, _ := domain.ParseFuzzyDate("2014-05-03")
		person := domain.Person{Names: []domain.Name{{Given: "Живосил", Family: "Оверчук"}}, Sex: "male", BirthDate: birth,
			LastHome: domain.Place{Settlement: "Оверчуки", Oblast: "Kharkiv"}, Features: "scar; answers to Overchuk"}
		rq, err := a.CreateRecord(ctx, ua, domain.Record{Kind: domain.KindRequest, ExternalID: "R-Overchuk", Person: person,
			Enquirer: &domain.Enquirer{Name: "Марія Оверчук", Relation: "mother"}, Sensitive: domain.Sensitive{EnquirerContact: "overchuk@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		rq.Person.Names = append(rq.Person.Names, domain.Name{Given: "Zhyvosyl", Family: "Overchuk"})
		if rq, err = a.UpdateRecord(ctx, ua, rq); err != nil {
			t.Fatal(err)
		}
		ch, err := a.CreateRecord(ctx, ru, domain.Record{Kind: domain.KindChild, ExternalID: "C-1", Person: person,
			Sensitive: domain.Sensitive{CurrentCaregiver: "foster family of Overchuk", CurrentLocation: "children's home"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.SubmitList(ctx, ua, app.ListSubmission{Kind: domain.KindRequest, RecordIDs: []string{rq.ID, other.ID}, Recipients: []string{ru.OrgID, med.OrgID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SubmitList(ctx, ru, app.ListSubmission{Kind: domain.KindChild, RecordIDs: []string{ch.ID}, Recipients: []string{ua.OrgID, med.OrgID}}); err != nil {
			t.Fatal(err)
		}
		cand := store.Candidate{RequestID: rq.ID, ChildID: ch.ID, RequestOrg: ua.OrgID, ChildOrg: ru.OrgID, RequestVersion: rq.Version, ChildVersion: 1,
			Probability: 0.99, Explanation: `{"family":{"request":"Оверчук","child":"Overchuk"}}`}
		cands := []store.Candidate{cand}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.ProposeCandidates(ctx, cands) }); err != nil {
			t.Fatal(err)
		}
		cand = cands[0]
		if _, err := a.DecideCandidate(ctx, ua, cand.ID, true, "the mother named Живосил"); err != nil {
			t.Fatal(err)
		}
		d, err := a.DecideCandidate(ctx, ru, cand.ID, true, "same scar as Overchuk")
		if err != nil || d.Case == nil {
			t.Fatalf("%+v %v", d, err)
		}
		c := *d.Case
		att, err := a.AddAttachment(ctx, ru, c.ID, "", "Overchuk-birth-certificate.txt", []byte("birth certificate of Живосил Оверчук"))
		if err != nil {
			t.Fatal(err)
		}
		if c, err = a.MoveCase(ctx, ru, c.ID, 0, cases.IdentityVerified, cases.Input{Method: cases.MethodDocuments, Evidence: "certificate of Оверчук", AttachmentIDs: []string{att.ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PostMessage(ctx, ua, c.ID, "", "Живосил's grandmother can travel"); err != nil {
			t.Fatal(err)
		}
		found, _, err := a.ListRecords(ctx, ua, store.RecordFilter{Kind: domain.KindRequest, FamilyPrefix: "Оверч"})
		if err != nil || len(found) != 1 {
			t.Fatalf("search: %d %v", len(found), err)
		}
		db := storetest.Raw(t, dsn)
		pg := store.IsPostgres(dsn)
		before := strings.Join(traces(t, db, pg), " ")
		// record_sensitive is encrypted at rest, so a scan of the raw rows
		// cannot see the name there even before erasure.
		for _, want := range []string{"records.person", "records.family_fold", "record_history.snapshot",
			"match_candidates.explanation", "candidate_votes.reason", "case_events.data", "case_messages.body", "case_attachments.name"} {
			if !strings.Contains(before, want) {
				t.Errorf("before erasure the scan does not find the name in %s (found: %s)", want, before)
			}
		}
		if strings.Contains(before, "audit_log") {
			t.Errorf("the audit trail holds the name: %s", before)
		}

		// Who may not.
		reviewer := access.User(domain.User{ID: "rev", Roles: []domain.Role{domain.RoleReviewer}}, domain.Organisation{ID: ua.OrgID, Kind: domain.OrgGovernment}, nil)
		if _, err := a.EraseRecord(ctx, reviewer, domain.KindRequest, rq.ID, "art. 17"); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a reviewer erases: %v", err)
		}
		ruWorker := access.User(domain.User{ID: "ru-cw", Roles: []domain.Role{domain.RoleCaseworker}}, domain.Organisation{ID: ru.OrgID, Kind: domain.OrgGovernment}, nil)
		if _, err := a.EraseRecord(ctx, ruWorker, domain.KindRequest, rq.ID, "art. 17"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the other party erases our record: %v", err)
		}
		if _, err := a.EraseRecord(ctx, ua, domain.KindChild, rq.ID, "art. 17"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a request erased as a child record: %v", err)
		}
		if _, err := a.EraseRecord(ctx, ua, domain.KindRequest, rq.ID, "  "); fieldOf(err) != "legal_basis" {
			t.Errorf("no legal basis: %v", err)
		}
		denied, err := a.Audit(ctx, root, store.AuditFilter{Action: app.ActionErase, Outcome: store.OutcomeDenied})
		if err != nil || len(denied) != 1 || denied[0].Actor != "ru-cw" {
			t.Errorf("denied erasure audited: %+v %v", denied, err)
		}

		// The owners erase, each its own record.
		admin := access.User(domain.User{ID: "ua-admin", Roles: []domain.Role{domain.RoleAdmin}}, domain.Organisation{ID: ua.OrgID, Kind: domain.OrgGovernment}, nil)
		er, err := a.EraseRecord(ctx, admin, domain.KindRequest, rq.ID, "request 2026/114, art. 17 GDPR")
		if err != nil {
			t.Fatal(err)
		}
		if er.OrgID != ua.OrgID || er.Kind != domain.KindRequest || er.ErasedBy != "ua-admin" || len(er.Cases) != 1 || er.Cases[0] != c.ID {
			t.Errorf("tombstone %+v", er)
		}
		if _, err := a.EraseRecord(ctx, ru, domain.KindChild, ch.ID, "request 2026/114, art. 17 GDPR"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.EraseRecord(ctx, ua, domain.KindRequest, rq.ID, "again"); !errors.Is(err, store.ErrErased) {
			t.Errorf("erased twice: %v", err)
		}

		if after := traces(t, db, pg); len(after) != 0 {
			t.Errorf("after erasure the name is still in %v", after)
		}
		// The control: the other person's name is still there.
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM records WHERE family_fold = 'іншенко'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("the other record lost its data: %d %v", n, err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			tomb, err := tx.Erased(ctx, rq.ID)
			if err != nil || tomb.LegalBasis != "request 2026/114, art. 17 GDPR" || !tomb.ErasedAt.Equal(clock.Now()) {
				t.Errorf("tombstone %+v %v", tomb, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Record(ctx, ua, domain.KindRequest, rq.ID)
		if err != nil || got.Deleted == nil || len(got.Person.Names) != 0 || got.Enquirer != nil || got.Deleted.Reason != store.ErasedReason {
			t.Errorf("the erased record reads %+v (%v)", got, err)
		}
		if revs, err := a.Revisions(ctx, ua, domain.KindRequest, rq.ID); err != nil || len(revs) != 1 {
			t.Errorf("versions left: %d %v", len(revs), err)
		}
		if cv, err := a.Case(ctx, ua, c.ID); err != nil || cv.State != string(cases.IdentityVerified) {
			t.Errorf("the case stays, without names: %+v %v", cv.Case, err)
		}
		if _, _, err := a.Attachment(ctx, ua, att.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the attachment is still served: %v", err)
		}
		if v := verifyLedger(t, a, med); !v.OK || v.Checkpoint.Size < 3 {
			t.Errorf("ledger after erasure: %+v", v.Problems)
		}
		if v, err := s.VerifyAudit(ctx); err != nil || !v.OK() {
			t.Errorf("audit chain after erasure: %+v %v", v, err)
		}
		erasures, err := a.Audit(ctx, root, store.AuditFilter{Action: app.ActionErase, Outcome: store.OutcomeOK})
		if err != nil || len(erasures) != 2 || erasures[1].Detail != "request 2026/114, art. 17 GDPR" || erasures[1].Seq == 0 {
			t.Errorf("erasures audited: %+v %v", erasures, err)
		}
	})
}
