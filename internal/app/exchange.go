package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Audit actions of the exchange.
const (
	ActionPolicySet     = "sharing.policy.set"
	ActionListSubmit    = "list.submit"
	ActionListAck       = "list.acknowledge"
	ActionListRead      = "list.read"
	ActionVote          = "match.vote"
	ActionCaseOpen      = "case.open"
	ActionCaseMove      = "case.transition"
	ActionCaseRead      = "case.read"
	ActionMessage       = "case.message"
	ActionAttachmentAdd = "case.attachment.add"
	ActionAttachmentGet = "case.attachment.read"
)

// SharingPolicy returns the policy for owner's records seen by viewer.
// The mediator's admins see every policy; others see those that concern
// their own organisation.
func (a *App) SharingPolicy(ctx context.Context, p access.Principal, owner, viewer string) (sharing.Policy, error) {
	var pol sharing.Policy
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		o, v, err := orgPair(ctx, tx, owner, viewer)
		if err != nil {
			return err
		}
		if !p.Can(access.ManageOrgs) && p.OrgID != o.ID && p.OrgID != v.ID {
			return fmt.Errorf("sharing policy: %w", store.ErrNotFound)
		}
		pol, err = tx.SharingPolicy(ctx, o.ID, v.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, "sharing.policy.read", owner+" → "+viewer)
	}
	return pol, err
}

func orgPair(ctx context.Context, tx *store.Tx, owner, viewer string) (domain.Organisation, domain.Organisation, error) {
	o, err := tx.Org(ctx, owner)
	if err != nil {
		return o, domain.Organisation{}, err
	}
	v, err := tx.Org(ctx, viewer)
	return o, v, err
}

// SetSharingPolicy sets what viewer's users see of owner's records. Only the
// mediator's admins set policies: the mediator holds the channel between the
// parties. The change is audited with both field lists.
func (a *App) SetSharingPolicy(ctx context.Context, p access.Principal, pol sharing.Policy) (sharing.Policy, error) {
	if !p.Can(access.ManageOrgs) {
		return pol, ErrForbidden
	}
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		o, v, err := orgPair(ctx, tx, pol.Owner, pol.Viewer)
		if err != nil {
			return err
		}
		pol.Owner, pol.Viewer, pol.Default = o.ID, v.ID, false
		if err := tx.SetSharingPolicy(ctx, pol, p.ID); err != nil {
			return err
		}
		// Field names only: a policy holds no personal data.
		if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: ledger.KindSharingPolicyChanged, Subjects: subjects("org", o.ID, v.ID),
			Detail: map[string]string{"listed": joinFields(pol.Listed), "handover": joinFields(pol.Handover)}}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionPolicySet, Outcome: store.OutcomeOK,
			RecordOrg: o.ID, Detail: fmt.Sprintf("%s → %s: listed %v, handover %v", o.Slug, v.Slug, pol.Listed, pol.Handover)})
	})
	return pol, err
}

// ListSubmission is a list a party hands over.
type ListSubmission struct {
	Kind       domain.Kind `json:"kind"`
	RecordIDs  []string    `json:"record_ids"`
	Recipients []string    `json:"recipients"` // organisation ids or slugs
	Note       string      `json:"note,omitempty"`
}

