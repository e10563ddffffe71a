package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/kinship"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
)

// DNA kinship (issue 8). Genotypes are sensitive personal data:
//   - they are sealed at rest, like attachments, bound to their sample's row;
//   - they are read (KinshipProfile) only by the organisation that owns the
//     sample and by the parties of a case on the sample's record, each read
//     audited;
//   - a search compares a child's profile with the reference samples of
//     the tracing requests the organisation may see (its own and those
//     handed to it in lists), showing LRs, never the references' genotypes;
//   - a DNA result on a case is a cross-party act: the ledger gets a salted
//     hash of it, never a genotype.

// Audit actions and ledger kinds of DNA kinship.
const (
	ActionKinshipImport = "kinship.import"
	ActionKinshipTable  = "kinship.frequency_table"
	ActionKinshipRead   = "kinship.read"
	ActionKinshipSearch = "kinship.search"
	ActionKinshipResult = "kinship.result"
	KindDNAResult       = "dna.result"
)

// SelfRelationship links a sample to the child of a child record.
const SelfRelationship = "self"

// SampleLink says what record a laboratory sample belongs to.
type SampleLink struct {
	Sample string `json:"sample"` // the laboratory's sample id, as in the profiles file
	Record string `json:"record"` // the record's id or external id
	// Relationship is "self" for a child record; for a tracing request,
	// the family member's relationship to the child sought ("mother",
	// "father", "sister", "grandmother", "aunt", or a kinship.Relationship).
	Relationship string `json:"relationship"`
	Label        string `json:"label,omitempty"`
}

func sampleAD(id, org string) []byte {
	return []byte("reunite kinship sample\x00" + id + "\x00" + org)
}

// ImportKinshipSamples stores laboratory profiles, each linked to a record
// of p's organisation. It is all or nothing: every problem is reported and
// nothing is stored if there is one.
func (a *App) ImportKinshipSamples(ctx context.Context, p access.Principal, profiles []kinship.Profile, links []SampleLink) ([]store.KinshipSample, error) {
	if !p.Can(access.WriteRecords) || !p.Can(access.ReadSensitive) {
		return nil, ErrForbidden
	}
	if a.keys == nil {
		return nil, ErrNoKeys
	}
	byID := map[string]SampleLink{}
	var fields []domain.FieldError
	for i, l := range links {
		if _, dup := byID[l.Sample]; dup {
			fields = append(fields, domain.FieldError{Field: fmt.Sprintf("links[%d].sample", i), Detail: "sample " + l.Sample + " is linked twice"})
		}
		byID[l.Sample] = l
	}
	var out []store.KinshipSample
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		var rows []*store.KinshipSample
		var audit []store.AuditEntry
		for i, pr := range profiles {
			field := fmt.Sprintf("profiles[%d]", i)
			l, ok := byID[pr.ID]
			if !ok {
				fields = append(fields, domain.FieldError{Field: field, Detail: "sample " + pr.ID + " is not linked to a record"})
				continue
			}
			delete(byID, pr.ID)
			rec, err := a.ownRecord(ctx, tx, p, l.Record)
			if err != nil {
				fields = append(fields, domain.FieldError{Field: field, Detail: fmt.Sprintf("sample %s: %v", pr.ID, err)})
				continue
			}
			rel, label, err := sampleRelationship(rec.Kind, l.Relationship)
			if err != nil {
				fields = append(fields, domain.FieldError{Field: field, Detail: fmt.Sprintf("sample %s: %v", pr.ID, err)})
				continue
			}
			if l.Label != "" {
				label = domain.Clean(l.Label)
			}
			if len(pr.Typed()) == 0 {
				fields = append(fields, domain.FieldError{Field: field, Detail: "sample " + pr.ID + " has no typed locus"})
				continue
			}
			s := &store.KinshipSample{ID: store.NewKinshipSampleID(), OrgID: p.OrgID, ExternalID: pr.ID, RecordID: rec.ID, RecordKind: string(rec.Kind),
				Relationship: rel, Label: label, Loci: len(pr.Typed()), CreatedBy: p.ID}
			enc, err := pr.MarshalBinary()
			if err != nil {
				return err
			}
			if s.KeyID, s.Sealed, err = a.keys.Seal(enc, sampleAD(s.ID, s.OrgID)); err != nil {
				return err
			}
			rows = append(rows, s)
			e := auditOf(p, ActionKinshipImport, store.OutcomeOK, &rec)
			e.Detail = fmt.Sprintf("sample %s (%s, %d loci)", pr.ID, rel, s.Loci)
			audit = append(audit, e)
		}
		for id := range byID {
			fields = append(fields, domain.FieldError{Field: "links", Detail: "sample " + id + " is linked but not in the profiles"})
		}
		if len(fields) > 0 {
			slices.SortStableFunc(fields, func(x, y domain.FieldError) int { return strings.Compare(x.Field, y.Field) })
			return &domain.ValidationError{Fields: fields}
		}
		if err := tx.InsertKinshipSamples(ctx, rows); err != nil {
			return err
		}
		for _, s := range rows {
			s.Sealed = nil
			out = append(out, *s)
		}
		return tx.AppendAudit(ctx, audit...)
	})
	return out, err
}

