package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// ledgerFixture is a server with a ledger: organisations ua and med, a
// mediator admin's token, and the data key (for commands opening the
// database beside the server).
type ledgerFixture struct {
	a       *app.App
	s       *store.Store
	dsn     string
	dataKey string
	keys    *seal.Keyring // the server's master keys
	url     string
	token   string
	med     access.Principal
	acts    int
}

func newLedgerFixture(t *testing.T, dsn string) *ledgerFixture {
	t.Helper()
	ctx := context.Background()
	f := &ledgerFixture{dsn: dsn, dataKey: seal.NewKey()}
	keys, err := seal.Load(f.dataKey, "")
	if err != nil {
		t.Fatal(err)
	}
	f.s = storetest.Open(t, dsn, store.Options{Keys: keys})
	quiet := slog.New(slog.DiscardHandler)
	f.a = app.New(f.s, quiet)
	f.a.SetKeyring(keys)
	f.keys = keys
	root := access.Operator("test", domain.Organisation{})
	var med domain.Organisation
	for _, o := range []domain.Organisation{{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment}, {Slug: "med", Name: "Mediator", Kind: domain.OrgMediator}} {
		created, err := f.a.CreateOrg(ctx, root, o)
		if err != nil {
			t.Fatal(err)
		}
		if o.Slug == "med" {
			med = created
		}
	}
	f.med = access.Operator("test", med)
	if _, err := f.a.CreateUser(ctx, f.med, domain.User{Email: "admin@med.example.org", Roles: []domain.Role{domain.RoleAdmin}}, ""); err != nil {
		t.Fatal(err)
	}
	if f.token, err = f.a.CreateToken(ctx, "admin@med.example.org", "test", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(f.a, quiet))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// act has the mediator set a sharing policy: one ledger entry, signed by
// med's key.
func (f *ledgerFixture) act(t *testing.T) {
	t.Helper()
	f.acts++
	pol := sharing.Policy{Owner: "ua", Viewer: "med", Listed: sharing.Fields[:1+f.acts%len(sharing.Fields)], Handover: []sharing.Field{}}
	if _, err := f.a.SetSharingPolicy(context.Background(), f.med, pol); err != nil {
		t.Fatal(err)
	}
}

func (f *ledgerFixture) verify(state string) (string, error) {
	return run(context.Background(), "ledger", "verify", "--server", f.url, "--token", f.token, "--state", state)
}

func (f *ledgerFixture) entries(t *testing.T, from, to uint64) []ledger.Entry {
	t.Helper()
	leaves, err := f.a.LedgerEntries(context.Background(), f.med, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out []ledger.Entry
	for _, l := range leaves {
		e, err := ledger.ParseLeaf(l.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// TestLedgerRotateKey: `reunite ledger rotate-key` retires an
// organisation's key, run beside a running server; the server's next act
// is signed with a new key; entries signed before and after verify, since
// the retired public key stays published; with the retired key removed
// from the database, a new verifier can no longer verify the entries it
// signed (a verifier that pinned it before still can).
func TestLedgerRotateKey(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newLedgerFixture(t, dsn)
		dir := t.TempDir()
		db := []string{"--db", dsn, "--data-keys", f.dataKey}

		if _, err := run(ctx, append([]string{"ledger", "rotate-key", "--org", "ua"}, db...)...); err == nil || !strings.Contains(err.Error(), "no current ledger key") {
			t.Fatalf("rotating the key of an organisation that never acted: %v", err)
		}

		f.act(t)
		f.act(t)
		out, err := run(ctx, append([]string{"ledger", "rotate-key", "--org", "med"}, db...)...)
		if err != nil || !strings.Contains(out, "retired ledger key ") || !strings.Contains(out, " of med;") {
			t.Fatalf("rotate-key: %v\n%s", err, out)
		}
		f.act(t)
		f.act(t)
		es := f.entries(t, 0, 4)
		old, cur := es[0].KeyID, es[2].KeyID
		if es[1].KeyID != old || es[3].KeyID != cur || old == cur {
			t.Fatalf("entries signed with keys %s, %s, %s, %s; want two before the rotation and another two after",
				es[0].KeyID, es[1].KeyID, es[2].KeyID, es[3].KeyID)
		}
		keys, err := f.a.LedgerKeysOf(ctx, f.med)
		if err != nil {
			t.Fatal(err)
		}
		retired := 0
		for _, k := range keys.Orgs {
			if k.KeyID == old && k.RetiredAt != "" {
				retired++
			}
		}
		if retired != 1 {
			t.Fatalf("published keys %+v: want %s published as retired", keys.Orgs, old)
		}

		pinned := filepath.Join(dir, "pinned.json")
		out, err = f.verify(pinned)
		if err != nil || !strings.Contains(out, "OK: "+app.LedgerOrigin+"@4") || !strings.Contains(out, "pinned key "+old) || !strings.Contains(out, "pinned key "+cur) {
			t.Fatalf("verify after the rotation: %v\n%s", err, out)
		}

		// The retired key removed from the database (and so from what
		// the server publishes).
		raw := rawDB(t, dsn, f.s.Dialect())
		if _, err := raw.Exec(`DELETE FROM ledger_keys WHERE id = $1`, old); err != nil {
			t.Fatal(err)
		}
		out, err = f.verify(filepath.Join(dir, "new.json"))
		if err == nil || !strings.Contains(out, "FAILED") || !strings.Contains(out, "entry 0: signature") ||
			!strings.Contains(out, "entry 1: signature") || !strings.Contains(out, "signed with key "+old+", which is not pinned") {
			t.Fatalf("verify without the retired key: %v\n%s\nwant FAILED naming entries 0 and 1 and key %s", err, out, old)
		}
		if strings.Contains(out, "entry 2") || strings.Contains(out, "entry 3") {
			t.Errorf("verify without the retired key blames entries signed with the new key:\n%s", out)
		}
		if out, err := f.verify(pinned); err != nil || !strings.Contains(out, "OK") {
			t.Errorf("a verifier that pinned the retired key before: %v\n%s", err, out)
		}
	})
}

// TestWitnessRefuses: `reunite witness` cosigns a checkpoint, then refuses,
// exiting non-zero and saying why, a log that went back (entries removed:
// rollback), a log rebuilt with other entries to the same size (fork), and
// one grown from that rebuilt log (not an extension of what it cosigned).
// What it cosigned stays its state throughout.
func TestWitnessRefuses(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newLedgerFixture(t, dsn)
		dir := t.TempDir()
		witness := func() (string, error) {
			return run(ctx, "witness", "--server", f.url, "--token", f.token,
				"--key-file", filepath.Join(dir, "witness.key"), "--state", filepath.Join(dir, "witness.json"))
		}
		for range 3 {
			f.act(t)
		}
		out, err := witness()
		if err != nil || !strings.Contains(out, "cosigned "+app.LedgerOrigin) {
			t.Fatalf("first round: %v\n%s", err, out)
		}
		refused := func(what, reason string) {
			t.Helper()
			out, err := witness()
			if err == nil || !strings.Contains(out, "REFUSED") || !strings.Contains(out, ": "+reason) || !strings.Contains(err.Error(), reason) {
				t.Fatalf("%s: witness says %v\n%s\nwant REFUSED: %s, and a non-zero exit", what, err, out, reason)
			}
			if !strings.Contains(out, "size 3") {
				t.Errorf("%s: the refusal does not name the checkpoint cosigned before (size 3):\n%s", what, out)
			}
		}

		raw := rawDB(t, dsn, f.s.Dialect())
		// Rollback: the last entry removed, the log is back at size 2.
		if _, err := raw.Exec(`DELETE FROM ledger_entries WHERE idx = 2`); err != nil {
			t.Fatal(err)
		}
		refused("rollback", ledger.RefuseRollback)

		// Fork: the ledger emptied and rebuilt, by the application with
		// the log's own key, with other entries, to the same size.
		for _, q := range []string{`DELETE FROM ledger_entries`, `DELETE FROM ledger_nodes`} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			f.act(t)
		}
		refused("fork", ledger.RefuseFork)

		// The rebuilt log grown: no consistency with what was cosigned.
		f.act(t)
		refused("rebuilt and grown", ledger.RefuseInconsistent)
	})
}

// TestBenchLedger: bench ledger runs end to end on a small log and its
// proofs verify (it fails if one does not).
func TestBenchLedger(t *testing.T) {
	out := mustRun(t, "bench", "ledger", "--n", "3000", "--single", "50", "--batch", "100", "--fill-batch", "1000", "--samples", "20", "--json")
	var res []ledgerBench
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res) != 1 || res[0].Database != "sqlite" || res[0].Entries != 3000 || res[0].Inclusion.HashesMax != 12 || res[0].SinglePerSecond <= 0 || res[0].ConcurrentAppends != 50 || res[0].ConcurrentPerSecond <= 0 {
		t.Fatalf("bench ledger: %+v", res)
	}
}
