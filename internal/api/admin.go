package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

func (s *Server) me(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	org, err := s.app.Org(r.Context(), p, p.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": p.ID, "organisation": org, "roles": p.Roles, "permissions": p.PermissionsOf()})
	return nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	orgs, err := s.app.Orgs(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(orgs)})
	return nil
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	o, err := s.app.Org(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		Slug    string         `json:"slug"`
		Name    string         `json:"name"`
		Kind    domain.OrgKind `json:"kind"`
		Country string         `json:"country"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.app.CreateOrg(r.Context(), p, domain.Organisation{Slug: in.Slug, Name: in.Name, Kind: in.Kind, Country: in.Country})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) updateOrg(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		Name    string `json:"name"`
		Country string `json:"country"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.app.UpdateOrg(r.Context(), p, r.PathValue("id"), in.Name, in.Country)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	u, err := s.app.User(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		Name     *string       `json:"name"`
		Roles    []domain.Role `json:"roles"`
		Disabled *bool         `json:"disabled"`
		Password *string       `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.app.UpdateUser(r.Context(), p, r.PathValue("id"), app.UserChange{Name: in.Name, Roles: in.Roles, Disabled: in.Disabled, Password: in.Password})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	users, err := s.app.Users(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(users)})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		Email    string        `json:"email"`
		Name     string        `json:"name"`
		Roles    []domain.Role `json:"roles"`
		Password string        `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.app.CreateUser(r.Context(), p, domain.User{Email: in.Email, Name: in.Name, Roles: in.Roles}, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	q := r.URL.Query()
	f := store.AuditFilter{RecordID: q.Get("record_id"), Actor: q.Get("actor"), Action: q.Get("action"), Outcome: q.Get("outcome")}
	var errs []domain.FieldError
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			errs = append(errs, domain.FieldError{Field: "since", Detail: "must be an RFC 3339 time such as 2026-11-01T00:00:00Z"})
		}
		f.Since = t
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, domain.FieldError{Field: "cursor", Detail: "must be a positive whole number"})
		}
		f.Before = n
	}
	f.Limit, errs = limitParam(q.Get("limit"), errs)
	if len(errs) > 0 {
		return problem(http.StatusBadRequest, "invalid query parameters", errs...)
	}
	entries, err := s.app.Audit(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := map[string]any{"items": nonNil(entries)}
	if f.Limit > 0 && len(entries) == f.Limit {
		out["next_cursor"] = strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func limitParam(v string, errs []domain.FieldError) (int, []domain.FieldError) {
	if v == "" {
		return 50, errs
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, append(errs, domain.FieldError{Field: "limit", Detail: "must be a whole number from 1 to 500"})
	}
	return n, errs
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
