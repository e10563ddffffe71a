package interchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

func TestWriterEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := NewWriter(&buf).Flush(); err != nil {
		t.Fatal(err)
	}
	want := "id,given_name,patronymic,family_name,other_names,sex,birth_date,birth_place,home_settlement,home_oblast," +
		"home_country,separation_date,separation_place,category,mother_name,father_name,other_relatives,notes\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	if !reflect.DeepEqual(Columns(), strings.Split(strings.TrimSpace(want), ",")) {
		t.Errorf("Columns() = %v", Columns())
	}
}

func TestWriterFormulaGuard(t *testing.T) {
	rec := domain.Record{ExternalID: "=1+1", Person: domain.Person{
		Names:      []domain.Name{{Given: "+380", Family: "-Бондар"}, {Given: "Сашко"}, {Given: "=cmd"}},
		BirthDate:  domain.MustParseFuzzyDate("~2012"),
		BirthPlace: "@SUM(A1)",
		LastHome:   domain.Place{Settlement: "\tTab", Oblast: "\rCR", Country: "UA"},
		Relatives:  []domain.Relative{{Relation: domain.RelationMother, Name: "Ірина"}, {Relation: domain.RelationSibling, Name: "-x"}},
		Notes:      "=HYPERLINK(\"http://example.invalid\")",
	}}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, name := range rows[0] {
		got[name] = rows[1][i]
	}
	want := map[string]string{
		"id": "'=1+1", "given_name": "'+380", "family_name": "'-Бондар",
		"other_names":     "Сашко;=cmd", // only a cell's first character matters to a spreadsheet
		"birth_date":      "~2012",
		"birth_place":     "'@SUM(A1)",
		"home_settlement": "'\tTab", "home_oblast": "'\rCR", "home_country": "UA",
		"mother_name": "Ірина", "other_relatives": "'-x",
		"notes": "'=HYPERLINK(\"http://example.invalid\")",
	}
	for name, v := range got {
		if v != want[name] {
			t.Errorf("%s = %q, want %q", name, v, want[name])
		}
	}
}

// The writer's cells: a second mother and relations the format lacks go to
// other_relatives; aliases are written whole.
func TestWriterCells(t *testing.T) {
	rec := domain.Record{ExternalID: "X", Person: domain.Person{
		Names: []domain.Name{{Given: "Анна"}, {}, {Given: "Ганна", Patronymic: "Петрівна", Family: "Бондар"}, {Family: "Бондаренко"}},
		Relatives: []domain.Relative{
			{Relation: domain.RelationSibling, Name: "Дмитро"},
			{Relation: domain.RelationMother, Name: "Ірина"},
			{Relation: domain.RelationMother, Name: "Олена"},
			{Relation: domain.RelationFather, Name: "Петро"},
		},
	}}
	var row [numColumns]string
	cells(&rec, &row)
	want := [numColumns]string{colID: "X", colGiven: "Анна", colOtherNames: "Ганна Петрівна Бондар;Бондаренко",
		colMother: "Ірина", colFather: "Петро", colOtherRelatives: "Дмитро;Олена"}
	if row != want {
		t.Errorf("cells = %q\nwant %q", row, want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterError(t *testing.T) {
	w := NewWriter(failingWriter{})
	w.Write(sampleRecords(domain.KindChild)[0]) // buffered: the error shows on Flush
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Flush = %v, want the write error", err)
	}
}
