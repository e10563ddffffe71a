package names

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Key returns the cross-script comparison key of a name: lower-case ASCII
// letters, with one space between the words of a name of several words (a
// hyphen separates words too). The spellings of one name in Cyrillic and in
// any of the Latin systems of this package, and its common informal Latin
// spellings, have the same key; different names, as far as possible, do not.
// Key(Key(s)) == Key(s).
//
// Key works in three steps.
//
// 1. Letters. Look-alike letters of the other script are repaired word by
// word as Normalize does. Cyrillic is written in Latin by one fixed scheme
// (ICAO-like: г ґ → g, х → kh, и і ї й ы → i, е ё э → e, є → ie, ю → iu,
// я → ia, ж → zh, ц → ts, ч → ch, ш → sh, щ → shch, ь ъ and apostrophes
// dropped). Latin letters with diacritics lose them (ž š č become zh sh ch).
// Apostrophes, combining marks and invisible format characters are skipped;
// everything else that is not a letter (spaces, hyphens, dots, digits)
// separates words.
//
// 2. Sounds. The Latin text is read as sounds, longest spelling first:
//
//	shch sch sh         → ш (щ is not told from ш: Shcherbak = Sherbak = Scherbak)
//	tsch ch             → ч
//	zh                  → ж
//	ts tc tz c          → ц (but tch is т + ч)
//	h kh gh g           → г (Ukrainian h, Russian g and kh are one letter)
//	ph                  → f
//	x                   → ks
//	w                   → v
//	q                   → k
//	y j                 → i
//
// 3. Rules, on the sounds of each word in this order:
//
//	a t before ц is dropped (тц = ц), and с or ш before ч is ш, as the
//	  spellings "tc" and "sch" are read;
//	doubled letters become one (Анна = Ana, Yuliia = Yulia);
//	i before e is dropped (ye ie je є = e: Yelena = Elena, Lebediev = Lebedev);
//	after a consonant, i before u is dropped (Lyudmila = Ludmila) and i
//	  before o is dropped with the o read as e (Semyon = Semen, Pyotr = Petr);
//	  at the start of a word or after a vowel they stay (Юля ≠ Уля);
//	i before a is kept (ia, ya, ja, я = ia, so Yana ≠ Anna);
//	doubled letters again;
//	a final e between a consonant other than r and a final r is dropped
//	  (Oleksander = Oleksandr, Peter = Petr) in words of four sounds or more.
//
// The sounds are written as single letters except ж ч ш, written zh ch sh.
// No rule can make its own output read differently, so Key is idempotent.
//
// Known, accepted collisions: щ and ш; г, ґ and х (Хома and Гома); и, і, ї
// and й; the Ukrainian and Russian spellings of є and е after a consonant
// (Лебедєв = Лебедев); ія, ия, ья and я after a consonant (Наталія =
// Наталья = Наталя, Дарія = Дарья); ьо and о (Тьома = Тома); тс and ц.
// Measured on the 321 surnames of the synthetic generator, no two distinct
// ones share a key, nor a FamilyKey (see TestKeySurnameCollisions). Forms that differ in their letters, not only their
// spelling, keep different keys: Сергій (serhi → sergi) and Сергей (sergei),
// Олександр and Александр; GivenClasses relates those.
func Key(s string) string {
	var buf [64]byte
	return string(appendKey(buf[:0], s))
}

// appendKey appends the key of s to dst.
func appendKey(dst []byte, s string) []byte {
	if needsNFKC(s) {
		// As Normalize does, so that Key(Normalize(s)) == Key(s).
		s = norm.NFKC.String(prepare(s))
	}
	var ibuf [128]byte
	inter := appendLatin(ibuf[:0], s)
	start := len(dst)
	for i := 0; i < len(inter); {
		j := i
		for j < len(inter) && inter[j] != ' ' {
			j++
		}
		if j > i {
			n0 := len(dst)
			if n0 > start {
				dst = append(dst, ' ')
			}
			n1 := len(dst)
			dst = appendKeyWord(dst, inter[i:j])
			if len(dst) == n1 {
				dst = dst[:n0]
			}
		}
		i = j + 1
	}
	return dst
}

// nfkcStable marks the runes U+0080–U+02FF that NFKC leaves alone.
var nfkcStable = func() (t [0x300 - 0x80]bool) {
	for r := rune(0x80); r < 0x300; r++ {
		t[r-0x80] = norm.NFKC.String(string(r)) == string(r) && !unicode.Is(unicode.Cf, r)
	}
	return t
}()

