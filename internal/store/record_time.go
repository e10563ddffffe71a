package store

import (
	"strings"
	"time"
)

// recordTimeColumns are recordColumns as SQLite is asked for them: the
// three times as expressions (unary plus, a no-op on text and NULL; named
// as the columns, for errors), which have no declared type, so that the driver hands over the stored text
// rather than parsing it. It parsed each value twice (a failed attempt at
// Go's time.String layout first, then the one the store writes) before
// recordTime took it: a fifth of reading a listing's rows. recordTime
// parses the layout the store writes directly and every other text as the
// driver did, so the times are the same.
const recordTimeColumns = `r.id, r.kind, r.org_id, r.external_id, r.version, r.person, r.enquirer, +r.created_at AS created_at, r.created_by, +r.updated_at AS updated_at, r.updated_by, +r.deleted_at AS deleted_at, r.deleted_by, r.delete_reason, r.kek_id, r.dek, r.notes_sealed, r.sealed`

// recordColumnsFor returns the record columns scanRecord reads, for d.
func recordColumnsFor(d Dialect) string {
	if d == SQLite {
		return recordTimeColumns
	}
	return recordColumns
}

// recordTime scans a record's timestamp: what nullTime gives for the same
// column read with its declared type (so parsed by the driver), from the
// text SQLite stores or from a time.
type recordTime nullTime

func (n *recordTime) Scan(v any) error {
	s, ok := v.(string)
	if !ok {
		return (*nullTime)(n).Scan(v)
	}
	if t, ok := parseStoredTime(s); ok {
		n.Time, n.Valid = t, true
		return nil
	}
	if t, ok := driverTime(s); ok {
		n.Time, n.Valid = t.UTC(), true
		return nil
	}
	// Text the driver would not have parsed either reached nullTime as
	// text.
	return (*nullTime)(n).Scan(s)
}

// parseStoredTime parses the layout the store writes times in on SQLite
// (the driver's _time_format=sqlite, "2006-01-02 15:04:05.999999999-07:00")
// in UTC, as time.Parse and Time.UTC would; ok is false for any other text,
// including that layout with out-of-range fields, with a comma before the
// fraction or more than nine digits of it, or one-digit hours.
func parseStoredTime(s string) (t time.Time, ok bool) {
	if len(s) < len("2006-01-02 15:04:05-07:00") || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	digits := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := digits(0, 4)
	month, ok2 := digits(5, 7)
	day, ok3 := digits(8, 10)
	hour, ok4 := digits(11, 13)
	minute, ok5 := digits(14, 16)
	sec, ok6 := digits(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n := j - i - 1
		if n < 1 || n > 9 {
			return time.Time{}, false
		}
		nsec, _ = digits(i+1, j)
		for range 9 - n {
			nsec *= 10
		}
		i = j
	}
	if len(s)-i != len("-07:00") || (s[i] != '+' && s[i] != '-') || s[i+3] != ':' {
		return time.Time{}, false
	}
	oh, ok1 := digits(i+1, i+3)
	om, ok2 := digits(i+4, i+6)
	if !ok1 || !ok2 || oh > 23 || om > 59 {
		return time.Time{}, false
	}
	offset := time.Duration(oh*60+om) * time.Minute
	if s[i] == '-' {
		offset = -offset
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).Add(-offset), true
}

func daysInMonth(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// driverTime parses text as modernc.org/sqlite does a value of a column
// declared TIMESTAMP (without a _loc setting): Go's time.String layout,
// then its parseTimeFormats, after cutting a final "Z".
func driverTime(s string) (time.Time, bool) {
	ts := s
	if x := strings.Index(s, "m="); x > 0 {
		ts = s[:x]
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(ts)); err == nil {
		return t, true
	}
	ts = strings.TrimSuffix(s, "Z")
	for _, layout := range []string{
		"2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02T15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04",
		"2006-01-02T15:04",
		"2006-01-02",
	} {
		if t, err := time.Parse(layout, ts); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