// SubmitList hands a list of p's organisation's records to other
// organisations (the mediator and the other party). From then on the
// recipients see the records as the sharing policy allows, and the records
// take part in cross-party matching.
func (a *App) SubmitList(ctx context.Context, p access.Principal, s ListSubmission) (store.List, error) {
	if !p.Can(access.ImportExport) {
		return store.List{}, ErrForbidden
	}
	l := store.List{OrgID: p.OrgID, Kind: s.Kind, SubmittedBy: p.ID, Note: domain.Clean(s.Note)}
	var fields []domain.FieldError
	if !slices.Contains(domain.Kinds, s.Kind) {
		fields = append(fields, domain.FieldError{Field: "kind", Detail: "must be child or request"})
	}
	if len(s.Recipients) == 0 {
		fields = append(fields, domain.FieldError{Field: "recipients", Detail: "a list goes to at least one organisation"})
	}
	if len(fields) > 0 {
		return l, &domain.ValidationError{Fields: fields}
	}
	var recs []domain.Record
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		l.Recipients = l.Recipients[:0]
		for i, r := range s.Recipients {
			o, err := tx.Org(ctx, r)
			if errors.Is(err, store.ErrNotFound) || err == nil && o.ID == p.OrgID {
				return &domain.ValidationError{Fields: []domain.FieldError{{Field: fmt.Sprintf("recipients[%d]", i), Detail: fmt.Sprintf("no other organisation %q", r)}}}
			}
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(l.Recipients, func(x store.ListRecipient) bool { return x.OrgID == o.ID }) {
				l.Recipients = append(l.Recipients, store.ListRecipient{OrgID: o.ID})
			}
		}
		if err := tx.InsertList(ctx, &l, slices.Clone(s.RecordIDs)); err != nil {
			return err
		}
		ids, err := tx.ListRecordIDs(ctx, l.ID)
		if err != nil {
			return err
		}
		recs = recs[:0]
		entries := []store.AuditEntry{{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionListSubmit, Outcome: store.OutcomeOK, RecordOrg: p.OrgID,
			Detail: fmt.Sprintf("list %d: %d %s records to %s", l.Number, l.Count, l.Kind, recipientIDs(l))}}
		for _, id := range ids {
			r, err := tx.Record(ctx, id, false)
			if err != nil {
				return err
			}
			recs = append(recs, r)
			e := auditOf(p, ActionListSubmit, store.OutcomeOK, &r)
			e.Detail = fmt.Sprintf("in list %d", l.Number)
			entries = append(entries, e)
		}
		if err := a.recordList(ctx, tx, p, l, recs); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entries...)
	})
	if err != nil {
		// A refused list is audited: it may be an attempt to hand over
		// records that are not the party's own.
		a.denyQuietly(ctx, p, ActionListSubmit, "refused: "+err.Error())
	}
	if err == nil {
		// Now that the other party has them, the records may be proposed
		// against its records. A short list is matched before the call
		// returns; a long one in the background, as an import is.
		if len(recs) <= 1000 {
			a.rematch(ctx, recs)
		} else {
			go a.rematch(context.WithoutCancel(ctx), recs)
		}
	}
	return l, err
}

// recordList records a submitted list: its recipients, and one commitment
// to every record in it as handed over (id, version and person), so that
// what was in the list can be shown later without the ledger holding it.
func (a *App) recordList(ctx context.Context, tx *store.Tx, p access.Principal, l store.List, recs []domain.Record) error {
	parts := make([]any, 0, len(recs))
	for i := range recs {
		r := &recs[i]
		parts = append(parts, struct {
			ID      string        `json:"id"`
			Version int           `json:"version"`
			Person  domain.Person `json:"person"`
		}{r.ID, r.Version, r.Person})
	}
	h, err := a.hashJSON(ctx, tx, parts...)
	if err != nil {
		return err
	}
	subj := subjects("list", l.ID)
	for _, r := range l.Recipients {
		subj = append(subj, "org:"+r.OrgID)
	}
	return a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: ledger.KindListSubmitted, Subjects: subj, DataHashes: []string{h},
		Detail: map[string]string{"number": strconv.Itoa(l.Number), "kind": string(l.Kind), "count": strconv.Itoa(l.Count)}})
}

func recipientIDs(l store.List) string {
	var ids []string
	for _, r := range l.Recipients {
		ids = append(ids, r.OrgID)
	}
	return strings.Join(ids, ", ")
}

