// Package baseline measures what a team would otherwise reach for to link
// tracing requests to child records: PostgreSQL's pg_trgm trigram
// similarity search on the full name. The matching engine's benchmark shows
// it side by side with its own figures, on the same data.
//
// Trigrams compare letters, so they find a name with a typo or a slightly
// different spelling in the same script, but not the same name in another
// script or language: "Oleksandr Shevchenko" shares no trigram with
// "Олександр Шевченко", and "Олександр" few with "Александр". The recall
// this package measures shows how much of the synthetic data that loses.
package baseline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Row is one record as the baseline sees it: a name and a birth year.
type Row struct {
	ID string
	// FullName is "given patronymic family" as written, in whatever script.
	FullName string
	// BirthYear is 0 when unknown. TrgmLink stores it but does not query it:
	// the baseline is a name search, as a team's first attempt would be.
	BirthYear int
}

// Result is what TrgmLink measured.
type Result struct {
	Children, Queries int // rows loaded, requests queried (a sample)
	// LoadTime is the COPY of the children; IndexTime the building of the
	// trigram index and ANALYZE.
	LoadTime, IndexTime           time.Duration
	QueryP50, QueryP99, QueryMean time.Duration
	// TrueInTop10 of the TruePairsQueried sampled requests that have a true
	// pair had their child among the 10 results: RecallAt10.
	TrueInTop10, TruePairsQueried int
	RecallAt10                    float64
	// ProjectedFullLink is QueryMean × all requests: a projection of how
	// long querying every request one by one would take, not a measurement.
	ProjectedFullLink time.Duration
}

// SimilarityThreshold is the pg_trgm.similarity_threshold TrgmLink sets:
// the "%" operator keeps the rows at least this similar. It is pg_trgm's
// default, set explicitly so that a server configured otherwise does not
// change the figures.
const SimilarityThreshold = 0.3

// TopK is how many results each query returns, and the k of recall@k.
const TopK = 10

// searchSQL is the search a team would write on table: trigram match on
// the lowered name, best first. The id breaks ties so that the results, and
// so the recall, do not depend on the plan.
func searchSQL(table string) string {
	return fmt.Sprintf(`SELECT id FROM %s WHERE lower(full_name) %% lower($1)
ORDER BY similarity(lower(full_name), lower($1)) DESC, id LIMIT %d`, table, TopK)
}

