// Package cases is the state machine of a reunification case: the steps
// from a confirmed match between a child record and a tracing request to a
// child handed over to their family and followed up, who may take each step,
// and what must be recorded at each. It is pure: no I/O, no clock, no
// database. The caller loads the case, calls Check, and stores the move only
// if Check returns nil.
//
// # The graph
//
// The main path is
//
//	confirmed → identity_verified → consent_and_best_interests →
//	handover_planned → reunited → follow_up → closed
//
// and a case may leave it by a side exit:
//
//   - declined, duplicate and withdrawn from confirmed, identity_verified,
//     consent_and_best_interests and handover_planned: once the child has
//     been handed over there is nothing left to decline or withdraw, and
//     duplicates are found before that;
//   - deceased from every state that is not terminal, reunited and
//     follow_up included: follow-up continues after the handover, and a
//     death then must still be recorded.
//
// handover_planned may also move to itself: a new plan (another date,
// place, route or escort) replaces the old one, and the whole plan is
// recorded again. No other step goes back: a case whose consent or
// identity is in doubt again is withdrawn or declined and, if need be, a new
// case is opened.
//
// closed, declined, deceased, duplicate and withdrawn are terminal: nothing
// leaves them.
package cases

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// State is where a case stands. Its JSON form is the string itself.
type State string

const (
	Confirmed               State = "confirmed"                  // a match between a child and a request, confirmed by review
	IdentityVerified        State = "identity_verified"          // the child is who the family seeks
	ConsentAndBestInterests State = "consent_and_best_interests" // the child's views heard, best interests determined
	HandoverPlanned         State = "handover_planned"           // date, place, route and escort agreed
	Reunited                State = "reunited"                   // handed over to the family
	FollowUp                State = "follow_up"                  // check-ins after the handover
	Closed                  State = "closed"                     // done (terminal)
	Declined                State = "declined"                   // the child (or adult) or family declined, or it is not in the child's best interests (terminal)
	Deceased                State = "deceased"                   // the child or the family member died (terminal)
	Duplicate               State = "duplicate"                  // another case covers the same reunification (terminal)
	Withdrawn               State = "withdrawn"                  // the request was withdrawn (terminal)
)

// States lists every state, the main path first, then the side exits.
var States = []State{
	Confirmed, IdentityVerified, ConsentAndBestInterests, HandoverPlanned, Reunited, FollowUp, Closed,
	Declined, Deceased, Duplicate, Withdrawn,
}

// MainPath lists the states of the main path in order.
var MainPath = []State{Confirmed, IdentityVerified, ConsentAndBestInterests, HandoverPlanned, Reunited, FollowUp, Closed}

// next is the graph: for each state, the states it may move to, forward
// along the main path first, then the side exits in the order of States.
var next = map[State][]State{
	Confirmed:               {IdentityVerified, Declined, Deceased, Duplicate, Withdrawn},
	IdentityVerified:        {ConsentAndBestInterests, Declined, Deceased, Duplicate, Withdrawn},
	ConsentAndBestInterests: {HandoverPlanned, Declined, Deceased, Duplicate, Withdrawn},
	HandoverPlanned:         {Reunited, HandoverPlanned, Declined, Deceased, Duplicate, Withdrawn},
	Reunited:                {FollowUp, Deceased},
	FollowUp:                {Closed, Deceased},
}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Terminal reports whether s is a state that nothing leaves.
func (s State) Terminal() bool {
	switch s {
	case Closed, Declined, Deceased, Duplicate, Withdrawn:
		return true
	}
	return false
}

// Next returns the states s may move to, in a stable order (forward along
// the main path first, then the side exits): none for a terminal or invalid
// state. The slice is the caller's.
func Next(s State) []State { return slices.Clone(next[s]) }

func edge(from, to State) bool { return slices.Contains(next[from], to) }

// AllowedRoles returns the roles of which a user needs one to move a case
// from from to to, or nil if the move is not in the graph. Analysts and
// auditors never move cases.
func AllowedRoles(from, to State) []domain.Role {
	if !edge(from, to) {
		return nil
	}
	switch to {
	case IdentityVerified:
		return []domain.Role{domain.RoleCaseworker, domain.RoleReviewer}
	case ConsentAndBestInterests, HandoverPlanned, Reunited, FollowUp, Closed, Deceased:
		return []domain.Role{domain.RoleCaseworker}
	case Declined, Duplicate, Withdrawn:
		return []domain.Role{domain.RoleCaseworker, domain.RoleAdmin}
	}
	return nil
}

