package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/app/apptest"
	"github.com/reunite-ftr/reunite/internal/cases"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/i18n"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// send posts a form like post, and also returns the address the redirect
// ended at (where a new meeting, commitment or operation lives).
func (c *client) send(path string, form url.Values) (int, string, *url.URL) {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf())
	}
	req, _ := http.NewRequest(http.MethodPost, c.w.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.w.url)
	return c.do(req)
}

// upload posts one file as a multipart form, with the last page's token.
func (c *client) uploadTo(path, name string, content []byte) (int, string, *url.URL) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf())
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.w.url+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.w.url)
	return c.do(req)
}

func (c *client) do(req *http.Request) (int, string, *url.URL) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = string(b)
	return resp.StatusCode, c.last, resp.Request.URL
}

// day is the store's day, moved by n days.
func (w *world) day(n int) string {
	return w.app.Store().Now().UTC().AddDate(0, 0, n).Format(time.DateOnly)
}

func (w *world) op(slug string) access.Principal { return access.Operator("test", w.orgs[slug]) }

// handoverCases has ua (the families' side) and ru (the children's side)
// hand each other lists and open n cases between them, each at
// consent_and_best_interests: ready for a handover operation.
func (w *world) handoverCases(n int) apptest.Exchange {
	w.t.Helper()
	return apptest.Cases(w.t, w.app, w.op("ua"), w.op("ru"), w.orgs["med"].ID, n)
}

func caseNumbers(ex apptest.Exchange) string {
	var ns []string
	for _, c := range ex.Cases {
		ns = append(ns, fmt.Sprint(c.Number))
	}
	return strings.Join(ns, ", ")
}

var (
	totalRow      = regexp.MustCompile(`(?s)<tr class="total">(.*?)</tr>`)
	figureCell    = regexp.MustCompile(`<td class="([a-z]+)">([^<]*)</td>`)
	operationRow  = regexp.MustCompile(`<td class="planned">(\d+)</td><td class="reunited">(\d+)</td><td class="stayed">(\d+)</td>`)
	commitStatus  = regexp.MustCompile(`id="commit-status"><span class="status status-([a-z_]+)"`)
	overdueCount  = regexp.MustCompile(`id="overdue-count">(\d+)<`)
	commitmentRef = regexp.MustCompile(`href="/commitments/([0-9a-f-]{36})"`)
)

// figures reads the commitment figures of all meetings off the meetings
// page: column class → value.
func figures(t *testing.T, body string) map[string]string {
	t.Helper()
	m := totalRow.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no figures on the meetings page:\n%.800s", mainOf(body))
	}
	out := map[string]string{}
	for _, c := range figureCell.FindAllStringSubmatch(m[1], -1) {
		out[c[1]] = c[2]
	}
	return out
}

func statusOf(t *testing.T, body string) string {
	t.Helper()
	m := commitStatus.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no status on the commitment page:\n%.800s", mainOf(body))
	}
	return m[1]
}

