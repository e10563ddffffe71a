package cli

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// TestLedgerVerifyAndTamper is the ledger end to end, on SQLite and
// PostgreSQL: acts through the API append entries and return receipts,
// `reunite ledger verify` passes, a witness cosigns, and then a row of the
// ledger table changed, reordered or deleted directly in the database
// makes the verifier fail, naming the entry.
func TestLedgerVerifyAndTamper(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := storetest.Open(t, dsn, store.Options{})
		quiet := slog.New(slog.DiscardHandler)
		a := app.New(s, quiet)
		keys, err := seal.Load(seal.NewKey(), "")
		if err != nil {
			t.Fatal(err)
		}
		a.SetKeyring(keys)
		root := access.Operator("test", domain.Organisation{})
		orgs := map[string]domain.Organisation{}
		for _, o := range []domain.Organisation{{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment}, {Slug: "med", Name: "Mediator", Kind: domain.OrgMediator}} {
			if orgs[o.Slug], err = a.CreateOrg(ctx, root, o); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.CreateUser(ctx, access.Operator("test", orgs["med"]), domain.User{Email: "admin@med.example.org", Roles: []domain.Role{domain.RoleAdmin}}, ""); err != nil {
			t.Fatal(err)
		}
		token, err := a.CreateToken(ctx, "admin@med.example.org", "test", nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(api.New(a, quiet))
		t.Cleanup(srv.Close)

		// Acts: sharing policies set by the mediator (synthetic field
		// lists; a policy holds no personal data), the first through the
		// API, which returns the entry's receipt.
		req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/sharing-policies/ua/med", strings.NewReader(`{"listed":["names"],"handover":[]}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Ledger-Index") != "0" || len(resp.Header.Get("Ledger-Leaf-Hash")) != 64 {
			t.Fatalf("PUT policy: %d, Ledger-Index %q, Ledger-Leaf-Hash %q", resp.StatusCode, resp.Header.Get("Ledger-Index"), resp.Header.Get("Ledger-Leaf-Hash"))
		}
		med := access.Operator("test", orgs["med"])
		for i := 1; i < 6; i++ {
			pol := sharing.Policy{Owner: "ua", Viewer: "med", Listed: sharing.Fields[:i], Handover: []sharing.Field{}}
			if _, err := a.SetSharingPolicy(ctx, med, pol); err != nil {
				t.Fatal(err)
			}
		}

		dir := t.TempDir()
		state := filepath.Join(dir, "verifier.json")
		verify := func(extra ...string) (string, error) {
			return run(ctx, append([]string{"ledger", "verify", "--server", srv.URL, "--token", token, "--state", state}, extra...)...)
		}
		out, err := verify()
		if err != nil || !strings.Contains(out, "OK: "+app.LedgerOrigin+"@6") {
			t.Fatalf("verify: %v\n%s", err, out)
		}

		// A witness cosigns; a verifier requiring it accepts.
		wkey := filepath.Join(dir, "witness.key")
		out, err = run(ctx, "witness", "--server", srv.URL, "--token", token, "--key-file", wkey, "--state", filepath.Join(dir, "witness.json"))
		if err != nil || !strings.Contains(out, "cosigned") {
			t.Fatalf("witness: %v\n%s", err, out)
		}
		wpub := strings.SplitN(out, "witness key ", 2)[1]
		wpub = strings.TrimSpace(strings.SplitN(wpub, "\n", 2)[0])
		out, err = verify("--witness-key", wpub, "--quorum", "1")
		if err != nil || !strings.Contains(out, "cosigned by reunite-witness") {
			t.Fatalf("verify with a witness quorum: %v\n%s", err, out)
		}

		// Tampering, straight in the database.
		db := rawDB(t, dsn, s.Dialect())
		leaf := func(i int) []byte {
			var b []byte
			if err := db.QueryRow(`SELECT leaf FROM ledger_entries WHERE idx = $1`, i).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		setLeaf := func(i int, b []byte) {
			if _, err := db.Exec(`UPDATE ledger_entries SET leaf = $1 WHERE idx = $2`, b, i); err != nil {
				t.Fatal(err)
			}
		}
		expectFail := func(what, want string) {
			t.Helper()
			out, err := verify()
			if err == nil || !strings.Contains(out, "FAILED") || !strings.Contains(out, want) {
				t.Errorf("%s: verify says %v\n%s\nwant FAILED naming %q", what, err, out, want)
			}
		}

		// Changed: one detail of entry 2 rewritten.
		orig2 := leaf(2)
		setLeaf(2, bytes.Replace(orig2, []byte("detail listed="), []byte("detail listed=x"), 1))
		expectFail("changed entry", "entry 2: signature")
		setLeaf(2, orig2)

		// Reordered: entries 3 and 4 swapped.
		orig3, orig4 := leaf(3), leaf(4)
		setLeaf(3, orig4)
		setLeaf(4, orig3)
		expectFail("reordered entries", "entry 3: index")
		setLeaf(3, orig3)
		setLeaf(4, orig4)

		// Deleted: entry 1 gone.
		if _, err := db.Exec(`DELETE FROM ledger_entries WHERE idx = 1`); err != nil {
			t.Fatal(err)
		}
		expectFail("deleted entry", "entry 1: entry: missing")

		if _, err := db.Exec(`INSERT INTO ledger_entries (idx, leaf, leaf_hash) VALUES (1, $1, $2)`, []byte("x"), make([]byte, 32)); err != nil {
			t.Fatal(err)
		}
		expectFail("replaced entry", "entry 1: entry: ledger: malformed leaf")
	})
}

// rawDB opens the test database beside the store, as someone with access
// to it (and not to the application) would.
func rawDB(t *testing.T, dsn string, d store.Dialect) *sql.DB {
	t.Helper()
	driver, src := "pgx", dsn
	if d == store.SQLite {
		driver, src = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(fmt.Errorf("open %s: %w", d, err))
	}
	return db
}
