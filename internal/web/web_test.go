package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/i18n"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

func TestSignInAndLockout(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn, 0)
		c := w.client()
		for i := range app.MaxSignInFailures {
			code, body := c.signIn("officer@ua.test", "wrong password, try again")
			if code != http.StatusUnauthorized {
				t.Fatalf("attempt %d: status %d, want 401", i+1, code)
			}
			if !strings.Contains(body, "wrong") {
				t.Fatalf("attempt %d: no error shown:\n%.500s", i+1, body)
			}
		}
		// Locked now: even the right password is refused, with its own message.
		if code, body := c.signIn("officer@ua.test", password); code != http.StatusUnauthorized || !strings.Contains(body, "locked") {
			t.Fatalf("right password on a locked account: %d\n%.500s", code, body)
		}
		// An unknown address gets the same answer as a wrong password.
		code, body := c.signIn("nobody@ua.test", password)
		if code != http.StatusUnauthorized || !strings.Contains(body, "The e-mail address or password is wrong.") {
			t.Fatalf("unknown address: %d", code)
		}
		// Another user is not affected.
		w.client().mustSignIn("officer@ru.test")
		// The pages need a session.
		anon := w.client()
		resp, err := anon.http.Get(w.url + "/records/request")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != "/signin" {
			t.Fatalf("anonymous request ended at %s, want /signin", resp.Request.URL.Path)
		}
	})
}

func TestCSRFIsRequired(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn, 0)
		c := w.client()
		c.mustSignIn("officer@ua.test")
		c.get("/records/request/new")
		form := url.Values{"given": {"Марія"}, "family": {"Шевченко"}, "sex": {"female"}}
		for name, f := range map[string]url.Values{
			"no token":    form,
			"wrong token": {"csrf": {"forged"}},
		} {
			v := url.Values{}
			for k, x := range f {
				v[k] = x
			}
			for k, x := range form {
				v[k] = x
			}
			if name == "no token" {
				v.Set("csrf", "")
			}
			if code, _ := c.post("/records/request/new", v); code != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", name, code)
			}
		}
		// A right token from another site's page is refused by its origin.
		c.get("/records/request/new")
		tok := c.csrf()
		req, _ := http.NewRequest(http.MethodPost, w.url+"/records/request/new", strings.NewReader(url.Values{"csrf": {tok}, "given": {"Марія"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin post: %d, want 403", resp.StatusCode)
		}
		// Nothing was stored by the refused posts.
		recs, _, err := w.app.ListRecords(context.Background(), access.Operator("test", w.orgs["ua"]), store.RecordFilter{Kind: domain.KindRequest})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 0 {
			t.Fatalf("%d records stored by refused posts", len(recs))
		}
		// With the token, the same form works.
		c.get("/records/request/new")
		if code, body := c.post("/records/request/new", form); code != http.StatusOK || !strings.Contains(body, "Шевченко") {
			t.Fatalf("create with token: %d\n%.500s", code, body)
		}
	})
}

var secretOnPage = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)

func TestTOTPRequiredByAdmin(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn, 0)
		admin := w.client()
		admin.mustSignIn("admin@ua.test")
		admin.get("/admin")
		if code, _ := admin.post("/admin/totp", url.Values{"require": {"1"}}); code != http.StatusOK {
			t.Fatalf("require TOTP: %d", code)
		}
		// The officer must now set up a second factor before anything else.
		c := w.client()
		code, body := c.signIn("officer@ua.test", password)
		if code != http.StatusOK || !strings.Contains(body, `action="/account/totp"`) {
			t.Fatalf("sign-in did not lead to enrolment: %d\n%.500s", code, body)
		}
		if code, _ := c.get("/records/request"); code != http.StatusOK || !strings.Contains(c.last, `action="/account/totp"`) {
			t.Fatalf("a pending session reached a page")
		}
		m := secretOnPage.FindStringSubmatch(c.last)
		if m == nil {
			t.Fatalf("no secret on the enrolment page")
		}
		secret := m[1]
		if code, body := c.post("/account/totp", url.Values{"secret": {secret}, "code": {"000000"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "wrong") {
			t.Fatalf("wrong enrolment code accepted: %d", code)
		}
		now := w.app.Store().Now()
		codeNow, _ := totp.GenerateCode(secret, now)
		if code, body := c.post("/account/totp", url.Values{"secret": {secret}, "code": {codeNow}}); code != http.StatusOK || !strings.Contains(body, `action="/signout"`) {
			t.Fatalf("enrolment: %d\n%.500s", code, body)
		}
		// Next sign-in asks for the code; a wrong one ends the attempt.
		c2 := w.client()
		if _, body := c2.signIn("officer@ua.test", password); !strings.Contains(body, `action="/signin/totp"`) {
			t.Fatalf("second sign-in did not ask for a code:\n%.500s", body)
		}
		if _, body := c2.post("/signin/totp", url.Values{"code": {"123456"}}); !strings.Contains(body, `action="/signin"`) {
			t.Fatalf("a wrong code did not send the user back to the password")
		}
		c2.signIn("officer@ua.test", password)
		codeNow, _ = totp.GenerateCode(secret, w.app.Store().Now())
		if code, body := c2.post("/signin/totp", url.Values{"code": {codeNow}}); code != http.StatusOK || !strings.Contains(body, `action="/signout"`) {
			t.Fatalf("right code: %d\n%.500s", code, body)
		}
	})
}