// TrgmLink loads children into a fresh table on the PostgreSQL server at
// dsn, creates the pg_trgm extension if it is missing and a GIN
// gin_trgm_ops index on lower(full_name), then queries a deterministic
// sample of min(sample, len(requests)) requests (evenly spaced through
// requests), measuring each query, and computes recall@10 against truth
// (request id → child id).
//
// The table has a unique name (reunite_trgm_ and random hex) in the
// connection's default schema and is dropped before TrgmLink returns
// (unless the connection is lost first, as pgx closes it when ctx is done
// during a query: look for reunite_trgm_ tables then). It is an ordinary
// table, not a temporary one, because temporary tables live
// in the session's small temp_buffers and are not what a team would query
// in production. Creating the extension needs the privilege to do so.
func TrgmLink(ctx context.Context, dsn string, children, requests []Row, truth map[string]string, sample int) (res Result, err error) {
	if sample < 1 {
		return Result{}, fmt.Errorf("baseline: sample must be at least 1, not %d", sample)
	}
	if len(requests) == 0 {
		return Result{}, errors.New("baseline: no requests to query")
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return Result{}, fmt.Errorf("baseline: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()

	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm"); err != nil {
		return Result{}, fmt.Errorf("baseline: create extension pg_trgm: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT set_config('pg_trgm.similarity_threshold', $1, false)",
		fmt.Sprint(SimilarityThreshold)); err != nil {
		return Result{}, fmt.Errorf("baseline: set similarity threshold: %w", err)
	}

	ident, err := tableName()
	if err != nil {
		return Result{}, err
	}
	table := ident.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" (id text NOT NULL, full_name text NOT NULL, birth_year integer)"); err != nil {
		return Result{}, fmt.Errorf("baseline: create table: %w", err)
	}
	defer func() {
		// Dropped even when ctx is done, so no table is left behind.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := conn.Exec(dctx, "DROP TABLE IF EXISTS "+table); derr != nil && err == nil {
			err = fmt.Errorf("baseline: drop table %s: %w", table, derr)
		}
	}()

	start := time.Now()
	n, err := conn.CopyFrom(ctx, ident, []string{"id", "full_name", "birth_year"},
		pgx.CopyFromSlice(len(children), func(i int) ([]any, error) {
			c := &children[i]
			var year any // NULL when unknown
			if c.BirthYear != 0 {
				year = int32(c.BirthYear)
			}
			return []any{c.ID, c.FullName, year}, nil
		}))
	if err != nil {
		return Result{}, fmt.Errorf("baseline: copy children: %w", err)
	}
	res.Children, res.LoadTime = int(n), time.Since(start)

	start = time.Now()
	if _, err := conn.Exec(ctx, "CREATE INDEX ON "+table+" USING gin (lower(full_name) gin_trgm_ops)"); err != nil {
		return Result{}, fmt.Errorf("baseline: create index: %w", err)
	}
	// Without statistics the planner may scan the table instead of the index.
	if _, err := conn.Exec(ctx, "ANALYZE "+table); err != nil {
		return Result{}, fmt.Errorf("baseline: analyze: %w", err)
	}
	res.IndexTime = time.Since(start)

	q := searchSQL(table)
	// One query first, unmeasured, so that preparing the statement is not
	// counted against the first request: a service would have it prepared.
	if _, err := topK(ctx, conn, q, requests[0].FullName); err != nil {
		return Result{}, err
	}
	picked := sampleOf(len(requests), sample)
	times := make([]time.Duration, len(picked))
	for k, i := range picked {
		r := &requests[i]
		start := time.Now()
		ids, err := topK(ctx, conn, q, r.FullName)
		times[k] = time.Since(start)
		if err != nil {
			return Result{}, fmt.Errorf("baseline: request %s: %w", r.ID, err)
		}
		if child, ok := truth[r.ID]; ok {
			res.TruePairsQueried++
			if slices.Contains(ids, child) {
				res.TrueInTop10++
			}
		}
	}
	res.Queries = len(picked)
	res.QueryP50, res.QueryP99, res.QueryMean = percentile(times, 50), percentile(times, 99), mean(times)
	if res.TruePairsQueried > 0 {
		res.RecallAt10 = float64(res.TrueInTop10) / float64(res.TruePairsQueried)
	}
	res.ProjectedFullLink = res.QueryMean * time.Duration(len(requests))
	return res, nil
}

// tableName returns a unique table name.
func tableName() (pgx.Identifier, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return pgx.Identifier{"reunite_trgm_" + hex.EncodeToString(b)}, nil
}

// topK runs q for one name and returns the ids found, best first.
func topK(ctx context.Context, conn *pgx.Conn, q, name string) ([]string, error) {
	rows, err := conn.Query(ctx, q, name)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("baseline: query: %w", err)
	}
	return ids, nil
}

// sampleOf picks min(n, total) indices of [0, total), evenly spaced. The
// sample needs no random source to be deterministic, and being spread over
// the whole list it is as representative as a random one when the list is
// in no meaningful order (synth scatters the sought children through it).
func sampleOf(total, n int) []int {
	n = min(n, total)
	idx := make([]int, n)
	for k := range idx {
		idx[k] = k * total / n
	}
	return idx
}

// percentile returns the p-th percentile of d by the nearest-rank method.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 · n)
	return s[max(rank, 1)-1]
}

func mean(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(len(d))
}
