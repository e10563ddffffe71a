package interchange

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// fuzzMapping lets fuzzed headers exercise mapped and ignored columns.
var fuzzMapping = Mapping{"DOB": "birth_date", "Прізвище": "family_name", "skip": Ignore}

func FuzzReader(f *testing.F) {
	f.Add(generate(3))
	f.Add([]byte(fullHeader + csvRow(map[string]string{"id": "A-1", "given_name": "Марія", "birth_date": "2014-02-30", "sex": "x"})))
	f.Add([]byte("\uFEFFid;given_name;other_names;other_relatives\r\nA;Анна;\"Ганна;Аня Бондар\";\"Петро;Ірина\"\r\n"))
	f.Add([]byte("Прізвище,DOB,skip,notes\nБондар,~2014,x,\"a\nb\"\nМельник,2012/2013,,-\n"))
	f.Add([]byte("given_name,notes\nA,\"b\nB,\"c\"d\n\"e,f,g\nC,h\n"))
	f.Add([]byte("family_name,home_country,category,separation_date\nX,ua,other,2020-02-29\nY,U,,2021-02-29\n"))
	f.Add([]byte("given_name\n\xff\xfe\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), domain.KindChild, Options{Mapping: fuzzMapping, Today: today})
		if err != nil {
			if r != nil {
				t.Fatal("NewReader returned a reader with its error")
			}
			return // a header error
		}
		prev := 1
		for {
			rec, line, err := r.Next()
			if err == io.EOF {
				return
			}
			if errors.Is(err, ErrRowTooLong) {
				return
			}
			if line <= prev {
				t.Fatalf("row on line %d after line %d", line, prev)
			}
			prev = line
			if err != nil {
				var re *RowError
				if !errors.As(err, &re) {
					t.Fatalf("error %v is %T, want *RowError", err, err)
				}
				if re.Line != line || (re.Err == nil && len(re.Fields) == 0) {
					t.Fatalf("RowError %+v on line %d", re, line)
				}
				for _, fe := range re.Fields {
					if _, ok := columnByName[fe.Field]; !ok {
						t.Fatalf("RowError names %q, not a column: %v", fe.Field, re)
					}
				}
				continue
			}
			if err := rec.Validate(today); err != nil || rec.Kind != domain.KindChild {
				t.Fatalf("line %d: returned record %+v does not validate: %v", line, rec, err)
			}
			checkRoundTrip(t, rec)
		}
	})
}

// checkRoundTrip writes a record the reader returned and reads it back: it
// must come back equal unless the formula guard changed one of its cells.
func checkRoundTrip(t *testing.T, rec domain.Record) {
	t.Helper()
	var row [numColumns]string
	cells(&rec, &row)
	for _, v := range row {
		if guardFormula(v) != v {
			return
		}
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, rec.Kind, Options{Today: today})
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	got, _, err := r.Next()
	if err != nil {
		t.Fatalf("reading back %q: %v", buf.String(), err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Fatalf("round trip differs\n got %#v\nwant %#v", got, rec)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("reading back: a second row: %v", err)
	}
}

func FuzzParseMapping(f *testing.F) {
	for _, s := range []string{
		"", ",", "DOB=birth_date", "Прізвище=family_name, Ім'я = given_name,Internal=-",
		"DOB", "=x", "a=b=c", "DOB=birth_date,dob=notes", "a=GIVEN_NAME,", " a = - ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMapping(s)
		if err != nil {
			if m != nil {
				t.Fatal("ParseMapping returned a mapping with its error")
			}
			return
		}
		var pairs []string
		for from, to := range m {
			if from == "" || from != strings.TrimSpace(from) || strings.ContainsAny(from, ",=") {
				t.Fatalf("bad key %q", from)
			}
			if _, ok := columnByName[to]; !ok && to != Ignore {
				t.Fatalf("%q maps to %q, not a column", from, to)
			}
			pairs = append(pairs, from+"="+to)
		}
		// A mapping parsed once parses again the same, and a Reader accepts it.
		again, err := ParseMapping(strings.Join(pairs, ","))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("ParseMapping(%q) = %v; reparsed %v, %v", s, m, again, err)
		}
		if _, err := m.normalized(); err != nil {
			t.Fatalf("ParseMapping(%q) = %v, which NewReader refuses: %v", s, m, err)
		}
	})
}
