package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustLoad(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return b
}

func TestLoad(t *testing.T) {
	b := mustLoad(t)
	if missing := b.Missing(); len(missing) > 0 {
		t.Errorf("keys missing: %v", missing)
	}
	if len(b.Keys()) == 0 {
		t.Error("no keys loaded")
	}
}

// sameAsEnglish lists the only keys whose Ukrainian or Russian message may
// equal the English one: each language's own name, written the same in
// every language.
var sameAsEnglish = []string{"lang.en", "lang.ru", "lang.uk"}

func TestTranslated(t *testing.T) {
	b := mustLoad(t)
	en := b.msgs[English]
	for _, l := range []Lang{Ukrainian, Russian} {
		t.Run(string(l), func(t *testing.T) {
			for _, k := range b.Keys() {
				same := b.msgs[l][k] == en[k]
				allowed := slices.Contains(sameAsEnglish, k)
				if same && !allowed {
					t.Errorf("%s: %q is still the English %q", l, k, en[k])
				}
				if !same && allowed {
					t.Errorf("%s: %q should stay %q, is %q", l, k, en[k], b.msgs[l][k])
				}
			}
		})
	}
}

var verb = regexp.MustCompile(`%[a-zA-Z%]`)

func TestVerbs(t *testing.T) {
	b := mustLoad(t)
	en := b.msgs[English]
	for _, l := range []Lang{Ukrainian, Russian} {
		t.Run(string(l), func(t *testing.T) {
			for _, k := range b.Keys() {
				want := strings.Join(verb.FindAllString(en[k], -1), " ")
				got := strings.Join(verb.FindAllString(b.msgs[l][k], -1), " ")
				if got != want {
					t.Errorf("%s: %q has verbs [%s], English has [%s]", l, k, got, want)
				}
			}
		})
	}
}

func TestNumber(t *testing.T) {
	b := mustLoad(t)
	tests := []struct {
		lang Lang
		want string
	}{
		{English, "1,234,567"},
		{Ukrainian, "1\u00a0234\u00a0567"},
		{Russian, "1\u00a0234\u00a0567"},
	}
	for _, tc := range tests {
		if got := b.For(tc.lang).Number(1234567); got != tc.want {
			t.Errorf("%s: Number(1234567) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}

func TestDate(t *testing.T) {
	b := mustLoad(t)
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		lang Lang
		want string
	}{
		{English, "25 Nov 2026"},
		{Ukrainian, "25.11.2026"},
		{Russian, "25.11.2026"},
	}
	for _, tc := range tests {
		if got := b.For(tc.lang).Date(day); got != tc.want {
			t.Errorf("%s: Date = %q, want %q", tc.lang, got, tc.want)
		}
		if got := b.For(tc.lang).Date(time.Time{}); got != "" {
			t.Errorf("%s: Date(zero) = %q, want empty", tc.lang, got)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"uk-UA,uk;q=0.9,en;q=0.8", Ukrainian},
		{"ru", Russian},
		{"de", English},
		{"", English},
	}
	for _, tc := range tests {
		if got := Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestT(t *testing.T) {
	b := mustLoad(t)
	tests := []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{English, "case.number", []any{7}, "Case 7"},
		{Ukrainian, "case.number", []any{7}, "Справа 7"},
		{Russian, "case.number", []any{7}, "Дело 7"},
		{Ukrainian, "lang.uk", nil, "Українська"},
	}
	for _, tc := range tests {
		if got := b.For(tc.lang).T(tc.key, tc.args...); got != tc.want {
			t.Errorf("%s: T(%q) = %q, want %q", tc.lang, tc.key, got, tc.want)
		}
	}
	for _, l := range Langs {
		if got := b.For(l).T("no.such.key"); !strings.Contains(got, MissingMark) {
			t.Errorf("%s: T(missing key) = %q, want it to contain %q", l, got, MissingMark)
		}
	}
}
