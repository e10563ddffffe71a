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
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// today is fixed so that tests do not change with the calendar.
var today = domain.Date{Year: 2025, Month: time.June, Day: 1}

// result is one Next call's outcome.
type result struct {
	rec  domain.Record
	line int
	err  error
}

// readAll reads src to the end (or to a fatal error) and returns every outcome.
func readAll(t testing.TB, src string, kind domain.Kind, opts Options) []result {
	t.Helper()
	if opts.Today == (domain.Date{}) {
		opts.Today = today
	}
	r, err := NewReader(strings.NewReader(src), kind, opts)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var out []result
	for {
		rec, line, err := r.Next()
		if err == io.EOF {
			return out
		}
		out = append(out, result{rec, line, err})
		if err != nil && !isRowError(err) {
			return out
		}
	}
}

func isRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// records returns the records of results, failing on any error.
func records(t testing.TB, rs []result) []domain.Record {
	t.Helper()
	var recs []domain.Record
	for _, r := range rs {
		if r.err != nil {
			t.Fatalf("line %d: unexpected error: %v", r.line, r.err)
		}
		recs = append(recs, r.rec)
	}
	return recs
}

// csvRow renders cells by interchange column name as one row under fullHeader.
func csvRow(cells map[string]string) string {
	row := make([]string, numColumns)
	for name, v := range cells {
		c, ok := columnByName[name]
		if !ok {
			panic("test uses unknown column " + name)
		}
		row[c] = v
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(row)
	w.Flush()
	return b.String()
}

var fullHeader = strings.Join(columnNames[:], ",") + "\n"

func normalized(recs ...domain.Record) []domain.Record {
	for i := range recs {
		recs[i].Normalize()
	}
	return recs
}

func sampleRecords(kind domain.Kind) []domain.Record {
	return normalized(
		domain.Record{
			Kind: kind, ExternalID: "UA-0001",
			Person: domain.Person{
				Names: []domain.Name{
					{Given: "Олександр", Patronymic: "Петрович", Family: "Ковальчук"},
					{Given: "Сашко", Source: domain.SourceAlias},
					{Given: "Александр", Family: "Ковальчук", Source: domain.SourceAlias},
					{Given: "Олександр", Patronymic: "Петрович", Family: "Ковальчук-Шевчук", Source: domain.SourceAlias},
				},
				Sex:        domain.SexMale,
				BirthDate:  domain.MustParseFuzzyDate("2012-03-07"),
				BirthPlace: "Маріуполь",
				LastHome:   domain.Place{Settlement: "Маріуполь", Oblast: "Донецька", Country: "UA"},
				Separation: domain.Separation{Date: domain.MustParseFuzzyDate("2022-03"), Place: "Маріуполь, фільтраційний пункт", Category: domain.CategoryFrontline},
				Relatives: []domain.Relative{
					{Relation: domain.RelationMother, Name: "Ірина Ковальчук"},
					{Relation: domain.RelationFather, Name: "Петро Ковальчук"},
					{Relation: domain.RelationOther, Name: "Галина Іванівна Ковальчук"},
				},
				Notes: "Шрам на лівому коліні.\nГоворить українською; любить малювати, \"Кіт\".",
			},
		},
		domain.Record{
			Kind: kind, ExternalID: "RU-17",
			Person: domain.Person{
				Names:      []domain.Name{{Given: "Наталья", Patronymic: "Сергеевна", Family: "Ёлкина"}},
				Sex:        domain.SexFemale,
				BirthDate:  domain.MustParseFuzzyDate("~2014"),
				LastHome:   domain.Place{Settlement: "Таганрог", Country: "RU"},
				Separation: domain.Separation{Date: domain.MustParseFuzzyDate("2014/2015"), Category: domain.CategoryAcrossBorder},
				Relatives: []domain.Relative{
					{Relation: domain.RelationMother, Name: "Ольга Ёлкина"},
					{Relation: domain.RelationOther, Name: "Дмитрий Ёлкин"},
					{Relation: domain.RelationOther, Name: "Вера Петровна Ёлкина"},
				},
			},
		},
		domain.Record{
			Kind: kind, ExternalID: "ICRC/2023/000451",
			Person: domain.Person{
				Names: []domain.Name{
					{Given: "Anna", Family: "Kovalenko"},
					{Given: "Ania", Source: domain.SourceAlias},
					{Given: "Hanna", Family: "Kovalenko", Source: domain.SourceAlias},
				},
				Sex:        domain.SexUnknown,
				BirthDate:  domain.MustParseFuzzyDate("2013"),
				BirthPlace: "Kharkiv, Kharkivska oblast",
				Separation: domain.Separation{Category: domain.CategoryInstitution, Date: domain.MustParseFuzzyDate("2012/2014")},
			},
		},
		domain.Record{Kind: kind, Person: domain.Person{Names: []domain.Name{{Family: "Мельник"}}}},
	)
}

func TestRoundTrip(t *testing.T) {
	for _, kind := range domain.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			want := sampleRecords(kind)
			var buf bytes.Buffer
			w := NewWriter(&buf)
			for _, rec := range want {
				if err := w.Write(rec); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			rs := readAll(t, buf.String(), kind, Options{})
			got := records(t, rs)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip differs\n got %+v\nwant %+v\nfile:\n%s", got, want, buf.String())
			}
			// The first record's notes span two lines, so the second starts on line 4.
			var lines []int
			for _, r := range rs {
				lines = append(lines, r.line)
			}
			if wantLines := []int{2, 4, 5, 6}; !reflect.DeepEqual(lines, wantLines) {
				t.Errorf("lines = %v, want %v", lines, wantLines)
			}
		})
	}
}

