package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/store"
	"github.com/reunite-ftr/reunite/internal/synth"
)

func parseKind(s string) (domain.Kind, error) {
	k := domain.Kind(s)
	if !slices.Contains(domain.Kinds, k) {
		return "", fmt.Errorf("--kind must be child or request, not %q", s)
	}
	return k, nil
}

func importCmd(e *env) *cobra.Command {
	var kindFlag, org, mapFlag string
	var submitTo []string
	cmd := &cobra.Command{
		Use:   "import --kind child|request --org ORG FILE",
		Short: "Import an interchange CSV of child records or tracing requests",
		Long: `Import an interchange CSV (UTF-8 with or without BOM, comma or semicolon) into an
organisation's records. The import is all or nothing: every bad row is listed with
its line and field, and if there is any, nothing is stored.

Columns: ` + fmt.Sprint(interchange.Columns()) + `
--map renames other column names, e.g. --map "Прізвище=family_name,DOB=birth_date".`,
		Example: "  reunite import --kind request --org ua-nib requests.csv",
		Args:    cobra.ExactArgs(1),
		RunE: e.withApp(func(cmd *cobra.Command, args []string, a *app.App) error {
			kind, err := parseKind(kindFlag)
			if err != nil {
				return err
			}
			mapping, err := interchange.ParseMapping(mapFlag)
			if err != nil {
				return fmt.Errorf("--map: %w", err)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			p, err := operator(cmd.Context(), a, org)
			if err != nil {
				return err
			}
			res, err := a.Import(cmd.Context(), p, kind, f, app.ImportOptions{Mapping: mapping})
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(e.out, "imported %d %s records from %s in %s (%.0f rows/s)\n",
				res.Imported, kind, args[0], res.Duration.Round(time.Millisecond), float64(res.Rows)/res.Duration.Seconds())
			if len(submitTo) == 0 {
				return nil
			}
			l, err := a.SubmitList(cmd.Context(), p, app.ListSubmission{Kind: kind, RecordIDs: res.IDs, Recipients: submitTo, Note: "imported from " + filepath.Base(args[0])})
			if err != nil {
				return fmt.Errorf("imported, but the list was not submitted: %w", err)
			}
			fmt.Fprintf(e.out, "submitted list %d (%d records) to %s\n", l.Number, l.Count, strings.Join(submitTo, ", "))
			return nil
		}),
	}
	cmd.Flags().StringSliceVar(&submitTo, "submit-to", nil, "hand the imported records over in a list to these organisations (slugs or ids, comma-separated)")
	cmd.Flags().StringVar(&kindFlag, "kind", "", "child or request (required)")
	cmd.Flags().StringVar(&org, "org", "", "owning organisation, slug or id (required)")
	cmd.Flags().StringVar(&mapFlag, "map", "", "column renames: from=to,from=to")
	return cmd
}

func exportCmd(e *env) *cobra.Command {
	var kindFlag, org, out string
	cmd := &cobra.Command{
		Use:     "export --kind child|request --org ORG [--out FILE]",
		Short:   "Export an organisation's records as interchange CSV",
		Example: "  reunite export --kind child --org ru-ombudsman --out children.csv",
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
			w := e.out
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			n, err := a.Export(cmd.Context(), p, kind, w, store.RecordFilter{})
			if err != nil {
				return err
			}
			if out != "" && out != "-" {
				fmt.Fprintf(e.errOut, "exported %d %s records to %s\n", n, kind, out)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&kindFlag, "kind", "", "child or request (required)")
	cmd.Flags().StringVar(&org, "org", "", "organisation, slug or id (required)")
	cmd.Flags().StringVar(&out, "out", "", "output file (default: standard output)")
	return cmd
}

func synthCmd(e *env) *cobra.Command {
	var cfg synth.Config
	var out, difficulty string
	cmd := &cobra.Command{
		Use:   "synth",
		Short: "Write a synthetic dataset: requests, children and the true pairs",
		Long: `Write a deterministic synthetic dataset (no real person's data) to --out:
requests.csv  tracing requests filed by families with party A,
children.csv  child records located by party B, some of them the sought children
              recorded differently (Russified names, other transliterations, typos,
              wrong or partial dates, changed family names, missing fields),
truth.csv     the true pairs: request id, child id, and the variations applied.`,
		Example: "  reunite synth --n 100000 --seed 7 --out ./data/synth",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Checked before any file is created, so a typo leaves --out untouched.
			d, err := synth.ParseDifficulty(difficulty)
			if err != nil {
				return fmt.Errorf("--difficulty must be standard or hard, not %q", difficulty)
			}
			cfg.Difficulty = d
			pairs, err := writeSynth(cmd, out, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "wrote %d requests, %d children and %d true pairs to %s\n", cfg.N, cfg.N, pairs, out)
			return nil
		},
	}
	cmd.Flags().IntVar(&cfg.N, "n", 1000, "records per side (100 to 1,000,000)")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "random seed: the same seed gives the same files")
	cmd.Flags().Float64Var(&cfg.Overlap, "overlap", 0.3, "fraction of requests whose child is in the children file")
	cmd.Flags().StringVar(&out, "out", "./data/synth", "output directory")
	cmd.Flags().StringVar(&difficulty, "difficulty", string(synth.DifficultyStandard),
		"standard, or hard: many more variations per record (the matching quality bar) and more namesakes")
	return cmd
}

// SynthFiles names the files writeSynth makes in its directory.
const (
	SynthRequests = "requests.csv"
	SynthChildren = "children.csv"
	SynthTruth    = "truth.csv"
)

// writeSynth writes a synthetic dataset into dir and returns the pair count.
func writeSynth(cmd *cobra.Command, dir string, cfg synth.Config) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	create := func(name string) (*os.File, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	rf, err1 := create(SynthRequests)
	cf, err2 := create(SynthChildren)
	tf, err3 := create(SynthTruth)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, err
	}
	sink := &csvSink{requests: interchange.NewWriter(rf), children: interchange.NewWriter(cf), truth: tf}
	if _, err := io.WriteString(tf, "request_id,child_id,variations\n"); err != nil {
		return 0, err
	}
	if err := synth.Generate(cmd.Context(), cfg, sink); err != nil {
		return 0, err
	}
	if err := errors.Join(sink.requests.Flush(), sink.children.Flush()); err != nil {
		return 0, err
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			return 0, err
		}
	}
	files = nil
	return sink.pairs, nil
}

// csvSink writes a synthetic dataset as interchange CSV files.
type csvSink struct {
	requests, children *interchange.Writer
	truth              io.Writer
	pairs              int
}

func (s *csvSink) Request(r domain.Record) error { return s.requests.Write(r) }
func (s *csvSink) Child(r domain.Record) error   { return s.children.Write(r) }
func (s *csvSink) Pair(p synth.Pair) error {
	s.pairs++
	vs := ""
	for i, v := range p.Variations {
		if i > 0 {
			vs += ";"
		}
		vs += v
	}
	_, err := fmt.Fprintf(s.truth, "%s,%s,%s\n", p.RequestID, p.ChildID, vs)
	return err
}
