package names

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxCandidates is the most ToCyrillic returns.
const maxCandidates = 8

// maxExtraCost is how much costlier than the best reading by rule a reading
// may be and still be offered.
const maxExtraCost = 1.25

// ToCyrillic returns candidate Cyrillic spellings of a name written in Latin
// letters, the most likely first, at most eight: for display ("Oleksandr
// (Олександр)") and for looking a Latin name up among Cyrillic ones.
//
// Names of the table come first, as the table writes them: every Cyrillic
// form whose key is the key of the input, those that some System transliterates
// to exactly the input before the others (so "Oleksandr" gives Олександр,
// "Aleksandr" Александр, "Yuriy" Юрий before Юрій), and for an informal
// spelling such as "Victoria" the forms of its class. Then come readings by
// rule: the Ukrainian reading of the 2010 national system and the Russian
// reading of the passport systems (ICAO, GOST, MVD, BGN/PCGN), with common
// informal spellings (x, w, ya, yu, ye, a final -y), ranked by how regular
// each choice is. A soft sign or apostrophe the Latin spelling dropped is
// restored where it usually stands (Ковальчук, Ковальський, Швець), as a
// further candidate where that is not certain.
//
// Case follows the input word by word (Shevchenko → Шевченко, SHEVCHENKO →
// ШЕВЧЕНКО). Words already in Cyrillic are kept. Separators (spaces,
// hyphens) are kept. An input without letters gives nil.
func ToCyrillic(latin string) []string {
	s := Normalize(latin)
	type part struct {
		sep   string
		cands []candidate
		caps  int // caseLower, caseTitle, caseUpper
	}
	var parts []part
	sep := ""
	for _, w := range splitKeep(s) {
		if w.sep {
			sep += w.text
			continue
		}
		parts = append(parts, part{sep: sep, cands: wordCandidates(w.text), caps: casePattern(w.text)})
		sep = ""
	}
	if len(parts) == 0 {
		return nil
	}
	// Combine the words, keeping the best maxCandidates combinations.
	type combo struct {
		text string
		cost float64
	}
	beam := []combo{{"", 0}}
	for _, p := range parts {
		var next []combo
		for _, b := range beam {
			for _, c := range p.cands {
				next = append(next, combo{b.text + p.sep + applyCase(c.text, p.caps), b.cost + c.cost})
			}
		}
		sort.SliceStable(next, func(i, j int) bool { return next[i].cost < next[j].cost })
		if len(next) > maxCandidates {
			next = next[:maxCandidates]
		}
		beam = next
	}
	out := make([]string, 0, len(beam))
	for _, b := range beam {
		t := b.text + sep
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

type piece struct {
	text string
	sep  bool
}

// splitKeep splits s into words and separators (spaces and hyphens).
func splitKeep(s string) []piece {
	var out []piece
	start := 0
	for i, r := range s {
		if r == ' ' || r == '-' {
			if i > start {
				out = append(out, piece{s[start:i], false})
			}
			out = append(out, piece{string(r), true})
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, piece{s[start:], false})
	}
	return out
}

const (
	caseLower = iota
	caseTitle
	caseUpper
)

func casePattern(w string) int {
	upper, lower := 0, 0
	first := true
	firstUpper := false
	for _, r := range w {
		if !unicode.IsLetter(r) {
			continue
		}
		if unicode.IsUpper(r) {
			upper++
			if first {
				firstUpper = true
			}
		} else if unicode.IsLower(r) {
			lower++
		}
		first = false
	}
	switch {
	case upper >= 2 && lower == 0:
		return caseUpper
	case firstUpper:
		return caseTitle
	}
	return caseLower
}

func applyCase(s string, c int) string {
	switch c {
	case caseUpper:
		return strings.ToUpper(s)
	case caseTitle:
		r, size := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r)) + s[size:]
	}
	return s
}

// candidate is a lower-case Cyrillic spelling of one word and its cost.
type candidate struct {
	text string
	cost float64
}

