package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/synth"
	"github.com/reunite-ftr/reunite/internal/web"
)

// httpBench configures `reunite bench http`.
type httpBench struct {
	target      string // --url; "" starts serve in-process
	orgs        int
	usersPerOrg int
	records     int
	duration    time.Duration
	maxRequests int
	seed        uint64
	cpuProfile  string
	rates       rateFlags
}

// The workload: what share of requests does what (per cent).
var httpMix = []struct {
	name  string
	share int
}{
	{"list records", 30},
	{"read record", 25},
	{"review queue", 10},
	{"list cases", 15},
	{"create record", 12},
	{"update record", 8},
}

func benchHTTPCmd(e *env) *cobra.Command {
	var b httpBench
	cmd := &cobra.Command{
		Use:   "http",
		Short: "Load the JSON API over loopback with a mixed workload and print requests/s and latency",
		Long: `Start serve in-process on a loopback port (or load the server at --url, which
must be on a loopback address and use the same --db), seed --orgs organisations
with --records synthetic child records and --users API users each, then run a
mixed workload for --duration: 80% reads (record lists, record reads, the review
queue, case lists) and 20% writes (record creations and updates), one
connection per user, all users at once. Each organisation's users connect from
their own loopback address (127.0.0.10, 127.0.0.11, ...), as offices would, so
that the per-address rate limit applies as in use. Prints requests/s, the
50th/95th/99th percentile latency, and the errors (any answer but 2xx).
The in-process server runs with serve's rate limits (the --rate-* flags): a
user refused with 429 waits as its Retry-After says, as a client should, and
the refusals are counted apart ("rate-limited"), not as requests served. With
serve's default of 100 requests/s a user, --users caps the run at
orgs × users × 100 requests/s. The process's garbage collector is set as
serve sets it (GOGC 400 and a memory limit, unless GOGC and GOMEMLIMIT say
otherwise).`,
		Example: "  reunite bench http --duration 20s\n  reunite bench http --db postgres://postgres@127.0.0.1/reunite_bench",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tmp, err := os.MkdirTemp("", "reunite-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			if !cmd.Flags().Changed("db") && os.Getenv("REUNITE_DB") == "" {
				e.db = filepath.Join(tmp, "bench.db")
			}
			return e.benchHTTP(cmd, tmp, b)
		},
	}
	f := cmd.Flags()
	f.StringVar(&b.target, "url", "", "load this server (http://127.0.0.1:PORT, loopback only) instead of starting one; it must use --db")
	f.IntVar(&b.orgs, "orgs", 4, "organisations")
	f.IntVar(&b.usersPerOrg, "users", 6, "API users (concurrent clients) per organisation")
	f.IntVar(&b.records, "records", 2000, "synthetic child records (and as many tracing requests) per organisation")
	f.DurationVar(&b.duration, "duration", 15*time.Second, "how long to load the server")
	f.IntVar(&b.maxRequests, "max-requests", 2_000_000, "stop after this many requests")
	f.Uint64Var(&b.seed, "seed", 1, "random seed")
	f.StringVar(&b.cpuProfile, "cpuprofile", "", "write a CPU profile of the run (client and in-process server) to this file")
	b.rates.register(f)
	return cmd
}

// loopbackURL checks that raw is an http URL on a loopback address.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want http://127.0.0.1:PORT", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return u, nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("--url %q: the benchmark loads loopback addresses only, never another machine", raw)
	}
	return u, nil
}

type benchUser struct {
	org    int
	token  string
	orgID  string
	client *http.Client
}

type benchSample struct {
	kind int
	d    time.Duration
	ok   bool
}

