package interchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

func TestRowErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ж", n) } // 2 bytes a letter
	aliases := func(n int) string {
		var items []string
		for i := range n {
			items = append(items, fmt.Sprintf("Name%d", i))
		}
		return strings.Join(items, ";")
	}
	tests := []struct {
		name  string
		cells map[string]string
		id    string
		want  map[string]string // column → substring of its detail; exactly these columns fail
	}{
		{name: "impossible date", cells: map[string]string{"birth_date": "2014-02-30"},
			want: map[string]string{"birth_date": `invalid date "2014-02-30": February 2014 has no day 30`}},
		{name: "date format", cells: map[string]string{"separation_date": "07.03.2014"},
			want: map[string]string{"separation_date": `invalid date "07.03.2014"`}},
		{name: "future birth", cells: map[string]string{"birth_date": "2025-06-02"},
			want: map[string]string{"birth_date": "in the future"}},
		{name: "separation before birth", cells: map[string]string{"birth_date": "2015", "separation_date": "2014-12"},
			want: map[string]string{"separation_date": "before the birth date"}},
		{name: "sex", cells: map[string]string{"sex": "x"}, want: map[string]string{"sex": `"x" is not one of`}},
		{name: "category", cells: map[string]string{"category": "war"}, want: map[string]string{"category": `"war" is not one of`}},
		{name: "country", cells: map[string]string{"home_country": "Ukraine"}, want: map[string]string{"home_country": `"UKRAINE" is not an ISO 3166-1 alpha-2`}},
		{name: "country digits", cells: map[string]string{"home_country": "U1"}, want: map[string]string{"home_country": "alpha-2"}},
		{name: "invalid UTF-8", cells: map[string]string{"notes": "ok \xff not"}, want: map[string]string{"notes": "not valid UTF-8"}},
		{name: "invalid UTF-8 in a name is reported once", cells: map[string]string{"given_name": "\xc3\x28", "family_name": ""},
			want: map[string]string{"given_name": "not valid UTF-8"}},
		{name: "cell too long", cells: map[string]string{"notes": strings.Repeat("a", MaxCellBytes+1)},
			want: map[string]string{"notes": fmt.Sprintf("longer than %d bytes", MaxCellBytes)}},
		{name: "given too long", cells: map[string]string{"given_name": long(201)}, want: map[string]string{"given_name": "longer than 200 characters"}},
		{name: "patronymic too long", cells: map[string]string{"patronymic": long(201)}, want: map[string]string{"patronymic": "longer than 200"}},
		{name: "family too long", cells: map[string]string{"family_name": long(201)}, want: map[string]string{"family_name": "longer than 200"}},
		{name: "no name", cells: map[string]string{"given_name": " ", "family_name": "", "patronymic": "Іванович"},
			want: map[string]string{"given_name": "a given or a family name is required"}},
		{name: "too many names", cells: map[string]string{"other_names": aliases(domain.MaxNames)}, want: map[string]string{"other_names": "at most 20 names"}},
		{name: "alias too long", cells: map[string]string{"other_names": "Сашко;" + long(201) + " Ковальчук"},
			want: map[string]string{"other_names": "name 2: given is longer than 200"}},
		{name: "place too long", cells: map[string]string{"birth_place": long(201), "home_settlement": long(201), "home_oblast": long(201), "separation_place": long(201)},
			want: map[string]string{"birth_place": "longer", "home_settlement": "longer", "home_oblast": "longer", "separation_place": "longer"}},
		{name: "mother too long", cells: map[string]string{"mother_name": long(201)}, want: map[string]string{"mother_name": "longer than 200"}},
		{name: "father too long", cells: map[string]string{"father_name": long(201)}, want: map[string]string{"father_name": "longer than 200"}},
		{name: "other relative too long", cells: map[string]string{"mother_name": "Ірина", "other_relatives": "Петро;;" + long(201)},
			want: map[string]string{"other_relatives": "relative 2: is longer than 200"}},
		{name: "too many relatives", cells: map[string]string{"other_relatives": strings.Repeat("Петро;", domain.MaxRelatives+1)},
			want: map[string]string{"other_relatives": "at most 50 relatives"}},
		{name: "id too long", cells: map[string]string{"id": strings.Repeat("x", 201)}, id: "-", want: map[string]string{"id": "longer than 200"}},
		{name: "id invalid UTF-8", cells: map[string]string{"id": "A-\xff"}, id: "-", want: map[string]string{"id": "not valid UTF-8"}},
		{name: "everything at once", cells: map[string]string{
			"given_name": long(300), "sex": "?", "birth_date": "2014-13", "home_country": "Україна",
			"category": "frontline", "notes": "\xff", "other_names": "Сашко;" + long(250),
		}, want: map[string]string{
			"given_name": "longer than 200", "other_names": "name 2", "sex": `"?"`, "birth_date": "month must be between 1 and 12",
			"home_country": "alpha-2", "category": `"frontline"`, "notes": "UTF-8",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := map[string]string{"id": "A-0012", "given_name": "Марія", "family_name": "Бондар"}
			for k, v := range tt.cells {
				cells[k] = v
			}
			src := fullHeader + csvRow(map[string]string{"given_name": "Перший"}) + csvRow(cells) + csvRow(map[string]string{"given_name": "Останній"})
			rs := readAll(t, src, domain.KindChild, Options{})
			if len(rs) != 3 || rs[0].err != nil || rs[2].err != nil {
				t.Fatalf("want a good row, a bad row and a good row; got %+v", rs)
			}
			var re *RowError
			if !errors.As(rs[1].err, &re) {
				t.Fatalf("error %v is %T, want *RowError", rs[1].err, rs[1].err)
			}
			wantID := "A-0012"
			if tt.id == "-" {
				wantID = ""
			}
			if re.Line != 3 || rs[1].line != 3 || re.ID != wantID || re.Err != nil {
				t.Errorf("RowError line %d (Next said %d), id %q, err %v; want line 3, id %q, no row error", re.Line, rs[1].line, re.ID, re.Err, wantID)
			}
			var got []string
			for _, f := range re.Fields {
				got = append(got, f.Field)
				if want, ok := tt.want[f.Field]; !ok {
					t.Errorf("unexpected problem %v", f)
				} else if !strings.Contains(f.Detail, want) {
					t.Errorf("%s: detail %q does not contain %q", f.Field, f.Detail, want)
				}
			}
			// Every expected column is reported once, in column order.
			var want []string
			for _, name := range columnNames {
				if _, ok := tt.want[name]; ok {
					want = append(want, name)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("fields %v, want %v (%v)", got, want, re)
			}
		})
	}
}