// VerificationMethod is how a child's identity was verified.
type VerificationMethod string

const (
	MethodDocuments  VerificationMethod = "documents"   // identity or birth documents
	MethodInterview  VerificationMethod = "interview"   // interviews of the child and the family that agree
	MethodDNAKinship VerificationMethod = "dna_kinship" // a DNA kinship test
)

// VerificationMethods lists the valid methods.
var VerificationMethods = []VerificationMethod{MethodDocuments, MethodInterview, MethodDNAKinship}

// Input is what a caseworker records with a move. Which fields a move needs
// depends on the state it goes to (see Check); a field that does not belong
// to the move is refused rather than ignored, so that nothing recorded with
// a move is silently lost. The API decodes Input straight from a request
// body; Adult and Today are set by the server.
type Input struct {
	// identity_verified
	Method        VerificationMethod `json:"method,omitempty"`
	Evidence      string             `json:"evidence,omitempty"`       // what the evidence is and what it shows
	AttachmentIDs []string           `json:"attachment_ids,omitempty"` // stored scans, reports, test results
	// DNAResultID names a DNA result recorded on the case (method
	// dna_kinship only): its LR, hypotheses, loci, frequency table and
	// reading are the evidence. The caller checks that it belongs to the
	// case and supports the relationship.
	DNAResultID string `json:"dna_result_id,omitempty"`

	// consent_and_best_interests
	ChildViews    string `json:"child_views,omitempty"`     // the child's views as recorded; an adult's decision
	DecidedBySelf bool   `json:"decided_by_self,omitempty"` // an adult decided for themselves
	BestInterests string `json:"best_interests,omitempty"`  // the best-interests determination

	// handover_planned
	HandoverDate  domain.Date `json:"handover_date,omitzero"`
	HandoverPlace string      `json:"handover_place,omitempty"`
	Route         string      `json:"route,omitempty"`  // the crossing or route, e.g. through the mediator
	Escort        string      `json:"escort,omitempty"` // who accompanies the child

	// reunited
	ReunitedAt    domain.Date `json:"reunited_at,omitzero"`
	ReunitedPlace string      `json:"reunited_place,omitempty"`
	HandedTo      string      `json:"handed_to,omitempty"` // the family member who received the child

	// Reason says why; required to close a case other than from follow_up
	// and for every side exit, optional (a note) on every other move.
	Reason      string `json:"reason,omitempty"`
	DuplicateOf string `json:"duplicate_of,omitempty"` // duplicate: the id of the case that stays

	// Adult says whether the person is 18 or more now (see
	// domain.AdultOn): only Yes lets them decide for themselves; Possibly
	// and Unknown count as a child.
	Adult domain.Tristate `json:"-"`
	// Today is the current day, for "not in the future" checks; required
	// for a move to reunited.
	Today domain.Date `json:"-"`
}

// Limits on an Input.
const (
	MaxAttachments = 50
)

// IllegalTransitionError is a move that is not in the graph, or from or to a
// state that does not exist.
type IllegalTransitionError struct {
	From, To State
	Allowed  []State // Next(From)
}

func (e *IllegalTransitionError) Error() string {
	switch {
	case !e.From.Valid():
		return fmt.Sprintf("%q is not a case state; states are %s", string(e.From), join(States))
	case !e.To.Valid():
		return fmt.Sprintf("%q is not a case state; from %s the case may go to %s", string(e.To), e.From, allowedText(e.Allowed))
	}
	return fmt.Sprintf("cannot go from %s to %s; allowed: %s", e.From, e.To, allowedText(e.Allowed))
}

func allowedText(s []State) string {
	if len(s) == 0 {
		return "none (the case is finished)"
	}
	return join(s)
}

func join[T ~string](s []T) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = string(x)
	}
	return strings.Join(parts, ", ")
}

// ForbiddenError is a move the user's roles do not allow.
type ForbiddenError struct {
	To   State
	Need []domain.Role // one of these
}

