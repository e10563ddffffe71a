package app_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/sharing"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// Environment of the crashing subprocess of TestLedgerCrash.
const (
	crashEnv    = "REUNITE_BE_CRASHER" // "appended" or "committed": where it stops
	crashDSNEnv = "REUNITE_CRASH_DSN"
	crashKeyEnv = "REUNITE_CRASH_KEY"
)

// TestLedgerCrash: a recorded act and its ledger entry are committed
// together or not at all, even if the process dies between them. The test
// binary runs itself as a subprocess that does an act (a sharing policy
// set by the mediator) on the database and stops: either inside the act's
// transaction, right after the ledger entry was appended and the policy
// written, or right after the commit. It says so on its standard output
// and the parent kills it with SIGKILL: no deferred function, no rollback,
// no clean close. The parent then opens the database again: killed before
// the commit, neither the policy nor the entry is there; killed after it,
// both are. Either way the ledger verifies from its checkpoint.
func TestLedgerCrash(t *testing.T) {
	if at := os.Getenv(crashEnv); at != "" {
		crasher(t, at)
		return
	}
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		key := seal.NewKey()
		open := func() (*app.App, access.Principal, func()) {
			t.Helper()
			keys, err := seal.Load(key, "")
			if err != nil {
				t.Fatal(err)
			}
			s, err := store.Open(ctx, dsn, store.Options{Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			a := app.New(s, slog.New(slog.DiscardHandler))
			a.SetKeyring(keys)
			var med domain.Organisation
			if err := s.InTx(ctx, func(tx *store.Tx) (err error) { med, err = tx.Org(ctx, "med"); return err }); err != nil {
				t.Fatal(err)
			}
			return a, access.Operator("test", med), func() { s.Close() }
		}
		policy := func(n int) sharing.Policy {
			return sharing.Policy{Owner: "ua", Viewer: "med", Listed: sharing.Fields[:n], Handover: []sharing.Field{}}
		}

		// The database: two organisations and one act already recorded.
		dbKeys, err := seal.Load(key, "")
		if err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(ctx, dsn, store.Options{Keys: dbKeys})
		if err != nil {
			t.Fatal(err)
		}
		root := access.Operator("test", domain.Organisation{})
		for _, o := range []domain.Organisation{{Slug: "ua", Name: "UA", Kind: domain.OrgGovernment}, {Slug: "med", Name: "Mediator", Kind: domain.OrgMediator}} {
			if _, err := app.New(s, slog.New(slog.DiscardHandler)).CreateOrg(ctx, root, o); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		a, med, closeApp := open()
		if _, err := a.SetSharingPolicy(ctx, med, policy(1)); err != nil {
			t.Fatal(err)
		}
		closeApp()

		// check opens the database again, as after a restart, and checks
		// the policy, the ledger's size and that the ledger verifies.
		check := func(what string, listed int, size uint64) {
			t.Helper()
			a, med, closeApp := open()
			defer closeApp()
			got, err := a.SharingPolicy(ctx, med, "ua", "med")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Listed, sharing.Fields[:listed]) {
				t.Errorf("%s: policy lists %v, want %v", what, got.Listed, sharing.Fields[:listed])
			}
			verdict := verifyLedger(t, a, med)
			if !verdict.OK {
				t.Errorf("%s: the ledger does not verify: %s", what, verdict)
			}
			if verdict.Checkpoint.Size != size {
				t.Errorf("%s: ledger size %d, want %d", what, verdict.Checkpoint.Size, size)
			}
		}

		// Killed inside the transaction, after the entry and the act.
		crash(t, dsn, key, "appended")
		check("killed before the commit", 1, 1)

		// Killed right after the commit.
		crash(t, dsn, key, "committed")
		check("killed after the commit", 3, 2)

		// And the ledger goes on after both.
		a, med, closeApp = open()
		defer closeApp()
		if _, err := a.SetSharingPolicy(ctx, med, policy(4)); err != nil {
			t.Fatal(err)
		}
		if v := verifyLedger(t, a, med); !v.OK || v.Checkpoint.Size != 3 {
			t.Errorf("after the crashes: %s", v)
		}
	})
}

