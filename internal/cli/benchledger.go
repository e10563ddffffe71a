package cli

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/reunite-ftr/reunite/internal/ledger"
	"github.com/reunite-ftr/reunite/internal/store"
)

// ledgerBench is what bench ledger prints (and --json writes) for one
// database.
type ledgerBench struct {
	Database   string `json:"database"`
	GOMAXPROCS int    `json:"gomaxprocs"`

	// Single: one append per transaction, as an act does it (take the
	// ledger lock, read the border, sign, insert, commit).
	SingleAppends   int     `json:"single_appends"`
	SingleSeconds   float64 `json:"single_seconds"`
	SinglePerSecond float64 `json:"single_appends_per_second"`
	SingleP50Ms     float64 `json:"single_append_p50_ms"`
	SingleP99Ms     float64 `json:"single_append_p99_ms"`
	// Concurrent: single appends from Clients goroutines at once (acts of
	// several users), each one per transaction; the ledger lock takes them
	// one after another.
	Clients             int     `json:"concurrent_clients"`
	ConcurrentAppends   int     `json:"concurrent_appends"`
	ConcurrentSeconds   float64 `json:"concurrent_seconds"`
	ConcurrentPerSecond float64 `json:"concurrent_appends_per_second"`
	ConcurrentP50Ms     float64 `json:"concurrent_append_p50_ms"`
	ConcurrentP99Ms     float64 `json:"concurrent_append_p99_ms"`
	// Batched: Batch entries per transaction (Log.AppendBatch).
	BatchedAppends   int     `json:"batched_appends"`
	BatchSize        int     `json:"batch_size"`
	BatchedSeconds   float64 `json:"batched_seconds"`
	BatchedPerSecond float64 `json:"batched_appends_per_second"`

	// The log is then filled (batched) up to Entries, where the proofs are
	// measured.
	Entries       uint64     `json:"entries"`
	FillSeconds   float64    `json:"fill_seconds"`
	FillPerSecond float64    `json:"fill_appends_per_second"`
	DatabaseMiB   float64    `json:"database_mib,omitempty"` // SQLite: the file and its WAL
	CheckpointMs  float64    `json:"checkpoint_p50_ms"`
	Inclusion     proofBench `json:"inclusion"`
	Consistency   proofBench `json:"consistency"`
	LeafBytesMean float64    `json:"leaf_bytes_mean"`
}

// proofBench is one kind of proof at the bench's size.
type proofBench struct {
	Samples     int     `json:"samples"`
	HashesMean  float64 `json:"hashes_mean"`
	HashesMax   int     `json:"hashes_max"`
	BytesMax    int     `json:"bytes_max"`
	GenP50Ms    float64 `json:"generate_p50_ms"` // in its own read transaction, as the API serves it
	GenP99Ms    float64 `json:"generate_p99_ms"`
	VerifyP50Us float64 `json:"verify_p50_us"`
	VerifyP99Us float64 `json:"verify_p99_us"`
}

type ledgerBenchConfig struct {
	n, single, clients, batch, fillBatch, samples int
	progress                                      func(format string, args ...any)
}