// ownRecord finds a record of p's organisation by id or external id.
func (a *App) ownRecord(ctx context.Context, tx *store.Tx, p access.Principal, idOrExternal string) (domain.Record, error) {
	r, err := tx.Record(ctx, idOrExternal, false)
	if errors.Is(err, store.ErrNotFound) {
		for _, kind := range []domain.Kind{domain.KindChild, domain.KindRequest} {
			rs, ferr := tx.Records(ctx, store.RecordFilter{OrgIDs: []string{p.OrgID}, Kind: kind, ExternalID: idOrExternal, Limit: 1})
			if ferr != nil {
				return r, ferr
			}
			if len(rs) > 0 {
				return rs[0], nil
			}
		}
	}
	if err != nil || r.OrgID != p.OrgID || r.Deleted != nil {
		return domain.Record{}, fmt.Errorf("no record %q of this organisation", idOrExternal)
	}
	return r, nil
}

// sampleRelationship checks a link's relationship against the record's
// kind: a child record's sample is the child; a request's is a family
// member, whose relationship to the child sought is a kinship relationship.
// It returns the relationship and a label ("mother" stays the label of
// parent_child).
func sampleRelationship(kind domain.Kind, rel string) (string, string, error) {
	rel = strings.TrimSpace(rel)
	if kind == domain.KindChild {
		if rel == "" || strings.EqualFold(rel, SelfRelationship) || strings.EqualFold(rel, "child") {
			return SelfRelationship, "", nil
		}
		return "", "", fmt.Errorf("a child record's sample is the child (relationship %q), not %q", SelfRelationship, rel)
	}
	r, err := kinship.ParseRelationship(rel)
	if err != nil || r == kinship.Trio || r == kinship.TrioKnownParent {
		return "", "", fmt.Errorf("a tracing request's sample is a family member: the relationship %q must be a parent (mother, father), full_siblings, half_siblings, grandparent or aunt_uncle", rel)
	}
	label := ""
	if !strings.EqualFold(rel, string(r)) {
		label = strings.ToLower(rel)
	}
	return string(r), label, nil
}

// ImportFrequencyTable stores a laboratory's allele frequency table under
// its name. Frequencies are population statistics, not personal data:
// every user may use every table.
func (a *App) ImportFrequencyTable(ctx context.Context, p access.Principal, t *kinship.FrequencyTable) error {
	if !p.Can(access.ImportExport) {
		return ErrForbidden
	}
	if _, err := t.Check(); err != nil {
		return err
	}
	var rows []store.Frequency
	for _, l := range t.Loci() {
		if t.N[l] > 0 {
			rows = append(rows, store.Frequency{Locus: l.String(), Allele: "N", Frequency: float64(t.N[l])})
		}
	}
	t.Each(func(l kinship.Locus, al kinship.Allele, f float64) {
		rows = append(rows, store.Frequency{Locus: l.String(), Allele: al.String(), Frequency: f})
	})
	return a.store.InTx(ctx, func(tx *store.Tx) error {
		h := &store.FrequencyTableRow{Name: t.Name, OrgID: p.OrgID, Simulated: t.Simulated, MinFrequency: t.MinFrequency, CreatedBy: p.ID}
		if err := tx.InsertFrequencyTable(ctx, h, rows); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionKinshipTable, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("frequency table %q: %d loci, %d rows", t.Name, len(t.Loci()), len(rows))})
	})
}

