package store

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// decodePerson decodes a stored person document (records.person) into p,
// which must be the zero Person, exactly as json.Unmarshal would.
//
// Listing records decodes one such document per row, and encoding/json
// (which checks the whole text before decoding it, and copies every
// string) was the largest cost of a listing in Go code. The documents are
// written by json.Marshal, so they have one known shape: decodePerson reads
// that shape directly, taking the strings as parts of s rather than copies,
// and hands anything else (an unknown or repeated key, a key in other
// case, null, a number, invalid UTF-8, text that is not JSON) to
// json.Unmarshal, from a zero Person, so the result and any error are
// encoding/json's own. A string with an escape is unquoted by encoding/json
// too.
func decodePerson(s string, p *domain.Person) error {
	d := personDecoder{s: s}
	if d.person(p) {
		return nil
	}
	*p = domain.Person{}
	return json.Unmarshal([]byte(s), p)
}

// personDecoder reads the shape json.Marshal gives a domain.Person. Each
// method reports false, leaving the rest to json.Unmarshal, on anything else.
type personDecoder struct {
	s string
	i int
}

func (d *personDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c,
// consuming it if so.
func (d *personDecoder) next(c byte) bool {
	d.space()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek skips white space and returns the next byte (0 at the end).
func (d *personDecoder) peek() byte {
	d.space()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// str reads a string value. Without escapes and in valid UTF-8 it is the
// text between the quotes, as encoding/json would give it; otherwise
// encoding/json unquotes it (replacing invalid UTF-8 as it always does).
func (d *personDecoder) str() (string, bool) {
	if !d.next('"') {
		return "", false
	}
	start := d.i
	plain := true
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			raw := d.s[start:d.i]
			d.i++
			if plain {
				return raw, true
			}
			return unquote(d.s[start-1 : d.i])
		case c == '\\':
			plain = false
			d.i += 2
			continue
		case c < 0x20:
			return "", false // not JSON
		case c >= utf8.RuneSelf:
			if plain {
				r, size := utf8.DecodeRuneInString(d.s[d.i:])
				if r == utf8.RuneError && size == 1 {
					plain = false
				}
				d.i += size
				continue
			}
		}
		d.i++
	}
	return "", false
}

// unquote decodes a JSON string literal, quotes included, as encoding/json
// decodes one into a string.
func unquote(lit string) (string, bool) {
	var out string
	if err := json.Unmarshal([]byte(lit), &out); err != nil {
		return "", false
	}
	return out, true
}

// key reads an object key and its colon. Keys are the field names, plain
// ASCII: one with an escape is left to encoding/json.
func (d *personDecoder) key() (string, bool) {
	if !d.next('"') {
		return "", false
	}
	start := d.i
	for d.i < len(d.s) {
		switch c := d.s[d.i]; {
		case c == '"':
			k := d.s[start:d.i]
			d.i++
			return k, d.next(':')
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return "", false
		}
		d.i++
	}
	return "", false
}

// object reads an object, calling field for each key; field reads the
// value and returns the key's bit, for refusing repeated keys (0 for an
// unknown key: refused too).
func (d *personDecoder) object(field func(k string) (bit uint32, ok bool)) bool {
	if !d.next('{') {
		return false
	}
	if d.next('}') {
		return true
	}
	var seen uint32
	for {
		k, ok := d.key()
		if !ok {
			return false
		}
		bit, ok := field(k)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		if d.next('}') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

// array reads an array of objects, calling elem for each.
func (d *personDecoder) array(elem func() bool) bool {
	if !d.next('[') {
		return false
	}
	if d.next(']') {
		return true
	}
	for {
		if d.peek() != '{' || !elem() {
			return false
		}
		if d.next(']') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

// into reads a string value into *dst, returning bit.
func (d *personDecoder) into(dst *string, bit uint32) (uint32, bool) {
	v, ok := d.str()
	*dst = v
	return bit, ok
}

// date reads a string value into a fuzzy date, through its UnmarshalText
// as encoding/json does.
func (d *personDecoder) date(dst *domain.FuzzyDate, bit uint32) (uint32, bool) {
	v, ok := d.str()
	if !ok {
		return 0, false
	}
	return bit, dst.UnmarshalText([]byte(v)) == nil
}

func (d *personDecoder) person(p *domain.Person) bool {
	ok := d.object(func(k string) (uint32, bool) {
		switch k {
		case "names":
			return 1 << 0, d.names(&p.Names)
		case "sex":
			return d.into((*string)(&p.Sex), 1<<1)
		case "birth_date":
			return d.date(&p.BirthDate, 1<<2)
		case "birth_place":
			return d.into(&p.BirthPlace, 1<<3)
		case "last_home":
			return 1 << 4, d.place(&p.LastHome)
		case "separation":
			return 1 << 5, d.separation(&p.Separation)
		case "relatives":
			return 1 << 6, d.relatives(&p.Relatives)
		case "distinguishing_features":
			return d.into(&p.Features, 1<<7)
		case "notes":
			return d.into(&p.Notes, 1<<8)
		}
		return 0, false
	})
	d.space()
	return ok && d.i == len(d.s)
}

func (d *personDecoder) names(dst *[]domain.Name) bool {
	names := make([]domain.Name, 0, 2) // [] is an empty list, not null
	ok := d.array(func() bool {
		var n domain.Name
		ok := d.object(func(k string) (uint32, bool) {
			switch k {
			case "given":
				return d.into(&n.Given, 1<<0)
			case "patronymic":
				return d.into(&n.Patronymic, 1<<1)
			case "family":
				return d.into(&n.Family, 1<<2)
			case "script":
				return d.into((*string)(&n.Script), 1<<3)
			case "source":
				return d.into((*string)(&n.Source), 1<<4)
			}
			return 0, false
		})
		names = append(names, n)
		return ok
	})
	*dst = names
	return ok
}

func (d *personDecoder) place(dst *domain.Place) bool {
	return d.object(func(k string) (uint32, bool) {
		switch k {
		case "settlement":
			return d.into(&dst.Settlement, 1<<0)
		case "oblast":
			return d.into(&dst.Oblast, 1<<1)
		case "country":
			return d.into(&dst.Country, 1<<2)
		}
		return 0, false
	})
}

func (d *personDecoder) separation(dst *domain.Separation) bool {
	return d.object(func(k string) (uint32, bool) {
		switch k {
		case "date":
			return d.date(&dst.Date, 1<<0)
		case "place":
			return d.into(&dst.Place, 1<<1)
		case "category":
			return d.into((*string)(&dst.Category), 1<<2)
		}
		return 0, false
	})
}

func (d *personDecoder) relatives(dst *[]domain.Relative) bool {
	var rels []domain.Relative
	ok := d.array(func() bool {
		var r domain.Relative
		ok := d.object(func(k string) (uint32, bool) {
			switch k {
			case "relation":
				return d.into((*string)(&r.Relation), 1<<0)
			case "name":
				return d.into(&r.Name, 1<<1)
			}
			return 0, false
		})
		rels = append(rels, r)
		return ok
	})
	if rels == nil {
		rels = []domain.Relative{} // [] is an empty list, not null
	}
	*dst = rels
	return ok
}
