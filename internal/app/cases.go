package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
)

// Decision is a candidate after a party's vote: the votes so far and, once
// both parties have confirmed, the case it became.
type Decision struct {
	store.Candidate
	Votes []store.Vote `json:"votes"`
	Case  *store.Case  `json:"case,omitempty"`
}

// DecideCandidate casts p's organisation's vote on a proposed pair. A pair
// of two parties' records becomes a case only when a reviewer of each has
// confirmed it; a rejection by either, with its reason, ends it, and all
// three organisations read the reason. A pair within one organisation needs
// that organisation's confirmation alone.
func (a *App) DecideCandidate(ctx context.Context, p access.Principal, id string, confirm bool, reason string) (Decision, error) {
	if !p.Can(access.ReviewMatches) {
		return Decision{}, ErrForbidden
	}
	reason = domain.Clean(reason)
	if !confirm && reason == "" {
		return Decision{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "reason", Detail: "a rejection needs a reason"}}}
	}
	var d Decision
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := ownCandidate(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if c.Status != store.CandidateProposed {
			return fmt.Errorf("candidate %s is already %s: %w", id, c.Status, store.ErrConflict)
		}
		if err := tx.CastVote(ctx, &store.Vote{CandidateID: id, OrgID: p.OrgID, Voter: p.ID, Confirm: confirm, Reason: reason}); err != nil {
			return err
		}
		action, detail := ActionVote, "confirmed"
		if !confirm {
			detail = "rejected: " + reason
		}
		if d.Votes, err = tx.Votes(ctx, id); err != nil {
			return err
		}
		switch {
		case !confirm:
			if err := tx.DecideCandidate(ctx, id, store.CandidateRejected, actorOf(p), reason); err != nil {
				return err
			}
		case confirmedByAll(c, d.Votes):
			if err := tx.DecideCandidate(ctx, id, store.CandidateConfirmed, actorOf(p), reason); err != nil {
				return err
			}
			cs, err := a.openCase(ctx, tx, p, c)
			if err != nil {
				return err
			}
			d.Case = &cs
			detail += fmt.Sprintf("; both parties confirmed: case %d opened", cs.Number)
		}
		if d.Candidate, err = tx.Candidate(ctx, id); err != nil {
			return err
		}
		if err := a.recordVote(ctx, tx, p, c, confirm, reason); err != nil {
			return err
		}
		if d.Case != nil {
			// After the vote that opened it, so the ledger reads in the
			// order things happened.
			cs := d.Case
			if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: KindCaseOpened, Subjects: subjects("case", cs.ID, c.ID, cs.RequestID, cs.ChildID),
				Detail: map[string]string{"number": strconv.Itoa(cs.Number), "state": cs.State, "mediator": cs.MediatorOrg}}); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: action, Outcome: store.OutcomeOK,
			RecordID: c.RequestID, RecordOrg: c.RequestOrg, RecordKind: domain.KindRequest,
			Detail: fmt.Sprintf("candidate %s with child %s: %s", id, c.ChildID, detail)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionVote, "candidate "+id)
	}
	return d, err
}

// recordVote records a vote: the pair, the versions voted on, a commitment
// to both records' persons as they were and to a rejection's reason (free
// text, which may name people).
func (a *App) recordVote(ctx context.Context, tx *store.Tx, p access.Principal, c store.Candidate, confirm bool, reason string) error {
	rq, err := tx.Record(ctx, c.RequestID, false)
	if err != nil {
		return err
	}
	ch, err := tx.Record(ctx, c.ChildID, false)
	if err != nil {
		return err
	}
	h, err := a.hashJSON(ctx, tx, rq.Person, ch.Person)
	if err != nil {
		return err
	}
	e := ledger.Entry{Kind: ledger.KindMatchConfirmed, Subjects: subjects("candidate", c.ID), DataHashes: []string{h},
		Detail: map[string]string{"request": c.RequestID, "child": c.ChildID,
			"request_version": strconv.Itoa(rq.Version), "child_version": strconv.Itoa(ch.Version)}}
	if !confirm {
		e.Kind = ledger.KindMatchRejected
		rh, err := a.hashData(ctx, tx, reason)
		if err != nil {
			return err
		}
		e.DataHashes = append(e.DataHashes, rh)
	}
	return a.record(ctx, tx, p.OrgID, e)
}

// confirmedByAll reports whether every organisation owning a side of c has
// voted to confirm.
func confirmedByAll(c store.Candidate, votes []store.Vote) bool {
	for _, org := range []string{c.RequestOrg, c.ChildOrg} {
		if !slices.ContainsFunc(votes, func(v store.Vote) bool { return v.OrgID == org && v.Confirm }) {
			return false
		}
	}
	return true
}

