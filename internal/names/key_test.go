package names

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Spellings of one name that must share a key.
var keyCollide = [][2]string{
	// The brief's examples.
	{"Олександр", "Oleksandr"},
	{"Oleksandr", "Oleksander"},
	{"Олександр", "ОЛЕКСАНДР"},
	{"Олександр", "Олексaндр"}, // Latin a
	{"Григорій", "Hryhorii"},
	{"Hryhorii", "Grigorii"},
	{"Григорій", "Hryhoriy"},
	{"Юлія", "Yuliia"},
	{"Юлія", "Iuliia"},
	{"Юлія", "Yuliya"},
	{"Юлія", "Julia"},
	{"Щербак", "Shcherbak"},
	{"Щербак", "Sherbak"},
	{"Щербак", "Scherbak"},
	{"Ковальчук", "Kovalchuk"},
	{"Ковальчук", "Koval'chuk"},
	{"Царенко", "Tsarenko"},
	{"Царенко", "Tcarenko"},
	{"Журавель", "Zhuravel"},
	// Russian systems and informal spellings.
	{"Александр", "Alexander"},
	{"Александр", "Aleksandr"},
	{"Alexandr", "Aleksander"},
	{"Алексей", "Alexey"},
	{"Алексей", "Aleksei"},
	{"Дмитрий", "Dmitry"},
	{"Дмитрий", "Dmitriy"},
	{"Дмитрий", "Dmitrii"},
	{"Юрий", "Yury"},
	{"Юрий", "Iurii"},
	{"Юрий", "Jurij"},
	{"Евгений", "Yevgeny"},
	{"Евгений", "Evgenii"},
	{"Елена", "Yelena"},
	{"Ксения", "Xenia"},
	{"Ксения", "Kseniya"},
	{"Наталья", "Natalya"},
	{"Наталья", "Nataliya"},
	{"Наталія", "Наталья"}, // ья and ія are one sound
	{"Дарья", "Dar'ya"},
	{"Дарія", "Daria"},
	{"Татьяна", "Tatjana"},
	{"Людмила", "Ludmila"},
	{"Людмила", "Lyudmila"},
	{"Семён", "Semyon"},
	{"Семён", "Semen"},
	{"Пётр", "Pyotr"},
	{"Пётр", "Peter"},
	{"Артём", "Artyom"},
	{"Майя", "Mayya"},
	{"Майя", "Maiia"},
	{"Софія", "Sophia"},
	{"Філіп", "Philip"},
	{"Вячеслав", "Vyacheslav"},
	{"Андреев", "Andreyev"},
	{"Андрєєв", "Andreev"},
	{"Соловьёв", "Solovyev"},
	{"Соловьёв", "Solov'ev"},
	{"Объедков", "Obieedkov"},
	{"Гаврилюк", "Havryliuk"},
	{"Гаврилюк", "Gavrilyuk"},
	{"Згурський", "Zghurskyi"},
	{"Згурський", "Zgurskii"},
	{"Ужгород", "Uzhhorod"},
	{"Хмельницький", "Khmelnytskyi"},
	{"Хмельницкий", "Khmelnitsky"},
	{"Кузнецов", "Kuznetsov"},
	{"Єва", "Yeva"},
	{"Єва", "Ieva"},
	{"Ярослав", "Jaroslav"},
	{"Kovalchuk", "Kovalčuk"},
	{"Лук'яненко", "Lukianenko"},
	{"Лук'яненко", "Лукʼяненко"},
	{"Коваль-Шевченко", "Koval Shevchenko"},
	{"Ілля", "Illia"},
	{"Ілля", "Ilya"},
	{"Мар'яна", "Maryana"},
	{"Дем'ян", "Demyan"},
	{"Олійник", "Oliinyk"},
}

