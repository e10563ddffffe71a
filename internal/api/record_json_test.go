package api

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// recordStrings are texts that encoding/json writes in every way it can:
// plain, escaped, non-ASCII, invalid UTF-8, the JavaScript line separators.
var recordStrings = []string{"", "Коваленко", "O'Brien", `a"b\c`, "<&>", "line\nbreak\ttab\r\b\f", "\x00\x1f\x7f", "\u2028\u2029",
	"日本語", "\xff\xfe", "ok\xc3", "🙂", "plain text", "Олександр Іванович"}

// fullRecord has every field of a record set, each text to s and each
// list with two entries.
func fullRecord(s string) domain.Record {
	var r domain.Record
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(s + "·" + v.Type().Name())
		case reflect.Int:
			v.SetInt(7)
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem())
		case reflect.Struct:
			switch v.Type() {
			case reflect.TypeFor[domain.FuzzyDate]():
				v.Set(reflect.ValueOf(domain.MustParseFuzzyDate("~2011")))
				return
			case reflect.TypeFor[time.Time]():
				v.Set(reflect.ValueOf(time.Date(2026, 11, 25, 11, 46, 24, 605123000, time.UTC)))
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i))
				}
			}
		case reflect.Slice:
			sl := reflect.MakeSlice(v.Type(), 2, 2)
			for i := range 2 {
				fill(sl.Index(i))
			}
			v.Set(sl)
		}
	}
	fill(reflect.ValueOf(&r).Elem())
	return r
}

// randomRecord sets each field or not, at random.
func randomRecord(rng *rand.Rand) domain.Record {
	str := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return recordStrings[rng.IntN(len(recordStrings))]
	}
	date := func() domain.FuzzyDate {
		d, _ := domain.ParseFuzzyDate([]string{"", "2014-03-07", "2014-03", "2014", "~2014", "2012/2014"}[rng.IntN(6)])
		return d
	}
	tm := func() time.Time {
		t := time.Date(1990+rng.IntN(40), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), []int{0, 5e8, 123456789, 1000}[rng.IntN(4)], time.UTC)
		switch rng.IntN(6) {
		case 0:
			return t.In(time.FixedZone("", 3*3600+1800))
		case 1:
			return time.Time{}
		}
		return t
	}
	r := domain.Record{ID: str(), Kind: domain.Kind(str()), OrgID: str(), ExternalID: str(), Version: rng.IntN(5) - 1,
		Turned18: domain.Tristate(str()), CreatedAt: tm(), CreatedBy: str(), UpdatedAt: tm(), UpdatedBy: str()}
	p := &r.Person
	switch n := rng.IntN(4); n {
	case 0:
	case 1:
		p.Names = []domain.Name{}
	default:
		for range n {
			p.Names = append(p.Names, domain.Name{Given: str(), Patronymic: str(), Family: str(), Script: domain.Script(str()), Source: domain.NameSource(str())})
		}
	}
	p.Sex, p.BirthDate, p.BirthPlace = domain.Sex(str()), date(), str()
	p.LastHome = domain.Place{Settlement: str(), Oblast: str(), Country: str()}
	p.Separation = domain.Separation{Date: date(), Place: str(), Category: domain.Category(str())}
	switch rng.IntN(3) {
	case 1:
		p.Relatives = []domain.Relative{}
	case 2:
		p.Relatives = []domain.Relative{{Relation: domain.Relation(str()), Name: str()}, {}}
	}
	p.Features, p.Notes = str(), str()
	if rng.IntN(2) == 0 {
		r.Enquirer = &domain.Enquirer{Name: str(), Relation: domain.Relation(str())}
	}
	r.Sensitive = domain.Sensitive{CurrentLocation: str(), CurrentCaregiver: str(), EnquirerContact: str()}
	switch rng.IntN(3) {
	case 1:
		r.Sensitive.DocumentsHeld = []string{}
	case 2:
		r.Sensitive.DocumentsHeld = []string{str(), str()}
	}
	if rng.IntN(3) == 0 {
		r.Deleted = &domain.Tombstone{At: tm(), By: str(), Reason: str()}
	}
	return r
}

