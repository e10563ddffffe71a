package synth

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
	"golang.org/x/text/unicode/norm"
)

// TestAttach pins the joining rules on examples, one or more per rule.
func TestAttach(t *testing.T) {
	st := func(class stemClass, tok string) *stem {
		for _, s := range parseStemList(class, tok) {
			return &s
		}
		panic(tok)
	}
	tests := []struct {
		class  stemClass
		stem   string
		f      formant
		uk, ru string // "" when refused
		kind   surnameKind
	}{
		{classGiven, "Петр", fEnko, "Петренко", "Петренко", invariant},
		{classFauna, "Вовк+", fEnko, "Вовченко", "Вовченко", invariant},      // к → ч
		{classTrait, "Довг", fEnko, "Довженко", "Довженко", invariant},       // г → ж
		{classGiven, "Андрух", fEnko, "Андрушенко", "Андрушенко", invariant}, // х → ш
		{classGiven, "Паньк", fEnko, "Панченко", "Панченко", invariant},      // ньк → нч
		{classGiven, "Ільк", fEnko, "Ільченко", "Ильченко", invariant},       // льк → льч
		{classGiven, "Андрій", fEnko, "Андрієнко", "Андриенко", invariant},   // й → є
		{classTrade, "Коваль+", fEnko, "Коваленко", "Коваленко", invariant},  // ь drops
		{classTrait, "Біл/Бел", fEnko, "Біленко", "Беленко", invariant},      // Russian stem
		{classGiven, "Мацк", fEnko, "", "", 0},                               // no цч
		{classGiven, "Петр", fUk, "Петрук", "Петрук", invariant},
		{classGiven, "Гнат", fUk, "Гнатюк", "Гнатюк", invariant},
		{classTrade, "Коваль+", fUk, "Ковалюк", "Ковалюк", invariant},
		{classTrade, "Мельник+", fUk, "Мельничук", "Мельничук", invariant},
		{classTrade, "Пасічник+", fUk, "", "", 0}, // too long for -ничук
		{classFauna, "Жук", fUk, "", "", 0},       // Жучук
		{classGiven, "Остап", fChuk, "Остапчук", "Остапчук", invariant},
		{classGiven, "Михал", fChuk, "Михальчук", "Михальчук", invariant},
		{classTrade, "Коваль+", fChuk, "Ковальчук", "Ковальчук", invariant},
		{classGiven, "Сень", fChuk, "Сенчук", "Сенчук", invariant},
		{classGiven, "Андрій", fChuk, "Андрійчук", "Андрийчук", invariant},
		{classGiven, "Петр", fChuk, "", "", 0}, // трч
		{classGiven, "Гнат", fChuk, "", "", 0}, // тч
		{classGiven, "Юрк", fYshyn, "Юрчишин", "Юрчишин", invariant},
		{classGiven, "Гриц", fYshyn, "Грицишин", "Грицишин", invariant},
		{classGiven, "Петр", fIv, "Петрів", "Петрив", invariant},
		{classGiven, "Стець", fIv, "Стеців", "Стецив", invariant},
		{classGiven, "Стець", fKiv, "Стецьків", "Стецькив", invariant},
		{classGiven, "Гриц", fKo, "Грицько", "Грицько", invariant},
		{classGiven, "Федь", fKo, "Федько", "Федько", invariant},
		{classGiven, "Левк", fKo, "", "", 0},
		{classGiven, "Петр", fOvych, "Петрович", "Петрович", invariant},
		{classGiven, "Юрк", fOvych, "Юркевич", "Юркевич", invariant},
		{classGiven, "Ярош", fOvych, "Ярошевич", "Ярошевич", invariant},
		{classGiven, "Андрій", fOvych, "Андрієвич", "Андриевич", invariant},
		{classGiven, "Яков", fOvych, "", "", 0}, // Яковович
		{classGiven, "Семен", fAk, "Семеняк", "Семеняк", invariant},
		{classFauna, "Вовк+", fAk, "Вовчак", "Вовчак", invariant},
		{classTrade, "Козак+", fAk, "", "", 0},
		{classGiven, "Лук", fYch, "Лукич", "Лукич", invariant},
		{classGiven, "Юрк", fYch, "", "", 0},
		{classGiven, "Остап", fEts, "Остапець", "Остапец", invariant},
		{classPlace, "Полтав", fEts, "Полтавець", "Полтавец", invariant},
		{classPlace, "Полтав", fSkyi, "Полтавський", "Полтавский", adjectival},
		{classPlace, "Галич", fSkyi, "Галицький", "Галицкий", adjectival},
		{classPlace, "Прилук", fSkyi, "Прилуцький", "Прилуцкий", adjectival},
		{classPlace, "Кременец", fSkyi, "Кременецький", "Кременецкий", adjectival},
		{classPlace, "Сокаль", fSkyi, "Сокальський", "Сокальский", adjectival},
		{classPlace, "Жовків", fSkyi, "Жовківський", "Жовкивский", adjectival},
		{classFlora, "Дуб+", fOvskyi, "Дубовський", "Дубовский", adjectival},
		{classFlora, "Груш=Груша", fOvskyi, "Грушевський", "Грушевский", adjectival},
		{classThing, "Гай+", fEnko, "Гаєнко", "Гаенко", invariant},
		{classFlora, "Верб=Верба", fYtskyi, "Вербицький", "Вербицкий", adjectival},
		{classFlora, "Лип=Липа", fYnskyi, "Липинський", "Липинский", adjectival},
		{classFlora, "Дуб+", fOvyi, "Дубовий", "Дубовой", adjectival},
		{classFlora, "Вишнь=Вишня", fOvyi, "Вишневий", "Вишневой", adjectival},
		{classLand, "Поль", fOvyi, "Польовий", "Полевой", adjectival},
		{classTrait, "Руд", fAdj, "Рудий", "Рудый", adjectival},
		{classTrait, "Глух", fAdj, "Глухий", "Глухий", adjectival},
		{classAdjN, "Залізн", fAdj, "Залізний", "Зализный", adjectival},
		{classTrade, "Гончар+", fOv, "Гончаров", "Гончаров", possessive},
		{classTrade, "Ткач+", fOv, "Ткачов", "Ткачев", possessive},
		{classTrade, "Кравч=Кравець", fOv, "", "", 0}, // a stem cut from the noun
		{classTrade, "Коваль+", fOv, "Ковальов", "Ковалев", possessive},
		{classFauna, "Соловй=Соловей", fOv, "Соловйов", "Соловьев", possessive},
		{classFauna, "Ворон=Ворона", fOv, "", "", 0}, // -ін instead
		{classFauna, "Ворон=Ворона", fIn, "Воронін", "Воронин", possessive},
		{classFauna, "Зайч=Заєць", fBare, "Заєць", "Заец", invariant},
		{classFauna, "Кот=Кіт/Кот", fBare, "Кіт", "Кот", invariant},
		{classFauna, "Лис/Лыс+", fBare, "Лис", "Лыс", invariant},
	}
	for _, tc := range tests {
		s := st(tc.class, tc.stem)
		uk, ru, kind, ok := attach(tc.f, s)
		if !ok {
			uk, ru, kind = "", "", 0
		}
		if uk != tc.uk || ru != tc.ru || kind != tc.kind {
			t.Errorf("%s + formant %d = %q/%q kind %d, want %q/%q kind %d", tc.stem, tc.f, uk, ru, kind, tc.uk, tc.ru, tc.kind)
		}
	}
}

