package cases

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// The graph and the roles written out again, independently of cases.go, for
// the tests to hold the code to.
var (
	side   = []State{Declined, Deceased, Duplicate, Withdrawn}
	wantTo = map[State][]State{
		Confirmed:               append([]State{IdentityVerified}, side...),
		IdentityVerified:        append([]State{ConsentAndBestInterests}, side...),
		ConsentAndBestInterests: append([]State{HandoverPlanned}, side...),
		HandoverPlanned:         append([]State{Reunited, HandoverPlanned}, side...),
		Reunited:                {FollowUp, Deceased},
		FollowUp:                {Closed, Deceased},
		Closed:                  nil,
		Declined:                nil,
		Deceased:                nil,
		Duplicate:               nil,
		Withdrawn:               nil,
	}
	wantRoles = map[State][]domain.Role{
		IdentityVerified:        {domain.RoleCaseworker, domain.RoleReviewer},
		ConsentAndBestInterests: {domain.RoleCaseworker},
		HandoverPlanned:         {domain.RoleCaseworker},
		Reunited:                {domain.RoleCaseworker},
		FollowUp:                {domain.RoleCaseworker},
		Closed:                  {domain.RoleCaseworker},
		Declined:                {domain.RoleCaseworker, domain.RoleAdmin},
		Duplicate:               {domain.RoleCaseworker, domain.RoleAdmin},
		Withdrawn:               {domain.RoleCaseworker, domain.RoleAdmin},
		Deceased:                {domain.RoleCaseworker},
	}
	// wantFields lists the fields each move takes (reason is taken by all).
	wantFields = map[State][]string{
		IdentityVerified:        {"method", "evidence", "attachment_ids"},
		ConsentAndBestInterests: {"child_views", "decided_by_self", "best_interests"},
		HandoverPlanned:         {"handover_date", "handover_place", "route", "escort"},
		Reunited:                {"reunited_at", "reunited_place", "handed_to"},
		Duplicate:               {"duplicate_of"},
	}
)

var (
	today    = domain.Date{Year: 2026, Month: 11, Day: 1}
	allRoles = []domain.Role{domain.RoleAdmin, domain.RoleCaseworker, domain.RoleReviewer, domain.RoleAnalyst, domain.RoleAuditor}
)

func isEdge(from, to State) bool { return slices.Contains(wantTo[from], to) }

func edges() [][2]State {
	var out [][2]State
	for _, from := range States {
		for _, to := range wantTo[from] {
			out = append(out, [2]State{from, to})
		}
	}
	return out
}

// good returns an input that a move to to accepts.
func good(from, to State, adult domain.Tristate) Input {
	in := Input{Adult: adult, Today: today}
	switch to {
	case IdentityVerified:
		in.Method = MethodDocuments
		in.Evidence = "Birth certificate 1-ЖС 123456 matches the name and date of birth in the request."
		in.AttachmentIDs = []string{"att-1"}
	case ConsentAndBestInterests:
		if adult == domain.Yes {
			in.ChildViews = "Wants to return to her mother in Kharkiv."
			in.DecidedBySelf = true
		} else {
			in.ChildViews = "Asked to go home to his grandmother; interviewed alone, with an interpreter."
			in.BestInterests = "BID panel of 2026-10-20: return to the grandmother is in his best interests."
		}
	case HandoverPlanned:
		in.HandoverDate = domain.Date{Year: 2026, Month: 11, Day: 20}
		in.HandoverPlace = "Border crossing point"
		in.Route = "Through the mediator's office, by road"
		in.Escort = "Mediator's child protection officer"
	case Reunited:
		in.ReunitedAt = domain.Date{Year: 2026, Month: 10, Day: 30}
		in.ReunitedPlace = "Border crossing point"
		in.HandedTo = "Grandmother, Olha P."
	case FollowUp, Closed:
	case Duplicate:
		in.Reason = "Same child and family as the other case."
		in.DuplicateOf = "case-42"
	default:
		in.Reason = "The family withdrew the request."
	}
	return in
}

// setters put a value in each field, by JSON name.
var setters = map[string]func(*Input){
	"method":         func(in *Input) { in.Method = MethodInterview },
	"evidence":       func(in *Input) { in.Evidence = "x" },
	"attachment_ids": func(in *Input) { in.AttachmentIDs = []string{"att-9"} },
	"child_views":    func(in *Input) { in.ChildViews = "x" },
	"decided_by_self": func(in *Input) {
		in.DecidedBySelf = true
	},
	"best_interests": func(in *Input) { in.BestInterests = "x" },
	"handover_date":  func(in *Input) { in.HandoverDate = domain.Date{Year: 2026, Month: 12, Day: 1} },
	"handover_place": func(in *Input) { in.HandoverPlace = "x" },
	"route":          func(in *Input) { in.Route = "x" },
	"escort":         func(in *Input) { in.Escort = "x" },
	"reunited_at":    func(in *Input) { in.ReunitedAt = domain.Date{Year: 2026, Month: 1, Day: 1} },
	"reunited_place": func(in *Input) { in.ReunitedPlace = "x" },
	"handed_to":      func(in *Input) { in.HandedTo = "x" },
	"reason":         func(in *Input) { in.Reason = "x" },
	"duplicate_of":   func(in *Input) { in.DuplicateOf = "x" },
}

