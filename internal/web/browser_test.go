package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/reunite-ftr/reunite/internal/i18n"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// These tests drive a real Chromium (Debian's package) through the pages:
// what a case worker does, in the order they do it. Under CI=true a
// missing browser fails the test; elsewhere it is skipped with a note.

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("REUNITE_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium: install Debian's chromium package (.ci/run does)")
	}
	t.Skip("no Chromium found (apt-get install chromium); browser tests skipped")
	return ""
}

// browser starts a headless Chromium for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1280, 1000),
		chromedp.Flag("lang", "en-GB"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// screenshotDir is where each browser test leaves its screenshots;
// .ci/run sets it and lists the files in the CI log.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("REUNITE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "reunite-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(screenshotDir(t), t.Name()+"-"+name+".png")
	path = strings.ReplaceAll(path, "/"+t.Name(), "/"+strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc, body string
		chromedp.Run(ctx, chromedp.Location(&loc), chromedp.Text("main", &body, chromedp.ByQuery))
		shoot(t, ctx, "failed")
		t.Fatalf("%s: %v\nat %s\n%.1500s", step, err, loc, body)
	}
}

func signInAs(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	run(t, ctx, "sign in as "+email,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", email, chromedp.ByID),
		chromedp.SendKeys("#password", password, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible(`form[action="/signout"]`, chromedp.ByQuery),
	)
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "sign out",
		chromedp.Click(`form[action="/signout"] button`, chromedp.ByQuery),
		chromedp.WaitVisible("#email", chromedp.ByID),
	)
}

// importList uploads a CSV through the import page, hands the records over
// to every other organisation, checks every row and runs the import.
func importList(t *testing.T, ctx context.Context, base, kind, file string) {
	t.Helper()
	run(t, ctx, "upload "+file,
		chromedp.Navigate(base+"/import"),
		chromedp.WaitVisible("#file", chromedp.ByID),
		chromedp.SetValue("#kind", kind, chromedp.ByID),
		chromedp.SetUploadFiles("#file", []string{file}, chromedp.ByID),
		chromedp.Submit("#file", chromedp.ByID),
		chromedp.WaitVisible("#mapping", chromedp.ByID),
	)
	var handTo []*cdp.Node
	run(t, ctx, "hand over", chromedp.Nodes(`input[name="hand_to"]`, &handTo, chromedp.ByQueryAll))
	for _, n := range handTo {
		run(t, ctx, "tick "+n.AttributeValue("value"), chromedp.Click([]cdp.NodeID{n.NodeID}, chromedp.ByNodeID))
	}
	run(t, ctx, "check rows",
		chromedp.Click("#check-button", chromedp.ByID),
		chromedp.WaitVisible("#check-ok", chromedp.ByID),
	)
	shoot(t, ctx, "import-"+kind+"-checked")
	// The check kept the hand-over choice; run.
	run(t, ctx, "run import",
		chromedp.Click("#run-button", chromedp.ByID),
		chromedp.WaitVisible("#import-done", chromedp.ByID),
		chromedp.WaitVisible("#import-listed", chromedp.ByID),
	)
	shoot(t, ctx, "import-"+kind+"-done")
}

// The two lists of the story: a Ukrainian family's tracing request, in
// Ukrainian, and the child as the other side recorded him, in Russian.
const (
	requestsCSV = "id,given_name,patronymic,family_name,sex,birth_date,birth_place,home_settlement,home_oblast,home_country,separation_date,category,mother_name,father_name\n" +
		"WEB-R1,Олександр,Петрович,Коваленко,male,2012-03-14,Харків,Харків,Харківська,UA,2022-05-10,displaced_by_frontline_fighting,Олена Іванівна Коваленко,Петро Миколайович Коваленко\n" +
		"WEB-R2,Софія,Андріївна,Мельник,female,2015-08-02,Херсон,Херсон,Херсонська,UA,2022-11,separated_across_border,Ірина Мельник,Андрій Мельник\n"
	childrenCSV = "id,given_name,patronymic,family_name,sex,birth_date,birth_place,home_settlement,home_oblast,home_country,separation_date,category,mother_name,father_name\n" +
		"WEB-C1,Александр,Петрович,Коваленко,male,2012-03-14,Харьков,Харьков,Харьковская,UA,2022-05,displaced_by_frontline_fighting,Елена Ивановна Коваленко,Петр Николаевич Коваленко\n" +
		"WEB-C2,Виктор,Сергеевич,Тарасов,male,2009-01-20,Донецк,Донецк,Донецкая,UA,2014-07,other,,\n"
)