// crash runs the crashing subprocess until it says it reached at, then
// kills it with SIGKILL.
func crash(t *testing.T, dsn, key, at string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLedgerCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+at, crashDSNEnv+"="+dsn, crashKeyEnv+"="+key)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var seen []string
		for sc.Scan() {
			if sc.Text() == "CRASHER "+at {
				reached <- ""
				return
			}
			seen = append(seen, sc.Text())
		}
		reached <- strings.Join(seen, "\n")
	}()
	select {
	case other := <-reached:
		if other != "" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the subprocess ended without reaching %q:\n%s\n%s", at, other, stderr.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the subprocess did not reach %q in 60s:\n%s", at, stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ps := cmd.ProcessState; ps == nil || ps.Success() || !strings.Contains(fmt.Sprint(err), "killed") {
		t.Fatalf("the subprocess was not killed: %v", err)
	}
}

// crasher is the subprocess: it sets the sharing policy (two fields listed
// when it is to stop inside the transaction, three when after the commit)
// and stops where told, saying so, until it is killed.
func crasher(t *testing.T, at string) {
	ctx := context.Background()
	keys, err := seal.Load(os.Getenv(crashKeyEnv), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, os.Getenv(crashDSNEnv), store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(s, slog.New(slog.DiscardHandler))
	a.SetKeyring(keys)
	var med domain.Organisation
	if err := s.InTx(ctx, func(tx *store.Tx) (err error) { med, err = tx.Org(ctx, "med"); return err }); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		fmt.Fprintln(os.Stdout, "CRASHER "+at)
		os.Stdout.Sync()
		select {} // until killed
	}
	listed := 3
	if at == "appended" {
		// Inside the act's transaction: the policy is written and its
		// entry appended; the audit row and the commit are still to come.
		a.SetAfterAppend(func() error { stop(); return nil })
		listed = 2
	}
	pol := sharing.Policy{Owner: "ua", Viewer: "med", Listed: sharing.Fields[:listed], Handover: []sharing.Field{}}
	if _, err := a.SetSharingPolicy(ctx, access.Operator("test", med), pol); err != nil {
		t.Fatal(err)
	}
	stop()
}

// verifyLedger verifies the whole ledger as a party would, with the keys
// the application publishes, through the application's ledger reads.
func verifyLedger(t *testing.T, a *app.App, p access.Principal) ledger.Verdict {
	t.Helper()
	ctx := context.Background()
	keys, err := a.LedgerKeysOf(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	st := ledger.VerifierState{LogKey: keys.LogKey, KeepLeafHashes: true}
	for _, k := range keys.Orgs {
		st.OrgKeys = append(st.OrgKeys, k.Key)
	}
	v, err := ledger.NewVerifier(st)
	if err != nil {
		t.Fatal(err)
	}
	return v.VerifyAll(ctx, appSource{a, p})
}

// appSource is a ledger.Source reading through the application, as the
// API serves it.
type appSource struct {
	a *app.App
	p access.Principal
}

func (s appSource) Checkpoint(ctx context.Context) ([]byte, error) {
	return s.a.LedgerCheckpoint(ctx, s.p)
}

func (s appSource) Entries(ctx context.Context, from, to uint64) ([]ledger.Entry, error) {
	leaves, err := s.a.LedgerEntries(ctx, s.p, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Entry, 0, len(leaves))
	for i, l := range leaves {
		if l.Index != from+uint64(i) {
			return nil, &ledger.LeafError{Index: from + uint64(i), Err: fmt.Errorf("missing")}
		}
		e, err := ledger.ParseLeaf(l.Leaf)
		if err != nil {
			return nil, &ledger.LeafError{Index: l.Index, Err: err}
		}
		out = append(out, e)
	}
	if uint64(len(out)) != to-from {
		return nil, &ledger.LeafError{Index: from + uint64(len(out)), Err: fmt.Errorf("missing")}
	}
	return out, nil
}

func (s appSource) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	return s.a.LedgerInclusionProof(ctx, s.p, index, size)
}

func (s appSource) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	return s.a.LedgerConsistencyProof(ctx, s.p, from, to)
}
