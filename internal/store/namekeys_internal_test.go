package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/names"
)

func TestNameQueryKeys(t *testing.T) {
	for _, c := range []struct {
		q    string
		want [][]string
	}{
		{"", nil},
		{" - ", nil},
		{"???", nil},
		{"Коваленко", [][]string{{"f:kovalenko", "n:kovalenko", "p:kovalenko"}}},
		// One word per token; punctuation and case do not count.
		{"KOVALENKO, -- kovalenko", [][]string{{"f:kovalenko", "n:kovalenko", "p:kovalenko"}}},
		// Гender endings of a surname fold; Key folds the spellings.
		{"Kowalska", [][]string{{"f:kovalski", "n:kovalska", "p:kovalska"}}},
		// A token Key reads as two words is two words.
		{"Анна.Марія", [][]string{
			{"f:ana", "g:" + classOf(t, "Анна"), "n:ana", "p:ana"},
			{"f:maria", "g:" + classOf(t, "Марія"), "n:maria", "p:maria"},
		}},
		// A patronymic of a known name is its father's class and sex.
		{"Петрович", [][]string{{"f:petrovich", "n:petrovich", "p:" + classOf(t, "Петро") + "m"}}},
		{"Petrivna", [][]string{{"f:petrivni", "n:petrivna", "p:" + classOf(t, "Петро") + "f"}}},
	} {
		if got := nameQueryKeys(c.q); !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("nameQueryKeys(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	// Equivalent names share a given-name class.
	for _, q := range []string{"Oleksandr", "Александр", "Саша", "Sasha", "Aleksandr", "Alexander"} {
		if g := nameQueryKeys(q); len(g) != 1 || !slices.Contains(g[0], "g:"+classOf(t, "Олександр")) {
			t.Errorf("nameQueryKeys(%q) = %q: no class of Олександр", q, g)
		}
	}
	// Words past the limit are ignored, not an error.
	long := strings.Repeat("Коваль Шевченко Бондар Ткач Мельник ", 4)
	if n := len(nameQueryKeys(long)); n != 5 {
		t.Errorf("%d words kept of 5 distinct", n)
	}
	long = "a b c d e f g h i j k l"
	if n := len(nameQueryKeys(long)); n != MaxNameQueryWords {
		t.Errorf("%d words kept, want %d", n, MaxNameQueryWords)
	}
}

func classOf(t *testing.T, given string) string {
	t.Helper()
	c := names.GivenClasses(given)
	if len(c) == 0 {
		t.Fatalf("%s: no class", given)
	}
	return strings.TrimPrefix(appendGivenKeys(nil, given, false)[0], "g:")
}

func TestNameKeysOfAPerson(t *testing.T) {
	p := domain.Person{Names: []domain.Name{
		{Given: "Олександр", Patronymic: "Петрович", Family: "Коваленко-Шевчук"},
		{Given: "Саша", Family: "Мельник"},
		{},
	}}
	ol, sasha := classOf(t, "Олександр"), names.GivenClasses("Саша")
	// Known given names have their classes only; an unknown one its key.
	want := []string{"f:kovalenko", "f:melnik", "f:shevchuk", "p:" + classOf(t, "Петро") + "m"}
	for _, c := range sasha {
		want = append(want, appendGivenKeys(nil, names.GivenClassName(c), false)[0])
	}
	want = append(want, "g:"+ol)
	slices.Sort(want)
	want = slices.Compact(want)
	if got := nameKeys(&p); !slices.Equal(got, want) {
		t.Errorf("nameKeys = %q, want %q", got, want)
	}
	if got := nameKeys(&domain.Person{Names: []domain.Name{{Given: "Веледар", Patronymic: "Веледарович"}}}); !slices.Equal(got, []string{"n:veledar", "p:veledarovich"}) {
		t.Errorf("unknown names: keys %q", got)
	}
	if got := nameKeys(&domain.Person{}); len(got) != 0 {
		t.Errorf("no names, keys %q", got)
	}
}

// FuzzNameQueryKeys checks the query side of the name search against the
// record side: whatever the text, a record holding it as its name is found
// by it, and the keys are well formed.
func FuzzNameQueryKeys(f *testing.F) {
	for _, s := range []string{"Oleksandr Kovalenko", "Саша", "Ковальська", "Мар'яна Петрівна", "Анна-Марія", "O'Brien", "Щ", "a b c d e f g h i j", "Ǆ Ǉ", "\u00A8x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		groups := nameQueryKeys(q)
		if len(groups) > MaxNameQueryWords {
			t.Fatalf("%d words", len(groups))
		}
		if again := nameQueryKeys(q); !slices.EqualFunc(again, groups, slices.Equal) {
			t.Fatalf("not deterministic: %q then %q", groups, again)
		}
		// A record with q as its name is found by q: q as every part of
		// it, as its family name only and as its given name only.
		all := nameKeys(&domain.Person{Names: []domain.Name{{Given: q, Patronymic: q, Family: q}}})
		family := nameKeys(&domain.Person{Names: []domain.Name{{Family: q}}})
		given := nameKeys(&domain.Person{Names: []domain.Name{{Given: q}}})
		for _, g := range groups {
			if len(g) == 0 || !slices.IsSorted(g) || len(slices.Compact(slices.Clone(g))) != len(g) {
				t.Fatalf("group %q: empty, unsorted or repeated", g)
			}
			for _, k := range g {
				kind, body, ok := strings.Cut(k, ":")
				if !ok || body == "" || !strings.Contains("fgnp", kind) || len(kind) != 1 || strings.ContainsAny(body, " :") || !utf8.ValidString(body) {
					t.Fatalf("malformed key %q", k)
				}
				for _, c := range []byte(body) {
					if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
						t.Fatalf("key %q: byte %q", k, c)
					}
				}
			}
			if !slices.ContainsFunc(g, func(k string) bool { _, ok := slices.BinarySearch(all, k); return ok }) {
				t.Fatalf("query %q word %q does not find the name itself (%q)", q, g, all)
			}
			if !slices.ContainsFunc(g, func(k string) bool { _, ok := slices.BinarySearch(family, k); return ok }) {
				t.Fatalf("query %q word %q does not find the family name %q (%q)", q, g, q, family)
			}
			if !slices.ContainsFunc(g, func(k string) bool { _, ok := slices.BinarySearch(given, k); return ok }) {
				t.Fatalf("query %q word %q does not find the given name %q (%q)", q, g, q, given)
			}
		}
		// Spelling noise does not change what is searched for.
		if n := nameQueryKeys(names.Normalize(q)); !slices.EqualFunc(n, groups, slices.Equal) {
			t.Fatalf("Normalize changes the keys: %q → %q", groups, n)
		}
		// The condition binds every key as a parameter and nothing else.
		var args []any
		cond := nameCondition(q, func(v any) string { args = append(args, v); return "$x" })
		if strings.Contains(cond, "'") || (len(groups) > 0 && strings.Count(cond, "$x") != len(args)) {
			t.Fatalf("condition %q", cond)
		}
		for _, a := range args {
			if strings.Contains(cond, a.(string)) {
				t.Fatalf("condition %q holds the value %q", cond, a)
			}
		}
	})
}

