package domain

import (
	"fmt"
	"math"
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