// Different names that must not share a key.
var keyDistinct = [][2]string{
	// The brief's examples.
	{"Олена", "Ольга"},
	{"Іван", "Іванна"}, // kept apart: double letters fold, but the ending differs
	{"Марія", "Марина"},
	{"Максим", "Михайло"},
	{"Коваль", "Ковальчук"},
	{"Бойко", "Бойків"},
	// Given names.
	{"Яна", "Анна"},
	{"Юля", "Уля"},
	{"Олександр", "Олександра"},
	{"Валерій", "Валерія"},
	{"Валерія", "Валера"},
	{"Євген", "Євгенія"},
	{"Ян", "Яна"},
	{"Дарина", "Дарія"},
	{"Ірина", "Ярина"},
	{"Ірина", "Аріна"},
	{"Мілана", "Мілена"},
	{"Кіра", "Кирило"},
	{"Саша", "Маша"},
	{"Таня", "Тоня"},
	{"Лена", "Лера"},
	{"Олег", "Ольга"},
	{"Гліб", "Глеб"},
	{"Рома", "Роман"},
	{"Влад", "Влада"},
	{"Олеся", "Олесь"},
	{"Емма", "Еміль"},
	{"Денис", "Давид"},
	{"Марко", "Марта"},
	{"Ілля", "Ілона"},
	{"Сергій", "Сергей"}, // forms, not spellings: GivenClasses joins them
	{"Олександр", "Александр"},
	// Surnames.
	{"Шевченко", "Шевчук"},
	{"Петров", "Петрова"}, // FamilyKey joins them
	{"Іванов", "Іваненко"},
	{"Мельник", "Мельничук"},
	{"Ткач", "Ткачук"},
	{"Ткаченко", "Ткачук"},
	{"Кравець", "Кравченко"},
	{"Жук", "Зук"},
	{"Шевчук", "Щербак"},
	{"Зайченко", "Зінченко"},
	{"Литвин", "Литвиненко"},
	{"Савченко", "Савчук"},
	{"Бондар", "Бондаренко"},
	{"Мороз", "Морозов"},
	{"Попов", "Павлов"},
	{"Волков", "Козлов"},
	{"Савицький", "Левицький"},
	{"Лисенко", "Лещенко"},
	{"Царенко", "Чаренко"},
	{"Шаповал", "Шаповаленко"},
	{"Коваленко", "Коваль"},
	{"Ковальський", "Ковалевський"},
	{"Гончар", "Гончаренко"},
	{"Сорока", "Сорокін"},
}

func TestKeyCollide(t *testing.T) {
	if len(keyCollide) < 40 || len(keyDistinct) < 40 {
		t.Fatalf("tables too small: %d, %d", len(keyCollide), len(keyDistinct))
	}
	for _, p := range keyCollide {
		if a, b := Key(p[0]), Key(p[1]); a != b || a == "" {
			t.Errorf("Key(%q) = %q, Key(%q) = %q: want equal", p[0], a, p[1], b)
		}
	}
}

func TestKeyDistinct(t *testing.T) {
	for _, p := range keyDistinct {
		if a, b := Key(p[0]), Key(p[1]); a == b {
			t.Errorf("Key(%q) = Key(%q) = %q: want different", p[0], p[1], a)
		}
	}
}

