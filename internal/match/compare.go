package match

import "github.com/reunite-ftr/reunite/internal/names"

// Field is one thing compared between two records.
type Field int

const (
	FieldGiven Field = iota
	FieldFamily
	FieldPatronymic
	FieldBirthDate
	FieldSex
	FieldPlace
	FieldMother
	FieldFather
	FieldSeparation
	FieldSiblings
	FieldCategory
	numFields
)

// missing is the level of a field that one of the records does not have:
// it counts neither for nor against the pair.
const missing = -1

// fieldSpec declares a field: its levels, most alike first, in words a case
// worker reads in an explanation, and how to find the level of a pair.
// Adding a field is adding a row here.
type fieldSpec struct {
	Name    string
	Label   string
	Levels  []string
	compare func(a, b *entity) int8
	// tf says which levels are agreement on a value whose frequency should
	// temper the weight (a common name agreeing counts for less).
	tf int8 // levels [0, tf) are term-frequency adjusted; 0 for none
}

var fields = [numFields]fieldSpec{
	FieldGiven: {"given_name", "Given name", []string{
		"the same name as written",
		"equivalent names (Ukrainian and Russian forms, or a diminutive)",
		"the same name in another script or transliteration",
		"very similar spelling, or one letter from an equivalent name",
		"similar spelling",
		"different names",
	}, compareGiven, 3},
	FieldFamily: {"family_name", "Family name", []string{
		"the same name as written",
		"the same name in another script, transliteration or gender form",
		"one slip of the pen apart (a letter left out, added or changed, or two swapped)",
		"very similar spelling",
		"different, but a parent's family name on the other record",
		"similar spelling",
		"different names",
	}, compareFamily, 2},
	FieldPatronymic: {"patronymic", "Patronymic", []string{
		"formed from the same father's name",
		"very similar spelling",
		"different",
	}, comparePatronymic, 1},
	FieldBirthDate: {"birth_date", "Date of birth", []string{
		"the same day",
		"day and month swapped",
		"the same day and month, another year",
		"within a month",
		"compatible (same year, or within the stated range)",
		"within two years",
		"conflicting",
	}, compareBirth, 0},
	FieldSex: {"sex", "Sex", []string{"the same", "different"}, compareSex, 0},
	FieldPlace: {"place", "Place of birth or home", []string{
		"the same settlement",
		"the same oblast (a settlement on one side only)",
		"different settlements in the same oblast",
		"different places",
	}, comparePlace, 1},
	FieldMother: {"mother", "Mother's name", []string{
		"the same given name and patronymic",
		"the same given name",
		"similar given name",
		"different",
	}, compareMother, 0},
	FieldFather: {"father", "Father's name", []string{
		"the same given name and patronymic",
		"the same given name",
		"similar given name",
		"different",
	}, compareFather, 0},
	FieldSeparation: {"separation_date", "Date of separation", []string{
		"the same day",
		"within a month",
		"compatible (within the stated month or year)",
		"later on the child's record, by up to six months (as when it was registered)",
		"within a year",
		"conflicting",
	}, compareSeparation, 0},
	FieldSiblings: {"siblings", "Siblings and other relatives", []string{
		"a sibling or other relative of the same name",
		"no name in common",
	}, compareSiblings, 0},
	FieldCategory: {"separation_category", "Circumstances of separation", []string{
		"the same",
		"different",
	}, compareCategory, 1},
}

// vector is the level of every field for one pair.
type vector [numFields]int8

func compareAll(a, b *entity) vector {
	var v vector
	for f := range fields {
		v[f] = fields[f].compare(a, b)
	}
	return v
}

func classesMeet(a, b []int32) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// bestForms is the most alike level over every pair of name forms that
// both have the part compared (a record may carry several: a birth name, a
// changed name, aliases), or missing if no pair has.
func bestForms(a, b *entity, has func(*nameForm) bool, level func(fa, fb *nameForm) int8) int8 {
	best := int8(missing)
	for i := range a.forms {
		fa := &a.forms[i]
		if !has(fa) {
			continue
		}
		for j := range b.forms {
			fb := &b.forms[j]
			if !has(fb) {
				continue
			}
			if l := level(fa, fb); best == missing || l < best {
				if l == 0 {
					return 0
				}
				best = l
			}
		}
	}
	return best
}