// surnameData is what the surname table was made from: the head, the
// tail's rows in rank order, the weights of both and the tail's offset q.
type surnameData struct {
	head, tail []surnameRow
	weight     []int
	q          int
}

var testSurnames = sync.OnceValue(func() surnameData {
	tail := tailSurnames(surnames)
	w, q := surnameWeights(surnames, len(tail))
	return surnameData{surnames, tail, w, q}
})

var (
	ukrainianWord = regexp.MustCompile(`^[А-ЩЬЮЯҐЄІЇ][а-щьюяґєії']+$`)
	russianWord   = regexp.MustCompile(`^[А-ЯЁ][а-яё]+$`)
)

// TestStems checks the stem data: every stem is one Ukrainian word with a
// Russian form the joining rules can cut like it, and none is listed
// twice in a class.
func TestStems(t *testing.T) {
	stems := parseStems()
	if len(stems) < 500 {
		t.Errorf("%d stems", len(stems))
	}
	seen := map[[2]string]bool{}
	for _, s := range stems {
		key := [2]string{string(rune('0' + s.class)), s.uk}
		if seen[key] {
			t.Errorf("stem %s listed twice in class %d", s.uk, s.class)
		}
		seen[key] = true
		if !ukrainianWord.MatchString(s.uk) || !russianWord.MatchString(s.ru) {
			t.Errorf("stem %q/%q is not a Ukrainian and a Russian word", s.uk, s.ru)
		}
		// The joins cut at most the last two letters, two only after a
		// soft sign (Паньк → Панч): those must be the same in both forms.
		u, r := []rune(s.uk), []rune(s.ru)
		same := 1
		if len(u) >= 2 && (u[len(u)-2] == 'ь' || u[len(u)-1] == 'ь') {
			same = 2
		}
		if len(u) < 2 || len(r) < same || string(u[len(u)-same:]) != string(r[len(r)-same:]) {
			t.Errorf("stem %q/%q: the forms must end alike", s.uk, s.ru)
		}
		if s.noun != "" && (!ukrainianWord.MatchString(s.noun) || !russianWord.MatchString(s.nounRu)) {
			t.Errorf("noun %q/%q is not a Ukrainian and a Russian word", s.noun, s.nounRu)
		}
	}
}

