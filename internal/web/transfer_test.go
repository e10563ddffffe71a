package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// upload posts a file to the import page the way a browser does.
func (c *client) upload(kind, name string, content []byte) (int, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.csrf())
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.w.url+"/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.w.url)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = string(b)
	return resp.StatusCode, c.last
}

func xlsxOf(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var importPath = regexp.MustCompile(`action="(/import/[A-Za-z0-9_-]+)"`)

// TestImportShowsBadRowsThenRuns uploads an XLSX list whose headings are in
// Ukrainian and one of whose rows is bad: the page maps the columns, lists
// the bad row with its problem, stores nothing; the corrected file imports.
func TestImportShowsBadRowsThenRuns(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	c := w.client()
	c.mustSignIn("officer@ua.test")
	ctx := context.Background()
	count := func() int {
		recs, _, err := w.app.ListRecords(ctx, access.Operator("test", w.orgs["ua"]), store.RecordFilter{Kind: domain.KindRequest})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	rows := [][]string{
		{"id", "Ім'я", "Прізвище", "Дата народження", "Примітка"},
		{"X-1", "Тарас", "Бойко", "2013-04-05", "ok"},
		{"X-2", "Ольга", "Бойко", "2099-01-01", "future birth date"},
	}
	c.get("/import")
	code, body := c.upload("request", "list.xlsx", xlsxOf(t, rows))
	if code != http.StatusOK || !strings.Contains(body, `id="mapping"`) {
		t.Fatalf("upload: %d\n%.600s", code, body)
	}
	// The headings were recognised; the unknown one is ignored.
	for _, want := range []string{`value="given_name" selected`, `value="family_name" selected`, `value="birth_date" selected`} {
		if !strings.Contains(body, want) {
			t.Errorf("mapping page lacks %s", want)
		}
	}
	if !strings.Contains(body, "Тарас") {
		t.Errorf("no preview of the first rows")
	}
	path := importPath.FindStringSubmatch(body)[1]
	form := url.Values{"action": {"check"}, "col0": {"id"}, "col1": {"given_name"}, "col2": {"family_name"}, "col3": {"birth_date"}, "col4": {"-"}}
	code, body = c.post(path, form)
	if code != http.StatusOK || !strings.Contains(body, `id="bad-rows"`) || !strings.Contains(body, "X-2") {
		t.Fatalf("the bad row is not listed: %d\n%.800s", code, body)
	}
	if strings.Contains(body, `id="run-button"`) {
		t.Fatalf("a file with a bad row can be run")
	}
	if n := count(); n != 0 {
		t.Fatalf("checking stored %d records", n)
	}
	// Corrected, it checks clean and runs.
	rows[2][3] = "2014-06"
	c.get("/import")
	_, body = c.upload("request", "list.xlsx", xlsxOf(t, rows))
	path = importPath.FindStringSubmatch(body)[1]
	form.Set("hand_to", w.orgs["ru"].ID)
	if _, body = c.post(path, form); !strings.Contains(body, `id="check-ok"`) {
		t.Fatalf("the corrected file does not check clean:\n%.800s", body)
	}
	form.Set("action", "run")
	c.post(path, form)
	for range 200 {
		if _, body = c.get(path); strings.Contains(body, `id="import-done"`) {
			break
		}
	}
	if !strings.Contains(body, `id="import-done"`) || !strings.Contains(body, `id="import-listed"`) {
		t.Fatalf("no summary:\n%.800s", body)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d records stored, want 2", n)
	}
	// Running it again does nothing more.
	c.post(path, form)
	if n := count(); n != 2 {
		t.Fatalf("a second run stored more: %d", n)
	}

	// Exports hold what the user may see, in CSV and XLSX.
	resp, err := c.http.Get(w.url + "/export/request.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(recs) != 3 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV export: %d rows, %v", len(recs), err)
	}
	resp, err = c.http.Get(w.url + "/export/request.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	xrows, _ := x.GetRows(x.GetSheetName(0))
	if len(xrows) != 3 || !strings.Contains(strings.Join(xrows[1], " ")+strings.Join(xrows[2], " "), "Тарас") {
		t.Fatalf("XLSX export: %v", xrows)
	}
	// The other party has not received them in a list of its own kind to
	// export; a user without the transfer permission cannot export.
	admin := w.client()
	admin.mustSignIn("admin@ua.test")
	if code, _ := admin.get("/export/request.csv"); code != http.StatusForbidden {
		t.Fatalf("admin export: %d, want 403", code)
	}
}

func TestImportRefusesUnreadableFiles(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	c := w.client()
	c.mustSignIn("officer@ua.test")
	for name, content := range map[string][]byte{
		"broken.xlsx": []byte("PK\x03\x04 not really a zip"),
		"empty.csv":   nil,
		"quote.csv":   []byte("id,given_name\n\"X-1,unterminated\n"),
	} {
		c.get("/import")
		code, body := c.upload("request", name, content)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "not a readable") && !strings.Contains(body, "readable") {
			t.Errorf("%s: %d\n%.300s", name, code, mainOf(body))
		}
	}
}

func TestAdminPages(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	ctx := context.Background()
	med := w.client()
	med.mustSignIn("admin@med.test")
	med.get("/admin")
	// A new user, with a password too short first.
	if code, body := med.post("/admin/users", url.Values{"email": {"new@med.test"}, "password": {"short"}, "roles": {"reviewer"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "12 characters") {
		t.Fatalf("short password: %d", code)
	}
	if code, _ := med.post("/admin/users", url.Values{"email": {"new@med.test"}, "password": {password}, "roles": {"reviewer"}}); code != http.StatusOK {
		t.Fatalf("create user: %d", code)
	}
	w.client().mustSignIn("new@med.test")
	// The mediator narrows what ru sees of ua's records.
	med.get("/admin")
	form := url.Values{"owner": {w.orgs["ua"].ID}, "viewer": {w.orgs["ru"].ID}, "listed": {"names", "sex"}, "handover": {"current_location"}}
	if code, _ := med.post("/admin/sharing", form); code != http.StatusOK {
		t.Fatalf("set policy: %d", code)
	}
	pol, err := w.app.SharingPolicy(ctx, access.Operator("test", w.orgs["med"]), w.orgs["ua"].ID, w.orgs["ru"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if pol.Default || len(pol.Listed) != 2 || pol.Listed[1] != sharing.Sex {
		t.Fatalf("policy after the page: %+v", pol)
	}
	// A government's admin may manage its own users, not policies or parties.
	ua := w.client()
	ua.mustSignIn("admin@ua.test")
	ua.get("/admin")
	if code, _ := ua.post("/admin/sharing", form); code != http.StatusForbidden {
		t.Errorf("ua admin set a policy: %d", code)
	}
	if code, _ := ua.post("/admin/orgs", url.Values{"slug": {"new-party"}, "name": {"X"}, "kind": {"government"}}); code != http.StatusForbidden {
		t.Errorf("ua admin added an organisation: %d", code)
	}
	// Nor users of another organisation.
	users, err := w.app.Users(ctx, access.Operator("test", w.orgs["med"]))
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := ua.post("/admin/users/"+users[0].ID, url.Values{"roles": {"admin"}}); code != http.StatusNotFound {
		t.Errorf("ua admin changed a mediator user: %d", code)
	}
}

// TestImportOfHostileCells: formula-like cells are stored as the text they
// are and exported with the formula guard; a cell that is not UTF-8 is
// listed as a bad row naming its column, and nothing is stored.
func TestImportOfHostileCells(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	c := w.client()
	c.mustSignIn("officer@ua.test")
	ctx := context.Background()
	run := func(name string, content []byte, wantBad bool) string {
		t.Helper()
		c.get("/import")
		_, body := c.upload("request", name, content)
		m := importPath.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no mapping page:\n%.500s", name, mainOf(body))
		}
		form := url.Values{"action": {"check"}, "col0": {"id"}, "col1": {"given_name"}, "col2": {"family_name"}}
		_, body = c.post(m[1], form)
		if wantBad {
			return body
		}
		if !strings.Contains(body, `id="check-ok"`) {
			t.Fatalf("%s does not check clean:\n%.800s", name, mainOf(body))
		}
		form.Set("action", "run")
		c.post(m[1], form)
		for range 200 {
			if _, body = c.get(m[1]); strings.Contains(body, `id="import-done"`) {
				break
			}
		}
		return body
	}
	body := run("bad.csv", []byte("id,given_name,family_name\nX-1,Тарас,Бойко\nX-2,\xff\xfeОльга,Бойко\n"), true)
	if !strings.Contains(body, `id="bad-rows"`) || !strings.Contains(body, "given_name") || !strings.Contains(body, "UTF-8") {
		t.Fatalf("invalid UTF-8 not listed with its column:\n%.1200s", mainOf(body))
	}
	run("formulas.xlsx", xlsxOf(t, [][]string{{"id", "given_name", "family_name"}, {"F-1", "=HYPERLINK(\"http://x\",\"click\")", "@SUM(A1)"}}), false)
	recs, _, err := w.app.ListRecords(ctx, access.Operator("test", w.orgs["ua"]), store.RecordFilter{Kind: domain.KindRequest})
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records (%v), want the formula row only", len(recs), err)
	}
	if n := recs[0].Person.Names[0]; n.Given != `=HYPERLINK("http://x","click")` || n.Family != "@SUM(A1)" {
		t.Fatalf("formula cells stored as %q %q", n.Given, n.Family)
	}
	for _, format := range []string{"csv", "xlsx"} {
		resp, err := c.http.Get(w.url + "/export/request." + format)
		if err != nil {
			t.Fatal(err)
		}
		var cells []string
		if format == "csv" {
			rows, _ := csv.NewReader(resp.Body).ReadAll()
			cells = rows[1]
		} else {
			x, err := excelize.OpenReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows(x.GetSheetName(0))
			cells = rows[1]
			// No cell of the export is a formula.
			for i := range rows[1] {
				cell, _ := excelize.CoordinatesToCellName(i+1, 2)
				if f, _ := x.GetCellFormula(x.GetSheetName(0), cell); f != "" {
					t.Errorf("xlsx export: %s is the formula %q", cell, f)
				}
			}
		}
		resp.Body.Close()
		for _, v := range cells {
			if strings.HasPrefix(v, "=") || strings.HasPrefix(v, "@") {
				t.Errorf("%s export: unguarded cell %q", format, v)
			}
		}
		if !strings.Contains(strings.Join(cells, " "), `'=HYPERLINK`) {
			t.Errorf("%s export lost the guarded formula text: %q", format, cells)
		}
	}
}
