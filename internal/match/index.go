package match

import (
	"cmp"
	"hash/maphash"
	"slices"
	"sync"
)

// Blocking: a pair is compared only if the two records share a key of at
// least one rule. The rules overlap on purpose: each leaves out one or two
// fields that are often wrong (a changed family name, a mistyped given name,
// a wrong or partial birth date), so no single error hides a true pair.

// rule names a blocking rule, for statistics and tests.
type rule uint8

const (
	ruleGivenFamily           rule = iota + 1 // given name × family name (its letters, or a parent's)
	ruleGivenBirthday                         // given name × birth month and day
	ruleFamilyBirthday                        // family name × birth month and day
	ruleGivenPatronymicYear                   // given name × patronymic × birth year
	ruleFamilyPatronymic                      // family name × patronymic
	ruleGivenMother                           // given name × mother's given name
	ruleGivenFamilyEdit                       // given name × the family name with one letter left out
	ruleFamilyYear                            // family name × birth year × sex
	ruleBirthDateSex                          // full birth date × sex
	ruleGivenYearMonth                        // given name × birth year and month
	ruleGivenFamily2Year                      // given name × first two letters of the family name × birth year
	ruleInitialPatronymicYear                 // first letter of the given name × patronymic × birth year
	ruleFamilyStartPatronymic                 // first letters of the family name × patronymic
	ruleGivenPlaceYear                        // given name × settlement × birth year
)

// maxBlock is the largest block a query reads. A key shared by more records
// says too little to be worth comparing them all (a common given name and a
// common birth month, at a million records); the overlapping rules find a
// true pair through a more selective key. Without a cap, linking a million
// records took minutes.
const maxBlock = 100

// familyStart is how many letters of the family key ruleFamilyStartPatronymic
// keeps: a typo later in the name (most of a name's letters) leaves it.
const familyStart = 3

// traceRule, when set (by a test, while nothing else runs), is given the
// rule of every key mix makes.
var traceRule func(rule)

// mix combines a rule and up to three values into one key.
func mix(r rule, a, b, c uint64) uint64 {
	if traceRule != nil {
		traceRule(r)
	}
	h := uint64(r)*0x9E3779B97F4A7C15 ^ a
	h = (h ^ h>>29) * 0xBF58476D1CE4E5B9
	h ^= b
	h = (h ^ h>>32) * 0x94D049BB133111EB
	h ^= c
	h = (h ^ h>>29) * 0xBF58476D1CE4E5B9
	return h ^ h>>32
}

// givenTokens are the values a given name blocks on: each of its classes
// (so all forms of one name share a block), or its key and the classes of
// the names it is one slip away from.
func givenTokens(f *nameForm, emit func(uint64)) {
	if f.givenKey == "" {
		return
	}
	if len(f.givenClasses) == 0 {
		emit(f.givenKeyH)
		for _, c := range f.givenNear {
			emit(uint64(c) | 1<<40)
		}
		return
	}
	for _, c := range f.givenClasses {
		emit(uint64(c) | 1<<40)
	}
}

// forEdit calls emit with the hash of key and of every string made from it
// by leaving out one letter.
func forEdit(key string, emit func(uint64)) {
	emit(hash(key))
	var buf [24]byte
	for i := range len(key) {
		v := append(append(buf[:0], key[:i]...), key[i+1:]...)
		if i > 0 && key[i] == key[i-1] {
			continue // the same string as leaving out the letter before
		}
		emit(maphash.Bytes(seed, v))
	}
}

// tokens is a small set of distinct block values.
type tokens struct {
	n int
	v [8]uint64
}

func (t *tokens) add(x uint64) {
	if x == 0 || t.n == len(t.v) {
		return
	}
	for _, y := range t.v[:t.n] {
		if y == x {
			return
		}
	}
	t.v[t.n] = x
	t.n++
}

func (t *tokens) all() []uint64 { return t.v[:t.n] }

// familyTokens are the values the family names block on: the letters of
// each family name (so swapped letters still meet), and those of the
// parents' family names, which a renamed child's record often keeps.
func familyTokens(e *entity) tokens {
	var t tokens
	for i := range e.forms {
		t.add(e.forms[i].familyLettersH)
	}
	t.add(e.mother.familyLettersH)
	t.add(e.father.familyLettersH)
	return t
}

func sexToken(e *entity) uint64 { return uint64(e.sex) }

