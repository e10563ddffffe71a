package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// endlessRow is a CSV with a header and one row whose second cell goes on
// for size bytes, made as it is read: the test never holds it.
type endlessRow struct {
	head      string
	size, off int64
}

func (e *endlessRow) Read(p []byte) (int, error) {
	if e.head != "" {
		n := copy(p, e.head)
		e.head = e.head[n:]
		return n, nil
	}
	if e.off >= e.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	n = min(n, e.size-e.off)
	for i := range n {
		p[i] = 'a'
	}
	e.off += n
	return int(n), nil
}

// TestImportOfA2GBLine sends a list whose one row is 2 GB long: the import
// stops early with an error naming the row, reads only a little of it, and
// stores nothing.
func TestImportOfA2GBLine(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	h := api.New(w.app, nil)
	body := &endlessRow{head: "id,given_name,family_name\nX-1,Тарас,", size: 2 << 30}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/children/import", body)
	req.Header.Set("Authorization", "Bearer "+w.tokens["ua-caseworker"])
	req.Header.Set("Content-Type", "text/csv")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("status %d, want 4xx: %s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), "row") && !strings.Contains(rec.Body.String(), "line") {
		t.Errorf("the error does not say which row: %s", rec.Body)
	}
	if body.off > 64<<20 {
		t.Errorf("read %d MiB of the row before refusing it", body.off>>20)
	}
	recs, _, err := w.app.ListRecords(context.Background(), access.Operator("test", w.orgs["ua"]), store.RecordFilter{Kind: domain.KindChild})
	if err != nil || len(recs) != 0 {
		t.Fatalf("%d records stored (%v)", len(recs), err)
	}
	t.Logf("refused after reading %d KiB: %d %s", body.off>>10, rec.Code, rec.Body)
}

// TestImportOfInvalidUTF8NamesRowAndField: a list with a cell that is not
// UTF-8 is refused whole, naming the line and the column.
func TestImportOfInvalidUTF8NamesRowAndField(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	csv := "id,given_name,family_name\nX-1,Тарас,Бойко\nX-2,\xff\xfeОльга,Бойко\n"
	r := w.do("ua-caseworker", "POST", "/api/v1/children/import", csv, "Content-Type", "text/csv")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "given_name") || !strings.Contains(string(r.body), "UTF-8") || !strings.Contains(string(r.body), "3") {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	recs, _, _ := w.app.ListRecords(context.Background(), access.Operator("test", w.orgs["ua"]), store.RecordFilter{Kind: domain.KindChild})
	if len(recs) != 0 {
		t.Fatalf("%d records stored", len(recs))
	}
}