// frequencyTable loads a stored table.
func frequencyTable(ctx context.Context, tx *store.Tx, name string) (*kinship.FrequencyTable, error) {
	h, rows, err := tx.FrequencyTable(ctx, name)
	if err != nil {
		return nil, err
	}
	t := kinship.NewFrequencyTable(h.Name)
	t.Simulated, t.MinFrequency = h.Simulated, h.MinFrequency
	for _, r := range rows {
		l, err := kinship.ParseLocus(r.Locus)
		if err != nil {
			return nil, fmt.Errorf("frequency table %s: %w", name, err)
		}
		if r.Allele == "N" {
			t.N[l] = int(r.Frequency)
			continue
		}
		al, err := kinship.ParseAllele(r.Allele)
		if err != nil {
			return nil, fmt.Errorf("frequency table %s, locus %s: %w", name, l, err)
		}
		t.Add(l, al, r.Frequency)
	}
	return t, nil
}

// openProfile unseals a sample's genotypes.
func (a *App) openProfile(s store.KinshipSample) (kinship.Profile, error) {
	if a.keys == nil {
		return kinship.Profile{}, ErrNoKeys
	}
	b, err := a.keys.Open(s.KeyID, s.Sealed, sampleAD(s.ID, s.OrgID))
	if err != nil {
		return kinship.Profile{}, fmt.Errorf("sample %s: %w", s.ExternalID, err)
	}
	p := kinship.Profile{ID: s.ExternalID}
	if err := p.UnmarshalBinary(b); err != nil {
		return p, fmt.Errorf("sample %s: %w", s.ExternalID, err)
	}
	return p, nil
}

// canReadGenotypes: the sample's owner, or a party to a case on its record.
func canReadGenotypes(ctx context.Context, tx *store.Tx, p access.Principal, s store.KinshipSample) (bool, error) {
	if !p.Can(access.ReadSensitive) {
		return false, nil
	}
	if s.OrgID == p.OrgID {
		return true, nil
	}
	cs, err := tx.Cases(ctx, store.CaseFilter{PartyOf: p.OrgID, RecordID: s.RecordID, Limit: 1})
	return len(cs) > 0, err
}

// readableSample finds a sample (by id, or by p's organisation's laboratory
// id) whose genotypes p may read; any other is not found.
func readableSample(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.KinshipSample, error) {
	s, err := tx.KinshipSample(ctx, p.OrgID, id)
	if err != nil {
		return s, err
	}
	ok, err := canReadGenotypes(ctx, tx, p, s)
	if err != nil {
		return s, err
	}
	if !ok {
		return store.KinshipSample{}, fmt.Errorf("sample %s: %w", id, store.ErrNotFound)
	}
	return s, nil
}

// KinshipProfile returns a sample's genotypes to its owner or a party of a
// case on its record; the read is audited.
func (a *App) KinshipProfile(ctx context.Context, p access.Principal, id string) (store.KinshipSample, kinship.Profile, error) {
	var s store.KinshipSample
	var pr kinship.Profile
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if s, err = readableSample(ctx, tx, p, id); err != nil {
			return err
		}
		if pr, err = a.openProfile(s); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionKinshipRead, Outcome: store.OutcomeOK,
			RecordID: s.RecordID, RecordOrg: s.OrgID, RecordKind: domain.Kind(s.RecordKind), Detail: "sample " + s.ExternalID})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionKinshipRead, "sample "+id)
	}
	s.Sealed = nil
	return s, pr, err
}

// KinshipQuery sets how likelihood ratios are computed: the stored
// frequency table and the options.
type KinshipQuery struct {
	Table   string          `json:"frequency_table"`
	Options kinship.Options `json:"options"`
}

func (q KinshipQuery) calculator(ctx context.Context, tx *store.Tx) (*kinship.Calculator, error) {
	t, err := frequencyTable(ctx, tx, q.Table)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &domain.ValidationError{Fields: []domain.FieldError{{Field: "frequency_table", Detail: fmt.Sprintf("no frequency table %q", q.Table)}}}
	}
	if err != nil {
		return nil, err
	}
	k, err := kinship.NewCalculator(t, q.Options)
	if err != nil {
		return nil, &domain.ValidationError{Fields: []domain.FieldError{{Field: "options", Detail: err.Error()}}}
	}
	return k, nil
}

