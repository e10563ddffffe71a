package domain

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// fmtString is FuzzyDate.String as written with fmt, which String must
// equal.
func fmtString(f FuzzyDate) string {
	switch f.Precision {
	case PrecisionDay:
		return fmt.Sprintf("%04d-%02d-%02d", f.Earliest.Year, int(f.Earliest.Month), f.Earliest.Day)
	case PrecisionMonth:
		return fmt.Sprintf("%04d-%02d", f.Earliest.Year, int(f.Earliest.Month))
	case PrecisionYear:
		return fmt.Sprintf("%04d", f.Earliest.Year)
	case PrecisionAbout:
		return fmt.Sprintf("~%04d", f.Earliest.Year+aboutSpread)
	case PrecisionRange:
		return fmt.Sprintf("%04d/%04d", f.Earliest.Year, f.Latest.Year)
	}
	return ""
}

func checkDateString(t *testing.T, y, m, d, y2 int) {
	t.Helper()
	for _, p := range []Precision{PrecisionDay, PrecisionMonth, PrecisionYear, PrecisionAbout, PrecisionRange, "", "other"} {
		f := FuzzyDate{Precision: p, Earliest: Date{y, time.Month(m), d}, Latest: Date{y2, time.Month(m), d}}
		if got, want := f.String(), fmtString(f); got != want {
			t.Fatalf("%+v: %q, fmt gives %q", f, got, want)
		}
	}
	if got, want := (Date{y, time.Month(m), d}).String(), fmt.Sprintf("%04d-%02d-%02d", y, m, d); got != want {
		t.Fatalf("Date{%d, %d, %d}: %q, fmt gives %q", y, m, d, got, want)
	}
}

func TestDateStringLikeFmt(t *testing.T) {
	values := []int{0, 1, 5, 9, 10, 12, 31, 99, 100, 999, 1000, 1899, 1900, 2014, 2100, 9999, 10000, 123456, math.MaxInt, -1, -5, -10, -999, -1000, -10000, math.MinInt}
	for _, y := range values {
		for _, m := range values {
			checkDateString(t, y, m, m, y)
			checkDateString(t, y, 3, m, y+1)
		}
	}
}

func FuzzDateString(f *testing.F) {
	f.Add(2014, 3, 7, 2015)
	f.Add(-1, 0, 100, math.MaxInt)
	f.Fuzz(func(t *testing.T, y, m, d, y2 int) {
		checkDateString(t, y, m, d, y2)
	})
}

func BenchmarkFuzzyDateString(b *testing.B) {
	f := MustParseFuzzyDate("2014-03-07")
	for b.Loop() {
		_ = f.String()
	}
}

// parseFuzzyDateSplit is ParseFuzzyDate's year, month and day forms as
// written with strings.Split, which ParseFuzzyDate must equal.
func parseFuzzyDateSplit(s string) (FuzzyDate, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "~") || strings.Contains(s, "/") {
		return ParseFuzzyDate(s)
	}
	bad := func(why string) (FuzzyDate, error) {
		return FuzzyDate{}, fmt.Errorf("%w %q: %s (use YYYY-MM-DD, YYYY-MM, YYYY, ~YYYY or YYYY/YYYY)", ErrDateFormat, s, why)
	}
	parts := strings.Split(s, "-")
	y, err := parseYear(parts[0])
	if err != nil {
		return bad(err.Error())
	}
	switch len(parts) {
	case 1:
		return span(PrecisionYear, Date{y, 1, 1}, Date{y, 12, 31}), nil
	case 2:
		m, err := parseFixed(parts[1], 2, 1, 12)
		if err != nil {
			return bad("month " + err.Error())
		}
		last := daysIn(y, time.Month(m))
		return span(PrecisionMonth, Date{y, time.Month(m), 1}, Date{y, time.Month(m), last}), nil
	case 3:
		m, err := parseFixed(parts[1], 2, 1, 12)
		if err != nil {
			return bad("month " + err.Error())
		}
		d, err := parseFixed(parts[2], 2, 1, 31)
		if err != nil {
			return bad("day " + err.Error())
		}
		if d > daysIn(y, time.Month(m)) {
			return bad(fmt.Sprintf("%s %d has no day %d", time.Month(m), y, d))
		}
		day := Date{y, time.Month(m), d}
		return span(PrecisionDay, day, day), nil
	}
	return bad("too many parts")
}

func checkParse(t *testing.T, s string) {
	t.Helper()
	got, gotErr := ParseFuzzyDate(s)
	want, wantErr := parseFuzzyDateSplit(s)
	if got != want || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%q: %+v, %v; with strings.Split %+v, %v", s, got, gotErr, want, wantErr)
	}
}

func TestParseFuzzyDateLikeSplit(t *testing.T) {
	for _, s := range []string{"", " ", "2014", "2014-03", "2014-03-07", "2014-02-29", "2016-02-29", "2014-3", "2014-03-7", "2014-", "-2014", "2014--03",
		"2014-03-07-", "2014-03-07-01", "2014-03-07-01-02", "x-03-07-01", "1899-01", "2101", "2014-13", "2014-00-01", "2014-04-31", " 2014-03 ", "20144-03",
		"~2014", "2012/2014", "-", "--", "---", "----"} {
		checkParse(t, s)
	}
}

func FuzzParseFuzzyDateLikeSplit(f *testing.F) {
	for _, s := range []string{"2014", "2014-03", "2014-03-07", "2014-03-07-01", "2014-"} {
		f.Add(s)
	}
	f.Fuzz(checkParse)
}

func BenchmarkParseFuzzyDate(b *testing.B) {
	for b.Loop() {
		if _, err := ParseFuzzyDate("2014-03-07"); err != nil {
			b.Fatal(err)
		}
	}
}
