package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/names"
	"github.com/reunite-ftr/reunite/internal/store"
)

func (s *Server) routeTransfer() {
	s.page("GET /import", s.importForm)
	s.page("POST /import", s.upload)
	s.page("GET /import/{id}", s.importPage)
	s.page("POST /import/{id}", s.importAct)
	s.page("GET /import/{id}/progress", s.importProgress)
	s.page("GET /export/{file}", s.export)
	s.page("GET /cases/{id}/summary.pdf", s.caseSummary)
}

// An upload waits an hour at most for its columns to be mapped; the
// preview shows its first rows.
const (
	previewRows = 5
	uploadTTL   = time.Hour
)

// upload is a file waiting for its columns to be mapped, then checked,
// then run. It lives in memory only, for its owner only, and is dropped
// after an hour: it holds personal data nobody has accepted yet.
type upload struct {
	ID      string
	Owner   string // user id
	Kind    domain.Kind
	Name    string
	Header  []string
	Rows    [][]string
	Created time.Time

	mu       sync.Mutex
	Mapping  map[string]string // file column → interchange column ("-": ignore)
	HandTo   []string          // organisations to hand the records over to, in a list
	Listed   int               // how many organisations the list went to
	Checked  bool
	Bad      []*interchange.RowError
	BadTotal int
	Running  bool
	Done     int
	Finished bool
	Result   *app.ImportResult
	Err      string
}

func (s *Server) importForm(rq *request) error {
	if !rq.can(access.ImportExport) || !rq.can(access.WriteRecords) {
		return app.ErrForbidden
	}
	s.render(rq, http.StatusOK, "import", "import.title", "", importData{Phase: "upload"})
	return nil
}

type importData struct {
	Phase   string // upload, map, running, done
	Upload  *upload
	Columns []string
	Guess   map[string]string
	Preview [][]string
	Error   string
	// Others are the organisations the records may be handed over to.
	Others []domain.Organisation
}

func (d importData) nav() string { return "import" }

func (s *Server) upload(rq *request) error {
	if !rq.can(access.ImportExport) || !rq.can(access.WriteRecords) {
		return app.ErrForbidden
	}
	kind := domain.Kind(rq.r.FormValue("kind"))
	fail := func(key string) error {
		s.render(rq, http.StatusUnprocessableEntity, "import", "import.title", "", importData{Phase: "upload", Error: key})
		return nil
	}
	if kind != domain.KindChild && kind != domain.KindRequest {
		return fail("import.kind.required")
	}
	f, hdr, err := rq.r.FormFile("file")
	if err != nil {
		return fail("import.file.required")
	}
	defer f.Close()
	header, rows, err := interchange.ReadTable(hdr.Filename, f)
	if errors.Is(err, interchange.ErrTableTooLarge) {
		return fail("import.file.toolarge")
	}
	if err != nil {
		s.log.Info("upload refused", "file", hdr.Filename, "err", err)
		return fail("import.file.unreadable")
	}
	u := &upload{ID: randomToken()[:22], Owner: rq.principal().ID, Kind: kind, Name: hdr.Filename, Header: header, Rows: rows, Created: time.Now(), Mapping: guessMapping(header)}
	s.importsMu.Lock()
	for id, old := range s.imports {
		if time.Since(old.Created) > uploadTTL {
			delete(s.imports, id)
		}
	}
	s.imports[u.ID] = u
	s.importsMu.Unlock()
	http.Redirect(rq.w, rq.r, "/import/"+u.ID, http.StatusSeeOther)
	return nil
}

// guessMapping maps each file column to the interchange column of the same
// name, ignoring case, spaces and the usual Ukrainian and Russian headings.
func guessMapping(header []string) map[string]string {
	known := map[string]string{
		"ім'я": "given_name", "имя": "given_name", "по батькові": "patronymic", "отчество": "patronymic",
		"прізвище": "family_name", "фамилия": "family_name", "стать": "sex", "пол": "sex",
		"дата народження": "birth_date", "дата рождения": "birth_date", "first name": "given_name",
		"last name": "family_name", "surname": "family_name", "dob": "birth_date", "date of birth": "birth_date",
	}
	cols := map[string]bool{}
	for _, c := range interchange.Columns() {
		cols[c] = true
	}
	m := map[string]string{}
	for _, h := range header {
		k := strings.ToLower(strings.TrimSpace(names.Normalize(h)))
		k = strings.NewReplacer("’", "'", "ʼ", "'").Replace(k)
		switch {
		case cols[strings.ReplaceAll(k, " ", "_")]:
			m[h] = strings.ReplaceAll(k, " ", "_")
		case known[k] != "":
			m[h] = known[k]
		default:
			m[h] = interchange.Ignore
		}
	}
	return m
}

func (s *Server) ownUpload(rq *request) (*upload, error) {
	s.importsMu.Lock()
	u := s.imports[rq.r.PathValue("id")]
	s.importsMu.Unlock()
	if u == nil || u.Owner != rq.principal().ID {
		return nil, errNotFound
	}
	return u, nil
}

func (s *Server) importPage(rq *request) error {
	u, err := s.ownUpload(rq)
	if err != nil {
		return err
	}
	// The organisations first, the upload's lock after: a running import
	// holds the database's writer while it reports its progress under
	// that lock, so the lock must never be held while waiting for the
	// database.
	orgs, err := s.app.Orgs(rq.r.Context(), rq.principal())
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	d := importData{Phase: "map", Upload: u, Columns: interchange.Columns(), Preview: u.Rows[:min(len(u.Rows), previewRows)]}
	for _, o := range orgs {
		if o.ID != rq.principal().OrgID {
			d.Others = append(d.Others, o)
		}
	}
	switch {
	case u.Finished:
		d.Phase = "done"
	case u.Running:
		d.Phase = "running"
	}
	s.render(rq, http.StatusOK, "import", "import.title", "", d)
	return nil
}

