package domain

import "fmt"

// IsZero reports whether d is the zero Date, which stands for "not given".
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real calendar day (2014-02-30 is not).
func (d Date) Valid() bool {
	return d.Month >= 1 && d.Month <= 12 && d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// MarshalText implements encoding.TextMarshaler (and so JSON): YYYY-MM-DD,
// or "" for the zero Date. With the `json:",omitzero"` option a zero Date
// is left out instead.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler (and so JSON). It
// accepts exactly YYYY-MM-DD, a real calendar day in the years that
// ParseFuzzyDate accepts; "" gives the zero Date. Any other text is an error
// that wraps ErrDateFormat and leaves d unchanged.
//
// Unlike FuzzyDate, a Date cannot keep a decoding error for later, so
// encoding/json stops at the first bad date and returns this error as it is,
// without the name of the field; callers can recognise it with
// errors.Is(err, ErrDateFormat).
func (d *Date) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "" {
		*d = Date{}
		return nil
	}
	f, err := ParseFuzzyDate(s)
	if err != nil {
		return err
	}
	if f.Precision != PrecisionDay || s != f.String() {
		return fmt.Errorf("%w %q: must be a whole day, YYYY-MM-DD", ErrDateFormat, s)
	}
	*d = f.Earliest
	return nil
}