// TestTailSurnames checks every surname of the tail: there are several
// thousand, none twice or in the head, each a clean Cyrillic word with a
// Russian form, gendered as its ending requires.
func TestTailSurnames(t *testing.T) {
	st, forms := testSurnames(), surnamesTable().forms
	if n := len(st.tail); n < 5000 || n > 20000 {
		t.Errorf("%d tail surnames, want 5,000 to 20,000", n)
	}
	if again := tailSurnames(surnames); !slices.Equal(again, st.tail) {
		t.Error("the tail is not the same when built again")
	}
	seen := map[string]bool{}
	for _, r := range st.head {
		seen[r.uk] = true
	}
	for i, r := range st.tail {
		if seen[r.uk] {
			t.Errorf("%s is in the tail twice or also in the head", r.uk)
		}
		seen[r.uk] = true
		f := forms[len(st.head)+i]
		if f.uk[male] != r.uk || r.ru != "" && f.ru[male] != r.ru {
			t.Fatalf("table entry %v is not tail row %v", f, r)
		}
		for sex := range 2 {
			checkCyrillic(t, f.uk[sex], domain.ScriptUkrainian)
			checkCyrillic(t, f.ru[sex], domain.ScriptRussian)
		}
		if want := kindOfEnding(r.uk); r.kind != want {
			t.Errorf("%s: kind %d, its ending says %d", r.uk, r.kind, want)
		}
		// Women's forms: -ський → -ська/-ская, -ов → -ова, -ін → -іна/-ина;
		// the rest as the men's.
		var okUk, okRu bool
		switch r.kind {
		case adjectival:
			okUk = strings.HasSuffix(f.uk[male], "ий") && f.uk[female] == strings.TrimSuffix(f.uk[male], "ий")+"а"
			stem, _ := cutLast(f.ru[male])
			stem, _ = cutLast(stem)
			okRu = hasAnySuffix(f.ru[male], "ий", "ый", "ой") && f.ru[female] == stem+"ая"
		case possessive:
			okUk = hasAnySuffix(f.uk[male], "ов", "ев", "єв", "ін") && f.uk[female] == f.uk[male]+"а"
			okRu = hasAnySuffix(f.ru[male], "ов", "ев", "ин") && f.ru[female] == f.ru[male]+"а"
		default:
			okUk, okRu = f.uk[female] == f.uk[male], f.ru[female] == f.ru[male]
		}
		if !okUk || !okRu {
			t.Errorf("%s: forms %v %v do not follow kind %d", r.uk, f.uk, f.ru, r.kind)
		}
	}
}

// kindOfEnding says how a surname with this ending changes for a woman in
// both languages, independently of how the tail was built.
func kindOfEnding(uk string) surnameKind {
	switch {
	case strings.HasSuffix(uk, "ий"):
		return adjectival
	case hasAnySuffix(uk, "ов", "ев", "єв", "ін"):
		return possessive
	}
	return invariant
}

func hasAnySuffix(s string, suffixes ...string) bool {
	return slices.ContainsFunc(suffixes, func(x string) bool { return strings.HasSuffix(s, x) })
}

func checkCyrillic(t *testing.T, s string, script domain.Script) {
	t.Helper()
	re := ukrainianWord
	if script == domain.ScriptRussian {
		re = russianWord
	}
	if !re.MatchString(s) || s != domain.Clean(s) || !norm.NFC.IsNormalString(s) {
		t.Errorf("%q is not a clean %s word", s, script)
	}
	if got := domain.DetectScript(s); got != script && got != domain.ScriptCyrillic {
		t.Errorf("%q looks %s, want %s", s, got, script)
	}
}

// forbidden are letter sequences no generated surname may contain: endings
// stacked on endings, and clusters the joining rules must avoid.
var forbidden = []string{
	"енкоенко", "енкоук", "енкоюк", "енкоів", "енкович", "укук", "юкюк", "чукчук", "укенко",
	"ськийук", "ськийенко", "ийенко", "ийук", "ишинишин", "ишинук", "овов", "івів", "ецьець",
	"кч", "гч", "хч", "чч", "сч", "зч", "цч", "жч", "щч", "ьь", "йй", "ьй",
}

