package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

// CreateRecord stores a new record owned by p's organisation.
func (a *App) CreateRecord(ctx context.Context, p access.Principal, r domain.Record) (domain.Record, error) {
	if !p.Can(access.WriteRecords) {
		return r, ErrForbidden
	}
	r.OrgID = p.OrgID
	r.Normalize()
	if err := r.Validate(a.today()); err != nil {
		return r, err
	}
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.InsertRecords(ctx, actorOf(p), []*domain.Record{&r}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, auditOf(p, ActionCreate, store.OutcomeOK, &r))
	})
	if err == nil {
		a.rematch(ctx, []domain.Record{r})
	}
	return r, err
}

// loadVisible reads a record for p inside tx. A record p may not see is
// reported as not found (so that its existence is not revealed) and the
// attempt is audited as denied; the audit entry must outlive the refusal, so
// it is written in its own transaction by the caller (see deny).
//
// kind, if not "", is the kind the caller expects: a record of the other kind
// is not found, so that a child is never reached as a tracing request.
func loadVisible(ctx context.Context, tx *store.Tx, p access.Principal, kind domain.Kind, id string, withSensitive bool) (domain.Record, error) {
	r, err := tx.Record(ctx, id, withSensitive)
	if err != nil {
		return r, err
	}
	if kind != "" && r.Kind != kind {
		return domain.Record{}, fmt.Errorf("record %s: %w", id, store.ErrNotFound)
	}
	v, _, err := newViewer(p, tx).view(ctx, r)
	return v, err
}

// loadOwn reads a record p's organisation owns, for a change: any other,
// shared with it or not, is refused as not found and audited.
func loadOwn(ctx context.Context, tx *store.Tx, p access.Principal, kind domain.Kind, id string) (domain.Record, error) {
	r, err := tx.Record(ctx, id, true)
	if err != nil {
		return r, err
	}
	if kind != "" && r.Kind != kind {
		return domain.Record{}, fmt.Errorf("record %s: %w", id, store.ErrNotFound)
	}
	if !p.CanChangeRecord(&r) {
		return r, &deniedError{record: r}
	}
	return r, nil
}

// deniedError carries the record a principal tried to reach, so that the
// denial can be audited against it.
type deniedError struct{ record domain.Record }

func (e *deniedError) Error() string { return "record not visible to this organisation" }

// finish writes the audit entry for a denied attempt in a transaction of its
// own (the attempt's transaction was rolled back) and turns the error into
// the uniform not found.
func (a *App) finish(ctx context.Context, p access.Principal, action string, err error) error {
	var d *deniedError
	if !errors.As(err, &d) {
		return err
	}
	e := auditOf(p, action, store.OutcomeDenied, &d.record)
	if aerr := a.store.InTx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(ctx, e) }); aerr != nil {
		return aerr
	}
	a.log.Warn("access denied", "actor", p.ID, "org", p.OrgID, "action", action, "record", d.record.ID)
	return fmt.Errorf("record %s: %w", d.record.ID, store.ErrNotFound)
}

// Record returns one record of the given kind ("" for either) as p may see it.
func (a *App) Record(ctx context.Context, p access.Principal, kind domain.Kind, id string) (domain.Record, error) {
	if !p.Can(access.ReadRecords) {
		return domain.Record{}, ErrForbidden
	}
	var r domain.Record
	err := a.store.ReadTx(ctx, func(tx *store.Tx) (err error) {
		r, err = loadVisible(ctx, tx, p, kind, id, true)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, auditOf(p, ActionRead, store.OutcomeOK, &r))
	})
	if err != nil {
		// Nothing read is handed out without its audit.
		return domain.Record{}, a.finish(ctx, p, ActionRead, err)
	}
	return r, nil
}

// UpdateRecord replaces a record's description if r.Version is current.
// r.Kind, if set, must be the record's kind.
func (a *App) UpdateRecord(ctx context.Context, p access.Principal, r domain.Record) (domain.Record, error) {
	if !p.Can(access.WriteRecords) {
		return r, ErrForbidden
	}
	r.Normalize()
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadOwn(ctx, tx, p, r.Kind, r.ID)
		if err != nil {
			return err
		}
		r.Kind, r.OrgID = cur.Kind, cur.OrgID // fixed at creation
		if err := r.Validate(a.today()); err != nil {
			return err
		}
		if err := tx.UpdateRecord(ctx, actorOf(p), &r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, auditOf(p, ActionUpdate, store.OutcomeOK, &r))
	})
	if err == nil {
		a.rematch(ctx, []domain.Record{r})
	}
	return r, a.finish(ctx, p, ActionUpdate, err)
}

// DeleteRecord makes a record a tombstone if version is current.
func (a *App) DeleteRecord(ctx context.Context, p access.Principal, kind domain.Kind, id string, version int, reason string) error {
	if !p.Can(access.WriteRecords) {
		return ErrForbidden
	}
	reason = domain.Clean(reason)
	if reason == "" {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "reason", Detail: "a reason for the deletion is required"}}}
	}
	var deleted domain.Record
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := loadOwn(ctx, tx, p, kind, id); err != nil {
			return err
		}
		r, err := tx.DeleteRecord(ctx, actorOf(p), id, version, reason)
		if err != nil {
			return err
		}
		deleted = r
		e := auditOf(p, ActionDelete, store.OutcomeOK, &r)
		e.Detail = reason
		return tx.AppendAudit(ctx, e)
	})
	if err == nil {
		a.rematch(ctx, []domain.Record{deleted})
	}
	return a.finish(ctx, p, ActionDelete, err)
}

