package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Apostrophe is the one apostrophe Normalize writes: U+02BC MODIFIER LETTER
// APOSTROPHE, the character Ukrainian orthography prescribes (Мар'яна is
// written Марʼяна) and a letter for Unicode, so that it never splits a word.
const Apostrophe = '\u02BC'

// isApostropheVariant reports whether r is one of the characters people type
// for the Ukrainian apostrophe (or the MVD soft sign): ' ’ ʼ ` ʹ ′ ‘ ´ ʻ.
func isApostropheVariant(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u02BC', '`', '\u02B9', '\u2032', '\u2018', '\u00B4', '\u02BB':
		return true
	}
	return false
}

// isHyphenVariant reports whether r is a hyphen or dash: - ‐ ‑ ‒ – — ― −.
func isHyphenVariant(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
		return true
	}
	return false
}

// Normalize puts a name into one canonical written form without changing
// what it says:
//
//   - invalid UTF-8 becomes U+FFFD and invisible format characters (soft
//     hyphens, zero-width spaces, direction marks) are dropped;
//   - the text is put in NFKC (so Й typed as И + breve is Й, and full-width
//     or ligature letters become plain ones);
//   - every apostrophe variant (' ’ ʼ ` ʹ ′ ‘ ´ ʻ) becomes U+02BC (ʼ);
//   - every hyphen or dash (‐ ‑ ‒ – — ― −) becomes '-', without spaces around;
//   - white space is trimmed and each inner run becomes one space;
//   - look-alike letters are repaired: in a word with more Cyrillic than
//     Latin letters, Latin letters that look like Cyrillic ones (a c e i o p x
//     y k m t h b ï ë and the capitals A B C E H I K M O P T X Y Ï Ë) become
//     those Cyrillic letters, and the reverse in a word with more Latin
//     letters; case is kept. A word with as many of each is left alone.
//
// Normalize is idempotent: Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	if isPlainName(s) {
		return s
	}
	s = prepare(s)
	if !norm.NFKC.IsNormalString(s) {
		s = norm.NFKC.String(s)
	}
	s = punctuation(s)
	if t, changed := fixLookalikes(s); changed {
		// A letter that changed script may now compose with a mark after it
		// (Cyrillic о + acute is two characters, Latin ó one).
		s = norm.NFKC.String(t)
	}
	return s
}

// isPlainName reports whether s is already normal by a quick look: ASCII
// letters, or basic Cyrillic letters, in words separated by single spaces or
// hyphens, with ʼ inside words, and no word mixing the two scripts. Most
// names pass, and Normalize returns them without allocating.
func isPlainName(s string) bool {
	if s == "" {
		return true
	}
	script := 0 // 0 none yet in this word, 1 Latin, 2 Cyrillic
	prevSep := true
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'):
			if script == 2 {
				return false
			}
			script, prevSep = 1, false
		case r >= 0x410 && r <= 0x44F || r == 'і' || r == 'ї' || r == 'є' || r == 'ґ' ||
			r == 'І' || r == 'Ї' || r == 'Є' || r == 'Ґ' || r == 'ё' || r == 'Ё':
			if script == 1 {
				return false
			}
			script, prevSep = 2, false
		case r == Apostrophe:
			if prevSep {
				return false
			}
		case r == ' ' || r == '-':
			if prevSep || i == len(s)-1 {
				return false
			}
			script, prevSep = 0, true
		default:
			return false
		}
	}
	return !prevSep
}

// prepare makes s valid UTF-8, drops format characters and writes
// apostrophes as ʼ: before NFKC, which would split ´ into a space and a
// combining accent.
func prepare(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unicode.Is(unicode.Cf, r):
		case isApostropheVariant(r):
			b.WriteRune(Apostrophe)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// punctuation writes apostrophes and hyphens in their one form (NFKC may
// have made new ones from compatibility characters), folds white space and
// removes it around hyphens.
func punctuation(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	lastHyphen := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			if b.Len() > 0 && !lastHyphen {
				pendingSpace = true
			}
			continue
		case isHyphenVariant(r):
			pendingSpace = false
			b.WriteByte('-')
			lastHyphen = true
			continue
		case isApostropheVariant(r):
			r = Apostrophe
		case unicode.Is(unicode.Cf, r):
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
		lastHyphen = false
	}
	return b.String()
}

