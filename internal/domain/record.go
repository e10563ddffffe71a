package domain

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Kind says which of the two record kinds a record is.
type Kind string

const (
	// KindChild is a child record: a child located or registered by a party.
	KindChild Kind = "child"
	// KindRequest is a tracing request: a search filed by a family member.
	KindRequest Kind = "request"
)

// Kinds lists the valid record kinds.
var Kinds = []Kind{KindChild, KindRequest}

// Record is a child record or a tracing request. The two share the person
// description that matching compares and differ in what surrounds it, so they
// are one type with a Kind: every later feature (lists, matching, cases,
// ledger) treats them alike.
type Record struct {
	ID    string `json:"id"`
	Kind  Kind   `json:"kind"`
	OrgID string `json:"organisation_id"`
	// ExternalID is the owning party's own reference for the record (the
	// interchange CSV's id column); unique per organisation and kind.
	ExternalID string `json:"external_id,omitempty"`
	// Version counts changes; an update names the version it read and fails
	// with a conflict if another change came first.
	Version int    `json:"version"`
	Person  Person `json:"person"`
	// Enquirer is who filed a tracing request (nil on child records).
	Enquirer *Enquirer `json:"enquirer,omitempty"`
	// Sensitive fields are stored apart from identifying ones: they say where
	// a child is now, so they are never shared for matching.
	Sensitive Sensitive `json:"sensitive,omitzero"`

	// Turned18 says whether the person has turned 18 since the
	// displacement (yes, no, possibly), as of the day it was read. It is
	// derived, never stored: reads fill it in (see TurnedEighteen).
	Turned18 Tristate `json:"turned_18,omitempty"`

	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	UpdatedAt time.Time  `json:"updated_at"`
	UpdatedBy string     `json:"updated_by"`
	Deleted   *Tombstone `json:"deleted,omitempty"`
}

// Enquirer is the family member who filed a tracing request. The contact
// details are in Sensitive.
type Enquirer struct {
	Name     string   `json:"name"`
	Relation Relation `json:"relation"`
}

// Sensitive holds the fields kept apart from the identifying ones.
type Sensitive struct {
	// Child records.
	CurrentLocation  string   `json:"current_location,omitempty"`
	CurrentCaregiver string   `json:"current_caregiver,omitempty"`
	DocumentsHeld    []string `json:"documents_held,omitempty"`
	// Tracing requests.
	EnquirerContact string `json:"enquirer_contact,omitempty"`
}

// IsZero reports whether no sensitive field is set.
func (s Sensitive) IsZero() bool {
	return s.CurrentLocation == "" && s.CurrentCaregiver == "" && len(s.DocumentsHeld) == 0 && s.EnquirerContact == ""
}

// Tombstone records a deletion. Deleted records keep their data: nothing in
// reunite is ever lost, and a deletion is itself a recorded act.
type Tombstone struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// Normalize cleans every text field (see Person.Normalize).
func (r *Record) Normalize() {
	r.ExternalID = Clean(r.ExternalID)
	r.Person.Normalize()
	if r.Enquirer != nil {
		r.Enquirer.Name = Clean(r.Enquirer.Name)
	}
	s := &r.Sensitive
	s.CurrentLocation, s.CurrentCaregiver, s.EnquirerContact = cleanText(s.CurrentLocation), cleanText(s.CurrentCaregiver), cleanText(s.EnquirerContact)
	for i := range s.DocumentsHeld {
		s.DocumentsHeld[i] = Clean(s.DocumentsHeld[i])
	}
}

// Limits on sizes, generous for real records and small enough that one
// hostile record cannot fill the database.
const (
	MaxShortText = 200
	MaxLongText  = 10_000
	MaxNames     = 20
	MaxRelatives = 50
	MaxDocuments = 50
)

// Validate checks the record as a whole and returns every problem found, each
// naming its field, or nil. today is the date against which dates in the
// future are refused.
func (r *Record) Validate(today Date) error {
	var v Validator
	if !slices.Contains(Kinds, r.Kind) {
		v.Add("kind", "must be one of %v", Kinds)
	}
	v.Text("external_id", r.ExternalID, MaxShortText)
	r.Person.validate(&v, "person.", today)
	if r.Enquirer != nil {
		if r.Kind != KindRequest {
			v.Add("enquirer", "only tracing requests have an enquirer")
		}
		v.Text("enquirer.name", r.Enquirer.Name, MaxShortText)
		if r.Enquirer.Relation != "" && !slices.Contains(Relations, r.Enquirer.Relation) {
			v.Add("enquirer.relation", "must be one of %v", Relations)
		}
	}
	s := r.Sensitive
	if r.Kind == KindRequest {
		for f, val := range map[string]string{"current_location": s.CurrentLocation, "current_caregiver": s.CurrentCaregiver} {
			if val != "" {
				v.Add("sensitive."+f, "only child records have this field")
			}
		}
		if len(s.DocumentsHeld) > 0 {
			v.Add("sensitive.documents_held", "only child records have this field")
		}
	}
	if r.Kind == KindChild && s.EnquirerContact != "" {
		v.Add("sensitive.enquirer_contact", "only tracing requests have this field")
	}
	v.Text("sensitive.current_location", s.CurrentLocation, MaxLongText)
	v.Text("sensitive.current_caregiver", s.CurrentCaregiver, MaxLongText)
	v.Text("sensitive.enquirer_contact", s.EnquirerContact, MaxLongText)
	if len(s.DocumentsHeld) > MaxDocuments {
		v.Add("sensitive.documents_held", "at most %d documents", MaxDocuments)
	}
	for i, d := range s.DocumentsHeld {
		v.Text(fmt.Sprintf("sensitive.documents_held[%d]", i), d, MaxShortText)
	}
	return v.Err()
}

