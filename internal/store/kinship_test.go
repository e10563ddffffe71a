package store_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func TestKinshipSamplesTablesResults(t *testing.T) {
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, m := mkOrg(t, s, "ua"), mkOrg(t, s, "ru"), mkOrg(t, s, "med")
		req := child(a.ID, "A-1", "Олександр", "Коваль")
		req.Kind, req.Sensitive = domain.KindRequest, domain.Sensitive{}
		kid := child(b.ID, "B-1", "Александр", "Коваль")
		tx(t, s, func(tx *store.Tx) error { return tx.InsertRecords(ctx, actor, []*domain.Record{req, kid}) })

		sample := func(org, ext, rec, kind, rel string) *store.KinshipSample {
			return &store.KinshipSample{ID: store.NewKinshipSampleID(), OrgID: org, ExternalID: ext, RecordID: rec, RecordKind: kind,
				Relationship: rel, Label: rel, Loci: 20, KeyID: "k1", Sealed: []byte("sealed:" + ext), CreatedBy: "lab"}
		}
		mother, father := sample(a.ID, "LAB-M", req.ID, "request", "parent_child"), sample(a.ID, "LAB-F", req.ID, "request", "parent_child")
		kidSample := sample(b.ID, "LAB-C", kid.ID, "child", "self")
		tx(t, s, func(tx *store.Tx) error {
			return tx.InsertKinshipSamples(ctx, []*store.KinshipSample{mother, father, kidSample})
		})
		// A laboratory id is used once per organisation: every duplicate is named.
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertKinshipSamples(ctx, []*store.KinshipSample{sample(a.ID, "LAB-M", req.ID, "request", "parent_child"), sample(a.ID, "LAB-X", req.ID, "request", "full_siblings")})
		})
		var dup *store.DuplicateError
		if !errors.As(err, &dup) || !slices.Equal(dup.ExternalIDs, []string{"LAB-M"}) {
			t.Fatalf("duplicate: %v", err)
		}
		visible := func(org string, f store.SampleFilter) []string {
			t.Helper()
			f.VisibleTo = org
			var out []string
			tx(t, s, func(tx *store.Tx) error {
				ss, err := tx.KinshipSamples(ctx, f)
				for _, x := range ss {
					out = append(out, x.ExternalID)
				}
				return err
			})
			slices.Sort(out)
			return out
		}
		// Each organisation sees its own samples only…
		if got := visible(a.ID, store.SampleFilter{}); !slices.Equal(got, []string{"LAB-F", "LAB-M"}) {
			t.Fatalf("A sees %v", got)
		}
		if got := visible(m.ID, store.SampleFilter{}); len(got) != 0 {
			t.Fatalf("the mediator sees %v before any list", got)
		}
		// …and those of records handed to it in a list.
		tx(t, s, func(tx *store.Tx) error {
			return tx.InsertList(ctx, &store.List{OrgID: a.ID, Kind: domain.KindRequest, SubmittedBy: "u", Recipients: []store.ListRecipient{{OrgID: m.ID}}}, []string{req.ID})
		})
		if got := visible(m.ID, store.SampleFilter{RecordKind: "request"}); !slices.Equal(got, []string{"LAB-F", "LAB-M"}) {
			t.Fatalf("the mediator sees %v after the list", got)
		}
		if got := visible(b.ID, store.SampleFilter{}); !slices.Equal(got, []string{"LAB-C"}) {
			t.Fatalf("B sees %v", got)
		}
		var got store.KinshipSample
		tx(t, s, func(tx *store.Tx) (err error) { got, err = tx.KinshipSample(ctx, b.ID, "LAB-C"); return err })
		if got.ID != kidSample.ID || string(got.Sealed) != "sealed:LAB-C" || got.Relationship != "self" || got.Loci != 20 {
			t.Fatalf("sample by lab id: %+v", got)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.KinshipSample(ctx, a.ID, "LAB-C"); return err }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another organisation's lab id: %v", err)
		}

		// Frequency tables: stored by name, rows back in order, names unique.
		h := &store.FrequencyTableRow{Name: "SIMULATED-1", OrgID: a.ID, Simulated: true, CreatedBy: "lab"}
		rows := []store.Frequency{{"D3S1358", "15", 0.25}, {"D3S1358", "16", 0.75}, {"D3S1358", "N", 500}}
		tx(t, s, func(tx *store.Tx) error { return tx.InsertFrequencyTable(ctx, h, rows) })
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertFrequencyTable(ctx, &store.FrequencyTableRow{Name: "SIMULATED-1", OrgID: a.ID}, rows)
		}); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("same name: %v", err)
		}
		tx(t, s, func(tx *store.Tx) error {
			h2, back, err := tx.FrequencyTable(ctx, "SIMULATED-1")
			if err != nil {
				return err
			}
			if !h2.Simulated || len(back) != 3 || back[2] != rows[2] {
				t.Errorf("table back: %+v %+v", h2, back)
			}
			ts, err := tx.FrequencyTables(ctx)
			if len(ts) != 1 {
				t.Errorf("tables %+v", ts)
			}
			return err
		})

		// A DNA result on a case.
		var cs store.Case
		tx(t, s, func(tx *store.Tx) error {
			if err := tx.ProposeCandidates(ctx, []store.Candidate{{RequestID: req.ID, ChildID: kid.ID, RequestOrg: a.ID, ChildOrg: b.ID, RequestVersion: 1, ChildVersion: 1, Probability: 0.9, Explanation: `{}`}}); err != nil {
				return err
			}
			c, err := tx.Candidates(ctx, store.CandidateFilter{OrgIDs: []string{a.ID}})
			if err != nil {
				return err
			}
			cs = store.Case{CandidateID: c[0].ID, RequestID: req.ID, ChildID: kid.ID, RequestOrg: a.ID, ChildOrg: b.ID, State: "confirmed", Category: "other", Turned18: "no"}
			return tx.InsertCase(ctx, &cs, store.CaseEvent{Actor: "u", ActorOrg: a.ID})
		})
		r := &store.KinshipResult{CaseID: cs.ID, OrgID: a.ID, ChildSample: kidSample.ID, ReferenceSamples: []string{mother.ID, father.ID}, Relationship: "trio",
			Hp: "hp", Hd: "hd", LR: 1.5e12, Loci: []string{"vWA", "FGA"}, FrequencyTable: "SIMULATED-1", Theta: 0.01, Prior: 0.5, Posterior: 1 - 1e-12,
			Reading: "The DNA is …", Detail: `[{"locus":"vWA","lr":10}]`, CreatedBy: "u"}
		tx(t, s, func(tx *store.Tx) error { return tx.InsertKinshipResult(ctx, r) })
		tx(t, s, func(tx *store.Tx) error {
			back, err := tx.KinshipResult(ctx, r.ID)
			if err != nil {
				return err
			}
			if back.LR != r.LR || !slices.Equal(back.ReferenceSamples, r.ReferenceSamples) || !slices.Equal(back.Loci, r.Loci) || math.Abs(back.Posterior-r.Posterior) > 1e-15 || back.Reading != r.Reading {
				t.Errorf("result back: %+v", back)
			}
			all, err := tx.KinshipResults(ctx, cs.ID)
			if len(all) != 1 {
				t.Errorf("results of the case: %d", len(all))
			}
			return err
		})
		// A party to the case sees the samples of both its records.
		if got := visible(b.ID, store.SampleFilter{}); !slices.Equal(got, []string{"LAB-C", "LAB-F", "LAB-M"}) {
			t.Fatalf("B, a party to the case, sees %v", got)
		}
	})
}