// The same list written four ways must read the same.
func TestDelimiterBOMAndHeaderSpelling(t *testing.T) {
	comma := "id,given_name,family_name,other_names,birth_date,sex,home_country\n" +
		"A-1,Олена,Шевченко,Оленка;Олена Шевченко,2015-05,ж,ua\n" +
		"A-2,Ivan,Petrenko,,~2011,M,UA\n"
	semicolon := "\uFEFFID ; Given_Name;FAMILY_NAME;other_names;birth_date;sex;home_country\r\n" +
		"A-1;Олена;Шевченко;\"Оленка;Олена Шевченко\";2015-05;Ж;UA\r\n" +
		"\r\n" + // blank lines are skipped
		"A-2;Ivan;Petrenko;;~2011;m;ua\r\n"
	reordered := "sex,family_name,given_name,id,other_names,birth_date,home_country\n" +
		"f,Шевченко,Олена,A-1,\"Оленка ; Олена  Шевченко;\",2015-05,UA\n" +
		"male,Petrenko,Ivan,A-2,,~2011,UA\n"

	want := normalized(
		domain.Record{Kind: domain.KindChild, ExternalID: "A-1", Person: domain.Person{
			Names: []domain.Name{
				{Given: "Олена", Family: "Шевченко"},
				{Given: "Оленка", Source: domain.SourceAlias},
				{Given: "Олена", Family: "Шевченко", Source: domain.SourceAlias},
			},
			Sex: domain.SexFemale, BirthDate: domain.MustParseFuzzyDate("2015-05"),
			LastHome: domain.Place{Country: "UA"},
		}},
		domain.Record{Kind: domain.KindChild, ExternalID: "A-2", Person: domain.Person{
			Names: []domain.Name{{Given: "Ivan", Family: "Petrenko"}},
			Sex:   domain.SexMale, BirthDate: domain.MustParseFuzzyDate("~2011"),
			LastHome: domain.Place{Country: "UA"},
		}},
	)
	for name, src := range map[string]string{"comma": comma, "semicolon+BOM+CRLF": semicolon, "reordered": reordered, "comma+BOM": "\uFEFF" + comma} {
		t.Run(name, func(t *testing.T) {
			got := records(t, readAll(t, src, domain.KindChild, Options{}))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		head string
		want rune
	}{
		{"given_name,family_name", ','},
		{"given_name;family_name", ';'},
		{"\"given_name\";\"family_name\";notes", ';'},
		{"given_name", ','},                          // a tie goes to the comma
		{"\r\n\ngiven_name;family_name\nx,y,z", ';'}, // only the first non-blank line counts
		{"notes;given_name,family_name,sex", ','},    // "notes;given_name" is not a name
		{"Прізвище;Ім'я", ';'},                       // mapped names count
	}
	mapping := map[string]string{"прізвище": "family_name", "ім'я": "given_name"}
	for _, tt := range tests {
		if got := detectDelimiter([]byte(tt.head), mapping); got != tt.want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", tt.head, got, tt.want)
		}
	}
}

func TestMapping(t *testing.T) {
	m, err := ParseMapping("Прізвище=family_name, Ім'я = given_name,DOB=Birth_Date,Внутрішній номер=-")
	if err != nil {
		t.Fatal(err)
	}
	src := "ПРІЗВИЩЕ;Ім'я;dob;Внутрішній номер;id\n" +
		"Шевченко;Олена;2015-05-02;X-99;A-7\n"
	got := records(t, readAll(t, src, domain.KindRequest, Options{Mapping: m}))
	want := normalized(domain.Record{Kind: domain.KindRequest, ExternalID: "A-7", Person: domain.Person{
		Names:     []domain.Name{{Given: "Олена", Family: "Шевченко"}},
		BirthDate: domain.MustParseFuzzyDate("2015-05-02"),
	}})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseMapping(t *testing.T) {
	tests := []struct {
		in      string
		want    Mapping
		wantErr []string // substrings of the error
	}{
		{in: "", want: Mapping{}},
		{in: "  ,", want: Mapping{}},
		{in: "DOB=birth_date", want: Mapping{"DOB": "birth_date"}},
		{in: " Прізвище = FAMILY_NAME , DOB=birth_date,", want: Mapping{"Прізвище": "family_name", "DOB": "birth_date"}},
		{in: "Internal=-", want: Mapping{"Internal": Ignore}},
		{in: "a=given_name,b=given_name", want: Mapping{"a": "given_name", "b": "given_name"}}, // only one may be in a file
		{in: "DOB", wantErr: []string{`"DOB"`, "want from=to"}},
		{in: "DOB=birth_date,Прізвище", wantErr: []string{`"Прізвище"`, "want from=to"}},
		{in: "=birth_date", wantErr: []string{`"=birth_date"`, "empty"}},
		{in: "DOB=birthday", wantErr: []string{`"DOB=birthday"`, `"birthday" is not an interchange column`, "birth_date"}},
		{in: "DOB=", wantErr: []string{`"DOB="`, `"" is not an interchange column`}},
		{in: "DOB=birth_date,dob=separation_date", wantErr: []string{`"dob=separation_date"`, `"DOB" is already mapped`}},
		{in: "a=b=c", wantErr: []string{`"a=b=c"`, "not an interchange column"}},
	}
	for _, tt := range tests {
		got, err := ParseMapping(tt.in)
		if tt.wantErr != nil {
			if err == nil {
				t.Errorf("ParseMapping(%q) = %v, want an error", tt.in, got)
				continue
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("ParseMapping(%q) error %q does not contain %q", tt.in, err, s)
				}
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMapping(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		kind    domain.Kind
		mapping Mapping
		want    []string // substrings of the error
	}{
		{name: "unknown", src: "given_name,Foo,notes, bar \nx,y,z,w\n", want: []string{`unknown columns "Foo" (column 2), " bar " (column 4)`, "mapping"}},
		{name: "duplicate", src: "given_name,family_name,Given_Name\n", want: []string{`column given_name given more than once: "given_name" (column 1), "Given_Name" (column 3)`}},
		{name: "duplicate by mapping", src: "family_name;Прізвище\n", mapping: Mapping{"Прізвище": "family_name"}, want: []string{"family_name given more than once", `"Прізвище" (column 2)`}},
		{name: "no name column", src: "id,sex,birth_date\n", want: []string{"given_name or family_name column is required"}},
		{name: "unknown and no name", src: "id,vorname\n", want: []string{`"vorname" (column 2)`, "given_name or family_name column is required"}},
		{name: "ignored name column", src: "given_name,id\n", mapping: Mapping{"given_name": Ignore}, want: []string{"given_name or family_name column is required"}},
		{name: "unmapped dash", src: "given_name,-\n", want: []string{`unknown columns "-" (column 2)`}},
		{name: "empty header cell", src: "given_name,,notes\n", want: []string{`unknown columns "" (column 2)`}},
		{name: "empty file", src: "", want: []string{"empty"}},
		{name: "blank lines only", src: "\n\r\n\n", want: []string{"empty"}},
		{name: "BOM only", src: "\uFEFF", want: []string{"empty"}},
		{name: "UTF-16", src: "\xFF\xFEg\x00i\x00", want: []string{"UTF-16"}},
		{name: "malformed header", src: "given_name,\"family_name\nx\n", want: []string{"header", "quote"}},
		{name: "bad kind", src: "given_name\n", kind: "case", want: []string{`kind "case"`}},
		{name: "bad mapping target", src: "given_name\n", mapping: Mapping{"DOB": "dob"}, want: []string{`"dob" is not an interchange column`}},
		{name: "mapping clash", src: "given_name\n", mapping: Mapping{"DOB": "birth_date", "dob ": "notes"}, want: []string{"mapped to both"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := tt.kind
			if kind == "" {
				kind = domain.KindChild
			}
			r, err := NewReader(strings.NewReader(tt.src), kind, Options{Mapping: tt.mapping, Today: today})
			if err == nil {
				t.Fatalf("NewReader = %v, want an error", r)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

// A header that Writer wrote is accepted however few columns a file has.
func TestHeaderMinimal(t *testing.T) {
	for _, src := range []string{"family_name\nМельник\n", "given_name\nАнна\n", "Given_Name\r\nАнна"} {
		rs := readAll(t, src, domain.KindChild, Options{})
		if len(records(t, rs)) != 1 || rs[0].line != 2 {
			t.Errorf("%q: got %+v, want one record on line 2", src, rs)
		}
	}
}

// Options.Today's zero value means the current day.
func TestTodayDefault(t *testing.T) {
	year := time.Now().UTC().Year()
	src := fmt.Sprintf("given_name,birth_date\nA,%d\nB,%d\n", year-1, year+1)
	r, err := NewReader(strings.NewReader(src), domain.KindChild, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err != nil {
		t.Errorf("last year: %v", err)
	}
	if _, _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("next year: err = %v, want a date in the future", err)
	}
}