func (e *env) benchHTTP(cmd *cobra.Command, tmp string, b httpBench) error {
	ctx := cmd.Context()
	if b.orgs < 1 || b.usersPerOrg < 1 || b.records < 1 || b.duration <= 0 {
		return errors.New("--orgs, --users, --records and --duration must be positive")
	}
	var target *url.URL
	if b.target != "" {
		var err error
		if target, err = loopbackURL(b.target); err != nil {
			return err
		}
	}
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.Store().Close()

	// Seed: organisations, users with tokens, records.
	if _, err := writeSynth(cmd, tmp, synth.Config{N: b.records, Seed: b.seed}); err != nil {
		return err
	}
	suffix := make([]byte, 3)
	rand.Read(suffix)
	root := access.Operator(operatorLabel(), domain.Organisation{})
	var users []*benchUser
	ids := make([][]string, b.orgs)
	seedStart := time.Now()
	for i := range b.orgs {
		slug := fmt.Sprintf("bench-http-%d-%s", i, hex.EncodeToString(suffix))
		org, err := a.CreateOrg(ctx, root, domain.Organisation{Slug: slug, Name: "Benchmark (HTTP) " + strconv.Itoa(i), Kind: domain.OrgGovernment})
		if err != nil {
			return err
		}
		op := access.Operator(operatorLabel(), org)
		// Both sides, so that the matching engine trains and every
		// write goes through it, and the review queue has candidates.
		for _, load := range []struct {
			file string
			kind domain.Kind
		}{{SynthChildren, domain.KindChild}, {SynthRequests, domain.KindRequest}} {
			f, err := os.Open(filepath.Join(tmp, load.file))
			if err != nil {
				return err
			}
			_, err = a.Import(ctx, op, load.kind, f, app.ImportOptions{})
			f.Close()
			if err != nil {
				return err
			}
		}
		recs, _, err := a.ListRecords(ctx, op, store.RecordFilter{Kind: domain.KindChild, Limit: 2000})
		if err != nil {
			return err
		}
		for _, r := range recs {
			ids[i] = append(ids[i], r.ID)
		}
		local := net.IPv4(127, 0, 0, byte(10+i))
		for j := range b.usersPerOrg {
			email := fmt.Sprintf("user%d@%s.bench", j, slug)
			if _, err := a.CreateUser(ctx, op, domain.User{Email: email, Roles: []domain.Role{domain.RoleCaseworker, domain.RoleReviewer}}, ""); err != nil {
				return err
			}
			tok, err := a.CreateToken(ctx, email, "bench http", nil, 24*time.Hour)
			if err != nil {
				return err
			}
			users = append(users, &benchUser{org: i, token: tok, orgID: org.ID, client: benchClient(local, target)})
		}
	}
	fmt.Fprintf(e.out, "http: seeded %d organisations × %d children and as many tracing requests, and %d users in %.1fs\n", b.orgs, b.records, len(users), time.Since(seedStart).Seconds())

	base := ""
	if target != nil {
		base = target.String()
	} else {
		srvCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		defer stop()
		ready := make(chan string, 1)
		errc := make(chan error, 1)
		if err := a.StartMatching(srvCtx); err != nil {
			return err
		}
		tuneGC(e.log) // as serve runs
		go func() {
			errc <- serve(srvCtx, e.log, a, "127.0.0.1:0", web.Options{Limits: b.rates.limits()}, func(u string) { ready <- u })
		}()
		select {
		case base = <-ready:
		case err := <-errc:
			return err
		}
		defer func() { stop(); <-errc }()
	}

	if b.cpuProfile != "" {
		f, err := os.Create(b.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	// Load.
	auditBefore := a.Store().AuditBatchStats()
	var sent atomic.Int64
	deadline := time.Now().Add(b.duration)
	samples := make([][]benchSample, len(users))
	var firstErr atomic.Value
	var limited atomic.Int64 // answers 429 Too Many Requests
	var wg sync.WaitGroup
	start := time.Now()
	for w, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(b.seed, uint64(w)))
			var mine []struct {
				id      string
				version int
			}
			out := make([]benchSample, 0, 4096)
			for time.Now().Before(deadline) && sent.Add(1) <= int64(b.maxRequests) {
				pick := rng.IntN(100)
				kind := 0
				for acc := 0; kind < len(httpMix); kind++ {
					if acc += httpMix[kind].share; pick < acc {
						break
					}
				}
				if kind == 5 && len(mine) == 0 {
					kind = 4
				}
				var method, path string
				var body []byte
				header := http.Header{}
				switch kind {
				case 0:
					method, path = "GET", "/api/v1/children?limit=50"
					if rng.IntN(2) == 0 {
						path += "&family_name=" + url.QueryEscape(benchFamily[rng.IntN(len(benchFamily))])
					}
				case 1:
					method, path = "GET", "/api/v1/children/"+ids[u.org][rng.IntN(len(ids[u.org]))]
				case 2:
					method, path = "GET", "/api/v1/review-queue"
				case 3:
					method, path = "GET", "/api/v1/cases"
				case 4:
					method, path = "POST", "/api/v1/children"
					body = benchChild(rng, "")
				case 5:
					k := rng.IntN(len(mine))
					method, path = "PUT", "/api/v1/children/"+mine[k].id
					body = benchChild(rng, "updated")
					header.Set("If-Match", strconv.Quote(strconv.Itoa(mine[k].version)))
				}
				t0 := time.Now()
				status, resp, retryAfter, err := u.do(base, method, path, body, header)
				d := time.Since(t0)
				if err == nil && status == http.StatusTooManyRequests {
					// Over its rate limit: a client does as it is told
					// and waits; the wait and the refusal are not a
					// request served, and are counted apart.
					limited.Add(1)
					time.Sleep(min(retryAfter, time.Until(deadline)))
					continue
				}
				ok := err == nil && status >= 200 && status < 300
				if !ok && firstErr.Load() == nil {
					firstErr.Store(fmt.Sprintf("%s %s: %d %v %.200s", method, path, status, err, resp))
				}
				if ok && (kind == 4 || kind == 5) {
					var r struct {
						ID      string `json:"id"`
						Version int    `json:"version"`
					}
					json.Unmarshal(resp, &r)
					if kind == 4 && len(mine) < 200 {
						mine = append(mine, struct {
							id      string
							version int
						}{r.ID, r.Version})
					} else if kind == 5 {
						for k := range mine {
							if mine[k].id == r.ID {
								mine[k].version = r.Version
							}
						}
					}
				}
				out = append(out, benchSample{kind: kind, d: d, ok: ok})
			}
			samples[w] = out
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	perKind := make([][]time.Duration, len(httpMix))
	errs := 0
	for _, s := range samples {
		for _, x := range s {
			all = append(all, x.d)
			perKind[x.kind] = append(perKind[x.kind], x.d)
			if !x.ok {
				errs++
			}
		}
	}
	if len(all) == 0 {
		return errors.New("no request was sent")
	}
	slices.Sort(all)
	pct := func(ds []time.Duration, p float64) float64 {
		if len(ds) == 0 {
			return 0
		}
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return ms(ds[max(0, min(i, len(ds)-1))])
	}
	fmt.Fprintf(e.out, "http: %s, %d users from %d organisations for %.1fs (GOMAXPROCS=%d)\n", a.Store().Dialect(), len(users), b.orgs, elapsed.Seconds(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(e.out, "  requests %d   %.0f req/s   p50 %.1f ms   p95 %.1f ms   p99 %.1f ms   errors %d   rate-limited %d\n",
		len(all), float64(len(all))/elapsed.Seconds(), pct(all, .50), pct(all, .95), pct(all, .99), errs, limited.Load())
	for k, m := range httpMix {
		ds := perKind[k]
		slices.Sort(ds)
		fmt.Fprintf(e.out, "  %-14s %7d   p50 %6.1f ms   p95 %6.1f ms   p99 %6.1f ms\n", m.name, len(ds), pct(ds, .50), pct(ds, .95), pct(ds, .99))
	}
	if target == nil {
		ab := a.Store().AuditBatchStats()
		n := max(1, ab.Batches-auditBefore.Batches)
		fmt.Fprintf(e.out, "  audit of reads: %d batches, %.1f requests and %.0f rows a batch, %.2f ms writing a batch; %d requests carried by writes\n",
			ab.Batches-auditBefore.Batches, float64(ab.Readers-auditBefore.Readers)/float64(n),
			float64(ab.Entries-auditBefore.Entries)/float64(n), ms(ab.Writing-auditBefore.Writing)/float64(n), ab.Carried-auditBefore.Carried)
		if mark, head, err := a.Store().AuditRefsMark(ctx); err == nil {
			// The rows past the mark are what a query by record reads
			// from the trail itself (internal/store/audit_refs.go).
			fmt.Fprintf(e.out, "  audit index by record: at seq %d of %d (%d rows to go)\n", mark, head, head-mark)
		}
	}
	if errs > 0 {
		return fmt.Errorf("%d requests failed; the first: %v", errs, firstErr.Load())
	}
	return nil
}

// benchClient is an HTTP client whose connections come from local (an
// address of 127.0.0.0/8) when the server is on IPv4 loopback.
func benchClient(local net.IP, target *url.URL) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if target == nil || net.ParseIP(target.Hostname()).To4() != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4, DisableCompression: true},
	}
}

