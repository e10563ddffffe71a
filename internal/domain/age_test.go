package domain

import (
	"math/rand/v2"
	"testing"
	"time"
)

func day(s string) Date {
	f := MustParseFuzzyDate(s)
	if f.Precision != PrecisionDay {
		panic("not a day: " + s)
	}
	return f.Earliest
}

func fuzzy(s string) FuzzyDate {
	if s == "" {
		return FuzzyDate{}
	}
	return MustParseFuzzyDate(s)
}

func TestAdultOn(t *testing.T) {
	for _, c := range []struct {
		birth, on string
		want      Tristate
	}{
		// Exact days: the 18th birthday itself counts.
		{"2008-11-01", "2026-11-01", Yes},
		{"2008-11-02", "2026-11-01", No},
		{"2008-10-31", "2026-11-01", Yes},
		{"1990-01-01", "2026-11-01", Yes},
		{"2020-01-01", "2026-11-01", No},
		// 29 February: the 18th birthday (never in a leap year, as 18 is not
		// a multiple of 4) is 1 March.
		{"2004-02-29", "2022-02-28", No},
		{"2004-02-29", "2022-03-01", Yes},
		{"2008-02-29", "2026-02-28", No},
		{"2008-02-29", "2026-03-01", Yes},
		// On a 29 February, birthdays on 28 February and 1 March.
		{"2006-02-28", "2024-02-29", Yes},
		{"2006-03-01", "2024-02-29", No},
		// Year only: the whole year.
		{"2008", "2025-12-31", No},
		{"2008", "2026-01-01", Possibly}, // born on 1 January: 18 today
		{"2008", "2026-06-15", Possibly},
		{"2008", "2026-12-30", Possibly}, // born on 31 December: still 17
		{"2008", "2026-12-31", Yes},
		// Month only.
		{"2008-06", "2026-05-31", No},
		{"2008-06", "2026-06-01", Possibly},
		{"2008-06", "2026-06-29", Possibly},
		{"2008-06", "2026-06-30", Yes},
		{"2008-02", "2026-02-28", Possibly}, // 2008-02-29 is in range and 17
		{"2008-02", "2026-03-01", Yes},
		// Ranges of years.
		{"2005/2007", "2022-12-31", No},
		{"2005/2007", "2023-01-01", Possibly},
		{"2005/2007", "2025-01-01", Possibly},
		{"2005/2007", "2025-12-30", Possibly},
		{"2005/2007", "2025-12-31", Yes},
		// About a year: ~2006 is 2005 to 2007.
		{"~2006", "2022-12-31", No},
		{"~2006", "2024-06-01", Possibly},
		{"~2006", "2026-01-01", Yes},
		// Unknown.
		{"", "2026-11-01", Unknown},
	} {
		if got := AdultOn(fuzzy(c.birth), day(c.on)); got != c.want {
			t.Errorf("AdultOn(%q, %s) = %s; want %s", c.birth, c.on, got, c.want)
		}
	}
	// A malformed range (latest before earliest) is treated as unknown.
	bad := FuzzyDate{Precision: PrecisionRange, Earliest: day("2008-01-01"), Latest: day("2007-01-01")}
	if got := AdultOn(bad, day("2026-11-01")); got != Unknown {
		t.Errorf("AdultOn(malformed) = %s; want unknown", got)
	}
}

func TestTurnedEighteen(t *testing.T) {
	const today = "2026-11-01"
	for _, c := range []struct {
		birth, displaced, today string
		want                    Tristate
	}{
		// Exact days.
		{"2006-05-10", "2022-03-01", today, Yes}, // 15 then, 20 now
		{"2010-05-10", "2022-03-01", today, No},  // 16 now
		{"2000-05-10", "2022-03-01", today, No},  // already an adult then
		{"2004-03-01", "2022-02-28", today, Yes}, // 17 the day before the birthday
		{"2004-03-01", "2022-03-01", today, No},  // 18 on the day itself
		{"2008-11-01", "2022-03-01", today, Yes}, // 18 today
		{"2008-11-02", "2022-03-01", today, No},  // 18 tomorrow
		{"2022-03-01", "2022-03-01", today, No},  // displaced at birth, 4 now
		{"2008-11-01", "2026-11-01", today, No},  // displaced on the 18th birthday
		{"2008-11-01", "2026-10-31", today, Yes}, // displaced yesterday at 17, 18 today
		{"2008-10-31", "2026-10-31", today, No},  // 18 when displaced
		{"2004-02-29", "2022-02-28", today, Yes}, // leap day: still 17 on 28 February
		{"2004-02-29", "2022-03-01", today, No},  // 18 on 1 March
		{"2008-02-29", "2022-03-01", "2026-02-28", No},
		{"2008-02-29", "2022-03-01", "2026-03-01", Yes},
		// Year and month precision.
		{"2004", "2022-06-01", today, Possibly}, // 17 or 18 when displaced
		{"2005", "2022", today, Yes},            // at most 17 in 2022, at least 20 now
		{"2008", "2022", today, Possibly},       // 18 now if born by 1 November
		{"2008", "2022", "2027-01-01", Yes},     //
		{"2008", "2022", "2025-12-31", No},      // 17 at most
		{"2008-06", "2014-03", "2026-06-15", Possibly},
		{"2008-06", "2014-03", "2026-06-30", Yes},
		{"2008-06", "2014-03", "2026-05-31", No},
		{"2004-06-01", "2014/2022", today, Possibly}, // 9 in 2014, 18 late in 2022
		{"2004-06-01", "2014-03", today, Yes},
		{"2004-06-01", "2022-06", today, No}, // 18 all month
		{"2004-06-02", "2022-06", today, Possibly},
		// Ranges and approximate years.
		{"2003/2005", "2022-02-24", today, Possibly}, // born 2003-01-01: 19; 2005: 16
		{"2000/2003", "2022-02-24", today, No},       // 18 or more then whatever the day
		{"2000/2004", "2022-02-24", today, Possibly}, // born late in 2004: 17
		{"~2006", "2022-02-24", today, Yes},          // 2005 to 2007: 14 to 17 then, 18+ now
		{"~2006", "2022-02-24", "2025-06-01", Possibly},
		{"~2006", "~2022", today, Possibly}, // born 2005-01-01, displaced 2023-12-31: 18
		{"~2006", "2014", today, Yes},
		{"~2006", "2015/2016", "2022-12-31", No}, // not yet 18 whatever the day
		// Displacement unknown: at best possibly.
		{"2006-05-10", "", today, Possibly},
		{"2000-05-10", "", today, Possibly}, // may have been an adult already
		{"2010-05-10", "", today, No},
		{"2008", "", today, Possibly},
		// Birth unknown.
		{"", "2022-03-01", today, Unknown},
		{"", "", today, Unknown},
	} {
		if got := TurnedEighteen(fuzzy(c.birth), fuzzy(c.displaced), day(c.today)); got != c.want {
			t.Errorf("TurnedEighteen(%q, %q, %s) = %s; want %s", c.birth, c.displaced, c.today, got, c.want)
		}
	}
}