func TestBrowserReunification(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 300)
	ctx := browser(t)
	dir := t.TempDir()
	reqFile, childFile := filepath.Join(dir, "requests.csv"), filepath.Join(dir, "children.csv")
	os.WriteFile(reqFile, []byte(requestsCSV), 0o644)
	os.WriteFile(childFile, []byte(childrenCSV), 0o644)

	// The Ukrainian side hands its requests over; the other side its
	// children. The live engine proposes the pair.
	signInAs(t, ctx, w.url, "officer@ua.test")
	importList(t, ctx, w.url, "request", reqFile)
	signOut(t, ctx)
	signInAs(t, ctx, w.url, "officer@ru.test")
	importList(t, ctx, w.url, "child", childFile)

	// The dashboard counts what waits for this user.
	var waiting string
	run(t, ctx, "dashboard before", chromedp.Navigate(w.url+"/"), chromedp.Text("#waiting-count", &waiting, chromedp.ByID))
	if waiting == "0" {
		t.Fatalf("nothing waits for review after both lists")
	}

	// Review: side by side, field by field; confirm by keyboard.
	var pairURL, given string
	run(t, ctx, "open the review queue",
		chromedp.Navigate(w.url+"/review"),
		chromedp.WaitVisible("#explanation", chromedp.ByID),
		chromedp.Location(&pairURL),
		chromedp.Text(`#explanation tr[data-field="given_name"]`, &given, chromedp.ByQuery),
	)
	if !strings.Contains(given, "Олександр") || !strings.Contains(given, "Александр") {
		t.Fatalf("the first pair is not the story's: given-name row %q", given)
	}
	var class string
	var ok bool
	run(t, ctx, "explanation highlighted", chromedp.AttributeValue(`#explanation tr[data-field="given_name"]`, "class", &class, &ok, chromedp.ByQuery))
	if class != "for" {
		t.Fatalf("the agreeing given name is not highlighted as evidence for: class %q", class)
	}
	shoot(t, ctx, "review")
	run(t, ctx, "confirm with the C key",
		chromedp.KeyEvent("c"),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	signOut(t, ctx)

	// The other party confirms the same pair: a case opens.
	signInAs(t, ctx, w.url, "officer@ua.test")
	var flash string
	run(t, ctx, "second confirmation",
		chromedp.Navigate(pairURL),
		chromedp.WaitVisible("#confirm", chromedp.ByID),
		chromedp.Click("#confirm", chromedp.ByID),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "case was opened") {
		t.Fatalf("after both confirmations: %q", flash)
	}

	// Take the case to reunited, step by step, as the case worker may.
	run(t, ctx, "open the case",
		chromedp.Navigate(w.url+"/cases"),
		chromedp.Click("#cases a", chromedp.ByQuery),
		chromedp.WaitVisible("#case-state", chromedp.ByID),
	)
	today := w.app.Store().Now().Format(time.DateOnly)
	steps := []struct {
		to     string
		fields map[string]string
	}{
		{"identity_verified", map[string]string{"evidence": "Birth certificate matches; mother identified the child from photographs."}},
		{"consent_and_best_interests", map[string]string{"child_views": "Wants to go home to his mother.", "best_interests": "Return to mother, assessed by the mediator's social worker."}},
		{"handover_planned", map[string]string{"handover_date": today, "handover_place": "Border crossing (synthetic)", "route": "through the mediator", "escort": "mediator's staff"}},
		{"reunited", map[string]string{"reunited_at": today, "reunited_place": "Border crossing (synthetic)", "handed_to": "mother"}},
	}
	for _, st := range steps {
		// The last step's note goes first, so that waiting for a note
		// waits for this step's page.
		actions := []chromedp.Action{
			chromedp.Evaluate(`document.querySelectorAll(".flash").forEach(e => e.remove())`, nil),
			chromedp.Click("#move-"+st.to+" summary", chromedp.ByQuery),
		}
		for f, v := range st.fields {
			sel := fmt.Sprintf("#m-%s-%s", st.to, f)
			if f == "handover_date" || f == "reunited_at" {
				actions = append(actions, chromedp.SetValue(sel, v, chromedp.ByQuery))
			} else {
				actions = append(actions, chromedp.SendKeys(sel, v, chromedp.ByQuery))
			}
		}
		var state string
		actions = append(actions,
			chromedp.Submit(fmt.Sprintf("#move-%s form", st.to), chromedp.ByQuery),
			chromedp.WaitVisible(".flash", chromedp.ByQuery),
			chromedp.Text("#case-state", &state, chromedp.ByID),
		)
		run(t, ctx, "move to "+st.to, actions...)
		if want := i18nEN(t, "state."+st.to); state != want {
			t.Fatalf("after moving to %s the case shows %q", st.to, state)
		}
	}
	var receipts int
	run(t, ctx, "receipts", chromedp.Evaluate(`document.querySelectorAll("#receipt-table tbody tr").length`, &receipts))
	if receipts < len(steps)+1 {
		t.Fatalf("%d ledger receipts on the case page, want at least %d", receipts, len(steps)+1)
	}
	shoot(t, ctx, "case-reunited")

	// The handover summary is a PDF of the case.
	hc := w.client()
	hc.mustSignIn("officer@ua.test")
	_, list := hc.get("/cases")
	m := regexp.MustCompile(`href="/cases/([0-9a-f-]{36})"`).FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("no case on the cases page")
	}
	resp, err := hc.http.Get(w.url + "/cases/" + m[1] + "/summary.pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 2000 {
		t.Fatalf("handover summary: %s, %d bytes", resp.Header.Get("Content-Type"), len(pdf))
	}

	// The dashboard now counts one reunified child, this week.
	var reunited, weekTotal string
	run(t, ctx, "dashboard after",
		chromedp.Navigate(w.url+"/"),
		chromedp.Text(`span.count[data-state="reunited"]`, &reunited, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#weekly-table .week-total")).pop().textContent`, &weekTotal),
	)
	if reunited != "1" || weekTotal != "1" {
		t.Fatalf("dashboard after the reunification: reunited %q, this week %q", reunited, weekTotal)
	}
	shoot(t, ctx, "dashboard")

	// Switch language: the same page in Ukrainian, then Russian.
	for _, lang := range []i18n.Lang{i18n.Ukrainian, i18n.Russian} {
		var htmlLang, heading string
		var ok bool
		run(t, ctx, "switch to "+string(lang),
			chromedp.Click(fmt.Sprintf(`.langs a[hreflang="%s"]`, lang), chromedp.ByQuery),
			chromedp.WaitVisible(fmt.Sprintf(`.langs a[hreflang="%s"][aria-current]`, lang), chromedp.ByQuery),
			chromedp.AttributeValue("html", "lang", &htmlLang, &ok, chromedp.ByQuery),
			chromedp.Text("h1", &heading, chromedp.ByQuery),
		)
		if htmlLang != string(lang) || heading != i18nT(t, lang, "nav.dashboard") {
			t.Fatalf("after switching to %s: lang %q, heading %q", lang, htmlLang, heading)
		}
		shoot(t, ctx, "dashboard-"+string(lang))
	}
}