func (p *Person) validate(v *Validator, prefix string, today Date) {
	if len(p.Names) == 0 {
		v.Add(prefix+"names", "at least one name is required")
	}
	if len(p.Names) > MaxNames {
		v.Add(prefix+"names", "at most %d names", MaxNames)
	}
	for i, n := range p.Names {
		if (n.Given != "" || n.Family != "") && textOK(n.Given, MaxShortText) && textOK(n.Patronymic, MaxShortText) && textOK(n.Family, MaxShortText) &&
			(n.Script == "" || slices.Contains(Scripts, n.Script)) && (n.Source == "" || slices.Contains(NameSources, n.Source)) {
			continue
		}
		f := fmt.Sprintf("%snames[%d].", prefix, i)
		if n.Given == "" && n.Family == "" {
			v.Add(f+"given", "a given or a family name is required")
		}
		v.Text(f+"given", n.Given, MaxShortText)
		v.Text(f+"patronymic", n.Patronymic, MaxShortText)
		v.Text(f+"family", n.Family, MaxShortText)
		if n.Script != "" && !slices.Contains(Scripts, n.Script) {
			v.Add(f+"script", "must be one of %v", Scripts)
		}
		if n.Source != "" && !slices.Contains(NameSources, n.Source) {
			v.Add(f+"source", "must be one of %v", NameSources)
		}
	}
	if err := p.BirthDate.Err(); err != nil {
		v.Add(prefix+"birth_date", "%v", err)
	}
	if err := p.Separation.Date.Err(); err != nil {
		v.Add(prefix+"separation.date", "%v", err)
	}
	if p.Sex != "" && !slices.Contains(Sexes, p.Sex) {
		v.Add(prefix+"sex", "must be one of %v", Sexes)
	}
	if !p.BirthDate.IsZero() && today.Before(p.BirthDate.Earliest) {
		v.Add(prefix+"birth_date", "%s is in the future", p.BirthDate)
	}
	sep := p.Separation.Date
	if !sep.IsZero() && today.Before(sep.Earliest) {
		v.Add(prefix+"separation.date", "%s is in the future", sep)
	}
	if !sep.IsZero() && !p.BirthDate.IsZero() && sep.Latest.Before(p.BirthDate.Earliest) {
		v.Add(prefix+"separation.date", "%s is before the birth date %s", sep, p.BirthDate)
	}
	if p.Separation.Category != "" && !slices.Contains(Categories, p.Separation.Category) {
		v.Add(prefix+"separation.category", "must be one of %v", Categories)
	}
	v.textAt(prefix, "birth_place", p.BirthPlace, MaxShortText)
	v.textAt(prefix, "last_home.settlement", p.LastHome.Settlement, MaxShortText)
	v.textAt(prefix, "last_home.oblast", p.LastHome.Oblast, MaxShortText)
	if c := p.LastHome.Country; c != "" && !isCountryCode(c) {
		v.Add(prefix+"last_home.country", "must be an ISO 3166-1 alpha-2 code such as UA, not %q", c)
	}
	v.textAt(prefix, "separation.place", p.Separation.Place, MaxShortText)
	if len(p.Relatives) > MaxRelatives {
		v.Add(prefix+"relatives", "at most %d relatives", MaxRelatives)
	}
	for i, r := range p.Relatives {
		if r.Name != "" && textOK(r.Name, MaxShortText) && slices.Contains(Relations, r.Relation) {
			continue
		}
		f := fmt.Sprintf("%srelatives[%d].", prefix, i)
		if !slices.Contains(Relations, r.Relation) {
			v.Add(f+"relation", "must be one of %v", Relations)
		}
		if r.Name == "" {
			v.Add(f+"name", "is required")
		}
		v.Text(f+"name", r.Name, MaxShortText)
	}
	v.textAt(prefix, "distinguishing_features", p.Features, MaxLongText)
	v.textAt(prefix, "notes", p.Notes, MaxLongText)
}

// FieldError is one problem with one field of an input.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Detail }

// ValidationError lists every problem found in one input.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 1 {
		return "invalid " + e.Fields[0].Error()
	}
	return fmt.Sprintf("invalid input: %s (and %d more)", e.Fields[0], len(e.Fields)-1)
}

// Validator collects field errors.
type Validator struct{ fields []FieldError }

// Add records a problem with field.
func (v *Validator) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{field, fmt.Sprintf(format, args...)})
}

// Text checks that s is valid UTF-8 of at most max characters.
func (v *Validator) Text(field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "is not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "is longer than %d characters", max)
	}
}

// Err returns a *ValidationError with every problem, or nil if there is none.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.fields}
}

func textOK(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max
}

func (v *Validator) textAt(prefix, name, s string, max int) {
	if !textOK(s, max) {
		v.Text(prefix+name, s, max)
	}
}

// isCountryCode reports whether s looks like an ISO 3166-1 alpha-2 code.
func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