// needsNFKC reports whether s holds anything beyond what appendLatin reads
// directly: ASCII, NFKC-stable characters below U+0300, Cyrillic
// U+0400–U+04FF and the usual apostrophes and dashes.
func needsNFKC(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		r, size := decodeRune(s, i)
		switch {
		case r == utf8.RuneError && size == 1:
		case r < 0x300:
			if !nfkcStable[r-0x80] {
				return true
			}
		case r >= 0x400 && r <= 0x4FF:
		case isApostropheVariant(r), isHyphenVariant(r):
		default:
			return true
		}
		i += size - 1
	}
	return false
}

// decodeRune is utf8.DecodeRuneInString(s[i:]) with the ASCII and two-byte
// cases (Latin and Cyrillic letters) done inline.
func decodeRune(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	if c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
		return rune(c&0x1F)<<6 | rune(s[i+1]&0x3F), 2
	}
	return utf8.DecodeRuneInString(s[i:])
}

// isWordBreak reports whether r ends a word for the look-alike repair, as
// in Normalize: white space and hyphens.
func isWordBreak(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return r == ' ' || r == '-' || r >= '\t' && r <= '\r'
	case r >= 0x400 && r <= 0x4FF:
		return false
	}
	return unicode.IsSpace(r) || isHyphenVariant(r)
}

// appendLatin writes s as lower-case ASCII letters, words separated by one
// space (step 1 of Key).
func appendLatin(dst []byte, s string) []byte {
	type classified struct {
		r    rune
		kind int
	}
	var sbuf [32]classified
	for i := 0; i < len(s); {
		// The span up to the next white space or hyphen decides which way
		// look-alike letters are repaired.
		span := sbuf[:0]
		j := i
		cyr, lat := 0, 0
		for j < len(s) {
			r, size := decodeRune(s, j)
			if isWordBreak(r) {
				break
			}
			kind := classify(r)
			switch kind {
			case kindLatin:
				lat++
			case kindCyrillic:
				cyr++
			}
			span = append(span, classified{r, kind})
			j += size
		}
		fix := 0 // 1: Latin look-alikes to Cyrillic, 2: the reverse
		if cyr > 0 && lat > 0 && cyr != lat {
			fix = 1
			if lat > cyr {
				fix = 2
			}
		}
		for _, x := range span {
			r := x.r
			switch x.kind {
			case kindSep:
				if len(dst) > 0 && dst[len(dst)-1] != ' ' {
					dst = append(dst, ' ')
				}
				continue
			case kindOther:
				continue
			}
			switch fix {
			case 1:
				if to, ok := latinToCyrillic[r]; ok {
					r = to
				}
			case 2:
				if to, ok := cyrillicToLatin[r]; ok {
					r = to
				}
			}
			dst = appendLetter(dst, r)
		}
		if j < len(s) {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
			if len(dst) > 0 && dst[len(dst)-1] != ' ' {
				dst = append(dst, ' ')
			}
		}
		i = j
	}
	for len(dst) > 0 && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

const (
	kindSep      = iota
	kindLatin    // a Latin letter
	kindCyrillic // a Cyrillic letter
	kindOther    // a letter of another script, a mark, an apostrophe or a format character: inside the word, not written
)

func classify(r rune) int {
	switch {
	case r < utf8.RuneSelf:
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return kindLatin
		}
		if r == '\'' || r == '`' {
			return kindOther
		}
		return kindSep
	case r >= 0x400 && r <= 0x4FF:
		switch {
		case isCyrillicLetter(r):
			return kindCyrillic
		case r == 0x482:
			return kindSep
		}
		return kindOther
	case isApostropheVariant(r):
		return kindOther
	case unicode.IsLetter(r):
		if isCyrillicLetter(r) {
			return kindCyrillic
		}
		if unicode.Is(unicode.Latin, r) {
			return kindLatin
		}
		return kindOther
	case unicode.IsMark(r), unicode.Is(unicode.Cf, r):
		return kindOther
	}
	return kindSep
}

// cyrKey is the fixed scheme of Key for the letters а…я, ѐ…џ and ґ, by slot
// (see slotOf).
var cyrKey = func() (t [nSlots]string) {
	for r, l := range map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'е': "e",
		'є': "ie", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i", 'і': "i", 'ї': "i",
		'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p",
		'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
		'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e",
		'ю': "iu", 'я': "ia",
		// Letters of the other Cyrillic alphabets that turn up in names.
		'ѐ': "e", 'ђ': "d", 'ѓ': "g", 'ѕ': "dz", 'ј': "j", 'љ': "l", 'њ': "n",
		'ћ': "c", 'ќ': "k", 'ѝ': "i", 'ў': "u", 'џ': "dzh",
	} {
		t[slotOf(r)] = l
	}
	return t
}()