// Lists returns the lists p's organisation submitted or received.
func (a *App) Lists(ctx context.Context, p access.Principal) ([]store.List, error) {
	if !p.Can(access.ReadRecords) {
		return nil, ErrForbidden
	}
	var ls []store.List
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) { ls, err = tx.Lists(ctx, p.OrgID); return err })
	return ls, err
}

// List returns one list p's organisation submitted or received, and the
// records in it as p may see them (each audited as read).
func (a *App) List(ctx context.Context, p access.Principal, id string) (store.List, []domain.Record, error) {
	if !p.Can(access.ReadRecords) {
		return store.List{}, nil, ErrForbidden
	}
	var l store.List
	var recs []domain.Record
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if l, err = visibleList(ctx, tx, p, id); err != nil {
			return err
		}
		ids, err := tx.ListRecordIDs(ctx, id)
		if err != nil {
			return err
		}
		v := newViewer(p, tx)
		recs = recs[:0]
		var entries []store.AuditEntry
		for _, rid := range ids {
			r, err := tx.Record(ctx, rid, true)
			if err != nil {
				return err
			}
			view, err := v.shown(ctx, r)
			if err != nil {
				return err
			}
			if view == nil {
				continue
			}
			recs = append(recs, *view)
			e := auditOf(p, ActionRead, store.OutcomeOK, view)
			e.Detail = fmt.Sprintf("list %d", l.Number)
			entries = append(entries, e)
		}
		return tx.AppendAudit(ctx, entries...)
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionListRead, "list "+id)
	}
	return l, recs, err
}

// visibleList reads a list p's organisation submitted or received; any
// other is not found.
func visibleList(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.List, error) {
	l, err := tx.List(ctx, id)
	if err != nil {
		return l, err
	}
	if l.OrgID == p.OrgID || slices.ContainsFunc(l.Recipients, func(r store.ListRecipient) bool { return r.OrgID == p.OrgID }) {
		return l, nil
	}
	return store.List{}, fmt.Errorf("list %s: %w", id, store.ErrNotFound)
}

// AcknowledgeList records that p's organisation received a list.
func (a *App) AcknowledgeList(ctx context.Context, p access.Principal, id string) (store.List, error) {
	if !p.Can(access.ReadRecords) {
		return store.List{}, ErrForbidden
	}
	var l store.List
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if err = tx.AcknowledgeList(ctx, id, p.OrgID, p.ID); err != nil {
			return err
		}
		if l, err = tx.List(ctx, id); err != nil {
			return err
		}
		if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: ledger.KindListAcknowledged, Subjects: subjects("list", l.ID),
			Detail: map[string]string{"number": strconv.Itoa(l.Number), "owner": l.OrgID}}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionListAck, Outcome: store.OutcomeOK,
			RecordOrg: l.OrgID, Detail: fmt.Sprintf("list %d of %s", l.Number, l.OrgID)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionListAck, "list "+id)
	}
	return l, err
}

// AuditRefusal records that p was refused what it asked (what says what:
// a method and path, say), in a transaction of its own. The API calls it
// for every request refused for want of a role or scope.
func (a *App) AuditRefusal(ctx context.Context, p access.Principal, action, what string) {
	a.denyQuietly(ctx, p, action, what)
}

// denyQuietly audits a refused attempt on something that is not a record
// (a list, a case, a candidate), in its own transaction.
func (a *App) denyQuietly(ctx context.Context, p access.Principal, action, what string) {
	e := store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: action, Outcome: store.OutcomeDenied, Detail: what}
	if err := a.store.InTx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
		a.log.Error("auditing a denied attempt", "err", err)
	}
}

// eligible says whether a pair of records may be proposed for review: both
// of one organisation, or each listed to the other's owner. Records not yet
// handed over stay out of cross-party matching.
func eligible(reqOrg, childOrg string, reqListed, childListed []string) bool {
	return reqOrg == childOrg || slices.Contains(reqListed, childOrg) && slices.Contains(childListed, reqOrg)
}