func TestSignOutEverywhere(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	laptop, phone := w.client(), w.client()
	laptop.mustSignIn("officer@ua.test")
	phone.mustSignIn("officer@ua.test")
	if code, _ := laptop.post("/signout", url.Values{"everywhere": {"1"}}); code != http.StatusOK {
		t.Fatalf("sign out everywhere: %d", code)
	}
	for name, c := range map[string]*client{"laptop": laptop, "phone": phone} {
		resp, err := c.http.Get(w.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != "/signin" {
			t.Errorf("%s still signed in after sign-out everywhere", name)
		}
	}
}

func TestRecordFormShowsErrorsByTheirFields(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	c := w.client()
	c.mustSignIn("officer@ua.test")
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"not a date", url.Values{"given": {"Іван"}, "birth_date": {"31/02/2014"}}, "birth_date", "Not a date"},
		{"future", url.Values{"given": {"Іван"}, "birth_date": {"2099-01-01"}}, "birth_date", "in the future"},
		{"no name", url.Values{"sex": {"male"}}, "given", "required"},
		{"separated before birth", url.Values{"given": {"Іван"}, "birth_date": {"2015-05-01"}, "separation_date": {"2014-01-01"}}, "separation_date", "before the date of birth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.get("/records/request/new")
			code, body := c.post("/records/request/new", tc.form)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", code)
			}
			re := regexp.MustCompile(`id="err-` + tc.field + `">([^<]*)<`)
			m := re.FindStringSubmatch(body)
			if m == nil || !strings.Contains(m[1], tc.msg) {
				t.Fatalf("no %q next to %s; got %v", tc.msg, tc.field, m)
			}
			// What was typed is kept.
			if v := tc.form.Get("given"); v != "" && !strings.Contains(body, `value="`+v+`"`) {
				t.Fatalf("the form lost what was typed")
			}
		})
	}
	recs, _, _ := w.app.ListRecords(context.Background(), access.Operator("test", w.orgs["ua"]), store.RecordFilter{Kind: domain.KindRequest})
	if len(recs) != 0 {
		t.Fatalf("invalid forms stored %d records", len(recs))
	}
}

// TestPartyBoundary tries to reach another party's records, cases, review
// pairs and uploads through the pages: every attempt gets the same page as
// something that does not exist.
func TestPartyBoundary(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn, 0)
		ctx := context.Background()
		ruOp := access.Operator("test", w.orgs["ru"])
		child, err := w.app.CreateRecord(ctx, ruOp, domain.Record{Kind: domain.KindChild, Person: domain.Person{Names: []domain.Name{{Given: "Дмитрий", Family: "Орлов"}}},
			Sensitive: domain.Sensitive{CurrentLocation: "секретный адрес"}})
		if err != nil {
			t.Fatal(err)
		}
		ru := w.client()
		ru.mustSignIn("officer@ru.test")
		if code, body := ru.get("/records/child/" + child.ID); code != http.StatusOK || !strings.Contains(body, "секретный адрес") {
			t.Fatalf("the owner cannot read its own record: %d", code)
		}
		ua := w.client()
		ua.mustSignIn("officer@ua.test")
		_, missing := ua.get("/records/child/01939d6e-0000-7000-8000-000000000000")
		for _, path := range []string{
			"/records/child/" + child.ID,
			"/records/child/" + child.ID + "/edit",
			"/cases/01939d6e-0000-7000-8000-000000000000",
			"/review/01939d6e-0000-7000-8000-000000000000",
			"/attachments/01939d6e-0000-7000-8000-000000000000",
			"/import/whatever",
		} {
			code, body := ua.get(path)
			if code != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, code)
			}
			if strings.Contains(body, "Орлов") || strings.Contains(body, "секретный") {
				t.Errorf("%s leaks the record", path)
			}
			if mainOf(body) != mainOf(missing) {
				t.Errorf("%s: the refusal differs from a missing record's page", path)
			}
		}
		if code, body := ua.get("/records/child"); code != http.StatusOK || strings.Contains(body, "Орлов") {
			t.Errorf("the list shows another party's unshared record")
		}
		// An edit posted to another party's record changes nothing.
		ua.get("/records/request/new")
		if code, _ := ua.post("/records/child/"+child.ID+"/edit", url.Values{"given": {"Змінено"}, "version": {"1"}}); code != http.StatusNotFound {
			t.Errorf("edit of another party's record: %d, want 404", code)
		}
		got, err := w.app.Record(ctx, ruOp, domain.KindChild, child.ID)
		if err != nil || got.Person.Names[0].Given != "Дмитрий" {
			t.Fatalf("the record changed: %v %v", got.Person.Names, err)
		}
		// Roles: an officer is not an admin.
		if code, _ := ua.get("/admin"); code != http.StatusForbidden {
			t.Errorf("officer on /admin: %d, want 403", code)
		}
	})
}

