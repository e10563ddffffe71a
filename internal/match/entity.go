// Package match links tracing requests to child records across scripts,
// languages and spellings, and explains every score field by field.
//
// It is a Fellegi–Sunter engine: each candidate pair is compared field by
// field, each field lands on a level ("equivalent names across Ukrainian and
// Russian", "day and month swapped"…), and each level carries a weight
// log2(m/u): how much more often it happens between records of the same
// child (m, estimated by EM from the data itself, no labels needed) than
// between records of different children (u, from random pairs). Agreement
// on a rare name counts for more than on a common one (term-frequency
// adjustment). Candidates come from several blocking rules whose results
// are unioned, so that one changed or mistyped field does not hide a pair.
//
// The package has no I/O: records come in as domain.Record values.
package match

import (
	"hash/maphash"
	"slices"
	"strings"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/names"
)

// nameForm is one way a person's name was written, prepared for comparison.
type nameForm struct {
	givenFold, familyFold uint64 // hashes of the case-folded names as written (0: absent)
	givenKey, familyKey   string // cross-script keys
	givenKeyH, familyKeyH uint64
	familyLettersH        uint64  // hash of the family key's letters in order: a swap of two leaves it
	givenClasses          []int32 // equivalence classes of the given name (shared, read-only)
	// givenNear are the classes of the names one slip of the pen from a
	// given name the table does not know (Мрак: Марк), for blocking and as
	// a similar spelling; nil when givenClasses are known.
	givenNear []int32
}

// entity is a record prepared for comparison: everything the comparisons
// and blocking rules use, computed once.
type entity struct {
	id    string // record id
	forms []nameForm

	// patronymicClass is the class of the father's given name: from the
	// patronymic, or, for a record that has none, from the father's name
	// (patronymicKey is then empty). A family that leaves out the
	// patronymic but names the father still says what it is.
	patronymicClass int32
	patronymicKey   string
	patronymicKeyH  uint64

	sex uint8 // 0 unknown, 1 male, 2 female: compared for every candidate
	// category of the separation (categoryCode), 0 unknown
	category uint8
	// request is true for a tracing request (a family's account), false
	// for a child record: the separation date is compared with a direction
	// between the two (separationLevel).
	request bool
	// dead is read for every posting of every query: it sits beside the
	// birth date and sex, which scoring reads first, so that the two share
	// a cache line.
	dead bool // removed from the index

	birthDate       // the birth date, as compared (also in the index's screens)
	byHi      int16 // latest year of the birth date, for blocking

	// When the child was separated, as days since 1970-01-01.
	sepKnown, sepDay bool
	sepLo, sepHi     int32

	siblings []uint64 // given-name tokens (givenToken) of the relatives other than parents

	settlements []uint64 // place skeletons of birth place, home and place of separation
	oblast      uint64   // place skeleton of the oblast's name

	// Shares of the primary given and family names among all records, for
	// term-frequency adjustment (filled in once the counts are known).
	givenShare, familyShare, patronymicShare float64
	// Shares of the primary given and family names as written (case
	// folded): agreeing on the very spelling is rarer than on the name.
	givenFoldShare, familyFoldShare float32
	// placeShare is the share of records that name one of the settlements
	// this one names (their sum): how often a random record agrees on one.
	placeShare float32
	// categoryShare is the share of records with this one's category.
	categoryShare float32

	mother, father relative
}

// birthDate is a birth date as compared, kept small: a million records
// are held at once, and it is copied into each child's screen.
type birthDate struct {
	birthLo, birthHi int32 // the days it may stand for, since 1970-01-01
	by               int16 // earliest year
	bm, bd           int8  // month and day of the earliest day
	birthKnown       bool
	birthDay         bool // known to the day
	birthMonth       bool // known to the month (or the day)
}

// relative is a relative's name prepared for comparison, without the family
// name: the child's own family field already counts it, and counting it
// again through a parent's full name would double the evidence of one
// shared surname (the father's surname is the child's).
//
// The relative's family name is kept apart, for one purpose: when a child's
// family name was changed, a parent's often still carries the old one.
type relative struct {
	givenClasses    []int32
	givenKey        string
	givenKeyH       uint64
	patronymicClass int32
	patronymicKeyH  uint64
	familyKeyH      uint64
	familyLettersH  uint64
}

func (r relative) present() bool { return r.givenKey != "" }

var seed = maphash.MakeSeed()

func hash(s string) uint64 {
	if s == "" {
		return 0
	}
	return maphash.String(seed, s)
}