// TestMeetingCommitmentOperationStory runs issue 9's story through the
// pages, as a browser without JavaScript: a meeting records a commitment
// to return three children by a date; an operation with those three cases
// completes for two and leaves one behind with a reason; the commitment
// shows "partly met", then "overdue" once its day has passed, and the
// figures and the dashboard say so.
func TestMeetingCommitmentOperationStory(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	ctx := context.Background()
	ex := w.handoverCases(3)
	ua, ru, med := w.orgs["ua"], w.orgs["ru"], w.orgs["med"]

	rc := w.client()
	rc.mustSignIn("officer@ru.test")
	if _, body := rc.get("/"); !strings.Contains(body, `href="/meetings"`) {
		t.Fatalf("no Meetings in the menu")
	}
	if code, body := rc.get("/meetings"); code != http.StatusOK || !strings.Contains(body, `id="no-meetings"`) {
		t.Fatalf("meetings page: %d", code)
	}

	// A meeting without a place or channel is refused; what was typed is
	// kept.
	minutes := "The parties agreed to return three children within a week."
	code, body, _ := rc.send("/meetings", url.Values{"held_on": {w.day(0)}, "organisations": {ua.ID, med.ID}, "minutes": {minutes}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-place"`) || !strings.Contains(body, minutes) {
		t.Fatalf("meeting without a place: %d\n%.1500s", code, mainOf(body))
	}

	// The meeting.
	code, body, at := rc.send("/meetings", url.Values{"held_on": {w.day(0)}, "place": {"Doha"}, "organisations": {ua.ID, med.ID},
		"lists": {ex.RequestList.ID, ex.ChildList.ID}, "minutes": {minutes}})
	if code != http.StatusOK || !strings.HasPrefix(at.Path, "/meetings/") || !strings.Contains(body, "The meeting is recorded.") {
		t.Fatalf("record meeting: %d at %s\n%.1500s", code, at, mainOf(body))
	}
	meeting := at.Path
	for _, want := range []string{"Doha", minutes, ua.Name, ru.Name, med.Name, "List 1 of " + ua.Name, "List 1 of " + ru.Name} {
		if !strings.Contains(body, want) {
			t.Errorf("the meeting page does not show %q", want)
		}
	}

	// A commitment naming a case that is not ours is refused by its field.
	code, body, _ = rc.send(meeting+"/commitments", url.Values{"kind": {app.CommitReturnChildren}, "from": {ru.ID}, "to": {ua.ID},
		"cases": {"999"}, "due_on": {w.day(7)}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-cases"`) {
		t.Fatalf("commitment to an unknown case: %d\n%.1500s", code, mainOf(body))
	}

	// The commitment: ru returns the three children to ua within a week.
	code, body, at = rc.send(meeting+"/commitments", url.Values{"kind": {app.CommitReturnChildren}, "from": {ru.ID}, "to": {ua.ID},
		"cases": {caseNumbers(ex)}, "due_on": {w.day(7)}})
	if code != http.StatusOK || !strings.HasPrefix(at.Path, "/commitments/") {
		t.Fatalf("make commitment: %d at %s\n%.1500s", code, at, mainOf(body))
	}
	commitment := at.Path
	if s := statusOf(t, body); s != app.StatusOpen {
		t.Fatalf("a new commitment is %s, want open", s)
	}
	if !strings.Contains(body, "0 of 3 met") || !strings.Contains(body, "Return these children") {
		t.Errorf("the commitment page does not say what was promised:\n%.1500s", mainOf(body))
	}

	// The operation: all three children, escorts from each side and the
	// mediator.
	rc.get(meeting)
	form := url.Values{"date": {w.day(0)}, "crossing_point": {"Border crossing (test)"},
		"escort-" + ua.ID: {"Olena Koval"}, "escort-" + ru.ID: {"Irina Petrova; Anna Smirnova"}, "escort-" + med.ID: {"Mediator staff (test)"}}
	for _, c := range ex.Cases {
		form.Add("cases", c.ID)
	}
	code, body, at = rc.send(meeting+"/operations", form)
	if code != http.StatusOK || !strings.HasPrefix(at.Path, "/operations/") || !strings.Contains(body, `id="op-planned">3<`) {
		t.Fatalf("plan operation: %d at %s\n%.1500s", code, at, mainOf(body))
	}
	operation := at.Path
	for _, c := range ex.Cases {
		cv, err := w.app.Case(ctx, w.op("ua"), c.ID)
		if err != nil || cv.State != string(cases.HandoverPlanned) {
			t.Fatalf("case %d after planning: %s %v", c.Number, cv.State, err)
		}
	}

	// ua completes it: two children handed over, one stayed behind. Left
	// without a reason, the form is refused and nothing moves.
	uc := w.client()
	uc.mustSignIn("officer@ua.test")
	uc.get(operation)
	handedAt := w.app.Store().Now().UTC().Format("2006-01-02T15:04")
	done := url.Values{}
	for i, c := range ex.Cases {
		if i == 2 {
			done.Set("outcome-"+c.ID, "stayed_behind")
			continue
		}
		done.Set("outcome-"+c.ID, "handed_over")
		done.Set("handed_by-"+c.ID, "Irina Petrova")
		done.Set("received_by-"+c.ID, fmt.Sprintf("Mother of child %d", i))
		done.Set("at-"+c.ID, handedAt)
		done.Set("documents-"+c.ID, "Birth certificate\nMedical record")
	}
	code, body, _ = uc.send(operation+"/complete", done)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-reason-`+ex.Cases[2].ID+`"`) {
		t.Fatalf("completion without the reason: %d\n%.1500s", code, mainOf(body))
	}
	if !strings.Contains(body, "Mother of child 1") {
		t.Errorf("the refused form lost what was typed")
	}
	if cv, _ := w.app.Case(ctx, w.op("ua"), ex.Cases[0].ID); cv.State != string(cases.HandoverPlanned) {
		t.Fatalf("a refused completion moved case %d to %s", cv.Number, cv.State)
	}
	reason := "High fever on the day: the doctor advised against travel."
	done.Set("reason-"+ex.Cases[2].ID, reason)
	code, body, _ = uc.send(operation+"/complete", done)
	if code != http.StatusOK || !strings.Contains(body, "The operation is completed") {
		t.Fatalf("complete operation: %d\n%.1500s", code, mainOf(body))
	}
	for _, want := range []string{`id="op-reunited">2<`, `id="op-stayed">1<`, reason, "Birth certificate; Medical record", "Mother of child 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("the completed operation does not show %q", want)
		}
	}
	if strings.Contains(body, `action="`+operation+`/complete"`) {
		t.Errorf("a completed operation still offers its completion form")
	}
	for i, c := range ex.Cases {
		want := cases.Reunited
		if i == 2 {
			want = cases.HandoverPlanned
		}
		if cv, err := w.app.Case(ctx, w.op("ua"), c.ID); err != nil || cv.State != string(want) {
			t.Fatalf("case %d: %s %v, want %s", c.Number, cv.State, err, want)
		}
	}

	// Two of three: partly met, on either side's pages.
	if _, body := uc.get(commitment); statusOf(t, body) != app.StatusPartlyMet || !strings.Contains(body, "Partly met") || !strings.Contains(body, "2 of 3 met") {
		t.Fatalf("after the operation the commitment is %s\n%.1500s", statusOf(t, body), mainOf(body))
	}
	_, body = rc.get("/meetings")
	f := figures(t, body)
	if f["made"] != "1" || f["partly"] != "1" || f["overdue"] != "0" || f["ontime"] != "0" || f["median"] != "0" {
		t.Errorf("figures after the operation: %v", f)
	}
	if m := operationRow.FindStringSubmatch(body); m == nil || m[1] != "3" || m[2] != "2" || m[3] != "1" {
		t.Errorf("operation figures: %v, want 3 planned, 2 reunited, 1 stayed behind", m)
	}
	if _, body := rc.get("/"); overdueCount.FindStringSubmatch(body) == nil || overdueCount.FindStringSubmatch(body)[1] != "0" {
		t.Errorf("the dashboard does not show 0 overdue commitments")
	}

	// Eight days on, the commitment's day has passed with a child still
	// not returned: overdue.
	w.skew.Store(int64(8 * 24 * time.Hour))
	late := w.client()
	late.mustSignIn("officer@ua.test")
	_, body = late.get(commitment)
	if s := statusOf(t, body); s != app.StatusOverdue || !strings.Contains(body, "Overdue") || !strings.Contains(body, `id="commit-overdue">1<`) {
		t.Fatalf("after its day the commitment is %s\n%.1500s", s, mainOf(body))
	}
	_, body = late.get("/meetings")
	if f := figures(t, body); f["overdue"] != "1" || f["partly"] != "0" || f["made"] != "1" {
		t.Errorf("figures after the due day: %v", f)
	}
	_, body = late.get("/")
	if m := overdueCount.FindStringSubmatch(body); m == nil || m[1] != "1" {
		t.Fatalf("the dashboard does not flag the overdue commitment:\n%.1500s", mainOf(body))
	}
	if m := commitmentRef.FindStringSubmatch(body); m == nil || "/commitments/"+m[1] != commitment {
		t.Errorf("the dashboard does not link the overdue commitment")
	}

	// Only the organisation that made it may withdraw it, with a reason.
	if strings.Contains(body, `action="`+commitment+`/withdraw"`) {
		t.Errorf("ua is offered to withdraw ru's commitment")
	}
	late.get(commitment)
	if code, _, _ := late.send(commitment+"/withdraw", url.Values{"reason": {"not ours"}}); code != http.StatusForbidden {
		t.Errorf("ua withdrew ru's commitment: %d", code)
	}
	ruLate := w.client()
	ruLate.mustSignIn("officer@ru.test")
	ruLate.get(commitment)
	if code, body, _ := ruLate.send(commitment+"/withdraw", url.Values{"reason": {" "}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-reason"`) {
		t.Errorf("withdrawal without a reason: %d", code)
	}
	if code, body, _ := ruLate.send(commitment+"/withdraw", url.Values{"reason": {"The third child's treatment will take months."}}); code != http.StatusOK || statusOf(t, body) != app.StatusWithdrawn {
		t.Errorf("withdrawal: %d", code)
	}

	// The ledger names the new entries in the reader's language.
	_, body = ruLate.get("/ledger")
	for _, want := range []string{"Meeting recorded", "Commitment made", "Handover operation planned", "Handover operation completed", "Commitment withdrawn"} {
		if !strings.Contains(body, want) {
			t.Errorf("the ledger page does not name %q\n%s", want, mainOf(body))
		}
	}
}

// meetingState is a meeting recorded by ru through the app, with a
// commitment, an attachment and an operation.
type meetingState struct {
	ex                                         apptest.Exchange
	meeting, commitment, operation, attachment string
}

// meetingByApp records a meeting of ru with the others named, a commitment
// by ru to return n children to ua, an attachment, and an operation with
// every case.
func (w *world) meetingByApp(n int, others ...string) meetingState {
	t := w.t
	t.Helper()
	ctx := context.Background()
	st := meetingState{ex: w.handoverCases(n)}
	ru := w.op("ru")
	in := app.MeetingInput{HeldOn: domain.DateOf(w.app.Store().Now()), Place: "Istanbul", Organisations: others,
		ListIDs: []string{st.ex.RequestList.ID, st.ex.ChildList.ID}, Minutes: "Секретний протокол (test)"}
	m, err := w.app.RecordMeeting(ctx, ru, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range st.ex.Cases {
		ids = append(ids, c.ID)
	}
	due := domain.DateOf(w.app.Store().Now().AddDate(0, 0, 7))
	c, err := w.app.MakeCommitment(ctx, ru, m.ID, app.CommitmentInput{From: "ru", To: "ua", Kind: app.CommitReturnChildren, DueOn: due, CaseIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	at, err := w.app.AddMeetingAttachment(ctx, ru, m.ID, "agreement.txt", []byte("Agreed plan (test)"))
	if err != nil {
		t.Fatal(err)
	}
	escorts := []app.EscortInput{{Organisation: "ru", Name: "Irina Petrova"}}
	for _, o := range others {
		escorts = append(escorts, app.EscortInput{Organisation: o, Name: "Escort of " + o})
	}
	o, err := w.app.PlanOperation(ctx, ru, app.OperationInput{MeetingID: m.ID, Date: in.HeldOn, CrossingPoint: "Border crossing (test)", Escorts: escorts, CaseIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	st.meeting, st.commitment, st.operation, st.attachment = m.ID, c.ID, o.ID, at.ID
	return st
}

// TestMeetingBoundary: an organisation that was not at a meeting gets, for
// the meeting, its commitments, its operations and its attachments, the
// same page as for an id that does not exist, cannot act on them, and
// does not see the meeting in its list or figures.
func TestMeetingBoundary(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	st := w.meetingByApp(2, "ua") // the mediator was not there

	ua := w.client()
	ua.mustSignIn("officer@ua.test")
	for _, path := range []string{"/meetings/" + st.meeting, "/commitments/" + st.commitment, "/operations/" + st.operation,
		"/meetings/" + st.meeting + "/attachments/" + st.attachment} {
		if code, _ := ua.get(path); code != http.StatusOK {
			t.Fatalf("an organisation at the meeting: %s: %d", path, code)
		}
	}

	med := w.client()
	med.mustSignIn("officer@med.test")
	const missingID = "01939d6e-0000-7000-8000-000000000000"
	_, missing := med.get("/meetings/" + missingID)
	for _, path := range []string{
		"/meetings/" + st.meeting,
		"/commitments/" + st.commitment,
		"/operations/" + st.operation,
		"/meetings/" + st.meeting + "/attachments/" + st.attachment,
		"/meetings/" + missingID, "/commitments/" + missingID, "/operations/" + missingID,
	} {
		code, body := med.get(path)
		if code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, code)
		}
		if mainOf(body) != mainOf(missing) {
			t.Errorf("%s: the refusal differs from a missing meeting's page", path)
		}
		if strings.Contains(body, "Istanbul") || strings.Contains(body, "Секретний") || strings.Contains(body, "Agreed plan") {
			t.Errorf("%s leaks the meeting", path)
		}
	}
	_, body := med.get("/meetings")
	if strings.Contains(body, st.meeting) || strings.Contains(body, "Istanbul") || !strings.Contains(body, `id="no-meetings"`) {
		t.Errorf("the meetings page shows a meeting the mediator was not at")
	}
	if f := figures(t, body); f["made"] != "0" {
		t.Errorf("the mediator's figures count a meeting it was not at: %v", f)
	}
	if strings.Contains(body, "/operations/"+st.operation) {
		t.Errorf("the mediator's figures list an operation of a meeting it was not at")
	}

	// Acting on them is the same 404, and changes nothing.
	for path, form := range map[string]url.Values{
		"/meetings/" + st.meeting + "/commitments":    {"kind": {app.CommitAllowContact}, "from": {"ru"}, "to": {"ua"}, "cases": {"1"}, "due_on": {w.day(3)}},
		"/meetings/" + st.meeting + "/operations":     {"date": {w.day(0)}, "crossing_point": {"x"}, "escort-" + w.orgs["med"].ID: {"x"}},
		"/commitments/" + st.commitment + "/withdraw": {"reason": {"not ours"}},
		"/operations/" + st.operation + "/complete":   {"outcome-" + st.ex.Cases[0].ID: {"stayed_behind"}, "reason-" + st.ex.Cases[0].ID: {"x"}},
	} {
		med.get("/meetings")
		code, body, _ := med.send(path, form)
		if code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, code)
		}
		if mainOf(body) != mainOf(missing) {
			t.Errorf("POST %s: the refusal differs from a missing meeting's page", path)
		}
	}
	med.get("/meetings")
	if code, _, _ := med.uploadTo("/meetings/"+st.meeting+"/attachments", "x.txt", []byte("x")); code != http.StatusNotFound {
		t.Errorf("upload to another's meeting: %d, want 404", code)
	}
	ctx := context.Background()
	c, err := w.app.Commitment(ctx, w.op("ru"), st.commitment)
	if err != nil || c.Status != app.StatusOpen {
		t.Fatalf("the commitment changed: %s %v", c.Status, err)
	}
	o, err := w.app.Operation(ctx, w.op("ru"), st.operation)
	if err != nil || o.Status != "planned" {
		t.Fatalf("the operation changed: %s %v", o.Status, err)
	}
	m, err := w.app.Meeting(ctx, w.op("ru"), st.meeting)
	if err != nil || len(m.Attachments) != 1 || len(m.Commitments) != 1 {
		t.Fatalf("the meeting changed: %d attachments, %d commitments, %v", len(m.Attachments), len(m.Commitments), err)
	}
}

// TestMeetingPagesSpeakEachLanguage visits the meeting pages, a completed
// operation and a planned one, in each language, as a case worker who was
// at the meeting.
func TestMeetingPagesSpeakEachLanguage(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	ctx := context.Background()
	st := w.meetingByApp(2, "ua", "med")
	ru := w.op("ru")
	now := w.app.Store().Now()
	if _, err := w.app.CompleteOperation(ctx, ru, st.operation, app.CompletionInput{Children: []app.HandoverInput{
		{CaseID: st.ex.Cases[0].ID, HandedBy: "Irina Petrova", ReceivedBy: "Mother", At: now, Documents: []string{"Birth certificate"}},
		{CaseID: st.ex.Cases[1].ID, StayedBehind: "Ill on the day"},
	}}); err != nil {
		t.Fatal(err)
	}
	again, err := w.app.PlanOperation(ctx, ru, app.OperationInput{MeetingID: st.meeting, Date: domain.DateOf(now), Route: "Through a third country (test)",
		Escorts: []app.EscortInput{{Organisation: "med", Name: "Mediator staff"}}, CaseIDs: []string{st.ex.Cases[1].ID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			c := w.client()
			c.get("/lang/" + string(lang))
			c.mustSignIn("officer@ru.test")
			for _, p := range []string{"/", "/meetings", "/meetings/" + st.meeting, "/commitments/" + st.commitment,
				"/operations/" + st.operation, "/operations/" + again.ID, "/ledger"} {
				code, body := c.get(p)
				if code != http.StatusOK {
					t.Errorf("%s: %d", p, code)
				}
				if i := strings.Index(body, i18n.MissingMark); i >= 0 {
					t.Errorf("%s: untranslated key %q", p, body[i:min(len(body), i+60)])
				}
				if !strings.Contains(body, `<html lang="`+string(lang)+`">`) {
					t.Errorf("%s: page not in %s", p, lang)
				}
			}
		})
	}
}