func benchLedgerCmd(e *env) *cobra.Command {
	var cfg ledgerBenchConfig
	var pg string
	var sqlite, asJSON bool
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Measure the ledger: appends per second, proof sizes and times at N entries",
		Long: `Measure the tamper-evident ledger on a fresh database:

  - single appends: one entry per transaction, as an act appends it (take the
    ledger lock, read the tree's border, sign with an organisation key,
    insert the entry and its subtree hashes, commit);
  - concurrent single appends: as many again from --clients goroutines at
    once, each one per transaction (acts of several users);
  - batched appends: --batch entries per transaction, appended at once;
  - then fill the log (batched) up to --n entries and measure, at that size,
    a signed checkpoint and inclusion and consistency proofs of random
    entries and sizes: their size, the time to generate one (in its own read
    transaction, as the API serves it) and to verify it.

SQLite is measured in a new file in a temporary directory (or at --db, a
path that must not exist yet). With --pg URL, PostgreSQL is measured too, in
a new database created on that server and dropped afterwards: the bench
never appends to an existing ledger.`,
		Example: "  reunite bench ledger --n 1000000\n  reunite bench ledger --n 100000 --pg postgres://postgres@127.0.0.1/postgres --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg.progress = func(format string, args ...any) {
				if !asJSON {
					fmt.Fprintf(e.errOut, format+"\n", args...)
				}
			}
			if cfg.n < 2*cfg.single+cfg.batch*10 || cfg.batch < 1 || cfg.fillBatch < 1 || cfg.samples < 1 || cfg.clients < 1 {
				return errors.New("need --n ≥ 2 × --single + 10 × --batch, and --batch, --fill-batch, --samples, --clients ≥ 1")
			}
			var results []ledgerBench
			if sqlite {
				path := e.db
				if !cmd.Flags().Changed("db") && os.Getenv("REUNITE_DB") == "" {
					dir, err := os.MkdirTemp("", "reunite-bench-ledger-")
					if err != nil {
						return err
					}
					defer os.RemoveAll(dir)
					path = filepath.Join(dir, "ledger.db")
				} else if store.IsPostgres(path) {
					return errors.New("--db must be a SQLite path here; measure PostgreSQL with --pg URL (a new database is made there)")
				} else if _, err := os.Stat(path); err == nil {
					return fmt.Errorf("--db %s exists: the bench appends to the ledger, so it needs a new file", path)
				}
				r, err := runLedgerBench(ctx, path, cfg)
				if err != nil {
					return fmt.Errorf("sqlite: %w", err)
				}
				r.DatabaseMiB = fileMiB(path) + fileMiB(path+"-wal")
				results = append(results, r)
				if !asJSON {
					printLedgerBench(e, r)
				}
			}
			if pg != "" {
				dsn, drop, err := freshPostgres(ctx, pg)
				if err != nil {
					return err
				}
				r, err := runLedgerBench(ctx, dsn, cfg)
				drop()
				if err != nil {
					return fmt.Errorf("postgres: %w", err)
				}
				results = append(results, r)
				if !asJSON {
					printLedgerBench(e, r)
				}
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(results)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&cfg.n, "n", 1_000_000, "entries in the log when the proofs are measured")
	cmd.Flags().IntVar(&cfg.single, "single", 5_000, "appends measured one per transaction")
	cmd.Flags().IntVar(&cfg.clients, "clients", 4, "goroutines appending at once in the concurrent measure (--single appends in all)")
	cmd.Flags().IntVar(&cfg.batch, "batch", 1_000, "appends per transaction in the batched measure (10 transactions)")
	cmd.Flags().IntVar(&cfg.fillBatch, "fill-batch", 10_000, "appends per transaction while filling the log up to --n")
	cmd.Flags().IntVar(&cfg.samples, "samples", 1_000, "proofs of each kind measured")
	cmd.Flags().StringVar(&pg, "pg", "", "PostgreSQL server URL: also measure there, in a new database")
	cmd.Flags().BoolVar(&sqlite, "sqlite", true, "measure SQLite (--sqlite=false with --pg for PostgreSQL alone)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (a list, one object per database)")
	return cmd
}

func fileMiB(path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}

// freshPostgres creates a new database on the server of serverURL and
// returns its URL and a function dropping it.
func freshPostgres(ctx context.Context, serverURL string) (string, func(), error) {
	if !store.IsPostgres(serverURL) {
		return "", nil, fmt.Errorf("--pg %q: not a postgres:// URL", serverURL)
	}
	db, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "reunite_bench_ledger_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("--pg: create database: %w", err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		db.Close()
	}
	return u.String(), drop, nil
}

// benchEntry is a typical act: a case moved on by an organisation, with a
// commitment to its reason.
func benchEntry(i int, salt []byte) ledger.Entry {
	return ledger.Entry{
		Kind:       ledger.KindCaseTransition,
		Subjects:   []string{fmt.Sprintf("case:%08x-0000-4000-8000-%012x", i, i)},
		DataHashes: []string{ledger.HashData(salt, "reason", fmt.Sprint(i))},
		Detail:     map[string]string{"from": "confirmed", "to": "identity_verified", "evidence": "documents"},
	}
}