// openCase opens the reunification case of a confirmed pair.
func (a *App) openCase(ctx context.Context, tx *store.Tx, p access.Principal, c store.Candidate) (store.Case, error) {
	rq, err := tx.Record(ctx, c.RequestID, false)
	if err != nil {
		return store.Case{}, err
	}
	ch, err := tx.Record(ctx, c.ChildID, false)
	if err != nil {
		return store.Case{}, err
	}
	cs := store.Case{CandidateID: c.ID, RequestID: c.RequestID, ChildID: c.ChildID, RequestOrg: c.RequestOrg, ChildOrg: c.ChildOrg,
		State: string(cases.Confirmed), Category: string(categoryOf(&rq, &ch)), Turned18: string(turned18(&rq, &ch, a.today()))}
	// The mediator the lists went through is a party to the case.
	for _, id := range []string{rq.ID, ch.ID} {
		orgs, err := tx.ListedTo(ctx, id)
		if err != nil {
			return cs, err
		}
		for _, o := range orgs {
			org, err := tx.Org(ctx, o)
			if err != nil {
				return cs, err
			}
			if org.Kind == domain.OrgMediator && cs.MediatorOrg == "" {
				cs.MediatorOrg = org.ID
			}
		}
	}
	err = tx.InsertCase(ctx, &cs, store.CaseEvent{Actor: p.ID, ActorOrg: p.OrgID, Reason: "both parties confirmed the match"})
	if err != nil {
		return cs, err
	}
	return cs, tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCaseOpen, Outcome: store.OutcomeOK,
		RecordID: ch.ID, RecordOrg: ch.OrgID, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d, candidate %s", cs.Number, c.ID)})
}

// categoryOf is why the child and family are apart, as the family's request
// says, or else the child's record.
func categoryOf(rq, ch *domain.Record) domain.Category {
	if c := rq.Person.Separation.Category; c != "" {
		return c
	}
	if c := ch.Person.Separation.Category; c != "" {
		return c
	}
	return domain.CategoryOther
}

// birthOf is the child's birth date as the family's request gives it, or
// else as the child's record does.
func birthOf(rq, ch *domain.Record) domain.FuzzyDate {
	if b := rq.Person.BirthDate; !b.IsZero() {
		return b
	}
	return ch.Person.BirthDate
}

// turned18 answers whether the child has turned 18 since the displacement:
// from the family's birth date and separation date, or the child record's.
func turned18(rq, ch *domain.Record, today domain.Date) domain.Tristate {
	birth := birthOf(rq, ch)
	sep := rq.Person.Separation.Date
	if sep.IsZero() {
		sep = ch.Person.Separation.Date
	}
	return domain.TurnedEighteen(birth, sep, today)
}

// CaseView is a case as a party sees it.
type CaseView struct {
	store.Case
	// Turned18Now is the answer as of today (the stored one is as of the
	// day the case opened).
	Turned18Now domain.Tristate   `json:"turned_18_now"`
	Next        []cases.State     `json:"next_states"`
	Events      []store.CaseEvent `json:"events"`
	FollowUps   []domain.Date     `json:"follow_ups,omitempty"`
	Request     *domain.Record    `json:"request,omitempty"`
	Child       *domain.Record    `json:"child,omitempty"`
}

// partyCase reads a case p's organisation is a party to; any other is not
// found.
func partyCase(ctx context.Context, tx *store.Tx, p access.Principal, id string) (store.Case, error) {
	c, err := tx.Case(ctx, id)
	if err != nil {
		return c, err
	}
	if !slices.Contains(c.Parties(), p.OrgID) {
		return store.Case{}, fmt.Errorf("case %s: %w", id, store.ErrNotFound)
	}
	return c, nil
}

// canReadCases: anyone who reads records or reviews matches follows the
// cases of their organisation.
func canReadCases(p access.Principal) bool {
	return p.Can(access.ReadRecords) || p.Can(access.ReviewMatches)
}

// Cases lists the cases p's organisation is a party to, in a state and of
// the turned-18 cohort if those are given.
func (a *App) Cases(ctx context.Context, p access.Principal, state, turned18 string) ([]store.Case, error) {
	if !canReadCases(p) {
		return nil, ErrForbidden
	}
	var cs []store.Case
	err := a.store.ReadTx(ctx, func(tx *store.Tx) (err error) {
		if cs, err = tx.Cases(ctx, store.CaseFilter{PartyOf: p.OrgID, State: state, Turned18: turned18}); err != nil {
			return err
		}
		// Cases name their records by id, with states and dates: the
		// listing is audited as one act, not per case.
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCaseList, Outcome: store.OutcomeOK,
			Detail: fmt.Sprintf("%d cases (filtered by state: %t, by turned 18: %t)", len(cs), state != "", turned18 != "")})
	})
	if err != nil {
		return nil, err // nothing read is handed out without its audit
	}
	return cs, nil
}