// wordCandidates returns the candidates for one word, best first.
func wordCandidates(w string) []candidate {
	cyr, lat := 0, 0
	for _, r := range w {
		switch {
		case isCyrillicLetter(r):
			cyr++
		case isLatinLetter(r):
			lat++
		}
	}
	if cyr >= lat {
		if cyr == 0 {
			return []candidate{{w, 0}}
		}
		return []candidate{{strings.ToLower(w), 0}}
	}
	var out []candidate
	add := func(text string, cost float64) {
		for _, c := range out {
			if c.text == text {
				return
			}
		}
		out = append(out, candidate{text, cost})
	}
	// Table forms: those that a system of their own language writes
	// exactly so first, then those another system does, then the rest.
	forms := tableData().cyrillicForms[Key(w)]
	var table []candidate
	for _, f := range forms {
		cost := -1.0
		switch native, other := transliteratesTo(f, w); {
		case native:
			cost = -3
		case other:
			cost = -2
		}
		table = append(table, candidate{strings.ToLower(f.text), cost})
	}
	sort.SliceStable(table, func(i, j int) bool { return table[i].cost < table[j].cost })
	for _, c := range table {
		add(c.text, c.cost)
	}
	for _, c := range ruleCandidates(w) {
		add(c.text, c.cost)
	}
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

// transliteratesTo reports whether a System of the form's own language
// (the national system for Ukrainian, the passport systems for Russian),
// or another one, writes the Cyrillic form f as the Latin word w, ignoring
// case and apostrophes.
func transliteratesTo(f formEntry, w string) (native, other bool) {
	lw := strings.ToLower(strings.ReplaceAll(w, string(Apostrophe), ""))
	for _, sys := range Systems {
		t := strings.ToLower(strings.ReplaceAll(Transliterate(f.text, sys), "'", ""))
		if t != lw {
			continue
		}
		if f.lang == langBoth || (f.lang == langUkrainian) == (sys == UkrainianNational2010) {
			native = true
		} else {
			other = true
		}
	}
	return native, other
}

// Contexts a reverse rule may require, of the Latin spelling around it.
const (
	atStart     = 1 << iota // the match starts the word
	notStart                // it does not
	atEnd                   // the match ends the word
	afterVowel              // the letter before it is a vowel (a e i o u y)
	afterCons               // the letter before it is a consonant
	beforeCons              // the letter after it is a consonant
	beforeVowel             // the letter after it is a vowel
)

// revRule reads the Latin spelling lat as the Cyrillic cyr at a cost.
type revRule struct {
	lat  string
	cyr  string
	cost float64
	ctx  int // all of these must hold
}

// plainLetters are read alike in both languages.
var plainLetters = []revRule{
	{"a", "а", 0, 0}, {"b", "б", 0, 0}, {"v", "в", 0, 0}, {"d", "д", 0, 0},
	{"z", "з", 0, 0}, {"k", "к", 0, 0}, {"l", "л", 0, 0}, {"m", "м", 0, 0},
	{"n", "н", 0, 0}, {"o", "о", 0, 0}, {"p", "п", 0, 0}, {"r", "р", 0, 0},
	{"s", "с", 0, 0}, {"t", "т", 0, 0}, {"u", "у", 0, 0}, {"f", "ф", 0, 0},
	{"shch", "щ", 0, 0}, {"zh", "ж", 0, 0}, {"kh", "х", 0, 0}, {"ch", "ч", 0, 0},
	{"sh", "ш", 0, 0},
	// Informal spellings.
	{"x", "кс", 0.2, 0}, {"w", "в", 0.3, 0}, {"c", "ц", 0.3, 0}, {"c", "к", 0.5, 0},
	{"ck", "к", 0.5, 0}, {"j", "й", 0.3, 0}, {"q", "к", 1, 0}, {"ph", "ф", 0.3, 0},
	{"sch", "щ", 0.6, 0}, {"sch", "ш", 0.8, 0}, {"tz", "ц", 0.8, 0},
	// Soft signs that Latin spellings drop.
	{"n", "нь", 0.6, beforeCons}, {"t", "ть", 0.6, beforeCons}, {"d", "дь", 0.7, beforeCons},
	{"z", "зь", 0.5, beforeCons}, {"s", "сь", 0.6, beforeCons}, {"r", "рь", 0.8, beforeCons},
	{"t", "ть", 0.7, atEnd}, {"n", "нь", 0.8, atEnd}, {"r", "рь", 0.7, atEnd},
}

// ukRules read a Latin word as Ukrainian (national system of 2010, also ICAO
// and informal spellings of Ukrainian names).
var ukRules = append(slices.Clone(plainLetters), []revRule{
	{"zgh", "зг", 0, 0},
	{"ts", "ц", 0.1, 0}, {"ts", "ць", 0.05, atEnd}, {"ts", "ць", 0.6, beforeCons}, {"ts", "тс", 1.2, 0},
	{"tc", "ц", 0.8, 0},
	{"h", "г", 0, 0}, {"g", "г", 0.3, 0}, {"g", "ґ", 0.6, 0},
	{"e", "е", 0, notStart}, {"e", "е", 0.2, atStart}, {"e", "є", 0.8, atStart}, {"e", "є", 0.8, afterVowel},
	{"ye", "є", 0, atStart}, {"ye", "є", 0.3, notStart},
	{"yi", "ї", 0, atStart}, {"yi", "ий", 0, afterCons}, {"yi", "ї", 0.3, afterVowel},
	{"yu", "ю", 0, atStart}, {"yu", "ю", 0.3, notStart}, {"yu", "ью", 0.4, afterCons},
	{"ya", "я", 0, atStart}, {"ya", "я", 0.3, notStart}, {"ya", "ья", 0.4, afterCons},
	{"yo", "йо", 0.1, atStart}, {"yo", "ьо", 0.3, afterCons}, {"yo", "йо", 0.3, afterVowel},
	{"y", "и", 0, afterCons | beforeCons}, {"y", "и", 0, afterCons | atEnd}, {"y", "и", 0.6, afterCons | beforeVowel},
	{"y", "й", 0.3, atStart}, {"y", "й", 0.1, afterVowel | atEnd},
	{"y", "й", 0.3, afterVowel | beforeCons}, {"y", "и", 0.5, afterVowel},
	{"ie", "є", 0, notStart}, {"ie", "є", 0.4, atStart}, {"ie", "іє", 1, 0},
	{"iu", "ю", 0, notStart}, {"iu", "ю", 0.4, atStart}, {"iu", "ію", 1, 0},
	{"ia", "я", 0, notStart}, {"ia", "я", 0.4, atStart}, {"ia", "ія", 0.9, 0},
	{"io", "йо", 0.4, notStart}, {"io", "іо", 0.5, 0}, {"io", "ьо", 0.5, afterCons},
	{"i", "і", 0, atStart}, {"i", "і", 0, afterCons}, {"i", "й", 0.1, afterVowel | atEnd},
	{"i", "й", 0.2, afterVowel | beforeCons}, {"i", "ї", 0.3, afterVowel}, {"i", "и", 1, 0},
	{"'", "ʼ", 0, 0}, {"'", "ь", 0.5, 0},
	{"l", "ль", 0.25, beforeCons}, {"l", "ль", -0.05, atEnd},
	{"lch", "льч", -0.05, 0}, {"lsk", "льськ", -0.05, 0},
	{"skyi", "ський", 0, atEnd}, {"ska", "ська", 0, atEnd}, {"sky", "ський", 0.2, atEnd},
	{"tskyi", "цький", 0, atEnd}, {"tska", "цька", 0, atEnd}, {"tsky", "цький", 0.2, atEnd},
	{"zkyi", "зький", 0, atEnd}, {"zka", "зька", 0, atEnd},
}...)

// ruRules read a Latin word as Russian (ICAO 2013, GOST 2006, MVD 1997,
// BGN/PCGN and informal spellings).
var ruRules = append(slices.Clone(plainLetters), []revRule{
	{"ts", "ц", 0, 0}, {"ts", "тс", 1.2, 0}, {"tc", "ц", 0.1, 0},
	{"g", "г", 0, 0}, {"h", "х", 0.4, 0}, {"h", "г", 0.7, 0},
	{"e", "е", 0, notStart}, {"e", "е", 0.1, atStart}, {"e", "э", 0.5, atStart},
	{"e", "ё", 0.9, notStart}, {"e", "э", 0.8, afterVowel},
	{"ia", "я", 0, atStart}, {"ia", "я", 0, afterVowel}, {"ia", "я", 0.1, afterCons},
	{"ia", "ья", 0.15, afterCons}, {"ia", "ия", 0.7, afterCons},
	{"iu", "ю", 0, atStart}, {"iu", "ю", 0, afterVowel}, {"iu", "ю", 0.1, afterCons},
	{"iu", "ью", 0.2, afterCons},
	{"ie", "ие", 0.2, afterCons}, {"ie", "ье", 0.3, afterCons}, {"ie", "ъе", 0.9, afterCons},
	{"ie", "е", 0.6, atStart},
	{"ya", "я", 0, atStart}, {"ya", "я", 0, afterVowel}, {"ya", "ья", 0.1, afterCons}, {"ya", "я", 0.2, afterCons},
	{"yu", "ю", 0, atStart}, {"yu", "ю", 0, afterVowel}, {"yu", "ью", 0.1, afterCons}, {"yu", "ю", 0.2, afterCons},
	{"ye", "е", 0, atStart}, {"ye", "е", 0.1, afterVowel}, {"ye", "ье", 0.1, afterCons}, {"ye", "е", 0.5, afterCons},
	{"yo", "ё", 0.2, afterCons}, {"yo", "ьо", 0.5, afterCons}, {"yo", "йо", 0.2, atStart},
	{"yo", "йо", 0.2, afterVowel}, {"yo", "ё", 0.4, atStart},
	{"iy", "ий", 0, atEnd}, {"iy", "ий", 0.3, 0},
	{"ii", "ий", 0, atEnd}, {"ii", "ии", 0.3, 0},
	{"i", "и", 0, 0}, {"i", "й", 0.1, afterVowel | atEnd}, {"i", "й", 0.2, afterVowel | beforeCons},
	{"y", "ы", 0.3, afterCons}, {"y", "ий", 0.3, afterCons | atEnd}, {"y", "й", 0, afterVowel},
	{"y", "и", 0.6, afterCons}, {"y", "й", 0.5, atStart},
	{"'", "ь", 0, 0},
	{"l", "ль", 0.35, beforeCons}, {"l", "ль", 0.5, atEnd},
	{"sky", "ский", 0.1, atEnd},
}...)

// digraphs are the Latin spellings of one consonant.
var digraphs = []string{"sh", "ch", "zh", "kh", "ts", "tc", "ph", "sch", "zgh", "ck"}

// ruleIndex groups rules by their first letter.
type ruleIndex [128][]revRule

func indexRules(rules []revRule) *ruleIndex {
	var x ruleIndex
	for _, r := range rules {
		x[r.lat[0]] = append(x[r.lat[0]], r)
	}
	return &x
}

var (
	ukIndex = indexRules(ukRules)
	ruIndex = indexRules(ruRules)
)

// ruleCandidates reads a Latin word by rule in both languages and returns
// the readings, cheapest first, the Ukrainian one first on a tie.
func ruleCandidates(w string) []candidate {
	lw := latinLetters(w)
	if lw == "" {
		return nil
	}
	uk := readWord(lw, ukIndex)
	ru := readWord(lw, ruIndex)
	all := append(uk, ru...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].cost < all[j].cost })
	out := all[:0]
	for _, c := range all {
		if c.cost > all[0].cost+maxExtraCost {
			break
		}
		if !slices.ContainsFunc(out, func(o candidate) bool { return o.text == c.text }) {
			out = append(out, c)
		}
	}
	return out
}

