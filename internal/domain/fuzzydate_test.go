package domain

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestParseFuzzyDate(t *testing.T) {
	for _, c := range []struct {
		in, canon        string
		prec             Precision
		earliest, latest string
		year             int
	}{
		{"2014-03-07", "2014-03-07", PrecisionDay, "2014-03-07", "2014-03-07", 2014},
		{" 2014-03-07 ", "2014-03-07", PrecisionDay, "2014-03-07", "2014-03-07", 2014},
		{"2016-02-29", "2016-02-29", PrecisionDay, "2016-02-29", "2016-02-29", 2016},
		{"2014-02", "2014-02", PrecisionMonth, "2014-02-01", "2014-02-28", 2014},
		{"2016-02", "2016-02", PrecisionMonth, "2016-02-01", "2016-02-29", 2016},
		{"2012", "2012", PrecisionYear, "2012-01-01", "2012-12-31", 2012},
		{"~2012", "~2012", PrecisionAbout, "2011-01-01", "2013-12-31", 2012},
		{"2010/2013", "2010/2013", PrecisionRange, "2010-01-01", "2013-12-31", 2011},
		{"", "", "", "0000-00-00", "0000-00-00", 0},
	} {
		d, err := ParseFuzzyDate(c.in)
		if err != nil {
			t.Errorf("ParseFuzzyDate(%q): %v", c.in, err)
			continue
		}
		if d.String() != c.canon || d.Precision != c.prec || d.Earliest.String() != c.earliest || d.Latest.String() != c.latest || d.Year() != c.year {
			t.Errorf("ParseFuzzyDate(%q) = %s %s %s..%s year %d; want %s %s %s..%s year %d", c.in,
				d, d.Precision, d.Earliest, d.Latest, d.Year(), c.canon, c.prec, c.earliest, c.latest, c.year)
		}
	}
}

func TestParseFuzzyDateRejects(t *testing.T) {
	for _, in := range []string{
		"2014-02-30", "2015-02-29", "2014-13", "2014-00", "2014-04-31", "2014-1-5", "14", "20144",
		"1899", "2101", "~", "~12", "2013/2010", "2014-03-07-01", "abcd", "2014/", "/2014", "２０１４", "2014-03-07T00:00",
	} {
		if d, err := ParseFuzzyDate(in); err == nil || !errors.Is(err, ErrDateFormat) {
			t.Errorf("ParseFuzzyDate(%q) = %v, %v; want an ErrDateFormat error", in, d, err)
		}
	}
}

func TestFuzzyDateJSON(t *testing.T) {
	var v struct {
		D FuzzyDate `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"d":"~2012"}`), &v); err != nil || v.D.String() != "~2012" || v.D.Err() != nil {
		t.Fatalf("decode: %v %v", v.D, err)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"d":"~2012"}` {
		t.Fatalf("encode: %s", out)
	}
	// A bad date decodes to an invalid unknown date that Validate reports.
	if err := json.Unmarshal([]byte(`{"d":"2014-02-30"}`), &v); err != nil || !v.D.IsZero() || v.D.Err() == nil {
		t.Fatalf("bad date: %+v %v", v.D, err)
	}
}

func TestAgeRange(t *testing.T) {
	on := Date{2026, 11, 25}
	for _, c := range []struct {
		birth            string
		youngest, oldest int
	}{
		{"2008-11-25", 18, 18},
		{"2008-11-26", 17, 17},
		{"2008", 17, 18},
		{"~2008", 16, 19},
	} {
		y, o, ok := AgeRange(MustParseFuzzyDate(c.birth), on)
		if !ok || y != c.youngest || o != c.oldest {
			t.Errorf("AgeRange(%s) = %d..%d, want %d..%d", c.birth, y, o, c.youngest, c.oldest)
		}
	}
	if _, _, ok := AgeRange(FuzzyDate{}, on); ok {
		t.Error("age of an unknown birth date")
	}
}

// FuzzParseFuzzyDate: whatever the input, parsing never panics, and a date
// that parses prints to a canonical form that parses back to itself.
func FuzzParseFuzzyDate(f *testing.F) {
	for _, s := range []string{"2014-03-07", "2014-02", "2012", "~2012", "2010/2013", "", "2014-02-30", "~", "/", "9999-99-99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseFuzzyDate(s)
		if err != nil {
			if !errors.Is(err, ErrDateFormat) {
				t.Fatalf("error %v does not wrap ErrDateFormat", err)
			}
			return
		}
		canon := d.String()
		again, err := ParseFuzzyDate(canon)
		if err != nil || again != d {
			t.Fatalf("%q → %q → %+v, %v; want %+v", s, canon, again, err, d)
		}
		if !d.IsZero() && (d.Latest.Before(d.Earliest) || !utf8.ValidString(canon)) {
			t.Fatalf("%q: bad range %v..%v", s, d.Earliest, d.Latest)
		}
	})
}