// Case returns one case with its history and both records as p may see
// them: from handover planning on, the sharing policy's handover fields
// appear.
func (a *App) Case(ctx context.Context, p access.Principal, id string) (CaseView, error) {
	if !canReadCases(p) {
		return CaseView{}, ErrForbidden
	}
	var cv CaseView
	err := a.store.ReadTx(ctx, func(tx *store.Tx) error {
		c, err := partyCase(ctx, tx, p, id)
		if err != nil {
			return err
		}
		cv = CaseView{Case: c, Next: cases.Next(cases.State(c.State))}
		if cv.Events, err = tx.CaseEvents(ctx, id); err != nil {
			return err
		}
		rq, err := tx.Record(ctx, c.RequestID, true)
		if err != nil {
			return err
		}
		ch, err := tx.Record(ctx, c.ChildID, true)
		if err != nil {
			return err
		}
		cv.Turned18Now = turned18(&rq, &ch, a.today())
		var entries []store.AuditEntry
		if p.Can(access.ReadRecords) {
			v := newViewer(p, tx)
			if cv.Request, err = v.shown(ctx, rq); err != nil {
				return err
			}
			if cv.Child, err = v.shown(ctx, ch); err != nil {
				return err
			}
			for _, r := range []*domain.Record{cv.Request, cv.Child} {
				if r != nil {
					e := auditOf(p, ActionRead, store.OutcomeOK, r)
					e.Detail = fmt.Sprintf("case %d", c.Number)
					entries = append(entries, e)
				}
			}
		}
		if c.ReunitedOn != "" {
			if d, err := domain.ParseFuzzyDate(c.ReunitedOn); err == nil {
				cv.FollowUps = cases.FollowUpSchedule(d.Earliest)
			}
		}
		entries = append(entries, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCaseRead, Outcome: store.OutcomeOK,
			RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d", c.Number)})
		return tx.AppendAudit(ctx, entries...)
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionCaseRead, "case "+id)
	}
	if err != nil {
		return CaseView{}, err
	}
	return cv, nil
}

// rolesOf are the roles a principal acts with in a case: the operator on the
// command line acts with all.
func rolesOf(p access.Principal) []domain.Role {
	if p.IsOperator() {
		return domain.Roles
	}
	return p.Roles
}

// MoveCase takes a case to its next state, if the move is in the graph, p
// holds a role that may make it, the input has what the move needs, and the
// case is still at version (else a conflict: someone moved it first).
func (a *App) MoveCase(ctx context.Context, p access.Principal, id string, version int, to cases.State, in cases.Input) (store.Case, error) {
	if !canReadCases(p) {
		return store.Case{}, ErrForbidden
	}
	var c store.Case
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if c, err = partyCase(ctx, tx, p, id); err != nil {
			return err
		}
		if version != 0 && version != c.Version {
			return fmt.Errorf("case %d is at version %d, not %d: %w", c.Number, c.Version, version, store.ErrConflict)
		}
		return a.moveCase(ctx, tx, p, &c, to, in)
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionCaseMove, "case "+id)
	}
	return c, err
}

