package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run runs reunite with args in-process and returns its standard output.
func run(ctx context.Context, args ...string) (string, error) {
	var out, errOut syncBuffer
	return runWith(ctx, &out, &errOut, args...)
}

func runWith(ctx context.Context, out, errOut *syncBuffer, args ...string) (string, error) {
	root := NewRoot(out, errOut)
	root.SetArgs(append(args, "--log-level", "warn"))
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(context.Background(), args...)
	if err != nil {
		t.Fatalf("reunite %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestImportExportCommands(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		db := []string{"--db", dsn}
		mustRun(t, append([]string{"org", "add", "--slug", "ua-nib", "--name", "NIB", "--kind", "government", "--country", "ua"}, db...)...)
		if out := mustRun(t, append([]string{"org", "list"}, db...)...); !strings.Contains(out, "ua-nib") || !strings.Contains(out, "UA") {
			t.Fatalf("org list: %s", out)
		}
		mustRun(t, append([]string{"user", "add", "--org", "ua-nib", "--email", "cw@example.org", "--roles", "caseworker"}, db...)...)
		tok := strings.TrimSpace(mustRun(t, append([]string{"token", "create", "--user", "cw@example.org"}, db...)...))
		if !strings.HasPrefix(tok, "rnt_") {
			t.Fatalf("token create printed %q", tok)
		}

		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("id;given_name;family_name;birth_date\nA-1;Іван;Бойко;2012\nA-2;Марія;Бойко;2012-02-30\nA-3;;;2013\n"), 0o600)
		_, err := run(context.Background(), append([]string{"import", "--kind", "request", "--org", "ua-nib", bad}, db...)...)
		if err == nil || !strings.Contains(err.Error(), "line 3 (id A-2): birth_date") || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "nothing was stored") {
			t.Fatalf("import of a file with bad rows: %v", err)
		}
		if out := mustRun(t, append([]string{"export", "--kind", "request", "--org", "ua-nib"}, db...)...); strings.Count(out, "\n") != 1 {
			t.Fatalf("records stored by a refused import:\n%s", out)
		}

		good := filepath.Join(dir, "good.csv")
		os.WriteFile(good, []byte("\uFEFFПрізвище,given_name,birth_date\nБойко,Іван,2012\nШевченко,Марія,~2010\n"), 0o600)
		out := mustRun(t, append([]string{"import", "--kind", "request", "--org", "ua-nib", "--map", "Прізвище=family_name", good}, db...)...)
		if !strings.Contains(out, "imported 2 request records") {
			t.Fatalf("import: %s", out)
		}
		exported := filepath.Join(dir, "out.csv")
		mustRun(t, append([]string{"export", "--kind", "request", "--org", "ua-nib", "--out", exported}, db...)...)
		data, _ := os.ReadFile(exported)
		if !strings.Contains(string(data), "Шевченко") || !strings.Contains(string(data), "~2010") || strings.Count(string(data), "\n") != 3 {
			t.Fatalf("export:\n%s", data)
		}
		out = mustRun(t, append([]string{"migrate"}, db...)...)
		if m := regexp.MustCompile(`version (\d+) \(latest (\d+)\)`).FindStringSubmatch(out); m == nil || m[1] != m[2] || m[1] == "0" {
			t.Fatalf("migrate: %s", out)
		}
	})
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	db := storetest.SQLiteDSN(t)
	t.Setenv("REUNITE_DB", db)
	mustRun(t, "org", "add", "--slug", "env-org", "--name", "Env", "--kind", "mediator")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("REUNITE_DB not used: %v", err)
	}
	// A flag given on the command line beats the environment.
	other := storetest.SQLiteDSN(t)
	if out := mustRun(t, "org", "list", "--db", other); strings.Contains(out, "env-org") {
		t.Fatal("--db did not override REUNITE_DB")
	}
	// A bad variable is named in the error. (run passes --log-level, which
	// would win over the variable, so call the command directly.)
	t.Setenv("REUNITE_LOG_LEVEL", "loud")
	root := NewRoot(&syncBuffer{}, &syncBuffer{})
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "REUNITE_LOG_LEVEL") {
		t.Fatalf("bad REUNITE_LOG_LEVEL: %v", err)
	}
}

