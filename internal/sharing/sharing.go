// Package sharing decides which fields of one party's records the users of
// another party may see. It is the one place the sharing policy is applied:
// every read path of the application (API, CLI, exports, review queue,
// cases) asks View for the record it is about to show, and shows what comes
// back.
//
// A record is seen in one of three ways by another organisation. Not at all,
// until its owner submits it in a list the other organisation receives.
// Listed: the fields the owner's policy shares for matching. Handover: once
// a case about the record reaches handover planning, the parties of that
// case also see the fields the policy keeps for handover (where the child is
// now, who cares for them, how to reach the family). The owner always sees
// everything.
package sharing

import (
	"errors"
	"fmt"
	"slices"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Field is a part of a record a policy shares or withholds.
type Field string

// The fields of a record, as a policy names them.
const (
	Names      Field = "names"
	Sex        Field = "sex"
	BirthDate  Field = "birth_date"
	BirthPlace Field = "birth_place"
	LastHome   Field = "last_home"
	Separation Field = "separation"
	Relatives  Field = "relatives"
	Features   Field = "distinguishing_features"
	Notes      Field = "notes"
	Enquirer   Field = "enquirer" // who filed a tracing request, and their relation

	EnquirerContact  Field = "enquirer_contact"
	CurrentLocation  Field = "current_location"
	CurrentCaregiver Field = "current_caregiver"
	DocumentsHeld    Field = "documents_held"
)

// Identifying are the fields matching needs, shared by default once a record
// is in a list.
var Identifying = []Field{Names, Sex, BirthDate, BirthPlace, LastHome, Separation, Relatives}

// Descriptive are further fields an owner may choose to share in lists.
var Descriptive = []Field{Features, Notes, Enquirer}

// Sensitive are the fields that say where a child is now and how to reach
// the family. They are never shared in lists, only with the parties of a
// case from handover planning on.
var Sensitive = []Field{EnquirerContact, CurrentLocation, CurrentCaregiver, DocumentsHeld}

// Fields lists every field, in the order above.
var Fields = slices.Concat(Identifying, Descriptive, Sensitive)

// Policy says what the users of Viewer see of records owned by Owner.
type Policy struct {
	Owner  string `json:"owner_organisation_id"`
	Viewer string `json:"viewer_organisation_id"`
	// Listed are shared once a record is in a list Viewer receives.
	Listed []Field `json:"listed"`
	// Handover are shared, in addition, with Viewer when it is a party to
	// a case about the record that has reached handover planning.
	Handover []Field `json:"handover"`
	// Default is true for a pair no one has set a policy for.
	Default bool `json:"default,omitempty"`
}

// Default is the policy between two organisations until the mediator sets
// another: identifying fields in lists, sensitive ones at handover.
func Default(owner, viewer string) Policy {
	return Policy{Owner: owner, Viewer: viewer, Listed: slices.Clone(Identifying), Handover: slices.Clone(Sensitive), Default: true}
}

// Validate checks a policy: known fields only, and no sensitive field in
// lists (the rule of the exchange, not a setting).
func (p Policy) Validate() error {
	var errs []domain.FieldError
	if p.Owner == "" {
		errs = append(errs, domain.FieldError{Field: "owner_organisation_id", Detail: "required"})
	}
	if p.Viewer == "" {
		errs = append(errs, domain.FieldError{Field: "viewer_organisation_id", Detail: "required"})
	}
	if p.Owner != "" && p.Owner == p.Viewer {
		errs = append(errs, domain.FieldError{Field: "viewer_organisation_id", Detail: "an organisation always sees its own records"})
	}
	for i, f := range p.Listed {
		switch {
		case !slices.Contains(Fields, f):
			errs = append(errs, domain.FieldError{Field: fmt.Sprintf("listed[%d]", i), Detail: fmt.Sprintf("unknown field %q", f)})
		case slices.Contains(Sensitive, f):
			errs = append(errs, domain.FieldError{Field: fmt.Sprintf("listed[%d]", i), Detail: fmt.Sprintf("%s is never shared in lists, only at handover", f)})
		}
	}
	for i, f := range p.Handover {
		if !slices.Contains(Fields, f) {
			errs = append(errs, domain.FieldError{Field: fmt.Sprintf("handover[%d]", i), Detail: fmt.Sprintf("unknown field %q", f)})
		}
	}
	if len(errs) > 0 {
		return &domain.ValidationError{Fields: errs}
	}
	return nil
}

// Stage is how far another organisation's access to a record goes.
type Stage int

const (
	// Hidden: the record is not in any list the viewer received.
	Hidden Stage = iota
	// Listed: the record is in a list the viewer received.
	Listed
	// Handover: the viewer is a party to a case about the record at
	// handover planning or later.
	Handover
	// Owner: the viewer's organisation owns the record.
	Owner
)

// ErrHidden is returned by View for a record the viewer may not see at all.
var ErrHidden = errors.New("sharing: record not shared with this organisation")

// View returns what a viewer at stage sees of r under policy p: a copy
// holding only the fields shared, with the bookkeeping (id, kind, owner,
// version, times) kept so the record can be referred to. The owner sees r
// whole.
func View(r domain.Record, p Policy, stage Stage) (domain.Record, error) {
	switch stage {
	case Owner:
		return r, nil
	case Hidden:
		return domain.Record{}, ErrHidden
	}
	shown := map[Field]bool{}
	for _, f := range p.Listed {
		if !slices.Contains(Sensitive, f) { // even a corrupt policy cannot list these
			shown[f] = true
		}
	}
	if stage == Handover {
		for _, f := range p.Handover {
			shown[f] = true
		}
	}
	v := domain.Record{
		ID: r.ID, Kind: r.Kind, OrgID: r.OrgID, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Deleted: r.Deleted,
	}
	src, dst := &r.Person, &v.Person
	if shown[Names] {
		dst.Names = slices.Clone(src.Names)
	}
	if shown[Sex] {
		dst.Sex = src.Sex
	}
	if shown[BirthDate] {
		dst.BirthDate = src.BirthDate
	}
	if shown[BirthPlace] {
		dst.BirthPlace = src.BirthPlace
	}
	if shown[LastHome] {
		dst.LastHome = src.LastHome
	}
	if shown[Separation] {
		dst.Separation = src.Separation
	}
	if shown[Relatives] {
		dst.Relatives = slices.Clone(src.Relatives)
	}
	if shown[Features] {
		dst.Features = src.Features
	}
	if shown[Notes] {
		dst.Notes = src.Notes
	}
	if shown[Enquirer] && r.Enquirer != nil {
		e := *r.Enquirer
		v.Enquirer = &e
	}
	if shown[EnquirerContact] {
		v.Sensitive.EnquirerContact = r.Sensitive.EnquirerContact
	}
	if shown[CurrentLocation] {
		v.Sensitive.CurrentLocation = r.Sensitive.CurrentLocation
	}
	if shown[CurrentCaregiver] {
		v.Sensitive.CurrentCaregiver = r.Sensitive.CurrentCaregiver
	}
	if shown[DocumentsHeld] {
		v.Sensitive.DocumentsHeld = slices.Clone(r.Sensitive.DocumentsHeld)
	}
	return v, nil
}
