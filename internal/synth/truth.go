package synth

import (
	"github.com/reunite-ftr/reunite/internal/domain"
)

// truth is the child as it really is: the facts both sides describe, each in
// its own way. Names are indices into the catalogue, so a truth costs no
// allocation; the two presentations turn it into records.
type truth struct {
	sex          int // male or female
	given        int // catalogue.given[sex]
	family       int // catalogue.surnames
	father       int // male given name; the child's patronymic comes from it
	fatherFather int // male given name; the father's patronymic
	mother       int // female given name
	motherFather int // male given name; the mother's patronymic
	motherFamily int // surname the mother bears (usually the family's)
	fatherKnown  bool

	hasSibling   bool
	siblingSex   int
	siblingGiven int

	hasGrandparent    bool
	grandSex          int
	grandGiven        int
	grandFather       int // the grandparent's patronymic
	grandFamily       int
	grandParentsSide  int // male: the father's parent, female: the mother's
	birth, separation int // day numbers

	birthPlace, home, separationPlace int // catalogue.settlements
	category                          domain.Category
	feature                           int // index into features, or -1
}

// Windows of separation dates: the full-scale invasion (from 24 February
// 2022) and the years of the war in the east and Crimea before it.
var (
	recentFrom = dayNumber(domain.Date{Year: 2022, Month: 2, Day: 24})
	recentTo   = dayNumber(domain.Date{Year: 2024, Month: 12, Day: 31})
	earlyFrom  = dayNumber(domain.Date{Year: 2014, Month: 3, Day: 1})
	earlyTo    = dayNumber(domain.Date{Year: 2021, Month: 12, Day: 31})
)

// draw fills t with a random child. today is the configuration's day number.
func (c *catalogue) draw(t *truth, r *source, today int) {
	t.sex = r.IntN(2)
	t.given = c.childW[t.sex].pick(r)
	t.family = c.surnameW.pick(r)
	t.father = c.parentW[male].pick(r)
	t.fatherFather = c.parentW[male].pick(r)
	t.mother = c.parentW[female].pick(r)
	t.motherFather = c.parentW[male].pick(r)
	t.motherFamily = t.family
	if r.chance(0.12) { // kept her own name, or the parents were not married
		t.motherFamily = c.surnameW.pick(r)
	}
	t.fatherKnown = r.chance(0.85)

	t.hasSibling = r.chance(0.25)
	if t.hasSibling {
		t.siblingSex = r.IntN(2)
		t.siblingGiven = c.childW[t.siblingSex].pick(r)
	}
	t.hasGrandparent = r.chance(0.3)
	if t.hasGrandparent {
		t.grandSex = female
		if r.chance(0.2) {
			t.grandSex = male
		}
		// Parent-generation weights stand in for the grandparents' names.
		t.grandGiven = c.parentW[t.grandSex].pick(r)
		t.grandFather = c.parentW[male].pick(r)
		t.grandParentsSide = r.IntN(2)
		t.grandFamily = t.family
		if t.grandParentsSide == female {
			t.grandFamily = t.motherFamily
		}
	}

	o := c.oblastW.pick(r)
	t.home = c.settlementIn(o, r)
	switch x := r.Float64(); {
	case x < 0.7:
		t.birthPlace = t.home
	case x < 0.9:
		t.birthPlace = c.settlementIn(o, r)
	default:
		t.birthPlace = c.settlementIn(c.oblastW.pick(r), r)
	}
	t.separationPlace = t.home
	if r.chance(0.35) {
		t.separationPlace = c.settlementIn(o, r)
	}

	t.separation, t.birth = drawDates(r, today)
	t.category = choose(r,
		w(55, domain.CategoryFrontline),
		w(25, domain.CategoryAcrossBorder),
		w(12, domain.CategoryInstitution),
		w(8, domain.CategoryOther))
	t.feature = -1
	if r.chance(0.15) {
		t.feature = r.IntN(len(features))
	}
}

func (c *catalogue) settlementIn(o int, r *source) int {
	ob := &c.oblasts[o]
	return ob.first + ob.settlements.pick(r)
}

// drawDates picks the separation date, mostly since February 2022 and
// otherwise from 2014–2021, and a birth date at least a month before it
// such that the child was under 18 when separated and is about 2 to 21 on
// today. Children who were 15–17 in 2022 have turned 18 since: the cohort
// whose records must not be dropped when they come of age.
func drawDates(r *source, today int) (separation, birth int) {
	from, to := recentFrom, min(recentTo, today)
	if to < from || r.chance(0.2) {
		from, to = earlyFrom, min(earlyTo, today)
	}
	separation = from + r.IntN(to-from+1)
	lo, hi := birthWindow(separation, today)
	birth = lo + r.IntN(hi-lo+1)
	return separation, birth
}

// birthWindow is the range of birth days drawDates allows for a child
// separated on day separation: at least a month before it, a minor then,
// and about 2 to 21 on today.
func birthWindow(separation, today int) (lo, hi int) {
	sepDate, todayDate := dateOf(separation), dateOf(today)
	lo = max(dayNumber(addYears(sepDate, -18))+1, dayNumber(addYears(todayDate, -22))+1)
	hi = min(separation-30, dayNumber(addYears(todayDate, -2)))
	if hi < lo {
		// today is far from the separation windows: keep only the rule
		// that the child was a minor when separated.
		lo, hi = dayNumber(addYears(sepDate, -18))+1, separation-30
	}
	return lo, hi
}