// latinToCyrillic maps the Latin letters that look like Cyrillic ones.
var latinToCyrillic = map[rune]rune{
	'a': 'а', 'c': 'с', 'e': 'е', 'i': 'і', 'o': 'о', 'p': 'р', 'x': 'х', 'y': 'у',
	'k': 'к', 'm': 'м', 't': 'т', 'h': 'н', 'b': 'ь', 'ï': 'ї', 'ë': 'ё',
	'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'I': 'І', 'K': 'К', 'M': 'М',
	'O': 'О', 'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У', 'Ï': 'Ї', 'Ë': 'Ё',
}

// cyrillicToLatin is the reverse of latinToCyrillic.
var cyrillicToLatin = func() map[rune]rune {
	m := make(map[rune]rune, len(latinToCyrillic))
	for l, c := range latinToCyrillic {
		m[c] = l
	}
	return m
}()

func isCyrillicLetter(r rune) bool {
	if r >= 0x400 && r <= 0x4FF {
		// All of the block but ҂ and the combining marks U+0483–U+0489.
		return r <= 0x481 || r >= 0x48A
	}
	return r >= utf8.RuneSelf && unicode.Is(unicode.Cyrillic, r) && unicode.IsLetter(r)
}

func isLatinLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.Is(unicode.Latin, r)
}

// fixLookalikes repairs look-alike letters word by word (words end at spaces
// and hyphens) and reports whether it changed anything.
func fixLookalikes(s string) (string, bool) {
	rs := []rune(s)
	changed := false
	start := 0 // rune index of the current word
	for i := 0; i <= len(rs); i++ {
		if i < len(rs) && rs[i] != ' ' && rs[i] != '-' {
			continue
		}
		word := rs[start:i]
		start = i + 1
		cyr, lat := 0, 0
		for _, r := range word {
			switch {
			case isCyrillicLetter(r):
				cyr++
			case isLatinLetter(r):
				lat++
			}
		}
		if cyr == 0 || lat == 0 || cyr == lat {
			continue
		}
		m := latinToCyrillic
		if lat > cyr {
			m = cyrillicToLatin
		}
		for j, r := range word {
			if to, ok := m[r]; ok {
				word[j] = to
				changed = true
			}
		}
	}
	if !changed {
		return s, false
	}
	return string(rs), true
}

// Fold is Normalize followed by Unicode case folding: the form in which two
// spellings that differ only in case, apostrophes, dashes, spacing or
// look-alike letters are equal.
func Fold(s string) string {
	n := Normalize(s)
	lowerOnly := true
	for _, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r == ' ', r == '-', r == Apostrophe:
		case r >= 0x430 && r <= 0x45F, r == 'ґ':
		case r >= 'A' && r <= 'Z', r >= 0x400 && r <= 0x42F, r == 'Ґ':
			lowerOnly = false
		default:
			return cases.Fold().String(n)
		}
	}
	if lowerOnly {
		return n
	}
	// Basic Latin and Cyrillic: folding is lower-casing.
	b := make([]byte, 0, len(n))
	for _, r := range n {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		} else {
			r = lower(r)
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// Tokens splits a name into its words, at white space and at hyphens and
// dashes: "Коваль-Шевченко" gives ["Коваль", "Шевченко"], "Анна Марія"
// ["Анна", "Марія"]. Empty words are left out. The words are substrings of s;
// pass a normalised name to get normalised words.
func Tokens(s string) []string {
	n := 0
	inWord := false
	for _, r := range s {
		sep := unicode.IsSpace(r) || isHyphenVariant(r)
		if !sep && !inWord {
			n++
		}
		inWord = !sep
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	start := -1
	for i, r := range s {
		sep := unicode.IsSpace(r) || isHyphenVariant(r)
		switch {
		case sep && start >= 0:
			out = append(out, s[start:i])
			start = -1
		case !sep && start < 0:
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