func TestRowErrorString(t *testing.T) {
	src := fullHeader + csvRow(map[string]string{"given_name": "A"}) + "\n" +
		csvRow(map[string]string{"id": "A-0012", "given_name": "Марія", "birth_date": "2014-02-30", "sex": "x"})
	rs := readAll(t, src, domain.KindChild, Options{})
	want := `line 4 (id A-0012): sex: "x" is not one of female, male, unknown (or f, m, u, ж, ч, м); ` +
		`birth_date: invalid date "2014-02-30": February 2014 has no day 30 (use YYYY-MM-DD, YYYY-MM, YYYY, ~YYYY or YYYY/YYYY)`
	if len(rs) != 2 || rs[1].err == nil || rs[1].err.Error() != want {
		t.Fatalf("got %+v\nwant error %s", rs, want)
	}
	noID := &RowError{Line: 9, Err: csv.ErrBareQuote, Fields: []domain.FieldError{{Field: "notes", Detail: "x"}}}
	if got, want := noID.Error(), `line 9: bare " in non-quoted-field; notes: x`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Malformed CSV gives a RowError naming the line, and reading goes on.
func TestMalformedRows(t *testing.T) {
	header := "id,given_name,notes\n"
	tests := []struct {
		name    string
		rows    string // after the header and a good row on line 2
		line    int
		id      string
		want    error
		nextRow int // the line of the good row after the bad one, 0 if none
	}{
		{name: "bare quote", rows: "A-1,Ан\"на,x\nA-2,Ok,y\n", line: 3, want: csv.ErrBareQuote, nextRow: 4},
		{name: "text after quote", rows: "A-1,\"Анна\"x,y\nA-2,Ok,y\n", line: 3, want: csv.ErrQuote, nextRow: 4},
		{name: "too few cells", rows: "A-1,Анна\nA-2,Ok,y\n", line: 3, id: "A-1", want: csv.ErrFieldCount, nextRow: 4},
		{name: "too many cells", rows: "A-1,Анна,x,y\nA-2,Ok,y\n", line: 3, id: "A-1", want: csv.ErrFieldCount, nextRow: 4},
		{name: "too many cells over lines", rows: "A-1,\"Анна\nБ\",x,\"y\nz\"\nA-2,Ok,y\n", line: 3, id: "A-1", want: csv.ErrFieldCount, nextRow: 6},
		{name: "unclosed quote", rows: "A-1,Анна,\"x\nA-2,Ok,y\n", line: 3, want: csv.ErrQuote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := readAll(t, header+"A-0,Перший,\n"+tt.rows, domain.KindChild, Options{})
			if len(rs) < 2 || rs[0].err != nil {
				t.Fatalf("got %+v", rs)
			}
			var re *RowError
			if !errors.As(rs[1].err, &re) || !errors.Is(rs[1].err, tt.want) {
				t.Fatalf("error %v (%T), want a *RowError wrapping %v", rs[1].err, rs[1].err, tt.want)
			}
			if re.Line != tt.line || rs[1].line != tt.line || re.ID != tt.id {
				t.Errorf("line %d (Next said %d), id %q; want line %d, id %q", re.Line, rs[1].line, re.ID, tt.line, tt.id)
			}
			if !strings.HasPrefix(re.Error(), fmt.Sprintf("line %d", tt.line)) {
				t.Errorf("Error() = %q does not name the line", re)
			}
			if tt.nextRow == 0 {
				if len(rs) != 2 {
					t.Errorf("got %d results after the bad row, want none", len(rs)-2)
				}
				return
			}
			if len(rs) != 3 || rs[2].err != nil || rs[2].line != tt.nextRow || rs[2].rec.ExternalID != "A-2" {
				t.Errorf("after the bad row got %+v, want A-2 on line %d", rs[2:], tt.nextRow)
			}
		})
	}
}

