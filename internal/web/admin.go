package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store"
)

func (s *Server) routeAdmin() {
	s.page("GET /admin", s.admin)
	s.page("POST /admin/users", s.createUser)
	s.page("POST /admin/users/{id}", s.updateUser)
	s.page("POST /admin/totp", s.requireTOTP)
	s.page("POST /admin/orgs", s.createOrg)
	s.page("POST /admin/sharing", s.setSharing)
}

type policyView struct {
	Owner, Viewer    domain.Organisation
	Listed, Handover map[sharing.Field]bool
	Default          bool
}

type adminData struct {
	Orgs      []domain.Organisation
	Users     []domain.User
	Roles     []domain.Role
	CanOrgs   bool
	Policies  []policyView
	Listable  []sharing.Field
	Sensitive []sharing.Field
	Errors    map[string]string
	Values    map[string]string
}

func (d adminData) nav() string { return "admin" }

func (s *Server) admin(rq *request) error {
	return s.showAdmin(rq, http.StatusOK, nil, nil)
}

func (s *Server) showAdmin(rq *request, status int, errs, values map[string]string) error {
	ctx, p := rq.r.Context(), rq.principal()
	if !p.Can(access.ManageUsers) {
		return app.ErrForbidden
	}
	d := adminData{Roles: domain.Roles, CanOrgs: p.Can(access.ManageOrgs), Errors: errs, Values: values,
		Listable: slices.Concat(sharing.Identifying, sharing.Descriptive), Sensitive: sharing.Sensitive}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	var err error
	if d.Orgs, err = s.app.Orgs(ctx, p); err != nil {
		return err
	}
	if d.Users, err = s.app.Users(ctx, p); err != nil {
		return err
	}
	if d.CanOrgs {
		// The mediator sets what each party sees of each other's records.
		for _, owner := range d.Orgs {
			for _, viewer := range d.Orgs {
				if owner.ID == viewer.ID {
					continue
				}
				pol, err := s.app.SharingPolicy(ctx, p, owner.ID, viewer.ID)
				if err != nil {
					return err
				}
				pv := policyView{Owner: owner, Viewer: viewer, Listed: map[sharing.Field]bool{}, Handover: map[sharing.Field]bool{}, Default: pol.Default}
				for _, f := range pol.Listed {
					pv.Listed[f] = true
				}
				for _, f := range pol.Handover {
					pv.Handover[f] = true
				}
				d.Policies = append(d.Policies, pv)
			}
		}
	}
	s.render(rq, status, "admin", "nav.admin", "", d)
	return nil
}

func rolesFrom(vs []string) []domain.Role {
	var out []domain.Role
	for _, v := range vs {
		if r := domain.Role(v); slices.Contains(domain.Roles, r) {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) createUser(rq *request) error {
	f := rq.r.PostForm
	u := domain.User{Email: strings.TrimSpace(f.Get("email")), Name: f.Get("name"), Roles: rolesFrom(f["roles"])}
	_, err := s.app.CreateUser(rq.r.Context(), rq.principal(), u, f.Get("password"))
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		errs := map[string]string{}
		for _, fe := range ve.Fields {
			errs["user."+fe.Field] = problemKey(fe.Detail)
			if fe.Field == "password" {
				errs["user.password"] = "admin.password.short"
			}
		}
		return s.showAdmin(rq, http.StatusUnprocessableEntity, errs, map[string]string{"email": u.Email, "name": u.Name})
	}
	if errors.Is(err, store.ErrDuplicate) {
		return s.showAdmin(rq, http.StatusConflict, map[string]string{"user.email": "admin.email.taken"}, map[string]string{"email": u.Email, "name": u.Name})
	}
	if err != nil {
		return err
	}
	http.Redirect(rq.w, rq.r, "/admin?done=usercreated", http.StatusSeeOther)
	return nil
}

func (s *Server) updateUser(rq *request) error {
	ctx, p, f, id := rq.r.Context(), rq.principal(), rq.r.PostForm, rq.r.PathValue("id")
	switch f.Get("action") {
	case "unlock", "reset_totp":
		if err := s.app.UnlockUser(ctx, p, id, f.Get("action") == "reset_totp"); err != nil {
			return err
		}
	default:
		disabled := f.Get("disabled") != ""
		c := app.UserChange{Roles: rolesFrom(f["roles"]), Disabled: &disabled}
		if len(c.Roles) == 0 {
			return s.showAdmin(rq, http.StatusUnprocessableEntity, map[string]string{"roles." + id: "form.required"}, nil)
		}
		if _, err := s.app.UpdateUser(ctx, p, id, c); err != nil {
			return err
		}
	}
	http.Redirect(rq.w, rq.r, "/admin?done=userupdated", http.StatusSeeOther)
	return nil
}

func (s *Server) requireTOTP(rq *request) error {
	if _, err := s.app.RequireTOTP(rq.r.Context(), rq.principal(), rq.r.PostForm.Get("require") != ""); err != nil {
		return err
	}
	http.Redirect(rq.w, rq.r, "/admin?done=totp_rule", http.StatusSeeOther)
	return nil
}

func (s *Server) createOrg(rq *request) error {
	f := rq.r.PostForm
	o := domain.Organisation{Slug: strings.TrimSpace(f.Get("slug")), Name: f.Get("name"), Kind: domain.OrgKind(f.Get("kind")), Country: strings.ToUpper(strings.TrimSpace(f.Get("country")))}
	_, err := s.app.CreateOrg(rq.r.Context(), rq.principal(), o)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		errs := map[string]string{}
		for _, fe := range ve.Fields {
			errs["org."+fe.Field] = problemKey(fe.Detail)
		}
		return s.showAdmin(rq, http.StatusUnprocessableEntity, errs, map[string]string{"slug": o.Slug, "orgname": o.Name})
	}
	if err != nil {
		return err
	}
	http.Redirect(rq.w, rq.r, "/admin?done=orgcreated", http.StatusSeeOther)
	return nil
}

func (s *Server) setSharing(rq *request) error {
	f := rq.r.PostForm
	pol := sharing.Policy{Owner: f.Get("owner"), Viewer: f.Get("viewer")}
	for _, v := range f["listed"] {
		pol.Listed = append(pol.Listed, sharing.Field(v))
	}
	for _, v := range f["handover"] {
		pol.Handover = append(pol.Handover, sharing.Field(v))
	}
	if _, err := s.app.SetSharingPolicy(rq.r.Context(), rq.principal(), pol); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			return s.showAdmin(rq, http.StatusUnprocessableEntity, map[string]string{"policy": "form.invalid"}, nil)
		}
		return err
	}
	http.Redirect(rq.w, rq.r, "/admin?done=policy#sharing", http.StatusSeeOther)
	return nil
}
