package baseline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// The hand-made dataset: which request's child trigrams find is known.
var (
	children = []Row{
		{"B-1", "Олександр Андрійович Шевченко", 2012},
		{"B-2", "Марія Іванівна Коваленко", 2015},  // a namesake of A-2's child, not her
		{"B-3", "Mariia Petrivna Kovalenko", 2015}, // A-2's child, in Latin letters
		{"B-4", "Дмитро Олегович Бондареко", 2010}, // A-4's child, with a letter dropped
		{"B-5", "Александр Андреевич Шевчук", 2013},
		{"B-6", "Анна Сергіївна Мельник", 2016},
		{"B-7", "Александр Андреевич Ткаченко", 2011}, // A-5's child, Russified
	}
	requests = []Row{
		{"A-1", "Олександр Андрійович Шевченко", 2012}, // exact: found
		{"A-2", "Марія Петрівна Коваленко", 2015},      // Latin vs Cyrillic: not found
		{"A-3", "Іван Петрович Мельник", 2014},         // no child in the list
		{"A-4", "Дмитро Олегович Бондаренко", 2010},    // typo: found
		{"A-5", "Олександр Андрійович Ткаченко", 2011}, // Russian forms share enough trigrams: found
	}
	truth = map[string]string{"A-1": "B-1", "A-2": "B-3", "A-4": "B-4", "A-5": "B-7"}
)

func TestTrgmLink(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	tests := []struct {
		sample                    int
		queries, truePairs, inTop int
	}{
		{100, 5, 4, 3},
		{5, 5, 4, 3},
		{3, 3, 3, 2}, // A-4 (indices 0, 1, 3)
		{2, 2, 1, 1}, // A-1, A-3 (indices 0, 2)
		{1, 1, 1, 1},
	}
	for _, tc := range tests {
		res, err := TrgmLink(ctx, dsn, children, requests, truth, tc.sample)
		if err != nil {
			t.Fatalf("sample %d: %v", tc.sample, err)
		}
		if res.Children != len(children) || res.Queries != tc.queries || res.TruePairsQueried != tc.truePairs || res.TrueInTop10 != tc.inTop {
			t.Errorf("sample %d: %d children, %d queries, %d of %d true pairs in top 10; want %d, %d, %d of %d",
				tc.sample, res.Children, res.Queries, res.TrueInTop10, res.TruePairsQueried, len(children), tc.queries, tc.inTop, tc.truePairs)
		}
		if want := float64(tc.inTop) / float64(tc.truePairs); res.RecallAt10 != want {
			t.Errorf("sample %d: recall@10 %v, want %v", tc.sample, res.RecallAt10, want)
		}
		if res.LoadTime <= 0 || res.IndexTime <= 0 || res.QueryP50 <= 0 || res.QueryP50 > res.QueryP99 || res.QueryMean <= 0 {
			t.Errorf("sample %d: implausible times %+v", tc.sample, res)
		}
		if res.ProjectedFullLink != res.QueryMean*time.Duration(len(requests)) {
			t.Errorf("sample %d: projection %s, mean %s", tc.sample, res.ProjectedFullLink, res.QueryMean)
		}
	}

	// Every table was dropped.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'reunite_trgm_%'").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d tables left behind", left)
	}
}

// TestTrgmLinkRanks checks the order trigrams give: the exact name first,
// the namesake of A-2 found though her child is not.
func TestTrgmLinkRanks(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id text, full_name text, birth_year int)"); err != nil {
		t.Fatal(err)
	}
	for _, c := range children {
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, $2, $3)", c.ID, c.FullName, c.BirthYear); err != nil {
			t.Fatal(err)
		}
	}
	q := searchSQL("t")
	for _, tc := range []struct{ name, want string }{
		{"Олександр Андрійович Шевченко", "B-1 B-5 B-7"},
		{"Марія Петрівна Коваленко", "B-2"},
		{"Mariia Petrivna Kovalenko", "B-3"},
		{"Дмитро Олегович Бондаренко", "B-4"},
	} {
		ids, err := topK(ctx, conn, q, tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(ids, " "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestTrgmLinkRefuses(t *testing.T) {
	tests := []struct {
		name     string
		requests []Row
		sample   int
		want     string
	}{
		{"no sample", requests, 0, "sample must be at least 1"},
		{"negative sample", requests, -5, "sample must be at least 1"},
		{"no requests", nil, 10, "no requests"},
	}
	for _, tc := range tests {
		// The arguments are checked before connecting: the DSN is never used.
		_, err := TrgmLink(context.Background(), "postgres://nowhere.invalid/x", children, tc.requests, truth, tc.sample)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestSampleOf(t *testing.T) {
	tests := []struct {
		total, n int
		want     []int
	}{
		{5, 10, []int{0, 1, 2, 3, 4}},
		{5, 5, []int{0, 1, 2, 3, 4}},
		{5, 2, []int{0, 2}},
		{10, 3, []int{0, 3, 6}},
		{100_000, 4, []int{0, 25_000, 50_000, 75_000}},
	}
	for _, tc := range tests {
		got := sampleOf(tc.total, tc.n)
		if len(got) != len(tc.want) {
			t.Errorf("sampleOf(%d, %d) = %v, want %v", tc.total, tc.n, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("sampleOf(%d, %d) = %v, want %v", tc.total, tc.n, got, tc.want)
				break
			}
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		d := make([]time.Duration, len(xs))
		for i, x := range xs {
			d[i] = time.Duration(x) * time.Millisecond
		}
		return d
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100 … 1, unsorted
	}
	tests := []struct {
		d    []time.Duration
		p    int
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(3, 1, 2), 50, 2 * time.Millisecond},
		{ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{ms(hundred...), 50, 50 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := percentile(tc.d, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %d) = %s, want %s", tc.d, tc.p, got, tc.want)
		}
	}
	if got := mean(ms(1, 2, 6)); got != 3*time.Millisecond {
		t.Errorf("mean = %s, want 3ms", got)
	}
}