func (e *ForbiddenError) Error() string {
	if len(e.Need) == 1 {
		return fmt.Sprintf("moving a case to %s needs the role %s", e.To, e.Need[0])
	}
	return fmt.Sprintf("moving a case to %s needs one of the roles %s", e.To, join(e.Need))
}

// InputError is a problem with one field of an Input. Field is the field's
// JSON name.
type InputError struct {
	Field, Problem string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Problem }

// FieldError returns the error in the form the API reports field errors in.
func (e *InputError) FieldError() domain.FieldError {
	return domain.FieldError{Field: e.Field, Detail: e.Problem}
}

// Check says whether a user with roles may move a case from from to to,
// recording in. It returns nil or, checked in this order:
//   - *IllegalTransitionError if either state does not exist or the move is
//     not in the graph;
//   - *ForbiddenError if no role in roles is one of AllowedRoles(from, to);
//   - *InputError for the first problem with in: a required field missing
//     or blank, a value that is not one of those allowed, text too long or
//     not UTF-8, a reunited_at after in.Today, or a field given that does
//     not belong to the move. The fields the move takes are checked first,
//     in the order of Input, then reason, then the fields that do not
//     belong.
//
// What each move needs (text is blank if it is only white space):
//   - identity_verified: method; evidence or attachment_ids, or both; with
//     the method dna_kinship, a dna_result_id may stand for them.
//   - consent_and_best_interests: child_views and best_interests; but if
//     in.Adult is domain.Yes, decided_by_self true, child_views holding
//     the person's own decision, and best_interests optional. Unless
//     in.Adult is Yes (Possibly and Unknown included) the person is treated
//     as a child and decided_by_self must be false.
//   - handover_planned: handover_date, handover_place, route, escort. The
//     date is not checked against today: a plan may be recorded late.
//   - reunited: reunited_at, not after in.Today; reunited_place, handed_to.
//   - follow_up: nothing.
//   - closed: nothing from follow_up (the only state that may close).
//   - declined, deceased, withdrawn: reason.
//   - duplicate: reason and duplicate_of. The caller checks that the case
//     it names exists and is not this one.
//
// reason is accepted, as a note, on every move.
func Check(from, to State, roles []domain.Role, in Input) error {
	if !from.Valid() || !to.Valid() || !edge(from, to) {
		return &IllegalTransitionError{From: from, To: to, Allowed: Next(from)}
	}
	need := AllowedRoles(from, to)
	if !slices.ContainsFunc(roles, func(r domain.Role) bool { return slices.Contains(need, r) }) {
		return &ForbiddenError{To: to, Need: need}
	}
	return checkInput(from, to, in)
}

// checker finds the first problem with an Input.
type checker struct {
	err  *InputError
	to   State
	used map[string]bool // the fields the move takes
}

func (c *checker) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = &InputError{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
}

// text checks a text field the move takes.
func (c *checker) text(field, s string, required bool, max int) {
	c.used[field] = true
	switch {
	case !utf8.ValidString(s):
		c.fail(field, "is not valid UTF-8")
	case strings.TrimSpace(s) == "":
		if required {
			c.fail(field, "is required to move a case to %s", c.to)
		}
	case utf8.RuneCountInString(s) > max:
		c.fail(field, "is longer than %d characters", max)
	}
}

// date checks a required date field the move takes.
func (c *checker) date(field string, d domain.Date) {
	c.used[field] = true
	switch {
	case d.IsZero():
		c.fail(field, "is required to move a case to %s", c.to)
	case !d.Valid():
		c.fail(field, "%s is not a calendar day", d)
	}
}

