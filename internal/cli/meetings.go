package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/access"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/store"
)

func parseDay(flag, s string) (domain.Date, error) {
	var d domain.Date
	if err := d.UnmarshalText([]byte(s)); err != nil || d.IsZero() {
		return d, fmt.Errorf("--%s %q: a day, YYYY-MM-DD", flag, s)
	}
	return d, nil
}

// resolveCases turns case ids or case numbers (as the command line shows
// them) into ids, among the cases p's organisation is a party to.
func resolveCases(ctx context.Context, a *app.App, p access.Principal, refs []string) ([]string, error) {
	var mine []store.Case
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		n, err := strconv.Atoi(ref)
		if err != nil {
			out = append(out, ref)
			continue
		}
		if mine == nil {
			if mine, err = a.Cases(ctx, p, "", ""); err != nil {
				return nil, err
			}
		}
		found := ""
		for _, c := range mine {
			if c.Number == n {
				found = c.ID
			}
		}
		if found == "" {
			return nil, fmt.Errorf("no case %d that your organisation is a party to", n)
		}
		out = append(out, found)
	}
	return out, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func meetingCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "meeting", Short: "Meetings between the parties, and the commitments made at them"}

	var org, date, place, channel, minutes, minutesFile string
	var with, lists []string
	add := &cobra.Command{
		Use:   "add --org ORG --date YYYY-MM-DD (--place P | --channel C) --with ORG[,ORG] [--list ID ...] [--minutes TEXT | --minutes-file FILE]",
		Short: "Record a meeting an organisation took part in",
		Long: `Record a meeting: its day, place or channel, the other organisations present,
the lists presented at it and its minutes (sealed at rest). Only the
organisations present see it, its commitments and its operations.`,
		Example: "  reunite meeting add --org mediator-demo --date 2026-03-02 --place Doha --with ua-demo,ru-demo --minutes-file minutes.txt",
		Args:    cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			d, err := parseDay("date", date)
			if err != nil {
				return err
			}
			if minutesFile != "" {
				b, err := os.ReadFile(minutesFile)
				if err != nil {
					return err
				}
				minutes = string(b)
			}
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			m, err := a.RecordMeeting(cmd.Context(), p, app.MeetingInput{HeldOn: d, Place: place, Channel: channel, Organisations: with, ListIDs: lists, Minutes: minutes})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "recorded meeting %s of %s: %d organisations, %d lists\n", m.ID, m.HeldOn, len(m.OrgIDs), len(m.ListIDs))
			return nil
		}),
	}
	add.Flags().StringVar(&org, "org", "", "the recording organisation, present at the meeting (required)")
	add.Flags().StringVar(&date, "date", "", "the day it was held, YYYY-MM-DD (required)")
	add.Flags().StringVar(&place, "place", "", "where it was held")
	add.Flags().StringVar(&channel, "channel", "", "or the channel: video call, letters…")
	add.Flags().StringSliceVar(&with, "with", nil, "the other organisations present, slugs or ids (required)")
	add.Flags().StringSliceVar(&lists, "list", nil, "ids of lists presented at it")
	add.Flags().StringVar(&minutes, "minutes", "", "the minutes")
	add.Flags().StringVar(&minutesFile, "minutes-file", "", "a file holding the minutes")

	var listOrg string
	list := &cobra.Command{
		Use:   "list --org ORG",
		Short: "List the meetings an organisation took part in",
		Args:  cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			p, err := operator(cmd.Context(), a, listOrg)
			if err != nil {
				return err
			}
			ms, err := a.Meetings(cmd.Context(), p)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tHELD ON\tPLACE OR CHANNEL\tORGANISATIONS\tLISTS")
			for _, m := range ms {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", m.ID, m.HeldOn, strings.TrimSpace(m.Place+" "+m.Channel), len(m.OrgIDs), len(m.ListIDs))
			}
			return tw.Flush()
		}),
	}
	list.Flags().StringVar(&listOrg, "org", "", "organisation (required)")

	var showOrg string
	var showJSON bool
	show := &cobra.Command{
		Use:   "show --org ORG MEETING-ID",
		Short: "Show a meeting: minutes, lists, commitments and their status, operations",
		Args:  cobra.ExactArgs(1),
		RunE: e.withApp(func(cmd *cobra.Command, args []string, a *app.App) error {
			p, err := operator(cmd.Context(), a, showOrg)
			if err != nil {
				return err
			}
			m, err := a.Meeting(cmd.Context(), p, args[0])
			if err != nil {
				return err
			}
			if showJSON {
				return printJSON(e.out, m)
			}
			fmt.Fprintf(e.out, "Meeting %s, %s, %s\nOrganisations: %s\n", m.ID, m.HeldOn, strings.TrimSpace(m.Place+" "+m.Channel), strings.Join(m.OrgIDs, ", "))
			for _, l := range m.Lists {
				fmt.Fprintf(e.out, "List presented: %s (number %d of %s, %d %s records)\n", l.ID, l.Number, l.OrgID, l.Count, l.Kind)
			}
			for _, at := range m.Attachments {
				fmt.Fprintf(e.out, "Attachment: %s %s (%s, %d bytes)\n", at.ID, at.Name, at.ContentType, at.Size)
			}
			if m.Minutes != "" {
				fmt.Fprintf(e.out, "\nMinutes\n%s\n", m.Minutes)
			}
			fmt.Fprintln(e.out, "\nCommitments")
			printCommitments(e.out, m.Commitments)
			fmt.Fprintln(e.out, "\nOperations")
			printOperations(e.out, m.Operations)
			return nil
		}),
	}
	show.Flags().StringVar(&showOrg, "org", "", "organisation that took part (required)")
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")

	var cOrg, meeting, from, to, kind, due string
	var caseRefs, rows []string
	commit := &cobra.Command{
		Use:   "commit --org ORG --meeting ID --from ORG --to ORG --kind KIND --due YYYY-MM-DD (--case ID|NUMBER ... | --row LIST-ID:RECORD-ID ...)",
		Short: "Record a commitment made at a meeting by one organisation to another",
		Long: `Record a commitment made at a meeting: by one organisation present to another,
of a kind (` + strings.Join(app.CommitmentKinds, ", ") + `), covering
cases (by id or number) or rows of lists presented at the meeting, due by a day.
Its status (open, partly_met, met, overdue, withdrawn) is computed from the
cases it covers.`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			d, err := parseDay("due", due)
			if err != nil {
				return err
			}
			p, err := operator(cmd.Context(), a, cOrg)
			if err != nil {
				return err
			}
			ids, err := resolveCases(cmd.Context(), a, p, caseRefs)
			if err != nil {
				return err
			}
			in := app.CommitmentInput{From: from, To: to, Kind: kind, DueOn: d, CaseIDs: ids}
			for _, r := range rows {
				l, rec, ok := strings.Cut(r, ":")
				if !ok {
					return fmt.Errorf("--row %q: LIST-ID:RECORD-ID", r)
				}
				in.Rows = append(in.Rows, store.ListRow{ListID: l, RecordID: rec})
			}
			c, err := a.MakeCommitment(cmd.Context(), p, meeting, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "commitment %s: %s, %d covered, due %s: %s\n", c.ID, c.Kind, c.Covered, c.DueOn, c.Status)
			return nil
		}),
	}
	commit.Flags().StringVar(&cOrg, "org", "", "the recording organisation, present at the meeting (required)")
	commit.Flags().StringVar(&meeting, "meeting", "", "the meeting's id (required)")
	commit.Flags().StringVar(&from, "from", "", "the organisation that commits (required)")
	commit.Flags().StringVar(&to, "to", "", "the organisation committed to (required)")
	commit.Flags().StringVar(&kind, "kind", "", strings.Join(app.CommitmentKinds, ", ")+" (required)")
	commit.Flags().StringVar(&due, "due", "", "the day it is due, YYYY-MM-DD (required)")
	commit.Flags().StringSliceVar(&caseRefs, "case", nil, "cases covered, by id or number")
	commit.Flags().StringSliceVar(&rows, "row", nil, "list rows covered, LIST-ID:RECORD-ID")

	var wOrg, reason string
	withdraw := &cobra.Command{
		Use:   "withdraw --org ORG --reason TEXT COMMITMENT-ID",
		Short: "Withdraw a commitment (only the organisation that made it)",
		Args:  cobra.ExactArgs(1),
		RunE: e.withApp(func(cmd *cobra.Command, args []string, a *app.App) error {
			p, err := operator(cmd.Context(), a, wOrg)
			if err != nil {
				return err
			}
			c, err := a.WithdrawCommitment(cmd.Context(), p, args[0], reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "commitment %s: %s\n", c.ID, c.Status)
			return nil
		}),
	}
	withdraw.Flags().StringVar(&wOrg, "org", "", "the organisation that made the commitment (required)")
	withdraw.Flags().StringVar(&reason, "reason", "", "why (required)")

	cmd.AddCommand(add, list, show, commit, withdraw)
	return cmd
}