func patronymicToken(e *entity) uint64 {
	if e.patronymicClass != 0 {
		return uint64(e.patronymicClass) | 1<<41
	}
	return e.patronymicKeyH
}

// monthDay returns the birth month and day as one value, and the same with
// day and month swapped when that is a date too.
func monthDay(e *entity) (md, swapped uint64, ok bool) {
	if !e.birthDay {
		return 0, 0, false
	}
	md = uint64(e.bm)*32 + uint64(e.bd)
	if e.bd <= 12 && e.bm != e.bd {
		swapped = uint64(e.bd)*32 + uint64(e.bm)
	}
	return md, swapped, true
}

// yearMonth returns the birth year and month as one value for dates known
// to the month or day, and, for a day of 12 or less, the same with the day
// read as the month (the day and month may have been swapped).
func yearMonth(e *entity) (ym, swapped uint64, ok bool) {
	if !e.birthMonth {
		return 0, 0, false
	}
	ym = uint64(e.by)<<4 | uint64(e.bm)
	if e.birthDay && e.bd <= 12 && e.bd != e.bm {
		swapped = uint64(e.by)<<4 | uint64(e.bd)
	}
	return ym, swapped, true
}

// years calls emit for the birth years a record may have: every year of its
// range (at most five), widened by one year either side on the query side,
// where a wrong year is most often off by one.
func years(e *entity, query bool, emit func(uint64)) {
	if !e.birthKnown {
		return
	}
	lo, hi := int(e.by), int(e.byHi)
	if query {
		lo, hi = lo-1, hi+1
	}
	if hi-lo > 4 {
		mid := (lo + hi) / 2
		lo, hi = mid-2, mid+2
	}
	for y := lo; y <= hi; y++ {
		emit(uint64(y))
	}
}

// blockingKeys calls emit with every blocking key of e. query is true for
// the record looking for candidates (it also tries swapped dates and
// neighbouring years), false for records being indexed.
func blockingKeys(e *entity, query bool, emit func(uint64)) {
	md, swapped, hasDay := monthDay(e)
	ym, ymSwapped, hasMonth := yearMonth(e)
	sex := sexToken(e)
	if hasDay && sex != 0 {
		// Both names may be wrong (a typo and a new family name); a full
		// date of birth and the sex are then what is left.
		y := uint64(e.by)
		emit(mix(ruleBirthDateSex, y<<10|md, sex, 0))
		if query && swapped != 0 {
			emit(mix(ruleBirthDateSex, y<<10|swapped, sex, 0))
		}
	}
	pat := patronymicToken(e)
	var givens, mothers tokens
	for i := range e.forms {
		givenTokens(&e.forms[i], givens.add)
	}
	for _, c := range e.mother.givenClasses {
		mothers.add(uint64(c) | 1<<40)
	}
	if mothers.n == 0 {
		mothers.add(e.mother.givenKeyH)
	}
	families := familyTokens(e)
	for _, g := range givens.all() {
		for _, fam := range families.all() {
			emit(mix(ruleGivenFamily, g, fam, 0))
		}
		if hasDay {
			emit(mix(ruleGivenBirthday, g, md, 0))
			if query && swapped != 0 {
				emit(mix(ruleGivenBirthday, g, swapped, 0))
			}
		}
		if pat != 0 {
			years(e, query, func(y uint64) { emit(mix(ruleGivenPatronymicYear, g, pat, y)) })
		}
		for _, m := range mothers.all() {
			emit(mix(ruleGivenMother, g, m, 0))
		}
		if hasMonth {
			emit(mix(ruleGivenYearMonth, g, ym, 0))
			if query && ymSwapped != 0 {
				emit(mix(ruleGivenYearMonth, g, ymSwapped, 0))
			}
		}
		// A new family name, no parents and only a year: what is left is
		// the name, the year and where the child is from.
		for _, place := range e.settlements {
			years(e, query, func(y uint64) { emit(mix(ruleGivenPlaceYear, g, place, y)) })
		}
	}
	for i := range e.forms {
		f := &e.forms[i]
		if len(f.familyKey) >= familyStart && pat != 0 {
			emit(mix(ruleFamilyStartPatronymic, hash(f.familyKey[:familyStart]), pat, 0))
		}
		// A slip of the pen in the family name (a letter left out, added,
		// changed, or two swapped) leaves two keys that share the key
		// itself or the key with one letter left out: the symmetric-delete
		// trick of spelling correctors.
		if f.familyKey != "" && len(f.familyKey) <= 24 {
			givenTokens(f, func(g uint64) {
				forEdit(f.familyKey, func(h uint64) { emit(mix(ruleGivenFamilyEdit, g, h, 0)) })
			})
		}
		if len(f.familyKey) >= 2 {
			start := hash(f.familyKey[:2])
			givenTokens(f, func(g uint64) {
				years(e, query, func(y uint64) { emit(mix(ruleGivenFamily2Year, g, start, y)) })
			})
		}
		if pat != 0 && f.givenKey != "" {
			initial := uint64(f.givenKey[0])
			years(e, query, func(y uint64) { emit(mix(ruleInitialPatronymicYear, initial, pat, y)) })
		}
	}
	for _, fam := range families.all() {
		if hasDay {
			emit(mix(ruleFamilyBirthday, fam, md, 0))
			if query && swapped != 0 {
				emit(mix(ruleFamilyBirthday, fam, swapped, 0))
			}
		}
		if pat != 0 {
			emit(mix(ruleFamilyPatronymic, fam, pat, 0))
		}
		if sex != 0 {
			years(e, query, func(y uint64) { emit(mix(ruleFamilyYear, fam, y, sex)) })
		}
	}
}