// preparer turns records into entities, remembering what it computed for
// each name: names repeat (a few hundred given names cover most children),
// and the keys are the costly part. A preparer is not safe for concurrent
// use; give each goroutine its own.
type preparer struct {
	keys       map[string]string
	familyKeys map[string]string
	folds      map[string]uint64
	near       map[string][]int32
	places     map[string]string
}

func newPreparer() *preparer {
	return &preparer{keys: map[string]string{}, familyKeys: map[string]string{}, folds: map[string]uint64{}, near: map[string][]int32{}, places: map[string]string{}}
}

// givenNear returns names.GivenClassesNear(s), remembered.
func (p *preparer) givenNear(s string) []int32 {
	if c, ok := p.near[s]; ok {
		return c
	}
	c := names.GivenClassesNear(s)
	// Sorted: their order comes from a map's and differs from run to run,
	// and blocking keeps only the first few of a record's given-name tokens.
	slices.Sort(c)
	p.near[s] = c
	return c
}

// lettersHash hashes the letters of a key in sorted order: two keys that
// differ by swapped letters (Пщаив, Пащів) hash alike. Distinct family
// names are rarely anagrams of each other, so it blocks about as finely as
// the key itself.
func lettersHash(key string) uint64 {
	if key == "" {
		return 0
	}
	var buf [64]byte
	b := append(buf[:0], key...)
	// Insertion sort: keys are short.
	for i := 1; i < len(b); i++ {
		for j := i; j > 0 && b[j] < b[j-1]; j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
	return maphash.Bytes(seed, b)
}

// remembered returns f(s), computing it only the first time s is seen.
func remembered(memo map[string]string, s string, f func(string) string) string {
	if k, ok := memo[s]; ok {
		return k
	}
	k := f(s)
	memo[s] = k
	return k
}

func (p *preparer) key(s string) string       { return remembered(p.keys, s, names.Key) }
func (p *preparer) placeKey(s string) string  { return remembered(p.places, s, names.PlaceKey) }
func (p *preparer) familyKey(s string) string { return remembered(p.familyKeys, s, names.FamilyKey) }

func (p *preparer) fold(s string) uint64 {
	if s == "" {
		return 0
	}
	if h, ok := p.folds[s]; ok {
		return h
	}
	h := hash(names.Fold(s))
	p.folds[s] = h
	return h
}

// categoryCode numbers the separation categories from 1; 0 is none.
func categoryCode(c domain.Category) uint8 {
	for i, x := range domain.Categories {
		if c == x {
			return uint8(i + 1)
		}
	}
	return 0
}

func sexCode(s domain.Sex) uint8 {
	switch s {
	case domain.SexMale:
		return 1
	case domain.SexFemale:
		return 2
	}
	return 0
}

// epochDay is the number of days from 1970-01-01 to d.
func epochDay(d domain.Date) int32 { return int32(d.Time().Unix() / 86400) }

// oneForm and twoForms hold a record's name forms and places in one
// allocation: scoring a candidate reads both, and one allocation is one
// cache miss fewer than two. Most records have one or two forms.
type oneForm struct {
	forms  [1]nameForm
	places [2]uint64
}

type twoForms struct {
	forms  [2]nameForm
	places [2]uint64
}

// storage returns room for n name forms and two places, in one allocation
// when n is one or two.
func storage(n int) (forms []nameForm, places []uint64) {
	switch n {
	case 1:
		b := new(oneForm)
		return b.forms[:0], b.places[:0]
	case 2:
		b := new(twoForms)
		return b.forms[:0], b.places[:0]
	}
	return nil, nil // appended to as needed
}

func (p *preparer) prepare(r *domain.Record) entity {
	id := r.ID
	if id == "" {
		id = r.ExternalID
	}
	// Clone: a string read from CSV shares memory with its whole row, and
	// the id is kept for as long as the engine lives.
	e := entity{id: strings.Clone(id), sex: sexCode(r.Person.Sex), category: categoryCode(r.Person.Separation.Category),
		request: r.Kind == domain.KindRequest}
	e.forms, e.settlements = storage(len(r.Person.Names))
	var family string // the primary family name, for names without one
	for _, n := range r.Person.Names {
		f := nameForm{givenFold: p.fold(n.Given), familyFold: p.fold(n.Family)}
		if n.Given != "" {
			f.givenKey = p.key(n.Given)
			f.givenKeyH = hash(f.givenKey)
			f.givenClasses = names.GivenClasses(n.Given)
			if len(f.givenClasses) == 0 {
				f.givenNear = p.givenNear(n.Given)
			}
		}
		fam := n.Family
		if fam == "" {
			fam = family
			f.familyFold = p.fold(fam)
		} else if family == "" {
			family = fam
		}
		if fam != "" {
			f.familyKey = p.familyKey(fam)
			f.familyKeyH = hash(f.familyKey)
			f.familyLettersH = lettersHash(f.familyKey)
		}
		if n.Patronymic != "" && e.patronymicKey == "" {
			e.patronymicKey = p.key(n.Patronymic)
			e.patronymicKeyH = hash(e.patronymicKey)
			e.patronymicClass, _ = names.PatronymicClass(n.Patronymic)
		}
		if f.givenKey != "" || f.familyKey != "" {
			e.forms = append(e.forms, f)
		}
	}
	if b := r.Person.BirthDate; !b.IsZero() {
		e.birthKnown = true
		e.birthLo, e.birthHi = epochDay(b.Earliest), epochDay(b.Latest)
		e.birthDay = b.Precision == domain.PrecisionDay
		e.birthMonth = e.birthDay || b.Precision == domain.PrecisionMonth
		e.by, e.byHi = int16(b.Earliest.Year), int16(b.Latest.Year)
		e.bm, e.bd = int8(b.Earliest.Month), int8(b.Earliest.Day)
	}
	if d := r.Person.Separation.Date; !d.IsZero() {
		e.sepKnown, e.sepDay = true, d.Precision == domain.PrecisionDay
		e.sepLo, e.sepHi = epochDay(d.Earliest), epochDay(d.Latest)
	}
	for _, rel := range r.Person.Relatives {
		switch rel.Relation {
		case domain.RelationSibling, domain.RelationOther, domain.RelationGrandparent, domain.RelationAuntUncle:
		default:
			continue // parents are fields of their own; a guardian is not family
		}
		if given := domain.ParseFullName(rel.Name).Given; given != "" {
			f := nameForm{givenKey: p.key(given), givenClasses: names.GivenClasses(given)}
			f.givenKeyH = hash(f.givenKey)
			e.siblings = append(e.siblings, givenToken(&f))
		}
	}
	for _, place := range []string{r.Person.BirthPlace, r.Person.LastHome.Settlement, r.Person.Separation.Place} {
		if place != "" {
			e.settlements = append(e.settlements, hash(skeleton(p.placeKey(place))))
		}
	}
	if o := r.Person.LastHome.Oblast; o != "" {
		e.oblast = hash(skeleton(p.key(oblastName(o))))
	}
	e.mother = p.relative(r.Person.RelativeName(domain.RelationMother))
	e.father = p.relative(r.Person.RelativeName(domain.RelationFather))
	if e.patronymicClass == 0 {
		e.patronymicClass = maleClass(e.father.givenClasses)
	}
	return e
}

// skeleton is a place key's consonants, doubled ones once. Place names
// differ between Ukrainian and Russian mostly in their vowels (Харків and
// Харьков, Донецька and Донецкая область: hrkv, dnck), so two places with
// one skeleton are taken as one place. It is coarser than a gazetteer, and
// needs none.
func skeleton(key string) string {
	b := make([]byte, 0, len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'y', ' ':
			continue
		}
		if n := len(b); n > 0 && b[n-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// oblastName strips the word for "region" so that "Донецька область",
// "Донецька обл." and "Донецкая область" compare by the name alone.
func oblastName(s string) string {
	f := strings.Fields(s)
	if len(f) > 1 {
		switch strings.ToLower(strings.TrimSuffix(f[len(f)-1], ".")) {
		case "область", "обл", "oblast", "region", "край", "krai":
			return strings.Join(f[:len(f)-1], " ")
		}
	}
	return s
}

// relative prepares a relative's name written as one string, "Given
// [Patronymic] Family".
func (p *preparer) relative(full string) relative {
	if full == "" {
		return relative{}
	}
	n := domain.ParseFullName(full)
	var r relative
	if n.Given != "" {
		r.givenClasses = names.GivenClasses(n.Given)
		r.givenKey = p.key(n.Given)
		r.givenKeyH = hash(r.givenKey)
	}
	if n.Patronymic != "" {
		r.patronymicKeyH = hash(p.key(n.Patronymic))
		r.patronymicClass, _ = names.PatronymicClass(n.Patronymic)
	}
	if n.Family != "" {
		k := p.familyKey(n.Family)
		r.familyKeyH, r.familyLettersH = hash(k), lettersHash(k)
	}
	return r
}

// maleClass is the first male class among a father's name's classes: the
// class a patronymic formed from it has.
func maleClass(classes []int32) int32 {
	for _, c := range classes {
		if !names.GivenClassFemale(c) {
			return c
		}
	}
	return 0
}
