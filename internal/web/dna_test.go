package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/kinship"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestCaseShowsDNAResultAndVerifiesByIt: a DNA result recorded on a case
// appears on the case page with its LR, hypotheses and loci, and the case
// worker verifies identity by it through the page's form.
func TestCaseShowsDNAResultAndVerifiesByIt(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	ctx := context.Background()
	ua, ru := access.Operator("test", w.orgs["ua"]), access.Operator("test", w.orgs["ru"])
	person := func(kind domain.Kind, ext, given string) domain.Record {
		return domain.Record{Kind: kind, ExternalID: ext, Person: domain.Person{Names: []domain.Name{{Given: given, Family: "Коваль"}},
			Sex: domain.SexMale, BirthDate: domain.MustParseFuzzyDate("2013-05-02")}}
	}
	req, err := w.app.CreateRecord(ctx, ua, person(domain.KindRequest, "REQ-1", "Олександр"))
	if err != nil {
		t.Fatal(err)
	}
	kid, err := w.app.CreateRecord(ctx, ru, person(domain.KindChild, "CH-1", "Александр"))
	if err != nil {
		t.Fatal(err)
	}
	tab := kinship.SimulateTable(5)
	if err := w.app.ImportFrequencyTable(ctx, ru, tab); err != nil {
		t.Fatal(err)
	}
	sim := kinship.NewSimulator(tab, 9, kinship.CODIS, kinship.DefaultMutation)
	mother, father := sim.Founder("LAB-M"), sim.Founder("LAB-F")
	child := sim.Child("LAB-C", &mother, &father)
	if _, err := w.app.ImportKinshipSamples(ctx, ua, []kinship.Profile{mother, father}, []app.SampleLink{
		{Sample: "LAB-M", Record: req.ID, Relationship: "mother"}, {Sample: "LAB-F", Record: req.ID, Relationship: "father"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.ImportKinshipSamples(ctx, ru, []kinship.Profile{child}, []app.SampleLink{{Sample: "LAB-C", Record: kid.ID}}); err != nil {
		t.Fatal(err)
	}
	var candID string
	err = w.app.Store().InTx(ctx, func(tx *store.Tx) error {
		ids, err := tx.ProposeCandidatesIDs(ctx, []store.Candidate{{RequestID: req.ID, ChildID: kid.ID, RequestOrg: ua.OrgID, ChildOrg: ru.OrgID,
			RequestVersion: 1, ChildVersion: 1, Probability: 0.8, Explanation: `{}`}})
		candID = ids[0]
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	w.app.DecideCandidate(ctx, ua, candID, true, "")
	d, err := w.app.DecideCandidate(ctx, ru, candID, true, "")
	if err != nil || d.Case == nil {
		t.Fatalf("case: %v", err)
	}
	var refs []string
	w.app.Store().InTx(ctx, func(tx *store.Tx) error {
		for _, lab := range []string{"LAB-M", "LAB-F"} {
			s, err := tx.KinshipSample(ctx, ua.OrgID, lab)
			if err != nil {
				return err
			}
			refs = append(refs, s.ID)
		}
		return nil
	})
	res, err := w.app.RecordDNAResult(ctx, ru, d.Case.ID, app.DNARequest{ChildSample: "LAB-C", References: refs,
		KinshipQuery: app.KinshipQuery{Table: tab.Name, Options: kinship.Options{Mutation: kinship.DefaultMutation}}})
	if err != nil {
		t.Fatal(err)
	}

	c := w.client()
	c.mustSignIn("officer@ru.test")
	code, body := c.get("/cases/" + d.Case.ID)
	if code != http.StatusOK || !strings.Contains(body, `id="dna"`) || !regexp.MustCompile(`DNA kinship results`).MatchString(body) {
		t.Fatalf("case page: %d", code)
	}
	if !strings.Contains(body, res.Stored.ID) || !strings.Contains(body, "Loci used") || strings.Contains(body, "No DNA result") {
		t.Fatalf("the DNA result is not on the case page:\n%.2000s", mainOf(body))
	}
	form := url.Values{"to": {"identity_verified"}, "version": {"1"}, "method": {"dna_kinship"}, "evidence": {"Trio STR test"}, "dna_result_id": {res.Stored.ID}}
	if code, body := c.post("/cases/"+d.Case.ID+"/move", form); code != http.StatusOK || !strings.Contains(body, `id="case-state">Identity verified<`) {
		t.Fatalf("verify by DNA: %d\n%.1500s", code, mainOf(body))
	}
}
