package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/sharing"
)

func (s *Server) routeExchange() {
	s.handle("GET /api/v1/sharing-policies/{owner}/{viewer}", s.getPolicy)
	s.handle("PUT /api/v1/sharing-policies/{owner}/{viewer}", s.putPolicy)
	s.handle("GET /api/v1/lists", s.listLists)
	s.handle("POST /api/v1/lists", s.submitList)
	s.handle("GET /api/v1/lists/{id}", s.getList)
	s.handle("POST /api/v1/lists/{id}/acknowledge", s.acknowledgeList)
	s.handle("GET /api/v1/cases", s.listCases)
	s.handle("GET /api/v1/cases/{id}", s.getCase)
	s.handle("POST /api/v1/cases/{id}/transitions", s.moveCase)
	s.handle("GET /api/v1/cases/{id}/messages", s.caseChannel)
	s.handle("POST /api/v1/cases/{id}/messages", s.postMessage)
	s.handle("POST /api/v1/cases/{id}/attachments", s.addAttachment)
	s.handle("GET /api/v1/attachments/{id}", s.getAttachment)
	s.handle("GET /api/v1/reports", s.report)
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	pol, err := s.app.SharingPolicy(r.Context(), p, r.PathValue("owner"), r.PathValue("viewer"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pol)
	return nil
}

func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		Listed   []sharing.Field `json:"listed"`
		Handover []sharing.Field `json:"handover"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	pol, err := s.app.SetSharingPolicy(r.Context(), p, sharing.Policy{Owner: r.PathValue("owner"), Viewer: r.PathValue("viewer"), Listed: in.Listed, Handover: in.Handover})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pol)
	return nil
}

func (s *Server) listLists(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ls, err := s.app.Lists(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(ls)})
	return nil
}

func (s *Server) submitList(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in app.ListSubmission
	if err := decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.app.SubmitList(r.Context(), p, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/lists/"+l.ID)
	writeJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Server) getList(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	l, recs, err := s.app.List(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": l, "records": nonNil(recs)})
	return nil
}

func (s *Server) acknowledgeList(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	l, err := s.app.AcknowledgeList(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	cs, err := s.app.Cases(r.Context(), p, r.URL.Query().Get("state"), r.URL.Query().Get("turned_18"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(cs)})
	return nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	c, err := s.app.Case(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(c.Version)))
	writeJSON(w, http.StatusOK, c)
	return nil
}

// moveCase takes {"to": state, "version": n, ...the fields the move needs}.
func (s *Server) moveCase(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		To      cases.State `json:"to"`
		Version int         `json:"version"`
		cases.Input
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.To == "" {
		return problem(http.StatusUnprocessableEntity, "the input has invalid fields", domain.FieldError{Field: "to", Detail: "required: the state to move to"})
	}
	c, err := s.app.MoveCase(r.Context(), p, r.PathValue("id"), in.Version, in.To, in.Input)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) caseChannel(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ch, err := s.app.CaseChannel(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": nonNil(ch.Messages), "attachments": nonNil(ch.Attachments)})
	return nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in struct {
		Body     string `json:"body"`
		ParentID string `json:"parent_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := s.app.PostMessage(r.Context(), p, r.PathValue("id"), in.ParentID, in.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

// addAttachment takes the file as the raw body; ?name= gives its file name
// and ?message_id= the message it goes with.
func (s *Server) addAttachment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, app.MaxAttachment))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	at, err := s.app.AddAttachment(r.Context(), p, r.PathValue("id"), q.Get("message_id"), q.Get("name"), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, at)
	return nil
}

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	at, content, err := s.app.Attachment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", at.ContentType)
	// Always a download, never shown inline: the content came from outside.
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.ToValidUTF8(at.Name, "_")))
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(content)
	return err
}

func (s *Server) report(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	rep, err := s.app.Report(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// caseProblem maps the state machine's refusals.
func caseProblem(err error) (*Problem, bool) {
	var ill *cases.IllegalTransitionError
	var forb *cases.ForbiddenError
	var in *cases.InputError
	switch {
	case errors.As(err, &ill):
		return problem(http.StatusConflict, ill.Error()), true
	case errors.As(err, &forb):
		return problem(http.StatusForbidden, forb.Error()), true
	case errors.As(err, &in):
		return problem(http.StatusUnprocessableEntity, "the input has invalid fields", in.FieldError()), true
	case errors.Is(err, app.ErrNoKeys):
		return problem(http.StatusServiceUnavailable, err.Error()), true
	}
	return nil, false
}
