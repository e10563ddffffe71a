// Package names holds what reunite knows about personal names. The same
// child may be written Олександр by one party, Александр by the other,
// Oleksandr or Aleksandr on a document and Sasha by a relative, and the
// matching engine can only compare such spellings once it knows they are one
// name. The package offers:
//
//   - Transliterate: Cyrillic to Latin by the Ukrainian national system and
//     the Russian passport systems; ToCyrillic, candidate readings back;
//   - Normalize, Fold, Tokens: one written form of a name (apostrophes,
//     dashes, spacing, look-alike letters of the other script);
//   - Key: a cross-script key on which the spellings of one name agree, and
//     FamilyKey, which also joins the male and female forms of a surname;
//   - GivenClasses, PatronymicClass: the table of given names
//     (data/given_names.csv), which relates the Ukrainian and Russian forms
//     of a name, its diminutives and informal Latin spellings, and the
//     patronymics formed from it.
//
// All functions are safe for concurrent use; the table is parsed on first
// use.
package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// System is a romanisation system for Cyrillic names.
type System string

const (
	// UkrainianNational2010 is Ukraine's national system (Cabinet of
	// Ministers resolution No. 55 of 27 January 2010), used in Ukrainian
	// passports and birth certificates.
	UkrainianNational2010 System = "uk-national-2010"
	// RussianICAO2013 is the ICAO Doc 9303 table used in Russian passports
	// since 2013 (FMS order No. 320 of 15 October 2012).
	RussianICAO2013 System = "ru-icao-2013"
	// RussianGOST2006 is GOST R 52535.1-2006, used in Russian passports from
	// March 2010 to 2013 (FMS order No. 26 of 3 February 2010).
	RussianGOST2006 System = "ru-gost-2006"
	// RussianMVD1997 is the table of MVD order No. 310 of 26 May 1997, used
	// in Russian passports until 2010: an English-oriented system.
	RussianMVD1997 System = "ru-mvd-1997"
	// RussianBGNPCGN is the BGN/PCGN 1947 system of the US and UK names
	// boards, the common English rendering of Russian names in the press.
	RussianBGNPCGN System = "ru-bgn-pcgn"
)

// Systems lists the supported systems.
var Systems = []System{UkrainianNational2010, RussianICAO2013, RussianGOST2006, RussianMVD1997, RussianBGNPCGN}

// Valid reports whether s is a supported system.
func (s System) Valid() bool {
	_, ok := tables[s]
	return ok
}

// letter is the Latin rendering of one Cyrillic letter. Systems that write a
// letter differently at the start of a word (Ukrainian Є Ї Й Ю Я, BGN/PCGN Е)
// give both forms; the others give the same string twice.
type letter struct{ initial, medial string }

// table is one system. Its letters are lower-case ASCII renderings, kept in
// an array indexed by slot (see slotOf) because lookups are the hot path of
// matching; case is restored when writing.
type table struct {
	letters [nSlots]letter
	has     [nSlots]bool
	// initialAfter reports whether the initial form is also used after the
	// (lower-case) letter prev, as BGN/PCGN writes Е as "ye" after vowels.
	initialAfter func(prev rune) bool
	// zgh: Ukrainian writes Г after З as "gh" so that зг (Згурський,
	// Zghurskyi) is not read as the single sound of ж (zh).
	zgh bool
}

// newTable builds a table from letters keyed by lower-case Cyrillic letter.
func newTable(m map[rune]letter, initialAfter func(prev rune) bool, zgh bool) *table {
	t := &table{initialAfter: initialAfter, zgh: zgh}
	for r, l := range m {
		i := slotOf(r)
		if i < 0 {
			panic("names: no slot for " + string(r))
		}
		t.letters[i], t.has[i] = l, true
	}
	return t
}

// The letters a table may cover: а…я and ѐ…џ (U+0430–U+045F, which hold
// ё і ї є), and ґ.
const nSlots = 0x30 + 1

// slotOf returns the table slot of a lower-case Cyrillic letter, or -1.
func slotOf(r rune) int {
	switch {
	case r >= 0x430 && r <= 0x45F:
		return int(r - 0x430)
	case r == 'ґ':
		return 0x30
	}
	return -1
}

// lower lower-cases the capitals of the basic Cyrillic block (А…Я, Ѐ…Џ,
// Ґ) and returns every other rune as it is: only Cyrillic letters are
// looked up.
func lower(r rune) rune {
	switch {
	case r >= 0x410 && r <= 0x42F:
		return r + 0x20
	case r >= 0x400 && r <= 0x40F:
		return r + 0x50
	case r == 'Ґ':
		return 'ґ'
	}
	return r
}