func TestBenchImport(t *testing.T) {
	out := mustRun(t, "bench", "import", "--n", "300")
	if !regexp.MustCompile(`import: 300 rows into sqlite in [0-9.]+s = [0-9]+ rows/s`).MatchString(out) {
		t.Fatalf("bench import printed %q", out)
	}
}

func TestDemoServesSyntheticData(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := runWith(ctx, &out, &errOut, "demo", "--db", db, "--addr", "127.0.0.1:0", "--n", "200")
		done <- err
	}()
	urlRe := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)`)
	tokRe := regexp.MustCompile(`token (\S+@ua-demo\S+)\s+(rnt_\S+)`)
	var url, tok string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s := out.String()
		if m := urlRe.FindStringSubmatch(s); m != nil {
			if tm := tokRe.FindStringSubmatch(s); tm != nil && strings.HasPrefix(tm[1], "caseworker") {
				url, tok = m[1], tm[2]
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("demo stopped: %v\n%s\n%s", err, out.String(), errOut.String())
		default:
		}
	}
	if url == "" {
		t.Fatalf("demo did not print a URL and token:\n%s\n%s", out.String(), errOut.String())
	}
	req, _ := http.NewRequest("GET", url+"/api/v1/tracing-requests?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []struct {
			OrgID  string `json:"organisation_id"`
			Kind   string
			Person struct{ Names []struct{ Given string } }
		}
		NextCursor string `json:"next_cursor"`
	}
	json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if res.StatusCode != 200 || len(page.Items) != 200 || page.Items[0].Kind != "request" || page.Items[0].Person.Names[0].Given == "" {
		t.Fatalf("demo tracing requests: %d, %d items", res.StatusCode, len(page.Items))
	}
	// The other side handed its children over in a list: the Ukrainian
	// side's caseworker sees them as the default policy shares them,
	// without where each child is now.
	req, _ = http.NewRequest("GET", url+"/api/v1/children", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var kids struct {
		Items []struct {
			OrgID     string          `json:"organisation_id"`
			Sensitive json.RawMessage `json:"sensitive"`
			Person    struct{ Names []struct{ Given string } }
		}
	}
	json.NewDecoder(res.Body).Decode(&kids)
	res.Body.Close()
	if len(kids.Items) == 0 || kids.Items[0].OrgID == page.Items[0].OrgID || len(kids.Items[0].Person.Names) == 0 {
		t.Fatalf("UA caseworker does not see the children handed over: %+v", kids.Items)
	}
	for _, k := range kids.Items {
		if len(k.Sensitive) != 0 {
			t.Fatalf("sensitive fields of the other party's child shared in a list: %s", k.Sensitive)
		}
	}
	// The demo's DNA profiles are simulated, with a table that says it is
	// made up; a search with the printed command finds the child's family.
	searchRe := regexp.MustCompile(`reunite kinship search --db \S+ --org ru-demo --sample (\S+) --table (\S+)`)
	var sm []string
	for deadline := time.Now().Add(10 * time.Second); sm == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		sm = searchRe.FindStringSubmatch(out.String())
	}
	if sm == nil || !strings.Contains(out.String(), "SIMULATED (made up, not a real population)") {
		t.Fatalf("demo does not print the DNA search, or does not say its table is simulated:\n%s", out.String())
	}
	found, err := run(ctx, "kinship", "search", "--db", db, "--org", "ru-demo", "--sample", sm[1], "--table", sm[2], "--top", "1")
	if err != nil || !strings.Contains(found, "trio") || !strings.Contains(found, "DEMO-M-1") {
		t.Fatalf("demo kinship search: %v\n%s", err, found)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo shutdown: %v", err)
	}
	// Running the demo again replaces its own database…
	ctx2, cancel2 := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel2()
	if err := removeDemoDB(ctx2, &env{db: db}, db); err != nil {
		t.Fatalf("demo database not recognised as one: %v", err)
	}
	// …but never a database that is not a demo's.
	real := storetest.SQLiteDSN(t)
	mustRun(t, "org", "add", "--db", real, "--slug", "ua-nib", "--name", "NIB", "--kind", "government")
	if _, err := run(context.Background(), "demo", "--db", real, "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "not a demo database") {
		t.Fatalf("demo on a real database: %v", err)
	}
	if _, err := os.Stat(real); err != nil {
		t.Fatal("demo removed a real database")
	}
}
