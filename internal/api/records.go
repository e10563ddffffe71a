package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/store"
)

// recordPaths maps each record collection's path to its kind.
var recordPaths = map[string]domain.Kind{
	"children":         domain.KindChild,
	"tracing-requests": domain.KindRequest,
}

type recordHandlers struct {
	s    *Server
	kind domain.Kind
}

// recordInput is what a client may send for a record: ids, owners and
// timestamps are the server's to set.
type recordInput struct {
	ExternalID string           `json:"external_id"`
	Version    int              `json:"version"`
	Person     domain.Person    `json:"person"`
	Enquirer   *domain.Enquirer `json:"enquirer"`
	Sensitive  domain.Sensitive `json:"sensitive"`
}

func (in recordInput) record(kind domain.Kind) domain.Record {
	return domain.Record{Kind: kind, ExternalID: in.ExternalID, Version: in.Version, Person: in.Person, Enquirer: in.Enquirer, Sensitive: in.Sensitive}
}

func writeRecord(w http.ResponseWriter, status int, r domain.Record) {
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(r.Version)))
	writeOneRecordJSON(w, status, &r)
}

func (h recordHandlers) create(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in recordInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rec, err := h.s.app.CreateRecord(r.Context(), p, in.record(h.kind))
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+rec.ID)
	writeRecord(w, http.StatusCreated, rec)
	return nil
}

func (h recordHandlers) get(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	rec, err := h.s.app.Record(r.Context(), p, h.kind, r.PathValue("id"))
	if err != nil {
		return err
	}
	if rec.Deleted != nil {
		return problem(http.StatusGone, fmt.Sprintf("the record was deleted on %s: %s", rec.Deleted.At.Format(time.DateOnly), rec.Deleted.Reason))
	}
	writeRecord(w, http.StatusOK, rec)
	return nil
}

// expectedVersion takes the version a change is based on from the body or,
// failing that, from an If-Match header.
func expectedVersion(r *http.Request, fromBody int) (int, error) {
	if fromBody > 0 {
		return fromBody, nil
	}
	if v := r.Header.Get("If-Match"); v != "" {
		n, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(v, "W/"), `"`))
		if err != nil || n < 1 {
			return 0, problem(http.StatusBadRequest, "If-Match must be the record's ETag, such as \"3\"")
		}
		return n, nil
	}
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, problem(http.StatusBadRequest, "invalid query parameters", domain.FieldError{Field: "version", Detail: "must be a positive whole number"})
		}
		return n, nil
	}
	return 0, problem(http.StatusPreconditionRequired, "say which version your change is based on: the version field or an If-Match header",
		domain.FieldError{Field: "version", Detail: "is required"})
}

func (h recordHandlers) update(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in recordInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	version, err := expectedVersion(r, in.Version)
	if err != nil {
		return err
	}
	rec := in.record(h.kind)
	rec.ID, rec.Version = r.PathValue("id"), version
	rec, err = h.s.app.UpdateRecord(r.Context(), p, rec)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, rec)
	return nil
}

