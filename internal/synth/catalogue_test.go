package synth

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"golang.org/x/text/unicode/norm"
)

func TestPatronymics(t *testing.T) {
	tests := []struct {
		father, son, daughter string
		russian               bool
	}{
		{"Олександр", "Олександрович", "Олександрівна", false},
		{"Андрій", "Андрійович", "Андріївна", false},
		{"Микола", "Миколайович", "Миколаївна", false},
		{"Ілля", "Ілліч", "Іллівна", false},
		{"Василь", "Васильович", "Василівна", false},
		{"Дмитро", "Дмитрович", "Дмитрівна", false},
		{"Микита", "Микитович", "Микитівна", false},
		{"Федір", "Федорович", "Федорівна", false},
		{"Ігор", "Ігорович", "Ігорівна", false},
		{"Сергій", "Сергійович", "Сергіївна", false},
		{"В'ячеслав", "В'ячеславович", "В'ячеславівна", false},
		{"Александр", "Александрович", "Александровна", true},
		{"Андрей", "Андреевич", "Андреевна", true},
		{"Николай", "Николаевич", "Николаевна", true},
		{"Юрий", "Юрьевич", "Юрьевна", true},
		{"Дмитрий", "Дмитриевич", "Дмитриевна", true},
		{"Виталий", "Витальевич", "Витальевна", true},
		{"Игорь", "Игоревич", "Игоревна", true},
		{"Илья", "Ильич", "Ильинична", true},
		{"Никита", "Никитич", "Никитична", true},
		{"Пётр", "Петрович", "Петровна", true},
		{"Павел", "Павлович", "Павловна", true},
		{"Михаил", "Михайлович", "Михайловна", true},
		{"Матвей", "Матвеевич", "Матвеевна", true},
		{"Фёдор", "Фёдорович", "Фёдоровна", true},
	}
	for _, tc := range tests {
		f := ukrainianPatronymic
		if tc.russian {
			f = russianPatronymic
		}
		if got := f(tc.father, male); got != tc.son {
			t.Errorf("son of %s: %s, want %s", tc.father, got, tc.son)
		}
		if got := f(tc.father, female); got != tc.daughter {
			t.Errorf("daughter of %s: %s, want %s", tc.father, got, tc.daughter)
		}
	}
}

func TestFeminineSurnames(t *testing.T) {
	tests := []struct {
		m, want string
		kind    surnameKind
		russian bool
	}{
		{"Мельник", "Мельник", invariant, false},
		{"Шевченко", "Шевченко", invariant, true},
		{"Ковальський", "Ковальська", adjectival, false},
		{"Ковальский", "Ковальская", adjectival, true},
		{"Заболотний", "Заболотна", adjectival, false},
		{"Бережной", "Бережная", adjectival, true},
		{"Осадчий", "Осадчая", adjectival, true},
		{"Іванов", "Іванова", possessive, false},
		{"Ильин", "Ильина", possessive, true},
	}
	for _, tc := range tests {
		if got := feminineSurname(tc.m, tc.kind, tc.russian); got != tc.want {
			t.Errorf("feminineSurname(%s) = %s, want %s", tc.m, got, tc.want)
		}
	}
}

// TestTables checks the data: sizes the brief asks for, no duplicates,
// every string clean and in the script it claims.
func TestTables(t *testing.T) {
	if len(maleGiven) < 60 || len(femaleGiven) < 60 || len(surnames) < 200 || len(oblasts) != 25 {
		t.Errorf("%d male, %d female given names, %d surnames, %d oblasts", len(maleGiven), len(femaleGiven), len(surnames), len(oblasts))
	}
	seen := map[string]bool{}
	unique := func(kind, s string) {
		if seen[kind+s] {
			t.Errorf("%s %q listed twice", kind, s)
		}
		seen[kind+s] = true
	}
	clean := func(s string, script domain.Script) {
		t.Helper()
		if s != domain.Clean(s) || !norm.NFC.IsNormalString(s) {
			t.Errorf("%q is not clean NFC", s)
		}
		if got := domain.DetectScript(s); got != script && got != domain.ScriptCyrillic && script != "" {
			t.Errorf("%q looks %s, want %s", s, got, script)
		}
	}
	for sex, rows := range [][]givenRow{maleGiven, femaleGiven} {
		for _, g := range rows {
			unique("given"+string(rune('0'+sex)), g.uk)
			clean(g.uk, domain.ScriptUkrainian)
			clean(g.ru, domain.ScriptRussian)
			if g.dim != "" {
				clean(g.dim, domain.ScriptRussian)
			}
			if g.informal != "" {
				clean(g.informal, domain.ScriptLatin)
			}
			if g.child <= 0 || g.parent < 0 {
				t.Errorf("%s: weights %d, %d", g.uk, g.child, g.parent)
			}
		}
	}
	c := newCatalogue()
	for i, s := range surnames {
		unique("surname", s.uk)
		if s.weight <= 0 {
			t.Errorf("%s: weight %d", s.uk, s.weight)
		}
		for sex := range 2 {
			clean(c.surnames[i].uk[sex], domain.ScriptUkrainian)
			clean(c.surnames[i].ru[sex], domain.ScriptRussian)
		}
		if s.kind == adjectival && !strings.HasSuffix(s.uk, "ий") {
			t.Errorf("%s is not adjectival", s.uk)
		}
	}
	for _, o := range oblasts {
		unique("oblast", o.uk)
		clean(o.uk, domain.ScriptUkrainian)
		clean(o.ru, domain.ScriptRussian)
		if len(o.settlements) < 3 {
			t.Errorf("%s: %d settlements", o.uk, len(o.settlements))
		}
		for _, s := range o.settlements {
			unique("settlement", s[0])
			clean(s[0], "")
			clean(s[1], "")
		}
	}
	for _, f := range features {
		clean(f[0], domain.ScriptUkrainian)
		clean(f[1], domain.ScriptRussian)
	}
}