// endings are surname endings, longest first; suffixEndings those of them
// that are never part of a stem, so that a name must not carry one before
// its final ending (Петренкович, Ковальськийук; Гайдукевич is fine).
var (
	endings = []string{
		"овський", "евський", "євський", "ицький", "инський", "ський", "цький", "ченко", "енко",
		"євич", "евич", "ович", "ишин", "ишак", "чук", "ук", "юк", "ів", "ов", "ев", "ець", "ий",
	}
	suffixEndings = []string{"енко", "ишин", "ишак", "ський", "цький", "ович", "евич", "євич", "чук", "ець"}
)

// forbiddenIn returns what is wrong with surname s, or "". Four
// consonants in a row are only looked for in Ukrainian forms: Russian
// spells Балтський as Балтский.
func forbiddenIn(s string, ukrainian bool) string {
	low := strings.ToLower(s)
	for _, f := range forbidden {
		if strings.Contains(low, f) {
			return f
		}
	}
	rs := []rune(low)
	consonants := 0
	for i, r := range rs {
		if i >= 2 && r == rs[i-1] && r == rs[i-2] {
			return "three identical letters"
		}
		if r == 'ь' && i > 0 && isVowel(rs[i-1]) {
			return "soft sign after a vowel"
		}
		if isVowel(r) || r == 'ь' || r == '\'' {
			consonants = 0
		} else if consonants++; consonants >= 4 && ukrainian {
			return "four consonants in a row"
		}
	}
	for _, e := range endings {
		if rest, ok := strings.CutSuffix(low, e); ok {
			for _, e2 := range suffixEndings {
				if strings.HasSuffix(rest, e2) {
					return "ending " + e2 + " before " + e
				}
			}
			break
		}
	}
	return ""
}

// TestNoForbiddenPatterns checks surnames as generation draws them (a
// random sample, weighted as drawn) and, to be sure, the whole tail.
func TestNoForbiddenPatterns(t *testing.T) {
	for _, bad := range []string{"Петренкоенко", "Ковальськийук", "Петррр", "Вовкчук", "Петрукук", "Гнатишинук", "Петренкович", "Мороззз"} {
		if forbiddenIn(bad, true) == "" {
			t.Errorf("%s passes the check", bad)
		}
	}
	st := surnamesTable()
	r := newSource()
	r.reset(3, streamTruthChild, 0)
	for range 50_000 {
		f := st.forms[st.pick.pick(r)]
		for i, s := range slices.Concat(f.uk[:], f.ru[:]) {
			if why := forbiddenIn(s, i < 2); why != "" {
				t.Fatalf("drawn surname %s: %s", s, why)
			}
		}
	}
	for _, row := range testSurnames().tail {
		if why := forbiddenIn(row.uk, true); why != "" {
			t.Errorf("tail surname %s: %s", row.uk, why)
		}
	}
}

// TestSurnameWeights checks the shape of the weights: the head takes
// headPercent of draws, its top surname about 0.25%; the tail follows on
// from the head's rarest surname and falls as 1/(k+q).
func TestSurnameWeights(t *testing.T) {
	st := testSurnames()
	nh := len(st.head)
	var head, total float64
	pick := surnamesTable().pick
	for i, w := range st.weight {
		if i > 0 && int32(w) != pick.cum[i]-pick.cum[i-1] {
			t.Fatalf("weight %d of the table is not %d", i, w)
		}
		total += float64(w)
		if i < nh {
			head += float64(w)
		}
	}
	if total > math.MaxInt32 {
		t.Fatalf("total weight %.0f overflows int32", total)
	}
	if got := head / total; math.Abs(got-headPercent/100.0) > 0.001 {
		t.Errorf("head share %.4f, want %.2f", got, headPercent/100.0)
	}
	if top := float64(slices.Max(st.weight)) / total; top < 0.002 || top > 0.003 {
		t.Errorf("top surname share %.5f, want about 0.0025", top)
	}
	rarestHead := slices.Min(st.weight[:nh])
	if first := st.weight[nh]; first > rarestHead || float64(first) < 0.95*float64(rarestHead) {
		t.Errorf("first tail weight %d, rarest head weight %d: the tail should go on from the head", first, rarestHead)
	}
	q := st.q
	for k, w := range st.weight[nh:] {
		if k > 0 && w > st.weight[nh+k-1] {
			t.Fatalf("tail weight %d rises at %d", w, k)
		}
		if zipf := float64(w) * float64(k+q) / tailScale; zipf < 0.999 || zipf > 1 {
			t.Fatalf("tail weight %d at rank %d is not tailScale/(k+q)", w, k)
		}
	}
	// What a million children would show, exactly from the weights: the
	// expected number of distinct surnames among them.
	distinct := 0.0
	for _, w := range st.weight {
		distinct += 1 - math.Pow(1-float64(w)/total, 1e6)
	}
	t.Logf("%d head and %d tail surnames, q = %d; at 1,000,000 children expect %.0f distinct surnames", nh, len(st.tail), q, distinct)
	if distinct < 5000 {
		t.Errorf("expected %.0f distinct surnames at 1,000,000 children, want at least 5,000", distinct)
	}
}