// TestTurnedEighteenBruteForce checks TurnedEighteen against every pairing
// of a birth day with a displacement day, using an age rule written here
// independently of ageOn.
func TestTurnedEighteenBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 2026))
	// randomDate returns a date in or around year y; wide allows the forms
	// that span a year or more.
	randomDate := func(y int, wide bool) FuzzyDate {
		m := 1 + r.IntN(12)
		k := r.IntN(10)
		if !wide {
			k = r.IntN(8)
		}
		switch {
		case k < 4:
			d := 1 + r.IntN(daysIn(y, time.Month(m)))
			if r.IntN(6) == 0 && daysIn(y, 2) == 29 { // favour the leap day
				m, d = 2, 29
			}
			return MustParseFuzzyDate(Date{y, time.Month(m), d}.String())
		case k < 8:
			return MustParseFuzzyDate(Date{y, time.Month(m), 1}.String()[:7])
		case k == 8:
			return MustParseFuzzyDate(Date{y, 1, 1}.String()[:4])
		case r.IntN(2) == 0:
			return MustParseFuzzyDate("~" + Date{y, 1, 1}.String()[:4])
		default:
			return MustParseFuzzyDate(Date{y - 1, 1, 1}.String()[:4] + "/" + Date{y + 1, 1, 1}.String()[:4])
		}
	}
	each := func(f FuzzyDate, fn func(Date)) {
		for t := f.Earliest.Time(); !t.After(f.Latest.Time()); t = t.AddDate(0, 0, 1) {
			fn(DateOf(t))
		}
	}
	seen := map[Tristate]int{}
	for i := range 1000 {
		// Dates near the 18th birthday, where the answers differ. A wide
		// range on both sides is over a million pairs: allow it on one.
		by := 2000 + r.IntN(12)
		birth := randomDate(by, true)
		wide := birth.Precision == PrecisionDay || birth.Precision == PrecisionMonth
		displaced := randomDate(by+15+r.IntN(5), wide)
		today := DateOf(Date{by + 17, 1, 1}.Time().AddDate(0, 0, r.IntN(4*366)))
		if i%7 == 0 {
			today = Date{2024 + 4*r.IntN(2), 2, 28 + r.IntN(3)} // 28, 29 Feb, 1 Mar
			if today.Day == 30 {
				today = Date{today.Year, 3, 1}
			}
		}
		some, all := false, true
		each(birth, func(b Date) {
			adultNow := isAdult(b, today)
			each(displaced, func(d Date) {
				turned := !isAdult(b, d) && adultNow
				some = some || turned
				all = all && turned
			})
		})
		want := Possibly
		switch {
		case all:
			want = Yes
		case !some:
			want = No
		}
		if got := TurnedEighteen(birth, displaced, today); got != want {
			t.Errorf("TurnedEighteen(%s, %s, %s) = %s; brute force says %s", birth, displaced, today, got, want)
		}
		seen[want]++
	}
	t.Logf("answers: %v", seen)
	// The random cases must exercise every answer, or the test proves little.
	for _, a := range []Tristate{Yes, No, Possibly} {
		if seen[a] < 20 {
			t.Errorf("only %d random cases answer %s: %v", seen[a], a, seen)
		}
	}
}

// isAdult is the age rule written out: the 18th birthday, moved to 1 March
// when it would be a 29 February that does not exist.
func isAdult(birth, on Date) bool {
	y, m, d := birth.Year+18, birth.Month, birth.Day
	if m == 2 && d == 29 && daysIn(y, 2) == 28 {
		m, d = 3, 1
	}
	return !on.Before(Date{y, m, d})
}

func TestAgeRuleAgrees(t *testing.T) {
	// ageOn (used by AgeRange, AdultOn and TurnedEighteen) and isAdult agree
	// on every birth day of a leap year and the days around its birthdays.
	for b := day("2008-01-01"); b.Year == 2008; b = DateOf(b.Time().AddDate(0, 0, 1)) {
		for delta := -2; delta <= 2; delta++ {
			on := DateOf(b.Time().AddDate(18, 0, delta))
			if got, want := ageOn(b, on) >= 18, isAdult(b, on); got != want {
				t.Errorf("born %s, on %s: ageOn says adult=%v, rule says %v", b, on, got, want)
			}
		}
	}
}