func TestWeightsPick(t *testing.T) {
	w := newWeights(4, func(i int) int { return []int{1, 0, 3, 6}[i] })
	r := newSource()
	r.reset(1, streamChild, 0)
	var counts [4]int
	const n = 100_000
	for range n {
		counts[w.pick(r)]++
	}
	if counts[1] != 0 {
		t.Errorf("zero weight picked %d times", counts[1])
	}
	for i, want := range []float64{0.1, 0, 0.3, 0.6} {
		if got := float64(counts[i]) / n; got < want-0.01 || got > want+0.01 {
			t.Errorf("index %d: %.3f, want %.2f", i, got, want)
		}
	}
}

func TestPermutation(t *testing.T) {
	for _, n := range []int{1, 2, 100, 101, 1000, 4097, 65_536} {
		p := newPermutation(uint64(n), uint64(n)*7919)
		seen := make([]bool, n)
		for x := range n {
			y := p.forward(uint64(x))
			if y >= uint64(n) || seen[y] {
				t.Fatalf("n=%d: forward(%d) = %d repeats or is out of range", n, x, y)
			}
			seen[y] = true
			if back := p.inverse(y); back != uint64(x) {
				t.Fatalf("n=%d: inverse(forward(%d)) = %d", n, x, back)
			}
		}
	}
}

func TestPairing(t *testing.T) {
	for _, tc := range []struct{ n, m int }{{100, 30}, {101, 101}, {1000, 1}, {5000, 1500}} {
		p := newPairing(99, tc.n, tc.m)
		matched := 0
		for j := range tc.n {
			if !p.childMatched(j) {
				continue
			}
			matched++
			i := p.requestOf(j)
			if i == j {
				t.Fatalf("n=%d: child %d sought by request %d", tc.n, j, i)
			}
			if back, ok := p.childOf(i); !ok || back != j {
				t.Fatalf("n=%d: request %d seeks %d (%v), want %d", tc.n, i, back, ok, j)
			}
		}
		requests := 0
		for i := range tc.n {
			if _, ok := p.childOf(i); ok {
				requests++
			}
		}
		if matched != tc.m || requests != tc.m {
			t.Errorf("n=%d: %d matched children, %d matched requests, want %d", tc.n, matched, requests, tc.m)
		}
	}
}

func TestDayNumbers(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := -40_000; n < 60_000; n += 13 {
		d := dateOf(n)
		if want := domain.DateOf(epoch.AddDate(0, 0, n)); d != want {
			t.Fatalf("dateOf(%d) = %s, want %s", n, d, want)
		}
		if back := dayNumber(d); back != n {
			t.Fatalf("dayNumber(%s) = %d, want %d", d, back, n)
		}
		if daysIn(d.Year, d.Month) != time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			t.Fatalf("daysIn(%d, %s) wrong", d.Year, d.Month)
		}
	}
	if got := addYears(domain.Date{Year: 2012, Month: 2, Day: 29}, 1); got != (domain.Date{Year: 2013, Month: 2, Day: 28}) {
		t.Errorf("addYears(2012-02-29, 1) = %s", got)
	}
}

// The constructors must build what domain.ParseFuzzyDate builds from the
// text form, so records survive a trip through CSV or JSON unchanged.
func TestFuzzyConstructors(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		d := dateOf(dayNumber(domain.Date{Year: 1990, Month: 1, Day: 1}) + r.IntN(20_000))
		for _, p := range []precision{toDay, toMonth, toYear, toAbout, unknown} {
			f := fuzzy(d, p)
			back, err := domain.ParseFuzzyDate(f.String())
			if err != nil || back != f {
				t.Fatalf("%s at %d: %+v reparses as %+v (%v)", d, p, f, back, err)
			}
		}
	}
}
