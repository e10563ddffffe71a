package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/synth"
)

func benchCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure reunite on this machine and print figures"}
	var n int
	var seed uint64
	imp := &cobra.Command{
		Use:   "import",
		Short: "Import N synthetic child records and print rows per second",
		Long: `Generate N synthetic child records, then import them in one transaction (parse,
validate, store, revision and audit per row) into --db, and print rows per second.
By default --db is a fresh SQLite file in a temporary directory; with a postgres://
URL the records go into a fresh organisation there.`,
		Example: "  reunite bench import --n 100000\n  reunite bench import --n 100000 --db postgres://postgres@127.0.0.1/reunite_bench",
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
			if _, err := writeSynth(cmd, tmp, synth.Config{N: n, Seed: seed}); err != nil {
				return err
			}
			a, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Store().Close()
			suffix := make([]byte, 4)
			rand.Read(suffix)
			org, err := a.CreateOrg(cmd.Context(), access.Operator(operatorLabel(), domain.Organisation{}),
				domain.Organisation{Slug: "bench-" + hex.EncodeToString(suffix), Name: "Benchmark", Kind: domain.OrgGovernment})
			if err != nil {
				return err
			}
			f, err := os.Open(filepath.Join(tmp, SynthChildren))
			if err != nil {
				return err
			}
			defer f.Close()
			res, err := a.Import(cmd.Context(), access.Operator(operatorLabel(), org), domain.KindChild, f, app.ImportOptions{})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "import: %d rows into %s in %.2fs = %.0f rows/s (GOMAXPROCS=%d, %s)\n",
				res.Imported, a.Store().Dialect(), res.Duration.Seconds(), float64(res.Imported)/res.Duration.Seconds(),
				runtime.GOMAXPROCS(0), store.Redact(e.db))
			return nil
		},
	}
	imp.Flags().IntVar(&n, "n", 100_000, "rows to import")
	imp.Flags().Uint64Var(&seed, "seed", 1, "random seed of the synthetic data")
	cmd.AddCommand(imp, benchMatchCmd(e), benchLedgerCmd(e), benchPagesCmd(e), benchHTTPCmd(e))
	return cmd
}
