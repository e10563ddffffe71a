package cli

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

var benchHTTPLine = regexp.MustCompile(`requests (\d+) .* errors (\d+)   rate-limited (\d+)`)

// benchHTTPCounts runs bench http and returns the requests served, the
// errors and the 429s it printed.
func benchHTTPCounts(t *testing.T, args ...string) (requests, errs, limited int, out string) {
	t.Helper()
	out = mustRun(t, append([]string{"bench", "http", "--duration", "2s", "--orgs", "2", "--records", "100", "--users", "2"}, args...)...)
	m := benchHTTPLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no requests line in:\n%s", out)
	}
	requests, _ = strconv.Atoi(m[1])
	errs, _ = strconv.Atoi(m[2])
	limited, _ = strconv.Atoi(m[3])
	return requests, errs, limited, out
}

// TestBenchHTTP: the load benchmark serves its mix without an error on
// both databases, and reports where the audit index by record stands.
func TestBenchHTTP(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		n, errs, _, out := benchHTTPCounts(t, "--db", dsn, "--key-file", filepath.Join(t.TempDir(), "k"))
		if n == 0 || errs != 0 {
			t.Fatalf("%d requests, %d errors:\n%s", n, errs, out)
		}
		if !regexp.MustCompile(`audit index by record: at seq \d+ of \d+`).MatchString(out) {
			t.Fatalf("no audit index line:\n%s", out)
		}
	})
}

// TestBenchHTTPRateLimited: users over serve's rate limit are refused with
// 429, wait as Retry-After says, and are counted apart, not as errors or
// as requests served.
func TestBenchHTTPRateLimited(t *testing.T) {
	dir := t.TempDir()
	n, errs, limited, out := benchHTTPCounts(t, "--db", filepath.Join(dir, "b.db"), "--rate-user", "2")
	if limited == 0 || errs != 0 {
		t.Fatalf("%d rate-limited, %d errors:\n%s", limited, errs, out)
	}
	// 4 users at 2 requests/s (bursts of 4) for 2 s: a handful each.
	if n == 0 || n > 4*(4+2*3) {
		t.Fatalf("%d requests served past a limit of 2/s a user:\n%s", n, out)
	}
}
