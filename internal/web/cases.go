package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

func (s *Server) routeCases() {
	s.page("GET /cases", s.caseList)
	s.page("GET /cases/{id}", s.casePage)
	s.page("POST /cases/{id}/move", s.moveCase)
	s.page("POST /cases/{id}/messages", s.postMessage)
	s.page("POST /cases/{id}/attachments", s.addAttachment)
	s.page("GET /attachments/{id}", s.attachment)
}

type caseListData struct {
	Cases    []store.Case
	State    string
	Turned18 string
	States   []cases.State
}

func (d caseListData) nav() string { return "cases" }

func (s *Server) caseList(rq *request) error {
	q := rq.r.URL.Query()
	d := caseListData{State: q.Get("state"), Turned18: q.Get("turned_18"), States: cases.States}
	if d.State != "" && !slices.Contains(cases.States, cases.State(d.State)) {
		d.State = ""
	}
	switch domain.Tristate(d.Turned18) {
	case "", domain.Yes, domain.No, domain.Possibly:
	default:
		d.Turned18 = ""
	}
	cs, err := s.app.Cases(rq.r.Context(), rq.principal(), d.State, d.Turned18)
	if err != nil {
		return err
	}
	d.Cases = cs
	s.render(rq, http.StatusOK, "cases", "nav.cases", "", d)
	return nil
}

// move is one transition the user may make, with the form it needs.
type move struct {
	To     cases.State
	Fields []string // Input fields the form shows
	Exit   bool     // a side exit: shown apart, reason required
}

// moveFields are the inputs each target state's form shows.
var moveFields = map[cases.State][]string{
	cases.IdentityVerified:        {"method", "evidence", "attachment_ids", "dna_result_id", "reason"},
	cases.ConsentAndBestInterests: {"child_views", "decided_by_self", "best_interests", "reason"},
	cases.HandoverPlanned:         {"handover_date", "handover_place", "route", "escort", "reason"},
	cases.Reunited:                {"reunited_at", "reunited_place", "handed_to", "reason"},
	cases.FollowUp:                {"reason"},
	cases.Closed:                  {"reason"},
	cases.Declined:                {"reason"},
	cases.Deceased:                {"reason"},
	cases.Duplicate:               {"duplicate_of", "reason"},
	cases.Withdrawn:               {"reason"},
}

type caseData struct {
	View     app.CaseView
	Moves    []move
	Channel  app.Channel
	Receipts []store.CaseReceipt
	DNA      []store.KinshipResult
	Methods  []cases.VerificationMethod
	// Form problems after a failed move or message.
	Failed   cases.State
	Errors   map[string]string
	Values   url.Values
	Orgs     map[string]string
	CanWrite bool
}

func (d caseData) nav() string { return "cases" }

func (s *Server) casePage(rq *request) error {
	return s.showCase(rq, http.StatusOK, "", nil, nil)
}

func (s *Server) showCase(rq *request, status int, failed cases.State, errs map[string]string, values url.Values) error {
	ctx, p := rq.r.Context(), rq.principal()
	id := rq.r.PathValue("id")
	cv, err := s.app.Case(ctx, p, id)
	if err != nil {
		return err
	}
	d := caseData{View: cv, Methods: cases.VerificationMethods, Failed: failed, Errors: errs, Values: values, Orgs: map[string]string{}, CanWrite: canActOnCases(p)}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Values == nil {
		d.Values = url.Values{}
	}
	roles := p.Roles
	for _, to := range cv.Next {
		allowed := cases.AllowedRoles(cases.State(cv.State), to)
		if !slices.ContainsFunc(roles, func(r domain.Role) bool { return slices.Contains(allowed, r) }) {
			continue // only the moves this user may make are offered
		}
		d.Moves = append(d.Moves, move{To: to, Fields: moveFields[to], Exit: !slices.Contains(cases.MainPath, to)})
	}
	if d.Channel, err = s.app.CaseChannel(ctx, p, id); err != nil {
		return err
	}
	if d.Receipts, err = s.app.CaseReceipts(ctx, p, id); err != nil {
		return err
	}
	if d.DNA, err = s.app.CaseDNAResults(ctx, p, id); err != nil && !errors.Is(err, app.ErrForbidden) {
		return err
	}
	orgs, err := s.app.Orgs(ctx, p)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		d.Orgs[o.ID] = o.Name
	}
	s.render(rq, status, "case", "case.title", "", d)
	return nil
}

