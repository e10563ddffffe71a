package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

func (s *Server) routeRecords() {
	s.page("GET /records/{kind}", s.records)
	s.page("GET /records/{kind}/new", s.newRecord)
	s.page("POST /records/{kind}/new", s.createRecord)
	s.page("GET /records/{kind}/{id}", s.record)
	s.page("GET /records/{kind}/{id}/edit", s.editRecord)
	s.page("POST /records/{kind}/{id}/edit", s.updateRecord)
	s.page("POST /records/{kind}/{id}/erase", s.eraseRecord)
}

// pageSize is how many records a list page shows.
const pageSize = 50

func kindOf(rq *request) (domain.Kind, error) {
	switch k := domain.Kind(rq.r.PathValue("kind")); k {
	case domain.KindChild, domain.KindRequest:
		return k, nil
	}
	return "", errNotFound
}

type recordsData struct {
	Kind     domain.Kind
	Query    url.Values
	Q        string
	Records  []domain.Record
	Next     string
	CanWrite bool
	CanMove  bool
}

func (d recordsData) nav() string { return string(d.Kind) }

func (s *Server) records(rq *request) error {
	kind, err := kindOf(rq)
	if err != nil {
		return err
	}
	q := rq.r.URL.Query()
	f := store.RecordFilter{Kind: kind, Limit: pageSize, After: q.Get("after"), Turned18: domain.Tristate(q.Get("turned_18"))}
	d := recordsData{Kind: kind, Query: q, Q: strings.TrimSpace(q.Get("q")), CanWrite: rq.can(access.WriteRecords), CanMove: rq.can(access.ImportExport)}
	f.Name = d.Q
	switch f.Turned18 {
	case "", domain.Yes, domain.No, domain.Possibly:
	default:
		f.Turned18 = ""
	}
	recs, next, err := s.app.ListRecords(rq.r.Context(), rq.principal(), f)
	if err != nil {
		return err
	}
	d.Records, d.Next = recs, next
	s.render(rq, http.StatusOK, "records", "kind."+string(kind)+".plural", "", d)
	return nil
}

type recordData struct {
	Kind      domain.Kind
	Record    domain.Record
	Revisions []revisionView
	Own       bool
	CanWrite  bool
	// CanErase shows the erasure form: the record is the user's
	// organisation's and the user may erase (access.CanEraseRecord).
	CanErase bool
	// EraseBasis and EraseError are the erasure form's value and its
	// error (a catalogue key) when it comes back refused.
	EraseBasis string
	EraseError string
}

func (d recordData) nav() string { return string(d.Kind) }

type revisionView struct {
	Version int
	Action  string
	At      string
	Actor   string
	Changes []domain.Change
}

