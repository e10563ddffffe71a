package domain

import "sort"

// Tristate is an answer that approximate dates may leave open.
type Tristate string

const (
	Yes      Tristate = "yes"      // certain, whichever day in each date's range is the true one
	No       Tristate = "no"       // certainly not
	Possibly Tristate = "possibly" // true for some days in the ranges and false for others
	Unknown  Tristate = "unknown"  // a date needed for the answer is unknown
)

// AdultAge is the age of majority: a person of this age or more is an adult.
//
// A person born on 29 February reaches a new age, in a year that is not a
// leap year, at the start of 1 March, not on 28 February. This is the
// usual common-law convention, written into some statutes, and the one
// ageOn already followed. Some civil codes, which end a period that falls
// on a missing day on the last day of the month, give 28 February
// instead: the difference is one day, and the
// choice made here is the protective one, since it never treats someone as
// an adult earlier than the other convention would. AgeRange, AdultOn and
// TurnedEighteen all follow it. (18 not being a multiple of 4, the 18th
// birthday of someone born on 29 February is never in a leap year: the
// question always arises for them.)
const AdultAge = 18

// AdultOn answers whether a person born at birth is 18 or more on day: Yes
// if every day in birth's range gives 18 or more, No if none does, Possibly
// otherwise, and Unknown if birth is unknown.
func AdultOn(birth FuzzyDate, day Date) Tristate {
	if !known(birth) {
		return Unknown
	}
	youngest, oldest, _ := AgeRange(birth, day)
	switch {
	case youngest >= AdultAge:
		return Yes
	case oldest < AdultAge:
		return No
	}
	return Possibly
}

// TurnedEighteen answers whether a person born at birth and displaced
// (separated from their family) at displaced was under 18 when displaced
// and is 18 or more on today: such a person is no longer a child, and
// decides about their own reunification, but was a separated child and
// remains in scope of the tracing.
//
// Each date stands for a range of days, and every pairing of a birth day
// with a displacement day is considered: the answer is Yes if every pairing
// gives under 18 then and 18 or more today, No if none does, and Possibly
// if some do and some do not. It is Unknown if birth is unknown.
//
// If displaced is unknown, the answer is whether the person is 18 or more
// today, except that Yes becomes Possibly: without the date of displacement
// we cannot know that they were a child when it happened. (No stays No: a
// person under 18 today has not turned 18, whenever they were displaced.)
func TurnedEighteen(birth, displaced FuzzyDate, today Date) Tristate {
	if !known(birth) {
		return Unknown
	}
	adultNow := AdultOn(birth, today)
	if !known(displaced) {
		if adultNow == No {
			return No
		}
		return Possibly
	}
	if adultNow == No {
		return No
	}
	// Certain: the youngest possible age today is 18 or more, and the oldest
	// possible age at displacement (earliest birth, latest displacement) is
	// under 18.
	if adultNow == Yes && ageOn(birth.Earliest, displaced.Latest) < AdultAge {
		return Yes
	}
	// Possible: some birth day gives 18 or more today and under 18 on some
	// displacement day. Being an adult today holds for the birth days up to
	// some day b*. Being under 18 on some displacement day holds for the
	// birth days after some other day, and the earliest displacement day is
	// the one that admits the most. So the two overlap exactly when b*, the
	// latest birth day that gives an adult today, gives a child on the
	// earliest displacement day.
	if ageOn(latestAdultBirth(birth, today), displaced.Earliest) < AdultAge {
		return Possibly
	}
	return No
}

// known reports whether f is a known, well-formed date range.
func known(f FuzzyDate) bool {
	return !f.IsZero() && !f.Latest.Before(f.Earliest)
}

// latestAdultBirth returns the latest day in birth's range on which a person
// born is 18 or more on today. The caller ensures that there is one (the
// earliest day in the range gives an adult).
func latestAdultBirth(birth FuzzyDate, today Date) Date {
	first := dayNum(birth.Earliest)
	n := dayNum(birth.Latest) - first + 1
	// Age today falls as the birth day gets later: find the first birth day
	// that gives a minor; the one before it is the answer.
	i := sort.Search(n, func(i int) bool { return ageOn(fromDayNum(first+i), today) < AdultAge })
	return fromDayNum(first + i - 1)
}

// dayNum numbers days from 1970-01-01.
func dayNum(d Date) int { return int(d.Time().Unix() / 86400) }

func fromDayNum(n int) Date { return DateOf(Date{1970, 1, 1}.Time().AddDate(0, 0, n)) }
