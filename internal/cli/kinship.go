package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/kinship"
)

func kinshipCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kinship",
		Short: "DNA kinship: likelihood ratios, search against reference families, simulation, import",
		Long: `DNA kinship verification from STR profiles: likelihood ratios for parent–child
(duo), trios, full and half siblings, grandparents and aunts/uncles, with a θ (Fst)
correction, a stepwise mutation model and silent alleles; a search of one child's
profile against every reference family; simulation of pedigrees for error rates.

Never use made-up frequencies as if they were a real population: --simulated-table
makes a table that is labelled SIMULATED everywhere it appears.`,
	}
	cmd.AddCommand(kinshipLRCmd(e), kinshipSearchCmd(e), kinshipSimulateCmd(e), kinshipImportCmd(e), kinshipResultCmd(e))
	return cmd
}

// lrFlags are how a likelihood ratio is computed.
type lrFlags struct {
	theta, mutation, twoStep, fractional, null, prior float64
	locusMutation                                     []string
	loci                                              string
}

func (f *lrFlags) add(cmd *cobra.Command) {
	cmd.Flags().Float64Var(&f.theta, "theta", 0, "θ (Fst) of NRC II's correction: about 0.01 for large populations, 0.03 for small or isolated ones")
	cmd.Flags().Float64Var(&f.mutation, "mutation-rate", kinship.DefaultMutation.Rate, "mutation rate per meiosis at every locus (0: none, an inconsistency excludes)")
	cmd.Flags().Float64Var(&f.twoStep, "two-step", kinship.DefaultMutation.TwoStep, "how much rarer each further mutation step is (two-step / one-step)")
	cmd.Flags().Float64Var(&f.fractional, "fractional", kinship.DefaultMutation.Fractional, "weight of a change by part of a repeat (9.3 → 10) against a whole step")
	cmd.Flags().StringArrayVar(&f.locusMutation, "locus-mutation", nil, "a locus's own rate and two-step fraction, e.g. FGA=0.003:0.1 (repeatable)")
	cmd.Flags().Float64Var(&f.null, "null", 0, "probability that an apparent homozygote hides a silent allele (null allele or dropout)")
	cmd.Flags().Float64Var(&f.prior, "prior", 0.5, "prior probability of the relationship, for the posterior")
	cmd.Flags().StringVar(&f.loci, "loci", "", "use only these loci (comma-separated)")
}

func (f *lrFlags) options() (kinship.Options, error) {
	o := kinship.Options{Theta: f.theta, Null: f.null, Prior: f.prior,
		Mutation: kinship.Mutation{LocusMutation: kinship.LocusMutation{Rate: f.mutation, TwoStep: f.twoStep}, Fractional: f.fractional}}
	for _, lm := range f.locusMutation {
		name, rates, ok := strings.Cut(lm, "=")
		l, err := kinship.ParseLocus(name)
		if !ok || err != nil {
			return o, fmt.Errorf("--locus-mutation %q: want LOCUS=RATE[:TWO_STEP]", lm)
		}
		r, ts, _ := strings.Cut(rates, ":")
		m := kinship.LocusMutation{TwoStep: f.twoStep}
		if m.Rate, err = strconv.ParseFloat(r, 64); err != nil {
			return o, fmt.Errorf("--locus-mutation %q: %v", lm, err)
		}
		if ts != "" {
			if m.TwoStep, err = strconv.ParseFloat(ts, 64); err != nil {
				return o, fmt.Errorf("--locus-mutation %q: %v", lm, err)
			}
		}
		if o.Mutation.Loci == nil {
			o.Mutation.Loci = map[kinship.Locus]kinship.LocusMutation{}
		}
		o.Mutation.Loci[l] = m
	}
	if f.loci != "" {
		for name := range strings.SplitSeq(f.loci, ",") {
			l, err := kinship.ParseLocus(name)
			if err != nil {
				return o, fmt.Errorf("--loci: %w", err)
			}
			o.Loci = append(o.Loci, l)
		}
	}
	return o, o.Check()
}