func runLedgerBench(ctx context.Context, dsn string, cfg ledgerBenchConfig) (ledgerBench, error) {
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return ledgerBench{}, err
	}
	defer s.Close()
	res := ledgerBench{Database: string(s.Dialect()), GOMAXPROCS: runtime.GOMAXPROCS(0), BatchSize: cfg.batch}
	skey, vkey, err := ledger.NewLogKey(ledger.DefaultOrigin)
	if err != nil {
		return res, err
	}
	logSigner, err := note.NewSigner(skey)
	if err != nil {
		return res, err
	}
	logVerifier, err := note.NewVerifier(vkey)
	if err != nil {
		return res, err
	}
	oskey, _, err := ledger.NewOrgKey("bench-org")
	if err != nil {
		return res, err
	}
	org, err := ledger.NewOrgSigner(oskey)
	if err != nil {
		return res, err
	}
	salt := ledger.NewSalt()
	next := 0
	// appendAt appends k entries, made from numbers from, in one
	// transaction, as App.record (one) and App.recordBatch (several) do.
	appendAt := func(from, k int) error {
		es := make([]ledger.Entry, k)
		for j := range es {
			es[j] = benchEntry(from+j, salt)
			es[j].ActorOrg = org.Org()
		}
		return s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.LockLedger(ctx); err != nil {
				return err
			}
			l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: logSigner})
			if err != nil {
				return err
			}
			if k == 1 {
				_, err = l.Append(ctx, es[0], org)
			} else {
				_, err = l.AppendBatch(ctx, es, org)
			}
			return err
		})
	}
	appendTx := func(k int) error { return appendAt(next, k) }

	// Single appends.
	lat := make([]time.Duration, 0, cfg.single)
	start := time.Now()
	for i := 0; i < cfg.single; i++ {
		t := time.Now()
		if err := appendTx(1); err != nil {
			return res, err
		}
		next++
		lat = append(lat, time.Since(t))
	}
	res.SingleAppends, res.SingleSeconds = cfg.single, time.Since(start).Seconds()
	res.SinglePerSecond = float64(cfg.single) / res.SingleSeconds
	res.SingleP50Ms, res.SingleP99Ms = quantileMs(lat, 0.5), quantileMs(lat, 0.99)
	cfg.progress("%s: %d single appends, %.0f/s", res.Database, cfg.single, res.SinglePerSecond)

	// Concurrent single appends.
	res.Clients = cfg.clients
	var mu sync.Mutex
	lat = lat[:0]
	var firstErr error
	var wg sync.WaitGroup
	start = time.Now()
	for c := range cfg.clients {
		wg.Go(func() {
			var mine []time.Duration
			for i := c; i < cfg.single; i += cfg.clients {
				t := time.Now()
				if err := appendAt(next+i, 1); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if firstErr != nil {
		return res, firstErr
	}
	next += cfg.single
	res.ConcurrentAppends, res.ConcurrentSeconds = cfg.single, time.Since(start).Seconds()
	res.ConcurrentPerSecond = float64(cfg.single) / res.ConcurrentSeconds
	res.ConcurrentP50Ms, res.ConcurrentP99Ms = quantileMs(lat, 0.5), quantileMs(lat, 0.99)
	cfg.progress("%s: %d single appends from %d clients at once, %.0f/s", res.Database, cfg.single, cfg.clients, res.ConcurrentPerSecond)

	// Batched appends.
	start = time.Now()
	for i := 0; i < 10; i++ {
		if err := appendTx(cfg.batch); err != nil {
			return res, err
		}
		next += cfg.batch
	}
	res.BatchedAppends, res.BatchedSeconds = 10*cfg.batch, time.Since(start).Seconds()
	res.BatchedPerSecond = float64(res.BatchedAppends) / res.BatchedSeconds
	cfg.progress("%s: %d appends in transactions of %d, %.0f/s", res.Database, res.BatchedAppends, cfg.batch, res.BatchedPerSecond)

	// Fill up to n.
	start = time.Now()
	filled, lastReport := 0, time.Now()
	for next < cfg.n {
		k := min(cfg.fillBatch, cfg.n-next)
		if err := appendTx(k); err != nil {
			return res, err
		}
		next += k
		filled += k
		if time.Since(lastReport) > 10*time.Second {
			cfg.progress("%s: filling, %d entries, %.0f/s", res.Database, next, float64(filled)/time.Since(start).Seconds())
			lastReport = time.Now()
		}
	}
	res.FillSeconds = time.Since(start).Seconds()
	if filled > 0 {
		res.FillPerSecond = float64(filled) / res.FillSeconds
	}
	res.Entries = uint64(next)
	cfg.progress("%s: filled to %d entries in %.1fs (%.0f/s)", res.Database, next, res.FillSeconds, res.FillPerSecond)

	// Checkpoint, then proofs against it.
	var cps []time.Duration
	var cp ledger.Checkpoint
	for i := 0; i < 100; i++ {
		t := time.Now()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: logSigner})
			if err != nil {
				return err
			}
			signed, err := l.Checkpoint(ctx)
			if err != nil {
				return err
			}
			cp, _, err = ledger.OpenCheckpoint(signed, logVerifier)
			return err
		})
		if err != nil {
			return res, err
		}
		cps = append(cps, time.Since(t))
	}
	res.CheckpointMs = quantileMs(cps, 0.5)
	if cp.Size != res.Entries {
		return res, fmt.Errorf("checkpoint of size %d, want %d", cp.Size, res.Entries)
	}

	rnd := mrand.New(mrand.NewPCG(1, 2))
	hasher := rfc6962.DefaultHasher
	var gen, ver []time.Duration
	var hashes, leafBytes int
	for i := 0; i < cfg.samples; i++ {
		idx := rnd.Uint64N(cp.Size)
		var pf [][]byte
		var leaf []ledger.Entry
		var leafHash []ledger.Hash
		t := time.Now()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: logSigner})
			if err != nil {
				return err
			}
			pf, err = l.InclusionProof(ctx, idx, cp.Size)
			return err
		})
		gen = append(gen, time.Since(t))
		if err != nil {
			return res, err
		}
		// The verifier's side: it has the entry (fetched apart) and hashes it.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if leaf, err = tx.Ledger().Entries(ctx, idx, idx+1); err != nil {
				return err
			}
			leafHash, err = tx.Ledger().Hashes(ctx, []compact.NodeID{compact.NewNodeID(0, idx)})
			return err
		})
		if err != nil {
			return res, err
		}
		leafBytes += len(leaf[0].LeafData())
		t = time.Now()
		lh := leaf[0].LeafHash()
		err = proof.VerifyInclusion(hasher, idx, cp.Size, lh[:], pf, cp.Root[:])
		ver = append(ver, time.Since(t))
		if err != nil || lh != leafHash[0] {
			return res, fmt.Errorf("inclusion proof of %d at %d does not verify: %v", idx, cp.Size, err)
		}
		hashes += len(pf)
		res.Inclusion.HashesMax = max(res.Inclusion.HashesMax, len(pf))
	}
	res.LeafBytesMean = float64(leafBytes) / float64(cfg.samples)
	res.Inclusion = finishProofBench(res.Inclusion, cfg.samples, hashes, gen, ver)

	gen, ver, hashes = gen[:0], ver[:0], 0
	for i := 0; i < cfg.samples; i++ {
		from := 1 + rnd.Uint64N(cp.Size-1)
		var pf [][]byte
		var fromRoot ledger.Hash
		err := s.InTx(ctx, func(tx *store.Tx) error {
			l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: logSigner})
			if err != nil {
				return err
			}
			fromRoot, err = l.Root(ctx, from) // what the verifier kept from before
			return err
		})
		if err != nil {
			return res, err
		}
		t := time.Now()
		err = s.InTx(ctx, func(tx *store.Tx) error {
			l, err := ledger.NewLog(ctx, ledger.LogConfig{Store: tx.Ledger(), Signer: logSigner})
			if err != nil {
				return err
			}
			pf, err = l.ConsistencyProof(ctx, from, cp.Size)
			return err
		})
		gen = append(gen, time.Since(t))
		if err != nil {
			return res, err
		}
		t = time.Now()
		err = proof.VerifyConsistency(hasher, from, cp.Size, pf, fromRoot[:], cp.Root[:])
		ver = append(ver, time.Since(t))
		if err != nil {
			return res, fmt.Errorf("consistency proof %d → %d does not verify: %v", from, cp.Size, err)
		}
		hashes += len(pf)
		res.Consistency.HashesMax = max(res.Consistency.HashesMax, len(pf))
	}
	res.Consistency = finishProofBench(res.Consistency, cfg.samples, hashes, gen, ver)
	return res, nil
}

