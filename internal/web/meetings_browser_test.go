package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestBrowserOperation completes a handover operation in Chromium: one
// child handed over, one who stayed behind with the reason; then the
// meeting and its figures.
func TestBrowserOperation(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	st := w.meetingByApp(2, "ua", "med")
	ctx := browser(t)
	signInAs(t, ctx, w.url, "officer@ua.test")
	one, two := st.ex.Cases[0].ID, st.ex.Cases[1].ID
	run(t, ctx, "open the operation",
		chromedp.Navigate(w.url+"/operations/"+st.operation),
		chromedp.WaitVisible("#complete", chromedp.ByID),
	)
	shoot(t, ctx, "operation-planned")
	var status, stayed string
	run(t, ctx, "complete it",
		chromedp.SendKeys("#c-"+one+"-handed_by", "Irina Petrova", chromedp.ByID),
		chromedp.SendKeys("#c-"+one+"-received_by", "Olena Koval (mother)", chromedp.ByID),
		chromedp.SendKeys("#c-"+one+"-documents", "Birth certificate", chromedp.ByID),
		chromedp.Click(`input[name="outcome-`+two+`"][value="stayed_behind"]`, chromedp.ByQuery),
		chromedp.SendKeys("#c-"+two+"-reason", "Fever on the day of travel", chromedp.ByID),
		chromedp.Submit("#c-"+two+"-reason", chromedp.ByID),
		// Only the page after the redirect says what was done.
		chromedp.WaitVisible("p.flash", chromedp.ByQuery),
		chromedp.Text("#op-status", &status, chromedp.ByID),
		chromedp.Text("#op-children", &stayed, chromedp.ByID),
	)
	shoot(t, ctx, "operation-completed")
	if status != "Completed" || !strings.Contains(stayed, "Fever on the day of travel") || !strings.Contains(stayed, "Olena Koval (mother)") {
		t.Fatalf("after completion: %q\n%s", status, stayed)
	}
	var progress string
	run(t, ctx, "the commitment",
		chromedp.Navigate(w.url+"/commitments/"+st.commitment),
		chromedp.Text("#commit-progress", &progress, chromedp.ByID),
	)
	if progress != "1 of 2 met" {
		t.Errorf("commitment progress %q", progress)
	}
	shoot(t, ctx, "commitment")
	run(t, ctx, "the meeting", chromedp.Navigate(w.url+"/meetings/"+st.meeting), chromedp.WaitVisible("#commitment-table", chromedp.ByID))
	shoot(t, ctx, "meeting")
	run(t, ctx, "the figures", chromedp.Navigate(w.url+"/meetings"), chromedp.WaitVisible("#fig-meetings", chromedp.ByID))
	shoot(t, ctx, "meetings")

	// A week and a day on, the commitment is overdue: the dashboard says
	// so, in Ukrainian too.
	w.skew.Store(int64(8 * 24 * time.Hour))
	run(t, ctx, "choose Ukrainian", chromedp.Navigate(w.url+"/lang/uk"))
	signInAs(t, ctx, w.url, "officer@ua.test")
	var count string
	run(t, ctx, "the dashboard", chromedp.Navigate(w.url+"/"), chromedp.Text("#overdue-count", &count, chromedp.ByID))
	if count != "1" {
		t.Errorf("overdue commitments on the dashboard: %q, want 1", count)
	}
	shoot(t, ctx, "dashboard-overdue-uk")
	run(t, ctx, "the meeting in Ukrainian", chromedp.Navigate(w.url+"/meetings/"+st.meeting), chromedp.WaitVisible("#commitment-table", chromedp.ByID))
	shoot(t, ctx, "meeting-uk")
}