// Revisions returns every version of a record p may see.
func (a *App) Revisions(ctx context.Context, p access.Principal, kind domain.Kind, id string) ([]store.Revision, error) {
	if !p.Can(access.ReadRecords) {
		return nil, ErrForbidden
	}
	var revs []store.Revision
	err := a.store.ReadTx(ctx, func(tx *store.Tx) error {
		cur, err := loadVisible(ctx, tx, p, kind, id, false)
		if err != nil {
			return err
		}
		if revs, err = tx.Revisions(ctx, id); err != nil {
			return err
		}
		v := newViewer(p, tx)
		for i := range revs {
			if revs[i].Record, _, err = v.view(ctx, revs[i].Record); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, auditOf(p, ActionRevisions, store.OutcomeOK, &cur))
	})
	if err != nil {
		return nil, a.finish(ctx, p, ActionRevisions, err)
	}
	return revs, nil
}

// scopeOwners limits f to the owners whose records p may see. f.OrgIDs, if
// set, may only name such owners: naming another is refused and audited.
func (a *App) scopeOwners(ctx context.Context, p access.Principal, f *store.RecordFilter, action string) error {
	visible := p.VisibleOwners()
	for _, o := range f.OrgIDs {
		if !slices.Contains(visible, o) {
			e := store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: action, Outcome: store.OutcomeDenied, RecordOrg: o,
				Detail: "asked for the records of an organisation it may not see"}
			if err := a.store.InTx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
				return err
			}
			return ErrForbidden
		}
	}
	if len(f.OrgIDs) == 0 {
		f.OrgIDs = visible
	}
	return nil
}

// viewAll replaces each record by what p may see of it, leaving out those
// it may not see or that answer f only through withheld fields.
//
// A record left out because the filter asked about a field withheld from p
// is audited as a denied search: the owner's auditors see who tried.
func viewAll(ctx context.Context, v *viewer, recs []domain.Record, f store.RecordFilter) ([]domain.Record, error) {
	out := recs[:0]
	var refused []store.AuditEntry
	for _, r := range recs {
		view, stage, err := v.view(ctx, r)
		var d *deniedError
		if errors.As(err, &d) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if f.Turned18 != "" && view.Turned18 != f.Turned18 {
			continue // not a refusal: the record is not one asked for
		}
		if !matchesFilter(view, stage, f) {
			e := auditOf(v.p, ActionList, store.OutcomeDenied, &r)
			e.Detail = "search on a field the sharing policy withholds"
			refused = append(refused, e)
			continue
		}
		out = append(out, view)
	}
	return out, v.tx.AppendAudit(ctx, refused...)
}

// searchedFields names the fields a filter searches records by, "" for a
// plain listing.
func searchedFields(f store.RecordFilter) string {
	var by []string
	for _, c := range []struct {
		name string
		set  bool
	}{
		{"family_name", f.FamilyPrefix != ""}, {"given_name", f.GivenPrefix != ""}, {"id", f.ExternalID != ""},
		{"sex", f.Sex != ""}, {"category", f.Category != ""}, {"born_from", f.BornFrom != ""}, {"born_to", f.BornTo != ""},
		{"turned_18", f.Turned18 != ""},
	} {
		if c.set {
			by = append(by, c.name)
		}
	}
	return strings.Join(by, ", ")
}

// MaxPage is the largest page of records a list returns.
const MaxPage = 500

// ListRecords returns one page of the records p may see that match f, and
// the cursor of the next page ("" on the last page). The page is audited
// as one act naming every record listed (auditShown).
func (a *App) ListRecords(ctx context.Context, p access.Principal, f store.RecordFilter) ([]domain.Record, string, error) {
	if !p.Can(access.ReadRecords) {
		return nil, "", ErrForbidden
	}
	if err := a.scopeOwners(ctx, p, &f, ActionList); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = MaxPage
	}
	limit := f.Limit
	f.Limit++ // one more tells whether there is a next page
	f.SharedWith = p.OrgID
	var recs []domain.Record
	more, last := false, ""
	err := a.store.ReadTx(ctx, func(tx *store.Tx) (err error) {
		if recs, err = tx.Records(ctx, f); err != nil {
			return err
		}
		if more = len(recs) > limit; more {
			recs = recs[:limit]
		}
		if len(recs) > 0 {
			last = recs[len(recs)-1].ID // before viewAll leaves any out
		}
		if recs, err = viewAll(ctx, newViewer(p, tx), recs, f); err != nil {
			return err
		}
		entries := auditShown(p, ActionList, "", pointers(recs))
		if by := searchedFields(f); by != "" {
			// The search itself, found or not: which fields were searched
			// and how much was found, never the terms (a name searched
			// for is personal data, and the trail is kept for good).
			entries = append(entries, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionSearch, Outcome: store.OutcomeOK,
				RecordKind: f.Kind, Detail: fmt.Sprintf("by %s; %d found", by, len(recs))})
		}
		return tx.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		next = last
	}
	return recs, next, nil
}