func (s *Server) record(rq *request) error {
	kind, err := kindOf(rq)
	if err != nil {
		return err
	}
	ctx, p := rq.r.Context(), rq.principal()
	r, err := s.app.Record(ctx, p, kind, rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.Deleted != nil && r.Deleted.Reason == store.ErasedReason {
		// Nothing of the person is left to show: say what happened.
		return fmt.Errorf("record %s: %w", r.ID, store.ErrErased)
	}
	d := recordData{Kind: kind, Record: r, Own: r.OrgID == p.OrgID, CanWrite: r.OrgID == p.OrgID && p.Can(access.WriteRecords), CanErase: p.CanEraseRecord(&r)}
	return s.showRecord(rq, http.StatusOK, d)
}

// showRecord renders a record's page, with its revisions for its owner.
func (s *Server) showRecord(rq *request, status int, d recordData) error {
	ctx, p, kind, r := rq.r.Context(), rq.principal(), d.Kind, d.Record
	if d.Own {
		revs, err := s.app.Revisions(ctx, p, kind, r.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for i, rv := range revs {
			v := revisionView{Version: rv.Version, Action: rv.Action, At: rq.loc.DateTime(rv.At), Actor: rv.Actor}
			if i > 0 {
				v.Changes = domain.Diff(&revs[i-1].Record, &revs[i].Record)
			}
			d.Revisions = append(d.Revisions, v)
		}
	}
	s.render(rq, status, "record", "kind."+string(kind), "", d)
	return nil
}

// eraseRecord erases a record's personal data on a lawful request
// (app.EraseRecord): the legal basis is required, and so is a tick that
// says the user knows it cannot be undone. A refused form comes back on
// the record's page with its error and nothing erased.
func (s *Server) eraseRecord(rq *request) error {
	kind, err := kindOf(rq)
	if err != nil {
		return err
	}
	if err := rq.r.ParseForm(); err != nil {
		return err
	}
	ctx, p, id := rq.r.Context(), rq.principal(), rq.r.PathValue("id")
	basis := strings.TrimSpace(rq.r.PostForm.Get("legal_basis"))
	refuse := func(key string) error {
		r, err := s.app.Record(ctx, p, kind, id)
		if err != nil {
			return err
		}
		if !p.CanEraseRecord(&r) {
			return errNotFound
		}
		d := recordData{Kind: kind, Record: r, Own: true, CanWrite: p.Can(access.WriteRecords), CanErase: true, EraseBasis: basis, EraseError: key}
		return s.showRecord(rq, http.StatusUnprocessableEntity, d)
	}
	switch {
	case basis == "":
		return refuse("record.erase.basis_required")
	case rq.r.PostForm.Get("confirm") != "yes":
		return refuse("record.erase.confirm_required")
	}
	_, err = s.app.EraseRecord(ctx, p, kind, id, basis)
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return refuse("record.erase.basis_too_long")
	case errors.Is(err, app.ErrForbidden):
		// Not the user's to erase, or not theirs to know of: the same
		// answer as for a record that does not exist.
		return errNotFound
	case err != nil:
		return err
	}
	http.Redirect(rq.w, rq.r, "/records/"+string(kind)+"?done=erased", http.StatusSeeOther)
	return nil
}

// recordForm is the edit form: the fields a case worker types, as text.
type recordForm struct {
	Kind    domain.Kind
	ID      string
	Version int
	Values  map[string]string
	Errors  map[string]string
	// Other holds problems with fields the form does not show.
	Other []string
}

func (d recordForm) nav() string { return string(d.Kind) }

// formFields are the form's inputs, in order, with the validation field
// each one's errors come back under.
var formFields = []struct{ Name, Field string }{
	{"given", "person.names[0].given"},
	{"patronymic", "person.names[0].patronymic"},
	{"family", "person.names[0].family"},
	{"sex", "person.sex"},
	{"birth_date", "person.birth_date"},
	{"birth_place", "person.birth_place"},
	{"settlement", "person.last_home.settlement"},
	{"oblast", "person.last_home.oblast"},
	{"separation_date", "person.separation.date"},
	{"separation_place", "person.separation.place"},
	{"category", "person.separation.category"},
	{"mother", "person.relatives"},
	{"father", "person.relatives"},
	{"notes", "person.notes"},
	{"external_id", "external_id"},
	{"enquirer_name", "enquirer.name"},
	{"enquirer_relation", "enquirer.relation"},
}

func formOf(r domain.Record) map[string]string {
	n := r.Person.PrimaryName()
	v := map[string]string{
		"given": n.Given, "patronymic": n.Patronymic, "family": n.Family, "sex": string(r.Person.Sex),
		"birth_date": dateText(r.Person.BirthDate), "birth_place": r.Person.BirthPlace,
		"settlement": r.Person.LastHome.Settlement, "oblast": r.Person.LastHome.Oblast,
		"separation_date": dateText(r.Person.Separation.Date), "separation_place": r.Person.Separation.Place,
		"category": string(r.Person.Separation.Category), "mother": r.Person.RelativeName(domain.RelationMother),
		"father": r.Person.RelativeName(domain.RelationFather), "notes": r.Person.Notes, "external_id": r.ExternalID,
	}
	if r.Enquirer != nil {
		v["enquirer_name"], v["enquirer_relation"] = r.Enquirer.Name, string(r.Enquirer.Relation)
	}
	return v
}

func dateText(d domain.FuzzyDate) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// applyForm writes the form's values onto r, keeping what the form does not
// show (other names, other relatives, sensitive fields). It returns the
// field errors of values that do not parse.
func applyForm(r *domain.Record, v url.Values) map[string]string {
	errs := map[string]string{}
	p := &r.Person
	if len(p.Names) == 0 {
		p.Names = []domain.Name{{}}
	}
	name := &p.Names[0]
	name.Given, name.Patronymic, name.Family, name.Script = v.Get("given"), v.Get("patronymic"), v.Get("family"), ""
	p.Sex = domain.Sex(v.Get("sex"))
	p.BirthDate, p.Separation.Date = domain.FuzzyDate{}, domain.FuzzyDate{}
	if t := strings.TrimSpace(v.Get("birth_date")); t != "" {
		d, err := domain.ParseFuzzyDate(t)
		if err != nil {
			errs["birth_date"] = "form.date"
		}
		p.BirthDate = d
	}
	if t := strings.TrimSpace(v.Get("separation_date")); t != "" {
		d, err := domain.ParseFuzzyDate(t)
		if err != nil {
			errs["separation_date"] = "form.date"
		}
		p.Separation.Date = d
	}
	p.BirthPlace = v.Get("birth_place")
	p.LastHome.Settlement, p.LastHome.Oblast = v.Get("settlement"), v.Get("oblast")
	p.Separation.Place, p.Separation.Category = v.Get("separation_place"), domain.Category(v.Get("category"))
	p.Notes = v.Get("notes")
	setRelative(p, domain.RelationMother, v.Get("mother"))
	setRelative(p, domain.RelationFather, v.Get("father"))
	r.ExternalID = v.Get("external_id")
	if r.Kind == domain.KindRequest {
		if r.Enquirer == nil {
			r.Enquirer = &domain.Enquirer{}
		}
		r.Enquirer.Name, r.Enquirer.Relation = v.Get("enquirer_name"), domain.Relation(v.Get("enquirer_relation"))
	}
	return errs
}

// setRelative sets the first relative of rel to name, adds one, or removes
// it when name is blank.
func setRelative(p *domain.Person, rel domain.Relation, name string) {
	name = strings.TrimSpace(name)
	for i, r := range p.Relatives {
		if r.Relation == rel {
			if name == "" {
				p.Relatives = append(p.Relatives[:i], p.Relatives[i+1:]...)
			} else {
				p.Relatives[i].Name = name
			}
			return
		}
	}
	if name != "" {
		p.Relatives = append(p.Relatives, domain.Relative{Relation: rel, Name: name})
	}
}

// fieldErrors files a validation error's problems under the form's inputs,
// in the user's language where the problem is a known one.
func fieldErrors(ve *domain.ValidationError, errs map[string]string) []string {
	var other []string
outer:
	for _, fe := range ve.Fields {
		for _, ff := range formFields {
			if fe.Field == ff.Field || strings.HasPrefix(fe.Field, ff.Field+"[") || strings.HasPrefix(fe.Field, ff.Field+".") {
				if _, taken := errs[ff.Name]; !taken {
					errs[ff.Name] = problemKey(fe.Detail)
				}
				continue outer
			}
		}
		other = append(other, fe.Field+": "+fe.Detail)
	}
	return other
}

// problemKey names a validation problem in the catalogue.
func problemKey(detail string) string {
	switch {
	case strings.Contains(detail, "is required"):
		return "form.required"
	case strings.Contains(detail, "in the future"):
		return "form.future"
	case strings.Contains(detail, "before the birth date"):
		return "form.beforebirth"
	case strings.Contains(detail, "must be one of"):
		return "form.oneof"
	case strings.Contains(detail, "characters"), strings.Contains(detail, "too long"):
		return "form.toolong"
	}
	return "form.invalid"
}

func (s *Server) newRecord(rq *request) error {
	kind, err := kindOf(rq)
	if err != nil {
		return err
	}
	if !rq.can(access.WriteRecords) {
		return errNotFound
	}
	s.render(rq, http.StatusOK, "recordedit", "record.new."+string(kind), "", recordForm{Kind: kind, Values: map[string]string{}, Errors: map[string]string{}})
	return nil
}

func (s *Server) createRecord(rq *request) error {
	kind, err := kindOf(rq)
	if err != nil {
		return err
	}
	r := domain.Record{Kind: kind, OrgID: rq.principal().OrgID}
	return s.saveRecord(rq, r, true)
}

func (s *Server) editRecord(rq *request) error {
	kind, err := kindOf(rq)
	if err != nil {
		return err
	}
	r, err := s.app.Record(rq.r.Context(), rq.principal(), kind, rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.OrgID != rq.principal().OrgID || !rq.can(access.WriteRecords) {
		return errNotFound
	}
	s.render(rq, http.StatusOK, "recordedit", "record.edit", "", recordForm{Kind: kind, ID: r.ID, Version: r.Version, Values: formOf(r), Errors: map[string]string{}})
	return nil
}

func (s *Server) updateRecord(rq *request) error {
	kind, err := kindOf(rq)
	if err != nil {
		return err
	}
	r, err := s.app.Record(rq.r.Context(), rq.principal(), kind, rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.OrgID != rq.principal().OrgID {
		return errNotFound
	}
	// The version the form was read at: a change made meanwhile by someone
	// else is a conflict, never silently overwritten.
	if v, err := strconv.Atoi(rq.r.FormValue("version")); err == nil {
		r.Version = v
	}
	return s.saveRecord(rq, r, false)
}

func (s *Server) saveRecord(rq *request, r domain.Record, create bool) error {
	if err := rq.r.ParseForm(); err != nil {
		return err
	}
	errs := applyForm(&r, rq.r.PostForm)
	form := recordForm{Kind: r.Kind, ID: r.ID, Version: r.Version, Values: map[string]string{}, Errors: errs}
	for _, ff := range formFields {
		form.Values[ff.Name] = rq.r.PostForm.Get(ff.Name)
	}
	title := "record.edit"
	if create {
		title = "record.new." + string(r.Kind)
	}
	if len(errs) > 0 {
		s.render(rq, http.StatusUnprocessableEntity, "recordedit", title, "", form)
		return nil
	}
	var saved domain.Record
	var err error
	if create {
		saved, err = s.app.CreateRecord(rq.r.Context(), rq.principal(), r)
	} else {
		saved, err = s.app.UpdateRecord(rq.r.Context(), rq.principal(), r)
	}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		form.Other = fieldErrors(ve, form.Errors)
		s.render(rq, http.StatusUnprocessableEntity, "recordedit", title, "", form)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(rq.w, rq.r, "/records/"+string(saved.Kind)+"/"+saved.ID+"?done=saved", http.StatusSeeOther)
	return nil
}