// moveCase takes c, read in tx by a party p, to its next state through the
// state machine: the same checks, event, ledger entry and audit for every
// path that moves a case (MoveCase, and a handover operation's plan and
// completion).
func (a *App) moveCase(ctx context.Context, tx *store.Tx, p access.Principal, c *store.Case, to cases.State, in cases.Input) error {
	rq, err := tx.Record(ctx, c.RequestID, false)
	if err != nil {
		return err
	}
	ch, err := tx.Record(ctx, c.ChildID, false)
	if err != nil {
		return err
	}
	in.Adult, in.Today = domain.AdultOn(birthOf(&rq, &ch), a.today()), a.today()
	if err := cases.Check(cases.State(c.State), to, rolesOf(p), in); err != nil {
		return err
	}
	if in.DuplicateOf != "" {
		if _, err := partyCase(ctx, tx, p, in.DuplicateOf); err != nil {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: "duplicate_of", Detail: "no such case"}}}
		}
	}
	attachments, err := tx.Attachments(ctx, c.ID)
	if err != nil {
		return err
	}
	for i, aid := range in.AttachmentIDs {
		if !slices.ContainsFunc(attachments, func(x store.Attachment) bool { return x.ID == aid }) {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: fmt.Sprintf("attachment_ids[%d]", i), Detail: "no such attachment on this case"}}}
		}
	}
	if in.DNAResultID != "" {
		r, err := tx.KinshipResult(ctx, in.DNAResultID)
		if errors.Is(err, store.ErrNotFound) || err == nil && r.CaseID != c.ID {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: "dna_result_id", Detail: "no DNA result with this id on this case"}}}
		}
		if err != nil {
			return err
		}
		if !(r.LR > 1) {
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: "dna_result_id", Detail: fmt.Sprintf("the DNA result (LR %g) does not support the relationship: it cannot verify identity", r.LR)}}}
		}
	}
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	reunitedOn := ""
	if to == cases.Reunited {
		reunitedOn = in.ReunitedAt.String()
	}
	from := c.State
	if err := tx.MoveCase(ctx, c, store.CaseEvent{To: string(to), Actor: p.ID, ActorOrg: p.OrgID, Reason: domain.Clean(in.Reason), Data: string(data)}, reunitedOn); err != nil {
		return err
	}
	// The move's data (evidence, dates) and reason are committed to,
	// not written: they can be about people.
	h, err := a.hashData(ctx, tx, string(data), domain.Clean(in.Reason))
	if err != nil {
		return err
	}
	if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: ledger.KindCaseTransition, Subjects: subjects("case", c.ID), DataHashes: []string{h},
		Detail: map[string]string{"number": strconv.Itoa(c.Number), "from": from, "to": string(to), "version": strconv.Itoa(c.Version)}}); err != nil {
		return err
	}
	return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCaseMove, Outcome: store.OutcomeOK,
		RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d → %s", c.Number, to)})
}

// MaxMessage is the longest message on a case channel, in characters.
const MaxMessage = 10_000

// PostMessage adds a message to a case's channel between the parties.
func (a *App) PostMessage(ctx context.Context, p access.Principal, caseID, parentID, body string) (store.Message, error) {
	if !canReadCases(p) {
		return store.Message{}, ErrForbidden
	}
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return store.Message{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "body", Detail: "required"}}}
	case utf8.RuneCountInString(body) > MaxMessage || !utf8.ValidString(body):
		return store.Message{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "body", Detail: fmt.Sprintf("at most %d characters of valid text", MaxMessage)}}}
	}
	m := store.Message{CaseID: caseID, ParentID: parentID, OrgID: p.OrgID, Author: p.ID, Body: body}
	err := a.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := partyCase(ctx, tx, p, caseID)
		if err != nil {
			return err
		}
		if err := tx.InsertMessage(ctx, &m); err != nil {
			return err
		}
		h, err := a.hashData(ctx, tx, m.Body)
		if err != nil {
			return err
		}
		s := subjects("case", c.ID)
		s = append(s, subjects("message", m.ID)...)
		s = append(s, subjects("parent", m.ParentID)...)
		if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: ledger.KindMessageSent, Subjects: s, DataHashes: []string{h}}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionMessage, Outcome: store.OutcomeOK,
			RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d, message %s", c.Number, m.ID)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionMessage, "case "+caseID)
	}
	return m, err
}

// Channel is a case's messages and attachments.
type Channel struct {
	Messages    []store.Message    `json:"messages"`
	Attachments []store.Attachment `json:"attachments"`
}

// CaseChannel returns a case's messages and the list of its attachments.
func (a *App) CaseChannel(ctx context.Context, p access.Principal, caseID string) (Channel, error) {
	if !canReadCases(p) {
		return Channel{}, ErrForbidden
	}
	var ch Channel
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		c, err := partyCase(ctx, tx, p, caseID)
		if err != nil {
			return err
		}
		if ch.Messages, err = tx.Messages(ctx, caseID); err != nil {
			return err
		}
		if ch.Attachments, err = tx.Attachments(ctx, caseID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionCaseRead, Outcome: store.OutcomeOK,
			RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d channel", c.Number)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionCaseRead, "case "+caseID)
	}
	return ch, err
}

// MaxAttachment is the largest attachment accepted, in bytes.
const MaxAttachment = 10 << 20

// AttachmentTypes are the kinds of file a case accepts, by their content
// (sniffed, not as the sender names them): documents and photos.
var AttachmentTypes = []string{"application/pdf", "image/jpeg", "image/png", "text/plain; charset=utf-8"}

// SetKeyring gives the App the keys attachments are sealed with.
func (a *App) SetKeyring(k *seal.Keyring) { a.keys = k }

