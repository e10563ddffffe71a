package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Record answers (a record, a page of records) are most of what the API
// writes, and encoding/json's reflection was a tenth of the CPU of a
// listing. appendRecord writes a record as writeJSON does, byte for byte
// (field order, omitempty and omitzero, escaping without HTML escapes,
// times in RFC 3339); a record it cannot be sure of (a separation date kept
// with its parse error, which encoding/json would judge by reflection; a
// time encoding/json would refuse) is written by encoding/json instead.
// TestRecordJSONLikeEncodingJSON and FuzzRecordJSON hold the two equal.

// recordBufs holds answer buffers between requests, cleared when put back
// so that no answer's personal data outlives its request.
var recordBufs = sync.Pool{New: func() any { return new([]byte) }}

func getBuf() *[]byte { return recordBufs.Get().(*[]byte) }

func putBuf(bp *[]byte) {
	if cap(*bp) > 1<<20 {
		return // a rare huge answer: left to the collector
	}
	clear((*bp)[:cap(*bp)])
	*bp = (*bp)[:0]
	recordBufs.Put(bp)
}

// writeRecordsJSON writes v as writeJSON would, where v is rec (one record)
// or {"items": recs, "next_cursor": next} ("next_cursor" left out when
// next is "").
func writeRecordsJSON(w http.ResponseWriter, status int, recs []domain.Record, next string) {
	bp := getBuf()
	defer putBuf(bp)
	b := append((*bp)[:0], `{"items":[`...)
	for i := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendRecord(b, &recs[i]); !ok {
			*bp = b
			out := map[string]any{"items": nonNil(recs)}
			if next != "" {
				out["next_cursor"] = next
			}
			writeJSON(w, status, out)
			return
		}
	}
	b = append(b, ']')
	if next != "" {
		b = append(b, `,"next_cursor":`...)
		b = appendString(b, next)
	}
	b = append(b, "}\n"...)
	*bp = b
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeOneRecordJSON writes one record as writeJSON would.
func writeOneRecordJSON(w http.ResponseWriter, status int, r *domain.Record) {
	bp := getBuf()
	defer putBuf(bp)
	b, ok := appendRecord((*bp)[:0], r)
	*bp = b
	if !ok {
		writeJSON(w, status, r)
		return
	}
	b = append(b, '\n')
	*bp = b
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// appendRecord appends r's JSON; ok is false if encoding/json must write it.
func appendRecord(b []byte, r *domain.Record) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(r.Kind))
	b = append(b, `,"organisation_id":`...)
	b = appendString(b, r.OrgID)
	if r.ExternalID != "" {
		b = append(b, `,"external_id":`...)
		b = appendString(b, r.ExternalID)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(r.Version), 10)
	b = append(b, `,"person":`...)
	if b, ok = appendPerson(b, &r.Person); !ok {
		return b, false
	}
	if e := r.Enquirer; e != nil {
		b = append(b, `,"enquirer":{"name":`...)
		b = appendString(b, e.Name)
		b = append(b, `,"relation":`...)
		b = appendString(b, string(e.Relation))
		b = append(b, '}')
	}
	if s := &r.Sensitive; !s.IsZero() {
		b = append(b, `,"sensitive":{`...)
		b = appendFields(b, []field{{"current_location", s.CurrentLocation}, {"current_caregiver", s.CurrentCaregiver}})
		if len(s.DocumentsHeld) > 0 {
			if b[len(b)-1] != '{' {
				b = append(b, ',')
			}
			b = append(b, `"documents_held":[`...)
			for i, d := range s.DocumentsHeld {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, d)
			}
			b = append(b, ']')
		}
		if s.EnquirerContact != "" {
			if b[len(b)-1] != '{' {
				b = append(b, ',')
			}
			b = append(b, `"enquirer_contact":`...)
			b = appendString(b, s.EnquirerContact)
		}
		b = append(b, '}')
	}
	if r.Turned18 != "" {
		b = append(b, `,"turned_18":`...)
		b = appendString(b, string(r.Turned18))
	}
	b = append(b, `,"created_at":`...)
	if b, ok = appendTime(b, r.CreatedAt); !ok {
		return b, false
	}
	b = append(b, `,"created_by":`...)
	b = appendString(b, r.CreatedBy)
	b = append(b, `,"updated_at":`...)
	if b, ok = appendTime(b, r.UpdatedAt); !ok {
		return b, false
	}
	b = append(b, `,"updated_by":`...)
	b = appendString(b, r.UpdatedBy)
	if d := r.Deleted; d != nil {
		b = append(b, `,"deleted":{"at":`...)
		if b, ok = appendTime(b, d.At); !ok {
			return b, false
		}
		b = append(b, `,"by":`...)
		b = appendString(b, d.By)
		b = append(b, `,"reason":`...)
		b = appendString(b, d.Reason)
		b = append(b, '}')
	}
	return append(b, '}'), true
}