// lookup returns the rendering of r (either case) and whether the table
// has it.
func (t *table) lookup(r rune) (letter, bool) {
	i := slotOf(lower(r))
	if i < 0 || !t.has[i] {
		return letter{}, false
	}
	return t.letters[i], true
}

// covers reports whether r (either case) is a letter of the table.
func (t *table) covers(r rune) bool {
	_, ok := t.lookup(r)
	return ok
}

// same builds a table from letters that are written alike everywhere.
func same(m map[rune]string) map[rune]letter {
	out := make(map[rune]letter, len(m))
	for r, s := range m {
		out[r] = letter{s, s}
	}
	return out
}

// with returns a copy of base with the entries of over added or replaced.
func with(base map[rune]letter, over map[rune]letter) map[rune]letter {
	out := make(map[rune]letter, len(base)+len(over))
	for r, l := range base {
		out[r] = l
	}
	for r, l := range over {
		out[r] = l
	}
	return out
}

// icaoLetters is the ICAO Doc 9303 (7th edition) table for Russian, with the
// Ukrainian letters from the same table (Ґ g, Є ie, І i, Ї i). Russian
// passports issued since 2013 use it.
var icaoLetters = same(map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	'ґ': "g", 'є': "ie", 'і': "i", 'ї': "i",
})

var tables = map[System]*table{
	// Resolution No. 55 (2010): the first form at the start of a word, the
	// second elsewhere; Ь and the apostrophe are not written. Ё Ъ Ы Э are not
	// Ukrainian letters and are not in the resolution; they get the nearest
	// renderings so that a Russian spelling still comes out in Latin.
	UkrainianNational2010: newTable(with(same(map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "h", 'ґ': "g", 'д': "d", 'е': "e",
		'ж': "zh", 'з': "z", 'и': "y", 'і': "i", 'к': "k", 'л': "l", 'м': "m",
		'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
		'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
		'ь': "", 'ъ': "", 'ы': "y", 'э': "e",
	}), map[rune]letter{
		'є': {"ye", "ie"}, 'ї': {"yi", "i"}, 'й': {"y", "i"},
		'ю': {"yu", "iu"}, 'я': {"ya", "ia"}, 'ё': {"yo", "io"},
	}), nil, true),
	RussianICAO2013: newTable(icaoLetters, nil, false),
	// GOST R 52535.1-2006 differs from ICAO only in Ц (tc) and Ъ (not written).
	RussianGOST2006: newTable(with(icaoLetters, map[rune]letter{
		'ц': {"tc", "tc"}, 'ъ': {"", ""},
	}), nil, false),
	// MVD order No. 310 (1997): Й y, Ю yu, Я ya, Ь as an apostrophe, Ъ not
	// written. The order covers Russian only; the Ukrainian letters get the
	// English-style renderings of the same spirit (Є ye, Ї yi).
	RussianMVD1997: newTable(with(icaoLetters, map[rune]letter{
		'й': {"y", "y"}, 'ю': {"yu", "yu"}, 'я': {"ya", "ya"},
		'ь': {"'", "'"}, 'ъ': {"", ""}, 'є': {"ye", "ye"}, 'ї': {"yi", "yi"},
	}), nil, false),
	// BGN/PCGN 1947: Е (and Ё, whose diaeresis is commonly dropped) is "ye"
	// at the start of a word and after a vowel, Й, Ъ or Ь, else "e". The
	// system writes Ъ and Ь as ” and ’; like most users of it we leave them
	// out, and we write Ё without the diaeresis to keep the output ASCII.
	RussianBGNPCGN: newTable(with(icaoLetters, map[rune]letter{
		'е': {"ye", "e"}, 'ё': {"ye", "e"}, 'й': {"y", "y"},
		'ъ': {"", ""}, 'ю': {"yu", "yu"}, 'я': {"ya", "ya"},
		'є': {"ye", "ye"}, 'ї': {"yi", "yi"},
	}), func(prev rune) bool {
		switch prev {
		case 'а', 'е', 'ё', 'и', 'о', 'у', 'ы', 'э', 'ю', 'я', 'й', 'ъ', 'ь', 'і', 'ї', 'є':
			return true
		}
		return false
	}, false),
}