// texts gives the text fields, by JSON name.
var texts = map[string]func(*Input) *string{
	"evidence":       func(in *Input) *string { return &in.Evidence },
	"child_views":    func(in *Input) *string { return &in.ChildViews },
	"best_interests": func(in *Input) *string { return &in.BestInterests },
	"handover_place": func(in *Input) *string { return &in.HandoverPlace },
	"route":          func(in *Input) *string { return &in.Route },
	"escort":         func(in *Input) *string { return &in.Escort },
	"reunited_place": func(in *Input) *string { return &in.ReunitedPlace },
	"handed_to":      func(in *Input) *string { return &in.HandedTo },
	"reason":         func(in *Input) *string { return &in.Reason },
	"duplicate_of":   func(in *Input) *string { return &in.DuplicateOf },
}

func inputError(t *testing.T, err error) *InputError {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v (%T); want an *InputError", err, err)
	}
	return ie
}

func TestStates(t *testing.T) {
	if len(States) != 11 || !slices.Equal(States[:7], MainPath) {
		t.Fatalf("States = %v; want the 7 main-path states first, then 4 side exits", States)
	}
	for _, s := range States {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if got, want := Next(s), wantTo[s]; !slices.Equal(got, want) {
			t.Errorf("Next(%s) = %v; want %v", s, got, want)
		}
		if got, want := s.Terminal(), len(wantTo[s]) == 0; got != want {
			t.Errorf("%s.Terminal() = %v; want %v", s, got, want)
		}
	}
	for _, s := range []State{"", "Confirmed", "open", "closed ", "reunited\x00"} {
		if s.Valid() || s.Terminal() || Next(s) != nil {
			t.Errorf("%q: Valid %v, Terminal %v, Next %v; want an invalid state", s, s.Valid(), s.Terminal(), Next(s))
		}
	}
	// Next returns a copy.
	n := Next(Confirmed)
	n[0] = Closed
	if Next(Confirmed)[0] != IdentityVerified {
		t.Fatal("Next returns the graph's own slice")
	}
	// JSON is the string itself.
	b, _ := json.Marshal(ConsentAndBestInterests)
	if string(b) != `"consent_and_best_interests"` {
		t.Fatalf("JSON = %s", b)
	}
}

func TestAllowedTransitions(t *testing.T) {
	for _, e := range edges() {
		from, to := e[0], e[1]
		for _, adult := range []domain.Tristate{domain.Yes, domain.No, domain.Possibly, domain.Unknown, ""} {
			for _, r := range wantRoles[to] {
				if err := Check(from, to, []domain.Role{r}, good(from, to, adult)); err != nil {
					t.Errorf("%s → %s as %s (adult %q): %v", from, to, r, adult, err)
				}
			}
		}
		// Reason is a note on every move.
		in := good(from, to, domain.No)
		in.Reason = "Noted."
		if err := Check(from, to, []domain.Role{domain.RoleCaseworker}, in); err != nil {
			t.Errorf("%s → %s with a reason: %v", from, to, err)
		}
	}
}

func TestIllegalTransitions(t *testing.T) {
	err := Check(Confirmed, Reunited, []domain.Role{domain.RoleCaseworker}, good(Confirmed, Reunited, domain.No))
	const msg = "cannot go from confirmed to reunited; allowed: identity_verified, declined, deceased, duplicate, withdrawn"
	if err == nil || err.Error() != msg {
		t.Fatalf("Check(confirmed → reunited) = %v; want %q", err, msg)
	}
	all := append(slices.Clone(States), "", "bogus", "CLOSED")
	for _, from := range all {
		for _, to := range all {
			if isEdge(from, to) {
				continue
			}
			err := Check(from, to, allRoles, good(from, to, domain.No))
			var ie *IllegalTransitionError
			if !errors.As(err, &ie) {
				t.Errorf("Check(%q → %q) = %v; want an *IllegalTransitionError", from, to, err)
				continue
			}
			if ie.From != from || ie.To != to || !slices.Equal(ie.Allowed, wantTo[from]) {
				t.Errorf("Check(%q → %q) = %+v", from, to, ie)
			}
			text := err.Error()
			switch {
			case !from.Valid():
				if !strings.Contains(text, fmt.Sprintf("%q is not a case state", string(from))) {
					t.Errorf("Check(%q → %q): %s", from, to, text)
				}
			case !to.Valid():
				if !strings.Contains(text, fmt.Sprintf("%q is not a case state", string(to))) {
					t.Errorf("Check(%q → %q): %s", from, to, text)
				}
			case from.Terminal():
				if !strings.HasSuffix(text, "allowed: none (the case is finished)") {
					t.Errorf("Check(%q → %q): %s", from, to, text)
				}
			default:
				want := fmt.Sprintf("cannot go from %s to %s; allowed: %s", from, to, join(wantTo[from]))
				if text != want {
					t.Errorf("Check(%q → %q) = %q; want %q", from, to, text, want)
				}
			}
		}
	}
}