func appendPerson(b []byte, p *domain.Person) ([]byte, bool) {
	if p.Separation.Date.Err() != nil {
		return b, false // omitzero on Separation is by reflection then
	}
	b = append(b, `{"names":`...)
	if p.Names == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Names {
			n := &p.Names[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendFields(b, []field{{"given", n.Given}, {"patronymic", n.Patronymic}, {"family", n.Family},
				{"script", string(n.Script)}, {"source", string(n.Source)}})
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if p.Sex != "" {
		b = append(b, `,"sex":`...)
		b = appendString(b, string(p.Sex))
	}
	if !p.BirthDate.IsZero() {
		b = append(b, `,"birth_date":`...)
		b = appendString(b, p.BirthDate.String())
	}
	if p.BirthPlace != "" {
		b = append(b, `,"birth_place":`...)
		b = appendString(b, p.BirthPlace)
	}
	if !p.LastHome.IsZero() {
		h := &p.LastHome
		b = append(b, `,"last_home":{`...)
		b = appendFields(b, []field{{"settlement", h.Settlement}, {"oblast", h.Oblast}, {"country", h.Country}})
		b = append(b, '}')
	}
	if s := &p.Separation; *s != (domain.Separation{}) {
		b = append(b, `,"separation":{`...)
		if !s.Date.IsZero() {
			b = append(b, `"date":`...)
			b = appendString(b, s.Date.String())
		}
		b = appendFields(b, []field{{"place", s.Place}, {"category", string(s.Category)}})
		b = append(b, '}')
	}
	if len(p.Relatives) > 0 {
		b = append(b, `,"relatives":[`...)
		for i := range p.Relatives {
			rel := &p.Relatives[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"relation":`...)
			b = appendString(b, string(rel.Relation))
			b = append(b, `,"name":`...)
			b = appendString(b, rel.Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if p.Features != "" {
		b = append(b, `,"distinguishing_features":`...)
		b = appendString(b, p.Features)
	}
	if p.Notes != "" {
		b = append(b, `,"notes":`...)
		b = appendString(b, p.Notes)
	}
	return append(b, '}'), true
}

// field is a string field of an object.
type field struct{ name, value string }

// appendFields appends fields to an object b is inside of, leaving out
// empty values (omitempty), with a comma before each unless b ends with the
// object's opening brace.
func appendFields(b []byte, fields []field) []byte {
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f.name...)
		b = append(b, `":`...)
		b = appendString(b, f.value)
	}
	return b
}

// appendTime appends t as encoding/json does (Time.MarshalJSON); ok is
// false where that fails.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); t.Location() == time.UTC && y >= 0 && y <= 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"'), true
	}
	j, err := t.MarshalJSON()
	if err != nil {
		return b, false
	}
	return append(b, j...), true
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string as encoding/json does with HTML
// escaping off (see writeJSON): quotes, backslashes and control characters
// escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
