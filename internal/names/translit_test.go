package names

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestTransliterate(t *testing.T) {
	tests := []struct {
		sys      System
		in, want string
	}{
		// Examples printed in resolution No. 55 (2010).
		{UkrainianNational2010, "Згурський", "Zghurskyi"},
		{UkrainianNational2010, "Розгон", "Rozghon"},
		{UkrainianNational2010, "Юрій", "Yurii"},
		{UkrainianNational2010, "Олексій", "Oleksii"},
		{UkrainianNational2010, "Андрій", "Andrii"},
		{UkrainianNational2010, "Єнакієве", "Yenakiieve"},
		{UkrainianNational2010, "Гаєвич", "Haievych"},
		{UkrainianNational2010, "Їжакевич", "Yizhakevych"},
		{UkrainianNational2010, "Кадиївка", "Kadyivka"},
		{UkrainianNational2010, "Йосипівка", "Yosypivka"},
		{UkrainianNational2010, "Стрий", "Stryi"},
		{UkrainianNational2010, "Ярошенко", "Yaroshenko"},
		{UkrainianNational2010, "Короп'є", "Koropie"},
		{UkrainianNational2010, "Мар'їне", "Marine"},
		{UkrainianNational2010, "Знам'янка", "Znamianka"},
		{UkrainianNational2010, "Гаращенко", "Harashchenko"},
		{UkrainianNational2010, "Ґалаґан", "Galagan"},
		{UkrainianNational2010, "Наталія", "Nataliia"},
		{UkrainianNational2010, "Соломія", "Solomiia"},
		{UkrainianNational2010, "Уляна", "Uliana"},
		{UkrainianNational2010, "Корюківка", "Koriukivka"},
		{UkrainianNational2010, "Костянтин", "Kostiantyn"},
		{UkrainianNational2010, "Ужгород", "Uzhhorod"},
		{UkrainianNational2010, "Біла Церква", "Bila Tserkva"},
		{UkrainianNational2010, "Тернопіль", "Ternopil"},
		{UkrainianNational2010, "Щербухи", "Shcherbukhy"},
		{UkrainianNational2010, "Христина", "Khrystyna"},
		{UkrainianNational2010, "Київ", "Kyiv"},
		{UkrainianNational2010, "Миколаїв", "Mykolaiv"},

		// ICAO Doc 9303, Russian passports since 2013.
		{RussianICAO2013, "Юлия", "Iuliia"},
		{RussianICAO2013, "Алексей", "Aleksei"},
		{RussianICAO2013, "Щукин", "Shchukin"},
		{RussianICAO2013, "Дарья", "Daria"},
		{RussianICAO2013, "Царёв", "Tsarev"},
		{RussianICAO2013, "Объедков", "Obieedkov"},
		{RussianICAO2013, "Хрущёв", "Khrushchev"},
		{RussianICAO2013, "Эдуард", "Eduard"},
		{RussianICAO2013, "Крылов", "Krylov"},
		{RussianICAO2013, "Юрий", "Iurii"},
		{RussianICAO2013, "Олексій", "Oleksii"}, // Ukrainian letters from the ICAO table

		// GOST R 52535.1-2006.
		{RussianGOST2006, "Царёв", "Tcarev"},
		{RussianGOST2006, "Цветкова", "Tcvetkova"},
		{RussianGOST2006, "Объедков", "Obedkov"},
		{RussianGOST2006, "Юлия", "Iuliia"},

		// MVD order No. 310 (1997).
		{RussianMVD1997, "Юлия", "Yuliya"},
		{RussianMVD1997, "Андрей", "Andrey"},
		{RussianMVD1997, "Цой", "Tsoy"},
		{RussianMVD1997, "Дарья", "Dar'ya"},
		{RussianMVD1997, "Хрущёв", "Khrushchev"},

		// BGN/PCGN.
		{RussianBGNPCGN, "Елена", "Yelena"},
		{RussianBGNPCGN, "Ельцин", "Yeltsin"},
		{RussianBGNPCGN, "Андреев", "Andreyev"},
		{RussianBGNPCGN, "Соловьёв", "Solovyev"},
		{RussianBGNPCGN, "Майя", "Mayya"},
		{RussianBGNPCGN, "Юрий", "Yuriy"},
		{RussianBGNPCGN, "Дмитрий", "Dmitriy"},
	}
	for _, tc := range tests {
		t.Run(string(tc.sys)+"/"+tc.in, func(t *testing.T) {
			if got := Transliterate(tc.in, tc.sys); got != tc.want {
				t.Errorf("Transliterate(%q, %s) = %q, want %q", tc.in, tc.sys, got, tc.want)
			}
		})
	}
}

