package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/kinship"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func kinRecord(kind domain.Kind, ext, given string) domain.Record {
	return domain.Record{Kind: kind, ExternalID: ext, Person: domain.Person{
		Names:      []domain.Name{{Given: given, Family: "Коваль", Script: domain.ScriptUkrainian, Source: domain.SourceBirth}},
		Sex:        domain.SexMale,
		BirthDate:  domain.MustParseFuzzyDate("2013-05-02"),
		Separation: domain.Separation{Date: domain.MustParseFuzzyDate("2022-04"), Category: domain.CategoryFrontline},
	}}
}

// The DNA story: a family's samples and a child's, a search that finds the
// family, a DNA result on their case that verifies identity, and the
// genotypes kept to the owner and the case's parties, every read audited.
func TestKinshipStory(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, ua := setup(t, dsn)
		ruOrg, err := a.CreateOrg(ctx, access.Operator("test", domain.Organisation{}), domain.Organisation{Slug: "ru", Name: "RU", Kind: domain.OrgGovernment})
		if err != nil {
			t.Fatal(err)
		}
		ru := access.Operator("test", ruOrg)
		req, err := a.CreateRecord(ctx, ua, kinRecord(domain.KindRequest, "REQ-1", "Олександр"))
		if err != nil {
			t.Fatal(err)
		}
		other, err := a.CreateRecord(ctx, ua, kinRecord(domain.KindRequest, "REQ-2", "Андрій"))
		if err != nil {
			t.Fatal(err)
		}
		kid, err := a.CreateRecord(ctx, ru, kinRecord(domain.KindChild, "CH-1", "Александр"))
		if err != nil {
			t.Fatal(err)
		}

		tab := kinship.SimulateTable(21)
		if err := a.ImportFrequencyTable(ctx, ua, tab); err != nil {
			t.Fatal(err)
		}
		sim := kinship.NewSimulator(tab, 4, kinship.CODIS, kinship.DefaultMutation)
		mother, father := sim.Founder("LAB-M"), sim.Founder("LAB-F")
		child := sim.Child("LAB-C", &mother, &father)
		aunt := sim.Founder("LAB-A") // the other family's aunt: unrelated to the child
		if _, err := a.ImportKinshipSamples(ctx, ua, []kinship.Profile{mother, father, aunt}, []app.SampleLink{
			{Sample: "LAB-M", Record: "REQ-1", Relationship: "mother"},
			{Sample: "LAB-F", Record: req.ID, Relationship: "father"},
			{Sample: "LAB-A", Record: other.ID, Relationship: "aunt"},
		}); err != nil {
			t.Fatal(err)
		}
		// Every problem at once, and nothing stored.
		_, err = a.ImportKinshipSamples(ctx, ru, []kinship.Profile{child, {ID: "LAB-X"}}, []app.SampleLink{
			{Sample: "LAB-C", Record: "CH-1", Relationship: "mother"},
			{Sample: "LAB-X", Record: "REQ-1", Relationship: "self"},
			{Sample: "LAB-Y", Record: "CH-1"},
		})
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 3 {
			t.Fatalf("bad links: %v", err)
		}
		if _, err := a.ImportKinshipSamples(ctx, ru, []kinship.Profile{child}, []app.SampleLink{{Sample: "LAB-C", Record: "CH-1"}}); err != nil {
			t.Fatal(err)
		}

		// Before any case, RU cannot read UA's genotypes: not found, and
		// the attempt is audited.
		if _, _, err := a.KinshipProfile(ctx, ru, mother.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RU reads UA's sample by lab id: %v", err)
		}
		s, back, err := a.KinshipProfile(ctx, ua, "LAB-M")
		if err != nil || back != mother || s.Relationship != "parent_child" || s.Label != "mother" {
			t.Fatalf("UA reads its own sample: %+v %v", s, err)
		}

		// The pair becomes a case once both parties confirm it.
		var candID string
		err = a.Store().InTx(ctx, func(tx *store.Tx) error {
			ids, err := tx.ProposeCandidatesIDs(ctx, []store.Candidate{{RequestID: req.ID, ChildID: kid.ID, RequestOrg: ua.OrgID, ChildOrg: ru.OrgID,
				RequestVersion: 1, ChildVersion: 1, Probability: 0.8, Explanation: `{}`}})
			candID = ids[0]
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.DecideCandidate(ctx, ua, candID, true, ""); err != nil {
			t.Fatal(err)
		}
		d, err := a.DecideCandidate(ctx, ru, candID, true, "")
		if err != nil || d.Case == nil {
			t.Fatalf("case: %v", err)
		}
		caseID := d.Case.ID

		// Now RU, a party to the case, reads the family's genotypes (audited).
		if _, got, err := a.KinshipProfile(ctx, ru, sampleID(t, a, ua, "LAB-M")); err != nil || got != mother {
			t.Fatalf("RU reads the mother's sample as a party to the case: %v", err)
		}
		// The other family's aunt is on no case of RU's: still not readable.
		if _, _, err := a.KinshipProfile(ctx, ru, sampleID(t, a, ua, "LAB-A")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RU reads another family's sample: %v", err)
		}

		// Search: the child against the reference families RU may search.
		q := app.KinshipQuery{Table: tab.Name, Options: kinship.Options{Mutation: kinship.DefaultMutation, Theta: 0.01}}
		hits, err := a.KinshipSearch(ctx, ru, "LAB-C", q, kinship.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].Family != req.ID || hits[0].Relationship != kinship.Trio || hits[0].LR < 1e6 || hits[0].Demographic != 0.8 {
			t.Fatalf("hits %+v", hits)
		}
		// UA, a party to the case, may search with RU's child sample: it
		// sees both its families, the unrelated one below 1.
		hits, err = a.KinshipSearch(ctx, ua, sampleID(t, a, ru, "LAB-C"), q, kinship.SearchOptions{})
		if err != nil || len(hits) != 2 || hits[0].Family != req.ID || hits[1].LR >= 1 {
			t.Fatalf("UA's search: %+v %v", hits, err)
		}
		if !strings.Contains(hits[0].Explanation, "Posterior odds = prior odds × LR") {
			t.Errorf("explanation %q", hits[0].Explanation)
		}

		// A DNA result on the case, then identity verified by it.
		res, err := a.RecordDNAResult(ctx, ru, caseID, app.DNARequest{ChildSample: "LAB-C", References: []string{sampleID(t, a, ua, "LAB-M"), sampleID(t, a, ua, "LAB-F")}, KinshipQuery: q})
		if err != nil {
			t.Fatal(err)
		}
		st := res.Stored
		if st.Relationship != "trio" || st.LR < 1e6 || len(st.Loci) != 20 || st.FrequencyTable != tab.Name || !strings.Contains(st.Reading, "times more likely if") ||
			!strings.Contains(st.Hp, "are the parents of LAB-C") || strings.Contains(st.Detail, child.Loci[kinship.FGA].String()) || !strings.Contains(st.Reading, "not a real population") {
			t.Fatalf("stored result %+v", st)
		}
		// A result that does not support the relationship cannot verify.
		weak, err := a.RecordDNAResult(ctx, ru, caseID, app.DNARequest{ChildSample: "LAB-C", References: []string{sampleID(t, a, ua, "LAB-F")}, Relationship: kinship.HalfSiblings, KinshipQuery: q})
		if err != nil {
			t.Fatal(err)
		}
		cv, err := a.Case(ctx, ru, caseID)
		if err != nil {
			t.Fatal(err)
		}
		if weak.Stored.LR > 1 {
			if _, err := a.MoveCase(ctx, ru, caseID, cv.Version, cases.IdentityVerified, cases.Input{Method: cases.MethodDNAKinship, DNAResultID: "00000000-0000-7000-8000-000000000000"}); !errors.As(err, &ve) {
				t.Fatalf("unknown result: %v", err)
			}
		} else if _, err := a.MoveCase(ctx, ru, caseID, cv.Version, cases.IdentityVerified, cases.Input{Method: cases.MethodDNAKinship, DNAResultID: weak.Stored.ID}); !errors.As(err, &ve) {
			t.Fatalf("a result with LR %v verified identity: %v", weak.Stored.LR, err)
		}
		var ie *cases.InputError
		if _, err := a.MoveCase(ctx, ru, caseID, cv.Version, cases.IdentityVerified, cases.Input{Method: cases.MethodDocuments, DNAResultID: st.ID}); !errors.As(err, &ie) || ie.Field != "dna_result_id" {
			t.Fatalf("a DNA result with the documents method: %v", err)
		}
		moved, err := a.MoveCase(ctx, ru, caseID, cv.Version, cases.IdentityVerified, cases.Input{Method: cases.MethodDNAKinship, DNAResultID: st.ID})
		if err != nil || moved.State != string(cases.IdentityVerified) {
			t.Fatalf("move: %+v %v", moved, err)
		}
		cv, _ = a.Case(ctx, ua, caseID)
		if last := cv.Events[len(cv.Events)-1]; !strings.Contains(last.Data, st.ID) {
			t.Errorf("the move's data does not name the DNA result: %s", last.Data)
		}
		results, err := a.CaseDNAResults(ctx, ua, caseID)
		if err != nil || len(results) != 2 || results[0].ID != st.ID {
			t.Fatalf("UA reads the case's DNA results: %v %v", results, err)
		}

		// The ledger has the DNA result act, with hashes and no genotype.
		leaves, err := a.LedgerEntries(ctx, ua, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, l := range leaves {
			text := string(l.Leaf)
			if strings.Contains(text, app.KindDNAResult) {
				found++
				if !strings.Contains(text, "dna_result:"+st.ID) && !strings.Contains(text, "dna_result:"+weak.Stored.ID) {
					t.Errorf("entry does not name the result: %s", text)
				}
			}
			for _, g := range []string{mother.String(), child.Loci[kinship.FGA].String(), "LAB-M"} {
				if strings.Contains(text, g) {
					t.Errorf("ledger entry holds %q: %s", g, text)
				}
			}
		}
		if found != 2 {
			t.Errorf("%d DNA result entries, want 2", found)
		}

		// Reads of genotypes are in the owner's audit trail.
		entries, err := a.Audit(ctx, ua, store.AuditFilter{Action: app.ActionKinshipRead})
		if err != nil {
			t.Fatal(err)
		}
		var byRU, denied int
		for _, e := range entries {
			if e.ActorOrg == ru.OrgID && e.Outcome == store.OutcomeOK {
				byRU++
			}
		}
		denials, _ := a.Audit(ctx, ru, store.AuditFilter{Action: app.ActionKinshipRead, Outcome: store.OutcomeDenied})
		denied = len(denials)
		if byRU != 1 || denied != 2 {
			t.Errorf("audit: %d reads by RU seen by UA (want 1), %d denied reads by RU (want 2)", byRU, denied)
		}
	})
}

// sampleID returns the id of an organisation's sample by its laboratory id.
func sampleID(t *testing.T, a *app.App, p access.Principal, lab string) string {
	t.Helper()
	var id string
	err := a.Store().InTx(context.Background(), func(tx *store.Tx) error {
		s, err := tx.KinshipSample(context.Background(), p.OrgID, lab)
		id = s.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