func TestKeyExamples(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Олександр", "oleksandr"},
		{"Щербак", "sherbak"},
		{"Журавель", "zhuravel"},
		{"Ковальчук", "kovalchuk"},
		{"Царенко", "carenko"},
		{"Юлія", "iulia"},
		{"Григорій", "grigori"},
		{"Коваль-Шевченко", "koval shevchenko"},
		{"  Анна   Марія ", "ana maria"},
		{"Ю. Я. Шевчук", "iu ia shevchuk"},
		{"O'Brien", "obren"}, // ie is read as the Slavic є,
		{"Ь", ""},
		{"123", ""},
		{"", ""},
		{"Мари́я", "maria"},
		{norm.NFD.String("Йосип"), "iosip"},
		{"Ｏｌｅｇ", "oleg"},
		{"Žuk Šamrai Čornyi", "zhuk shamrai chorni"},
	}
	for _, tc := range tests {
		if got := Key(tc.in); got != tc.want {
			t.Errorf("Key(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Every system's transliteration of a name has the name's key: the table's
// Cyrillic forms, synth's surnames in all their forms, and the patronymics.
func TestKeyTransliterations(t *testing.T) {
	var words []string
	for _, c := range tableData().classes {
		words = append(words, c.cyrillic()...)
	}
	for _, s := range synth(t).surnames {
		f := s.forms()
		words = append(words, f[:]...)
	}
	words = append(words, synth(t).russian...)
	for k := range tableData().patronymicForms {
		words = append(words, k)
	}
	total, same := 0, 0
	for _, w := range words {
		k := Key(w)
		for _, sys := range Systems {
			total++
			l := Transliterate(w, sys)
			if Key(l) == k {
				same++
				continue
			}
			t.Errorf("Key(%q) = %q but Key(%q) = %q (%s)", w, k, l, Key(l), sys)
		}
		if Key(strings.ToUpper(w)) != k {
			t.Errorf("Key(%q) differs from the upper case", w)
		}
	}
	t.Logf("%d of %d transliterations share the Cyrillic key", same, total)
}

// Distinct surnames of synth should almost never share a key: measured over
// every pair of synth's rows (Ukrainian and Russian masculine forms), and
// over random pairs of all the surname forms synth produces.
func TestKeySurnameCollisions(t *testing.T) {
	d := synth(t)
	type row struct{ uk, ru, ukKey, ruKey string }
	var rows []row
	seen := map[string]bool{}
	for _, s := range d.surnames {
		if !seen[s.uk] {
			seen[s.uk] = true
			rows = append(rows, row{s.uk, s.ru, Key(s.uk), Key(s.ru)})
		}
	}
	for _, s := range d.russian {
		if !seen[s] {
			seen[s] = true
			rows = append(rows, row{s, s, Key(s), Key(s)})
		}
	}
	pairs, collisions := 0, 0
	var examples []string
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			a, b := rows[i], rows[j]
			if a.ru == b.uk || a.uk == b.ru { // Ukrainian and Russian spelling of one name (Кузнєцов, Кузнецов)
				continue
			}
			pairs++
			if a.ukKey == b.ukKey || a.ruKey == b.ruKey || a.ukKey == b.ruKey || a.ruKey == b.ukKey {
				collisions++
				examples = append(examples, a.uk+"="+b.uk)
			}
		}
	}
	rate := float64(collisions) / float64(pairs)
	t.Logf("surnames: %d rows, %d distinct pairs, %d collide (%.5f%%): %v", len(rows), pairs, collisions, 100*rate, examples)
	if rate > 0.0005 {
		t.Errorf("surname key collision rate %.4f%% too high: %v", 100*rate, examples)
	}

	// Family keys are coarser (gender endings reduced): count the pairs of
	// different families that share one, in either language.
	fams := map[string][]string{}
	for _, s := range d.surnames {
		for _, k := range []string{FamilyKey(s.uk), FamilyKey(s.ru)} {
			if !slices.Contains(fams[k], s.uk) {
				fams[k] = append(fams[k], s.uk)
			}
		}
	}
	famPairs := len(d.surnames) * (len(d.surnames) - 1) / 2
	var famShared []string
	for _, members := range fams {
		if len(members) > 1 {
			famShared = append(famShared, strings.Join(members, "="))
		}
	}
	t.Logf("family keys: %d families, %d pairs, %d groups share a family key: %v", len(d.surnames), famPairs, len(famShared), famShared)
	if len(famShared) > 2 {
		t.Errorf("too many families share a family key: %v", famShared)
	}

	// Random pairs of produced forms (both sexes, both languages) of
	// different families.
	var forms []struct {
		family int
		form   string
	}
	for i, s := range d.surnames {
		for _, f := range s.forms() {
			forms = append(forms, struct {
				family int
				form   string
			}{i, f})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	hits := 0
	for range n {
		a, b := forms[r.IntN(len(forms))], forms[r.IntN(len(forms))]
		if d.surnames[a.family].uk == d.surnames[b.family].uk {
			continue
		}
		if Key(a.form) == Key(b.form) {
			hits++
		}
	}
	t.Logf("random pairs of produced surname forms of different families: %d of %d share a key (%.5f%%)", hits, n, 100*float64(hits)/n)
	if float64(hits)/n > 0.0005 {
		t.Errorf("random-pair collision rate too high: %d of %d", hits, n)
	}
}

func TestFamilyKey(t *testing.T) {
	same := [][]string{
		{"Ковальська", "Ковальський", "Kovalsky", "Ковальский", "Ковальская", "Kovalskaya", "Kovalskyi", "Kovalska", "Kowalski", "Kovalskaja"},
		{"Петрова", "Петров", "Petrova", "Petrov"},
		{"Іванова", "Іванов", "Иванова", "Ivanova"},
		{"Васильєва", "Васильєв", "Васильева", "Vasilyeva", "Vasileva", "Vasylieva"},
		{"Ільїна", "Ільїн", "Ильина", "Ilyina", "Ilina"},
		{"Нікітіна", "Нікітін", "Никитин", "Nikitina"},
		{"Заболотна", "Заболотний", "Заболотная", "Заболотный", "Zabolotna", "Zabolotnyi"},
		{"Бережна", "Бережний", "Бережная", "Бережной", "Berezhnoy"},
		{"Біла", "Білий", "Bila", "Bilyi"},
		{"Осадча", "Осадчий", "Осадчая", "Osadcha"},
		{"Мостова", "Мостовий", "Мостовая", "Мостовой"},
		{"Савицька", "Савицький", "Савицкая", "Savytska", "Savitskaya"},
		{"Хмельницька", "Хмельницький", "Хмельницкая", "Khmelnytska"},
		{"Шевченко", "SHEVCHENKO"},
		{"Ковальчук", "Kovalchuk"},
		{"Волошина", "Волошин"},
		{"Коваль-Шевченко", "Koval-Shevchenko"},
		{"Петрова-Ковальська", "Петров-Ковальський"},
	}
	for _, group := range same {
		want := FamilyKey(group[0])
		for _, s := range group[1:] {
			if got := FamilyKey(s); got != want {
				t.Errorf("FamilyKey(%q) = %q, FamilyKey(%q) = %q: want equal", group[0], want, s, got)
			}
		}
	}
	if got := FamilyKey("Шевченко"); got != Key("Шевченко") {
		t.Errorf("FamilyKey(Шевченко) = %q, want it unchanged %q", got, Key("Шевченко"))
	}
	distinct := [][2]string{
		{"Петров", "Петренко"},
		{"Іванов", "Іваненко"},
		{"Сорока", "Сорокін"},
		{"Коваль", "Ковальський"},
		{"Ковальський", "Ковалевський"},
		{"Бойко", "Бойків"},
		{"Білий", "Білик"},
	}
	for _, p := range distinct {
		if a, b := FamilyKey(p[0]), FamilyKey(p[1]); a == b {
			t.Errorf("FamilyKey(%q) = FamilyKey(%q) = %q: want different", p[0], p[1], a)
		}
	}
	// Every family of synth: the four forms, and their transliterations,
	// share one family key per language.
	for _, s := range synth(t).surnames {
		f := s.forms()
		for lang, pair := range [][2]string{{f[0], f[1]}, {f[2], f[3]}} {
			want := FamilyKey(pair[0])
			for _, form := range pair {
				for _, sys := range append([]System{""}, Systems...) {
					v := form
					if sys != "" {
						v = Transliterate(form, sys)
					}
					if got := FamilyKey(v); got != want {
						t.Errorf("%s (lang %d): FamilyKey(%q) = %q, want %q", s.uk, lang, v, got, want)
					}
				}
			}
		}
	}
	for _, s := range synth(t).russian {
		if a, b := FamilyKey(s), FamilyKey(feminine(s, "possessive", true)); a != b {
			t.Errorf("FamilyKey(%q) = %q, feminine %q", s, a, b)
		}
	}
}

func TestKeyAllocs(t *testing.T) {
	for _, s := range []string{"Олександр", "Oleksandr", "Коваль-Шевченко"} {
		if n := testing.AllocsPerRun(100, func() { Key(s) }); n > 1 {
			t.Errorf("Key(%q) allocates %v times, want at most the result", s, n)
		}
	}
}

func isKeyText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == ' ') {
			return false
		}
	}
	return !strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") && !strings.Contains(s, "  ")
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{
		"Олександр", "Oleksander", "Shcherbak", "Yuliia", "tts", "ttsh", "shtch", "sczh", "Tschaikowsky",
		"Андрєєв", "ierer", "iiuer", "Коваль-Шевченко", "Ю. Я.", "\xff", norm.NFD.String("Йосип"), "Ǆ", "ﬀ",
		"Мари́я", "Олексaндр", "Оleksandr", "xh", "kh h", "ьоер", "Zghurskyi", "Ужгород",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return // names are short; long inputs only slow the search
		}
		k := Key(s)
		if !isKeyText(k) {
			t.Fatalf("Key(%q) = %q: not lower-case ASCII words", s, k)
		}
		if again := Key(k); again != k {
			t.Fatalf("Key not idempotent: %q → %q → %q", s, k, again)
		}
		for _, w := range strings.Fields(k) {
			if Key(w) != w {
				t.Fatalf("Key(%q) = %q: word %q keys to %q", s, k, w, Key(w))
			}
		}
		fk := FamilyKey(s)
		if !isKeyText(fk) {
			t.Fatalf("FamilyKey(%q) = %q: not lower-case ASCII words", s, fk)
		}
		if len(strings.Fields(fk)) != len(strings.Fields(k)) {
			t.Fatalf("FamilyKey(%q) = %q has other words than Key %q", s, fk, k)
		}
		if utf8.ValidString(s) && Key(Normalize(s)) != k {
			t.Fatalf("Key(Normalize(%q)) = %q, Key = %q", s, Key(Normalize(s)), k)
		}
		GivenClasses(s)
		PatronymicClass(s)
	})
}

var sink string

func BenchmarkKey(b *testing.B) {
	for _, s := range []string{"Олександр", "Oleksandr", "Коваль-Шевченко", "Олександр Андрійович Коваленко", "Олексaндр"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = Key(s)
			}
		})
	}
}

func BenchmarkFamilyKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = FamilyKey("Ковальська")
	}
}
