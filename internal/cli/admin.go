package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
)

func migrateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Args:  cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			cur, latest, err := a.Store().SchemaVersion(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "%s schema at version %d (latest %d)\n", a.Store().Dialect(), cur, latest)
			return nil
		}),
	}
}

func orgCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Manage organisations (the parties)"}
	var o domain.Organisation
	var kind string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add an organisation",
		Example: `  reunite org add --slug ua-nib --name "National Information Bureau" --kind government --country UA
  reunite org add --slug mediator --name "Mediator" --kind mediator`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			o.Kind = domain.OrgKind(kind)
			o.Country = strings.ToUpper(o.Country)
			created, err := a.CreateOrg(cmd.Context(), access.Operator(operatorLabel(), domain.Organisation{}), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "organisation %s (%s) created with id %s\n", created.Slug, created.Name, created.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&o.Slug, "slug", "", "short handle, e.g. ua-nib (required)")
	add.Flags().StringVar(&o.Name, "name", "", "full name (required)")
	add.Flags().StringVar(&kind, "kind", "", "government, mediator or humanitarian (required)")
	add.Flags().StringVar(&o.Country, "country", "", "ISO 3166-1 alpha-2 country code")
	list := &cobra.Command{
		Use:   "list",
		Short: "List organisations",
		Args:  cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			orgs, err := a.Orgs(cmd.Context(), access.Principal{})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLUG\tKIND\tCOUNTRY\tNAME\tID")
			for _, o := range orgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Slug, o.Kind, o.Country, o.Name, o.ID)
			}
			return tw.Flush()
		}),
	}
	cmd.AddCommand(add, list)
	return cmd
}

func userCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var org, email, name, roles string
	var passwordStdin bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user to an organisation",
		Example: `  reunite user add --org ua-nib --email olena@example.org --name "Olena K." --roles caseworker,reviewer
  printf '%s' "$PASSWORD" | reunite user add --org ua-nib --email admin@example.org --roles admin --password-stdin`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			password := ""
			if passwordStdin {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("reading the password from standard input: %w", err)
				}
				password = strings.TrimRight(line, "\r\n")
			}
			var rs []domain.Role
			for _, r := range strings.Split(roles, ",") {
				if r = strings.TrimSpace(r); r != "" {
					rs = append(rs, domain.Role(r))
				}
			}
			u, err := a.CreateUser(cmd.Context(), p, domain.User{Email: email, Name: name, Roles: rs}, password)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "user %s created with id %s\n", u.Email, u.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&org, "org", "", "organisation slug or id (required)")
	add.Flags().StringVar(&email, "email", "", "e-mail address, used to sign in (required)")
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().StringVar(&roles, "roles", "", "comma-separated: admin, caseworker, reviewer, analyst, auditor (required)")
	add.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read a password (12+ characters) from standard input")
	cmd.AddCommand(add)
	return cmd
}

func tokenCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var userRef, name, scopes string
	var ttl time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token for a user (printed once, stored hashed)",
		Long: "Create an API token for a user. The token is printed once and only its hash is stored.\n" +
			"Scopes limit it to some of the user's permissions: " + fmt.Sprint(access.Permissions) + ".",
		Example: `  reunite token create --user olena@example.org --name laptop --ttl 720h
  reunite token create --user analyst@example.org --scopes records:read`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			var sc []string
			for _, s := range strings.Split(scopes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					sc = append(sc, s)
				}
			}
			tok, err := a.CreateToken(cmd.Context(), userRef, name, sc, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.out, tok)
			if f, ok := e.errOut.(*os.File); ok && f == os.Stderr {
				fmt.Fprintln(e.errOut, "Keep this token secret: it is shown only now.")
			}
			return nil
		}),
	}
	create.Flags().StringVar(&userRef, "user", "", "user e-mail or id (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	create.Flags().StringVar(&scopes, "scopes", "", "comma-separated scopes (default: all of the user's permissions)")
	create.Flags().DurationVar(&ttl, "ttl", 90*24*time.Hour, "lifetime, e.g. 720h; 0 for no expiry")
	cmd.AddCommand(create)
	return cmd
}

func versionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(e.out, "reunite", Version())
			return nil
		},
	}
}