func (h recordHandlers) delete(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	version, err := expectedVersion(r, 0)
	if err != nil {
		return err
	}
	if err := h.s.app.DeleteRecord(r.Context(), p, h.kind, r.PathValue("id"), version, r.URL.Query().Get("reason")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// eraseIn is the body of an erasure.
type eraseIn struct {
	LegalBasis string `json:"legal_basis"`
}

// erase erases a record's personal data on a lawful request and answers
// with the tombstone it leaves.
func (h recordHandlers) erase(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in eraseIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	er, err := h.s.app.EraseRecord(r.Context(), p, h.kind, r.PathValue("id"), in.LegalBasis)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, er)
	return nil
}

// revisionOut is one version of a record with what changed from the one before.
type revisionOut struct {
	store.Revision
	Changes []domain.Change `json:"changes"`
}

func (h recordHandlers) revisions(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	revs, err := h.s.app.Revisions(r.Context(), p, h.kind, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]revisionOut, len(revs))
	var prev *domain.Record
	for i := range revs {
		out[i] = revisionOut{Revision: revs[i], Changes: nonNil(domain.Diff(prev, &revs[i].Record))}
		prev = &revs[i].Record
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (h recordHandlers) list(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	f, err := h.filter(r)
	if err != nil {
		return err
	}
	recs, next, err := h.s.app.ListRecords(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeRecordsJSON(w, http.StatusOK, recs, next)
	return nil
}

// maxNameQuery bounds the q parameter, the name search: a few names
// (the store reads up to store.MaxNameQueryWords words of it).
const maxNameQuery = 200

// filter reads a record list's query parameters, naming each bad one. q is
// the one search box: words of any of a record's names, in any script.
func (h recordHandlers) filter(r *http.Request) (store.RecordFilter, error) {
	q := r.URL.Query()
	var errs []domain.FieldError
	bad := func(field, detail string) { errs = append(errs, domain.FieldError{Field: field, Detail: detail}) }
	f := store.RecordFilter{
		Kind:         h.kind,
		ExternalID:   q.Get("external_id"),
		Sex:          domain.Sex(q.Get("sex")),
		Category:     domain.Category(q.Get("category")),
		FamilyPrefix: q.Get("family_name"),
		GivenPrefix:  q.Get("given_name"),
		Name:         q.Get("q"),
		After:        q.Get("cursor"),
	}
	if utf8.RuneCountInString(f.Name) > maxNameQuery {
		bad("q", fmt.Sprintf("a name search is at most %d characters", maxNameQuery))
	}
	if f.Sex != "" && !slices.Contains(domain.Sexes, f.Sex) {
		bad("sex", fmt.Sprintf("must be one of %v", domain.Sexes))
	}
	if v := q.Get("turned_18"); v != "" {
		f.Turned18 = domain.Tristate(v)
		if !slices.Contains([]domain.Tristate{domain.Yes, domain.No, domain.Possibly}, f.Turned18) {
			bad("turned_18", "must be yes, no or possibly")
		}
	}
	if f.Category != "" && !slices.Contains(domain.Categories, f.Category) {
		bad("category", fmt.Sprintf("must be one of %v", domain.Categories))
	}
	if v := q.Get("organisation_id"); v != "" {
		f.OrgIDs = []string{v}
	}
	for _, name := range []string{"born_from", "born_to"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		d, err := domain.ParseFuzzyDate(v)
		if err != nil {
			bad(name, err.Error())
			continue
		}
		if name == "born_from" {
			f.BornFrom = d.Earliest.String()
		} else {
			f.BornTo = d.Latest.String()
		}
	}
	if v := q.Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			bad("updated_since", "must be an RFC 3339 time such as 2026-11-01T00:00:00Z")
		}
		f.UpdatedSince = t
	}
	if v := q.Get("include_deleted"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("include_deleted", "must be true or false")
		}
		f.IncludeDeleted = b
	}
	f.Limit, errs = limitParam(q.Get("limit"), errs)
	if len(errs) > 0 {
		return f, problem(http.StatusBadRequest, "invalid query parameters", errs...)
	}
	return f, nil
}

// maxImport bounds an uploaded list: a million rows of interchange CSV are
// about 300 MB.
const maxImport = 512 << 20

func (h recordHandlers) importCSV(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	mapping, err := interchange.ParseMapping(r.URL.Query().Get("map"))
	if err != nil {
		return problem(http.StatusBadRequest, "invalid query parameters", domain.FieldError{Field: "map", Detail: err.Error()})
	}
	res, err := h.s.app.Import(r.Context(), p, h.kind, http.MaxBytesReader(w, r.Body, maxImport), app.ImportOptions{Mapping: mapping})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (h recordHandlers) exportCSV(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	f, err := h.filter(r)
	if err != nil {
		return err
	}
	f.Limit, f.After = 0, ""
	out := &csvResponse{w: w, filename: fmt.Sprintf("%s-%s.csv", h.kind, time.Now().UTC().Format("20060102-150405"))}
	if _, err := h.s.app.Export(r.Context(), p, h.kind, out, f); err != nil {
		if !out.started {
			return err
		}
		// The status line is gone; all that can be done is to stop and log.
		h.s.log.Error("export failed midway", "err", err)
	}
	out.start()
	return nil
}

// csvResponse sends CSV headers with the first byte written, so that an
// export refused before any record is read can still answer with a problem.
type csvResponse struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (c *csvResponse) start() {
	if c.started {
		return
	}
	c.started = true
	h := c.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+c.filename+`"`)
}

func (c *csvResponse) Write(b []byte) (int, error) {
	c.start()
	return c.w.Write(b)
}
