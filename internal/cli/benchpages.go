package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/synth"
	"github.com/reunite-ftr/reunite/internal/web"
)

const (
	benchPagesOrg      = "bench-pages"
	benchPagesSmallOrg = "bench-small"
)

// benchPagesCmd measures the server time of the records pages with many
// records stored: the bar is a page of 50 in under 100 ms with
// 1,000,000 records.
func benchPagesCmd(e *env) *cobra.Command {
	var n, rounds int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "pages",
		Short: "Time the web pages' server side with N records stored",
		Long: `Store N synthetic tracing requests (once: a --db that already holds them from an
earlier run is reused), sign in as a case worker, and time the server side of
the records list (first page, a page deep in the list, name searches) and the
dashboard, by calling the handler directly: the figures exclude the network
and the browser. Prints the median and 95th percentile per page.`,
		Example: "  reunite bench pages --n 1000000 --db ./data/bench-pages.db",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			tmp, err := os.MkdirTemp("", "reunite-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			if !cmd.Flags().Changed("db") && os.Getenv("REUNITE_DB") == "" {
				e.db = filepath.Join(tmp, "bench.db")
			}
			a, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer a.Store().Close()
			org, stored, err := benchPagesData(cmd, a, tmp, n, seed)
			if err != nil {
				return err
			}
			h, err := web.New(a, e.log, web.Options{})
			if err != nil {
				return err
			}
			cookie, err := benchSignIn(h, "officer@"+org.Slug+".bench")
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "pages: %d records stored (%s), %d rounds each, server time per page:\n", stored, a.Store().Dialect(), rounds)
			first, err := benchGet(h, cookie, "/records/request")
			if err != nil {
				return err
			}
			after := ""
			if m := regexp.MustCompile(`after=([0-9a-f-]{36})`).FindStringSubmatch(first); m != nil {
				after = m[1]
			}
			deep := "/records/request?after=" + benchMiddleID(ctx, a, org)
			pages := []struct{ name, path string }{
				{"records, first page of 50", "/records/request"},
				{"records, next page", "/records/request?after=" + after},
				{"records, a page in the middle", deep},
				{"search, common given name (Олександр)", "/records/request?q=" + url.QueryEscape("Oleksandr")},
				{"search, family name across scripts", "/records/request?q=" + url.QueryEscape("Kovalenko")},
				{"search, given + family", "/records/request?q=" + url.QueryEscape("Олександр Коваленко")},
				{"dashboard", "/"},
			}
			// A small party in the same large database: its pages must
			// not cost what the large party's records weigh.
			small, _, err := benchPagesOrgData(cmd, a, tmp, benchPagesSmallOrg, 1000, seed+7)
			if err != nil {
				return err
			}
			smallCookie, err := benchSignIn(h, "officer@"+small.Slug+".bench")
			if err != nil {
				return err
			}
			type page struct {
				name, path string
				cookie     *http.Cookie
			}
			var all []page
			for _, p := range pages {
				all = append(all, page{p.name, p.path, cookie})
			}
			all = append(all, page{"small party (1,000 records), first page", "/records/request", smallCookie},
				page{"small party, search (Oleksandr)", "/records/request?q=Oleksandr", smallCookie})
			for _, p := range all {
				times := make([]time.Duration, 0, rounds)
				for range rounds {
					start := time.Now()
					if _, err := benchGet(h, p.cookie, p.path); err != nil {
						return fmt.Errorf("%s: %w", p.name, err)
					}
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				fmt.Fprintf(e.out, "  %-40s median %7.1f ms   p95 %7.1f ms\n", p.name, ms(times[len(times)/2]), ms(times[len(times)*95/100]))
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "n", 100_000, "tracing requests to store")
	cmd.Flags().IntVar(&rounds, "rounds", 20, "requests per page")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed of the synthetic data")
	return cmd
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchPagesData makes (or finds, from an earlier run) the benchmark's
// organisation, its case worker, and n tracing requests.
func benchPagesData(cmd *cobra.Command, a *app.App, tmp string, n int, seed uint64) (domain.Organisation, int, error) {
	return benchPagesOrgData(cmd, a, tmp, benchPagesOrg, n, seed)
}

func benchPagesOrgData(cmd *cobra.Command, a *app.App, tmp, slug string, n int, seed uint64) (domain.Organisation, int, error) {
	ctx := cmd.Context()
	root := access.Operator(operatorLabel(), domain.Organisation{})
	org, err := a.Org(ctx, root, slug)
	if errors.Is(err, store.ErrNotFound) {
		if org, err = a.CreateOrg(ctx, root, domain.Organisation{Slug: slug, Name: "Benchmark (" + slug + ")", Kind: domain.OrgGovernment}); err != nil {
			return org, 0, err
		}
		u := domain.User{Email: "officer@" + slug + ".bench", Roles: []domain.Role{domain.RoleCaseworker, domain.RoleReviewer, domain.RoleAnalyst}}
		if _, err := a.CreateUser(ctx, access.Operator(operatorLabel(), org), u, DemoPassword); err != nil {
			return org, 0, err
		}
	} else if err != nil {
		return org, 0, err
	}
	op := access.Operator(operatorLabel(), org)
	var have int
	err = a.Store().InTx(ctx, func(tx *store.Tx) (err error) {
		have, err = tx.CountRecords(ctx, store.RecordFilter{OrgIDs: []string{org.ID}, Kind: domain.KindRequest})
		return err
	})
	if err != nil || have >= n {
		return org, have, err
	}
	if _, err := writeSynth(cmd, tmp, synth.Config{N: n - have, Seed: seed + uint64(have)}); err != nil {
		return org, 0, err
	}
	f, err := os.Open(filepath.Join(tmp, SynthRequests))
	if err != nil {
		return org, 0, err
	}
	defer f.Close()
	// The synthetic ids restart at 1 with each run; renumber them so that
	// a second run adds to the first.
	r := io.Reader(f)
	if have > 0 {
		r = &prefixIDs{r: f, prefix: fmt.Sprintf("R%d-", have)}
	}
	res, err := a.Import(ctx, op, domain.KindRequest, r, app.ImportOptions{})
	return org, have + res.Imported, err
}

// prefixIDs rewrites "A-" ids as prefix+"A-" while streaming.
type prefixIDs struct {
	r      io.Reader
	prefix string
	buf    []byte
}

func (p *prefixIDs) Read(b []byte) (int, error) {
	if len(p.buf) == 0 {
		chunk := make([]byte, 64<<10)
		n, err := p.r.Read(chunk)
		p.buf = []byte(strings.ReplaceAll(string(chunk[:n]), "\nA-", "\n"+p.prefix+"A-"))
		if n == 0 {
			return 0, err
		}
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// benchMiddleID is a record id about half way through the list, a cursor
// for a page deep in it.
func benchMiddleID(ctx context.Context, a *app.App, org domain.Organisation) string {
	var id string
	a.Store().InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.CountRecords(ctx, store.RecordFilter{OrgIDs: []string{org.ID}, Kind: domain.KindRequest})
		if err != nil || n == 0 {
			return err
		}
		// A cursor is an id, so the middle is found by paging there.
		f := store.RecordFilter{OrgIDs: []string{org.ID}, Kind: domain.KindRequest, Limit: 10_000}
		seen := 0
		for seen < n/2 {
			recs, err := tx.Records(ctx, f)
			if err != nil || len(recs) == 0 {
				return err
			}
			seen += len(recs)
			f.After = recs[len(recs)-1].ID
		}
		id = f.After
		return nil
	})
	return id
}

// benchSignIn signs in through the pages and returns the session cookie.
func benchSignIn(h http.Handler, email string) (*http.Cookie, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/signin", nil))
	var pre *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "reunite_pre" {
			pre = c
		}
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]*)"`).FindStringSubmatch(rec.Body.String())
	if pre == nil || m == nil {
		return nil, errors.New("sign-in page without a form token")
	}
	form := url.Values{"csrf": {m[1]}, "email": {email}, "password": {DemoPassword}}
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "reunite_session" && c.Value != "" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("sign-in failed: %d %.200s", rec.Code, rec.Body.String())
}

func benchGet(h http.Handler, cookie *http.Cookie, path string) (string, error) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("GET %s: %d", path, rec.Code)
	}
	return rec.Body.String(), nil
}
