package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
)

func recordCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "record",
		Short: "Act on one record",
	}
	var kindFlag, org, basis string
	var asJSON bool
	erase := &cobra.Command{
		Use:   "erase --org ORG --kind child|request --legal-basis TEXT RECORD_ID",
		Short: "Erase a record's personal data on a lawful request, keeping a tombstone",
		Long: `Erase a record on a lawful request: its person description, enquirer, external
id, sensitive fields and every earlier version are removed, and so are the
matching engine's explanations of its pairs and, on the cases it is part of,
the messages, attachments, reasons and handover details. A tombstone is kept:
the id, kind, owner, when, by whom and the legal basis. The ledger holds only
ids and salted hashes, so it verifies as before; the erasure is on the audit
trail's chain.

It cannot be undone. --legal-basis is required: the request and the law it is
made under (not the person's name: it is kept).`,
		Example: `  reunite record erase --org ua-nib --kind request --legal-basis "request 2026/114 under art. 17 GDPR" 0190…`,
		Args:    cobra.ExactArgs(1),
		RunE: e.withApp(func(cmd *cobra.Command, args []string, a *app.App) error {
			kind, err := parseKind(kindFlag)
			if err != nil {
				return err
			}
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			er, err := a.EraseRecord(cmd.Context(), p, kind, args[0], basis)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(er)
			}
			fmt.Fprintf(e.out, "erased %s %s of %s at %s by %s\nlegal basis: %s\ncases whose messages and attachments were erased: %d\n",
				er.Kind, er.RecordID, org, er.ErasedAt.Format("2006-01-02 15:04:05Z"), er.ErasedBy, er.LegalBasis, len(er.Cases))
			return nil
		}),
	}
	erase.Flags().StringVar(&org, "org", "", "the organisation that owns the record (slug or id; required)")
	erase.Flags().StringVar(&kindFlag, "kind", string(domain.KindChild), "child or request")
	erase.Flags().StringVar(&basis, "legal-basis", "", "the lawful request and the law it is made under (required)")
	erase.Flags().BoolVar(&asJSON, "json", false, "print the tombstone as JSON")
	erase.MarkFlagRequired("org")
	erase.MarkFlagRequired("legal-basis")
	cmd.AddCommand(erase)
	return cmd
}
