package domain

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDateText(t *testing.T) {
	for _, s := range []string{"2014-03-07", "2016-02-29", "1900-01-01", "2100-12-31"} {
		var d Date
		if err := d.UnmarshalText([]byte(s)); err != nil {
			t.Errorf("UnmarshalText(%q): %v", s, err)
			continue
		}
		if !d.Valid() || d.IsZero() {
			t.Errorf("UnmarshalText(%q) = %v: not a valid day", s, d)
		}
		if b, _ := d.MarshalText(); string(b) != s {
			t.Errorf("MarshalText(UnmarshalText(%q)) = %q", s, b)
		}
	}
	if d := (Date{2014, 3, 7}); d != day("2014-03-07") {
		t.Errorf("2014-03-07 decoded as %v", day("2014-03-07"))
	}

	var z Date
	if b, _ := z.MarshalText(); string(b) != "" {
		t.Errorf("zero Date marshals to %q; want empty", b)
	}
	d := Date{2014, 3, 7}
	if err := d.UnmarshalText(nil); err != nil || !d.IsZero() {
		t.Errorf(`UnmarshalText("") = %v, %v; want the zero Date`, d, err)
	}

	for _, s := range []string{
		"2014-02-30", "2015-02-29", "2014-13-01", "2014-03", "2014", "~2014", "2012/2014",
		" 2014-03-07", "2014-03-07 ", "2014-3-7", "14-03-07", "1899-12-31", "2101-01-01",
		"2014-03-07T00:00:00Z", "abc",
	} {
		d := Date{2000, 1, 1}
		err := d.UnmarshalText([]byte(s))
		if err == nil || !errors.Is(err, ErrDateFormat) {
			t.Errorf("UnmarshalText(%q) = %v; want an ErrDateFormat error", s, err)
		}
		if d != (Date{2000, 1, 1}) {
			t.Errorf("UnmarshalText(%q) changed the date to %v", s, d)
		}
	}
}

func TestDateValid(t *testing.T) {
	for _, c := range []struct {
		d    Date
		want bool
	}{
		{Date{2016, 2, 29}, true},
		{Date{2015, 2, 29}, false},
		{Date{2014, 4, 31}, false},
		{Date{2014, 0, 1}, false},
		{Date{2014, 13, 1}, false},
		{Date{2014, 1, 0}, false},
		{Date{}, false},
	} {
		if got := c.d.Valid(); got != c.want {
			t.Errorf("%+v.Valid() = %v; want %v", c.d, got, c.want)
		}
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		A Date `json:"a"`
		B Date `json:"b,omitzero"`
	}
	out, err := json.Marshal(doc{A: Date{2022, 2, 24}})
	if err != nil || string(out) != `{"a":"2022-02-24"}` {
		t.Fatalf("Marshal = %s, %v", out, err)
	}
	var v doc
	if err := json.Unmarshal([]byte(`{"a":"2022-02-24","b":"2024-02-29"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != (Date{2022, 2, 24}) || v.B != (Date{2024, 2, 29}) {
		t.Fatalf("Unmarshal = %+v", v)
	}
	err = json.Unmarshal([]byte(`{"a":"2022-02-30"}`), &v)
	if !errors.Is(err, ErrDateFormat) {
		t.Fatalf("Unmarshal of a bad date: %v; want an ErrDateFormat error", err)
	}
	// A FuzzyDate's JSON is unchanged by Date having a text form.
	f := MustParseFuzzyDate("2014-03")
	out, _ = json.Marshal(struct{ F FuzzyDate }{f})
	if string(out) != `{"F":"2014-03"}` {
		t.Fatalf("FuzzyDate JSON = %s", out)
	}
}
