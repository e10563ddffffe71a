package web

import (
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/i18n"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Meetings, commitments and handover operations (issue 9): what each side
// promised at a meeting, and whether it was kept. Everything here is
// visible to the organisations that were at the meeting; to any other the
// app answers "not found", and the page is the same 404 as for an id that
// does not exist.

// localDay formats a YYYY-MM-DD day in the user's language.
func localDay(l *i18n.Localizer, s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return l.Date(t)
}

// localDays formats a number of days with one decimal.
func localDays(l *i18n.Localizer, x float64) string { return l.Number(math.Round(x*10) / 10) }

func (s *Server) routeMeetings() {
	s.page("GET /meetings", s.meetingList)
	s.page("POST /meetings", s.recordMeeting)
	s.page("GET /meetings/{id}", s.meetingPage)
	s.page("POST /meetings/{id}/commitments", s.makeCommitment)
	s.page("POST /meetings/{id}/operations", s.planOperation)
	s.page("POST /meetings/{id}/attachments", s.addMeetingAttachment)
	s.page("GET /meetings/{id}/attachments/{aid}", s.meetingAttachment)
	s.page("GET /commitments/{id}", s.commitmentPage)
	s.page("POST /commitments/{id}/withdraw", s.withdrawCommitment)
	s.page("GET /operations/{id}", s.operationPage)
	s.page("POST /operations/{id}/complete", s.completeOperation)
}

// commitStatus is the catalogue key of a commitment's computed status: a
// met commitment is "met late" if its last child came after the due day.
func commitStatus(v app.CommitmentView) string {
	if v.Status == app.StatusMet && v.Late {
		return "met_late"
	}
	return v.Status
}

// formErrs are a form's problems by field, already in the user's
// language, and "" for what concerns the form as a whole.
type formErrs map[string]string

// caseInDetail finds the case number an app's message names.
var caseInDetail = regexp.MustCompile(`case (\d+)`)

// meetingProblem words a use case's validation problem for the form.
func meetingProblem(l *i18n.Localizer, field, detail string) string {
	root := strings.SplitN(strings.SplitN(field, "[", 2)[0], ".", 2)[0]
	if strings.HasPrefix(field, "children[") {
		if _, after, ok := strings.Cut(field, "]."); ok {
			root = after
		}
	}
	switch {
	case strings.HasPrefix(detail, "required"), strings.Contains(detail, "is required"):
		return l.T("form.required")
	case strings.Contains(detail, "in the future"):
		return l.T("form.future")
	case strings.Contains(detail, "before the meeting"):
		return l.T("meet.err.beforemeeting")
	case strings.Contains(detail, "before the operation"):
		return l.T("op.err.beforeday")
	case strings.Contains(detail, "calendar day"):
		return l.T("meet.err.date")
	case strings.Contains(detail, "characters"):
		return l.T("form.toolong")
	}
	number := 0
	if m := caseInDetail.FindStringSubmatch(detail); m != nil {
		number, _ = strconv.Atoi(m[1])
	}
	switch root {
	case "organisations":
		return l.T("meet.err.orgs")
	case "place", "channel":
		return l.T("meet.err.place")
	case "list_ids":
		return l.T("meet.err.lists")
	case "from", "to":
		return l.T("commit.err.org")
	case "kind":
		return l.T("form.oneof")
	case "escorts":
		return l.T("op.err.escorts")
	case "crossing_point", "route":
		return l.T("op.err.crossing")
	case "stayed_behind":
		return l.T("op.err.stayed")
	case "case_ids", "rows", "children", "case_id":
		if number > 0 {
			return l.T("meet.err.case", number)
		}
		return l.T("meet.err.cases")
	}
	return l.T("form.invalid")
}

// validationErrs turns a use case's validation error into the form's
// problems; field names the form's field for each of the app's.
func validationErrs(l *i18n.Localizer, err error, field func(string) string) (formErrs, bool) {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	errs := formErrs{}
	for _, fe := range ve.Fields {
		f := field(fe.Field)
		if _, seen := errs[f]; !seen {
			errs[f] = meetingProblem(l, fe.Field, fe.Detail)
		}
	}
	return errs, true
}

func rootField(f string) string { return strings.SplitN(strings.SplitN(f, "[", 2)[0], ".", 2)[0] }

// orgNames names every organisation by its id.
func (s *Server) orgNames(rq *request) (map[string]string, []domain.Organisation, error) {
	orgs, err := s.app.Orgs(rq.r.Context(), rq.principal())
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	return names, orgs, nil
}

// today is the store's day, for the forms' defaults.
func (s *Server) today() string { return domain.DateOf(s.app.Store().Now()).String() }

// canActAtMeetings: case workers record meetings, commitments and
// operations; others read them.
func canActAtMeetings(p access.Principal) bool { return p.Can(access.WriteRecords) }

// --- The list, with the form to record a meeting and the figures.

type meetingsData struct {
	Meetings []store.Meeting
	Figures  app.Figures
	Orgs     map[string]string
	Others   []domain.Organisation
	Lists    []store.List
	CanWrite bool
	Today    string
	Errors   formErrs
	Values   url.Values
}

func (meetingsData) nav() string { return "meetings" }

func (d meetingsData) Checked(field, v string) bool { return slices.Contains(d.Values[field], v) }

func (s *Server) meetingList(rq *request) error {
	return s.showMeetings(rq, http.StatusOK, nil, nil)
}

func (s *Server) showMeetings(rq *request, status int, errs formErrs, values url.Values) error {
	ctx, p := rq.r.Context(), rq.principal()
	d := meetingsData{CanWrite: canActAtMeetings(p), Today: s.today(), Errors: errs, Values: values}
	if d.Errors == nil {
		d.Errors = formErrs{}
	}
	if d.Values == nil {
		d.Values = url.Values{"held_on": {d.Today}}
	}
	var err error
	if d.Meetings, err = s.app.Meetings(ctx, p); err != nil {
		return err
	}
	if d.Figures, err = s.app.MeetingFigures(ctx, p); err != nil {
		return err
	}
	var orgs []domain.Organisation
	if d.Orgs, orgs, err = s.orgNames(rq); err != nil {
		return err
	}
	for _, o := range orgs {
		if o.ID != p.OrgID {
			d.Others = append(d.Others, o)
		}
	}
	if d.CanWrite && p.Can(access.ReadRecords) {
		if d.Lists, err = s.app.Lists(ctx, p); err != nil {
			return err
		}
	}
	s.render(rq, status, "meetings", "nav.meetings", "", d)
	return nil
}

func (s *Server) recordMeeting(rq *request) error {
	f := rq.r.PostForm
	in := app.MeetingInput{Place: f.Get("place"), Channel: f.Get("channel"), Organisations: f["organisations"], ListIDs: f["lists"], Minutes: f.Get("minutes")}
	errs := formErrs{}
	if v := strings.TrimSpace(f.Get("held_on")); v != "" {
		if err := in.HeldOn.UnmarshalText([]byte(v)); err != nil {
			errs["held_on"] = rq.loc.T("meet.err.date")
		}
	}
	if len(errs) == 0 {
		m, err := s.app.RecordMeeting(rq.r.Context(), rq.principal(), in)
		ve, ok := validationErrs(rq.loc, err, func(f string) string {
			switch r := rootField(f); r {
			case "list_ids":
				return "lists"
			case "channel":
				return "place"
			default:
				return r
			}
		})
		switch {
		case ok:
			errs = ve
		case err != nil:
			return err
		default:
			http.Redirect(rq.w, rq.r, "/meetings/"+m.ID+"?done=meetingrecorded", http.StatusSeeOther)
			return nil
		}
	}
	return s.showMeetings(rq, http.StatusUnprocessableEntity, errs, f)
}

// --- One meeting: who was there, what was presented and said, what was
// promised, and the operations agreed.

type meetingData struct {
	View     app.MeetingView
	Orgs     map[string]string
	Present  []domain.Organisation
	Kinds    []string
	Ready    []store.Case // the cases an operation may take
	Numbers  map[string]int
	CanWrite bool
	Today    string
	// Form is the form that failed ("commit", "operation", "attach").
	Form   string
	Errors formErrs
	Values url.Values
}

func (meetingData) nav() string { return "meetings" }

func (d meetingData) Checked(field, v string) bool { return slices.Contains(d.Values[field], v) }

// Escort is what was typed for an organisation's escorts.
func (d meetingData) Escort(org string) string { return d.Values.Get("escort-" + org) }

func (s *Server) meetingPage(rq *request) error {
	return s.showMeeting(rq, http.StatusOK, "", nil, nil)
}

func (s *Server) showMeeting(rq *request, status int, form string, errs formErrs, values url.Values) error {
	ctx, p := rq.r.Context(), rq.principal()
	v, err := s.app.Meeting(ctx, p, rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	d := meetingData{View: v, Kinds: app.CommitmentKinds, CanWrite: canActAtMeetings(p), Today: s.today(), Form: form, Errors: errs, Values: values, Numbers: map[string]int{}}
	if d.Errors == nil {
		d.Errors = formErrs{}
	}
	if d.Values == nil {
		d.Values = url.Values{"date": {d.Today}, "from": {p.OrgID}}
	}
	var orgs []domain.Organisation
	if d.Orgs, orgs, err = s.orgNames(rq); err != nil {
		return err
	}
	for _, o := range orgs {
		if slices.Contains(v.OrgIDs, o.ID) {
			d.Present = append(d.Present, o)
			if values == nil && o.ID != p.OrgID && d.Values.Get("to") == "" {
				d.Values.Set("to", o.ID) // a commitment is to another organisation
			}
		}
	}
	mine, err := s.app.Cases(ctx, p, "", "")
	if err != nil {
		return err
	}
	for _, c := range mine {
		d.Numbers[c.ID] = c.Number
		st := cases.State(c.State)
		if (st == cases.ConsentAndBestInterests || st == cases.HandoverPlanned) && slices.Contains(v.OrgIDs, c.RequestOrg) && slices.Contains(v.OrgIDs, c.ChildOrg) {
			d.Ready = append(d.Ready, c)
		}
	}
	s.render(rq, status, "meeting", "meet.title", "", d)
	return nil
}

// caseNumbers reads case numbers ("3, 7 12", "#3") into the ids of the
// cases p's organisation is a party to; bad names the first that is not
// one.
func (s *Server) caseNumbers(rq *request, text string) (ids []string, bad string, err error) {
	var byNumber map[int]string
	for _, ref := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		n, convErr := strconv.Atoi(strings.TrimPrefix(ref, "#"))
		if convErr != nil {
			return nil, ref, nil
		}
		if byNumber == nil {
			cs, err := s.app.Cases(rq.r.Context(), rq.principal(), "", "")
			if err != nil {
				return nil, "", err
			}
			byNumber = map[int]string{}
			for _, c := range cs {
				byNumber[c.Number] = c.ID
			}
		}
		id, ok := byNumber[n]
		if !ok {
			return nil, ref, nil
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, "", nil
}

func (s *Server) makeCommitment(rq *request) error {
	f := rq.r.PostForm
	in := app.CommitmentInput{From: f.Get("from"), To: f.Get("to"), Kind: f.Get("kind")}
	errs := formErrs{}
	if v := strings.TrimSpace(f.Get("due_on")); v != "" {
		if err := in.DueOn.UnmarshalText([]byte(v)); err != nil {
			errs["due_on"] = rq.loc.T("meet.err.date")
		}
	}
	ids, bad, err := s.caseNumbers(rq, f.Get("cases"))
	if err != nil {
		return err
	}
	if bad != "" {
		errs["cases"] = rq.loc.T("commit.err.nocase", bad)
	}
	in.CaseIDs = ids
	if len(errs) == 0 {
		c, err := s.app.MakeCommitment(rq.r.Context(), rq.principal(), rq.r.PathValue("id"), in)
		ve, ok := validationErrs(rq.loc, err, func(f string) string {
			if r := rootField(f); r == "case_ids" || r == "rows" {
				return "cases"
			} else {
				return r
			}
		})
		switch {
		case ok:
			errs = ve
		case err != nil:
			return err
		default:
			http.Redirect(rq.w, rq.r, "/commitments/"+c.ID+"?done=committed", http.StatusSeeOther)
			return nil
		}
	}
	return s.showMeeting(rq, http.StatusUnprocessableEntity, "commit", errs, f)
}

func (s *Server) planOperation(rq *request) error {
	ctx, p, f := rq.r.Context(), rq.principal(), rq.r.PostForm
	in := app.OperationInput{MeetingID: rq.r.PathValue("id"), CrossingPoint: f.Get("crossing_point"), Route: f.Get("route"), CaseIDs: f["cases"]}
	errs := formErrs{}
	if v := strings.TrimSpace(f.Get("date")); v != "" {
		if err := in.Date.UnmarshalText([]byte(v)); err != nil {
			errs["date"] = rq.loc.T("meet.err.date")
		}
	}
	// One escort field per organisation at the meeting (escort-<id>);
	// several names are separated by semicolons.
	var keys []string
	for k := range f {
		if strings.HasPrefix(k, "escort-") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for name := range strings.SplitSeq(f.Get(k), ";") {
			if name = strings.TrimSpace(name); name != "" {
				in.Escorts = append(in.Escorts, app.EscortInput{Organisation: strings.TrimPrefix(k, "escort-"), Name: name})
			}
		}
	}
	if len(errs) == 0 {
		o, err := s.app.PlanOperation(ctx, p, in)
		ve, ok := validationErrs(rq.loc, err, func(f string) string {
			switch r := rootField(f); r {
			case "case_ids":
				return "cases"
			case "route":
				return "crossing_point"
			default:
				return r
			}
		})
		switch {
		case ok:
			errs = ve
		case err != nil:
			return err
		default:
			http.Redirect(rq.w, rq.r, "/operations/"+o.ID+"?done=planned", http.StatusSeeOther)
			return nil
		}
	}
	return s.showMeeting(rq, http.StatusUnprocessableEntity, "operation", errs, f)
}

func (s *Server) addMeetingAttachment(rq *request) error {
	file, hdr, err := rq.r.FormFile("file")
	if err != nil {
		return s.showMeeting(rq, http.StatusUnprocessableEntity, "attach", formErrs{"file": rq.loc.T("form.required")}, nil)
	}
	defer file.Close()
	content, err := io.ReadAll(io.LimitReader(file, app.MaxAttachment+1))
	if err != nil {
		return err
	}
	if _, err := s.app.AddMeetingAttachment(rq.r.Context(), rq.principal(), rq.r.PathValue("id"), hdr.Filename, content); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			return s.showMeeting(rq, http.StatusUnprocessableEntity, "attach", formErrs{"file": rq.loc.T("meet.err.file")}, nil)
		}
		return err
	}
	http.Redirect(rq.w, rq.r, "/meetings/"+rq.r.PathValue("id")+"?done=attached#attachments", http.StatusSeeOther)
	return nil
}

func (s *Server) meetingAttachment(rq *request) error {
	at, content, err := s.app.MeetingAttachment(rq.r.Context(), rq.principal(), rq.r.PathValue("id"), rq.r.PathValue("aid"))
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("Content-Type", at.ContentType)
	// Always a download, never shown in the page's origin.
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": at.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	rq.w.Write(content)
	return nil
}

// --- One commitment: what it covers, how far each child has come, and
// the withdrawal by the organisation that made it.

type commitmentData struct {
	View        app.CommitmentView
	Orgs        map[string]string
	CanWithdraw bool
	Errors      formErrs
	Reason      string
}

func (commitmentData) nav() string { return "meetings" }

func (s *Server) commitmentPage(rq *request) error {
	return s.showCommitment(rq, http.StatusOK, nil, "")
}

func (s *Server) showCommitment(rq *request, status int, errs formErrs, reason string) error {
	p := rq.principal()
	v, err := s.app.Commitment(rq.r.Context(), p, rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	d := commitmentData{View: v, Errors: errs, Reason: reason,
		CanWithdraw: canActAtMeetings(p) && v.FromOrg == p.OrgID && v.Status != app.StatusMet && v.Status != app.StatusWithdrawn}
	if d.Errors == nil {
		d.Errors = formErrs{}
	}
	if d.Orgs, _, err = s.orgNames(rq); err != nil {
		return err
	}
	s.render(rq, status, "commitment", "commit.title", "", d)
	return nil
}

func (s *Server) withdrawCommitment(rq *request) error {
	reason := strings.TrimSpace(rq.r.PostForm.Get("reason"))
	if reason == "" {
		return s.showCommitment(rq, http.StatusUnprocessableEntity, formErrs{"reason": rq.loc.T("form.required")}, reason)
	}
	_, err := s.app.WithdrawCommitment(rq.r.Context(), rq.principal(), rq.r.PathValue("id"), reason)
	if ve, ok := validationErrs(rq.loc, err, rootField); ok {
		return s.showCommitment(rq, http.StatusUnprocessableEntity, ve, reason)
	}
	if err != nil {
		return err
	}
	http.Redirect(rq.w, rq.r, "/commitments/"+rq.r.PathValue("id")+"?done=withdrawn", http.StatusSeeOther)
	return nil
}

// --- One operation: its plan, each child's handover record, and the form
// that completes it.

type operationChild struct {
	store.OperationChild
	Number int // 0 if the case is not one of the user's organisation's
}

type operationData struct {
	View     app.OperationView
	Children []operationChild
	Orgs     map[string]string
	CanWrite bool
	Now      string // the default time of a handover, for the form
	Errors   formErrs
	Values   url.Values
}

func (operationData) nav() string { return "meetings" }

// Field is what was typed into a child's field.
func (d operationData) Field(name, caseID string) string { return d.Values.Get(name + "-" + caseID) }

// Err is the problem with a child's field.
func (d operationData) Err(name, caseID string) string { return d.Errors[name+"-"+caseID] }

// Stayed says the form had the child staying behind.
func (d operationData) Stayed(caseID string) bool {
	return d.Values.Get("outcome-"+caseID) == store.ChildStayedBehind
}

func (s *Server) operationPage(rq *request) error {
	return s.showOperation(rq, http.StatusOK, nil, nil)
}

func (s *Server) showOperation(rq *request, status int, errs formErrs, values url.Values) error {
	ctx, p := rq.r.Context(), rq.principal()
	v, err := s.app.Operation(ctx, p, rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	d := operationData{View: v, CanWrite: canActAtMeetings(p) && v.Status == store.OperationPlanned, Errors: errs, Values: values,
		Now: s.app.Store().Now().UTC().Format("2006-01-02T15:04")}
	if d.Errors == nil {
		d.Errors = formErrs{}
	}
	if d.Values == nil {
		d.Values = url.Values{}
	}
	if d.Orgs, _, err = s.orgNames(rq); err != nil {
		return err
	}
	mine, err := s.app.Cases(ctx, p, "", "")
	if err != nil {
		return err
	}
	numbers := map[string]int{}
	for _, c := range mine {
		numbers[c.ID] = c.Number
	}
	for _, c := range v.Children {
		d.Children = append(d.Children, operationChild{OperationChild: c, Number: numbers[c.CaseID]})
	}
	s.render(rq, status, "operation", "op.title", "", d)
	return nil
}

// handoverTime reads a time typed in UTC: the form's datetime-local, or
// RFC 3339.
func handoverTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, v)
}

func (s *Server) completeOperation(rq *request) error {
	ctx, p, f := rq.r.Context(), rq.principal(), rq.r.PostForm
	v, err := s.app.Operation(ctx, p, rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	errs := formErrs{}
	var in app.CompletionInput
	for _, c := range v.Children {
		id := c.CaseID
		h := app.HandoverInput{CaseID: id}
		if f.Get("outcome-"+id) == store.ChildStayedBehind {
			h.StayedBehind = strings.TrimSpace(f.Get("reason-" + id))
			if h.StayedBehind == "" {
				errs["reason-"+id] = rq.loc.T("op.err.reason")
			}
		} else {
			h.HandedBy, h.ReceivedBy = f.Get("handed_by-"+id), f.Get("received_by-"+id)
			if at := strings.TrimSpace(f.Get("at-" + id)); at != "" {
				if h.At, err = handoverTime(at); err != nil {
					errs["at-"+id] = rq.loc.T("op.err.time")
				}
			}
			for line := range strings.Lines(f.Get("documents-" + id)) {
				if line = strings.TrimSpace(line); line != "" {
					h.Documents = append(h.Documents, line)
				}
			}
		}
		in.Children = append(in.Children, h)
	}
	if len(errs) == 0 {
		_, err = s.app.CompleteOperation(ctx, p, v.ID, in)
		ve, ok := validationErrs(rq.loc, err, func(field string) string {
			// children[i].handed_by is the field handed_by-<case id>.
			var i int
			if _, rest, found := strings.Cut(field, "children["); found {
				n, after, _ := strings.Cut(rest, "]")
				i, _ = strconv.Atoi(n)
				if name := strings.SplitN(strings.TrimPrefix(after, "."), "[", 2)[0]; name != "" && i < len(in.Children) {
					if name == "stayed_behind" {
						name = "reason"
					}
					return name + "-" + in.Children[i].CaseID
				}
			}
			return ""
		})
		var ill *cases.IllegalTransitionError
		var forb *cases.ForbiddenError
		var inErr *cases.InputError
		switch {
		case ok:
			errs = ve
		case errors.As(err, &ill), errors.As(err, &forb), errors.As(err, &inErr):
			// A case could not move to reunited (someone moved it
			// meanwhile): nothing was recorded.
			errs[""] = rq.loc.T("op.err.cannotmove")
		case errors.Is(err, store.ErrConflict):
			errs[""] = rq.loc.T("op.err.done")
		case err != nil:
			return err
		default:
			http.Redirect(rq.w, rq.r, "/operations/"+v.ID+"?done=completed", http.StatusSeeOther)
			return nil
		}
	}
	return s.showOperation(rq, http.StatusUnprocessableEntity, errs, f)
}