// Transliterate writes the Cyrillic letters of s in Latin by the system sys.
//
// Case follows the source word: "Щербак" gives "Shcherbak" and "ЩЕРБАК" gives
// "SHCHERBAK". Every word of a hyphenated name is a word of its own, so the
// word-initial forms apply after a hyphen ("Анна-Юлія", "Anna-Yuliia").
// Apostrophes between Cyrillic letters (Короп'є) and combining marks on them
// (stress accents) are dropped; everything else that is not a Cyrillic letter
// of the table passes through unchanged, so Latin text is returned as it is.
// Invalid UTF-8 becomes U+FFFD. An unknown system returns s unchanged.
func Transliterate(s string, sys System) string {
	t, ok := tables[sys]
	if !ok {
		return s
	}
	plain, simple := scan(s)
	if plain {
		return s
	}
	if !simple {
		s = norm.NFC.String(s)
	}
	var buf [64]rune // names fit; longer text spills to the heap
	rs := buf[:0]
	for _, r := range s {
		rs = append(rs, r)
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)

	var prev rune       // the last rune kept as context, 0 at the start
	afterTable := false // the last letter written came from the table
	for i, r := range rs {
		l, isTable := t.lookup(r)
		if !isTable {
			switch {
			case isApostrophe(r) && afterTable && i+1 < len(rs) && t.covers(rs[i+1]):
				continue // Короп'є: the apostrophe is not written, the word goes on
			case afterTable && unicode.Is(unicode.Mn, r):
				continue // a stress mark or the like on a letter we replaced
			}
			b.WriteRune(r)
			prev, afterTable = r, false
			continue
		}
		lr, prevLower := lower(r), lower(prev)
		out := l.medial
		if !isWordRune(prev) || (t.initialAfter != nil && t.initialAfter(prevLower)) {
			out = l.initial
		}
		if t.zgh && lr == 'г' && prevLower == 'з' {
			out = "gh"
		}
		switch {
		case lr == r:
			b.WriteString(out)
		case allCaps(rs, i):
			writeUpper(&b, out)
		default:
			writeTitle(&b, out)
		}
		prev, afterTable = r, true
	}
	if simple {
		return b.String()
	}
	// Dropping a letter can put two characters side by side that NFC would
	// join; normalising again keeps the result stable under a second pass.
	return norm.NFC.String(b.String())
}

// scan reports whether s can be returned as it is (valid UTF-8 without
// Cyrillic), and whether it is simple: only ASCII, basic Cyrillic and
// apostrophes, which are all in NFC and cannot combine with one another, so
// that normalisation can be skipped on the way in and out.
func scan(s string) (plain, simple bool) {
	plain, simple = true, true
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			plain, simple = false, false
		case r >= 0x400 && r <= 0x45F || r == 'Ґ' || r == 'ґ':
			plain = false
		case r >= 0x460 && r <= 0x52F:
			plain, simple = false, false
		case isApostrophe(r):
		default:
			simple = false
		}
	}
	return plain, simple
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u2019', '\u2018', '\u02BC':
		return true
	}
	return false
}

// isWordRune reports whether r continues a word: a letter or a mark on one.
func isWordRune(r rune) bool {
	switch {
	case r == 0:
		return false
	case r < utf8.RuneSelf:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	case r >= 0x400 && r <= 0x45F:
		return true
	}
	return unicode.IsLetter(r) || unicode.IsMark(r)
}

// allCaps decides how to write the capital rs[i]: in capitals when the word
// is written in capitals, else with only its first Latin letter capital.
// The next letter decides; at the end of a word, the one before does, so that
// the last letter of "ЮЛІЯ" is written "IA" and a lone initial "Щ" is "Shch".
func allCaps(rs []rune, i int) bool {
	for j := i + 1; j < len(rs); j++ {
		if unicode.IsMark(rs[j]) || isApostrophe(rs[j]) {
			continue
		}
		if unicode.IsLetter(rs[j]) {
			return unicode.IsUpper(rs[j])
		}
		break
	}
	for j := i - 1; j >= 0; j-- {
		if unicode.IsMark(rs[j]) || isApostrophe(rs[j]) {
			continue
		}
		return unicode.IsLetter(rs[j]) && unicode.IsUpper(rs[j])
	}
	return false
}

// writeUpper writes an ASCII rendering in capitals.
func writeUpper(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		b.WriteByte(upper(s[i]))
	}
}

// writeTitle writes an ASCII rendering with its first letter capital.
func writeTitle(b *strings.Builder, s string) {
	if s == "" {
		return
	}
	b.WriteByte(upper(s[0]))
	b.WriteString(s[1:])
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