func hasGiven(f *nameForm) bool  { return f.givenKey != "" }
func hasFamily(f *nameForm) bool { return f.familyKey != "" }

func givenLevel(fa, fb *nameForm) int8 {
	switch {
	case fa.givenFold == fb.givenFold:
		return 0
	case classesMeet(fa.givenClasses, fb.givenClasses):
		return 1
	case fa.givenKeyH == fb.givenKeyH:
		return 2
	case classesMeet(fa.givenNear, fb.givenClasses), classesMeet(fa.givenClasses, fb.givenNear):
		return 3 // a slip of the pen in a known name: as good as very similar
	}
	return givenKeysLevel(fa.givenKey, fb.givenKey)
}

// givenKeysLevel is the level of two given names by their keys alone: a
// slip of the pen (oneSlip) is as good as a very similar spelling.
func givenKeysLevel(a, b string) int8 {
	if oneSlip(a, b) {
		return 3
	}
	return jwLevel(a, b, 3)
}

// Family name levels.
const (
	familySlip        = 2
	familyVerySimilar = 3
	familyParent      = 4
	familySimilar     = 5
	familyDifferent   = 6
)

func familyLevel(fa, fb *nameForm) int8 {
	switch {
	case fa.familyFold == fb.familyFold:
		return 0
	case fa.familyKeyH == fb.familyKeyH:
		return 1
	}
	return familyKeysLevel(fa.familyKey, fb.familyKey)
}

// familyKeysLevel is the level of two family names whose keys differ.
func familyKeysLevel(a, b string) int8 {
	if oneSlip(a, b) {
		return familySlip
	}
	switch s := jaroWinkler(a, b); {
	case s >= 0.92:
		return familyVerySimilar
	case s >= 0.80:
		return familySimilar
	}
	return familyDifferent
}

// oneSlip reports whether two cross-script keys are one slip of the pen
// apart: one sound left out, added or changed, or two neighbouring ones
// swapped. Keys write some single letters with two (ж ч ш as zh ch sh,
// я ю є ё as ia iu ie io), so a slip in Cyrillic can be two letters apart
// in the keys (Рябко, Рбко: riabko, rbko), and Jaro–Winkler, which weighs
// every letter alike and short names harshly, scores such pairs no better
// than two different names (Лях and Лх: 0.63; Rud and Rdu: 0.60). Each such
// pair is read as one sound first. A slip is far rarer between different
// names than Jaro–Winkler's "similar": measured at 30,000 hard records a
// side, 22 of 400,000 random pairs were a slip apart and "similar", against
// half of the true pairs that had fallen to "similar spelling".
func oneSlip(a, b string) bool {
	if a == b || len(a) > 40 || len(b) > 40 {
		return false
	}
	if d := len(a) - len(b); d > 4 || d < -4 {
		return false // even two-letter sounds cannot make up the difference
	}
	var ba, bb [40]byte
	ca, cb := sounds(ba[:0], a), sounds(bb[:0], b)
	return len(ca) >= 2 && len(cb) >= 2 && names.WithinOneEdit(ca, cb)
}