// do sends one request and returns the answer's status and body and, for a
// 429, how long its Retry-After asks to wait (1 s if it does not say).
func (u *benchUser) do(base, method, path string, body []byte, header http.Header) (int, []byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header = header
	req.Header.Set("Authorization", "Bearer "+u.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := u.client.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	wait := time.Duration(0)
	if res.StatusCode == http.StatusTooManyRequests {
		wait = time.Second
		if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && n >= 0 {
			wait = time.Duration(n) * time.Second
		}
	}
	return res.StatusCode, data, wait, err
}

var benchGiven = []string{"Олександр", "Марія", "Іван", "Анна", "Дмитро", "Софія", "Максим", "Вікторія"}
var benchFamily = []string{"Коваленко", "Бондаренко", "Шевченко", "Ткаченко", "Кравченко", "Мельник", "Поліщук", "Лисенко"}

func benchChild(rng *mrand.Rand, note string) []byte {
	b, _ := json.Marshal(map[string]any{
		"person": map[string]any{
			"names":      []map[string]any{{"given": benchGiven[rng.IntN(len(benchGiven))], "family": benchFamily[rng.IntN(len(benchFamily))]}},
			"sex":        []string{"male", "female"}[rng.IntN(2)],
			"birth_date": fmt.Sprintf("%d-%02d-%02d", 2008+rng.IntN(12), 1+rng.IntN(12), 1+rng.IntN(28)),
			"separation": map[string]any{"date": "2022-09", "category": "displaced_by_frontline_fighting"},
			"notes":      note,
		},
		"sensitive": map[string]any{"current_location": "Placement centre " + strconv.Itoa(rng.IntN(40))},
	})
	return b
}