// TestNameSearchPlan checks on SQLite that a name search reads the keys
// through their index, and never scans the keys table.
func TestNameSearchPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := "0190f1b2-0000-7000-8000-000000000001"
	for _, f := range []RecordFilter{
		{OrgIDs: []string{org}, Kind: domain.KindChild, Name: "Oleksandr", Limit: 51},
		{OrgIDs: []string{org}, Kind: domain.KindChild, Name: "Oleksandr Kovalenko", Limit: 51},
		{OrgIDs: []string{org}, SharedWith: org, Kind: domain.KindRequest, Name: "Саша", After: org, Limit: 51},
	} {
		text := queryPlan(t, s, f)
		uses := strings.Count(text, "SEARCH record_name_keys USING PRIMARY KEY (key=?)")
		if uses != len(nameQueryKeys(f.Name)) || strings.Contains(text, "SCAN record_name_keys") || strings.Contains(text, "SCAN r") {
			t.Errorf("name %q: plan\n%s", f.Name, text)
		}
		t.Logf("name %q: plan\n%s", f.Name, text)
	}
}

// TestVisibilityPlan checks on SQLite that a party's page of records walks
// its visibility rows in id order through their key: no scan of records,
// no sort, whatever share of the database the party holds.
func TestVisibilityPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := "0190f1b2-0000-7000-8000-000000000001"
	f := RecordFilter{OrgIDs: []string{org}, SharedWith: org, Kind: domain.KindChild, After: org, Limit: 51}
	text := queryPlan(t, s, f)
	if !strings.Contains(text, "SEARCH v USING PRIMARY KEY (org_id=? AND kind=? AND record_id>?)") || strings.Contains(text, "SCAN r") || strings.Contains(text, "TEMP B-TREE") {
		t.Errorf("plan\n%s", text)
	}
}

// queryPlan is SQLite's plan of f's list query, one step a line.
func queryPlan(t *testing.T, s *Store, f RecordFilter) string {
	t.Helper()
	q, args := f.listQuery(s.dialect)
	rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}