// TestSurnameDistribution measures surnames among the children of B's list
// at N = 200,000: the most common covers at most 0.35% of children (about
// 0.25% in Ukraine), the listed surnames 15–20% together and the first
// hundred 10–15%, and at least 4,500 surnames occur (5,000 at a million:
// at a fifth of that, only the rarest tail names may be missing).
func TestSurnameDistribution(t *testing.T) {
	cfg, _ := Config{Seed: 8, N: 200_000}.resolve()
	counts := surnameCounts(cfg)
	st := testSurnames()
	n := float64(cfg.N)
	var head, distinct int
	for i, c := range counts {
		if i < len(st.head) {
			head += c
		}
		if c > 0 {
			distinct++
		}
	}
	sorted := slices.Clone(counts)
	slices.SortFunc(sorted, func(a, b int) int { return b - a })
	top100 := 0
	for _, c := range sorted[:100] {
		top100 += c
	}
	top, headShare, top100Share := float64(sorted[0])/n, float64(head)/n, float64(top100)/n
	t.Logf("N=%d: top surname %.3f%%, first 100 %.1f%%, head %.1f%%, %d distinct surnames",
		cfg.N, 100*top, 100*top100Share, 100*headShare, distinct)
	if top > 0.0035 {
		t.Errorf("most common surname %.3f%% of children, want at most 0.35%%", 100*top)
	}
	if headShare < 0.15 || headShare > 0.20 {
		t.Errorf("listed surnames %.1f%% of children, want 15%% to 20%%", 100*headShare)
	}
	if top100Share < 0.10 || top100Share > 0.15 {
		t.Errorf("100 most common surnames %.1f%% of children, want 10%% to 15%%", 100*top100Share)
	}
	if distinct < 4500 {
		t.Errorf("%d distinct surnames, want at least 4,500", distinct)
	}
}

// surnameCounts counts the true family name of each child of B's list.
func surnameCounts(cfg Config) []int {
	g := newGenerator(cfg)
	counts := make([]int, len(g.cat.surnames))
	var vars []string
	for j := range cfg.N {
		g.child(j, &vars)
		counts[g.truth.family]++
	}
	return counts
}

// TestWeightsGuide checks that a large table's guide finds the same index
// as the binary search, at every boundary, zero weights included.
func TestWeightsGuide(t *testing.T) {
	r := newSource()
	r.reset(5, streamChild, 0)
	for _, n := range []int{guideMin, 3000, len(testSurnames().weight)} {
		ws := make([]int, n)
		for i := range ws {
			if r.IntN(10) > 0 {
				ws[i] = 1 + r.IntN(1<<r.IntN(17))
			}
		}
		ws[n-1] = 1
		if n == len(testSurnames().weight) {
			ws = testSurnames().weight
		}
		w := newWeights(n, func(i int) int { return ws[i] })
		if w.guide == nil {
			t.Fatalf("n=%d: no guide", n)
		}
		plain := weights{cum: w.cum}
		check := func(x int32) {
			if x < 0 || x >= w.total() {
				return
			}
			if a, b := w.index(x), plain.index(x); a != b {
				t.Fatalf("n=%d, x=%d: guide finds %d, binary search %d", n, x, a, b)
			}
		}
		for _, c := range w.cum {
			check(c - 1)
			check(c)
		}
		for b := range w.guide {
			check(int32(b)<<w.shift - 1)
			check(int32(b) << w.shift)
		}
		check(0)
		check(w.total() - 1)
	}
	// A total that is a multiple of the bucket width: the last bucket ends
	// exactly at the total.
	w := newWeights(guideMin, func(int) int { return 4 })
	for x := range w.total() {
		if i := w.index(x); i != int(x/4) {
			t.Fatalf("uniform table: index(%d) = %d", x, i)
		}
	}
}
