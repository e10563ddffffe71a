package domain

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

var today = Date{2026, 11, 25}

func validChild() Record {
	return Record{
		Kind: KindChild,
		Person: Person{
			Names:      []Name{{Given: "Олександр", Family: "Коваль"}},
			Sex:        SexMale,
			BirthDate:  MustParseFuzzyDate("2012-05-01"),
			Separation: Separation{Date: MustParseFuzzyDate("2022-04"), Category: CategoryFrontline},
			Relatives:  []Relative{{Relation: RelationMother, Name: "Ірина"}},
		},
	}
}

func fields(err error) []string {
	var v *ValidationError
	if !errors.As(err, &v) {
		return nil
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(r *Record)
		fields []string // the fields named, in order; nil for a valid record
	}{
		{"valid", func(r *Record) {}, nil},
		{"kind", func(r *Record) { r.Kind = "adult" }, []string{"kind"}},
		{"no names", func(r *Record) { r.Person.Names = nil }, []string{"person.names"}},
		{"empty name", func(r *Record) { r.Person.Names = []Name{{Patronymic: "Іванович"}} }, []string{"person.names[0].given"}},
		{"family only is enough", func(r *Record) { r.Person.Names = []Name{{Family: "Коваль"}} }, nil},
		{"bad script and source", func(r *Record) { r.Person.Names[0].Script, r.Person.Names[0].Source = "Grek", "rumour" },
			[]string{"person.names[0].script", "person.names[0].source"}},
		{"future birth", func(r *Record) { r.Person.BirthDate, r.Person.Separation = MustParseFuzzyDate("2027"), Separation{} }, []string{"person.birth_date"}},
		{"about next year is possible", func(r *Record) { r.Person.BirthDate, r.Person.Separation = MustParseFuzzyDate("~2027"), Separation{} }, nil},
		{"separated before birth", func(r *Record) { r.Person.Separation.Date = MustParseFuzzyDate("2011") }, []string{"person.separation.date"}},
		{"bad relative", func(r *Record) { r.Person.Relatives = []Relative{{Relation: "cousin"}} },
			[]string{"person.relatives[0].relation", "person.relatives[0].name"}},
		{"enquirer on child", func(r *Record) { r.Enquirer = &Enquirer{Name: "x"} }, []string{"enquirer"}},
		{"request fields on child", func(r *Record) { r.Sensitive.EnquirerContact = "x" }, []string{"sensitive.enquirer_contact"}},
		{"child fields on request", func(r *Record) { r.Kind = KindRequest; r.Sensitive.CurrentLocation = "x" }, []string{"sensitive.current_location"}},
		{"too long", func(r *Record) { r.Person.Names[0].Family = strings.Repeat("ї", MaxShortText+1) }, []string{"person.names[0].family"}},
		{"invalid utf-8", func(r *Record) { r.Person.BirthPlace = "\xff" }, []string{"person.birth_place"}},
		{"country code", func(r *Record) { r.Person.LastHome.Country = "Ukraine" }, []string{"person.last_home.country"}},
	} {
		r := validChild()
		c.edit(&r)
		got := fields(r.Validate(today))
		if strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
}

func TestNormalize(t *testing.T) {
	r := validChild()
	// "й" written as и + combining breve (NFD, as some keyboards and PDF
	// copies produce), stray spaces, a lower-case country code.
	r.Person.Names = []Name{{Given: "  Андрій  ", Family: "Мар'яненко"}, {Given: "Andrii", Family: "Marianenko"}, {Given: "Їжак"}}
	r.Person.LastHome.Country = "ua"
	r.Normalize()
	n := r.Person.Names
	if n[0].Given != "Андрій" {
		t.Errorf("NFC and trimming: %q", n[0].Given)
	}
	if n[0].Script != ScriptUkrainian || n[1].Script != ScriptLatin || n[2].Script != ScriptUkrainian || n[0].Source != SourceBirth {
		t.Errorf("scripts and sources: %+v", n)
	}
	if r.Person.LastHome.Country != "UA" {
		t.Errorf("country %q", r.Person.LastHome.Country)
	}
}

func TestDetectScript(t *testing.T) {
	for in, want := range map[string]Script{
		"Олександр Коваль": ScriptCyrillic,
		"Ганна Їжакевич":   ScriptUkrainian,
		"Григорій":         ScriptUkrainian,
		"Дарья Соловьёва":  ScriptRussian,
		"Эмиль":            ScriptRussian,
		"Oleksandr":        ScriptLatin,
		"Олег Oleh":        ScriptCyrillic,
		"1234":             "",
		"Ілья Ы":           ScriptCyrillic, // letters of both: language unknown
	} {
		if got := DetectScript(in); got != want {
			t.Errorf("DetectScript(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFullName(t *testing.T) {
	for in, want := range map[string]Name{
		"":                  {},
		"Саша":              {Given: "Саша"},
		"Alexander Kovalev": {Given: "Alexander", Family: "Kovalev"},
		"Олександр Андрійович Коваль": {Given: "Олександр", Patronymic: "Андрійович", Family: "Коваль"},
	} {
		if got := ParseFullName(in); got != want {
			t.Errorf("ParseFullName(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestDiff(t *testing.T) {
	a := validChild()
	b := validChild()
	b.Person.Names[0].Given = "Сашко"
	b.Person.Relatives = nil
	b.Version = 2
	got := Diff(&a, &b)
	want := []Change{
		{"person.names[0].given", "Олександр", "Сашко"},
		{"person.relatives[0].name", "Ірина", ""},
		{"person.relatives[0].relation", "mother", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("Diff = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if created := Diff(nil, &a); len(created) == 0 || created[0].Old != "" {
		t.Errorf("creation diff: %+v", created)
	}
}

func TestOrgAndUserValidate(t *testing.T) {
	if err := (&Organisation{Slug: "ua-nib", Name: "NIB", Kind: OrgGovernment, Country: "UA"}).Validate(); err != nil {
		t.Error(err)
	}
	if got := fields((&Organisation{Slug: "UA NIB", Kind: "state", Country: "ukr"}).Validate()); strings.Join(got, ",") != "slug,name,kind,country" {
		t.Errorf("org fields %v", got)
	}
	if got := fields((&User{Email: "no-at-sign", Roles: []Role{"god"}}).Validate()); strings.Join(got, ",") != "email,roles" {
		t.Errorf("user fields %v", got)
	}
}

// FuzzClean: the fast path that skips NFC for text already clean must give
// exactly what the full normalisation gives.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", " ", "Олександр", "  Андрі\u0438\u0306  ", "Mar'iana  Koval", "e\u0301", "a\tb", "x\n\ny ", "\u00a0Іван", "Ї\u0308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Clean(s), strings.Join(strings.Fields(norm.NFC.String(s)), " "); got != want {
			t.Fatalf("Clean(%q) = %q, want %q", s, got, want)
		}
		if got, want := cleanText(s), strings.TrimSpace(norm.NFC.String(s)); got != want {
			t.Fatalf("cleanText(%q) = %q, want %q", s, got, want)
		}
	})
}