// endless is an input that never ends, to show the reader never buffers a
// whole row: reading it must stop with ErrRowTooLong, not run out of memory.
type endless struct{ pattern []byte }

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.pattern[i%len(e.pattern)]
	}
	return len(p), nil
}

func TestRowTooLong(t *testing.T) {
	tests := []struct {
		name string
		rest io.Reader // after "given_name,notes\nA,ok\n"
	}{
		{"one endless line", endless{[]byte("a")}},
		{"quote never closed", io.MultiReader(strings.NewReader("B,\""), endless{[]byte("line\n")})},
		{"just over the limit", strings.NewReader("B," + strings.Repeat("x", MaxRowBytes+bufSize) + "\nC,ok\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(io.MultiReader(strings.NewReader("given_name,notes\nA,ok\n"), tt.rest), domain.KindChild, Options{Today: today})
			if err != nil {
				t.Fatal(err)
			}
			if _, line, err := r.Next(); err != nil || line != 2 {
				t.Fatalf("first row: line %d, %v", line, err)
			}
			for range 2 { // the error sticks
				_, line, err := r.Next()
				if !errors.Is(err, ErrRowTooLong) || isRowError(err) || line != 3 {
					t.Fatalf("Next = line %d, %v; want ErrRowTooLong on line 3, not a RowError", line, err)
				}
				if !strings.HasPrefix(err.Error(), "line 3: ") {
					t.Errorf("error %q does not name the line", err)
				}
			}
		})
	}
}

// A long row under the limit is only a bad row: reading goes on.
func TestLongRowUnderLimit(t *testing.T) {
	src := "given_name,notes\n" +
		strings.Repeat("x", MaxRowBytes-100) + ",y\n" +
		"B,ok\n"
	rs := readAll(t, src, domain.KindChild, Options{})
	if len(rs) != 2 || !isRowError(rs[0].err) || rs[1].err != nil || rs[1].line != 3 {
		t.Fatalf("got %d results: %v", len(rs), rs)
	}
	re := rs[0].err.(*RowError)
	if len(re.Fields) != 1 || re.Fields[0].Field != "given_name" {
		t.Errorf("fields %v, want given_name too long", re.Fields)
	}
}