// fileCSV writes the upload as interchange CSV under the chosen mapping.
func (u *upload) fileCSV() io.Reader {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(u.Header)
	w.WriteAll(u.Rows)
	return &b
}

func (u *upload) mapping() interchange.Mapping {
	m := interchange.Mapping{}
	for from, to := range u.Mapping {
		if to != from {
			m[from] = to
		}
	}
	return m
}

func (s *Server) importAct(rq *request) error {
	u, err := s.ownUpload(rq)
	if err != nil {
		return err
	}
	if err := rq.r.ParseForm(); err != nil {
		return err
	}
	u.mu.Lock()
	if u.Running || u.Finished {
		u.mu.Unlock()
		http.Redirect(rq.w, rq.r, "/import/"+u.ID, http.StatusSeeOther)
		return nil
	}
	for i, h := range u.Header {
		if v, ok := rq.r.PostForm["col"+fmt.Sprint(i)]; ok && len(v) == 1 {
			u.Mapping[h] = v[0]
		}
	}
	u.HandTo = rq.r.PostForm["hand_to"]
	run := rq.r.PostForm.Get("action") == "run" && u.Checked && u.BadTotal == 0
	u.mu.Unlock()
	p := rq.principal()
	if !run {
		// Check: every row read and validated, nothing stored.
		res, err := s.app.Import(rq.r.Context(), p, u.Kind, u.fileCSV(), app.ImportOptions{Mapping: u.mapping(), DryRun: true})
		u.mu.Lock()
		u.Checked, u.Bad, u.BadTotal, u.Err = true, nil, 0, ""
		var ie *app.ImportError
		var fe *app.FileError
		switch {
		case errors.As(err, &ie):
			u.Bad, u.BadTotal = ie.Rows, ie.Total
		case errors.As(err, &fe):
			u.Err, u.BadTotal = fe.Error(), 1
		case err != nil:
			u.mu.Unlock()
			return err
		default:
			u.Done = res.Rows
		}
		u.mu.Unlock()
		http.Redirect(rq.w, rq.r, "/import/"+u.ID+"#check", http.StatusSeeOther)
		return nil
	}
	u.mu.Lock()
	u.Running, u.Done = true, 0
	u.mu.Unlock()
	// The import runs on after this request: a long list should not hang a
	// browser tab. It is one transaction: all rows or none.
	go func() {
		res, err := s.app.Import(contextForJob(rq), p, u.Kind, u.fileCSV(), app.ImportOptions{Mapping: u.mapping(), Progress: func(n int) {
			u.mu.Lock()
			u.Done = n
			u.mu.Unlock()
		}})
		var listErr error
		if err == nil && len(u.HandTo) > 0 && len(res.IDs) > 0 {
			// Handed over at once, so that the other party can match
			// them; a failure here leaves the records stored and says so.
			_, listErr = s.app.SubmitList(contextForJob(rq), p, app.ListSubmission{Kind: u.Kind, RecordIDs: res.IDs, Recipients: u.HandTo, Note: u.Name})
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		u.Running, u.Finished = false, true
		if err != nil {
			u.Err = err.Error()
			s.log.Warn("web import failed", "user", p.ID, "err", err)
			return
		}
		u.Result, u.Done = &res, res.Rows
		if listErr != nil {
			u.Err = "imported, but not handed over: " + listErr.Error()
			return
		}
		if len(res.IDs) > 0 {
			u.Listed = len(u.HandTo)
		}
	}()
	http.Redirect(rq.w, rq.r, "/import/"+u.ID, http.StatusSeeOther)
	return nil
}

// contextForJob is the request's context without its cancellation, for
// work that outlives the request (its values, such as receipts, stay).
func contextForJob(rq *request) context.Context { return context.WithoutCancel(rq.r.Context()) }

func (s *Server) importProgress(rq *request) error {
	u, err := s.ownUpload(rq)
	if err != nil {
		return err
	}
	u.mu.Lock()
	out := map[string]any{"done": u.Done, "total": len(u.Rows), "finished": u.Finished, "running": u.Running}
	u.mu.Unlock()
	rq.w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(rq.w).Encode(out)
}

// export sends what the user may see of one kind as CSV or XLSX.
func (s *Server) export(rq *request) error {
	file := rq.r.PathValue("file")
	kindName, format, _ := strings.Cut(file, ".")
	kind := domain.Kind(kindName)
	if (kind != domain.KindChild && kind != domain.KindRequest) || (format != "csv" && format != "xlsx") {
		return errNotFound
	}
	ctx, p := rq.r.Context(), rq.principal()
	stamp := s.app.Store().Now().Format("2006-01-02")
	if format == "csv" {
		var b bytes.Buffer
		if _, err := s.app.Export(ctx, p, kind, &b, store.RecordFilter{}); err != nil {
			return err
		}
		rq.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		rq.w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, kind, stamp))
		_, err := rq.w.Write(b.Bytes())
		return err
	}
	var b bytes.Buffer
	if _, err := s.app.Export(ctx, p, kind, &b, store.RecordFilter{}); err != nil {
		return err
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, row := range rows {
		// Every value is written as a string cell, never a formula, so a
		// name that starts with "=" cannot run in a spreadsheet.
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	rq.w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	rq.w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, kind, stamp))
	return x.Write(rq.w)
}

// Handing reports whether the user chose to hand the records to org.
func (u *upload) Handing(org string) bool {
	for _, o := range u.HandTo {
		if o == org {
			return true
		}
	}
	return false
}