// KinshipSearch compares a child's sample with every reference family p's
// organisation may search (the family members' samples of its own tracing
// requests and of those handed to it in lists), ranks the families by LR
// for their stated relationships, and combines each LR with the matching
// engine's probability for the pair (the request and the child's record)
// into a posterior: posterior odds = demographic odds × LR.
func (a *App) KinshipSearch(ctx context.Context, p access.Principal, childSample string, q KinshipQuery, o kinship.SearchOptions) ([]kinship.Hit, error) {
	var hits []kinship.Hit
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		cs, err := readableSample(ctx, tx, p, childSample)
		if err != nil {
			return err
		}
		child, err := a.openProfile(cs)
		if err != nil {
			return err
		}
		k, err := q.calculator(ctx, tx)
		if err != nil {
			return err
		}
		refs, err := tx.KinshipSamples(ctx, store.SampleFilter{VisibleTo: p.OrgID, RecordKind: string(domain.KindRequest)})
		if err != nil {
			return err
		}
		cands, err := tx.Candidates(ctx, store.CandidateFilter{OrgIDs: []string{cs.OrgID}, RecordID: cs.RecordID})
		if err != nil {
			return err
		}
		demographic := map[string]float64{}
		for _, c := range cands {
			if c.ChildID == cs.RecordID {
				demographic[c.RequestID] = c.Probability
			}
		}
		var families []kinship.Family
		for _, r := range refs {
			pr, err := a.openProfile(r)
			if err != nil {
				return err
			}
			if len(families) == 0 || families[len(families)-1].ID != r.RecordID {
				pd, ok := demographic[r.RecordID]
				families = append(families, kinship.Family{ID: r.RecordID, Demographic: pd, HasDemographic: ok})
			}
			f := &families[len(families)-1]
			f.Members = append(f.Members, kinship.Member{Profile: pr, Relationship: kinship.Relationship(r.Relationship), Label: r.Label})
		}
		if len(families) == 0 {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: "references", Detail: "no reference family this organisation may search"}}}
		}
		if hits, err = k.Search(child, families, o); err != nil {
			return err
		}
		entries := []store.AuditEntry{{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionKinshipSearch, Outcome: store.OutcomeOK,
			RecordID: cs.RecordID, RecordOrg: cs.OrgID, RecordKind: domain.Kind(cs.RecordKind),
			Detail: fmt.Sprintf("sample %s against %d reference families (table %s)", cs.ExternalID, len(families), q.Table)}}
		owners := map[string]string{}
		for _, r := range refs {
			owners[r.RecordID] = r.OrgID
		}
		for _, h := range hits { // the families shown: their records were read for this result
			entries = append(entries, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionKinshipSearch, Outcome: store.OutcomeOK,
				RecordID: h.Family, RecordOrg: owners[h.Family], RecordKind: domain.KindRequest,
				Detail: fmt.Sprintf("shown in a search for sample %s: LR %.3g", cs.ExternalID, h.LR)})
		}
		return tx.AppendAudit(ctx, entries...)
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionKinshipSearch, "sample "+childSample)
	}
	return hits, err
}

// DNARequest asks for a DNA result on a case: the child's sample (linked
// to the case's child record) against family members' samples (linked to
// its tracing request).
type DNARequest struct {
	ChildSample string   `json:"child_sample"`
	References  []string `json:"references"`
	// Relationship, if empty, follows from the references: two parents a
	// trio, one parent a duo, else the one reference's relationship.
	Relationship kinship.Relationship `json:"relationship,omitempty"`
	KinshipQuery
}

// DNAResult is a DNA result as recorded and as computed.
type DNAResult struct {
	Stored store.KinshipResult `json:"result"`
	Result kinship.Result      `json:"explanation"`
}

