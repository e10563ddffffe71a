package names

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToCyrillicExamples(t *testing.T) {
	tests := []struct {
		in    string
		first string   // the first candidate
		has   []string // further candidates that must be offered
	}{
		{"Oleksandr", "Олександр", nil},
		{"Aleksandr", "Александр", nil},
		{"Alexander", "Александр", nil},
		{"Yurii", "Юрій", []string{"Юрий"}},
		{"Yuriy", "Юрий", []string{"Юрій"}},
		{"Sasha", "Саша", nil},
		{"Hanna", "Ганна", nil},
		{"Victoria", "Виктория", []string{"Вікторія"}},
		{"Natalia", "Наталя", []string{"Наталья", "Наталія"}},
		{"Oleksandrovych", "Олександрович", nil},
		{"Aleksandrovna", "Александровна", nil},
		{"Shevchenko", "Шевченко", nil},
		{"SHCHERBAK", "ЩЕРБАК", nil},
		{"shcherbak", "щербак", nil},
		{"Kovalchuk", "Ковальчук", nil},
		{"Kovalskyi", "Ковальський", nil},
		{"Zghurskyi", "Згурський", nil},
		{"Shvets", "Швец", []string{"Швець"}},
		{"Tsarenko", "Царенко", nil},
		{"Tcarenko", "Царенко", nil},
		{"Zhuravel", "Журавель", []string{"Журавел"}},
		{"Solovyev", "Соловьев", nil},
		{"Lukianenko", "Лукяненко", []string{"Лукьяненко"}},
		{"Haidai", "Гайдай", nil},
		{"Koval-Shevchenko", "Коваль-Шевченко", []string{"Ковал-Шевченко"}},
		{"Iurii", "Юрий", []string{"Юрій"}},
		{"Serhii", "Сергій", nil},
		{"Sergei", "Сергей", nil},
		{"Anna Mariia", "Анна Марія", nil},
		{"Олена", "Олена", nil}, // already Cyrillic
		{"Olena Kovalchuk", "Олена Ковальчук", nil},
	}
	for _, tc := range tests {
		got := ToCyrillic(tc.in)
		if len(got) == 0 || got[0] != tc.first {
			t.Errorf("ToCyrillic(%q) = %q, want %q first", tc.in, got, tc.first)
		}
		for _, h := range tc.has {
			if !slices.Contains(got, h) {
				t.Errorf("ToCyrillic(%q) = %q, want %q among them", tc.in, got, h)
			}
		}
		if len(got) > maxCandidates {
			t.Errorf("ToCyrillic(%q) gives %d candidates", tc.in, len(got))
		}
	}
	for _, s := range []string{"", " ", "-", "123"} {
		for _, c := range ToCyrillic(s) {
			if strings.TrimSpace(c) != "" && c != s && c != "123" {
				t.Errorf("ToCyrillic(%q) = %q", s, ToCyrillic(s))
			}
		}
	}
}

// roundTrip measures how often ToCyrillic (or, with rulesOnly, its readings
// by rule alone) offers the Cyrillic word back among its candidates when
// given the word's transliteration by each system.
func roundTrip(words []string, rulesOnly bool) (ok, total int, misses []string) {
	for _, w := range words {
		for _, sys := range Systems {
			l := Transliterate(w, sys)
			total++
			var cands []string
			if rulesOnly {
				for _, c := range ruleCandidates(l) {
					cands = append(cands, c.text)
				}
				if len(cands) > maxCandidates {
					cands = cands[:maxCandidates]
				}
			} else {
				cands = ToCyrillic(l)
			}
			lw := strings.ToLower(w)
			if slices.ContainsFunc(cands, func(c string) bool { return strings.ToLower(c) == lw }) {
				ok++
			} else if len(misses) < 40 {
				misses = append(misses, string(sys)+":"+l+"→"+w)
			}
		}
	}
	return ok, total, misses
}

// Transliterate then ToCyrillic gives the name back: for the table's names
// (where the table answers) and, by rule alone, for them and for synth's
// surnames. The rates are measured and asserted.
func TestToCyrillicRoundTrip(t *testing.T) {
	var given []string
	for _, c := range tableData().classes {
		given = append(given, c.cyrillic()...)
	}
	var surnames []string
	for _, s := range synth(t).surnames {
		f := s.forms()
		surnames = append(surnames, f[:]...)
	}
	surnames = append(surnames, synth(t).russian...)
	var patronymics []string
	for _, forms := range tableData().patronymicForms {
		patronymics = append(patronymics, forms...)
	}

	for _, tc := range []struct {
		name      string
		words     []string
		rulesOnly bool
		min       float64
	}{
		{"table given names", given, false, 0.95},
		{"table patronymics", patronymics, false, 0.95},
		{"table given names, rules only", given, true, 0.93},
		{"synth surnames, rules only", surnames, true, 0.95},
	} {
		ok, total, misses := roundTrip(tc.words, tc.rulesOnly)
		rate := float64(ok) / float64(total)
		t.Logf("%s: %d of %d (%.1f%%) come back", tc.name, ok, total, 100*rate)
		if rate < tc.min {
			t.Errorf("%s: round trip %.1f%% below %.0f%%; misses: %q", tc.name, 100*rate, 100*tc.min, misses)
		}
	}
}

func TestToCyrillicCase(t *testing.T) {
	tests := []struct{ in, first string }{
		{"OLEKSANDR", "ОЛЕКСАНДР"},
		{"oleksandr", "олександр"},
		{"Oleksandr", "Олександр"},
		{"SHEVCHENKO Taras", "ШЕВЧЕНКО Тарас"},
	}
	for _, tc := range tests {
		if got := ToCyrillic(tc.in); len(got) == 0 || got[0] != tc.first {
			t.Errorf("ToCyrillic(%q) = %q, want %q first", tc.in, got, tc.first)
		}
	}
}

func FuzzToCyrillic(f *testing.F) {
	for _, s := range []string{"Oleksandr", "Shcherbak", "Koval-Shevchenko", "'''", "y", "Ÿ", "\xff", "ia-ie iu"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 64 {
			return
		}
		out := ToCyrillic(s)
		if len(out) > maxCandidates {
			t.Fatalf("ToCyrillic(%q): %d candidates", s, len(out))
		}
		for _, c := range out {
			if !utf8.ValidString(c) {
				t.Fatalf("ToCyrillic(%q) gives invalid UTF-8 %q", s, c)
			}
		}
	})
}

func BenchmarkToCyrillic(b *testing.B) {
	for b.Loop() {
		ToCyrillic("Oleksandr Kovalchuk")
	}
}
