package names

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// The synthetic generator (internal/synth) draws its names from lists the
// name table must cover. Its lists are unexported, so the tests read them
// from its source: they follow any change to synth without copying it.

type synthGiven struct {
	female                bool
	uk, ru, dim, informal string
}

type synthSurname struct {
	uk, ru string // masculine; ru == uk when synth leaves it empty
	kind   string // invariant, adjectival, possessive
}

type synthData struct {
	given    []synthGiven
	surnames []synthSurname
	russian  []string // russianSurnames: masculine, possessive
}

var loadSynth = sync.OnceValues(func() (*synthData, error) {
	d := &synthData{}
	fset := token.NewFileSet()
	for _, file := range []string{"../synth/data_given.go", "../synth/data_surnames.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if len(vs.Values) != 1 {
					continue
				}
				lit, ok := vs.Values[0].(*ast.CompositeLit)
				if !ok {
					continue
				}
				name := vs.Names[0].Name
				for _, e := range lit.Elts {
					switch name {
					case "maleGiven", "femaleGiven":
						s := strs(e.(*ast.CompositeLit).Elts)
						d.given = append(d.given, synthGiven{name == "femaleGiven", s[0], s[1], s[2], s[3]})
					case "surnames":
						el := e.(*ast.CompositeLit).Elts
						s := strs(el)
						ru := s[1]
						if ru == "" {
							ru = s[0]
						}
						d.surnames = append(d.surnames, synthSurname{s[0], ru, el[3].(*ast.Ident).Name})
					case "russianSurnames":
						d.russian = append(d.russian, strs([]ast.Expr{e})[0])
					}
				}
			}
		}
	}
	return d, nil
})

// strs returns the string literals among es ("" for other expressions).
func strs(es []ast.Expr) []string {
	out := make([]string, len(es))
	for i, e := range es {
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			out[i], _ = strconv.Unquote(b.Value)
		}
	}
	return out
}

func synth(t testing.TB) *synthData {
	t.Helper()
	d, err := loadSynth()
	if err != nil {
		t.Fatalf("reading synth's name lists: %v", err)
	}
	if len(d.given) < 100 || len(d.surnames) < 200 || len(d.russian) < 20 {
		t.Fatalf("synth's name lists look wrong: %d given, %d surnames, %d Russian", len(d.given), len(d.surnames), len(d.russian))
	}
	return d
}

// feminine is synth's feminineSurname (internal/synth/catalogue.go).
func feminine(m, kind string, russian bool) string {
	switch kind {
	case "adjectival":
		rs := []rune(m)
		stem := string(rs[:len(rs)-2])
		if russian {
			return stem + "ая"
		}
		return stem + "а"
	case "possessive":
		return m + "а"
	}
	return m
}

// surnameForms is a family's surname in synth's four forms: Ukrainian
// masculine and feminine, Russian masculine and feminine.
func (s synthSurname) forms() [4]string {
	return [4]string{s.uk, feminine(s.uk, s.kind, false), s.ru, feminine(s.ru, s.kind, true)}
}

// synthPatronymic is synth's ukrainianPatronymic / russianPatronymic
// (internal/synth/catalogue.go), by the child's sex.
func synthPatronymic(father string, female, russian bool) string {
	pick := func(m, f string) string {
		if female {
			return f
		}
		return m
	}
	cut := func(s string) (string, rune) {
		r, size := utf8.DecodeLastRuneInString(s)
		return s[:len(s)-size], r
	}
	if !russian {
		irregular := map[string][2]string{
			"Микола": {"Миколайович", "Миколаївна"}, "Ілля": {"Ілліч", "Іллівна"},
			"Лука": {"Лукич", "Луківна"}, "Яків": {"Якович", "Яківна"},
			"Федір": {"Федорович", "Федорівна"}, "Григорій": {"Григорович", "Григорівна"},
			"Лев": {"Львович", "Львівна"},
		}
		if p, ok := irregular[father]; ok {
			return pick(p[0], p[1])
		}
		stem, last := cut(father)
		switch last {
		case 'й':
			return pick(father+"ович", stem+"ївна")
		case 'ь':
			return pick(father+"ович", stem+"івна")
		case 'о', 'а':
			return pick(stem+"ович", stem+"івна")
		}
		return pick(father+"ович", father+"івна")
	}
	irregular := map[string][2]string{
		"Илья": {"Ильич", "Ильинична"}, "Никита": {"Никитич", "Никитична"},
		"Лука": {"Лукич", "Лукинична"}, "Пётр": {"Петрович", "Петровна"},
		"Павел": {"Павлович", "Павловна"}, "Лев": {"Львович", "Львовна"},
		"Яков": {"Яковлевич", "Яковлевна"}, "Михаил": {"Михайлович", "Михайловна"},
	}
	if p, ok := irregular[father]; ok {
		return pick(p[0], p[1])
	}
	if stem, ok := strings.CutSuffix(father, "ий"); ok {
		rs := []rune(stem)
		vowel := func(r rune) bool { return strings.ContainsRune("аеёиоуыэюяіїє", r) }
		if len(rs) >= 2 && !vowel(rs[len(rs)-1]) && !vowel(rs[len(rs)-2]) {
			return pick(stem+"иевич", stem+"иевна")
		}
		return pick(stem+"ьевич", stem+"ьевна")
	}
	stem, last := cut(father)
	switch last {
	case 'й', 'ь':
		return pick(stem+"евич", stem+"евна")
	}
	return pick(father+"ович", father+"овна")
}
