package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
	"github.com/reunite-ftr/reunite/internal/match"
)

func matchCmd(e *env) *cobra.Command {
	var out string
	var opts app.MatchOptions
	cmd := &cobra.Command{
		Use:   "match",
		Short: "Link every tracing request to the child records in the database",
		Long: `Train the matching model on the records in the database (no labels needed), link
every tracing request to the child records, and put the pairs at or above the review
threshold into the review queue. A pair already confirmed or rejected stays decided
unless one side's data has changed since. --out also writes every pair found, with
its explanation, as CSV.`,
		Example: "  reunite match --out pairs.csv",
		Args:    cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			res, err := a.MatchAll(cmd.Context(), operatorLabel(), opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "linked %d tracing requests to %d child records in %s: %d pairs found, %d at or above %.2f put in the review queue\n",
				res.Requests, res.Children, res.Duration.Round(1e6), len(res.Pairs), res.Queued, opts.ReviewThreshold)
			if out == "" {
				return nil
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := writePairs(f, res.Pairs, res.Explain, res.ExternalIDs); err != nil {
				return err
			}
			return f.Close()
		}),
	}
	cmd.Flags().StringVar(&out, "out", "", "write every pair found to this CSV file")
	cmd.Flags().Float64Var(&opts.ReviewThreshold, "threshold", app.DefaultReviewThreshold, "review threshold: the lowest probability put in the review queue")
	return cmd
}

// writePairs writes pairs as CSV: ids, external ids, probability, explanation.
func writePairs(w io.Writer, pairs []match.Pair, explain func(match.Pair) match.Explanation, external map[string]string) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"request_id", "child_id", "request_external_id", "child_external_id", "probability", "explanation"})
	for _, p := range pairs {
		cw.Write([]string{p.A, p.B, external[p.A], external[p.B], strconv.FormatFloat(p.Probability, 'f', 4, 64), explain(p).String()})
	}
	cw.Flush()
	return cw.Error()
}

// readRecords reads an interchange CSV file into memory.
func readRecords(path string, kind domain.Kind) ([]domain.Record, error) {
	var out []domain.Record
	err := eachRecord(path, kind, func(r *domain.Record) { out = append(out, *r) })
	return out, err
}

// eachRecord calls fn for every record of an interchange CSV file; the first
// bad row stops it.
func eachRecord(path string, kind domain.Kind, fn func(*domain.Record)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := interchange.NewReader(f, kind, interchange.Options{})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for {
		r, _, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fn(&r)
	}
}

// readTruth reads a synthetic dataset's truth.csv: request id → child id.
func readTruth(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	truth := map[string]string{}
	for i, r := range rows {
		if i == 0 || len(r) < 2 {
			continue
		}
		truth[r[0]] = r[1]
	}
	return truth, nil
}

// defaultThresholds are the probabilities eval reports at.
var defaultThresholds = []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99}

// evalReport is what eval prints (and --json writes).
type evalReport struct {
	Requests        int                `json:"requests"`
	Children        int                `json:"children"`
	TruePairs       int                `json:"true_pairs"`
	PairsFound      int                `json:"pairs_found"`
	ReviewThreshold float64            `json:"review_threshold"`
	AtReview        match.Evaluation   `json:"at_review_threshold"`
	BestF1          match.Evaluation   `json:"best_f1"`
	Thresholds      []match.Evaluation `json:"thresholds"`
	Curve           []match.Evaluation `json:"precision_recall_curve"`
}

func evaluate(ctx context.Context, reqs, kids []domain.Record, truth map[string]string, review float64) (evalReport, *match.Engine, []match.Pair, error) {
	en, err := match.Train(ctx, reqs, kids, match.Options{})
	if err != nil {
		return evalReport{}, nil, nil, err
	}
	pairs, err := en.Link(ctx, reqs)
	if err != nil {
		return evalReport{}, nil, nil, err
	}
	ths := slices.Clone(defaultThresholds)
	if !slices.Contains(ths, review) {
		ths = append(ths, review)
		slices.Sort(ths)
	}
	rep := evalReport{Requests: len(reqs), Children: len(kids), TruePairs: len(truth), PairsFound: len(pairs), ReviewThreshold: review,
		Thresholds: match.Evaluate(pairs, truth, ths), Curve: match.Curve(pairs, truth, 101)}
	rep.BestF1 = match.BestF1(rep.Curve)
	rep.AtReview = match.Evaluate(pairs, truth, []float64{review})[0]
	return rep, en, pairs, nil
}

func (r evalReport) print(w io.Writer) {
	fmt.Fprintf(w, "%d requests, %d children, %d true pairs, %d pairs found\n\n", r.Requests, r.Children, r.TruePairs, r.PairsFound)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "threshold\tprecision\trecall\tF1\ttrue pos\tfalse pos\tfalse neg\t")
	for _, e := range r.Thresholds {
		fmt.Fprintf(tw, "%.2f\t%.4f\t%.4f\t%.4f\t%d\t%d\t%d\t\n", e.Threshold, e.Precision, e.Recall, e.F1, e.TruePos, e.FalsePos, e.FalseNeg)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nbest F1 %.4f at threshold %.3f (precision %.4f, recall %.4f)\n", r.BestF1.F1, r.BestF1.Threshold, r.BestF1.Precision, r.BestF1.Recall)
	fmt.Fprintf(w, "recall at the review threshold %.2f: %.4f (precision %.4f)\n", r.ReviewThreshold, r.AtReview.Recall, r.AtReview.Precision)
}

func evalCmd(e *env) *cobra.Command {
	var truthPath, reqPath, kidPath string
	var asJSON bool
	var review float64
	cmd := &cobra.Command{
		Use:   "eval --truth FILE",
		Short: "Measure matching quality against known true pairs",
		Long: `Train and link a synthetic dataset (as written by reunite synth) and measure the
result against its true pairs: precision, recall and F1 at several thresholds, the
best F1, recall at the review threshold, and the precision–recall curve (--json).
The requests and children files default to requests.csv and children.csv beside
the truth file.`,
		Example: "  reunite synth --n 10000 --out ./data/synth && reunite eval --truth ./data/synth/truth.csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if truthPath == "" {
				return fmt.Errorf("--truth is required")
			}
			dir := filepath.Dir(truthPath)
			if reqPath == "" {
				reqPath = filepath.Join(dir, SynthRequests)
			}
			if kidPath == "" {
				kidPath = filepath.Join(dir, SynthChildren)
			}
			truth, err := readTruth(truthPath)
			if err != nil {
				return err
			}
			reqs, err := readRecords(reqPath, domain.KindRequest)
			if err != nil {
				return err
			}
			kids, err := readRecords(kidPath, domain.KindChild)
			if err != nil {
				return err
			}
			rep, _, _, err := evaluate(cmd.Context(), reqs, kids, truth, review)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			rep.print(e.out)
			return nil
		},
	}
	cmd.Flags().StringVar(&truthPath, "truth", "", "truth.csv of true pairs: request_id,child_id (required)")
	cmd.Flags().StringVar(&reqPath, "requests", "", "tracing requests, interchange CSV (default: requests.csv beside --truth)")
	cmd.Flags().StringVar(&kidPath, "children", "", "child records, interchange CSV (default: children.csv beside --truth)")
	cmd.Flags().Float64Var(&review, "review-threshold", app.DefaultReviewThreshold, "review threshold to report recall at")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