func TestRoles(t *testing.T) {
	for _, e := range edges() {
		from, to := e[0], e[1]
		if got := AllowedRoles(from, to); !slices.Equal(got, wantRoles[to]) {
			t.Errorf("AllowedRoles(%s, %s) = %v; want %v", from, to, got, wantRoles[to])
		}
		for _, r := range allRoles {
			err := Check(from, to, []domain.Role{r}, good(from, to, domain.No))
			allowed := slices.Contains(wantRoles[to], r)
			if allowed && err != nil {
				t.Errorf("%s → %s as %s: %v", from, to, r, err)
			}
			if !allowed {
				var fe *ForbiddenError
				if !errors.As(err, &fe) || fe.To != to || !slices.Equal(fe.Need, wantRoles[to]) {
					t.Errorf("%s → %s as %s: %v; want a *ForbiddenError", from, to, r, err)
				}
			}
			if (r == domain.RoleAnalyst || r == domain.RoleAuditor) && allowed {
				t.Errorf("%s may move %s → %s", r, from, to)
			}
		}
		// No roles at all, or only roles that do not exist.
		for _, roles := range [][]domain.Role{nil, {}, {"superuser"}, {domain.RoleAnalyst, domain.RoleAuditor}} {
			if err := Check(from, to, roles, good(from, to, domain.No)); !errors.As(err, new(*ForbiddenError)) {
				t.Errorf("%s → %s as %v: %v; want a *ForbiddenError", from, to, roles, err)
			}
		}
	}
	if got := AllowedRoles(Confirmed, Closed); got != nil {
		t.Errorf("AllowedRoles of a move not in the graph = %v", got)
	}
	msg := (&ForbiddenError{To: Declined, Need: wantRoles[Declined]}).Error()
	if msg != "moving a case to declined needs one of the roles caseworker, admin" {
		t.Errorf("ForbiddenError = %q", msg)
	}
	msg = (&ForbiddenError{To: Reunited, Need: wantRoles[Reunited]}).Error()
	if msg != "moving a case to reunited needs the role caseworker" {
		t.Errorf("ForbiddenError = %q", msg)
	}
}

