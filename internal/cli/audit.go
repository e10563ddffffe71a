package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/store"
)

func auditCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The audit trail: verify its hash chain",
	}
	var heads []string
	verify := &cobra.Command{
		Use:   "verify [--head SEQ:HASH]...",
		Short: "Verify the audit trail's hash chain and print its head",
		Long: `Walk the audit trail in chain order (streaming, in pages) and check that every
row is the one its hash says, in its place, after the row its predecessor hash
names, up to the head kept in the database. The first broken row is reported by
its place (seq) and id: an edited row, a removed row, reordered rows, a truncated
tail, or a row written outside the application.

The chain has no secret: someone able to write the database could rewrite every
hash after a change, and the head with them. So the head this command prints is
meant to be kept outside the database (a ticket, the minutes of a meeting, a
printed page) and given back with --head at the next run: a chain that no longer
holds that row with that hash at that place, or is shorter than it, fails.`,
		Example: "  reunite audit verify\n  reunite audit verify --head 1200:3f1c…",
		Args:    cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, args []string, a *app.App) error {
			var anchors []store.AuditHead
			for _, h := range heads {
				ah, err := store.ParseAuditHead(h)
				if err != nil {
					return fmt.Errorf("--head: %w", err)
				}
				anchors = append(anchors, ah)
			}
			v, err := a.Store().VerifyAudit(cmd.Context(), anchors...)
			if err != nil {
				return err
			}
			if !v.OK() {
				fmt.Fprintf(e.out, "audit chain BROKEN after %d good rows: %s\n", v.Rows, v.Problem)
				return fmt.Errorf("%w: first break at seq %d (id %d)", store.ErrAuditBroken, v.Seq, v.ID)
			}
			fmt.Fprintf(e.out, "audit chain verified: %d rows\nhead: %s\n", v.Rows, v.Head)
			if len(anchors) > 0 {
				fmt.Fprintf(e.out, "the %d recorded head(s) are on the chain\n", len(anchors))
			}
			fmt.Fprintln(e.out, "keep the head outside the database and pass it with --head next time")
			return nil
		}),
	}
	verify.Flags().StringArrayVar(&heads, "head", nil, "a head printed by an earlier run (SEQ:HASH), to check it is still on the chain; repeatable")
	cmd.AddCommand(verify)
	return cmd
}
