package match

import (
	"math"
	"math/bits"
	"slices"
	"unsafe"
)

// Pre-screening: at a million records a request has some 300 candidates and
// nearly all of them are rejected, but only once most fields are scored.
// Scoring reads the child's entity, its name forms, places and relatives,
// which live apart in memory: a pair cost about a microsecond, nearly all of
// it cache misses. A screen is a child's record reduced to one cache line
// (64 bytes), kept in an array beside the entities. From it the pre-screen
// finds, field by field, either the level scoring would find or the levels
// it might find, and adds up the most each field could weigh. A candidate
// whose best possible weight is below the reporting threshold is skipped
// without reading its entity; scoring would have dropped it anyway. The rest
// are scored as before, so the pairs reported are exactly the same.
//
// Values the screen cannot hold in full are kept as short hashes (tr8,
// tr16): equal hashes say "may be equal", different ones "differ". The
// cross-script keys of given and family names are kept as ids into the
// index's table of keys, so that Jaro–Winkler can be computed on them
// from a small table that stays in cache rather than from the entity.

// screen is a child's record reduced to what the pre-screen reads. It is
// 64 bytes (TestScreenSize).
type screen struct {
	birth birthDate // 16 bytes: compared exactly

	sepLo    int32  // separation date: first day
	sepW     uint16 // and its width in days (flag scrSepWide if it does not fit)
	flags    uint16
	sex      uint8
	count    uint8    // settlements (bits 0–1), siblings (bits 2–3: 3 is three or more), scrCountRequest
	siblings [2]uint8 // tr8 of the first siblings' tokens

	givenKey   uint32 // id of the given name's key in the index's key table (0: no given name)
	familyKey  uint32 // the same for the family name
	givenFold  uint16 // tr16 of the case-folded given name
	givenClass uint16 // tr16 of the first class of the given name (0: no class)
	familyFold uint16
	// tr8 of the parents' family names' keys (parentFamily)
	motherFamily, fatherFamily uint8

	patClass, patKey uint8 // tr8 of the patronymic's class and key

	settlements [3]uint16 // tr16 of the places' skeletons
	oblast      uint16

	mother, father screenRelative // 4 bytes each
}

// screenRelative is a relative's name reduced to short hashes.
type screenRelative struct {
	given, class, pat, patClass uint8 // given 0: no relative
}

const (
	scrDead            uint16 = 1 << iota // removed from the index
	scrSepKnown                           // a separation date
	scrSepDay                             // known to the day
	scrSepWide                            // too wide a range for sepW: not screened
	scrGivenAny                           // name forms with different given names: given name not screened
	scrFamilyAny                          // name forms with different family names: family name not screened
	scrGivenFolds                         // name forms with the given name written differently
	scrFamilyFolds                        // name forms with the family name written differently
	scrGivenManyClass                     // the given name has more classes than the first
	scrGivenNear                          // the given name has near classes (givenNear)
	scrPatKey                             // a patronymic as written (not only from the father's name)
	scrMotherManyClass                    // the mother's given name has more than one class
	scrFatherManyClass
)

// The separation category (entity.category, up to 7) is kept in the
// flags' top three bits.
const scrCategoryShift = 13

// scrCountRequest is the bit of screen.count set for a request.
const scrCountRequest = 1 << 4

// tr16 and tr8 are short hashes of a nonzero value, never 0; 0 stays 0.
func tr16(x uint64) uint16 {
	if x == 0 {
		return 0
	}
	v := uint16((x * 0x9E3779B97F4A7C15) >> 48)
	if v == 0 {
		v = 1
	}
	return v
}

func tr8(x uint64) uint8 {
	if x == 0 {
		return 0
	}
	v := uint8((x * 0x9E3779B97F4A7C15) >> 56)
	if v == 0 {
		v = 1
	}
	return v
}

func firstClass(c []int32) int32 {
	if len(c) == 0 {
		return 0
	}
	return c[0]
}