func TestRequiredFields(t *testing.T) {
	type missing struct {
		field string
		clear func(*Input)
	}
	blankText := func(name string) []missing {
		return []missing{
			{name, func(in *Input) { *texts[name](in) = "" }},
			{name, func(in *Input) { *texts[name](in) = " \t\n\u00a0" }},
		}
	}
	cases := []struct {
		from, to State
		adult    domain.Tristate
		missing  []missing
	}{
		{Confirmed, IdentityVerified, domain.No, []missing{
			{"method", func(in *Input) { in.Method = "" }},
			{"evidence", func(in *Input) { in.Evidence, in.AttachmentIDs = "", nil }},
			{"evidence", func(in *Input) { in.Evidence, in.AttachmentIDs = "  ", []string{} }},
		}},
		{IdentityVerified, ConsentAndBestInterests, domain.No, slices.Concat(
			blankText("child_views"), blankText("best_interests"))},
		{IdentityVerified, ConsentAndBestInterests, domain.Possibly, blankText("best_interests")},
		{IdentityVerified, ConsentAndBestInterests, domain.Unknown, blankText("best_interests")},
		{IdentityVerified, ConsentAndBestInterests, domain.Yes, slices.Concat(blankText("child_views"), []missing{
			{"decided_by_self", func(in *Input) { in.DecidedBySelf = false }},
		})},
		{ConsentAndBestInterests, HandoverPlanned, domain.No, slices.Concat([]missing{
			{"handover_date", func(in *Input) { in.HandoverDate = domain.Date{} }},
		}, blankText("handover_place"), blankText("route"), blankText("escort"))},
		{HandoverPlanned, HandoverPlanned, domain.No, []missing{
			{"handover_date", func(in *Input) { in.HandoverDate = domain.Date{} }},
		}},
		{HandoverPlanned, Reunited, domain.No, slices.Concat([]missing{
			{"reunited_at", func(in *Input) { in.ReunitedAt = domain.Date{} }},
		}, blankText("reunited_place"), blankText("handed_to"))},
	}
	for _, s := range []State{Confirmed, IdentityVerified, ConsentAndBestInterests, HandoverPlanned} {
		for _, to := range []State{Declined, Withdrawn, Deceased} {
			cases = append(cases, struct {
				from, to State
				adult    domain.Tristate
				missing  []missing
			}{s, to, domain.No, blankText("reason")})
		}
		cases = append(cases, struct {
			from, to State
			adult    domain.Tristate
			missing  []missing
		}{s, Duplicate, domain.No, slices.Concat(blankText("reason"), blankText("duplicate_of"))})
	}
	for _, s := range []State{Reunited, FollowUp} {
		cases = append(cases, struct {
			from, to State
			adult    domain.Tristate
			missing  []missing
		}{s, Deceased, domain.No, blankText("reason")})
	}
	for _, c := range cases {
		for _, m := range c.missing {
			in := good(c.from, c.to, c.adult)
			m.clear(&in)
			err := Check(c.from, c.to, []domain.Role{domain.RoleCaseworker}, in)
			if ie := inputError(t, err); ie.Field != m.field {
				t.Errorf("%s → %s (adult %s) without %s: %v; want an error naming %s", c.from, c.to, c.adult, m.field, err, m.field)
			} else if !strings.Contains(ie.Problem, "required") && !strings.Contains(ie.Problem, "must be true") {
				t.Errorf("%s → %s without %s: %q does not say it is required", c.from, c.to, m.field, ie.Problem)
			}
		}
	}
	// Closing from follow-up needs no reason.
	if err := Check(FollowUp, Closed, []domain.Role{domain.RoleCaseworker}, Input{}); err != nil {
		t.Errorf("follow_up → closed with no input: %v", err)
	}
	if err := Check(Reunited, FollowUp, []domain.Role{domain.RoleCaseworker}, Input{}); err != nil {
		t.Errorf("reunited → follow_up with no input: %v", err)
	}
}

