package api

import (
	"net/http"
	"strconv"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	q := r.URL.Query()
	var errs []domain.FieldError
	f := store.CandidateFilter{Status: q.Get("status"), RecordID: q.Get("record_id")}
	switch f.Status {
	case "", store.CandidateProposed, store.CandidateConfirmed, store.CandidateRejected:
	default:
		errs = append(errs, domain.FieldError{Field: "status", Detail: "must be proposed, confirmed or rejected"})
	}
	if v := q.Get("min_probability"); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || x > 1 {
			errs = append(errs, domain.FieldError{Field: "min_probability", Detail: "must be a number from 0 to 1"})
		}
		f.MinProbability = x
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, domain.FieldError{Field: "offset", Detail: "must be a whole number, 0 or more"})
		}
		f.Offset = n
	}
	f.Limit, errs = limitParam(q.Get("limit"), errs)
	if len(errs) > 0 {
		return problem(http.StatusBadRequest, "invalid query parameters", errs...)
	}
	items, err := s.app.ReviewQueue(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(items)})
	return nil
}

func (s *Server) getCandidate(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	item, err := s.app.Candidate(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item)
	return nil
}

func (s *Server) decideCandidate(confirm bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p access.Principal) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 {
			if err := decode(w, r, &in); err != nil {
				return err
			}
		}
		c, err := s.app.DecideCandidate(r.Context(), p, r.PathValue("id"), confirm, in.Reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}
