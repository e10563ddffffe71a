package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
)

// Meetings, commitments and handover operations (issue 9). Each is visible
// to the organisations that took part in its meeting; to any other it is
// the same 404 as something that does not exist.
func (s *Server) routeMeetings() {
	s.handle("GET /api/v1/meetings", s.listMeetings)
	s.handle("POST /api/v1/meetings", s.recordMeeting)
	s.handle("GET /api/v1/meetings/{id}", s.getMeeting)
	s.handle("POST /api/v1/meetings/{id}/commitments", s.makeCommitment)
	s.handle("POST /api/v1/meetings/{id}/attachments", s.addMeetingAttachment)
	s.handle("GET /api/v1/meetings/{id}/attachments/{aid}", s.getMeetingAttachment)
	s.handle("GET /api/v1/commitments", s.listCommitments)
	s.handle("GET /api/v1/commitments/{id}", s.getCommitment)
	s.handle("POST /api/v1/commitments/{id}/withdraw", s.withdrawCommitment)
	s.handle("GET /api/v1/operations", s.listOperations)
	s.handle("POST /api/v1/operations", s.planOperation)
	s.handle("GET /api/v1/operations/{id}", s.getOperation)
	s.handle("POST /api/v1/operations/{id}/complete", s.completeOperation)
	s.handle("GET /api/v1/meeting-figures", s.meetingFigures)
}

func (s *Server) listMeetings(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ms, err := s.app.Meetings(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms})
	return nil
}

func (s *Server) recordMeeting(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in app.MeetingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := s.app.RecordMeeting(r.Context(), p, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/meetings/"+m.ID)
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) getMeeting(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	m, err := s.app.Meeting(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) makeCommitment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in app.CommitmentInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.app.MakeCommitment(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/commitments/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// addMeetingAttachment takes the file as the raw body; ?name= gives its
// file name.
func (s *Server) addMeetingAttachment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, app.MaxAttachment))
	if err != nil {
		return err
	}
	at, err := s.app.AddMeetingAttachment(r.Context(), p, r.PathValue("id"), r.URL.Query().Get("name"), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, at)
	return nil
}

func (s *Server) getMeetingAttachment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	at, content, err := s.app.MeetingAttachment(r.Context(), p, r.PathValue("id"), r.PathValue("aid"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", at.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.ToValidUTF8(at.Name, "_")))
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(content)
	return err
}

// listCommitments takes ?status= (open, partly_met, met, overdue,
// withdrawn): ?status=overdue is the dashboard's flag.
func (s *Server) listCommitments(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	cs, err := s.app.Commitments(r.Context(), p, r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs})
	return nil
}

func (s *Server) getCommitment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	c, err := s.app.Commitment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// WithdrawalInput is the body of a commitment's withdrawal.
type WithdrawalInput struct {
	Reason string `json:"reason"`
}

func (s *Server) withdrawCommitment(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in WithdrawalInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.app.WithdrawCommitment(r.Context(), p, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listOperations(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ops, err := s.app.Operations(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ops})
	return nil
}

func (s *Server) planOperation(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in app.OperationInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.app.PlanOperation(r.Context(), p, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/operations/"+o.ID)
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) getOperation(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	o, err := s.app.Operation(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) completeOperation(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var in app.CompletionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.app.CompleteOperation(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) meetingFigures(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	f, err := s.app.MeetingFigures(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