func TestInputProblems(t *testing.T) {
	cw := []domain.Role{domain.RoleCaseworker}
	for _, c := range []struct {
		name     string
		from, to State
		adult    domain.Tristate
		change   func(*Input)
		field    string // "" for accepted
	}{
		{"evidence only", Confirmed, IdentityVerified, domain.No, func(in *Input) { in.AttachmentIDs = nil }, ""},
		{"attachments only", Confirmed, IdentityVerified, domain.No, func(in *Input) { in.Evidence = "" }, ""},
		{"interview", Confirmed, IdentityVerified, domain.No, func(in *Input) { in.Method = MethodInterview }, ""},
		{"dna", Confirmed, IdentityVerified, domain.No, func(in *Input) { in.Method = MethodDNAKinship }, ""},
		{"unknown method", Confirmed, IdentityVerified, domain.No, func(in *Input) { in.Method = "photo" }, "method"},
		{"blank attachment", Confirmed, IdentityVerified, domain.No, func(in *Input) { in.AttachmentIDs = []string{"a", " "} }, "attachment_ids[1]"},
		{"too many attachments", Confirmed, IdentityVerified, domain.No, func(in *Input) {
			in.AttachmentIDs = make([]string, MaxAttachments+1)
			for i := range in.AttachmentIDs {
				in.AttachmentIDs[i] = fmt.Sprint("att-", i)
			}
		}, "attachment_ids"},
		{"evidence too long", Confirmed, IdentityVerified, domain.No, func(in *Input) {
			in.Evidence = strings.Repeat("я", domain.MaxLongText+1)
		}, "evidence"},
		{"evidence at the limit", Confirmed, IdentityVerified, domain.No, func(in *Input) {
			in.Evidence = strings.Repeat("я", domain.MaxLongText)
		}, ""},
		{"bad UTF-8", Confirmed, IdentityVerified, domain.No, func(in *Input) { in.Evidence = "a\xffb" }, "evidence"},
		{"bad UTF-8 in an optional reason", Reunited, FollowUp, domain.No, func(in *Input) { in.Reason = "\xff" }, "reason"},
		{"child says they decided alone", IdentityVerified, ConsentAndBestInterests, domain.No, func(in *Input) { in.DecidedBySelf = true }, "decided_by_self"},
		{"possibly adult decides alone", IdentityVerified, ConsentAndBestInterests, domain.Possibly, func(in *Input) {
			in.DecidedBySelf = true
			in.BestInterests = ""
		}, "decided_by_self"},
		{"adult with a best-interests note", IdentityVerified, ConsentAndBestInterests, domain.Yes, func(in *Input) { in.BestInterests = "Also reviewed." }, ""},
		{"handover date not a day", ConsentAndBestInterests, HandoverPlanned, domain.No, func(in *Input) {
			in.HandoverDate = domain.Date{Year: 2027, Month: 2, Day: 29}
		}, "handover_date"},
		{"handover in the past", ConsentAndBestInterests, HandoverPlanned, domain.No, func(in *Input) {
			in.HandoverDate = domain.Date{Year: 2026, Month: 10, Day: 1}
		}, ""},
		{"place too long", ConsentAndBestInterests, HandoverPlanned, domain.No, func(in *Input) {
			in.HandoverPlace = strings.Repeat("x", domain.MaxShortText+1)
		}, "handover_place"},
		{"reunited today", HandoverPlanned, Reunited, domain.No, func(in *Input) { in.ReunitedAt = today }, ""},
		{"reunited tomorrow", HandoverPlanned, Reunited, domain.No, func(in *Input) {
			in.ReunitedAt = domain.Date{Year: 2026, Month: 11, Day: 2}
		}, "reunited_at"},
		{"reunited on no day", HandoverPlanned, Reunited, domain.No, func(in *Input) {
			in.ReunitedAt = domain.Date{Year: 2026, Month: 4, Day: 31}
		}, "reunited_at"},
		{"today not set", HandoverPlanned, Reunited, domain.No, func(in *Input) { in.Today = domain.Date{} }, "today"},
		{"reunited: first problem wins", HandoverPlanned, Reunited, domain.No, func(in *Input) {
			in.ReunitedAt = domain.Date{}
			in.HandedTo = ""
		}, "reunited_at"},
		{"closing from follow_up with a reason", FollowUp, Closed, domain.No, func(in *Input) { in.Reason = "Settled." }, ""},
		{"empty attachment list elsewhere", Reunited, FollowUp, domain.No, func(in *Input) { in.AttachmentIDs = []string{} }, ""},
	} {
		in := good(c.from, c.to, c.adult)
		c.change(&in)
		err := Check(c.from, c.to, []domain.Role{domain.RoleCaseworker}, in)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if ie := inputError(t, err); ie.Field != c.field {
			t.Errorf("%s: %v; want an error naming %s", c.name, err, c.field)
		}
	}

	// Every field that does not belong to a move is refused, by name.
	for _, e := range edges() {
		from, to := e[0], e[1]
		for name, set := range setters {
			if name == "reason" || slices.Contains(wantFields[to], name) {
				continue
			}
			in := good(from, to, domain.No)
			set(&in)
			err := Check(from, to, cw, in)
			if ie := inputError(t, err); ie.Field != name || !strings.Contains(ie.Problem, "does not belong") {
				t.Errorf("%s → %s with %s: %v", from, to, name, err)
			}
		}
	}
	ie := &InputError{Field: "route", Problem: "is required"}
	if ie.Error() != "route: is required" || ie.FieldError() != (domain.FieldError{Field: "route", Detail: "is required"}) {
		t.Errorf("InputError: %q %+v", ie.Error(), ie.FieldError())
	}
}

