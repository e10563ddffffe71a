package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/app/apptest"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
	"github.com/reunite-ftr/reunite/internal/synth"
)

// serveArgsEnv makes the test binary run `reunite <args>` (separated by
// \x1f) instead of the tests: the real serve command, in a process the
// test can SIGKILL.
const serveArgsEnv = "REUNITE_CRASH_SERVE_ARGS"

func init() {
	if args := os.Getenv(serveArgsEnv); args != "" {
		root := NewRoot(os.Stdout, os.Stderr)
		root.SetArgs(strings.Split(args, "\x1f"))
		if err := root.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "reunite:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// server is a `reunite serve` subprocess.
type server struct {
	cmd *exec.Cmd
	url string
}

var servingURL = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)

func startServe(t *testing.T, dsn, keyFile string) *server {
	t.Helper()
	args := []string{"serve", "--db", dsn, "--key-file", keyFile, "--addr", "127.0.0.1:0", "--log-level", "info", "--rate-user", "0", "--rate-ip", "0"}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveArgsEnv+"="+strings.Join(args, "\x1f"))
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	var log strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(errPipe)
		sent := false
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	s := &server{cmd: cmd}
	select {
	case u, ok := <-found:
		if !ok {
			cmd.Wait()
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("serve stopped before listening:\n%s", log.String())
		}
		s.url = u
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not listen in 60s")
	}
	t.Cleanup(func() { s.kill(t) })
	return s
}