// ErrNoKeys: attachments need a keyring and none was given.
var ErrNoKeys = errors.New("no data key configured: attachments and the ledger's keys cannot be sealed")

// AddAttachment stores a document or photo on a case, sealed at rest.
func (a *App) AddAttachment(ctx context.Context, p access.Principal, caseID, messageID, name string, content []byte) (store.Attachment, error) {
	if !canReadCases(p) {
		return store.Attachment{}, ErrForbidden
	}
	if a.keys == nil {
		return store.Attachment{}, ErrNoKeys
	}
	name, ctype, err := checkAttachment(name, content)
	if err != nil {
		return store.Attachment{}, err
	}
	at := store.Attachment{ID: store.NewAttachmentID(), CaseID: caseID, MessageID: messageID, OrgID: p.OrgID, Author: p.ID,
		Name: name, ContentType: ctype, Size: len(content)}
	if at.KeyID, at.Sealed, err = a.keys.Seal(content, attachmentAD(at)); err != nil {
		return at, err
	}
	err = a.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := partyCase(ctx, tx, p, caseID)
		if err != nil {
			return err
		}
		if err := tx.InsertAttachment(ctx, &at); err != nil {
			return err
		}
		h, err := a.hashData(ctx, tx, string(content))
		if err != nil {
			return err
		}
		s := subjects("case", c.ID)
		s = append(s, subjects("attachment", at.ID)...)
		s = append(s, subjects("message", at.MessageID)...)
		if err := a.record(ctx, tx, p.OrgID, ledger.Entry{Kind: KindAttachmentAdded, Subjects: s, DataHashes: []string{h},
			Detail: map[string]string{"content_type": ctype, "size": strconv.Itoa(at.Size)}}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionAttachmentAdd, Outcome: store.OutcomeOK,
			RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d, attachment %s (%s, %d bytes)", c.Number, at.ID, ctype, at.Size)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionAttachmentAdd, "case "+caseID)
	}
	at.Sealed = nil
	return at, err
}

// checkAttachment checks a file offered as an attachment (to a case or a
// meeting) and returns its cleaned name and its type, sniffed from its
// content.
func checkAttachment(name string, content []byte) (string, string, error) {
	name = domain.Clean(name)
	var fields []domain.FieldError
	ctype := http.DetectContentType(content)
	switch {
	case len(content) == 0:
		fields = append(fields, domain.FieldError{Field: "content", Detail: "empty"})
	case len(content) > MaxAttachment:
		fields = append(fields, domain.FieldError{Field: "content", Detail: fmt.Sprintf("%d bytes; at most %d", len(content), MaxAttachment)})
	case !slices.Contains(AttachmentTypes, ctype):
		fields = append(fields, domain.FieldError{Field: "content", Detail: fmt.Sprintf("a %s file; accepted: PDF, JPEG, PNG, plain text", ctype)})
	}
	if name == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "/\\") {
		fields = append(fields, domain.FieldError{Field: "name", Detail: "a file name of 1 to 200 characters, without / or \\"})
	}
	if len(fields) > 0 {
		return name, ctype, &domain.ValidationError{Fields: fields}
	}
	return name, ctype, nil
}

// attachmentAD binds a sealed attachment to its row: moved to another
// attachment or case, it does not open.
func attachmentAD(at store.Attachment) []byte {
	return []byte("reunite attachment\x00" + at.ID + "\x00" + at.CaseID)
}

// Attachment returns an attachment's content, opened, to a party of its
// case.
func (a *App) Attachment(ctx context.Context, p access.Principal, id string) (store.Attachment, []byte, error) {
	if !canReadCases(p) {
		return store.Attachment{}, nil, ErrForbidden
	}
	if a.keys == nil {
		return store.Attachment{}, nil, ErrNoKeys
	}
	var at store.Attachment
	err := a.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if at, err = tx.Attachment(ctx, id); err != nil {
			return err
		}
		c, err := partyCase(ctx, tx, p, at.CaseID)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{Actor: p.ID, ActorOrg: p.OrgID, Action: ActionAttachmentGet, Outcome: store.OutcomeOK,
			RecordID: c.ChildID, RecordOrg: c.ChildOrg, RecordKind: domain.KindChild, Detail: fmt.Sprintf("case %d, attachment %s", c.Number, id)})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.denyQuietly(ctx, p, ActionAttachmentGet, "attachment "+id)
	}
	if err != nil {
		return store.Attachment{}, nil, err
	}
	content, err := a.keys.Open(at.KeyID, at.Sealed, attachmentAD(at))
	at.Sealed = nil
	return at, content, err
}