func TestInputJSON(t *testing.T) {
	body := `{
		"method": "dna_kinship", "evidence": "Lab report", "attachment_ids": ["a1", "a2"],
		"child_views": "v", "decided_by_self": true, "best_interests": "b",
		"handover_date": "2026-11-20", "handover_place": "p", "route": "r", "escort": "e",
		"reunited_at": "2026-10-30", "reunited_place": "rp", "handed_to": "h",
		"reason": "why", "duplicate_of": "case-1"
	}`
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	var in Input
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	want := Input{
		Method: MethodDNAKinship, Evidence: "Lab report", AttachmentIDs: []string{"a1", "a2"},
		ChildViews: "v", DecidedBySelf: true, BestInterests: "b",
		HandoverDate: domain.Date{Year: 2026, Month: 11, Day: 20}, HandoverPlace: "p", Route: "r", Escort: "e",
		ReunitedAt: domain.Date{Year: 2026, Month: 10, Day: 30}, ReunitedPlace: "rp", HandedTo: "h",
		Reason: "why", DuplicateOf: "case-1",
	}
	if fmt.Sprint(in) != fmt.Sprint(want) {
		t.Fatalf("decoded %+v\nwant    %+v", in, want)
	}
	// The fields cover every setter (every JSON name in Input).
	var m map[string]any
	json.Unmarshal([]byte(body), &m)
	if len(m) != len(setters) {
		t.Fatalf("the body has %d fields, Input %d", len(m), len(setters))
	}
	for name := range setters {
		if _, ok := m[name]; !ok {
			t.Errorf("no %s in the body", name)
		}
	}
	// Round trip, and the zero Input is {}.
	out, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back Input
	if err := json.Unmarshal(out, &back); err != nil || fmt.Sprint(back) != fmt.Sprint(in) {
		t.Fatalf("round trip: %s → %+v, %v", out, back, err)
	}
	if out, _ := json.Marshal(Input{Adult: domain.Yes, Today: today}); string(out) != "{}" {
		t.Fatalf("zero Input = %s", out)
	}
	// The server's fields cannot be sent.
	for _, b := range []string{`{"adult":"yes"}`, `{"today":"2026-11-01"}`, `{"Adult":"yes"}`, `{"Today":"2026-11-01"}`} {
		dec := json.NewDecoder(bytes.NewReader([]byte(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(new(Input)); err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("%s: %v; want an unknown field", b, err)
		}
	}
	// A bad date is a date format error.
	if err := json.Unmarshal([]byte(`{"handover_date":"2026-02-30"}`), new(Input)); !errors.Is(err, domain.ErrDateFormat) {
		t.Errorf("bad date: %v", err)
	}
}

func TestFollowUpSchedule(t *testing.T) {
	d := func(y, m, dd int) domain.Date { return domain.Date{Year: y, Month: time.Month(m), Day: dd} }
	for _, c := range []struct {
		from domain.Date
		want []domain.Date
	}{
		{d(2025, 3, 15), []domain.Date{d(2025, 4, 15), d(2025, 6, 15), d(2025, 9, 15)}},
		{d(2024, 1, 31), []domain.Date{d(2024, 2, 29), d(2024, 4, 30), d(2024, 7, 31)}},
		{d(2023, 8, 31), []domain.Date{d(2023, 9, 30), d(2023, 11, 30), d(2024, 2, 29)}},
		{d(2025, 8, 31), []domain.Date{d(2025, 9, 30), d(2025, 11, 30), d(2026, 2, 28)}},
		{d(2025, 10, 1), []domain.Date{d(2025, 11, 1), d(2026, 1, 1), d(2026, 4, 1)}},
		{d(2025, 12, 31), []domain.Date{d(2026, 1, 31), d(2026, 3, 31), d(2026, 6, 30)}},
	} {
		if got := FollowUpSchedule(c.from); !slices.Equal(got, c.want) {
			t.Errorf("FollowUpSchedule(%s) = %v; want %v", c.from, got, c.want)
		}
	}
}

// TestRandomWalk is the property test: seeded random walks try random moves
// with random roles and random (mostly good, often damaged) inputs, apply
// only those Check accepts, and check that
//   - every accepted move is an edge of wantTo and the roles held include
//     one of wantRoles, and its input has what the move requires;
//   - every refusal is of the kind the independent tables predict;
//   - terminal states and invalid states accept nothing;
//   - every state, the whole main path included, is reached.
func TestRandomWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	junk := []State{"", "bogus", "Closed", "reunited ", "follow-up"}
	adults := []domain.Tristate{domain.Yes, domain.No, domain.Possibly, domain.Unknown}
	reached := map[State]int{}
	accepted := map[[2]State]int{}
	const walks, maxSteps = 10000, 60
	steps := 0
	for range walks {
		s := Confirmed
		reached[s]++
		adult := adults[r.IntN(len(adults))]
		for range maxSteps {
			steps++
			// The target: often the next state on the main path, else any
			// state or junk.
			var to State
			switch i := slices.Index(MainPath, s); {
			case i >= 0 && i+1 < len(MainPath) && r.IntN(5) < 2:
				to = MainPath[i+1]
			case r.IntN(10) == 0:
				to = junk[r.IntN(len(junk))]
			default:
				to = States[r.IntN(len(States))]
			}
			var roles []domain.Role
			for _, role := range allRoles {
				if r.IntN(3) == 0 {
					roles = append(roles, role)
				}
			}
			if r.IntN(20) == 0 {
				roles = append(roles, "superuser")
			}
			in := good(s, to, adult)
			if r.IntN(3) == 0 {
				damage(r, &in)
			}
			if r.IntN(15) == 0 {
				in = randomInput(r)
			}

			err := Check(s, to, roles, in)
			var (
				ill  *IllegalTransitionError
				forb *ForbiddenError
				ie   *InputError
			)
			roleOK := slices.ContainsFunc(roles, func(x domain.Role) bool { return slices.Contains(wantRoles[to], x) })
			switch {
			case !isEdge(s, to):
				if !errors.As(err, &ill) {
					t.Fatalf("%q → %q is not an edge, Check = %v", s, to, err)
				}
			case !roleOK:
				if !errors.As(err, &forb) {
					t.Fatalf("%s → %s as %v: Check = %v; want forbidden", s, to, roles, err)
				}
			case err == nil:
				if s.Terminal() {
					t.Fatalf("terminal %s accepted a move to %s", s, to)
				}
				if p := missingRequired(s, to, in); p != "" {
					t.Fatalf("%s → %s accepted without %s: %+v", s, to, p, in)
				}
				accepted[[2]State{s, to}]++
				s = to
				reached[s]++
			default:
				if !errors.As(err, &ie) {
					t.Fatalf("%s → %s as %v: Check = %v (%T); want an input error", s, to, roles, err, err)
				}
			}
			if s.Terminal() {
				// Nothing leaves a terminal state, whoever asks.
				for _, to := range append(slices.Clone(States), junk...) {
					if err := Check(s, to, allRoles, good(s, to, adult)); err == nil {
						t.Fatalf("terminal %s accepted a move to %s", s, to)
					}
				}
				break
			}
		}
	}
	for _, s := range States {
		if reached[s] == 0 {
			t.Errorf("%s never reached", s)
		}
	}
	for _, e := range edges() {
		if accepted[e] == 0 {
			t.Errorf("%s → %s never taken", e[0], e[1])
		}
	}
	if steps < 50_000 {
		t.Errorf("only %d steps", steps)
	}
	t.Logf("%d walks, %d steps; reached %v", walks, steps, reached)
}

// missingRequired checks, independently of checkInput, that an input has
// what a move requires; it returns the first missing field, or "".
func missingRequired(from, to State, in Input) string {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch to {
	case IdentityVerified:
		if !slices.Contains(VerificationMethods, in.Method) {
			return "method"
		}
		if blank(in.Evidence) && len(in.AttachmentIDs) == 0 {
			return "evidence"
		}
	case ConsentAndBestInterests:
		if blank(in.ChildViews) {
			return "child_views"
		}
		if in.Adult == domain.Yes && !in.DecidedBySelf || in.Adult != domain.Yes && in.DecidedBySelf {
			return "decided_by_self"
		}
		if in.Adult != domain.Yes && blank(in.BestInterests) {
			return "best_interests"
		}
	case HandoverPlanned:
		switch {
		case in.HandoverDate.IsZero():
			return "handover_date"
		case blank(in.HandoverPlace):
			return "handover_place"
		case blank(in.Route):
			return "route"
		case blank(in.Escort):
			return "escort"
		}
	case Reunited:
		switch {
		case in.ReunitedAt.IsZero() || in.Today.Before(in.ReunitedAt):
			return "reunited_at"
		case blank(in.ReunitedPlace):
			return "reunited_place"
		case blank(in.HandedTo):
			return "handed_to"
		}
	case Duplicate:
		if blank(in.DuplicateOf) {
			return "duplicate_of"
		}
	}
	if to.Terminal() && !(to == Closed && from == FollowUp) && blank(in.Reason) {
		return "reason"
	}
	return ""
}

// damage changes one field of an input at random.
func damage(r *rand.Rand, in *Input) {
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range setters {
			if !yield(k) {
				return
			}
		}
	})
	name := names[r.IntN(len(names))]
	switch r.IntN(4) {
	case 0: // set it (perhaps where it does not belong)
		setters[name](in)
	case 1: // clear it
		if p, ok := texts[name]; ok {
			*p(in) = ""
		}
		switch name {
		case "method":
			in.Method = ""
		case "attachment_ids":
			in.AttachmentIDs = nil
		case "decided_by_self":
			in.DecidedBySelf = !in.DecidedBySelf
		case "handover_date":
			in.HandoverDate = domain.Date{}
		case "reunited_at":
			in.ReunitedAt = domain.Date{}
		}
	case 2: // blank or bad text
		if p, ok := texts[name]; ok {
			*p(in) = []string{" ", "\xff", strings.Repeat("x", domain.MaxLongText+1)}[r.IntN(3)]
		}
	case 3: // the server's fields
		in.Adult = []domain.Tristate{domain.Yes, domain.No, domain.Possibly, "", "maybe"}[r.IntN(5)]
		if r.IntN(4) == 0 {
			in.Today = domain.Date{}
		}
	}
}