// Index finds the candidate children for a request. It holds the prepared
// children and, for every blocking key, the children that have it. Records
// are added and removed in place; removed ones are skipped, not erased.
//
// The records present when the index is built are indexed in bulk, into
// compact sorted postings; records added later go to a map of postings
// beside them, and a lookup reads both.
type Index struct {
	ents  []entity
	scr   []screen           // ents[i] reduced for the pre-screen (screen.go)
	keys  keyTable           // the name keys the screens refer to
	bulk  postings           // the records indexed when the index was built
	added map[uint64][]int32 // the records added since
	byID  map[string]int32
	live  int
	pool  sync.Pool // of *searcher, for single-record queries
}

// buildIndex indexes ents, which the index keeps (the caller must not
// use the slice after), on workers goroutines. As with adding the records
// one by one, a record replaces an earlier one with the same id.
//
// The records are reordered (see inLocalityOrder) before they are indexed.
func buildIndex(ents []entity, workers int) *Index {
	ix := &Index{ents: ents, added: map[uint64][]int32{}, byID: make(map[string]int32, len(ents)), keys: newKeyTable()}
	for i := range ents {
		if old, ok := ix.byID[ents[i].id]; ok {
			ents[old].dead = true
		}
		ix.byID[ents[i].id] = int32(i)
	}
	inLocalityOrder(ents)
	for i := range ents {
		if !ents[i].dead {
			ix.byID[ents[i].id] = int32(i)
			ix.live++
		}
	}
	ix.bulk = buildPostings(ents, workers)
	// The screens after the postings: building those needs an array of
	// all postings for a while, the most memory the index ever takes.
	ix.scr = make([]screen, len(ents))
	for i := range ents {
		ix.scr[i] = makeScreen(&ents[i], &ix.keys)
	}
	return ix
}

// localityKey orders records so that those one query meets sit near each
// other in memory: by given name (most blocking rules include it), then
// date of birth (many include the year, some the month and day). The
// records of one block then lie in a short stretch of the index's arrays,
// and requests taken in the same order meet the same stretches one after
// another, while they are still in the processor's caches.
//
// A name the table knows sorts by its class; any other by its key, hashed
// with a fixed function rather than the process's random seed, so that the
// order, and which of two tied candidates is met first, is the same in
// every run.
func localityKey(e *entity) uint64 {
	var g uint64
	if len(e.forms) > 0 && e.forms[0].givenKey != "" {
		f := &e.forms[0]
		if len(f.givenClasses) > 0 {
			g = uint64(f.givenClasses[0]) | 1<<40
		} else {
			g = fnv64(f.givenKey)
		}
	}
	g = (g * 0x9E3779B97F4A7C15) >> 32
	return g<<32 | uint64(uint16(e.by))<<16 | uint64(uint8(e.bm))<<8 | uint64(uint8(e.bd))
}