func TestSex(t *testing.T) {
	tests := map[string]domain.Sex{
		"female": domain.SexFemale, "Female": domain.SexFemale, "f": domain.SexFemale, "F": domain.SexFemale, "ж": domain.SexFemale, "Ж": domain.SexFemale,
		"male": domain.SexMale, "MALE": domain.SexMale, "m": domain.SexMale, "M": domain.SexMale, " m ": domain.SexMale,
		"ч": domain.SexMale, "Ч": domain.SexMale, "м": domain.SexMale, "М": domain.SexMale,
		"unknown": domain.SexUnknown, "u": domain.SexUnknown, "U": domain.SexUnknown,
		"": "", "x": "", "fem": "", "жінка": "", "n": "",
	}
	for in, want := range tests {
		if got := parseSex(in); got != want {
			t.Errorf("parseSex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCategoryAndDates(t *testing.T) {
	src := "given_name,category,birth_date,separation_date\n" +
		"A,Institution_Evacuated,2010/2012,~2014\n" +
		"B,,2010-01,2014-02-28\n"
	got := records(t, readAll(t, src, domain.KindChild, Options{}))
	p0, p1 := got[0].Person, got[1].Person
	if p0.Separation.Category != domain.CategoryInstitution || p0.BirthDate.String() != "2010/2012" || p0.Separation.Date.String() != "~2014" {
		t.Errorf("row 2: %+v", p0)
	}
	if p1.Separation.Category != "" || p1.BirthDate.String() != "2010-01" || p1.Separation.Date.String() != "2014-02-28" {
		t.Errorf("row 3: %+v", p1)
	}
}

// Cells are stored as written, apart from domain normalisation: in
// particular a leading "'" (the export's formula guard) is not stripped.
func TestImportKeepsCells(t *testing.T) {
	src := "given_name,family_name,notes\n'=Анна,-Бондар,\"  - шрам\n на коліні  \"\n"
	got := records(t, readAll(t, src, domain.KindChild, Options{}))
	n := got[0].Person.Names[0]
	if n.Given != "'=Анна" || n.Family != "-Бондар" || got[0].Person.Notes != "- шрам\n на коліні" {
		t.Errorf("got %+v", got[0].Person)
	}
}

// generate writes n plausible rows.
func generate(n int) []byte {
	given := []string{"Олександр", "Марія", "Дмитро", "Анна", "Наталья", "Ivan", "Софія", "Артем"}
	family := []string{"Ковальчук", "Шевченко", "Бондаренко", "Ёлкина", "Petrenko", "Мельник"}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range n {
		g, f := given[i%len(given)], family[i%len(family)]
		rec := domain.Record{Kind: domain.KindChild, ExternalID: fmt.Sprintf("UA-%07d", i), Person: domain.Person{
			Names:      []domain.Name{{Given: g, Patronymic: "Петрович", Family: f}, {Given: "Сашко"}, {Given: g, Family: f + "a"}},
			Sex:        domain.Sexes[i%3],
			BirthDate:  domain.MustParseFuzzyDate(fmt.Sprintf("%d-%02d-%02d", 2008+i%12, 1+i%12, 1+i%28)),
			BirthPlace: "Маріуполь",
			LastHome:   domain.Place{Settlement: "Маріуполь", Oblast: "Донецька", Country: "UA"},
			Separation: domain.Separation{Date: domain.MustParseFuzzyDate("2022-03"), Place: "Безіменне", Category: domain.CategoryFrontline},
			Relatives: []domain.Relative{
				{Relation: domain.RelationMother, Name: "Ірина " + f},
				{Relation: domain.RelationFather, Name: "Петро " + f},
				{Relation: domain.RelationOther, Name: "Галина Іванівна " + f},
			},
			Notes: "Шрам на лівому коліні, говорить українською та російською.",
		}}
		if err := w.Write(rec); err != nil {
			panic(err)
		}
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func BenchmarkReader(b *testing.B) {
	const rows = 10_000
	data := generate(rows)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), domain.KindChild, Options{Today: today})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, _, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// NFC turns U+037E GREEK QUESTION MARK into ";", so lists are split after
// normalising: otherwise an item would hold a ";" and not survive export.
func TestListsSplitAfterNormalising(t *testing.T) {
	src := "given_name,other_names,other_relatives\nА,\"Сашко\u037eАня  Бондар\",Петро\u037e Ірина\n"
	got := records(t, readAll(t, src, domain.KindChild, Options{}))
	p := got[0].Person
	var names, rels []string
	for _, n := range p.Names[1:] {
		names = append(names, n.Full())
	}
	for _, r := range p.Relatives {
		rels = append(rels, r.Name)
	}
	if !reflect.DeepEqual(names, []string{"Сашко", "Аня Бондар"}) || !reflect.DeepEqual(rels, []string{"Петро", "Ірина"}) {
		t.Errorf("names %q, relatives %q", names, rels)
	}
}