// latinLetters writes a word as lower-case ASCII letters and apostrophes.
func latinLetters(w string) string {
	var b []byte
	for _, r := range w {
		switch {
		case isApostropheVariant(r):
			b = append(b, '\'')
		case isLatinLetter(r) && r < 0x250:
			b = appendLetter(b, r)
		}
	}
	return string(b)
}

func isLatinVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// readWord is a beam search over the readings of w by the rules.
func readWord(w string, rules *ruleIndex) []candidate {
	const width = 12
	n := len(w)
	beams := make([][]candidate, n+1)
	beams[0] = []candidate{{"", 0}}
	for p := 0; p < n; p++ {
		states := beams[p]
		if len(states) == 0 {
			continue
		}
		sort.SliceStable(states, func(i, j int) bool { return states[i].cost < states[j].cost })
		if len(states) > width {
			states = states[:width]
		}
		c := w[p]
		if c >= 128 {
			continue
		}
		// A consonant digraph (sh, ch, zh, kh, ts...) is read as one letter:
		// its first letter alone is only a poor reading.
		digraph := false
		for _, d := range digraphs {
			if strings.HasPrefix(w[p:], d) {
				digraph = true
				break
			}
		}
		matched := false
		for _, r := range rules[c] {
			if !strings.HasPrefix(w[p:], r.lat) || !contextHolds(w, p, len(r.lat), r.ctx) {
				continue
			}
			matched = true
			cost := r.cost
			if digraph && len(r.lat) == 1 {
				cost += 1.5
			}
			e := p + len(r.lat)
			for _, s := range states {
				beams[e] = append(beams[e], candidate{s.text + r.cyr, s.cost + cost})
			}
		}
		if !matched {
			// A letter no rule reads: skip it.
			for _, s := range states {
				beams[p+1] = append(beams[p+1], candidate{s.text, s.cost + 2})
			}
		}
	}
	out := beams[n]
	sort.SliceStable(out, func(i, j int) bool { return out[i].cost < out[j].cost })
	dedup := out[:0]
	for _, c := range out {
		if !slices.ContainsFunc(dedup, func(o candidate) bool { return o.text == c.text }) {
			dedup = append(dedup, c)
		}
		if len(dedup) == maxCandidates {
			break
		}
	}
	return dedup
}

func contextHolds(w string, p, l, ctx int) bool {
	if ctx == 0 {
		return true
	}
	end := p + l
	if ctx&atStart != 0 && p != 0 {
		return false
	}
	if ctx&notStart != 0 && p == 0 {
		return false
	}
	if ctx&atEnd != 0 && end != len(w) {
		return false
	}
	prevVowel := p > 0 && isLatinVowel(w[p-1])
	prevCons := p > 0 && w[p-1] != '\'' && !isLatinVowel(w[p-1])
	if ctx&afterVowel != 0 && !prevVowel {
		return false
	}
	if ctx&afterCons != 0 && !prevCons {
		return false
	}
	nextVowel := end < len(w) && isLatinVowel(w[end])
	nextCons := end < len(w) && w[end] != '\'' && !isLatinVowel(w[end])
	if ctx&beforeCons != 0 && !nextCons {
		return false
	}
	if ctx&beforeVowel != 0 && !nextVowel {
		return false
	}
	return true
}
