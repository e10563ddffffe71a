package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Problem is an RFC 9457 problem details object, with the offending fields
// listed in Errors so that a client can show each message next to its field.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
	// Rows lists the bad rows of a refused import.
	Rows []rowProblem `json:"rows,omitempty"`
}

type rowProblem struct {
	Line   int                 `json:"line"`
	ID     string              `json:"id,omitempty"`
	Detail string              `json:"detail,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
}

func problem(status int, detail string, fields ...domain.FieldError) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}
}

func (p *Problem) Error() string { return p.Detail }

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// problemOf maps an error from the application to the response a client
// should see. Errors it does not know are internal: their text stays in the
// log, never in the response.
func problemOf(err error) (*Problem, bool) {
	var p *Problem
	var verr *domain.ValidationError
	var ierr *app.ImportError
	var dup *store.DuplicateError
	var rowErr *interchange.RowError
	var maxErr *http.MaxBytesError
	var fileErr *app.FileError
	if p, ok := caseProblem(err); ok {
		return p, true
	}
	switch {
	case errors.As(err, &p):
		return p, true
	case errors.As(err, &verr):
		return problem(http.StatusUnprocessableEntity, "the input has invalid fields", verr.Fields...), true
	case errors.As(err, &ierr):
		out := problem(http.StatusUnprocessableEntity, fmt.Sprintf("%d bad row(s); nothing was stored", ierr.Total))
		for _, r := range ierr.Rows {
			rp := rowProblem{Line: r.Line, ID: r.ID, Errors: r.Fields}
			if r.Err != nil {
				rp.Detail = r.Err.Error()
			}
			out.Rows = append(out.Rows, rp)
		}
		return out, true
	case errors.As(err, &rowErr):
		return problem(http.StatusUnprocessableEntity, rowErr.Error()), true
	case errors.As(err, &maxErr):
		return problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxErr.Limit)), true
	case errors.As(err, &dup):
		return problem(http.StatusConflict, dup.Error(), domain.FieldError{Field: "external_id", Detail: "already exists"}), true
	case errors.Is(err, store.ErrNotFound):
		return problem(http.StatusNotFound, "no such resource"), true
	case errors.Is(err, store.ErrConflict):
		return problem(http.StatusConflict, conflictDetail(err)), true
	case errors.Is(err, store.ErrErased):
		return problem(http.StatusGone, "the record has been erased"), true
	case errors.Is(err, store.ErrDeleted):
		return problem(http.StatusGone, "the record has been deleted"), true
	case errors.Is(err, store.ErrDuplicate):
		return problem(http.StatusConflict, err.Error()), true
	case errors.Is(err, app.ErrForbidden):
		return problem(http.StatusForbidden, "your roles or token scopes do not allow this"), true
	case errors.Is(err, app.ErrUnauthenticated):
		return problem(http.StatusUnauthorized, "a valid API token is required"), true
	case errors.As(err, &fileErr):
		return problem(http.StatusUnprocessableEntity, err.Error()), true
	}
	return problem(http.StatusInternalServerError, "internal error"), false
}

// conflictDetail says what conflicted: the store's words (ids and states,
// never personal data), or, for a stale record, what to do.
func conflictDetail(err error) string {
	msg := strings.TrimSuffix(err.Error(), ": "+store.ErrConflict.Error())
	if msg == err.Error() || strings.HasPrefix(msg, "record ") {
		return "the record was changed since you read it: read it again and reapply your change"
	}
	return msg
}

// maxBody bounds a JSON request body: a record is a few kilobytes at most.
const maxBody = 1 << 20

// decode reads one JSON value from the request body into v, refusing
// unknown fields, wrong types, trailing data and oversized bodies, each with
// a problem that names what is wrong.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return problem(http.StatusUnsupportedMediaType, "send application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return jsonProblem(err)
		}
		return problem(http.StatusBadRequest, "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return err
	case errors.As(err, &syn):
		return problem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return problem(http.StatusBadRequest, "a field has the wrong type",
			domain.FieldError{Field: field, Detail: fmt.Sprintf("must be a JSON %s, not %s", jsonType(typ.Type.Kind().String()), typ.Value)})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return problem(http.StatusBadRequest, "the body is empty or cut short")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem(http.StatusBadRequest, "the body has a field this API does not know", domain.FieldError{Field: name, Detail: "unknown field"})
	}
	return problem(http.StatusBadRequest, "invalid JSON: "+err.Error())
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	}
	return "object"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