// TestBrowserNoUntranslatedKey reads every page as a user sees it, in each
// language, and fails on any catalogue key shown instead of its text.
func TestBrowserNoUntranslatedKey(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	ctx := browser(t)
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			run(t, ctx, "choose "+string(lang), chromedp.Navigate(w.url+"/lang/"+string(lang)))
			for _, who := range []string{"officer@ua.test", "admin@med.test"} {
				signInAs(t, ctx, w.url, who)
				for _, p := range []string{"/", "/records/request", "/records/child", "/records/child/new", "/review", "/cases", "/import", "/ledger", "/admin"} {
					var text, htmlLang string
					var ok bool
					run(t, ctx, "read "+p,
						chromedp.Navigate(w.url+p),
						chromedp.WaitReady("body", chromedp.ByQuery),
						chromedp.Text("body", &text, chromedp.ByQuery),
						chromedp.AttributeValue("html", "lang", &htmlLang, &ok, chromedp.ByQuery),
					)
					if i := strings.Index(text, i18n.MissingMark); i >= 0 {
						t.Errorf("%s as %s: untranslated %q", p, who, text[i:min(len(text), i+60)])
					}
					if htmlLang != string(lang) {
						t.Errorf("%s as %s: lang %q", p, who, htmlLang)
					}
				}
				if who == "officer@ua.test" {
					shoot(t, ctx, "records-"+string(lang))
				}
				signOut(t, ctx)
			}
		})
	}
}

func i18nT(t *testing.T, l i18n.Lang, key string) string {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b.For(l).T(key)
}

func i18nEN(t *testing.T, key string) string { return i18nT(t, i18n.English, key) }