func printCommitments(w io.Writer, cs []app.CommitmentView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tFROM\tTO\tDUE\tMET\tSTATUS")
	for _, c := range cs {
		status := c.Status
		switch {
		case c.Status == app.StatusOverdue:
			status = fmt.Sprintf("OVERDUE by %d days", c.OverdueDays)
		case c.Status == app.StatusMet && c.Late:
			status = "met late (" + c.MetOn + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d of %d\t%s\n", c.ID, c.Kind, c.FromOrg, c.ToOrg, c.DueOn, c.Met, c.Covered, status)
	}
	tw.Flush()
}

func printOperations(w io.Writer, ops []app.OperationView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDATE\tCROSSING OR ROUTE\tSTATUS\tPLANNED\tREUNITED\tSTAYED BEHIND")
	for _, o := range ops {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", o.ID, o.PlannedOn, strings.TrimSpace(o.CrossingPoint+" "+o.Route), o.Status, o.ChildrenPlanned, o.ChildrenReunited, o.ChildrenStayedBehind)
	}
	tw.Flush()
}

func operationCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "operation", Short: "Handover operations: planned batches of reunifications"}

	var org, meeting, date, crossing, route string
	var escorts, caseRefs []string
	plan := &cobra.Command{
		Use:   "plan --org ORG --meeting ID --date YYYY-MM-DD (--crossing PLACE | --route ROUTE) --escort ORG=NAME ... --case ID|NUMBER ...",
		Short: "Plan a handover operation agreed at a meeting",
		Long: `Plan a handover operation: its day, the crossing point or third-country route,
the escorts from each side and the mediator, and the cases (by id or number).
Each case moves, through the state machine, to handover_planned.`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			d, err := parseDay("date", date)
			if err != nil {
				return err
			}
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			ids, err := resolveCases(cmd.Context(), a, p, caseRefs)
			if err != nil {
				return err
			}
			in := app.OperationInput{MeetingID: meeting, Date: d, CrossingPoint: crossing, Route: route, CaseIDs: ids}
			for _, es := range escorts {
				o, name, ok := strings.Cut(es, "=")
				if !ok {
					return fmt.Errorf("--escort %q: ORG=NAME", es)
				}
				in.Escorts = append(in.Escorts, app.EscortInput{Organisation: o, Name: name})
			}
			op, err := a.PlanOperation(cmd.Context(), p, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "planned operation %s on %s: %d children\n", op.ID, op.PlannedOn, op.ChildrenPlanned)
			return nil
		}),
	}
	plan.Flags().StringVar(&org, "org", "", "the planning organisation, a party to every case (required)")
	plan.Flags().StringVar(&meeting, "meeting", "", "the meeting it was agreed at (required)")
	plan.Flags().StringVar(&date, "date", "", "the day of the handover (required)")
	plan.Flags().StringVar(&crossing, "crossing", "", "the crossing point")
	plan.Flags().StringVar(&route, "route", "", "or the route through a third country")
	plan.Flags().StringArrayVar(&escorts, "escort", nil, "an escort, ORG=NAME (repeat)")
	plan.Flags().StringSliceVar(&caseRefs, "case", nil, "the cases, by id or number (required)")

	var cOrg, file string
	complete := &cobra.Command{
		Use:   "complete --org ORG --file HANDOVERS.json OPERATION-ID",
		Short: "Complete an operation: each child handed over, or why they stayed behind",
		Long: `Complete an operation in one transaction. The file is the API's body:
{"children": [{"case_id": …, "handed_by": …, "received_by": …, "at": RFC 3339,
"documents": […]}, {"case_id": …, "stayed_behind": "the reason"}]}, one entry
per child. Each child handed over has its case moved to reunited; a child who
stayed behind keeps its case where it is.`,
		Args: cobra.ExactArgs(1),
		RunE: e.withApp(func(cmd *cobra.Command, args []string, a *app.App) error {
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			in, err := parseCompletion(data)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			p, err := operator(cmd.Context(), a, cOrg)
			if err != nil {
				return err
			}
			op, err := a.CompleteOperation(cmd.Context(), p, args[0], in)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "completed operation %s: %d of %d children reunited, %d stayed behind\n", op.ID, op.ChildrenReunited, op.ChildrenPlanned, op.ChildrenStayedBehind)
			return nil
		}),
	}
	complete.Flags().StringVar(&cOrg, "org", "", "the completing organisation, a party to every case (required)")
	complete.Flags().StringVar(&file, "file", "", "the handover records, JSON (required)")

	var sOrg string
	var sJSON bool
	show := &cobra.Command{
		Use:   "show --org ORG OPERATION-ID",
		Short: "Show an operation and each child's handover",
		Args:  cobra.ExactArgs(1),
		RunE: e.withApp(func(cmd *cobra.Command, args []string, a *app.App) error {
			p, err := operator(cmd.Context(), a, sOrg)
			if err != nil {
				return err
			}
			op, err := a.Operation(cmd.Context(), p, args[0])
			if err != nil {
				return err
			}
			if sJSON {
				return printJSON(e.out, op)
			}
			printOperations(e.out, []app.OperationView{op})
			fmt.Fprintln(e.out)
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CASE\tOUTCOME\tHANDED BY\tRECEIVED BY\tAT\tDOCUMENTS\tREASON")
			for _, c := range op.Children {
				when := ""
				if !c.HandedAt.IsZero() {
					when = c.HandedAt.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.CaseID, c.Outcome, c.HandedBy, c.ReceivedBy, when, strings.Join(c.Documents, "; "), c.Reason)
			}
			return tw.Flush()
		}),
	}
	show.Flags().StringVar(&sOrg, "org", "", "an organisation that took part in the meeting (required)")
	show.Flags().BoolVar(&sJSON, "json", false, "print JSON")

	cmd.AddCommand(plan, complete, show)
	return cmd
}