// tableFlags choose a frequency table from a file or a simulated one.
type tableFlags struct {
	file     string
	n        int
	minFreq  float64
	simSeed  uint64
	simulate bool
}

func (f *tableFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.file, "freq", "", "allele frequency table, CSV: locus, allele, frequency (a row LOCUS,N,500 gives the sample size)")
	cmd.Flags().IntVar(&f.n, "freq-n", 0, "individuals typed, for loci without an N row: the minimum frequency of unseen alleles is 5/2N")
	cmd.Flags().Float64Var(&f.minFreq, "min-frequency", 0, "minimum allele frequency, in place of 5/2N")
	cmd.Flags().Uint64Var(&f.simSeed, "simulated-table", 0, "use a SIMULATED frequency table made from this seed (not a real population: for tests and demonstrations)")
}

func (f *tableFlags) load(cmd *cobra.Command, errOut io.Writer) (*kinship.FrequencyTable, error) {
	f.simulate = cmd.Flags().Changed("simulated-table")
	switch {
	case f.simulate && f.file != "":
		return nil, errors.New("give --freq or --simulated-table, not both")
	case f.simulate:
		t := kinship.SimulateTable(f.simSeed)
		fmt.Fprintf(errOut, "note: frequency table %s is SIMULATED: it describes no real population\n", t.Name)
		return t, nil
	case f.file == "":
		return nil, errors.New("a frequency table is needed: --freq FILE (or --simulated-table SEED for a demonstration)")
	}
	r, err := os.Open(f.file)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	name := strings.TrimSuffix(f.file[strings.LastIndex(f.file, "/")+1:], ".csv")
	t, warnings, err := kinship.ReadFrequencies(r, name, kinship.FrequencyOptions{N: f.n, MinFrequency: f.minFreq})
	for _, w := range warnings {
		fmt.Fprintf(errOut, "warning: %s: %s\n", f.file, w)
	}
	return t, err
}

