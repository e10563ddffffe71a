// Package i18n holds reunite's message catalogues in English, Ukrainian and
// Russian, and formats dates and numbers the way each language writes them.
//
// Catalogues are JSON files under locales/<lang>/, one per area of the
// interface (merged at load; a key may appear in one file only). Every
// language must hold every key: Load refuses a catalogue set with a key
// missing in any language, so a gap is a failed start (and a failed test),
// never an English word on a Ukrainian page.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Lang is a supported language, by its ISO 639-1 code.
type Lang string

const (
	English   Lang = "en"
	Ukrainian Lang = "uk"
	Russian   Lang = "ru"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{English, Ukrainian, Russian}

// Valid reports whether l is a supported language.
func (l Lang) Valid() bool { return slices.Contains(Langs, l) }

var tags = map[Lang]language.Tag{English: language.BritishEnglish, Ukrainian: language.Ukrainian, Russian: language.Russian}

//go:embed locales
var locales embed.FS

// Bundle is every catalogue.
type Bundle struct {
	msgs map[Lang]map[string]string
}

// Load reads the embedded catalogues and checks that every language has
// every key.
func Load() (*Bundle, error) { return load(locales) }

func load(fsys fs.FS) (*Bundle, error) {
	b := &Bundle{msgs: map[Lang]map[string]string{}}
	for _, l := range Langs {
		b.msgs[l] = map[string]string{}
		dir := path.Join("locales", string(l))
		files, err := fs.Glob(fsys, dir+"/*.json")
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("i18n: no catalogue for %s", l)
		}
		for _, f := range files {
			data, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			var m map[string]string
			if err := json.Unmarshal(data, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := b.msgs[l][k]; dup {
					return nil, fmt.Errorf("i18n: %s: key %q is also in another file", f, k)
				}
				if strings.TrimSpace(v) == "" {
					return nil, fmt.Errorf("i18n: %s: key %q is empty", f, k)
				}
				b.msgs[l][k] = v
			}
		}
	}
	if missing := b.Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("i18n: keys missing: %s", strings.Join(missing, "; "))
	}
	return b, nil
}

// Missing lists, as "lang: key", every key some language has and another
// lacks.
func (b *Bundle) Missing() []string {
	all := map[string]bool{}
	for _, m := range b.msgs {
		for k := range m {
			all[k] = true
		}
	}
	var out []string
	for _, l := range Langs {
		for k := range all {
			if _, ok := b.msgs[l][k]; !ok {
				out = append(out, string(l)+": "+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key is in the catalogues.
func (b *Bundle) Has(key string) bool {
	_, ok := b.msgs[English][key]
	return ok
}

// Keys lists every key, sorted.
func (b *Bundle) Keys() []string {
	out := make([]string, 0, len(b.msgs[English]))
	for k := range b.msgs[English] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Localizer speaks one language.
type Localizer struct {
	Lang    Lang
	msgs    map[string]string
	printer *message.Printer
}

// For returns the localizer of l (English if l is not supported).
func (b *Bundle) For(l Lang) *Localizer {
	if !l.Valid() {
		l = English
	}
	return &Localizer{Lang: l, msgs: b.msgs[l], printer: message.NewPrinter(tags[l])}
}

// MissingMark wraps a key no catalogue holds, so that a page showing one
// is easy to find (and a test fails on it) rather than blank.
const MissingMark = "⟦"

// T returns the message of key, formatted with args (fmt verbs, numbers
// in the language's style).
func (l *Localizer) T(key string, args ...any) string {
	msg, ok := l.msgs[key]
	if !ok {
		return MissingMark + key + "⟧"
	}
	if len(args) == 0 {
		return msg
	}
	return l.printer.Sprintf(msg, args...)
}

// Has reports whether the catalogue holds key.
func (l *Localizer) Has(key string) bool { _, ok := l.msgs[key]; return ok }

// Number formats n with the language's digit grouping (1,234 · 1 234).
func (l *Localizer) Number(n any) string { return l.printer.Sprint(n) }

// Percent formats a fraction 0..1 as a percentage with one decimal.
func (l *Localizer) Percent(x float64) string { return l.printer.Sprintf("%.1f%%", x*100) }

// Date formats a day the way the language writes it: 25 Nov 2026 in
// English; 25.11.2026 in Ukrainian and Russian, as on their documents.
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Lang == English {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02.01.2006")
}

// DateTime formats a moment (UTC) with the day and a 24-hour time.
func (l *Localizer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.Date(t.UTC()) + " " + t.UTC().Format("15:04") + " UTC"
}

// Match picks the best supported language for an Accept-Language header.
func Match(acceptLanguage string) Lang {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Langs[i]
}

var matcher = language.NewMatcher([]language.Tag{language.BritishEnglish, language.Ukrainian, language.Russian})