// latinBase is the ASCII spelling of the Latin letters U+00C0–U+024F.
var latinBase = func() (t [0x250 - 0xC0]string) {
	for r := rune(0xC0); r < 0x250; r++ {
		if !unicode.IsLetter(r) {
			continue
		}
		d := norm.NFD.String(string(unicode.ToLower(r)))
		if c := d[0]; c >= 'a' && c <= 'z' {
			t[r-0xC0] = string(c)
		}
	}
	for r, s := range map[rune]string{
		'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d",
		'þ': "th", 'ı': "i", 'ŋ': "n", 'ž': "zh", 'š': "sh", 'č': "ch", 'ć': "ch",
		'ż': "zh", 'ř': "rzh", 'ĳ': "ij", 'ŀ': "l",
	} {
		t[r-0xC0] = s
		if u := unicode.ToUpper(r); u != r && u >= 0xC0 && u < 0x250 {
			t[u-0xC0] = s
		}
	}
	return t
}()

// appendLetter writes one letter of a word (step 1 of Key).
func appendLetter(dst []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z':
			return append(dst, byte(r))
		case 'A' <= r && r <= 'Z':
			return append(dst, byte(r)+'a'-'A')
		}
		return dst
	case r >= 0x400 && r <= 0x45F, r == 'Ґ', r == 'ґ':
		return append(dst, cyrKey[slotOf(lower(r))]...)
	case r >= 0xC0 && r < 0x250:
		return append(dst, latinBase[r-0xC0]...)
	case r >= 0x460 && r <= 0x4FF:
		switch unicode.ToLower(r) {
		case 'ѣ':
			return append(dst, 'e')
		case 'ѳ':
			return append(dst, 'f')
		case 'ѵ':
			return append(dst, 'i')
		case 'ӏ':
			return dst
		}
		if r >= 0x48A {
			// Letters with descenders, hooks, breves and the like: read the
			// base letter when it is one of the basic block.
			d := norm.NFD.String(string(unicode.ToLower(r)))
			b, _ := utf8.DecodeRuneInString(d)
			if b >= 0x430 && b <= 0x45F {
				return append(dst, cyrKey[slotOf(b)]...)
			}
		}
	case unicode.Is(unicode.Latin, r):
		// Latin Extended Additional and the like (only reached after NFKC).
		d := norm.NFD.String(string(unicode.ToLower(r)))
		if c := d[0]; c >= 'a' && c <= 'z' {
			return append(dst, c)
		}
	}
	return dst
}

// Sound codes of Key: a…z stand for themselves (after the spelling rules),
// and three letters written with two.
const (
	codeZh = 'Z' // ж
	codeCh = 'C' // ч
	codeSh = 'S' // ш and щ
)

func isVowelCode(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

func hasPrefix(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b[i] != p[i] {
			return false
		}
	}
	return true
}