// TestPagesSpeakEachLanguage visits every page in each language and fails
// on any untranslated key and on a page not marked with its language.
func TestPagesSpeakEachLanguage(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	ctx := context.Background()
	rec, err := w.app.CreateRecord(ctx, access.Operator("test", w.orgs["ua"]), domain.Record{Kind: domain.KindRequest,
		Person: domain.Person{Names: []domain.Name{{Given: "Олена", Family: "Бондаренко"}}, Sex: domain.SexFemale}})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			for _, who := range []string{"officer@ua.test", "admin@med.test"} {
				c := w.client()
				c.get("/lang/" + string(lang))
				c.mustSignIn(who)
				pages := []string{"/", "/records/request", "/records/child", "/records/request/" + rec.ID, "/records/request/new",
					"/records/request/" + rec.ID + "/edit", "/review", "/cases", "/meetings", "/import", "/ledger", "/admin", "/statistics", "/no-such-page"}
				for _, p := range pages {
					code, body := c.get(p)
					if code == http.StatusForbidden {
						continue // not this role's page
					}
					if strings.Contains(body, i18n.MissingMark) {
						i := strings.Index(body, i18n.MissingMark)
						t.Errorf("%s as %s: untranslated key %q", p, who, body[i:min(len(body), i+60)])
					}
					if !strings.Contains(body, `<html lang="`+string(lang)+`">`) {
						t.Errorf("%s as %s: page not in %s", p, who, lang)
					}
				}
			}
		})
	}
}

func TestSessionExpires(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	c := w.client()
	c.mustSignIn("officer@ua.test")
	// Idle past the limit: the session is gone.
	w.skew.Store(int64(app.SessionIdle + time.Minute))
	resp, err := c.http.Get(w.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/signin" {
		t.Fatalf("an idle session still works")
	}
}

// mainOf is a page's main content, without the header (whose language
// links name the page's own address).
func mainOf(body string) string {
	_, after, _ := strings.Cut(body, "<main")
	main, _, _ := strings.Cut(after, "</main>")
	return main
}

// TestSearchFindsNamesAcrossScripts: the one search box on the records
// page finds a name written in another script or language, and never
// another party's unshared record.
func TestSearchFindsNamesAcrossScripts(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn, 0)
		ctx := context.Background()
		ua, ru := access.Operator("test", w.orgs["ua"]), access.Operator("test", w.orgs["ru"])
		for _, r := range []struct {
			op            access.Principal
			given, family string
		}{{ua, "Олександр", "Коваленко"}, {ua, "Марія", "Ковальська"}, {ua, "Oleksandr", "Shevchenko"}, {ru, "Александр", "Коваленко"}} {
			if _, err := w.app.CreateRecord(ctx, r.op, domain.Record{Kind: domain.KindRequest, Person: domain.Person{Names: []domain.Name{{Given: r.given, Family: r.family}}}}); err != nil {
				t.Fatal(err)
			}
		}
		c := w.client()
		c.mustSignIn("officer@ua.test")
		for _, tc := range []struct {
			q          string
			want, miss []string
		}{
			{"Oleksandr", []string{"Олександр", "Oleksandr"}, []string{"Марія", "Александр"}},
			{"Александр Коваленко", []string{"Олександр"}, []string{"Shevchenko", "Марія"}},
			{"Саша", []string{"Олександр", "Oleksandr"}, []string{"Марія"}},
			{"Kovalska", []string{"Ковальська"}, []string{"Олександр"}},
			{"Петренко", nil, []string{"Олександр", "Марія", "Oleksandr"}},
		} {
			_, body := c.get("/records/request?q=" + url.QueryEscape(tc.q))
			_, table, _ := strings.Cut(body, `<table id="records">`) // the search box echoes the query
			for _, n := range tc.want {
				if !strings.Contains(table, n) {
					t.Errorf("%q does not find %s", tc.q, n)
				}
			}
			for _, n := range tc.miss {
				if strings.Contains(table, n) {
					t.Errorf("%q finds %s", tc.q, n)
				}
			}
		}
	})
}

