package sharing

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// marked is a record with a distinct marker in every field a policy names.
func marked() domain.Record {
	return domain.Record{
		ID: "rec-1", Kind: domain.KindRequest, OrgID: "org-a", Version: 3, ExternalID: "EXT-names-of-owner",
		Person: domain.Person{
			Names:      []domain.Name{{Given: "MARK-names#", Family: "MARK-names-family#"}},
			Sex:        domain.SexFemale,
			BirthDate:  domain.MustParseFuzzyDate("2013-04-05"),
			BirthPlace: "MARK-birth_place#",
			LastHome:   domain.Place{Settlement: "MARK-last_home#"},
			Separation: domain.Separation{Place: "MARK-separation#"},
			Relatives:  []domain.Relative{{Relation: domain.RelationMother, Name: "MARK-relatives#"}},
			Features:   "MARK-distinguishing_features#",
			Notes:      "MARK-notes#",
		},
		Enquirer: &domain.Enquirer{Name: "MARK-enquirer#", Relation: domain.RelationMother},
		Sensitive: domain.Sensitive{
			EnquirerContact:  "MARK-enquirer_contact#",
			CurrentLocation:  "MARK-current_location#",
			CurrentCaregiver: "MARK-current_caregiver#",
			DocumentsHeld:    []string{"MARK-documents_held#"},
		},
	}
}

func shows(t *testing.T, r domain.Record, f Field) bool {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), "MARK-"+string(f)+"#")
}

func TestViewByStage(t *testing.T) {
	def := Default("org-a", "org-b")
	for _, c := range []struct {
		name   string
		policy Policy
		stage  Stage
		want   []Field
	}{
		{"default, listed", def, Listed, Identifying},
		{"default, handover", def, Handover, concat(Identifying, Sensitive)},
		{"owner", def, Owner, Fields},
		{"names only", Policy{Owner: "org-a", Viewer: "org-b", Listed: []Field{Names}}, Listed, []Field{Names}},
		{"features shared", Policy{Owner: "org-a", Viewer: "org-b", Listed: []Field{Names, Features, Enquirer}}, Listed, []Field{Names, Features, Enquirer}},
		// A policy stored wrongly still cannot put sensitive fields in lists.
		{"corrupt policy", Policy{Owner: "org-a", Viewer: "org-b", Listed: Fields}, Listed, concat(Identifying, Descriptive)},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := View(marked(), c.policy, c.stage)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range Fields {
				want := contains(c.want, f)
				if f == Sex || f == BirthDate {
					continue // no marker text; checked below
				}
				if got := shows(t, v, f); got != want {
					t.Errorf("%s shown %v, want %v", f, got, want)
				}
			}
			if got, want := v.Person.Sex != "", contains(c.want, Sex); got != want {
				t.Errorf("sex shown %v, want %v", got, want)
			}
			if got, want := !v.Person.BirthDate.IsZero(), contains(c.want, BirthDate); got != want {
				t.Errorf("birth date shown %v, want %v", got, want)
			}
			if c.stage != Owner && strings.Contains(mustJSON(t, v), "EXT-names-of-owner") {
				t.Error("the owner's own reference leaked")
			}
			if v.ID != "rec-1" || v.Version != 3 {
				t.Errorf("bookkeeping lost: %+v", v)
			}
		})
	}
	if _, err := View(marked(), def, Hidden); !errors.Is(err, ErrHidden) {
		t.Errorf("hidden record: err %v", err)
	}
}

// The owner's view needs no policy: the application looks none up for it.
func TestOwnerViewNeedsNoPolicy(t *testing.T) {
	for _, pol := range []Policy{{}, {Owner: "org-a", Viewer: "org-a"}, {Owner: "org-a", Viewer: "org-b", Listed: []Field{Names}}} {
		v, err := View(marked(), pol, Owner)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v, marked()) {
			t.Errorf("policy %+v: the owner sees %+v, not the whole record", pol, v)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		p     Policy
		field string
	}{
		{Policy{Owner: "a", Viewer: "b", Listed: []Field{Names, CurrentLocation}}, "listed[1]"},
		{Policy{Owner: "a", Viewer: "b", Listed: []Field{"shoe_size"}}, "listed[0]"},
		{Policy{Owner: "a", Viewer: "b", Handover: []Field{"x"}}, "handover[0]"},
		{Policy{Owner: "a", Viewer: "a"}, "viewer_organisation_id"},
		{Policy{Viewer: "b"}, "owner_organisation_id"},
	} {
		err := c.p.Validate()
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: %v, want an error naming %s", c.p, err, c.field)
		}
	}
	if err := Default("a", "b").Validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
}

func concat(a, b []Field) []Field { return append(append([]Field(nil), a...), b...) }

func contains(fs []Field, f Field) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
