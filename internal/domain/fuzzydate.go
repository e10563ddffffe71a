package domain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Precision says how much of a date is known. Records about displaced children
// rarely carry exact dates: a family may remember only "spring 2014" or "about
// 2012", and a document may give only the year. Matching and the turned-18 logic
// must use the range a date stands for, never a guessed exact day.
type Precision string

const (
	PrecisionDay   Precision = "day"   // 2014-03-07
	PrecisionMonth Precision = "month" // 2014-03
	PrecisionYear  Precision = "year"  // 2014
	PrecisionAbout Precision = "about" // ~2014: the year given, give or take one
	PrecisionRange Precision = "range" // 2012/2014: some time in these years
)

// aboutSpread is how many years either side "about YYYY" covers.
const aboutSpread = 1

// Date is a calendar day with no time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) String() string {
	if d.Year < 0 || d.Month < 0 || d.Day < 0 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	var buf [32]byte
	b := appendPadded(buf[:0], d.Year, 4)
	b = append(b, '-')
	b = appendPadded(b, int(d.Month), 2)
	b = append(b, '-')
	return string(appendPadded(b, d.Day, 2))
}

// appendPadded appends n ≥ 0 in decimal with at least width digits, as
// fmt's %0<width>d does: dates are written for every record read, and fmt
// was most of writing them.
func appendPadded(b []byte, n, width int) []byte {
	digits := 1
	for x := n; x >= 10; x /= 10 {
		digits++
	}
	for ; digits < width; digits++ {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// Time returns the date at midnight UTC.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// DateOf returns the calendar day of t in UTC.
func DateOf(t time.Time) Date {
	y, m, dd := t.UTC().Date()
	return Date{y, m, dd}
}

// FuzzyDate is a date known to some precision. The zero value means unknown.
// Its text form (also its JSON form) is one of YYYY-MM-DD, YYYY-MM, YYYY,
// ~YYYY or YYYY/YYYY.
type FuzzyDate struct {
	Precision Precision
	// Earliest and Latest bound the days the date may stand for.
	Earliest, Latest Date
	// invalid keeps text that failed to parse when decoding JSON, so that
	// Validate can report it with the field's full name, together with every
	// other problem, instead of the decoder stopping at the first bad date.
	invalid error
}

// Date years outside this window are taken as typing errors.
const (
	minYear = 1900
	maxYear = 2100
)

// ErrDateFormat is wrapped by every ParseFuzzyDate error.
var ErrDateFormat = errors.New("invalid date")

// ParseFuzzyDate parses the text forms listed on FuzzyDate. An empty string
// gives the zero (unknown) date. Impossible dates such as 2014-02-30 fail.
func ParseFuzzyDate(s string) (FuzzyDate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return FuzzyDate{}, nil
	}
	bad := func(why string) (FuzzyDate, error) {
		return FuzzyDate{}, fmt.Errorf("%w %q: %s (use YYYY-MM-DD, YYYY-MM, YYYY, ~YYYY or YYYY/YYYY)", ErrDateFormat, s, why)
	}
	if rest, ok := strings.CutPrefix(s, "~"); ok {
		y, err := parseYear(rest)
		if err != nil {
			return bad(err.Error())
		}
		return span(PrecisionAbout, Date{y - aboutSpread, 1, 1}, Date{y + aboutSpread, 12, 31}), nil
	}
	if from, to, ok := strings.Cut(s, "/"); ok {
		y1, err := parseYear(from)
		if err != nil {
			return bad(err.Error())
		}
		y2, err := parseYear(to)
		if err != nil {
			return bad(err.Error())
		}
		if y2 < y1 {
			return bad("range ends before it starts")
		}
		return span(PrecisionRange, Date{y1, 1, 1}, Date{y2, 12, 31}), nil
	}
	// The parts between hyphens, as strings.Split would give them (four
	// standing for four or more), without allocating: every stored record
	// read parses its dates.
	var parts [4]string
	n := 0
	for rest := s; ; {
		part, after, more := strings.Cut(rest, "-")
		parts[n] = part
		n++
		if !more || n == len(parts) {
			break
		}
		rest = after
	}
	y, err := parseYear(parts[0])
	if err != nil {
		return bad(err.Error())
	}
	switch n {
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

// MustParseFuzzyDate is ParseFuzzyDate for constants in tests and generators.
func MustParseFuzzyDate(s string) FuzzyDate {
	d, err := ParseFuzzyDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func span(p Precision, earliest, latest Date) FuzzyDate {
	return FuzzyDate{Precision: p, Earliest: earliest, Latest: latest}
}

func parseYear(s string) (int, error) {
	y, err := parseFixed(s, 4, minYear, maxYear)
	if err != nil {
		return 0, fmt.Errorf("year %w", err)
	}
	return y, nil
}

// parseFixed parses exactly width ASCII digits and checks the range.
func parseFixed(s string, width, lo, hi int) (int, error) {
	if len(s) != width {
		return 0, fmt.Errorf("must have %d digits", width)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("must have %d digits", width)
		}
	}
	n, _ := strconv.Atoi(s)
	if n < lo || n > hi {
		return 0, fmt.Errorf("must be between %d and %d", lo, hi)
	}
	return n, nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// IsZero reports whether the date is unknown.
func (f FuzzyDate) IsZero() bool { return f.Precision == "" }

// String returns the canonical text form, or "" for an unknown date.
func (f FuzzyDate) String() string {
	switch f.Precision {
	case PrecisionDay:
		return f.Earliest.String()
	case PrecisionMonth:
		if y, m := f.Earliest.Year, int(f.Earliest.Month); y >= 0 && m >= 0 {
			var buf [32]byte
			return string(appendPadded(append(appendPadded(buf[:0], y, 4), '-'), m, 2))
		}
		return fmt.Sprintf("%04d-%02d", f.Earliest.Year, int(f.Earliest.Month))
	case PrecisionYear:
		if y := f.Earliest.Year; y >= 0 {
			var buf [32]byte
			return string(appendPadded(buf[:0], y, 4))
		}
		return fmt.Sprintf("%04d", f.Earliest.Year)
	case PrecisionAbout:
		if y := f.Earliest.Year + aboutSpread; y >= 0 {
			var buf [32]byte
			return string(appendPadded(append(buf[:0], '~'), y, 4))
		}
		return fmt.Sprintf("~%04d", f.Earliest.Year+aboutSpread)
	case PrecisionRange:
		if y1, y2 := f.Earliest.Year, f.Latest.Year; y1 >= 0 && y2 >= 0 {
			var buf [32]byte
			return string(appendPadded(append(appendPadded(buf[:0], y1, 4), '/'), y2, 4))
		}
		return fmt.Sprintf("%04d/%04d", f.Earliest.Year, f.Latest.Year)
	}
	return ""
}

// Year returns the most likely year (the middle of the range), or 0 if unknown.
func (f FuzzyDate) Year() int {
	if f.IsZero() {
		return 0
	}
	return (f.Earliest.Year + f.Latest.Year) / 2
}

// MarshalText implements encoding.TextMarshaler (and so JSON).
func (f FuzzyDate) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (and so JSON). Text
// that is not a date gives a date that is unknown and invalid: see Err.
func (f *FuzzyDate) UnmarshalText(b []byte) error {
	d, err := ParseFuzzyDate(string(b))
	if err != nil {
		*f = FuzzyDate{invalid: err}
		return nil
	}
	*f = d
	return nil
}

// Err returns why the text this date was decoded from is not a date, or nil.
func (f FuzzyDate) Err() error { return f.invalid }

// AgeRange returns the youngest and oldest whole-year age a person born on
// birth could have on day on. ok is false if birth is unknown.
func AgeRange(birth FuzzyDate, on Date) (youngest, oldest int, ok bool) {
	if birth.IsZero() {
		return 0, 0, false
	}
	return ageOn(birth.Latest, on), ageOn(birth.Earliest, on), true
}

func ageOn(birth, on Date) int {
	age := on.Year - birth.Year
	if on.Month < birth.Month || (on.Month == birth.Month && on.Day < birth.Day) {
		age--
	}
	return age
}
