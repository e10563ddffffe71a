package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/i18n"
	"github.com/reunite-ftr/reunite/internal/names"
	"github.com/reunite-ftr/reunite/internal/store"
)

// view is what every page template gets: the page's own data in Data, and
// what the layout needs.
type view struct {
	L     *i18n.Localizer
	Langs []i18n.Lang
	// Path is the page's own address, for the language switch.
	Path  string
	Title string
	CSRF  string
	User  *domain.User
	Org   *domain.Organisation
	// Nav is the key of the menu entry to mark current.
	Nav  string
	Menu []menuItem
	// Done is a catalogue key of what was just done (?done=...), shown once.
	Done string
	Data any
}

type menuItem struct{ Key, Href, Nav string }

// menu lists the pages the user's roles open: a link to a page one may not
// use is noise under pressure.
func menu(p access.Principal) []menuItem {
	var m []menuItem
	add := func(key, href, nav string) { m = append(m, menuItem{key, href, nav}) }
	add("nav.dashboard", "/", "dashboard")
	if p.Can(access.ReadRecords) {
		add("nav.requests", "/records/request", "request")
		add("nav.children", "/records/child", "child")
	}
	if p.Can(access.ReviewMatches) {
		add("nav.review", "/review", "review")
	}
	if p.Can(access.ReadRecords) || p.Can(access.ReviewMatches) {
		add("nav.cases", "/cases", "cases")
		add("nav.meetings", "/meetings", "meetings")
	}
	if p.Can(access.ImportExport) {
		add("nav.import", "/import", "import")
	}
	if p.Can(access.ManageUsers) {
		add("nav.admin", "/admin", "admin")
	}
	add("nav.ledger", "/ledger", "ledger")
	return m
}

var funcs = template.FuncMap{
	"name":      writtenName,
	"translit":  transliteration,
	"pct":       func(x float64) string { return fmt.Sprintf("%.1f%%", x*100) },
	"bits":      func(x float64) string { return fmt.Sprintf("%+.1f", x) },
	"absbits":   func(x float64) float64 { return math.Abs(x) },
	"contains":  func(s, sub string) bool { return strings.Contains(s, sub) },
	"add":       func(a, b int) int { return a + b },
	"fuzzy":     func(d domain.FuzzyDate) string { return d.String() },
	"shortid":   func(id string) string { return shortID(id) },
	"date":      func(l *i18n.Localizer, t time.Time) string { return l.Date(t) },
	"datetime":  func(l *i18n.Localizer, t time.Time) string { return l.DateTime(t) },
	"num":       func(l *i18n.Localizer, n any) string { return l.Number(n) },
	"dict":      dict,
	"list":      func(xs ...string) []string { return xs },
	"lower":     strings.ToLower,
	"levelkey":  func(field string, i int) string { return fmt.Sprintf("match.level.%s.%d", field, i) },
	"fieldkey":  func(field string) string { return "match.field." + field },
	"statekey":  func(s string) string { return "state." + s },
	"kindkey":   func(k domain.Kind) string { return "kind." + string(k) },
	"agreement": agreementClass,
	"barw":      barWidth,
	"problem":   problemKey,
	"commitkey": commitStatus,
	"day":       localDay,
	"days":      localDays,
	"catkey":    func(c string) string { return "category." + c },
}

func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[len(id)-8:]
	}
	return id
}

// writtenName is a name exactly as the record has it.
func writtenName(n domain.Name) string { return n.Full() }

// transliteration renders a name in the other script, so that a reader of
// one alphabet can read and say a name written in the other: Cyrillic by
// the national system of its language, Latin into its likeliest Cyrillic
// form. It is "" when it would only repeat the name.
func transliteration(n domain.Name) string {
	full := n.Full()
	if full == "" {
		return ""
	}
	var out string
	switch n.Script {
	case domain.ScriptRussian:
		out = names.Transliterate(full, names.RussianICAO2013)
	case domain.ScriptUkrainian, domain.ScriptCyrillic:
		out = names.Transliterate(full, names.UkrainianNational2010)
	default:
		if c := names.ToCyrillic(full); len(c) > 0 {
			out = c[0]
		}
	}
	if out == full {
		return ""
	}
	return out
}

// agreementClass colours an explanation line: evidence for, against or
// neither.
func agreementClass(weight float64, missing bool) string {
	switch {
	case missing || math.Abs(weight) < 0.05:
		return "neutral"
	case weight > 0:
		return "for"
	default:
		return "against"
	}
}

func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages, nil
}

// render writes a page. The page is executed into a buffer first, so that
// a template error is a clean error page, never half a page.
func (s *Server) render(rq *request, status int, page, titleKey, csrf string, data any) {
	t, ok := s.pages[page]
	if !ok {
		s.log.Error("no such page template", "page", page)
		http.Error(rq.w, "internal error", http.StatusInternalServerError)
		return
	}
	v := view{L: rq.loc, Langs: i18n.Langs, Path: rq.r.URL.RequestURI(), Title: rq.loc.T(titleKey), CSRF: csrf, Data: data, Nav: page}
	if rq.ws != nil && !rq.ws.Session.MFAPending {
		v.User, v.Org, v.Menu = &rq.ws.User, &rq.ws.Org, menu(rq.ws.Principal)
		if v.CSRF == "" {
			v.CSRF = rq.ws.Session.CSRF
		}
	}
	if done := rq.r.URL.Query().Get("done"); done != "" && s.i18n.Has("done."+done) {
		v.Done = "done." + done
	}
	if n, ok := data.(interface{ nav() string }); ok {
		v.Nav = n.nav()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(rq.w, "internal error", http.StatusInternalServerError)
		return
	}
	rq.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	rq.w.WriteHeader(status)
	rq.w.Write(buf.Bytes())
}

type errorData struct {
	Status  int
	Message string
}

func (s *Server) errorPage(rq *request, status int, key string) {
	s.render(rq, status, "error", "error.title", "", errorData{Status: status, Message: key})
}

// fail shows the page for an error from a use case.
func (s *Server) fail(rq *request, err error) {
	var ve *domain.ValidationError
	switch {
	case errors.Is(err, errNotFound), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDeleted):
		s.errorPage(rq, http.StatusNotFound, "error.notfound")
	case errors.Is(err, store.ErrErased):
		s.errorPage(rq, http.StatusGone, "error.erased")
	case errors.Is(err, app.ErrForbidden):
		s.errorPage(rq, http.StatusForbidden, "error.forbidden")
	case errors.Is(err, store.ErrConflict):
		s.errorPage(rq, http.StatusConflict, "error.conflict")
	case errors.As(err, &ve):
		s.errorPage(rq, http.StatusUnprocessableEntity, "error.invalid")
	default:
		s.log.Error("page failed", "method", rq.r.Method, "path", rq.r.URL.Path, "err", err)
		s.errorPage(rq, http.StatusInternalServerError, "error.internal")
	}
}

func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets change only with the binary; a day's caching spares slow
		// links, and a new binary's pages name the same files, so keep it
		// modest rather than immutable.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
