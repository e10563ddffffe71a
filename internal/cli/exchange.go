package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

func listCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "Hand records over to other organisations in lists, and see the lists"}
	var org, kindFlag, note string
	var to []string
	submit := &cobra.Command{
		Use:   "submit --org ORG --kind child|request --to ORG[,ORG] [--external-id ID ...]",
		Short: "Submit a list of an organisation's records to others (all its records of the kind, or those named)",
		Long: `Submit a list: the recipients (the mediator and the other party) then see the
records as the sharing policy allows, and the records take part in cross-party
matching. Without --external-id, every live record of the kind is listed.`,
		Example: "  reunite list submit --org ua-demo --kind request --to ru-demo,mediator-demo",
		Args:    cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			kind, err := parseKind(kindFlag)
			if err != nil {
				return err
			}
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			ext, _ := cmd.Flags().GetStringSlice("external-id")
			var ids []string
			f := store.RecordFilter{Kind: kind, Limit: app.MaxPage}
			for {
				recs, next, err := a.ListRecords(cmd.Context(), p, f)
				if err != nil {
					return err
				}
				for _, r := range recs {
					if r.OrgID != p.OrgID {
						continue
					}
					if len(ext) == 0 || slices.Contains(ext, r.ExternalID) {
						ids = append(ids, r.ID)
					}
				}
				if next == "" {
					break
				}
				f.After = next
			}
			l, err := a.SubmitList(cmd.Context(), p, app.ListSubmission{Kind: kind, RecordIDs: ids, Recipients: to, Note: note})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "submitted list %d: %d %s records to %d organisation(s)\n", l.Number, l.Count, l.Kind, len(l.Recipients))
			return nil
		}),
	}
	submit.Flags().StringVar(&org, "org", "", "submitting organisation (required)")
	submit.Flags().StringVar(&kindFlag, "kind", "", "child or request (required)")
	submit.Flags().StringSliceVar(&to, "to", nil, "recipients, slugs or ids (required)")
	submit.Flags().StringSlice("external-id", nil, "list only these records (the organisation's own ids)")
	submit.Flags().StringVar(&note, "note", "", "a note for the recipients")

	var showOrg string
	show := &cobra.Command{
		Use:   "show --org ORG",
		Short: "Show the lists an organisation submitted or received, with receipts",
		Args:  cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			p, err := operator(cmd.Context(), a, showOrg)
			if err != nil {
				return err
			}
			ls, err := a.Lists(cmd.Context(), p)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FROM\tNUMBER\tKIND\tCOUNT\tSUBMITTED\tRECIPIENTS (acknowledged)")
			for _, l := range ls {
				acks := ""
				for _, r := range l.Recipients {
					mark := "no"
					if !r.AcknowledgedAt.IsZero() {
						mark = r.AcknowledgedAt.Format("2006-01-02")
					}
					acks += fmt.Sprintf("%s (%s) ", r.OrgID, mark)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\n", l.OrgID, l.Number, l.Kind, l.Count, l.SubmittedAt.Format("2006-01-02 15:04"), acks)
			}
			return tw.Flush()
		}),
	}
	show.Flags().StringVar(&showOrg, "org", "", "organisation (required)")
	cmd.AddCommand(submit, show)
	return cmd
}

func reportCmd(e *env) *cobra.Command {
	var org string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "report [--org ORG] [--json]",
		Short: "The pipeline of cases and the weekly reunifications by category",
		Long: `The pipeline (cases in each state, median days spent in each) and the children
reunited each week, by category: displaced by frontline fighting, separated
across the border, turned 18 since displacement, and the others; then the
commitments made at meetings, per meeting and per organisation (made, met on
time, met late, overdue, median days from commitment to reunification), the
handover operations (children planned and reunited), and every overdue
commitment, flagged. Counts only: the report holds no one's data. Without
--org it covers every case and meeting.`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			p, err := operator(cmd.Context(), a, org)
			if org == "" {
				p, err = operatorAll(), nil
			}
			if err != nil {
				return err
			}
			rep, err := a.Report(cmd.Context(), p)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			fmt.Fprintf(e.out, "Cases: %d (%s)\n\nPipeline\n", rep.Total, rep.Scope)
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "STATE\tCASES NOW\tMEDIAN DAYS\tSTAYS")
			for _, r := range rep.Pipeline {
				fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\n", r.State, r.Cases, r.MedianDays, r.Stays)
			}
			tw.Flush()
			fmt.Fprintln(e.out, "\nReunited per week")
			tw = tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WEEK OF\tCATEGORY\tCHILDREN")
			for _, r := range rep.Weekly {
				fmt.Fprintf(tw, "%s\t%s\t%d\n", r.Week, r.Category, r.Count)
			}
			tw.Flush()
			printFigures(e.out, rep.Commitments)
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "only the cases this organisation is a party to")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// operatorAll is the operator over every organisation, for reports.
func operatorAll() access.Principal { return access.Operator(operatorLabel(), domain.Organisation{}) }