func finishProofBench(p proofBench, samples, hashes int, gen, ver []time.Duration) proofBench {
	p.Samples = samples
	p.HashesMean = float64(hashes) / float64(samples)
	p.BytesMax = p.HashesMax * len(ledger.Hash{})
	p.GenP50Ms, p.GenP99Ms = quantileMs(gen, 0.5), quantileMs(gen, 0.99)
	p.VerifyP50Us, p.VerifyP99Us = 1000*quantileMs(ver, 0.5), 1000*quantileMs(ver, 0.99)
	return p
}

// quantileMs returns the q quantile of ds in milliseconds (ds is sorted).
func quantileMs(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Nanoseconds()) / 1e6
}

func printLedgerBench(e *env, r ledgerBench) {
	fmt.Fprintf(e.out, "ledger on %s (GOMAXPROCS=%d)\n", r.Database, r.GOMAXPROCS)
	fmt.Fprintf(e.out, "  single appends  %8.0f /s   one per transaction, %d appends in %.2fs; p50 %.3f ms, p99 %.3f ms\n",
		r.SinglePerSecond, r.SingleAppends, r.SingleSeconds, r.SingleP50Ms, r.SingleP99Ms)
	fmt.Fprintf(e.out, "  concurrent      %8.0f /s   one per transaction from %d clients at once, %d appends in %.2fs; p50 %.3f ms, p99 %.3f ms\n",
		r.ConcurrentPerSecond, r.Clients, r.ConcurrentAppends, r.ConcurrentSeconds, r.ConcurrentP50Ms, r.ConcurrentP99Ms)
	fmt.Fprintf(e.out, "  batched appends %8.0f /s   %d per transaction, %d appends in %.2fs\n",
		r.BatchedPerSecond, r.BatchSize, r.BatchedAppends, r.BatchedSeconds)
	fmt.Fprintf(e.out, "  fill            %8.0f /s   batched, to %d entries in %.1fs", r.FillPerSecond, r.Entries, r.FillSeconds)
	if r.DatabaseMiB > 0 {
		fmt.Fprintf(e.out, "; database %.0f MiB", r.DatabaseMiB)
	}
	fmt.Fprintf(e.out, "; leaf %.0f bytes\n", r.LeafBytesMean)
	fmt.Fprintf(e.out, "  checkpoint      p50 %.3f ms   (root from stored subtrees, signed)\n", r.CheckpointMs)
	for _, p := range []struct {
		name string
		p    proofBench
	}{{"inclusion", r.Inclusion}, {"consistency", r.Consistency}} {
		fmt.Fprintf(e.out, "  %-11s     %.1f hashes mean, %d max (%d bytes); generate p50 %.3f ms, p99 %.3f ms; verify p50 %.1f µs, p99 %.1f µs (%d samples at %d entries)\n",
			p.name, p.p.HashesMean, p.p.HashesMax, p.p.BytesMax, p.p.GenP50Ms, p.p.GenP99Ms, p.p.VerifyP50Us, p.p.VerifyP99Us, p.p.Samples, r.Entries)
	}
}