// fnv64 is the FNV-1a hash of s.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// localityOrder returns the indices of ents sorted by localityKey (and by
// index among equal keys).
func localityOrder(ents []entity) []int32 {
	type keyed struct {
		k uint64
		i int32
	}
	ks := make([]keyed, len(ents))
	for i := range ents {
		ks[i] = keyed{localityKey(&ents[i]), int32(i)}
	}
	slices.SortFunc(ks, func(x, y keyed) int {
		if c := cmp.Compare(x.k, y.k); c != 0 {
			return c
		}
		return cmp.Compare(x.i, y.i)
	})
	order := make([]int32, len(ents))
	for p := range ks {
		order[p] = ks[p].i
	}
	return order
}

// inLocalityOrder sorts ents by localityKey in place, moving each entity
// once (entities are large: sorting them directly would move them many
// times).
func inLocalityOrder(ents []entity) {
	perm := localityOrder(ents) // position p takes the entity at perm[p]
	for start := range perm {
		if perm[start] < 0 || int(perm[start]) == start {
			continue
		}
		tmp := ents[start]
		j := start
		for {
			k := int(perm[j])
			perm[j] = -1
			if k == start {
				ents[j] = tmp
				break
			}
			ents[j] = ents[k]
			j = k
		}
	}
}

func (ix *Index) add(e entity) {
	if old, ok := ix.byID[e.id]; ok {
		ix.remove(old)
	}
	n := int32(len(ix.ents))
	ix.ents = append(ix.ents, e)
	ix.scr = append(ix.scr, makeScreen(&e, &ix.keys))
	ix.byID[e.id] = n
	ix.live++
	blockingKeys(&ix.ents[n], false, func(k uint64) {
		p := ix.added[k]
		if len(p) > 0 && p[len(p)-1] == n {
			return // the same key twice from one record
		}
		ix.added[k] = append(p, n)
	})
}

func (ix *Index) remove(i int32) {
	if !ix.ents[i].dead {
		ix.ents[i].dead = true
		if int(i) < len(ix.scr) { // not while building: the screens come last
			ix.scr[i].flags |= scrDead
		}
		ix.live--
		delete(ix.byID, ix.ents[i].id)
	}
}

// Len is the number of live records in the index.
func (ix *Index) Len() int { return ix.live }

// searcher collects the candidates of one query at a time. Each goroutine
// needs its own: it remembers which records it has already returned.
type searcher struct {
	ix    *Index
	stamp []uint32
	gen   uint32
	cands []int32
	keys  []uint64
	spans [][]int32
}

func (ix *Index) searcher() *searcher { return &searcher{ix: ix} }

// borrow returns a searcher for one query; give it back with release.
// Single-record queries share searchers rather than allocate one each: a
// searcher's stamps are 4 bytes a record, 4 MB at a million records.
func (ix *Index) borrow() *searcher {
	if s, ok := ix.pool.Get().(*searcher); ok {
		return s
	}
	return ix.searcher()
}

func (ix *Index) release(s *searcher) { ix.pool.Put(s) }

// candidates returns the indices of the live records that share a blocking
// key with e, each once. The slice is reused by the next call.
func (s *searcher) candidates(e *entity) []int32 {
	if len(s.stamp) < len(s.ix.ents) {
		s.stamp = append(s.stamp, make([]uint32, len(s.ix.ents)-len(s.stamp))...)
	}
	s.gen++
	if s.gen == 0 { // wrapped: clear the stamps
		clear(s.stamp)
		s.gen = 1
	}
	s.cands = s.cands[:0]
	// The keys first, then their postings: the lookups are independent of
	// each other, so the processor overlaps their cache misses.
	s.keys = s.keys[:0]
	blockingKeys(e, true, func(k uint64) { s.keys = append(s.keys, k) })
	for _, k := range s.keys {
		posts, n := s.ix.bulk.lookup(k)
		var added []int32
		if len(s.ix.added) > 0 {
			added = s.ix.added[k]
			n += len(added)
		}
		if n > maxBlock {
			continue // too common to tell anything: other rules must find the pair
		}
		if len(posts) > 0 {
			s.spans = append(s.spans, posts)
		}
		if len(added) > 0 {
			s.spans = append(s.spans, added)
		}
	}
	for _, p := range s.spans {
		s.collect(p)
	}
	clear(s.spans) // hold no postings of a map entry that may be replaced
	s.spans = s.spans[:0]
	return s.cands
}

func (s *searcher) collect(posts []int32) {
	for _, i := range posts {
		if s.stamp[i] != s.gen && s.ix.scr[i].flags&scrDead == 0 {
			s.stamp[i] = s.gen
			s.cands = append(s.cands, i)
		}
	}
}