// canActOnCases: caseworkers and reviewers work cases; analysts read them.
func canActOnCases(p access.Principal) bool {
	return p.Can(access.WriteRecords) || p.Can(access.ReviewMatches)
}

func (s *Server) moveCase(rq *request) error {
	r := rq.r
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return err
	}
	to := cases.State(r.FormValue("to"))
	version, _ := strconv.Atoi(r.FormValue("version"))
	in := cases.Input{
		Method: cases.VerificationMethod(r.FormValue("method")), Evidence: r.FormValue("evidence"),
		AttachmentIDs: r.Form["attachment_ids"],
		ChildViews:    r.FormValue("child_views"), DecidedBySelf: r.FormValue("decided_by_self") != "", BestInterests: r.FormValue("best_interests"),
		HandoverPlace: r.FormValue("handover_place"), Route: r.FormValue("route"), Escort: r.FormValue("escort"),
		ReunitedPlace: r.FormValue("reunited_place"), HandedTo: r.FormValue("handed_to"),
		Reason: r.FormValue("reason"), DuplicateOf: r.FormValue("duplicate_of"), DNAResultID: r.FormValue("dna_result_id"),
	}
	errs := map[string]string{}
	for _, f := range []struct {
		name string
		dst  *domain.Date
	}{{"handover_date", &in.HandoverDate}, {"reunited_at", &in.ReunitedAt}} {
		if v := strings.TrimSpace(r.FormValue(f.name)); v != "" {
			if err := f.dst.UnmarshalText([]byte(v)); err != nil {
				errs[f.name] = "form.date"
			}
		}
	}
	if len(errs) > 0 {
		return s.showCase(rq, http.StatusUnprocessableEntity, to, errs, r.Form)
	}
	_, err := s.app.MoveCase(r.Context(), rq.principal(), r.PathValue("id"), version, to, in)
	var inErr *cases.InputError
	var ve *domain.ValidationError
	var ill *cases.IllegalTransitionError
	var forb *cases.ForbiddenError
	switch {
	case errors.As(err, &inErr):
		errs[inErr.Field] = problemKey(inErr.Problem)
	case errors.As(err, &ve):
		for _, fe := range ve.Fields {
			errs[strings.SplitN(fe.Field, "[", 2)[0]] = problemKey(fe.Detail)
		}
	case errors.As(err, &ill), errors.As(err, &forb):
		return app.ErrForbidden
	case errors.Is(err, store.ErrConflict):
		errs["version"] = "case.conflict"
	case err != nil:
		return err
	}
	if len(errs) > 0 {
		return s.showCase(rq, http.StatusUnprocessableEntity, to, errs, r.Form)
	}
	http.Redirect(rq.w, r, "/cases/"+r.PathValue("id")+"?done=moved", http.StatusSeeOther)
	return nil
}

func (s *Server) postMessage(rq *request) error {
	body := strings.TrimSpace(rq.r.FormValue("body"))
	if body == "" {
		return s.showCase(rq, http.StatusUnprocessableEntity, "", map[string]string{"body": "form.required"}, rq.r.Form)
	}
	if _, err := s.app.PostMessage(rq.r.Context(), rq.principal(), rq.r.PathValue("id"), rq.r.FormValue("parent_id"), body); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			return s.showCase(rq, http.StatusUnprocessableEntity, "", map[string]string{"body": "form.invalid"}, rq.r.Form)
		}
		return err
	}
	http.Redirect(rq.w, rq.r, "/cases/"+rq.r.PathValue("id")+"?done=sent#messages", http.StatusSeeOther)
	return nil
}

func (s *Server) addAttachment(rq *request) error {
	f, hdr, err := rq.r.FormFile("file")
	if err != nil {
		return s.showCase(rq, http.StatusUnprocessableEntity, "", map[string]string{"file": "form.required"}, nil)
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	if _, err := s.app.AddAttachment(rq.r.Context(), rq.principal(), rq.r.PathValue("id"), "", hdr.Filename, content); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			return s.showCase(rq, http.StatusUnprocessableEntity, "", map[string]string{"file": "form.invalid"}, nil)
		}
		return err
	}
	http.Redirect(rq.w, rq.r, "/cases/"+rq.r.PathValue("id")+"?done=attached#attachments", http.StatusSeeOther)
	return nil
}

func (s *Server) attachment(rq *request) error {
	at, content, err := s.app.Attachment(rq.r.Context(), rq.principal(), rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("Content-Type", at.ContentType)
	// Always a download, never shown in the page's origin: an uploaded
	// HTML file must not run as this site.
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": at.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	rq.w.Write(content)
	return nil
}
