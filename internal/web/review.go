package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

func (s *Server) routeReview() {
	s.page("GET /review", s.reviewNext)
	s.page("GET /review/{id}", s.reviewPair)
	s.page("POST /review/{id}", s.decide)
}

// nextWaiting returns the most probable pair the user's organisation has
// not voted on, other than skip, and how many such pairs there are.
func (s *Server) nextWaiting(rq *request, skip string) (string, int, error) {
	ids, err := s.app.WaitingPairs(rq.r.Context(), rq.principal())
	if err != nil {
		return "", 0, err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == skip })
	if len(ids) == 0 {
		return "", 0, nil
	}
	return ids[0], len(ids), nil
}

func (s *Server) reviewNext(rq *request) error {
	id, _, err := s.nextWaiting(rq, "")
	if err != nil {
		return err
	}
	if id == "" {
		s.render(rq, http.StatusOK, "reviewdone", "nav.review", "", nil)
		return nil
	}
	target := "/review/" + id
	if done := rq.r.URL.Query().Get("done"); done != "" {
		target += "?done=" + done
	}
	http.Redirect(rq.w, rq.r, target, http.StatusSeeOther)
	return nil
}

// fieldRow is one line of the side-by-side comparison.
type fieldRow struct {
	Field     string
	Request   string
	Child     string
	Level     int
	LevelText string
	Weight    float64
	Missing   bool
	Agreement string
}

type reviewData struct {
	Item    app.QueueItem
	Rows    []fieldRow
	Waiting int
	Voted   bool
	Reason  string
	Error   string
}

func (d reviewData) nav() string { return "review" }

func (s *Server) reviewPair(rq *request) error {
	return s.showPair(rq, http.StatusOK, "", "")
}

func (s *Server) showPair(rq *request, status int, reason, errKey string) error {
	item, err := s.app.Candidate(rq.r.Context(), rq.principal(), rq.r.PathValue("id"))
	if err != nil {
		return err
	}
	_, waiting, err := s.nextWaiting(rq, item.ID)
	if err != nil {
		return err
	}
	d := reviewData{Item: item, Waiting: waiting, Voted: votedBy(item, rq.principal().OrgID) || item.Status != store.CandidateProposed, Reason: reason, Error: errKey}
	for _, f := range item.Explanation.Fields {
		d.Rows = append(d.Rows, fieldRow{
			Field: f.Field, Request: fieldValue(item.Request, f.Field), Child: fieldValue(item.Child, f.Field),
			Level: f.LevelIndex, LevelText: f.Level, Weight: f.Weight, Missing: f.Missing, Agreement: agreementClass(f.Weight, f.Missing),
		})
	}
	s.render(rq, status, "review", "review.title", "", d)
	return nil
}

// fieldValue is what a record says for a compared field, as written.
func fieldValue(r *domain.Record, field string) string {
	if r == nil {
		return ""
	}
	p := r.Person
	n := p.PrimaryName()
	switch field {
	case "given_name":
		return n.Given
	case "family_name":
		var fs []string
		for _, nm := range p.Names {
			if nm.Family != "" && !contains(fs, nm.Family) {
				fs = append(fs, nm.Family)
			}
		}
		return strings.Join(fs, " / ")
	case "patronymic":
		return n.Patronymic
	case "birth_date":
		if p.BirthDate.IsZero() {
			return ""
		}
		return p.BirthDate.String()
	case "sex":
		return string(p.Sex)
	case "place":
		parts := []string{}
		if s := p.LastHome.String(); s != "" {
			parts = append(parts, s)
		}
		if p.BirthPlace != "" {
			parts = append(parts, p.BirthPlace)
		}
		return strings.Join(parts, " · ")
	case "mother":
		return p.RelativeName(domain.RelationMother)
	case "father":
		return p.RelativeName(domain.RelationFather)
	case "separation_date":
		if p.Separation.Date.IsZero() {
			return ""
		}
		return p.Separation.Date.String()
	case "siblings":
		var sib []string
		for _, rel := range p.Relatives {
			switch rel.Relation {
			case domain.RelationSibling, domain.RelationOther, domain.RelationGrandparent, domain.RelationAuntUncle:
				sib = append(sib, rel.Name)
			}
		}
		return strings.Join(sib, ", ")
	case "separation_category":
		return string(p.Separation.Category)
	}
	return ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (s *Server) decide(rq *request) error {
	decision, reason := rq.r.FormValue("decision"), strings.TrimSpace(rq.r.FormValue("reason"))
	if decision != "confirm" && decision != "reject" {
		return s.showPair(rq, http.StatusUnprocessableEntity, reason, "review.choose")
	}
	if decision == "reject" && reason == "" {
		return s.showPair(rq, http.StatusUnprocessableEntity, reason, "review.reason.required")
	}
	d, err := s.app.DecideCandidate(rq.r.Context(), rq.principal(), rq.r.PathValue("id"), decision == "confirm", reason)
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return s.showPair(rq, http.StatusUnprocessableEntity, reason, "review.invalid")
	case errors.Is(err, store.ErrConflict):
		return s.showPair(rq, http.StatusConflict, reason, "review.conflict")
	case err != nil:
		return err
	}
	done := "rejected"
	if decision == "confirm" {
		done = "voted"
		if d.Case != nil {
			done = "caseopened"
		}
	}
	http.Redirect(rq.w, rq.r, "/review?done="+done, http.StatusSeeOther)
	return nil
}