// kill ends the server with SIGKILL: no deferred function, no rollback, no
// clean close.
func (s *server) kill(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func (s *server) do(method, path, token, ctype string, body io.Reader) (int, []byte, error) {
	req, _ := http.NewRequest(method, s.url+path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, data, err
}

// signalReader calls done once its reader is exhausted.
type signalReader struct {
	r    io.Reader
	once sync.Once
	done chan struct{}
}

func (s *signalReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		s.once.Do(func() { close(s.done) })
	}
	return n, err
}

// TestServeCrash kills `reunite serve` with SIGKILL during a large import,
// during live matching of a burst of new records, and during a burst of
// case transitions; after each kill it checks the database as a restart
// finds it: every change the server acknowledged is there, nothing is half
// applied (an import is all or nothing, each case's state is its last
// event's, each candidate names stored records), and the ledger verifies
// through `reunite ledger verify` against a restarted server.
func TestServeCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills servers")
	}
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "reunite.key")
		keys, err := seal.Load("", keyFile)
		if err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(ctx, dsn, store.Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(s, nil)
		a.SetKeyring(keys)
		orgs := map[string]domain.Organisation{}
		tokens := map[string]string{}
		for _, o := range []domain.Organisation{
			{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment, Country: "UA"},
			{Slug: "ru", Name: "RU", Kind: domain.OrgGovernment, Country: "RU"},
			{Slug: "med", Name: "Mediator", Kind: domain.OrgMediator},
		} {
			org, err := a.CreateOrg(ctx, access.Operator("test", domain.Organisation{}), o)
			if err != nil {
				t.Fatal(err)
			}
			orgs[o.Slug] = org
			email := "all@" + o.Slug + ".test"
			if _, err := a.CreateUser(ctx, access.Operator("test", org), domain.User{Email: email, Roles: domain.Roles}, ""); err != nil {
				t.Fatal(err)
			}
			if tokens[o.Slug], err = a.CreateToken(ctx, email, "crash", nil, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		ua, ru := access.Operator("test", orgs["ua"]), access.Operator("test", orgs["ru"])
		ex := apptest.Cases(t, a, ua, ru, orgs["med"].ID, 16)
		s.Close()
		db := rawDB(t, dsn, s.Dialect())

		// (a) A large import, killed after the whole file was sent, at
		// several moments of its processing. Zero rows or all of them.
		const rows = 20_000
		synthCmd := &cobra.Command{}
		synthCmd.SetContext(ctx)
		if _, err := writeSynth(synthCmd, dir, synth.Config{N: rows, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		csvData, err := os.ReadFile(filepath.Join(dir, SynthChildren))
		if err != nil {
			t.Fatal(err)
		}
		countUAChildren := func() int {
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM records WHERE org_id = $1 AND kind = 'child'`, orgs["ua"].ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, after := range []time.Duration{0, 300 * time.Millisecond, 1200 * time.Millisecond} {
			srv := startServe(t, dsn, keyFile)
			before := countUAChildren()
			sent := &signalReader{r: bytes.NewReader(csvData), done: make(chan struct{})}
			status := make(chan int, 1)
			go func() {
				code, _, _ := srv.do("POST", "/api/v1/children/import", tokens["ua"], "text/csv", sent)
				status <- code
			}()
			select {
			case <-sent.done:
			case <-time.After(60 * time.Second):
				t.Fatal("the import was not sent in 60s")
			}
			time.Sleep(after)
			srv.kill(t)
			code := <-status
			n := countUAChildren()
			switch {
			case code == http.StatusCreated && n != before+rows:
				t.Fatalf("import acknowledged, then %d rows after the kill, want %d", n, before+rows)
			case n != before && n != before+rows:
				t.Fatalf("killed %v after sending: %d rows stored, want %d or %d: half an import", after, n, before, before+rows)
			}
			t.Logf("import killed %v after sending: answer %d, %d rows", after, code, n-before)
			if n == before+rows {
				break // stored: later kills would meet duplicate ids
			}
		}

		// (b) Live matching: a burst of new tracing requests like the
		// children already there, killed mid-burst.
		srv := startServe(t, dsn, keyFile)
		var mu sync.Mutex
		var created []string
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"external_id":"LIVE-%d-%d","person":{"names":[{"given":"Дитина%d","family":"Тестова"}],"sex":"female","birth_date":"2015-0%d-1%d"}}`, w, i, i%16, 1+i%9, i%10)
					code, resp, err := srv.do("POST", "/api/v1/tracing-requests", tokens["ua"], "application/json", strings.NewReader(body))
					if err != nil {
						return
					}
					if code == http.StatusCreated {
						var r struct{ ID string }
						json.Unmarshal(resp, &r)
						mu.Lock()
						created = append(created, r.ID)
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(1500 * time.Millisecond)
		srv.kill(t)
		close(stop)
		wg.Wait()
		if len(created) == 0 {
			t.Fatal("no record was created before the kill")
		}
		for _, id := range created {
			var n int
			db.QueryRow(`SELECT count(*) FROM records WHERE id = $1`, id).Scan(&n)
			if n != 1 {
				t.Fatalf("record %s was acknowledged (201) but is gone after the kill", id)
			}
		}
		var orphans int
		if err := db.QueryRow(`SELECT count(*) FROM match_candidates c WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = c.request_id)
			OR NOT EXISTS (SELECT 1 FROM records r WHERE r.id = c.child_id)`).Scan(&orphans); err != nil || orphans != 0 {
			t.Fatalf("candidates naming missing records: %d (%v)", orphans, err)
		}
		t.Logf("live matching killed after %d acknowledged records", len(created))

		// (c) Case transitions: every case to "declined", concurrently,
		// killed once the first answers arrive.
		srv = startServe(t, dsn, keyFile)
		moved := make(chan string, len(ex.Cases))
		first := make(chan struct{})
		var once sync.Once
		for _, c := range ex.Cases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"to":"declined","version":%d,"reason":"the family declined"}`, c.Version)
				code, resp, err := srv.do("POST", "/api/v1/cases/"+c.ID+"/transitions", tokens["ru"], "application/json", strings.NewReader(body))
				if err == nil && code == http.StatusOK {
					moved <- c.ID
					once.Do(func() { close(first) })
				} else if err == nil {
					t.Errorf("move case %s: %d %s", c.ID, code, resp)
				}
			}()
		}
		select {
		case <-first:
		case <-time.After(60 * time.Second):
			t.Fatal("no case moved in 60s")
		}
		time.Sleep(20 * time.Millisecond)
		srv.kill(t)
		wg.Wait()
		close(moved)
		for id := range moved {
			var state string
			db.QueryRow(`SELECT state FROM cases WHERE id = $1`, id).Scan(&state)
			if state != "declined" {
				t.Errorf("case %s: transition acknowledged, state %q after the kill", id, state)
			}
		}
		checkCasesConsistent(t, db)

		// The ledger verifies against a restarted server, and the
		// server goes on.
		srv = startServe(t, dsn, keyFile)
		out, err := run(ctx, "ledger", "verify", "--server", srv.url, "--token", tokens["med"], "--state", filepath.Join(dir, "verifier.json"))
		if err != nil || !strings.Contains(out, "OK: ") {
			t.Fatalf("ledger verify after the crashes: %v\n%s", err, out)
		}
		code, resp, err := srv.do("POST", "/api/v1/tracing-requests", tokens["ua"], "application/json", strings.NewReader(`{"person":{"names":[{"given":"Після","family":"Збою"}]}}`))
		if err != nil || code != http.StatusCreated {
			t.Fatalf("a write after the crashes: %d %s %v", code, resp, err)
		}
	})
}

// checkCasesConsistent: each case's state is its last event's, its events
// are numbered without gaps, and its version counts them.
func checkCasesConsistent(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT c.id, c.state, e.to_state, e.seq, (SELECT count(*) FROM case_events x WHERE x.case_id = c.id)
		FROM cases c JOIN case_events e ON e.case_id = c.id
		WHERE e.seq = (SELECT max(seq) FROM case_events y WHERE y.case_id = c.id)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, state, last string
		var seq, events int
		if err := rows.Scan(&id, &state, &last, &seq, &events); err != nil {
			t.Fatal(err)
		}
		if state != last {
			t.Errorf("case %s is %q but its last event went to %q", id, state, last)
		}
		if seq != events && seq != events-1 {
			t.Errorf("case %s: last event number %d with %d events", id, seq, events)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no case with events")
	}
}