// sameAnswer checks that writeRecordsJSON and writeOneRecordJSON answer as
// writeJSON does: status, headers and body.
func sameAnswer(t *testing.T, recs []domain.Record, next string) {
	t.Helper()
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	out := map[string]any{"items": nonNil(recs)}
	if next != "" {
		out["next_cursor"] = next
	}
	writeJSON(want, http.StatusOK, out)
	writeRecordsJSON(got, http.StatusOK, recs, next)
	compareAnswers(t, got, want)
	for i := range recs {
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		writeJSON(want, http.StatusCreated, recs[i])
		writeOneRecordJSON(got, http.StatusCreated, &recs[i])
		compareAnswers(t, got, want)
	}
}

func compareAnswers(t *testing.T, got, want *httptest.ResponseRecorder) {
	t.Helper()
	if got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) || got.Body.String() != want.Body.String() {
		t.Fatalf("answer\n got %d %v %s\nwant %d %v %s", got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
	}
}

func TestRecordJSONLikeEncodingJSON(t *testing.T) {
	// Every field: a field added to a record that appendRecord does not
	// write fails here.
	var full []domain.Record
	for _, s := range recordStrings {
		full = append(full, fullRecord(s))
	}
	sameAnswer(t, full, "")
	sameAnswer(t, full[:1], "0190f1b2-0000-7000-8000-000000000001")
	sameAnswer(t, nil, "")
	sameAnswer(t, []domain.Record{}, "x\"y")
	sameAnswer(t, []domain.Record{{}}, "")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		recs := make([]domain.Record, rng.IntN(4))
		for i := range recs {
			recs[i] = randomRecord(rng)
		}
		sameAnswer(t, recs, []string{"", "next"}[rng.IntN(2)])
	}
	// What appendRecord leaves to encoding/json: a separation date kept
	// with its parse error, a time outside the years 0–9999.
	var bad domain.FuzzyDate
	if err := bad.UnmarshalText([]byte("not a date")); err != nil || bad.Err() == nil {
		t.Fatal("want a date kept with its parse error")
	}
	odd := fullRecord("x")
	odd.Person.Separation = domain.Separation{Date: bad}
	sameAnswer(t, []domain.Record{odd, fullRecord("y")}, "n")
	odd.Person.Separation.Place = "Kharkiv"
	sameAnswer(t, []domain.Record{odd}, "")
	odd = fullRecord("x")
	odd.Person.BirthDate = bad
	sameAnswer(t, []domain.Record{odd}, "")
	odd.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	writeJSON(want, http.StatusOK, map[string]any{"items": []domain.Record{odd}})
	writeRecordsJSON(got, http.StatusOK, []domain.Record{fullRecord("y"), odd}, "")
	if got.Body.Len() != 0 || want.Body.Len() != 0 || got.Code != want.Code {
		t.Errorf("a time past 9999: got %d %q, encoding/json %d %q", got.Code, got.Body, want.Code, want.Body)
	}
	if _, ok := appendRecord(nil, &odd); ok {
		t.Error("a time past 9999 written")
	}
}

// The pooled buffers keep nothing of an answer once written.
func TestRecordJSONBuffersCleared(t *testing.T) {
	rec := httptest.NewRecorder()
	writeRecordsJSON(rec, http.StatusOK, []domain.Record{fullRecord("SECRET-MARK")}, "")
	for range 4 {
		bp := getBuf()
		if strings.Contains(string((*bp)[:cap(*bp)]), "SECRET-MARK") {
			t.Fatal("a pooled buffer holds an earlier answer")
		}
		defer putBuf(bp)
	}
}

func FuzzRecordJSON(f *testing.F) {
	for _, s := range recordStrings {
		f.Add(s, s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, a, b string, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 0))
		r := randomRecord(rng)
		r.ID, r.Person.Features, r.CreatedBy = a, b, a+b
		if len(r.Person.Names) > 0 {
			r.Person.Names[0].Family = b
		}
		r.Sensitive.CurrentLocation = a
		sameAnswer(t, []domain.Record{r, fullRecord(a)}, b)
	})
}
