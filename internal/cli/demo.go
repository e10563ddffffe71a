package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/synth"
	"github.com/reunite-ftr/reunite/internal/web"
)

// DefaultDemoDB is the demo's own database, kept apart from DefaultDB.
const DefaultDemoDB = "./data/demo.db"

// DemoPassword is every demo user's password. The demo holds synthetic data
// only; never use it for real records.
const DemoPassword = "demo-password-not-secret"

// demoOrgs are the three parties of the demo.
var demoOrgs = []domain.Organisation{
	{Slug: "ua-demo", Name: "Ukraine — National Information Bureau (demo)", Kind: domain.OrgGovernment, Country: "UA"},
	{Slug: "ru-demo", Name: "Russian Federation — Children's Rights Office (demo)", Kind: domain.OrgGovernment, Country: "RU"},
	{Slug: "mediator-demo", Name: "Mediator (demo)", Kind: domain.OrgMediator},
}

func demoCmd(e *env) *cobra.Command {
	var addr string
	var cfg synth.Config
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create a fresh SQLite database with synthetic data for both parties, and serve it",
		Long: `Create a fresh SQLite database (default ` + DefaultDemoDB + `), add three parties — two
governments and a mediator — with users of every role, load a synthetic dataset
(tracing requests for the Ukrainian side, child records for the other side), print
API tokens, and serve the API. An existing demo database is replaced; any other
database is never touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db := e.db
			if !cmd.Flags().Changed("db") && os.Getenv("REUNITE_DB") == "" {
				db = DefaultDemoDB
			}
			if store.IsPostgres(db) {
				return errors.New("demo makes a fresh SQLite database: give --db a file path")
			}
			e.db = db
			if err := removeDemoDB(cmd.Context(), e, db); err != nil {
				return err
			}
			a, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Store().Close()
			tokens, err := seedDemo(cmd, a, filepath.Join(filepath.Dir(db), "demo-synth"), cfg)
			if err != nil {
				return err
			}
			// Fill the review queue; the engine stays live for new records.
			matched, err := a.MatchAll(cmd.Context(), operatorLabel(), app.MatchOptions{})
			if err != nil {
				return err
			}
			dnaSample, dnaTable, err := seedDemoKinship(cmd, a, filepath.Join(filepath.Dir(db), "demo-synth"))
			if err != nil {
				return err
			}
			return serve(cmd.Context(), e.log, a, addr, web.Options{}, func(url string) {
				fmt.Fprintf(e.out, "\nreunite demo is serving %s on %s (synthetic data only)\n\n", db, url)
				fmt.Fprintf(e.out, "  open %s/ in a browser and sign in as one of:\n", url)
				for _, o := range demoOrgs {
					fmt.Fprintf(e.out, "    officer@%s.example.org   (case worker, reviewer, analyst)\n", o.Slug)
					fmt.Fprintf(e.out, "    admin@%s.example.org     (administrator)\n", o.Slug)
				}
				fmt.Fprintf(e.out, "  (every role has its own account too: caseworker@, reviewer@, analyst@, auditor@ …)\n\n")
				for _, t := range tokens {
					fmt.Fprintf(e.out, "  token %-42s %s\n", t.who, t.token)
				}
				fmt.Fprintf(e.out, "\n  every demo user's password: %s\n", DemoPassword)
				fmt.Fprintf(e.out, "  review queue: %d proposed pairs (GET /api/v1/review-queue as a reviewer)\n", matched.Queued)
				fmt.Fprintf(e.out, "\n  try: curl -H 'Authorization: Bearer %s' '%s/api/v1/tracing-requests?limit=2'\n", tokens[0].token, url)
				fmt.Fprintf(e.out, "\n  DNA kinship: simulated STR profiles for %d synthetic families, with the frequency table %s,\n", demoKinshipFamilies, dnaTable.Name)
				fmt.Fprintf(e.out, "  which is SIMULATED (made up, not a real population). Try:\n")
				fmt.Fprintf(e.out, "    reunite kinship search --db %s --org ru-demo --sample %s --table %s --theta 0.01\n\n", db, dnaSample, dnaTable.Name)
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().IntVar(&cfg.N, "n", 2000, "synthetic records per side")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "random seed of the synthetic data")
	return cmd
}

// removeDemoDB deletes db if it is a demo database, and refuses if it is
// anything else, so that a mistyped --db can never destroy real records.
func removeDemoDB(ctx context.Context, e *env, db string) error {
	if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	keys, err := e.loadKeys(ctx)
	if err != nil {
		return fmt.Errorf("%s exists and cannot be opened as a demo database: %w", db, err)
	}
	s, err := store.Open(ctx, db, store.Options{Keys: keys})
	if err != nil {
		return fmt.Errorf("%s exists and cannot be opened as a demo database: %w", db, err)
	}
	isDemo := false
	s.InTx(ctx, func(tx *store.Tx) error {
		orgs, err := tx.Orgs(ctx)
		isDemo = err == nil && len(orgs) == len(demoOrgs)
		for _, o := range orgs {
			isDemo = isDemo && strings.HasSuffix(o.Slug, "-demo")
		}
		return nil
	})
	s.Close()
	if !isDemo {
		return fmt.Errorf("%s exists and is not a demo database: demo will not replace it; choose another --db", db)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

type demoToken struct{ who, token string }

// seedDemo adds the demo's parties, users and synthetic records, and returns
// an API token for some of the users.
func seedDemo(cmd *cobra.Command, a *app.App, synthDir string, cfg synth.Config) ([]demoToken, error) {
	ctx := cmd.Context()
	root := access.Operator(operatorLabel(), domain.Organisation{})
	var tokens []demoToken
	for _, o := range demoOrgs {
		org, err := a.CreateOrg(ctx, root, o)
		if err != nil {
			return nil, err
		}
		op := access.Operator(operatorLabel(), org)
		// An officer does a small team's whole job in the web pages:
		// records, review and cases.
		officer := domain.User{Email: "officer@" + org.Slug + ".example.org", Name: "Demo officer (" + org.Slug + ")",
			Roles: []domain.Role{domain.RoleCaseworker, domain.RoleReviewer, domain.RoleAnalyst}}
		if _, err := a.CreateUser(ctx, op, officer, DemoPassword); err != nil {
			return nil, err
		}
		for _, role := range domain.Roles {
			email := fmt.Sprintf("%s@%s.example.org", role, org.Slug)
			if _, err := a.CreateUser(ctx, op, domain.User{Email: email, Name: fmt.Sprintf("Demo %s (%s)", role, org.Slug), Roles: []domain.Role{role}}, DemoPassword); err != nil {
				return nil, err
			}
			if role == domain.RoleCaseworker || role == domain.RoleAuditor {
				tok, err := a.CreateToken(ctx, email, "demo", nil, 0)
				if err != nil {
					return nil, err
				}
				tokens = append(tokens, demoToken{email, tok})
			}
		}
	}
	if _, err := writeSynth(cmd, synthDir, cfg); err != nil {
		return nil, err
	}
	// Each party hands its records over to the other and the mediator in
	// a list, so that they enter cross-party matching.
	for _, load := range []struct {
		org, file string
		kind      domain.Kind
		to        []string
	}{
		{"ua-demo", SynthRequests, domain.KindRequest, []string{"ru-demo", "mediator-demo"}},
		{"ru-demo", SynthChildren, domain.KindChild, []string{"ua-demo", "mediator-demo"}},
	} {
		p, err := operator(ctx, a, load.org)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(filepath.Join(synthDir, load.file))
		if err != nil {
			return nil, err
		}
		res, err := a.Import(ctx, p, load.kind, f, app.ImportOptions{})
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", load.file, err)
		}
		if _, err := a.SubmitList(ctx, p, app.ListSubmission{Kind: load.kind, RecordIDs: res.IDs, Recipients: load.to, Note: "demo list"}); err != nil {
			return nil, fmt.Errorf("submitting %s: %w", load.file, err)
		}
	}
	return tokens, nil
}
