package synth

import "fmt"

// Difficulty says how hard the generated data is to link: how often and how
// badly party B's records depart from the truth, and how many namesakes
// stand in the way.
type Difficulty string

const (
	// DifficultyStandard is the default: variations at the rates of the
	// constants in child.go, what the generator has always written.
	DifficultyStandard Difficulty = "standard"
	// DifficultyHard is the generator's hardest setting, the quality bar
	// for the matching engine. Nearly every child record is Russified, most
	// carry several harmful variations at once (typos, a changed family
	// name, a wrong or missing birth date, missing relatives and places),
	// requests are vaguer, and about one unmatched record in ten is a
	// namesake of a sought child from the same oblast. The caps described
	// at profile.capped keep every pair identifiable by a careful human.
	DifficultyHard Difficulty = "hard"
)

// Difficulties lists the valid values, the default first.
var Difficulties = []Difficulty{DifficultyStandard, DifficultyHard}

// ParseDifficulty returns the difficulty named s; "" is the default.
func ParseDifficulty(s string) (Difficulty, error) {
	switch d := Difficulty(s); d {
	case "":
		return DifficultyStandard, nil
	case DifficultyStandard, DifficultyHard:
		return d, nil
	}
	return "", fmt.Errorf("synth: difficulty must be %q or %q, not %q", DifficultyStandard, DifficultyHard, s)
}

// profile holds the probabilities of the variations at one difficulty.
// Each is drawn on its own, in a fixed order, whatever the outcome of the
// others, so that the random streams do not depend on the caps.
type profile struct {
	// Party B, as in child.go.
	russify, latin                                     float64
	typoGiven, typoFamily                              float64
	changedFamily, birthNameAlias                      float64
	aliasDiminutive, missingPatronymic                 float64
	missingBirthDate, wrongYear, swappedDayMonth       float64
	monthOnly, yearOnly                                float64
	missingBirthPlace, missingRelatives, russianPlaces float64

	// separationLater is the chance that B dates the separation by when it
	// registered the child: 1 to separationLaterDays days after it. Zero
	// draws nothing, so that standard data stays as it was.
	separationLater     float64
	separationLaterDays int

	// Party A.
	requestMissingPatronymic, requestLatin float64
	// requestBirth weighs the precisions A writes a birth date with:
	// toDay, toMonth, toYear, toAbout.
	requestBirth [4]int

	// namesake is the probability that an unmatched record (either side)
	// is made a namesake of a matched child: same sex, given and family
	// name, home in the same oblast, and half the time born within a year
	// of it. Such records test precision: a matcher must tell them apart by
	// birth date, patronymic, parents and places.
	namesake float64

	// capped limits how much of one child record is damaged at once, so
	// that a careful human can still identify every pair from what is
	// left. Party B's record of a child names them by three anchors: the
	// given name, the family name and the birth date. Russian forms,
	// transliterations, a diminutive alias and a date written only to the
	// month or year are systematic and do not count as damage; an anchor is
	// damaged by typo_given, by changed_family, and by wrong_year or
	// missing_birth_date. With capped:
	//
	//  1. At most one of changed_family and typo_family: a new family name
	//     is written correctly, and a typo is only ever made in the real one.
	//  2. At most two anchors are damaged: when the given name has a typo
	//     and the family name was changed, the birth date is neither
	//     missing nor in the wrong year.
	//  3. When two anchors are damaged, the relatives are kept (the
	//     mother's name and usually the family's real surname with it).
	//  4. A birth date carries at most one error: a date in the wrong year
	//     does not also have day and month swapped.
	//  5. When the family name was changed, the relatives are kept. The
	//     family's surname is what ties a child to a family; a record
	//     that has lost it and names no parent says only "a boy called
	//     Максим, born in 2016", which among thousands of records no one,
	//     human or machine, can trace by names (that is work for DNA
	//     kinship). Until 2026-11-25 this cap was missing, and about 3% of
	//     hard pairs at 30,000 per side were such records.
	//
	// A cap only ever suppresses a variation whose chance was drawn, so the
	// other variations keep their rates.
	capped bool
}

// standard reproduces, draw for draw, the generator as it was before
// difficulties existed: its output must not change (TestStandardPinned).
var standard = profile{
	russify:           pRussify,
	latin:             pLatin,
	typoGiven:         pTypoGiven,
	typoFamily:        pTypoFamily,
	changedFamily:     pChangedFamily,
	birthNameAlias:    pBirthNameAlias,
	aliasDiminutive:   pAliasDiminutive,
	missingPatronymic: pMissingPatronymic,
	missingBirthDate:  pMissingBirthDate,
	wrongYear:         pWrongYear,
	swappedDayMonth:   pSwappedDayMonth,
	monthOnly:         pMonthOnly,
	yearOnly:          pYearOnly,
	missingBirthPlace: pMissingBirthPlace,
	missingRelatives:  pMissingRelatives,
	russianPlaces:     pRussianPlaces,

	requestMissingPatronymic: 0.08,
	requestLatin:             0.08,
	requestBirth:             [4]int{82, 8, 6, 4},
}

// hard raises every variation substantially. Rates are before the caps,
// which lower typo_family to about 0.21 of records, missing_relatives to
// about 0.62 and the date errors a little. Measured over matched pairs,
// B's records then carry about 5.6 variations (standard: 3.2), 2.9 of them
// harmful ones that lose or corrupt evidence (standard: 1.3).
var hard = profile{
	russify:           0.92, // almost always
	latin:             0.35, // often, and then on top of the Russian form
	typoGiven:         0.25,
	typoFamily:        0.30,
	changedFamily:     0.30,
	birthNameAlias:    0.35, // the birth name is kept less often
	aliasDiminutive:   0.25,
	missingPatronymic: 0.30,
	missingBirthDate:  0.10,
	wrongYear:         0.20,
	swappedDayMonth:   0.30, // when the day is 12 or less and not the month
	monthOnly:         0.15,
	yearOnly:          0.25,
	missingBirthPlace: 0.50,
	missingRelatives:  0.95,
	russianPlaces:     0.95,

	separationLater:     0.6,
	separationLaterDays: 180,

	requestMissingPatronymic: 0.20,
	requestLatin:             0.15,
	requestBirth:             [4]int{62, 13, 15, 10},

	namesake: 0.10,
	capped:   true,
}

func profileOf(d Difficulty) *profile {
	if d == DifficultyHard {
		return &hard
	}
	return &standard
}