// parseCompletion reads the handover records of an operation: one JSON
// object, no unknown fields, nothing after it.
func parseCompletion(data []byte) (app.CompletionInput, error) {
	var in app.CompletionInput
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("not the handover records: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return in, fmt.Errorf("not the handover records: more than one JSON value")
	}
	return in, nil
}

// printFigures prints the commitments part of the report.
func printFigures(w io.Writer, f app.Figures) {
	counts := func(tw io.Writer, label string, c app.CommitmentCounts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\n", label, c.Made, c.MetOnTime, c.MetLate, c.Overdue, c.PartlyMet+c.Open, c.Withdrawn, c.MedianDaysToReunification)
	}
	header := "\tMADE\tMET ON TIME\tMET LATE\tOVERDUE\tOPEN\tWITHDRAWN\tMEDIAN DAYS TO REUNIFICATION"
	fmt.Fprintf(w, "\nCommitments (%s)\n", f.Scope)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MEETING"+header)
	for _, m := range f.ByMeeting {
		counts(tw, m.HeldOn+" "+strings.TrimSpace(m.Place+" "+m.Channel), m.CommitmentCounts)
	}
	counts(tw, "all", f.Total)
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nCOMMITTED BY"+header)
	for _, o := range f.ByOrganisation {
		counts(tw, o.Slug, o.CommitmentCounts)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nHandover operations")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tDATE\tSTATUS\tPLANNED\tREUNITED\tSTAYED BEHIND")
	for _, o := range f.Operations {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", o.OperationID, o.PlannedOn, o.Status, o.Planned, o.Reunited, o.StayedBehind)
	}
	tw.Flush()
	if len(f.Overdue) == 0 {
		fmt.Fprintln(w, "\nNo commitment is overdue.")
		return
	}
	fmt.Fprintf(w, "\nOVERDUE: %d commitment(s)\n", len(f.Overdue))
	printCommitments(w, f.Overdue)
}