// sounds appends key with each two-letter spelling of one sound (zh ch sh,
// and i before a vowel: я ю є ё) written as one byte.
func sounds(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if i+1 < len(key) {
			switch n := key[i+1]; {
			case n == 'h' && (c == 'z' || c == 'c' || c == 's'):
				dst = append(dst, c-'a'+'A') // Z C S
				i++
				continue
			case c == 'i' && (n == 'a' || n == 'u' || n == 'e' || n == 'o'):
				dst = append(dst, n-'a'+'A'+1) // B V F P: not Z C S
				i++
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

func compareGiven(a, b *entity) int8 { return bestForms(a, b, hasGiven, givenLevel) }

// compareFamily compares the family names, and, when they differ, each
// side's family names with the other side's parents' (a child renamed in
// care keeps their mother's name on the record that names her).
func compareFamily(a, b *entity) int8 {
	l := bestForms(a, b, hasFamily, familyLevel)
	if l > familyParent && (parentFamily(a, b) || parentFamily(b, a)) {
		return familyParent
	}
	return l
}

// parentFamily reports whether one of a's family names is the family name
// of one of b's parents.
func parentFamily(a, b *entity) bool {
	for _, p := range [2]*relative{&b.mother, &b.father} {
		if p.familyKeyH == 0 {
			continue
		}
		for i := range a.forms {
			if a.forms[i].familyKeyH == p.familyKeyH {
				return true
			}
		}
	}
	return false
}

// jwLevel maps the Jaro–Winkler similarity of two keys to the levels
// first ("very similar", ≥ 0.92), first+1 ("similar", ≥ 0.80) or first+2.
func jwLevel(a, b string, first int8) int8 {
	s := jaroWinkler(a, b)
	switch {
	case s >= 0.92:
		return first
	case s >= 0.80:
		return first + 1
	}
	return first + 2
}

// comparePatronymic compares patronymics, or, for a record without one,
// the patronymic its father's name gives (patronymicClass alone).
func comparePatronymic(a, b *entity) int8 {
	aHas, bHas := a.patronymicKey != "", b.patronymicKey != ""
	switch {
	case !aHas && a.patronymicClass == 0, !bHas && b.patronymicClass == 0:
		return missing
	case !aHas && !bHas:
		// Both from fathers' names: the Father field compares those.
		return missing
	case a.patronymicClass != 0 && a.patronymicClass == b.patronymicClass:
		return 0
	case aHas && bHas && a.patronymicKeyH == b.patronymicKeyH:
		return 0
	case aHas && bHas && jaroWinkler(a.patronymicKey, b.patronymicKey) >= 0.88:
		return 1
	case aHas && bHas, a.patronymicClass != 0 && b.patronymicClass != 0:
		return 2
	}
	return missing // a patronymic the table does not know against a father's name
}

const (
	daysPerMonth = 31
	daysPer2Y    = 731
)

func compareBirth(a, b *entity) int8 { return birthLevel(&a.birthDate, &b.birthDate) }

func birthLevel(a, b *birthDate) int8 {
	if !a.birthKnown || !b.birthKnown {
		return missing
	}
	if a.birthDay && b.birthDay {
		switch {
		case a.birthLo == b.birthLo:
			return 0
		case a.by == b.by && a.bm == b.bd && a.bd == b.bm:
			return 1
		case a.bm == b.bm && a.bd == b.bd:
			return 2 // a wrong year, a common slip
		}
	}
	if swappedIntoMonth(a, b) || swappedIntoMonth(b, a) {
		return 1
	}
	// Distance between the two ranges of days the dates stand for.
	gap := int32(0)
	if a.birthHi < b.birthLo {
		gap = b.birthLo - a.birthHi
	} else if b.birthHi < a.birthLo {
		gap = a.birthLo - b.birthHi
	}
	switch {
	case gap <= daysPerMonth && a.birthHi-a.birthLo <= daysPerMonth && b.birthHi-b.birthLo <= daysPerMonth:
		return 3
	case gap == 0:
		return 4
	case gap <= daysPer2Y:
		return 5
	}
	return 6
}

// swappedIntoMonth reports whether a, known to the day, falls in the month
// b is known to only once a's day and month are swapped (10 March written
// as 3 October, then kept only as "October").
func swappedIntoMonth(a, b *birthDate) bool {
	return a.birthDay && b.birthMonth && !b.birthDay && a.bd <= 12 && a.bd != a.bm &&
		a.by == b.by && int8(a.bd) == b.bm
}

func compareSex(a, b *entity) int8 {
	if a.sex == 0 || b.sex == 0 {
		return missing
	}
	if a.sex == b.sex {
		return 0
	}
	return 1
}

// comparePlace compares the settlements (of birth and of home) and the
// oblast. Agreeing on the oblast when one side names no settlement is
// evidence for a pair; naming two different settlements of one oblast is
// not: the two cases are separate levels.
func comparePlace(a, b *entity) int8 {
	for _, x := range a.settlements {
		for _, y := range b.settlements {
			if x == y {
				return 0
			}
		}
	}
	both := len(a.settlements) > 0 && len(b.settlements) > 0
	if a.oblast != 0 && b.oblast != 0 {
		switch {
		case a.oblast != b.oblast:
			return 3
		case both:
			return 2
		}
		return 1
	}
	if both {
		return 3
	}
	return missing
}

func compareRelative(a, b relative) int8 {
	if !a.present() || !b.present() {
		return missing
	}
	sameGiven := a.givenKeyH == b.givenKeyH || classesMeet(a.givenClasses, b.givenClasses)
	samePatronymic := a.patronymicKeyH != 0 && b.patronymicKeyH != 0 &&
		(a.patronymicKeyH == b.patronymicKeyH || a.patronymicClass != 0 && a.patronymicClass == b.patronymicClass)
	switch {
	case sameGiven && samePatronymic:
		return 0
	case sameGiven:
		return 1
	case jaroWinkler(a.givenKey, b.givenKey) >= 0.88:
		return 2
	}
	return 3
}

// compareSeparation compares the dates the child was separated from the
// family: both sides usually know the month, and separations cluster in
// a few years, so agreeing to the month says a good deal.
func compareSeparation(a, b *entity) int8 {
	if !a.sepKnown || !b.sepKnown {
		return missing
	}
	return separationLevel(a.request && !b.request, a.sepDay, a.sepLo, a.sepHi, b.sepDay, b.sepLo, b.sepHi)
}

// separationLevel is the level of two known separation dates, each the
// range of days [lo, hi] and whether it is known to the day. With
// directed, a is a request's (the family's) and b a child record's.
//
// A family dates the separation by when they lost the child; the other
// side often knows only when it took the child in or registered them, so
// its date may be weeks or months later, and rarely earlier. "Later by up
// to six months" is therefore a level of its own, apart from "within a
// year" either way: for different children one date is as likely to be
// before the other as after it. Between two records of one side (Dedupe)
// neither date is the family's, and the level holds either way.
func separationLevel(directed, aDay bool, aLo, aHi int32, bDay bool, bLo, bHi int32) int8 {
	if aDay && bDay && aLo == bLo {
		return 0
	}
	gap := int32(0)
	if aHi < bLo {
		gap = bLo - aHi
	} else if bHi < aLo {
		gap = aLo - bHi
	}
	switch {
	case gap <= daysPerMonth && aHi-aLo <= daysPerMonth && bHi-bLo <= daysPerMonth:
		return 1
	case gap == 0:
		return 2
	case (aHi < bLo || !directed) && gap <= daysPer6M:
		return 3
	case gap <= 366:
		return 4
	}
	return 5
}

const daysPer6M = 183

// compareCategory compares why the child and family are apart (fighting
// at the front line, a border between them, an evacuated institution):
// both sides say so, and agreeing on a rare circumstance says more than
// on a common one (term frequencies).
func compareCategory(a, b *entity) int8 {
	if a.category == 0 || b.category == 0 {
		return missing
	}
	if a.category == b.category {
		return 0
	}
	return 1
}

// compareSiblings compares the given names of the relatives other than
// the parents each side lists (siblings; on a family's request also
// grandparents, aunts and uncles), by class, so that a sibling's Ukrainian
// and Russian names meet. The interchange format keeps only mothers and
// fathers apart and reads every other relative back as "other", so the
// relation itself is not compared.
func compareSiblings(a, b *entity) int8 {
	if len(a.siblings) == 0 || len(b.siblings) == 0 {
		return missing
	}
	for _, x := range a.siblings {
		for _, y := range b.siblings {
			if x == y {
				return 0
			}
		}
	}
	return 1
}

func compareMother(a, b *entity) int8 { return compareRelative(a.mother, b.mother) }
func compareFather(a, b *entity) int8 { return compareRelative(a.father, b.father) }

// jaroWinkler returns the Jaro–Winkler similarity of two byte strings (the
// cross-script keys are ASCII). It is written here rather than taken from a
// string-metrics library because it runs on hundreds of millions of pairs:
// this one works on bytes and allocates nothing for keys up to 64 bytes.
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	window := lb/2 - 1
	if window < 0 {
		window = 0
	}
	var bufA, bufB [64]bool
	var ma, mb []bool
	if lb <= 64 {
		ma, mb = bufA[:la], bufB[:lb]
	} else {
		ma, mb = make([]bool, la), make([]bool, lb)
	}
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if a[i] != b[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < 4 && prefix < la && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
