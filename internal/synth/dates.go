package synth

import (
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Dates are handled as day numbers (days since 1970-01-01), which makes
// windows and offsets plain integer arithmetic. The conversions are Howard
// Hinnant's civil-calendar algorithms.

func dayNumber(d domain.Date) int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func dateOf(n int) domain.Date {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return domain.Date{Year: y, Month: time.Month(m), Day: d}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// addYears moves d by n years, turning 29 February into 28 February.
func addYears(d domain.Date, n int) domain.Date {
	d.Year += n
	if d.Month == time.February && d.Day == 29 && !isLeap(d.Year) {
		d.Day = 28
	}
	return d
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// The fuzzy-date constructors build the same values domain.ParseFuzzyDate
// would (a test checks it), without formatting and parsing text.

func dayDate(d domain.Date) domain.FuzzyDate {
	return domain.FuzzyDate{Precision: domain.PrecisionDay, Earliest: d, Latest: d}
}

func monthDate(d domain.Date) domain.FuzzyDate {
	return domain.FuzzyDate{
		Precision: domain.PrecisionMonth,
		Earliest:  domain.Date{Year: d.Year, Month: d.Month, Day: 1},
		Latest:    domain.Date{Year: d.Year, Month: d.Month, Day: daysIn(d.Year, d.Month)},
	}
}

func yearDate(y int) domain.FuzzyDate {
	return domain.FuzzyDate{
		Precision: domain.PrecisionYear,
		Earliest:  domain.Date{Year: y, Month: time.January, Day: 1},
		Latest:    domain.Date{Year: y, Month: time.December, Day: 31},
	}
}

// aboutDate is "~y": the year give or take one.
func aboutDate(y int) domain.FuzzyDate {
	return domain.FuzzyDate{
		Precision: domain.PrecisionAbout,
		Earliest:  domain.Date{Year: y - 1, Month: time.January, Day: 1},
		Latest:    domain.Date{Year: y + 1, Month: time.December, Day: 31},
	}
}

// precision is how precisely a side writes a date it knows to the day.
type precision uint8

const (
	toDay precision = iota
	toMonth
	toYear
	toAbout
	unknown
)

func fuzzy(d domain.Date, p precision) domain.FuzzyDate {
	switch p {
	case toMonth:
		return monthDate(d)
	case toYear:
		return yearDate(d.Year)
	case toAbout:
		return aboutDate(d.Year)
	case unknown:
		return domain.FuzzyDate{}
	}
	return dayDate(d)
}
