package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/baseline"
	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/match"
	"github.com/reunite-ftr/reunite/internal/synth"
)

// matchBench is what bench match prints (and --json writes).
type matchBench struct {
	N            int     `json:"records_per_side"`
	Difficulty   string  `json:"difficulty"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
	ReadSeconds  float64 `json:"read_seconds"`
	BuildSeconds float64 `json:"build_seconds"` // prepare, index, estimate u and m
	LinkSeconds  float64 `json:"link_seconds"`
	TotalSeconds float64 `json:"total_seconds"` // build + link
	// CPU time (user and system, all threads) of build and link: on a
	// machine shared with other work, wall time varies from run to run and
	// CPU time much less.
	BuildCPUSeconds float64 `json:"build_cpu_seconds"`
	LinkCPUSeconds  float64 `json:"link_cpu_seconds"`
	PeakRSSMiB      float64 `json:"peak_rss_mib"`
	SingleP50Ms     float64 `json:"single_record_p50_ms"`
	SingleP99Ms     float64 `json:"single_record_p99_ms"`
	Pairs           int     `json:"pairs_found"`
	BestF1          float64 `json:"best_f1"`
	BestThreshold   float64 `json:"best_f1_threshold"`
	RecallReview    float64 `json:"recall_at_review_threshold"`
	PrecReview      float64 `json:"precision_at_review_threshold"`
	ReviewThresh    float64 `json:"review_threshold"`
	EMIterations    int     `json:"em_iterations"`

	Trgm *baseline.Result `json:"pg_trgm,omitempty"`
}

func benchMatchCmd(e *env) *cobra.Command {
	var n, trgmSample int
	var seed uint64
	var difficulty, pg, cpuProfile, memProfile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "match",
		Short: "Measure matching: build and link time, memory, single-record latency, quality",
		Long: `Generate N synthetic tracing requests and N child records, train the engine on
them and link every request, then print: build time (prepare, index, estimate the
model), link time, peak memory (resident set), single new record latency against the
index (p50, p99 over 1,000 records), and quality against the true pairs. With
--pg URL, also PostgreSQL's pg_trgm similarity search over the same data, for
comparison (recall@10 on a sample of requests, and its query latency).`,
		Example: "  reunite bench match --n 1000000 --difficulty hard\n  reunite bench match --n 100000 --pg postgres://postgres@127.0.0.1/postgres --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			diff, err := synth.ParseDifficulty(difficulty)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			res := matchBench{N: n, Difficulty: string(diff), GOMAXPROCS: runtime.GOMAXPROCS(0), ReviewThresh: app.DefaultReviewThreshold}
			dir, err := os.MkdirTemp("", "reunite-bench-match-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			if _, err := writeSynth(cmd, dir, synth.Config{N: n, Seed: seed, Difficulty: diff}); err != nil {
				return err
			}
			// The records are prepared as they are read and not kept: the
			// engine needs only their compact form (a sample of requests is
			// kept to measure single-record latency).
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			// A million records a side hold about 1.2 GiB live. The
			// collector's default pacing lets the heap grow to twice the
			// live heap before collecting, which would put the peak near
			// 2.5 GiB; a soft limit makes it collect sooner instead, at
			// some CPU cost only when the heap nears the limit. An explicit
			// GOMEMLIMIT wins.
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(benchMemoryLimit)
			}
			start := time.Now()
			b := match.NewBuilder(match.Options{Seed: seed})
			b.Grow(n, n)
			var sample []domain.Record
			step := max(1, n/1000)
			for _, file := range []struct {
				name string
				kind domain.Kind
			}{{SynthRequests, domain.KindRequest}, {SynthChildren, domain.KindChild}} {
				i := 0
				err := eachRecord(filepath.Join(dir, file.name), file.kind, func(r *domain.Record) {
					b.Add(r)
					if file.kind == domain.KindRequest && i%step == 0 {
						sample = append(sample, *r)
					}
					i++
				})
				if err != nil {
					return err
				}
			}
			res.ReadSeconds = time.Since(start).Seconds()

			start, cpu := time.Now(), cpuSeconds()
			en, err := b.Train(ctx)
			if err != nil {
				return err
			}
			res.BuildSeconds, res.BuildCPUSeconds = time.Since(start).Seconds(), cpuSeconds()-cpu
			start, cpu = time.Now(), cpuSeconds()
			pairs, err := en.LinkTrained(ctx)
			if err != nil {
				return err
			}
			res.LinkSeconds, res.LinkCPUSeconds = time.Since(start).Seconds(), cpuSeconds()-cpu
			res.TotalSeconds = res.BuildSeconds + res.LinkSeconds
			res.PeakRSSMiB = peakRSSMiB()
			res.Pairs, res.EMIterations = len(pairs), en.Model().Iterations

			// The true pairs are read only now: a million of them take
			// some 100 MB, which building and linking need more.
			truth, err := readTruth(filepath.Join(dir, SynthTruth))
			if err != nil {
				return err
			}

			best := match.BestF1(match.Curve(pairs, truth, 201))
			at := match.Evaluate(pairs, truth, []float64{res.ReviewThresh})[0]
			res.BestF1, res.BestThreshold, res.RecallReview, res.PrecReview = best.F1, best.Threshold, at.Recall, at.Precision
			res.SingleP50Ms, res.SingleP99Ms = singleLatency(en, sample)
			if memProfile != "" {
				if err := writeHeapProfile(memProfile); err != nil {
					return err
				}
				runtime.KeepAlive(en)
			}

			if pg != "" {
				reqs, err := readRecords(filepath.Join(dir, SynthRequests), domain.KindRequest)
				if err != nil {
					return err
				}
				kids, err := readRecords(filepath.Join(dir, SynthChildren), domain.KindChild)
				if err != nil {
					return err
				}
				tr, err := trgmBaseline(ctx, pg, reqs, kids, truth, trgmSample)
				if err != nil {
					return fmt.Errorf("pg_trgm baseline: %w", err)
				}
				res.Trgm = &tr
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			printMatchBench(e, res)
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "n", 100_000, "records per side")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().StringVar(&difficulty, "difficulty", string(synth.DifficultyHard), "synthetic data difficulty: standard or hard")
	cmd.Flags().StringVar(&pg, "pg", "", "PostgreSQL URL: also measure pg_trgm similarity search there")
	cmd.Flags().IntVar(&trgmSample, "pg-sample", 1000, "requests pg_trgm is queried with")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	// Profiles of the build and link, for go tool pprof; hidden because
	// they are for the engine's developers.
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of reading, building and linking to this file")
	cmd.Flags().StringVar(&memProfile, "memprofile", "", "write a heap profile, taken after linking, to this file")
	_ = cmd.Flags().MarkHidden("cpuprofile")
	_ = cmd.Flags().MarkHidden("memprofile")
	return cmd
}

// benchMemoryLimit is the soft memory limit bench match runs under: below
// the 2 GiB the engine must fit in at a million records a side, with room
// for what the runtime holds outside the heap.
const benchMemoryLimit = 1800 << 20

// startCPUProfile starts profiling the CPU into path; stop ends it.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the live heap, as of the last GC, to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// singleLatency measures the incremental path: one new tracing request
// against the whole index, for each sampled request; it returns p50 and p99
// in ms.
func singleLatency(en *match.Engine, sample []domain.Record) (p50, p99 float64) {
	var ds []time.Duration
	for i := range sample {
		t := time.Now()
		en.Candidates(&sample[i])
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Microseconds()) / 1000
	}
	return at(0.50), at(0.99)
}

func trgmBaseline(ctx context.Context, dsn string, reqs, kids []domain.Record, truth map[string]string, sample int) (baseline.Result, error) {
	rows := func(rs []domain.Record) []baseline.Row {
		out := make([]baseline.Row, len(rs))
		for i, r := range rs {
			out[i] = baseline.Row{ID: r.ExternalID, FullName: r.Person.PrimaryName().Full(), BirthYear: r.Person.BirthDate.Year()}
		}
		return out
	}
	return baseline.TrgmLink(ctx, dsn, rows(kids), rows(reqs), truth, sample)
}

// cpuSeconds is the CPU time the process has used, user and system.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMiB is the process's peak resident memory.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

func printMatchBench(e *env, r matchBench) {
	fmt.Fprintf(e.out, "match: %d requests × %d children (%s), GOMAXPROCS=%d\n", r.N, r.N, r.Difficulty, r.GOMAXPROCS)
	fmt.Fprintf(e.out, "  read CSV        %8.2f s\n", r.ReadSeconds)
	fmt.Fprintf(e.out, "  build           %8.2f s   (CPU %.2f s; prepare, index, u from random pairs, m by EM: %d iterations)\n", r.BuildSeconds, r.BuildCPUSeconds, r.EMIterations)
	fmt.Fprintf(e.out, "  link            %8.2f s   (CPU %.2f s; %d pairs)\n", r.LinkSeconds, r.LinkCPUSeconds, r.Pairs)
	fmt.Fprintf(e.out, "  build + link    %8.2f s\n", r.TotalSeconds)
	fmt.Fprintf(e.out, "  peak memory     %8.0f MiB\n", r.PeakRSSMiB)
	fmt.Fprintf(e.out, "  single record   p50 %.3f ms, p99 %.3f ms\n", r.SingleP50Ms, r.SingleP99Ms)
	fmt.Fprintf(e.out, "  quality         best F1 %.4f at %.3f; recall %.4f (precision %.4f) at the review threshold %.2f\n",
		r.BestF1, r.BestThreshold, r.RecallReview, r.PrecReview, r.ReviewThresh)
	if t := r.Trgm; t != nil {
		fmt.Fprintf(e.out, "  pg_trgm         recall@10 %.4f on %d requests; query p50 %.1f ms, p99 %.1f ms; full link projected %s\n",
			t.RecallAt10, t.Queries, float64(t.QueryP50.Microseconds())/1000, float64(t.QueryP99.Microseconds())/1000, t.ProjectedFullLink.Round(time.Second))
	}
}
