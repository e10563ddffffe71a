package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store"
)

// handoverStates are the case states from which the parties of a case see
// the fields a policy keeps for handover.
var handoverStates = []string{"handover_planned", "reunited", "follow_up", "closed"}

// viewer applies the sharing policy for one principal within one
// transaction. Every read of a record in this package goes through it:
// it is the one place the policy is enforced.
type viewer struct {
	p        access.Principal
	tx       *store.Tx
	today    domain.Date
	policies map[string]sharing.Policy // by owner
}

func newViewer(p access.Principal, tx *store.Tx) *viewer {
	return &viewer{p: p, tx: tx, today: domain.DateOf(tx.Now()), policies: map[string]sharing.Policy{}}
}

// stage is how far p's organisation may see r.
func (v *viewer) stage(ctx context.Context, r *domain.Record) (sharing.Stage, error) {
	if r.OrgID == v.p.OrgID {
		return sharing.Owner, nil
	}
	cases, err := v.tx.Cases(ctx, store.CaseFilter{PartyOf: v.p.OrgID, RecordID: r.ID})
	if err != nil {
		return sharing.Hidden, err
	}
	for _, c := range cases {
		if slices.Contains(handoverStates, c.State) {
			return sharing.Handover, nil
		}
	}
	shared, err := v.tx.SharedWith(ctx, r.ID, v.p.OrgID)
	if err != nil || !shared {
		return sharing.Hidden, err
	}
	return sharing.Listed, nil
}

func (v *viewer) policy(ctx context.Context, owner string) (sharing.Policy, error) {
	if pol, ok := v.policies[owner]; ok {
		return pol, nil
	}
	pol, err := v.tx.SharingPolicy(ctx, owner, v.p.OrgID)
	if err == nil {
		v.policies[owner] = pol
	}
	return pol, err
}

// view returns what p may see of r, or a *deniedError if nothing. The
// principal's roles narrow it further: without records:sensitive no
// sensitive field is shown, even of its own organisation's records.
func (v *viewer) view(ctx context.Context, r domain.Record) (domain.Record, sharing.Stage, error) {
	if !v.p.Can(access.ReadRecords) {
		return domain.Record{}, sharing.Hidden, &deniedError{record: r}
	}
	stage, err := v.stage(ctx, &r)
	if err != nil {
		return domain.Record{}, stage, err
	}
	// The owner sees its records whole whatever a policy says (sharing.View
	// reads no policy for it), so none is looked up: a query saved for
	// each page and record an organisation reads of its own.
	var pol sharing.Policy
	if stage != sharing.Owner {
		if pol, err = v.policy(ctx, r.OrgID); err != nil {
			return domain.Record{}, stage, err
		}
	}
	out, err := sharing.View(r, pol, stage)
	if errors.Is(err, sharing.ErrHidden) {
		return domain.Record{}, stage, &deniedError{record: r}
	}
	if !v.p.Can(access.ReadSensitive) {
		out.Sensitive = domain.Sensitive{}
	}
	if !out.Person.BirthDate.IsZero() {
		// Derived from what the viewer sees, so it tells nothing more.
		out.Turned18 = domain.TurnedEighteen(out.Person.BirthDate, out.Person.Separation.Date, v.today)
	}
	return out, stage, err
}

// shown returns what p may see of r, or nil if the policy shares none of
// it: for pages that show a record when it is shared and otherwise go on
// without it (a pair's other side, a list's records, a case's records).
func (v *viewer) shown(ctx context.Context, r domain.Record) (*domain.Record, error) {
	view, _, err := v.view(ctx, r)
	var d *deniedError
	if errors.As(err, &d) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// matchesFilter reports whether a record p sees only in part still answers
// f on the fields it sees. A filter on a field the policy withholds must not
// tell whether a hidden value matches, so such records are left out.
func matchesFilter(v domain.Record, stage sharing.Stage, f store.RecordFilter) bool {
	if stage == sharing.Owner {
		return true
	}
	switch {
	case f.ExternalID != "": // the owner's own reference is never shared
		return false
	case (f.FamilyPrefix != "" || f.GivenPrefix != "" || strings.TrimSpace(f.Name) != "") && len(v.Person.Names) == 0:
		return false
	case f.Sex != "" && v.Person.Sex == "":
		return false
	case (f.BornFrom != "" || f.BornTo != "") && v.Person.BirthDate.IsZero():
		return false
	case f.Category != "" && v.Person.Separation.Category == "":
		return false
	}
	return true
}