func checkInput(from, to State, in Input) error {
	c := &checker{to: to, used: map[string]bool{}}
	const short, long = domain.MaxShortText, domain.MaxLongText
	switch to {
	case IdentityVerified:
		c.used["method"] = true
		switch {
		case in.Method == "":
			c.fail("method", "is required to move a case to %s: one of %s", to, join(VerificationMethods))
		case !slices.Contains(VerificationMethods, in.Method):
			c.fail("method", "must be one of %s", join(VerificationMethods))
		}
		c.text("evidence", in.Evidence, false, long)
		c.used["attachment_ids"] = true
		if len(in.AttachmentIDs) > MaxAttachments {
			c.fail("attachment_ids", "at most %d attachments", MaxAttachments)
		}
		for i, id := range in.AttachmentIDs {
			c.text(fmt.Sprintf("attachment_ids[%d]", i), id, true, short)
		}
		c.text("dna_result_id", in.DNAResultID, false, short)
		if in.DNAResultID != "" && in.Method != MethodDNAKinship {
			c.fail("dna_result_id", "belongs to the method %s only", MethodDNAKinship)
		}
		if strings.TrimSpace(in.Evidence) == "" && len(in.AttachmentIDs) == 0 && in.DNAResultID == "" {
			c.fail("evidence", "is required to move a case to %s unless attachment_ids (or, for %s, dna_result_id) are given: describe the evidence, attach it, or both", to, MethodDNAKinship)
		}
	case ConsentAndBestInterests:
		adult := in.Adult == domain.Yes
		c.used["decided_by_self"] = true
		c.text("child_views", in.ChildViews, true, long)
		switch {
		case adult && !in.DecidedBySelf:
			c.fail("decided_by_self", "must be true: the person is an adult and decides for themselves; record their decision in child_views")
		case !adult && in.DecidedBySelf:
			c.fail("decided_by_self", "must be false: the person is not certainly an adult (18 or over), so record the child's views and a best-interests determination")
		}
		c.text("best_interests", in.BestInterests, !adult, long)
	case HandoverPlanned:
		c.date("handover_date", in.HandoverDate)
		c.text("handover_place", in.HandoverPlace, true, short)
		c.text("route", in.Route, true, long)
		c.text("escort", in.Escort, true, short)
	case Reunited:
		c.date("reunited_at", in.ReunitedAt)
		if c.err == nil {
			switch {
			case in.Today.IsZero() || !in.Today.Valid():
				c.fail("today", "is not set: the server must give today's date to check reunited_at")
			case in.Today.Before(in.ReunitedAt):
				c.fail("reunited_at", "%s is in the future", in.ReunitedAt)
			}
		}
		c.text("reunited_place", in.ReunitedPlace, true, short)
		c.text("handed_to", in.HandedTo, true, short)
	case FollowUp, Closed, Declined, Deceased, Withdrawn:
		// Only the reason, below.
	case Duplicate:
		c.text("duplicate_of", in.DuplicateOf, true, short)
	}
	reasonRequired := to.Terminal() && !(to == Closed && from == FollowUp)
	c.text("reason", in.Reason, reasonRequired, long)

	// Fields that do not belong to this move.
	for _, f := range []struct {
		name  string
		given bool
	}{
		{"method", in.Method != ""},
		{"evidence", in.Evidence != ""},
		{"attachment_ids", len(in.AttachmentIDs) > 0},
		{"dna_result_id", in.DNAResultID != ""},
		{"child_views", in.ChildViews != ""},
		{"decided_by_self", in.DecidedBySelf},
		{"best_interests", in.BestInterests != ""},
		{"handover_date", !in.HandoverDate.IsZero()},
		{"handover_place", in.HandoverPlace != ""},
		{"route", in.Route != ""},
		{"escort", in.Escort != ""},
		{"reunited_at", !in.ReunitedAt.IsZero()},
		{"reunited_place", in.ReunitedPlace != ""},
		{"handed_to", in.HandedTo != ""},
		{"duplicate_of", in.DuplicateOf != ""},
	} {
		if f.given && !c.used[f.name] {
			c.fail(f.name, "does not belong to a move to %s", to)
		}
	}
	if c.err != nil {
		return c.err
	}
	return nil
}

// FollowUpSchedule returns the days of the check-ins after a child is
// reunited (a valid day): 1, 3 and 6 months after it. A day that the month lacks
// becomes the month's last day (31 January gives 28 or 29 February), so
// every check-in falls in the month it is meant for.
func FollowUpSchedule(reunited domain.Date) []domain.Date {
	out := make([]domain.Date, 0, 3)
	for _, months := range []int{1, 3, 6} {
		first := domain.Date{Year: reunited.Year, Month: reunited.Month, Day: 1}.Time().AddDate(0, months, 0)
		last := first.AddDate(0, 1, -1).Day()
		d := domain.DateOf(first)
		d.Day = min(reunited.Day, last)
		out = append(out, d)
	}
	return out
}