// RecordDNAResult computes the likelihood ratio of a case's DNA evidence
// and records it on the case, with the hypotheses, the loci used, the
// frequency table and the reading. It is then a verification method: move
// the case to identity_verified with method dna_kinship and its id.
func (a *App) RecordDNAResult(ctx context.Context, p access.Principal, caseID string, req DNARequest) (DNAResult, error) {
	if !canReadCases(p) || !p.Can(access.ReadSensitive) {
		return DNAResult{}, ErrForbidden
	}
	var out DNAResult
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := partyCase(ctx, tx, p, caseID)
		if err != nil {
			return err
		}
		invalid := func(field, format string, args ...any) error {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: field, Detail: fmt.Sprintf(format, args...)}}}
		}
		cs, err := readableSample(ctx, tx, p, req.ChildSample)
		if errors.Is(err, store.ErrNotFound) || err == nil && cs.RecordID != c.ChildID {
			return invalid("child_sample", "no sample %q of the case's child record", req.ChildSample)
		}
		if err != nil {
			return err
		}
		child, err := a.openProfile(cs)
		if err != nil {
			return err
		}
		fam := kinship.Family{ID: c.RequestID}
		var refIDs []string
		for i, id := range req.References {
			r, err := readableSample(ctx, tx, p, id)
			if errors.Is(err, store.ErrNotFound) || err == nil && r.RecordID != c.RequestID {
				return invalid(fmt.Sprintf("references[%d]", i), "no sample %q of the case's tracing request", id)
			}
			if err != nil {
				return err
			}
			pr, err := a.openProfile(r)
			if err != nil {
				return err
			}
			fam.Members = append(fam.Members, kinship.Member{Profile: pr, Relationship: kinship.Relationship(r.Relationship), Label: r.Label})
			refIDs = append(refIDs, r.ID)
		}
		if len(fam.Members) == 0 {
			return invalid("references", "at least one family member's sample is needed")
		}
		k, err := req.calculator(ctx, tx)
		if err != nil {
			return err
		}
		kc, err := dnaCase(child, fam, req.Relationship)
		if err != nil {
			return invalid("relationship", "%v", err)
		}
		res, err := k.Compute(kc)
		if err != nil {
			return invalid("references", "%v", err)
		}
		out.Result = res
		type locusDetail struct {
			Locus   kinship.Locus `json:"locus"`
			Formula string        `json:"formula"`
			LR      float64       `json:"lr"`
			Note    string        `json:"note,omitempty"`
		}
		detail := make([]locusDetail, len(res.Loci))
		loci := make([]string, len(res.Loci))
		for i, l := range res.Loci {
			detail[i] = locusDetail{l.Locus, l.Formula, l.LR, l.Note}
			loci[i] = l.Locus.String()
		}
		dj, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		out.Stored = store.KinshipResult{CaseID: c.ID, OrgID: p.OrgID, ChildSample: cs.ID, ReferenceSamples: refIDs, Relationship: string(res.Relationship),
			Hp: res.Hp, Hd: res.Hd, LR: res.LR, Loci: loci, FrequencyTable: res.Table, Theta: res.Options.Theta, Prior: res.Prior,
			Posterior: res.Posterior, Reading: res.Reading, Detail: string(dj), CreatedBy: p.ID}
		if err := tx.InsertKinshipResult(ctx, &out.Stored); err != nil {
			return err
		}
		// The ledger commits to the whole result (genotypes included) by a
		// salted hash; its detail is non-personal.
		h, err := a.hashJSON(ctx, tx, res)
		if err != nil {
			return err
		}
		if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: KindDNAResult, Subjects: append(subjects("case", c.ID), subjects("dna_result", out.Stored.ID)...), DataHashes: []string{h},
			Detail: map[string]string{"number": strconv.Itoa(c.Number), "relationship": string(res.Relationship), "loci": strconv.Itoa(len(loci)), "frequency_table": res.Table}}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionKinshipResult, Outcome: store.OutcomeOK,
			RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild,
			Detail: fmt.Sprintf("case %d: DNA result %s (%s, %d loci, table %s)", c.Number, out.Stored.ID, res.Relationship, len(loci), res.Table)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionKinshipResult, "case "+caseID)
	}
	return out, err
}

// dnaCase is the hypothesis a case's samples test: the one asked for, or
// the one the family's members give.
func dnaCase(child kinship.Profile, f kinship.Family, rel kinship.Relationship) (kinship.Case, error) {
	if rel == "" {
		c, _, err := f.Hypothesis(&child)
		return c, err
	}
	c := kinship.Case{Relationship: rel, Child: child, Relative: f.Members[len(f.Members)-1].Profile}
	switch {
	case rel == kinship.Trio || rel == kinship.TrioKnownParent:
		if len(f.Members) != 2 {
			return c, fmt.Errorf("a %s takes two reference samples, the parents (known or alleged first)", rel)
		}
		c.Other = &f.Members[0].Profile
	case len(f.Members) != 1:
		return c, fmt.Errorf("a %s takes one reference sample", rel)
	}
	return c, nil
}

// CaseDNAResults lists the DNA results recorded on a case, to its parties.
func (a *App) CaseDNAResults(ctx context.Context, p access.Principal, caseID string) ([]store.KinshipResult, error) {
	if !canReadCases(p) {
		return nil, ErrForbidden
	}
	var out []store.KinshipResult
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := partyCase(ctx, tx, p, caseID)
		if err != nil {
			return err
		}
		if out, err = tx.KinshipResults(ctx, c.ID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCaseRead, Outcome: store.OutcomeOK,
			RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d DNA results", c.Number)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionCaseRead, "case "+caseID)
	}
	return out, err
}
