// Package cli holds reunite's subcommands. Each flag can also be set by an
// environment variable REUNITE_<FLAG> (dashes become underscores), so that a
// service manager can configure the server without a command line.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/seal"
	"github.com/reunite-ftr/reunite/internal/store"
)

// DefaultDB is where the SQLite database lives unless --db says otherwise.
const DefaultDB = "./data/reunite.db"

// env holds what every command shares.
type env struct {
	db       string
	dataKeys string // base64 keys, the first sealing (REUNITE_DATA_KEYS)
	keyFile  string
	keys     *seal.Keyring // once open
	logLevel string
	out      io.Writer
	errOut   io.Writer
	log      *slog.Logger
}

// NewRoot returns the reunite command with every subcommand.
func NewRoot(stdout, stderr io.Writer) *cobra.Command {
	e := &env{out: stdout, errOut: stderr}
	root := &cobra.Command{
		Use:   "reunite",
		Short: "Cross-border family tracing and reunification",
		Long: `reunite links tracing requests filed by families to child records located by
the other party, across scripts and spellings, and keeps every step on record.

The database is --db (REUNITE_DB): a file path for SQLite (default ` + DefaultDB + `,
created on first use) or a postgres:// URL for PostgreSQL. Every flag can be
set by an environment variable REUNITE_<FLAG>, e.g. REUNITE_ADDR for --addr.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := bindEnv(cmd.Flags()); err != nil {
				return err
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(e.logLevel)); err != nil {
				return fmt.Errorf("--log-level (REUNITE_LOG_LEVEL): %w", err)
			}
			e.log = slog.New(slog.NewTextHandler(e.errOut, &slog.HandlerOptions{Level: level}))
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&e.db, "db", DefaultDB, "database: SQLite file path or postgres:// URL")
	root.PersistentFlags().StringVar(&e.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&e.dataKeys, "data-keys", "", "master keys that encrypt data at rest: base64, comma-separated, the first wraps new data keys (see reunite keys)")
	root.PersistentFlags().StringVar(&e.keyFile, "key-file", "", "without --data-keys, master key files, comma-separated; the first is created on first use for a database with nothing encrypted (default: reunite.key beside the SQLite database, or ./data/reunite.key)")
	root.AddCommand(
		serveCmd(e), demoCmd(e), migrateCmd(e), orgCmd(e), userCmd(e), tokenCmd(e),
		importCmd(e), exportCmd(e), listCmd(e), reportCmd(e), synthCmd(e), matchCmd(e), evalCmd(e), benchCmd(e), versionCmd(e),
		ledgerCmd(e), witnessCmd(e), meetingCmd(e), operationCmd(e), kinshipCmd(e), keysCmd(e), auditCmd(e), recordCmd(e),
	)
	return root
}

// bindEnv sets every flag not given on the command line from its
// REUNITE_* environment variable, if set.
func bindEnv(flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "REUNITE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, serr)
			}
		}
	})
	return err
}

// keyFiles returns the master key files: --key-file, or reunite.key beside
// the SQLite database (./data/reunite.key for PostgreSQL).
func (e *env) keyFiles() string {
	if e.keyFile != "" {
		return e.keyFile
	}
	if !store.IsPostgres(e.db) {
		return filepath.Join(filepath.Dir(e.db), "reunite.key")
	}
	return filepath.Join("data", "reunite.key")
}

// loadKeys reads the master keys: --data-keys, else the key files, the
// first of which is created on first use, but only for a database that
// holds nothing encrypted yet: a missing key file for a database with
// encrypted data is an error, not a new key.
func (e *env) loadKeys(ctx context.Context) (*seal.Keyring, error) {
	if e.dataKeys != "" {
		k, err := seal.Load(e.dataKeys, "")
		if err != nil {
			return nil, fmt.Errorf("master keys (--data-keys, REUNITE_DATA_KEYS): %w", err)
		}
		return k, nil
	}
	files := e.keyFiles()
	first := strings.TrimSpace(strings.Split(files, ",")[0])
	if _, err := os.Stat(first); errors.Is(err, os.ErrNotExist) {
		s, err := store.Open(ctx, e.db, store.Options{})
		if err != nil {
			return nil, fmt.Errorf("master key file %s does not exist: %w", first, err)
		}
		s.Close()
	}
	k, err := seal.Load("", files)
	if err != nil {
		return nil, fmt.Errorf("master keys (--key-file, REUNITE_KEY_FILE): %w", err)
	}
	return k, nil
}

// open opens the store (bringing its schema up to date, and checking the
// master keys against the data) and the app.
func (e *env) open(ctx context.Context) (*app.App, error) {
	keys, err := e.loadKeys(ctx)
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, e.db, store.Options{Keys: keys, Log: e.log})
	if err != nil {
		return nil, err
	}
	e.keys = keys
	a := app.New(s, e.log)
	a.SetKeyring(keys)
	return a, nil
}

// withApp opens the database for a command's run and closes it after.
func (e *env) withApp(run func(cmd *cobra.Command, args []string, a *app.App) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := e.open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Store().Close()
		return run(cmd, args, a)
	}
}

// operator returns the principal for the command line acting for an
// organisation, labelled with the OS user so the audit trail says who ran it.
func operator(ctx context.Context, a *app.App, orgSlugOrID string) (access.Principal, error) {
	var org domain.Organisation
	err := a.Store().InTx(ctx, func(tx *store.Tx) (err error) { org, err = tx.Org(ctx, orgSlugOrID); return err })
	if err != nil {
		return access.Principal{}, err
	}
	return access.Operator(operatorLabel(), org), nil
}

func operatorLabel() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "cli:" + name
}