// keyTable interns cross-script keys: each distinct key hash gets an id,
// and the key's bytes are kept in one array. Id 0 is no key.
type keyTable struct {
	ids   map[uint64]uint32
	offs  []uint32 // key id's bytes are bytes[offs[id]:offs[id+1]]
	bytes []byte
}

func newKeyTable() keyTable {
	return keyTable{ids: map[uint64]uint32{}, offs: []uint32{0, 0}}
}

func (t *keyTable) intern(h uint64, key string) uint32 {
	if key == "" {
		return 0
	}
	if id, ok := t.ids[h]; ok {
		return id
	}
	id := uint32(len(t.offs) - 1)
	t.ids[h] = id
	t.bytes = append(t.bytes, key...)
	t.offs = append(t.offs, uint32(len(t.bytes)))
	return id
}

// lookup returns the id of key hash h, or 0 if no record has it.
func (t *keyTable) lookup(h uint64) uint32 {
	if h == 0 {
		return 0
	}
	return t.ids[h]
}

// key returns the key of id as a string sharing the table's memory.
func (t *keyTable) key(id uint32) string {
	b := t.bytes[t.offs[id]:t.offs[id+1]]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// makeScreen reduces e to its screen, interning its name keys in keys.
func makeScreen(e *entity, keys *keyTable) screen {
	s := screen{birth: e.birthDate, sex: e.sex, flags: uint16(e.category&7) << scrCategoryShift}
	if e.dead {
		s.flags |= scrDead
	}
	if e.sepKnown {
		s.flags |= scrSepKnown
		if e.sepDay {
			s.flags |= scrSepDay
		}
		s.sepLo = e.sepLo
		if w := int64(e.sepHi) - int64(e.sepLo); w >= 0 && w <= math.MaxUint16 {
			s.sepW = uint16(w)
		} else {
			s.flags |= scrSepWide
		}
	}
	// A record with several name forms is screened on their given (family)
	// name if all forms that have one agree on everything but how it is
	// written (Олександр, Oleksandr): then any form stands for all, and
	// any may be written as the other record writes it.
	var given, family *nameForm
	for i := range e.forms {
		f := &e.forms[i]
		if f.givenKey != "" {
			switch {
			case given == nil:
				given = f
			case f.givenKeyH != given.givenKeyH || !slices.Equal(f.givenClasses, given.givenClasses) || !slices.Equal(f.givenNear, given.givenNear):
				s.flags |= scrGivenAny
			case f.givenFold != given.givenFold:
				s.flags |= scrGivenFolds
			}
		}
		if f.familyKey != "" {
			switch {
			case family == nil:
				family = f
			case f.familyKeyH != family.familyKeyH:
				s.flags |= scrFamilyAny
			case f.familyFold != family.familyFold:
				s.flags |= scrFamilyFolds
			}
		}
	}
	if f := given; f != nil {
		s.givenKey = keys.intern(f.givenKeyH, f.givenKey)
		s.givenFold = tr16(f.givenFold)
		s.givenClass = tr16(uint64(firstClass(f.givenClasses)))
		if len(f.givenClasses) > 1 {
			s.flags |= scrGivenManyClass
		}
		if len(f.givenNear) > 0 {
			s.flags |= scrGivenNear
		}
	}
	if f := family; f != nil {
		s.familyKey = keys.intern(f.familyKeyH, f.familyKey)
		s.familyFold = tr16(f.familyFold)
	}
	s.motherFamily, s.fatherFamily = tr8(e.mother.familyKeyH), tr8(e.father.familyKeyH)
	s.patClass, s.patKey = tr8(uint64(e.patronymicClass)), tr8(e.patronymicKeyH)
	if e.patronymicKey != "" {
		s.flags |= scrPatKey
	}
	n := min(len(e.settlements), 3)
	for i := range n {
		s.settlements[i] = tr16(e.settlements[i])
	}
	s.oblast = tr16(e.oblast)
	s.mother, s.father = screenRel(&e.mother), screenRel(&e.father)
	if len(e.mother.givenClasses) > 1 {
		s.flags |= scrMotherManyClass
	}
	if len(e.father.givenClasses) > 1 {
		s.flags |= scrFatherManyClass
	}
	nsib := min(len(e.siblings), 3)
	for i := range min(nsib, 2) {
		s.siblings[i] = tr8(e.siblings[i])
	}
	s.count = uint8(n) | uint8(nsib)<<2
	if e.request {
		s.count |= scrCountRequest
	}
	return s
}

func screenRel(r *relative) screenRelative {
	if !r.present() {
		return screenRelative{}
	}
	s := screenRelative{
		given:    tr8(r.givenKeyH),
		class:    tr8(uint64(firstClass(r.givenClasses))),
		pat:      tr8(r.patronymicKeyH),
		patClass: tr8(uint64(r.patronymicClass)),
	}
	return s
}

// levels is a set of levels a field may have for a pair; bit 7 stands for
// missing.
type levels uint8

const levelMissing levels = 1 << 7

func lv(l int8) levels {
	if l == missing {
		return levelMissing
	}
	return 1 << l
}

// probeForm is a request's name form, as the pre-screen compares it.
type probeForm struct {
	f                     *nameForm
	givenID, familyID     uint32 // the keys' ids in the index's key table (0: no child has it)
	givenFold, familyFold uint16
	familyKey8            uint8 // tr8 of the family key hash (parentFamily)
	hasGiven, hasFamily   bool
	classes, near         classSet // tr16 of the given name's classes and near classes
}

// classSet is the tr16 of a few classes; more than fit meet any class.
type classSet struct {
	n   int8 // -1: too many to hold
	c16 [6]uint16
}

func makeClassSet(cs []int32) classSet {
	var s classSet
	if len(cs) > len(s.c16) {
		s.n = -1
		return s
	}
	for i, c := range cs {
		s.c16[i] = tr16(uint64(c))
	}
	s.n = int8(len(cs))
	return s
}

// meets reports whether one of the set's classes may be the class whose
// tr16 is c (0: none), which is the first of several if many.
func (s *classSet) meets(c uint16, many bool) bool {
	if c == 0 || s.n == 0 {
		return false
	}
	if many || s.n < 0 {
		return true
	}
	for _, x := range s.c16[:s.n] {
		if x == c {
			return true
		}
	}
	return false
}

// probe is a request prepared for pre-screening its candidates: what it
// compares, reduced as the screens are, and its weight at every level.
type probe struct {
	ok     bool // false: do not pre-screen (too many name forms)
	a      *entity
	keys   *keyTable
	forms  [4]probeForm
	nforms int
	// ids of the parents' family names in the key table, for parentFamily(b, a)
	motherFamilyID, fatherFamilyID uint32
	patClass, patKey               uint8
	mother, father                 probeRelative
	settlements                    [8]uint16
	nsettle                        int
	oblast                         uint16
	sibs                           [8]uint8
	nsib                           int
	top                            float64               // the prior and every field's most: the most any pair can score
	w                              [numFields][8]float64 // weight at each level; [7] is missing (0)
	fieldMax                       [numFields]float64    // the most each field adds: bounds.field, or 0 for a field the request lacks
}

func (ix *Index) probe(md *Model, a *entity, b *fieldBounds) probe {
	p := probe{a: a, keys: &ix.keys, ok: len(a.forms) <= 4 && len(a.settlements) <= 8 && len(a.siblings) <= 8}
	if !p.ok {
		return p
	}
	for i := range a.forms {
		f := &a.forms[i]
		p.forms[i] = probeForm{
			f:          f,
			hasGiven:   f.givenKey != "",
			hasFamily:  f.familyKey != "",
			givenID:    ix.keys.lookup(f.givenKeyH),
			familyID:   ix.keys.lookup(f.familyKeyH),
			givenFold:  tr16(f.givenFold),
			familyFold: tr16(f.familyFold),
			familyKey8: tr8(f.familyKeyH),
			classes:    makeClassSet(f.givenClasses),
			near:       makeClassSet(f.givenNear),
		}
	}
	p.nforms = len(a.forms)
	p.motherFamilyID = ix.keys.lookup(a.mother.familyKeyH)
	p.fatherFamilyID = ix.keys.lookup(a.father.familyKeyH)
	p.patClass, p.patKey = tr8(uint64(a.patronymicClass)), tr8(a.patronymicKeyH)
	p.mother, p.father = makeProbeRelative(&a.mother), makeProbeRelative(&a.father)
	for i, x := range a.settlements {
		p.settlements[i] = tr16(x)
	}
	p.nsettle = len(a.settlements)
	p.oblast = tr16(a.oblast)
	for i, x := range a.siblings {
		p.sibs[i] = tr8(x)
	}
	p.nsib = len(a.siblings)
	for f := range numFields {
		for l := range len(md.weights[f]) {
			p.w[f][l] = md.weight(Field(f), int8(l), a)
		}
		p.fieldMax[f] = b.field[f]
	}
	// A field the request does not have adds nothing to any pair.
	given, family := false, false
	for i := range a.forms {
		given = given || hasGiven(&a.forms[i])
		family = family || hasFamily(&a.forms[i])
	}
	for f, lacks := range [numFields]bool{
		FieldGiven:      !given,
		FieldFamily:     !family,
		FieldPatronymic: a.patronymicKey == "" && a.patronymicClass == 0,
		FieldBirthDate:  !a.birthKnown,
		FieldSex:        a.sex == 0,
		FieldPlace:      len(a.settlements) == 0 && a.oblast == 0,
		FieldMother:     !a.mother.present(),
		FieldFather:     !a.father.present(),
		FieldSeparation: !a.sepKnown,
		FieldSiblings:   len(a.siblings) == 0,
		FieldCategory:   a.category == 0,
	} {
		if lacks {
			p.fieldMax[f] = 0
		}
	}
	p.top = md.prior
	for _, w := range p.fieldMax {
		p.top += w
	}
	return p
}

// max is the most field f weighs at any of the levels ls (not empty).
func (p *probe) max(f Field, ls levels) float64 {
	w := p.w[f][bits.TrailingZeros8(uint8(ls))]
	for ls &= ls - 1; ls != 0; ls &= ls - 1 {
		if x := p.w[f][bits.TrailingZeros8(uint8(ls))]; x > w {
			w = x
		}
	}
	return w
}

// given returns the levels compareGiven may give (b has at most one form).
// With jw, Jaro–Winkler is computed on the keys; without, its levels are
// all possible.
func (p *probe) given(b *screen, jw bool) levels {
	if b.givenKey == 0 {
		return levelMissing
	}
	var ls levels
	for i := range p.nforms {
		fa := &p.forms[i]
		if !fa.hasGiven {
			continue
		}
		if fa.givenFold == b.givenFold || b.flags&scrGivenFolds != 0 {
			ls |= lv(0)
		}
		many := b.flags&scrGivenManyClass != 0
		if fa.classes.meets(b.givenClass, many) {
			ls |= lv(1)
		}
		if fa.givenID == b.givenKey {
			ls |= lv(2) // the same key: level 2 at worst
			continue
		}
		if fa.near.meets(b.givenClass, many) || fa.classes.n != 0 && b.flags&scrGivenNear != 0 {
			ls |= lv(3)
		}
		if jw {
			ls |= lv(givenKeysLevel(fa.f.givenKey, p.keys.key(b.givenKey)))
		} else {
			ls |= lv(3) | lv(4) | lv(5)
		}
	}
	if ls == 0 {
		return levelMissing // no form of a has a given name
	}
	return ls
}

// family returns the levels compareFamily may give (b has at most one form).
func (p *probe) family(b *screen, jw bool) levels {
	if b.familyKey == 0 {
		return levelMissing
	}
	var ls levels
	parent := false
	for i := range p.nforms {
		fa := &p.forms[i]
		// parentFamily(a, b) looks at every form of a, with a family name or not.
		if fa.familyKey8 != 0 && (fa.familyKey8 == b.motherFamily || fa.familyKey8 == b.fatherFamily) {
			parent = true
		}
		if !fa.hasFamily {
			continue
		}
		if fa.familyFold == b.familyFold || b.flags&scrFamilyFolds != 0 {
			ls |= lv(0)
		}
		if fa.familyID == b.familyKey {
			ls |= lv(1)
			continue
		}
		if jw {
			ls |= lv(familyKeysLevel(fa.f.familyKey, p.keys.key(b.familyKey)))
		} else {
			ls |= lv(familySlip) | lv(familyVerySimilar) | lv(familySimilar) | lv(familyDifferent)
		}
	}
	if ls == 0 {
		return levelMissing
	}
	if p.motherFamilyID != 0 && p.motherFamilyID == b.familyKey || p.fatherFamilyID != 0 && p.fatherFamilyID == b.familyKey {
		parent = true
	}
	if parent && ls&^(lv(0)|lv(1)|lv(familySlip)|lv(familyVerySimilar)|lv(familyParent)) != 0 {
		ls |= lv(familyParent)
	}
	return ls
}

func (p *probe) patronymic(b *screen) levels {
	a := p.a
	aHas, bHas := a.patronymicKey != "", b.flags&scrPatKey != 0
	switch {
	case !aHas && a.patronymicClass == 0, !bHas && b.patClass == 0, !aHas && !bHas:
		return levelMissing
	}
	var ls levels
	if p.patClass != 0 && p.patClass == b.patClass {
		ls |= lv(0)
	}
	if aHas && bHas {
		if p.patKey == b.patKey {
			ls |= lv(0)
		}
		return ls | lv(1) | lv(2)
	}
	if p.patClass != 0 && b.patClass != 0 {
		return ls | lv(2)
	}
	return ls | levelMissing
}

func (p *probe) birth(b *screen) levels { return lv(birthLevel(&p.a.birthDate, &b.birth)) }

func (p *probe) sex(b *screen) levels {
	a := p.a
	if a.sex == 0 || b.sex == 0 {
		return levelMissing
	}
	if a.sex == b.sex {
		return lv(0)
	}
	return lv(1)
}

func (p *probe) category(b *screen) levels {
	c := uint8(b.flags >> scrCategoryShift)
	if p.a.category == 0 || c == 0 {
		return levelMissing
	}
	if p.a.category&7 == c {
		return lv(0)
	}
	return lv(1)
}

func (p *probe) separation(b *screen) levels {
	a := p.a
	if !a.sepKnown || b.flags&scrSepKnown == 0 {
		return levelMissing
	}
	if b.flags&scrSepWide != 0 {
		return lv(0) | lv(1) | lv(2) | lv(3) | lv(4) | lv(5)
	}
	directed := a.request && b.count&scrCountRequest == 0
	return lv(separationLevel(directed, a.sepDay, a.sepLo, a.sepHi, b.flags&scrSepDay != 0, b.sepLo, b.sepLo+int32(b.sepW)))
}

func (p *probe) place(b *screen) levels {
	var ls levels
	nb := int(b.count & 3)
	for _, x := range p.settlements[:p.nsettle] {
		for _, y := range b.settlements[:nb] {
			if x == y {
				ls |= lv(0)
			}
		}
	}
	both := p.nsettle > 0 && nb > 0
	if p.oblast != 0 && b.oblast != 0 {
		if p.oblast != b.oblast {
			return ls | lv(3)
		}
		if both {
			return ls | lv(2) | lv(3)
		}
		return ls | lv(1) | lv(3)
	}
	if both {
		return ls | lv(3)
	}
	return ls | levelMissing
}

// probeRelative is a request's relative reduced as the screens are.
type probeRelative struct {
	present            bool
	given, pat, patCls uint8
	hasPat             bool
	nclasses           int8 // -1: too many to hold
	classes            [5]uint8
}

func makeProbeRelative(r *relative) probeRelative {
	p := probeRelative{present: r.present(), given: tr8(r.givenKeyH), pat: tr8(r.patronymicKeyH), hasPat: r.patronymicKeyH != 0}
	if r.patronymicClass != 0 {
		p.patCls = tr8(uint64(r.patronymicClass))
	}
	if len(r.givenClasses) > len(p.classes) {
		p.nclasses = -1
	} else {
		for i, c := range r.givenClasses {
			p.classes[i] = tr8(uint64(c))
		}
		p.nclasses = int8(len(r.givenClasses))
	}
	return p
}

// relativeLevels returns the levels compareRelative may give.
func relativeLevels(a *probeRelative, b screenRelative, many bool) levels {
	if !a.present || b.given == 0 {
		return levelMissing
	}
	sameGiven := a.given == b.given
	if !sameGiven && b.class != 0 && a.nclasses != 0 {
		if many || a.nclasses < 0 {
			sameGiven = true
		} else {
			for _, c := range a.classes[:a.nclasses] {
				if c == b.class {
					sameGiven = true
				}
			}
		}
	}
	samePat := a.hasPat && b.pat != 0 && (a.pat == b.pat || a.patCls != 0 && a.patCls == b.patClass)
	ls := lv(2) | lv(3)
	if sameGiven {
		ls |= lv(1)
		if samePat {
			ls |= lv(0)
		}
	}
	return ls
}

func (p *probe) siblings(b *screen) levels {
	nb := int(b.count>>2) & 3
	if p.nsib == 0 || nb == 0 {
		return levelMissing
	}
	if nb > 2 {
		return lv(0) | lv(1)
	}
	for _, x := range p.sibs[:p.nsib] {
		for _, y := range b.siblings[:nb] {
			if x == y {
				return lv(0) | lv(1)
			}
		}
	}
	return lv(1)
}

// screenSlack keeps the pre-screen clear of rounding: it rejects a pair
// only if its bound is below the threshold by more than this, so that the
// pair's weight, added up in another order, is surely below it too.
const screenSlack = 1e-9

// reject reports whether the pair of p's request and the child screened by
// b surely scores below minWeight: the most every field could add, with
// the prior, falls short of it.
//
// It starts from the most the request could score with any child and
// lowers it field by field, the most decisive fields first, by what the
// field loses against this child at best; it gives up as soon as the
// bound falls below the threshold.
func (p *probe) reject(b *screen, minWeight float64) bool {
	if !p.ok {
		return false
	}
	min := minWeight - screenSlack
	bound := p.top
	cut := func(f Field, ls levels) bool {
		bound -= p.fieldMax[f] - p.max(f, ls)
		return bound < min
	}
	if cut(FieldBirthDate, p.birth(b)) ||
		cut(FieldSex, p.sex(b)) ||
		cut(FieldCategory, p.category(b)) ||
		cut(FieldPlace, p.place(b)) ||
		cut(FieldPatronymic, p.patronymic(b)) ||
		cut(FieldFather, relativeLevels(&p.father, b.father, b.flags&scrFatherManyClass != 0)) ||
		cut(FieldMother, relativeLevels(&p.mother, b.mother, b.flags&scrMotherManyClass != 0)) ||
		cut(FieldSeparation, p.separation(b)) ||
		cut(FieldSiblings, p.siblings(b)) {
		return true
	}
	var given, family levels
	if b.flags&scrGivenAny == 0 {
		given = p.given(b, false)
		if cut(FieldGiven, given) {
			return true
		}
	}
	if b.flags&scrFamilyAny == 0 {
		family = p.family(b, false)
		if cut(FieldFamily, family) {
			return true
		}
	}
	// Jaro–Winkler on the keys, from the key table, where it could tell.
	const jwGiven = levels(1<<3 | 1<<4 | 1<<5)
	const jwFamily = levels(1<<familySlip | 1<<familyVerySimilar | 1<<familySimilar | 1<<familyDifferent)
	if given&jwGiven != 0 {
		bound += p.max(FieldGiven, p.given(b, true)) - p.max(FieldGiven, given)
		if bound < min {
			return true
		}
	}
	if family&jwFamily != 0 {
		bound += p.max(FieldFamily, p.family(b, true)) - p.max(FieldFamily, family)
		if bound < min {
			return true
		}
	}
	return false
}