// randomInput fills an input with random values.
func randomInput(r *rand.Rand) Input {
	str := func() string {
		return []string{"", " ", "x", "text", "\xff", "case-7"}[r.IntN(6)]
	}
	date := func() domain.Date {
		if r.IntN(3) == 0 {
			return domain.Date{}
		}
		return domain.Date{Year: 2020 + r.IntN(10), Month: time.Month(1 + r.IntN(12)), Day: 1 + r.IntN(31)}
	}
	in := Input{
		Method:        []VerificationMethod{"", MethodDocuments, MethodInterview, MethodDNAKinship, "x"}[r.IntN(5)],
		Evidence:      str(),
		ChildViews:    str(),
		DecidedBySelf: r.IntN(2) == 0,
		BestInterests: str(),
		HandoverDate:  date(),
		HandoverPlace: str(),
		Route:         str(),
		Escort:        str(),
		ReunitedAt:    date(),
		ReunitedPlace: str(),
		HandedTo:      str(),
		Reason:        str(),
		DuplicateOf:   str(),
		Adult:         []domain.Tristate{domain.Yes, domain.No, domain.Possibly, domain.Unknown}[r.IntN(4)],
		Today:         date(),
	}
	for range r.IntN(3) {
		in.AttachmentIDs = append(in.AttachmentIDs, str())
	}
	return in
}

