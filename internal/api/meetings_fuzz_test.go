package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
)

// meetingBodies are the request bodies of the meeting endpoints, each with
// its check once decoded (nil: decoding is all there is).
var meetingBodies = []struct {
	name     string
	new      func() any
	validate func(v any) error
	fields   []string // the body's JSON fields
}{
	{"meeting", func() any { return &app.MeetingInput{} }, func(v any) error {
		return v.(*app.MeetingInput).Validate(domain.Date{Year: 2026, Month: 3, Day: 2})
	}, []string{"held_on", "place", "channel", "organisations", "list_ids", "minutes"}},
	{"commitment", func() any { return &app.CommitmentInput{} }, func(v any) error { return v.(*app.CommitmentInput).Validate() },
		[]string{"from", "to", "kind", "due_on", "case_ids", "rows"}},
	{"operation", func() any { return &app.OperationInput{} }, func(v any) error { return v.(*app.OperationInput).Validate() },
		[]string{"meeting_id", "date", "crossing_point", "route", "escorts", "case_ids"}},
	{"completion", func() any { return &app.CompletionInput{} }, func(v any) error { return v.(*app.CompletionInput).Validate() }, []string{"children"}},
	{"withdrawal", func() any { return &WithdrawalInput{} }, nil, nil},
}

// FuzzMeetingBodies feeds arbitrary bytes to the decoder of each meeting
// endpoint's body, and what decodes to its validation. Decoding either
// succeeds or fails with a client problem (4xx); a decoded body encodes and
// decodes again to the same value; validation never panics and fails only
// with field errors that name a field of the body.
func FuzzMeetingBodies(f *testing.F) {
	f.Add(uint8(0), []byte(`{"held_on":"2026-03-02","place":"Doha","organisations":["ua","med"],"list_ids":["x"],"minutes":"Three children by 20 March."}`))
	f.Add(uint8(0), []byte(`{"held_on":"2026-02-30","channel":"","organisations":[]}`))
	f.Add(uint8(1), []byte(`{"from":"ru","to":"ua","kind":"return_children","due_on":"2026-03-20","case_ids":["a","b",""],"rows":[{"list_id":"l","record_id":""}]}`))
	f.Add(uint8(2), []byte(`{"meeting_id":"m","date":"2026-03-10","crossing_point":"A","escorts":[{"organisation":"ru","name":"E"}],"case_ids":["a","a"]}`))
	f.Add(uint8(3), []byte(`{"children":[{"case_id":"a","handed_by":"E","received_by":"mother","at":"2026-03-10T11:00:00+02:00","documents":["birth certificate",""]},{"case_id":"b","stayed_behind":"fever"}]}`))
	f.Add(uint8(3), []byte(`{"children":[{"case_id":"a","at":"yesterday"}]}`))
	f.Add(uint8(4), []byte(`{"reason":"answered by letter"}`))
	f.Add(uint8(1), []byte(`{"kind":1}`))
	f.Add(uint8(2), []byte("{\"route\":\"\xff\xfe\"}"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		b := meetingBodies[int(which)%len(meetingBodies)]
		v := b.new()
		if err := decodeBytes(data, v); err != nil {
			var p *Problem
			var maxErr *http.MaxBytesError
			if !errors.As(err, &maxErr) && (!errors.As(err, &p) || p.Status < 400 || p.Status > 499) {
				t.Fatalf("%s: decoding %q: %v (%T), want a client problem", b.name, data, err, err)
			}
			return
		}
		again := b.new()
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: encoding %+v: %v", b.name, v, err)
		}
		if err := decodeBytes(enc, again); err != nil {
			t.Fatalf("%s: %s does not decode again: %v", b.name, enc, err)
		}
		if enc2, _ := json.Marshal(again); !bytes.Equal(enc, enc2) {
			t.Fatalf("%s: round trip changed %s to %s", b.name, enc, enc2)
		}
		if b.validate == nil {
			return
		}
		err = b.validate(v)
		if err == nil {
			return
		}
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) == 0 {
			t.Fatalf("%s: validation error %v (%T), want field errors", b.name, err, err)
		}
		for _, fe := range ve.Fields {
			root, _, _ := strings.Cut(fe.Field, "[")
			root, _, _ = strings.Cut(root, ".")
			if fe.Detail == "" || !slices.Contains(b.fields, root) {
				t.Fatalf("%s: field error %+v names no field of the body", b.name, fe)
			}
		}
	})
}

// decodeBytes runs the API's decoder on data as a request body.
func decodeBytes(data []byte, v any) error {
	r := httptest.NewRequest("POST", "/", bytes.NewReader(data))
	r.Header.Set("Content-Type", "application/json")
	return decode(httptest.NewRecorder(), r, v)
}