func kinshipLRCmd(e *env) *cobra.Command {
	var lf lrFlags
	var tf tableFlags
	var profiles, child, relative, other, childGT, relativeGT, otherGT, rel string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "lr",
		Short: "Likelihood ratio of a relationship between typed people, explained locus by locus",
		Long: `Compute the likelihood ratio of a stated relationship against "unrelated", with
each locus's genotypes, formula and LR, the combined LR, the posterior from the prior,
and a plain-language reading. Profiles come from a CSV file (long layout: sample id,
locus, allele 1, allele 2; or wide: a column per locus) named by --child, --relative
and --other, or from flags as LOCUS=A/B;LOCUS=A/B.

Relationships: parent_child (duo), trio (--other and --relative both alleged parents),
trio_known_parent (--other the known parent, --relative the alleged one),
full_siblings, half_siblings, grandparent, aunt_uncle.`,
		Example: `  reunite kinship lr --profiles lab.csv --child C-1 --relative AF-1 --freq lab-freq.csv --theta 0.01
  reunite kinship lr --child-genotypes "D3S1358=15/15" --relative-genotypes "D3S1358=15/15" --freq f.csv --mutation-rate 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := lf.options()
			if err != nil {
				return err
			}
			r, err := kinship.ParseRelationship(rel)
			if err != nil {
				return err
			}
			t, err := tf.load(cmd, e.errOut)
			if err != nil {
				return err
			}
			var byID map[string]kinship.Profile
			if profiles != "" {
				f, err := os.Open(profiles)
				if err != nil {
					return err
				}
				ps, err := kinship.ReadProfiles(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", profiles, err)
				}
				byID = map[string]kinship.Profile{}
				for _, p := range ps {
					byID[p.ID] = p
				}
			}
			get := func(role, id, genotypes, flag string) (*kinship.Profile, error) {
				switch {
				case genotypes != "":
					if id == "" {
						id = role
					}
					p, err := kinship.ParseGenotypes(id, genotypes)
					return &p, err
				case id == "":
					return nil, nil
				case byID == nil:
					return nil, fmt.Errorf("--%s %s: no --profiles file to find it in", flag, id)
				}
				p, ok := byID[id]
				if !ok {
					return nil, fmt.Errorf("--%s: no sample %q in %s", flag, id, profiles)
				}
				return &p, nil
			}
			c := kinship.Case{Relationship: r}
			cp, err := get("child", child, childGT, "child")
			if err != nil {
				return err
			}
			rp, err := get("relative", relative, relativeGT, "relative")
			if err != nil {
				return err
			}
			if cp == nil || rp == nil {
				return errors.New("give the child and the relative: --child and --relative (with --profiles), or --child-genotypes and --relative-genotypes")
			}
			c.Child, c.Relative = *cp, *rp
			if c.Other, err = get("other", other, otherGT, "other"); err != nil {
				return err
			}
			k, err := kinship.NewCalculator(t, o)
			if err != nil {
				return err
			}
			res, err := k.Compute(c)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			printResult(e.out, &res)
			return nil
		},
	}
	cmd.Flags().StringVar(&profiles, "profiles", "", "STR profiles, CSV (long or wide layout)")
	cmd.Flags().StringVar(&child, "child", "", "the child's sample id")
	cmd.Flags().StringVar(&relative, "relative", "", "the alleged parent's or relative's sample id")
	cmd.Flags().StringVar(&other, "other", "", "trios: the other parent's sample id (the known parent for trio_known_parent)")
	cmd.Flags().StringVar(&childGT, "child-genotypes", "", "the child's genotypes, e.g. \"D3S1358=15/16;vWA=17/17\"")
	cmd.Flags().StringVar(&relativeGT, "relative-genotypes", "", "the relative's genotypes")
	cmd.Flags().StringVar(&otherGT, "other-genotypes", "", "the other parent's genotypes (trios)")
	cmd.Flags().StringVar(&rel, "relationship", string(kinship.ParentChild), "parent_child, trio, trio_known_parent, full_siblings, half_siblings, grandparent, aunt_uncle")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	lf.add(cmd)
	tf.add(cmd)
	return cmd
}

// printResult writes a result as a table and its reading.
func printResult(w io.Writer, r *kinship.Result) {
	fmt.Fprintf(w, "Hp: %s\nHd: %s\nfrequency table: %s", r.Hp, r.Hd, r.Table)
	if r.Simulated {
		fmt.Fprint(w, " [SIMULATED, not a real population]")
	}
	fmt.Fprintf(w, "; θ = %g; mutation rate %g; silent allele %g\n\n", r.Options.Theta, r.Options.Mutation.Rate, r.Options.Null)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "locus\t%s\tLR\tformula\tfrequencies\tnote\n", strings.Join(r.Roles, "\t"))
	for _, l := range r.Loci {
		var fr []string
		for _, f := range l.Frequencies {
			s := fmt.Sprintf("%s=p(%s)=%.4g", f.Symbol, f.Allele, f.Frequency)
			if f.Minimum {
				s += " (minimum)"
			}
			fr = append(fr, s)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4g\t%s\t%s\t%s\n", l.Locus, strings.Join(l.Genotypes, "\t"), l.LR, l.Formula, strings.Join(fr, ", "), l.Note)
	}
	tw.Flush()
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Locus, s.Reason)
	}
	fmt.Fprintf(w, "\ncombined LR: %.6g (log10 %.2f) over %d loci\nprior %g → posterior %.10g\n%s\n", r.LR, float64(r.Log10LR), len(r.Loci), r.Prior, r.Posterior, r.Reading)
}

func kinshipSearchCmd(e *env) *cobra.Command {
	var lf lrFlags
	var org, sample, table string
	var top int
	var byPosterior, asJSON bool
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Search one child's stored profile against every reference family on file",
		Long: `Compare a child's sample with the family members' samples of every tracing request
the organisation may search (its own and those handed to it in lists). Each family is
tested for the relationships its members stated (both parents: a trio; one parent: a
duo; else the closest relative), ranked by LR, and combined with the matching engine's
demographic probability for the pair: posterior odds = demographic odds × LR.`,
		Example: "  reunite kinship search --org ru-office --sample LAB-C-17 --table lab-2026 --theta 0.01",
		Args:    cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			o, err := lf.options()
			if err != nil {
				return err
			}
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			hits, err := a.KinshipSearch(cmd.Context(), p, sample, app.KinshipQuery{Table: table, Options: o}, kinship.SearchOptions{Top: top, ByPosterior: byPosterior})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(hits)
			}
			tw := tabwriter.NewWriter(e.out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "rank\tfamily (tracing request)\trelationship\tmembers used\tloci\tLR\tdemographic\tprior\tposterior")
			for i, h := range hits {
				demo := "–"
				if h.Demographic > 0 {
					demo = fmt.Sprintf("%.4g", h.Demographic)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%.4g\t%s\t%.3g\t%.6g\n", i+1, h.Family, h.Relationship, strings.Join(h.Used, ","), h.Loci, h.LR, demo, h.Prior, h.Posterior)
			}
			tw.Flush()
			for i, h := range hits {
				fmt.Fprintf(e.out, "\n%d. %s\n", i+1, h.Explanation)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the organisation searching (slug or id)")
	cmd.Flags().StringVar(&sample, "sample", "", "the child's sample: its id, or the laboratory id the organisation imported it under")
	cmd.Flags().StringVar(&table, "table", "", "the stored frequency table's name")
	cmd.Flags().IntVar(&top, "top", 10, "how many families to show")
	cmd.Flags().BoolVar(&byPosterior, "by-posterior", false, "rank by posterior instead of LR")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the hits as JSON")
	lf.add(cmd)
	cmd.MarkFlagRequired("org")
	cmd.MarkFlagRequired("sample")
	cmd.MarkFlagRequired("table")
	return cmd
}

func kinshipSimulateCmd(e *env) *cobra.Command {
	var lf lrFlags
	var tf tableFlags
	var pairs int
	var seed uint64
	var rels, thresholds, loci string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Simulate pedigrees: LR distributions and error rates for true and unrelated pairs",
		Long: `Simulate true relatives (with mutations, at --mutation-rate) and unrelated people from
a frequency table, compute their LRs, and print the distributions and the rates of
false inclusion (unrelated with LR at or above a threshold) and false exclusion (true
relatives below it). Without --freq, a SIMULATED table is used (--simulated-table 1),
and the output says so: it is not a real population.`,
		Example: "  reunite kinship simulate --pairs 10000 --relationships parent_child",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := lf.options()
			if err != nil {
				return err
			}
			if tf.file == "" && !cmd.Flags().Changed("simulated-table") {
				cmd.Flags().Set("simulated-table", "1")
			}
			t, err := tf.load(cmd, e.errOut)
			if err != nil {
				return err
			}
			if lf.loci != "" {
				return errors.New("simulate types a whole set of loci: use --loci-set")
			}
			cfg := kinship.SimConfig{Table: t, Pairs: pairs, Options: o, Seed: seed}
			if loci == "20" || loci == "codis" {
				cfg.Loci = kinship.CODIS
			} else if loci == "all" {
				cfg.Loci = t.Loci()
			} else if loci == "ess" {
				cfg.Loci = kinship.ESS
			} else {
				return fmt.Errorf("--loci-set %q: codis, ess or all", loci)
			}
			if rels != "" {
				for name := range strings.SplitSeq(rels, ",") {
					r, err := kinship.ParseRelationship(name)
					if err != nil {
						return err
					}
					cfg.Relationships = append(cfg.Relationships, r)
				}
			}
			if thresholds != "" {
				for s := range strings.SplitSeq(thresholds, ",") {
					v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
					if err != nil || v <= 0 {
						return fmt.Errorf("--thresholds: %q is not a positive number", s)
					}
					cfg.Thresholds = append(cfg.Thresholds, v)
				}
			}
			rep, err := kinship.Simulate(cfg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printSimulation(e.out, &rep)
			return nil
		},
	}
	cmd.Flags().IntVar(&pairs, "pairs", 10000, "true and unrelated cases per relationship")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the simulated pedigrees")
	cmd.Flags().StringVar(&rels, "relationships", "", "relationships to simulate, comma-separated (default all)")
	cmd.Flags().StringVar(&thresholds, "thresholds", "", "LR thresholds for error rates (default 1,100,10000,1000000)")
	cmd.Flags().StringVar(&loci, "loci-set", "codis", "loci typed: codis (the 20 core loci), ess (12) or all (the table's)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	lf.add(cmd)
	tf.add(cmd)
	return cmd
}

func printSimulation(w io.Writer, r *kinship.SimReport) {
	fmt.Fprintf(w, "frequency table: %s", r.Table)
	if r.Simulated {
		fmt.Fprint(w, " [SIMULATED, not a real population]")
	}
	fmt.Fprintf(w, "\n%d loci, %d true and %d unrelated cases per relationship; θ = %g, mutation rate %g (two-step %g), silent allele %g\n\n",
		len(r.Loci), r.Pairs, r.Pairs, r.Options.Theta, r.Options.Mutation.Rate, r.Options.Mutation.TwoStep, r.Options.Null)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	head := "relationship\tpairs\tlog10 LR: 1%\t5%\tmedian\t95%\t99%"
	for _, t := range r.Thresholds {
		head += "\tLR ≥ " + kinship.Humanize(t)
	}
	fmt.Fprintln(tw, head+"\tLR < 1\tLR = 0")
	for _, row := range r.Rows {
		kind := "true"
		if !row.Related {
			kind = "unrelated"
		}
		line := fmt.Sprintf("%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f", row.Relationship, kind, float64(row.Q01), float64(row.Q05), float64(row.Median), float64(row.Q95), float64(row.Q99))
		for _, a := range row.Above {
			line += fmt.Sprintf("\t%.4f%%", 100*a)
		}
		fmt.Fprintf(tw, "%s\t%.4f%%\t%.4f%%\n", line, 100*row.BelowOne, 100*row.Zero)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nerror rates: false inclusion = unrelated at or above the threshold; false exclusion = true relatives below it")
	for i, t := range r.Thresholds {
		for j := 0; j+1 < len(r.Rows); j += 2 {
			tr, un := r.Rows[j], r.Rows[j+1]
			fmt.Fprintf(w, "  %s at LR %s: false inclusion %.4f%%, false exclusion %.4f%%\n", tr.Relationship, kinship.Humanize(t), 100*un.Above[i], 100*(1-tr.Above[i]))
		}
	}
}

func kinshipImportCmd(e *env) *cobra.Command {
	var org, profiles, links, freq, name string
	var n int
	var minFreq float64
	var simSeed uint64
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Store STR profiles (linked to records) and allele frequency tables",
		Long: `Import STR profiles from a laboratory CSV (long or wide layout) with --profiles and
--links, a CSV with the columns sample, record, relationship and label that links each
sample to a record of the organisation: a child record (relationship self) or a tracing
request (the family member's relationship to the child sought: mother, father, sister,
grandmother, aunt …). All or nothing: every problem is listed, with sample, locus and
value. Genotypes are sealed at rest with the data keys.

Import a frequency table with --frequencies FILE --name NAME (or --simulated-table SEED,
which stores a table named SIMULATED-<seed>, for demonstrations only).`,
		Example: `  reunite kinship import --org ua-nib --profiles lab.csv --links links.csv
  reunite kinship import --org ua-nib --frequencies lab-freq.csv --name "Lab A 2026" --n 800`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			ctx := cmd.Context()
			p, err := operator(ctx, a, org)
			if err != nil {
				return err
			}
			did := false
			if freq != "" || cmd.Flags().Changed("simulated-table") {
				var t *kinship.FrequencyTable
				if freq != "" {
					f, err := os.Open(freq)
					if err != nil {
						return err
					}
					var warnings []string
					t, warnings, err = kinship.ReadFrequencies(f, name, kinship.FrequencyOptions{N: n, MinFrequency: minFreq})
					f.Close()
					for _, w := range warnings {
						fmt.Fprintf(e.errOut, "warning: %s: %s\n", freq, w)
					}
					if err != nil {
						return fmt.Errorf("%s: %w", freq, err)
					}
					if name == "" {
						return errors.New("--name: a frequency table needs a name")
					}
				} else {
					t = kinship.SimulateTable(simSeed)
					t.Name = fmt.Sprintf("%s-%d", kinship.SimulatedPrefix, simSeed)
				}
				if err := a.ImportFrequencyTable(ctx, p, t); err != nil {
					return err
				}
				fmt.Fprintf(e.out, "stored frequency table %q: %d loci", t.Name, len(t.Loci()))
				if t.Simulated {
					fmt.Fprint(e.out, " (SIMULATED, not a real population)")
				}
				fmt.Fprintln(e.out)
				did = true
			}
			if profiles != "" {
				if links == "" {
					return errors.New("--links: each sample must be linked to a record")
				}
				f, err := os.Open(profiles)
				if err != nil {
					return err
				}
				ps, err := kinship.ReadProfiles(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", profiles, err)
				}
				ls, err := readLinks(links)
				if err != nil {
					return err
				}
				stored, err := a.ImportKinshipSamples(ctx, p, ps, ls)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.out, "stored %d samples\n", len(stored))
				for _, s := range stored {
					fmt.Fprintf(e.out, "  %s\t%s\t%s %s\t%s\t%d loci\n", s.ID, s.ExternalID, s.RecordKind, s.RecordID, s.Relationship, s.Loci)
				}
				did = true
			}
			if !did {
				return errors.New("nothing to import: give --profiles with --links, or --frequencies with --name")
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the importing organisation (slug or id)")
	cmd.Flags().StringVar(&profiles, "profiles", "", "STR profiles, CSV")
	cmd.Flags().StringVar(&links, "links", "", "CSV: sample, record, relationship, label")
	cmd.Flags().StringVar(&freq, "frequencies", "", "allele frequency table, CSV: locus, allele, frequency")
	cmd.Flags().StringVar(&name, "name", "", "the frequency table's name")
	cmd.Flags().IntVar(&n, "n", 0, "individuals typed, for loci without an N row (minimum frequency 5/2N)")
	cmd.Flags().Float64Var(&minFreq, "min-frequency", 0, "minimum allele frequency, in place of 5/2N")
	cmd.Flags().Uint64Var(&simSeed, "simulated-table", 0, "store a SIMULATED table made from this seed (demonstrations only)")
	cmd.MarkFlagRequired("org")
	return cmd
}

// readLinks reads the sample links CSV: sample, record, relationship,
// label (a header row naming them).
func readLinks(path string) ([]app.SampleLink, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseLinks(f, path)
}

func parseLinks(in io.Reader, path string) ([]app.SampleLink, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"sample", "record", "relationship"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: the header needs the columns sample, record, relationship (and label)", path)
		}
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var out []app.SampleLink
	for _, rec := range rows[1:] {
		out = append(out, app.SampleLink{Sample: get(rec, "sample"), Record: get(rec, "record"), Relationship: get(rec, "relationship"), Label: get(rec, "label")})
	}
	return out, nil
}

func kinshipResultCmd(e *env) *cobra.Command {
	var lf lrFlags
	var org, caseID, child, table, rel string
	var refs []string
	cmd := &cobra.Command{
		Use:   "result",
		Short: "Record a DNA result on a case (a verification method for identity_verified)",
		Long: `Compute the LR of the case's child sample against its tracing request's family
members' samples and record it on the case, with the hypotheses, loci, frequency table
and reading. Then move the case to identity_verified with method dna_kinship and the
printed dna_result_id.`,
		Example: "  reunite kinship result --org ru-office --case <id> --child LAB-C --reference <sample id> --reference <sample id> --table lab-2026",
		Args:    cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			o, err := lf.options()
			if err != nil {
				return err
			}
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			req := app.DNARequest{ChildSample: child, References: refs, KinshipQuery: app.KinshipQuery{Table: table, Options: o}}
			if rel != "" {
				if req.Relationship, err = kinship.ParseRelationship(rel); err != nil {
					return err
				}
			}
			res, err := a.RecordDNAResult(cmd.Context(), p, caseID, req)
			if err != nil {
				return err
			}
			printResult(e.out, &res.Result)
			fmt.Fprintf(e.out, "\ndna_result_id: %s\n", res.Stored.ID)
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the organisation recording it (a party to the case)")
	cmd.Flags().StringVar(&caseID, "case", "", "the case id")
	cmd.Flags().StringVar(&child, "child", "", "the child's sample (id, or this organisation's laboratory id)")
	cmd.Flags().StringArrayVar(&refs, "reference", nil, "a family member's sample (repeatable; known parent first in trio_known_parent)")
	cmd.Flags().StringVar(&table, "table", "", "the stored frequency table's name")
	cmd.Flags().StringVar(&rel, "relationship", "", "the relationship tested (default: from the references' stated relationships)")
	lf.add(cmd)
	for _, f := range []string{"org", "case", "child", "reference", "table"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

// demoKinshipFamilies is how many synthetic families get simulated DNA in
// the demo.
const demoKinshipFamilies = 5

// seedDemoKinship stores a SIMULATED frequency table and simulated STR
// profiles for a few true pairs of the synthetic data: the parents for
// the Ukrainian side's tracing request, the child for the other side's
// child record. It returns a child sample to search with.
func seedDemoKinship(cmd *cobra.Command, a *app.App, synthDir string) (string, *kinship.FrequencyTable, error) {
	ctx := cmd.Context()
	truth, err := readTruth(filepath.Join(synthDir, SynthTruth))
	if err != nil {
		return "", nil, err
	}
	reqs := make([]string, 0, len(truth))
	for r := range truth {
		reqs = append(reqs, r)
	}
	slices.Sort(reqs)
	reqs = reqs[:min(demoKinshipFamilies, len(reqs))]
	ua, err := operator(ctx, a, "ua-demo")
	if err != nil {
		return "", nil, err
	}
	ru, err := operator(ctx, a, "ru-demo")
	if err != nil {
		return "", nil, err
	}
	t := kinship.SimulateTable(1)
	t.Name = kinship.SimulatedPrefix + "-1"
	if err := a.ImportFrequencyTable(ctx, ua, t); err != nil {
		return "", nil, err
	}
	sim := kinship.NewSimulator(t, 1, kinship.CODIS, kinship.DefaultMutation)
	var fam, kids []kinship.Profile
	var famLinks, kidLinks []app.SampleLink
	for i, r := range reqs {
		mo, fa := sim.Founder(fmt.Sprintf("DEMO-M-%d", i+1)), sim.Founder(fmt.Sprintf("DEMO-F-%d", i+1))
		child := sim.Child(fmt.Sprintf("DEMO-C-%d", i+1), &mo, &fa)
		fam = append(fam, mo)
		famLinks = append(famLinks, app.SampleLink{Sample: mo.ID, Record: r, Relationship: "mother"})
		if i%2 == 0 { // some families have both parents typed, some the mother only
			fam = append(fam, fa)
			famLinks = append(famLinks, app.SampleLink{Sample: fa.ID, Record: r, Relationship: "father"})
		}
		kids = append(kids, child)
		kidLinks = append(kidLinks, app.SampleLink{Sample: child.ID, Record: truth[r], Relationship: app.SelfRelationship})
	}
	if _, err := a.ImportKinshipSamples(ctx, ua, fam, famLinks); err != nil {
		return "", nil, fmt.Errorf("demo DNA samples: %w", err)
	}
	if _, err := a.ImportKinshipSamples(ctx, ru, kids, kidLinks); err != nil {
		return "", nil, fmt.Errorf("demo DNA samples: %w", err)
	}
	return kids[0].ID, t, nil
}