// FuzzCheck feeds Check arbitrary states, roles and text: it must never
// panic, and never accept a move that is not an edge of the graph.
func FuzzCheck(f *testing.F) {
	f.Add("confirmed", "identity_verified", "caseworker", "documents", "evidence", uint16(0b11), 2026, 10, 30)
	f.Add("handover_planned", "reunited", "caseworker", "", "Grandmother", uint16(0xffff), 2026, 10, 30)
	f.Add("follow_up", "closed", "caseworker", "", "", uint16(0), 0, 0, 0)
	f.Add("closed", "confirmed", "admin", "", "", uint16(0), 0, 0, 0)
	f.Add("confirmed", "duplicate", "admin", "", "\xff", uint16(1<<13|1<<14), 2026, 2, 30)
	f.Add("", "\x00", "", "", "", uint16(0), -1, 13, 99)
	f.Fuzz(func(t *testing.T, from, to, role, method, text string, mask uint16, y, m, d int) {
		date := domain.Date{Year: y, Month: time.Month(m), Day: d}
		pick := func(bit int) string {
			if mask&(1<<bit) != 0 {
				return text
			}
			return ""
		}
		in := Input{
			Method:        VerificationMethod(method),
			Evidence:      pick(0),
			ChildViews:    pick(1),
			DecidedBySelf: mask&(1<<2) != 0,
			BestInterests: pick(3),
			HandoverPlace: pick(4),
			Route:         pick(5),
			Escort:        pick(6),
			ReunitedPlace: pick(7),
			HandedTo:      pick(8),
			Reason:        pick(9),
			DuplicateOf:   pick(10),
			Adult:         domain.Tristate(pick(11)),
			Today:         today,
		}
		if mask&(1<<12) != 0 {
			in.AttachmentIDs = strings.Split(text, ",")
		}
		if mask&(1<<13) != 0 {
			in.HandoverDate = date
		}
		if mask&(1<<14) != 0 {
			in.ReunitedAt = date
		}
		if mask&(1<<15) != 0 {
			in.Today = date
		}
		err := Check(State(from), State(to), []domain.Role{domain.Role(role)}, in)
		if err == nil {
			if !State(from).Valid() || !State(to).Valid() || !isEdge(State(from), State(to)) {
				t.Fatalf("accepted %q → %q", from, to)
			}
			if !slices.Contains(wantRoles[State(to)], domain.Role(role)) {
				t.Fatalf("accepted %q → %q as %q", from, to, role)
			}
			if p := missingRequired(State(from), State(to), in); p != "" {
				t.Fatalf("accepted %q → %q without %s", from, to, p)
			}
			return
		}
		var (
			ill  *IllegalTransitionError
			forb *ForbiddenError
			ie   *InputError
		)
		if !errors.As(err, &ill) && !errors.As(err, &forb) && !errors.As(err, &ie) {
			t.Fatalf("Check returned %T: %v", err, err)
		}
		if err.Error() == "" {
			t.Fatal("empty error text")
		}
	})
}

// A DNA result stands for the evidence of a dna_kinship verification, and
// belongs to that method only.
func TestDNAResultAsEvidence(t *testing.T) {
	roles := []domain.Role{domain.RoleCaseworker}
	if err := Check(Confirmed, IdentityVerified, roles, Input{Method: MethodDNAKinship, DNAResultID: "r-1"}); err != nil {
		t.Errorf("dna_kinship with a DNA result: %v", err)
	}
	var ie *InputError
	if err := Check(Confirmed, IdentityVerified, roles, Input{Method: MethodInterview, DNAResultID: "r-1"}); !errors.As(err, &ie) || ie.Field != "dna_result_id" {
		t.Errorf("interview with a DNA result: %v", err)
	}
	if err := Check(Confirmed, IdentityVerified, roles, Input{Method: MethodDNAKinship}); !errors.As(err, &ie) || ie.Field != "evidence" {
		t.Errorf("dna_kinship with nothing: %v", err)
	}
	if err := Check(IdentityVerified, ConsentAndBestInterests, roles, Input{ChildViews: "x", BestInterests: "y", DNAResultID: "r-1"}); !errors.As(err, &ie) || ie.Field != "dna_result_id" {
		t.Errorf("a DNA result on another move: %v", err)
	}
}