// appendKeyWord appends the key of one word of lower-case ASCII letters
// (steps 2 and 3 of Key).
func appendKeyWord(dst []byte, w []byte) []byte {
	var cbuf [64]byte
	codes := cbuf[:0]
	// Step 2, with the first rules folded in: t before ц dropped, doubled
	// letters removed.
	push := func(c byte) {
		n := len(codes)
		if n > 0 {
			// Pairs whose written form would read as one letter: тц and тс
			// are ц, сч and шч are ш (as "ts", "tc" and "sch" are read).
			switch last := codes[n-1]; {
			case last == 't' && (c == 'c' || c == 's' || c == 'z'):
				codes = codes[:n-1]
				n--
				c = 'c'
			case (last == 's' || last == codeSh) && c == codeCh:
				codes = codes[:n-1]
				n--
				c = codeSh
			}
		}
		if n > 0 && codes[n-1] == c {
			return
		}
		codes = append(codes, c)
	}
	for p := 0; p < len(w); {
		rest := w[p:]
		switch w[p] {
		case 's':
			switch {
			case hasPrefix(rest, "shch"):
				push(codeSh)
				p += 4
			case hasPrefix(rest, "sch"):
				push(codeSh)
				p += 3
			case hasPrefix(rest, "sh"):
				push(codeSh)
				p += 2
			default:
				push('s')
				p++
			}
		case 't':
			switch {
			case hasPrefix(rest, "tsch"):
				push(codeCh)
				p += 4
			case hasPrefix(rest, "ts"), hasPrefix(rest, "tz"),
				hasPrefix(rest, "tc") && !hasPrefix(rest, "tch"): // tch is т + ч
				push('c')
				p += 2
			default:
				push('t')
				p++
			}
		case 'c':
			if hasPrefix(rest, "ch") {
				push(codeCh)
				p += 2
			} else {
				push('c')
				p++
			}
		case 'z':
			if hasPrefix(rest, "zh") {
				push(codeZh)
				p += 2
			} else {
				push('z')
				p++
			}
		case 'k':
			if hasPrefix(rest, "kh") {
				push('g')
				p += 2
			} else {
				push('k')
				p++
			}
		case 'g':
			push('g')
			p++
			if hasPrefix(rest, "gh") {
				p++
			}
		case 'p':
			if hasPrefix(rest, "ph") {
				push('f')
				p += 2
			} else {
				push('p')
				p++
			}
		case 'h':
			push('g')
			p++
		case 'x':
			push('k')
			push('s')
			p++
		case 'w':
			push('v')
			p++
		case 'q':
			push('k')
			p++
		case 'y', 'j':
			push('i')
			p++
		default:
			push(w[p])
			p++
		}
	}

	// Step 3: glides, then doubled letters again, in one pass.
	out := codes[:0] // shrinks behind the reader
	for j := 0; j < len(codes); j++ {
		c := codes[j]
		if c == 'i' && j+1 < len(codes) {
			next := codes[j+1]
			afterConsonant := len(out) > 0 && !isVowelCode(out[len(out)-1])
			switch {
			case next == 'e':
				continue
			case next == 'u' && afterConsonant:
				continue
			case next == 'o' && afterConsonant:
				codes[j+1] = 'e'
				continue
			}
		}
		if len(out) > 0 && out[len(out)-1] == c {
			continue
		}
		out = append(out, c)
	}
	// Final -er after a consonant.
	if n := len(out); n >= 4 && out[n-1] == 'r' && out[n-2] == 'e' && !isVowelCode(out[n-3]) && out[n-3] != 'r' {
		out[n-2] = 'r'
		out = out[:n-1]
	}

	for _, c := range out {
		switch c {
		case codeZh:
			dst = append(dst, 'z', 'h')
		case codeCh:
			dst = append(dst, 'c', 'h')
		case codeSh:
			dst = append(dst, 's', 'h')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// FamilyKey is Key with the endings that mark a family name's gender reduced
// to one form, word by word, so that the surnames of one family compare
// equal:
//
//	-ська -ская -ський -ский -skyi -sky -skaya -ska      → one form
//	-ова -ов -ova -ov, -ева -єва -ев -eva -ev            → -ov, -ev
//	-іна -ина -ін -ин -ina -in                           → -in
//	-а -ая -ий -ый -ой of other adjectival surnames      → one form
//	  (Заболотна = Заболотний = Заболотная = Заболотный, Мостова = Мостовий)
//
// -енко, -ук, -ко and most nouns do not change with gender and are left as
// they are. Invariant surnames ending in -а (Сорока, Шульга) get the same
// reduced form for both sexes, so they still compare equal to themselves.
// Only words of five letters or more (four for -а and -ой) are reduced.
func FamilyKey(s string) string {
	var buf [64]byte
	k := appendKey(buf[:0], s)
	var out [64]byte
	o := out[:0]
	for i := 0; i < len(k); {
		j := i
		for j < len(k) && k[j] != ' ' {
			j++
		}
		if len(o) > 0 {
			o = append(o, ' ')
		}
		o = append(o, reduceGender(k[i:j])...)
		i = j + 1
	}
	return string(o)
}

// reduceGender reduces one word of a key (it may shorten w in place).
func reduceGender(w []byte) []byte {
	n := len(w)
	ends := func(suf string) bool { return n >= len(suf) && string(w[n-len(suf):]) == suf }
	isCons := func(c byte) bool { return c >= 'a' && c <= 'z' && !isVowelCode(c) }
	switch {
	case n >= 5 && ends("aia"):
		// Russian feminine adjective: Ковальская, Белая, Бережная.
		w = append(w[:n-3], 'i')
	case n >= 5 && (ends("ova") || ends("eva") || ends("ina")):
		// Possessive feminine: Петрова, Васильєва, Ільїна.
		w = w[:n-1]
	case n >= 4 && ends("oi") && isCons(w[n-3]):
		// Russian masculine -ой: Бережной, Мостовой.
		w = append(w[:n-2], 'i')
	case n >= 4 && w[n-1] == 'a' && isCons(w[n-2]):
		// Ukrainian feminine adjective: Ковальська, Заболотна, Біла.
		w[n-1] = 'i'
	}
	// Masculine adjectives in -овий/-евий fall together with the possessive
	// stem: Мостовий = Мостова.
	if n := len(w); n >= 5 && w[n-1] == 'i' && (w[n-3] == 'o' || w[n-3] == 'e') && w[n-2] == 'v' {
		w = w[:n-1]
	}
	return w
}
