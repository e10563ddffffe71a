package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// fullPerson has every field of a person set, each string field to a
// different value.
func fullPerson() domain.Person {
	var p domain.Person
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			n++
			v.SetString("value " + strings.Repeat("x", n))
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[domain.FuzzyDate]() {
				v.Set(reflect.ValueOf(domain.MustParseFuzzyDate("2014-03")))
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i))
				}
			}
		case reflect.Slice:
			s := reflect.MakeSlice(v.Type(), 2, 2)
			for i := range 2 {
				fill(s.Index(i))
			}
			v.Set(s)
		}
	}
	fill(reflect.ValueOf(&p).Elem())
	p.BirthDate = domain.MustParseFuzzyDate("~2011")
	return p
}

// samePerson checks that decodePerson gives what json.Unmarshal gives for
// doc, value and error.
func samePerson(t *testing.T, doc string) {
	t.Helper()
	var want, got domain.Person
	wantErr := json.Unmarshal([]byte(doc), &want)
	gotErr := decodePerson(doc, &got)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("%q: error %v, json.Unmarshal's %v", doc, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", doc, got, want)
	}
}

// fast reports whether decodePerson reads doc itself, without encoding/json.
func fast(doc string) bool {
	d := personDecoder{s: doc}
	var p domain.Person
	return d.person(&p)
}

func TestDecodePersonEveryField(t *testing.T) {
	p := fullPerson()
	doc, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	// Every field is read by the fast path: a field added to Person (or
	// a name, place, separation or relative) that decodePerson does not
	// know would send every record through encoding/json again.
	if !fast(string(doc)) {
		t.Fatalf("the fast path does not read %s", doc)
	}
	var got domain.Person
	if err := decodePerson(string(doc), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, p)
	}
	samePerson(t, string(doc))
}

func TestDecodePersonLikeEncodingJSON(t *testing.T) {
	full, _ := json.Marshal(fullPerson())
	docs := []string{
		string(full),
		`{}`, ` { } `, `{"names":[]}`, `{"names":null}`, `{"relatives":[]}`, `{"relatives":null}`,
		`{"names":[{}]}`, `{"names":[{"given":"Іван","family":"Коваленко","script":"cyrillic"},{"given":"Ivan","family":"Kovalenko","script":"latin","source":"document"}]}`,
		`{"names":[{"given":"O\u0027Brien"}]}`, `{"names":[{"given":"a\"b\\c\u003cd\u2028"}]}`,
		`{"names":[{"given":"bad \x"}]}`, `{"names":[{"given":"` + "\xff\xfe" + `"}]}`, `{"names":[{"given":"` + "tab\there" + `"}]}`,
		`{"sex":"female","birth_date":"2012-02-30"}`, `{"birth_date":"2012"}`, `{"birth_date":"~2012"}`, `{"birth_date":"2010/2012"}`,
		`{"birth_date":""}`, `{"birth_date":null}`, `{"birth_date":5}`, `{"separation":{"date":"2022-09","place":"Kharkiv","category":"displaced_by_frontline_fighting"}}`,
		`{"separation":{"date":"nonsense"}}`, `{"last_home":{"settlement":"Izium","oblast":"Kharkiv","country":"UA"}}`, `{"last_home":null}`,
		`{"sex":"male","sex":"female"}`, `{"names":[{"given":"A","family":"B"}],"names":[{"given":"C"}]}`, `{"names":[{"given":"A","given":"B"}]}`,
		`{"Names":[{"Given":"A"}]}`, `{"SEX":"male"}`, `{"unknown":1,"sex":"male"}`, `{"sex":1}`, `{"sex":true}`, `{"sex":null}`,
		`{"relatives":[{"relation":"mother","name":"Марія"},{"relation":"sibling","name":""}]}`, `{"relatives":[1]}`, `{"names":["x"]}`,
		`{"notes":"old notes kept in the document"}`, `{"distinguishing_features":"scar"}`,
		``, ` `, `null`, `[]`, `"x"`, `{`, `{"sex"`, `{"sex":`, `{"sex":"male"`, `{"sex":"male",}`, `{"sex":"male"} x`, `{"sex":"male"}}`,
		`{"names":[{"given":"A"},]}`, `{"names":[{"given":"A"}`, "{\"sex\":\"ma\nle\"}", "{\n\t\"sex\" : \"male\" ,\r\n \"names\" : [ { \"given\" : \"A\" } ] }",
		`{"s\u0065x":"male"}`, `{"sex":"male"}` + "\n",
	}
	for _, doc := range docs {
		samePerson(t, doc)
	}
	for _, doc := range []string{string(full), `{}`, `{"names":[]}`, `{"names":[{"given":"Іван"}],"birth_date":"2012-02-30"}`} {
		if !fast(doc) {
			t.Errorf("%s: not read by the fast path", doc)
		}
	}
}

// Text that json.Marshal escapes comes back as it was.
func TestDecodePersonEscapes(t *testing.T) {
	for _, s := range []string{"O'Brien", `a"b\c`, "<&>", "line\nbreak", "\u2028\u2029", "Коваленко", "日本", "\x7f"} {
		p := domain.Person{Names: []domain.Name{{Given: s, Family: s}}, Features: s, Relatives: []domain.Relative{{Relation: "other", Name: s}}}
		doc, _ := json.Marshal(p)
		var got domain.Person
		if err := decodePerson(string(doc), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("%q: got %#v", s, got)
		}
		samePerson(t, string(doc))
	}
}

func FuzzDecodePerson(f *testing.F) {
	full, _ := json.Marshal(fullPerson())
	f.Add(string(full))
	f.Add(`{"names":[{"given":"Іван","family":"Коваленко"}],"sex":"male","birth_date":"2010-05-03","separation":{"date":"2022-09","category":"other"}}`)
	f.Add(`{"names":[],"relatives":[{"relation":"mother","name":"a\"b"}]}`)
	f.Add(`{"names":null,"sex":"x","sex":"y"}`)
	f.Fuzz(func(t *testing.T, doc string) {
		samePerson(t, doc)
	})
}

func BenchmarkDecodePerson(b *testing.B) {
	doc := `{"names":[{"given":"Олександр","family":"Коваленко","script":"cyrillic"},{"given":"Oleksandr","family":"Kovalenko","script":"latin"}],"sex":"male","birth_date":"2012-05-03","birth_place":"Ізюм","last_home":{"settlement":"Ізюм","oblast":"Харківська","country":"UA"},"separation":{"date":"2022-09","category":"displaced_by_frontline_fighting"},"relatives":[{"relation":"mother","name":"Марія Коваленко"}]}`
	b.Run("decodePerson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p domain.Person
			if err := decodePerson(doc, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p domain.Person
			if err := json.Unmarshal([]byte(doc), &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
