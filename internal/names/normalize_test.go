package names

import (
	"slices"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain Cyrillic", "Олександр", "Олександр"},
		{"plain Latin", "Oleksandr", "Oleksandr"},
		{"empty", "", ""},
		{"only spaces", "  \t ", ""},
		{"trim and fold spaces", "  Анна \t  Марія  ", "Анна Марія"},
		{"no-break space", "Анна\u00a0Марія", "Анна Марія"},

		// Apostrophes: every variant becomes U+02BC.
		{"ASCII apostrophe", "Мар'яна", "Марʼяна"},
		{"right quote", "Мар’яна", "Марʼяна"},
		{"left quote", "Мар‘яна", "Марʼяна"},
		{"modifier apostrophe", "Марʼяна", "Марʼяна"},
		{"backtick", "Мар`яна", "Марʼяна"},
		{"modifier prime", "Марʹяна", "Марʼяна"},
		{"prime", "Мар′яна", "Марʼяна"},
		{"acute accent", "Мар´яна", "Марʼяна"},
		{"full-width apostrophe", "Мар＇яна", "Марʼяна"},
		{"Latin O'Brien", "O'Brien", "OʼBrien"},

		// Hyphens and dashes.
		{"hyphen", "Коваль-Шевченко", "Коваль-Шевченко"},
		{"spaced hyphen", "Коваль - Шевченко", "Коваль-Шевченко"},
		{"en dash", "Коваль–Шевченко", "Коваль-Шевченко"},
		{"em dash spaced", "Коваль — Шевченко", "Коваль-Шевченко"},
		{"Unicode hyphen", "Коваль‐Шевченко", "Коваль-Шевченко"},
		{"non-breaking hyphen", "Коваль‑Шевченко", "Коваль-Шевченко"},
		{"figure dash", "Коваль‒Шевченко", "Коваль-Шевченко"},
		{"horizontal bar", "Коваль―Шевченко", "Коваль-Шевченко"},
		{"minus sign", "Коваль−Шевченко", "Коваль-Шевченко"},

		// Look-alike letters.
		{"Latin a in Cyrillic word", "Олексaндр", "Олександр"},
		{"Latin o, e, c in Cyrillic word", "Koвaльчук", "Ковальчук"},
		{"Latin capitals in Cyrillic word", "ОЛEКСAНДР", "ОЛЕКСАНДР"},
		{"Latin i and ï in Cyrillic word", "Марiя Ïжак", "Марія Їжак"},
		{"mostly Latin word keeps я", "Mapiя", "Mapiя"},
		{"mostly Latin word", "Mаriа", "Maria"},
		{"Latin H and B", "HBAHOB", "HBAHOB"}, // all Latin: nothing to repair
		{"Latin A, O in Cyrillic word", "ІВAНOВ", "ІВАНОВ"},
		{"Cyrillic О in Latin word", "Оleksandr", "Oleksandr"},
		{"Cyrillic letters in Latin word", "Kоvаlсhuk", "Kovalchuk"},
		{"Cyrillic і in Latin word", "Mykolaіv", "Mykolaiv"},
		{"tie left alone", "Оk", "Оk"},
		{"non-look-alike kept", "Олексdндр", "Олексdндр"},
		{"words decided alone", "Оleksandr Олексaндр", "Oleksandr Олександр"},

		// Unicode normal form and invisible characters.
		{"decomposed й", norm.NFD.String("Андрій Йосип"), "Андрій Йосип"},
		{"decomposed ї", norm.NFD.String("Їжак"), "Їжак"},
		{"full-width Latin", "Ｏｌｅｋｓａｎｄｒ", "Oleksandr"},
		{"soft hyphen", "Олек\u00adсандр", "Олександр"},
		{"zero-width space", "Олек\u200bсандр", "Олександр"},
		{"BOM", "\ufeffОлександр", "Олександр"},
		{"stress mark kept", "Мари́я", "Мари́я"},
		{"invalid UTF-8", "Ол\xffег", "Ол\uFFFDег"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Normalize(tc.in)
			if got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("not idempotent: %q → %q → %q", tc.in, got, again)
			}
		})
	}
}

// The fast path must agree with the full one.
func TestNormalizeFastPath(t *testing.T) {
	for _, s := range []string{"Олександр", "Oleksandr", "Анна-Марія", "Анна Марія", "Марʼяна", "Шевченко Taras"} {
		if !isPlainName(s) {
			t.Errorf("%q not taken as plain", s)
		}
		slow := punctuation(norm.NFKC.String(prepare(s)))
		if fixed, _ := fixLookalikes(slow); fixed != s {
			t.Errorf("%q: full path gives %q", s, fixed)
		}
	}
	for _, s := range []string{" Олександр", "Олександр ", "Анна  Марія", "Анна--Марія", "Олексaндр", "Мар'яна", "-Анна", "ʼАнна"} {
		if isPlainName(s) {
			t.Errorf("%q taken as plain", s)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ОЛЕКСАНДР", "олександр"},
		{"Олександр", "олександр"},
		{"OLEKSANDR", "oleksandr"},
		{"Мар'ЯНА", "марʼяна"},
		{"ҐАЛАҐАН Їжак Єва", "ґалаґан їжак єва"},
		{"Коваль – Шевченко", "коваль-шевченко"},
		{"Straße", "strasse"},
		{"ОЛEКСAНДР", "олександр"},
	}
	for _, tc := range tests {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// The fast path agrees with full case folding.
		if got, want := Fold(tc.in), cases.Fold().String(Normalize(tc.in)); got != want {
			t.Errorf("Fold(%q) = %q, case folding gives %q", tc.in, got, want)
		}
	}
	for r := rune(0x400); r <= 0x45F; r++ {
		if got, want := Fold(string(r)), cases.Fold().String(string(r)); got != want {
			t.Errorf("Fold(%q) = %q, want %q", r, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Коваль-Шевченко", []string{"Коваль", "Шевченко"}},
		{"Анна Марія", []string{"Анна", "Марія"}},
		{"  Анна  -  Марія ", []string{"Анна", "Марія"}},
		{"Анна–Марія", []string{"Анна", "Марія"}},
		{"Марʼяна", []string{"Марʼяна"}},
		{"", nil},
		{" - ", nil},
	}
	for _, tc := range tests {
		if got := Tokens(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Normalize("Олександр Коваль-Шевченко") }); n != 0 {
		t.Errorf("Normalize of a plain name allocates %v times", n)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"Олександр", "Олексaндр", "Оleksandr", "Мар'яна", "Коваль — Шевченко", "  a  b ",
		norm.NFD.String("Йосип Їжак"), "Мари́я", "\xff\xfe", "о\u0301k", "Mapiя Ïжак", "´", "e\u200b\u0308",
		"ﬁ", "Ｏ", "a - - b", "Ꭺ", "\u1ffd",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return // names are short; long inputs only slow the search
		}
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, again)
		}
		fo := Fold(s)
		if !utf8.ValidString(fo) {
			t.Fatalf("Fold(%q) = %q: invalid UTF-8", s, fo)
		}
		if want := cases.Fold().String(n); fo != want {
			t.Fatalf("Fold(%q) = %q, case folding gives %q", s, fo, want)
		}
		for _, tok := range Tokens(n) {
			if tok == "" {
				t.Fatalf("Tokens(%q) has an empty word", n)
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			Normalize("Олександр Коваль-Шевченко")
		}
	})
	b.Run("messy", func(b *testing.B) {
		for b.Loop() {
			Normalize(" Олексaндр  Коваль – Шевченко ")
		}
	})
}