func TestTransliterateCaseAndContext(t *testing.T) {
	const uk = UkrainianNational2010
	tests := []struct {
		name     string
		sys      System
		in, want string
	}{
		{"title", uk, "Щербак", "Shcherbak"},
		{"caps", uk, "ЩЕРБАК", "SHCHERBAK"},
		{"lower", uk, "щербак", "shcherbak"},
		{"caps word end", uk, "ЮЛІЯ", "YULIIA"},
		{"caps zgh", uk, "ЗГУРСЬКИЙ", "ZGHURSKYI"},
		{"caps soft sign", RussianICAO2013, "ДАРЬЯ", "DARIA"},
		{"lone initial", uk, "Щ.", "Shch."},
		{"initials", uk, "Ю. Я. Шевчук", "Yu. Ya. Shevchuk"},
		{"full name", uk, "Олександр Андрійович Коваленко", "Oleksandr Andriiovych Kovalenko"},
		{"hyphen starts a word", uk, "Анна-Юлія", "Anna-Yuliia"},
		{"hyphen caps", uk, "АННА-ЮЛІЯ", "ANNA-YULIIA"},
		{"hyphen place", uk, "Кам'янець-Подільський", "Kamianets-Podilskyi"},
		{"typographic apostrophe", uk, "Короп’є", "Koropie"},
		{"modifier apostrophe", uk, "Лукʼяненко", "Lukianenko"},
		{"quote marks kept", uk, "'Іван'", "'Ivan'"},
		{"stress mark dropped", RussianICAO2013, "Мари́я", "Mariia"},
		{"decomposed input", uk, norm.NFD.String("Йосип Їжак"), "Yosyp Yizhak"},
		{"latin passes", uk, "O'Brien-Smith", "O'Brien-Smith"},
		{"mixed", uk, "Олена (Olena) 12", "Olena (Olena) 12"},
		{"empty", uk, "", ""},
		{"russian letters in uk", uk, "Эдуард Ёлкин", "Eduard Yolkyn"},
		{"bgn after vowel across name", RussianBGNPCGN, "Мария Егорова", "Mariya Yegorova"},
		{"unknown system", System("nope"), "Іван", "Іван"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Transliterate(tc.in, tc.sys); got != tc.want {
				t.Errorf("Transliterate(%q, %s) = %q, want %q", tc.in, tc.sys, got, tc.want)
			}
		})
	}
}

func TestSystemsValid(t *testing.T) {
	for _, s := range Systems {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	if System("").Valid() {
		t.Error("empty system valid")
	}
}

// Every system must cover the whole Russian and Ukrainian alphabets, in both
// cases: a letter left out would pass through as Cyrillic.
func TestTablesCoverAlphabets(t *testing.T) {
	const alphabet = "абвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя"
	for _, sys := range Systems {
		for _, r := range alphabet + strings.ToUpper(alphabet) {
			out := Transliterate("Ж"+string(r)+"ж", sys)
			if !isPlain(out) {
				t.Errorf("%s: %q gives %q, still Cyrillic", sys, r, out)
			}
		}
	}
}

func FuzzTransliterate(f *testing.F) {
	for _, s := range []string{"Згурський", "ЩЕРБАК", "Короп'є", "Анна-Юлія", "O'Brien", "Мари́я", "\xff", "ь\u0301", "ѣ'я"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, sys := range Systems {
			out := Transliterate(s, sys)
			if !utf8.ValidString(out) {
				t.Fatalf("%s: %q gives invalid UTF-8 %q", sys, s, out)
			}
			if isASCII(s) && out != s {
				t.Fatalf("%s: ASCII %q changed to %q", sys, s, out)
			}
			if again := Transliterate(out, sys); again != out {
				t.Fatalf("%s: not stable: %q → %q → %q", sys, s, out, again)
			}
			for _, r := range out {
				if tables[sys].covers(r) {
					t.Fatalf("%s: %q gives %q with Cyrillic %q left", sys, s, out, r)
				}
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func BenchmarkTransliterate(b *testing.B) {
	for b.Loop() {
		Transliterate("Олександр Андрійович Коваленко", UkrainianNational2010)
	}
}

func isPlain(s string) bool {
	plain, _ := scan(s)
	return plain
}