// TestStatisticsArePublic: the statistics page opens without sign-in, in
// each language, and the sign-in page links to it.
func TestStatisticsArePublic(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	for _, lang := range i18n.Langs {
		c := w.client()
		c.get("/lang/" + string(lang))
		code, body := c.get("/statistics")
		if code != http.StatusOK || strings.Contains(body, i18n.MissingMark) || !strings.Contains(body, `<html lang="`+string(lang)+`">`) {
			t.Errorf("%s: %d, untranslated or wrong language: %.300s", lang, code, body)
		}
		if !strings.Contains(body, "<table>") {
			t.Errorf("%s: no table", lang)
		}
		if _, signin := c.get("/signin"); !strings.Contains(signin, `href="/statistics"`) {
			t.Errorf("%s: the sign-in page does not link to the statistics", lang)
		}
	}
}

// TestEraseRecordFromItsPage erases a record's personal data from its
// page: the form refuses without a legal basis and without the tick, and
// then erases nothing; another party's post is refused as if the record
// did not exist; an erasure leaves a page that says so and shows nothing
// of the person.
func TestEraseRecordFromItsPage(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	ctx := context.Background()
	uaOp := access.Operator("test", w.orgs["ua"])
	child, err := w.app.CreateRecord(ctx, uaOp, domain.Record{Kind: domain.KindChild, Person: domain.Person{Names: []domain.Name{{Given: "Тарас", Family: "Шевчук"}}},
		Sensitive: domain.Sensitive{CurrentLocation: "таємна адреса"}})
	if err != nil {
		t.Fatal(err)
	}
	page := "/records/child/" + child.ID
	ua := w.client()
	ua.mustSignIn("officer@ua.test")
	if code, body := ua.get(page); code != http.StatusOK || !strings.Contains(body, `id="erase"`) {
		t.Fatalf("the owner's caseworker sees no erasure form: %d", code)
	}

	ru := w.client()
	ru.mustSignIn("officer@ru.test")
	_, missing := ru.get("/records/child/01939d6e-0000-7000-8000-000000000000")
	if code, body := ru.post(page+"/erase", url.Values{"legal_basis": {"court order 1"}, "confirm": {"yes"}}); code != http.StatusNotFound || mainOf(body) != mainOf(missing) {
		t.Errorf("another party's erasure: %d, want the page of a missing record", code)
	}

	for _, tc := range []struct {
		name string
		form url.Values
		msg  string
	}{
		{"no legal basis", url.Values{"confirm": {"yes"}}, "Give the legal basis"},
		{"not confirmed", url.Values{"legal_basis": {"court order 1"}}, "Tick the box"},
		{"basis too long", url.Values{"legal_basis": {strings.Repeat("a", 501)}, "confirm": {"yes"}}, "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ua.get(page)
			code, body := ua.post(page+"/erase", tc.form)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.msg) {
				t.Fatalf("status %d, want 422 with %q", code, tc.msg)
			}
			if !strings.Contains(body, "Шевчук") {
				t.Fatalf("a refused erasure does not show the record again")
			}
		})
	}
	if got, err := w.app.Record(ctx, uaOp, domain.KindChild, child.ID); err != nil || got.Person.Names[0].Family != "Шевчук" {
		t.Fatalf("a refused erasure changed the record: %v %v", got.Person.Names, err)
	}

	ua.get(page)
	code, body := ua.post(page+"/erase", url.Values{"legal_basis": {"court order 1"}, "confirm": {"yes"}})
	if code != http.StatusOK || !strings.Contains(body, "personal data was erased") {
		t.Fatalf("erasure: %d, want the list with its notice\n%.600s", code, body)
	}
	got, err := w.app.Record(ctx, uaOp, domain.KindChild, child.ID)
	if err != nil || len(got.Person.Names) != 0 || got.Sensitive.CurrentLocation != "" || got.Deleted == nil {
		t.Fatalf("after the erasure the record reads: %+v %v", got.Person, err)
	}
	code, body = ua.get(page)
	if code != http.StatusGone || !strings.Contains(body, "erased on a lawful request") {
		t.Fatalf("the erased record's page: %d, want 410 saying so", code)
	}
	for _, s := range []string{"Тарас", "Шевчук", "таємна"} {
		if strings.Contains(body, s) {
			t.Errorf("the erased record's page shows %q", s)
		}
	}
	// Erasing again says it was erased already, and changes nothing.
	ua.get("/records/child")
	if code, body = ua.post(page+"/erase", url.Values{"legal_basis": {"court order 2"}, "confirm": {"yes"}}); code != http.StatusGone || !strings.Contains(body, "erased on a lawful request") {
		t.Fatalf("a second erasure: %d, want 410 saying it was erased", code)
	}
}
