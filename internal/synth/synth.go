// Package synth generates deterministic synthetic data for reunite: the two
// lists a mediator passes between the parties, and the ground truth of which
// records describe the same child.
//
// Party A (the Ukrainian side) holds tracing requests filed by families.
// Party B (the other side) holds records of children it has located. A known
// share of the requests seeks a child who is in B's list, but B wrote that
// child down differently: a Russified name, another transliteration, a typo,
// a date with day and month swapped or only the year, a new family name.
// Pair says which request and child belong together and which of those
// variations were applied, so that matching can be measured.
//
// No record describes a real person. Names are drawn independently from
// frequency lists of given names and surnames (the most frequent surnames,
// then a long tail of several thousand made from Ukrainian stems and
// endings, so that no surname is much commoner than in Ukraine), places
// from lists of real settlements, dates at random; any resemblance to a
// real child is coincidence, as it is for the unmatched records of the two
// sides, whose common names collide as they do in reality. Phone numbers
// use the unused Ukrainian operator code 00 and e-mail addresses the
// reserved example.org domain.
//
// Config.Difficulty chooses between the default rates of variation
// (standard) and a much harsher setting (hard), the quality bar for
// matching, which also adds namesakes among the unmatched records.
//
// Generation streams: each record is a pure function of the configuration
// and its index, and nothing is kept from one record to the next, so a
// million records per side take no more memory than a hundred.
package synth

import (
	"context"
	"fmt"
	"math"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Config says what to generate.
type Config struct {
	// Seed fixes the output: the same seed and configuration give
	// byte-identical records in the same order.
	Seed uint64
	// N is the number of records per side, from MinN to MaxN.
	N int
	// Overlap is the fraction of requests whose child is in B's list, from
	// 0 to 1; 0 means DefaultOverlap.
	Overlap float64
	// Today is the reference date for ages and "not in the future"; the zero
	// value means 2026-11-01, so output never depends on the wall clock.
	// Separations are drawn from 2014–2024 whatever Today is, so with a later
	// Today the children have grown older.
	Today domain.Date
	// Difficulty says how much the records depart from the truth; ""
	// means DifficultyStandard, whose output is the same as before
	// difficulties existed.
	Difficulty Difficulty
}

// Limits and defaults of Config.
const (
	MinN           = 100
	MaxN           = 1_000_000
	DefaultOverlap = 0.3
)

// defaultToday is the reference date used when Config.Today is zero.
// (A variable only because a struct cannot be a constant; never changed.)
var defaultToday = domain.Date{Year: 2026, Month: 11, Day: 1}

// earliestToday is the first reference date that leaves room for the
// separations since 2014 that the generator draws.
var earliestToday = domain.Date{Year: 2015, Month: 1, Day: 1}

// Validate reports what is wrong with the configuration, after the
// defaults are applied, or nil.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// resolve applies the defaults and checks the result.
func (c Config) resolve() (Config, error) {
	if c.Overlap == 0 {
		c.Overlap = DefaultOverlap
	}
	if c.Today == (domain.Date{}) {
		c.Today = defaultToday
	}
	d, err := ParseDifficulty(string(c.Difficulty))
	if err != nil {
		return c, err
	}
	c.Difficulty = d
	switch {
	case c.N < MinN || c.N > MaxN:
		return c, fmt.Errorf("synth: N must be between %d and %d records per side, not %d", MinN, MaxN, c.N)
	case math.IsNaN(c.Overlap) || c.Overlap < 0 || c.Overlap > 1:
		return c, fmt.Errorf("synth: overlap must be a fraction between 0 and 1, not %v", c.Overlap)
	case c.Today.Month < 1 || c.Today.Month > 12 || c.Today.Day < 1 || c.Today.Day > daysIn(c.Today.Year, c.Today.Month):
		return c, fmt.Errorf("synth: today %s is not a calendar date", c.Today)
	case c.Today.Before(earliestToday) || c.Today.Year > 2099:
		return c, fmt.Errorf("synth: today %s must be between %s and 2099-12-31", c.Today, earliestToday)
	}
	return c, nil
}

// pairCount is how many requests seek a child in B's list.
func (c Config) pairCount() int { return int(math.Round(c.Overlap * float64(c.N))) }

// Sink receives what Generate produces, in order. Generate stops at the
// first error a method returns and returns it. The records are the sink's
// to keep: Generate does not touch them again.
type Sink interface {
	// Request receives one of party A's tracing requests (Kind request,
	// ExternalID A-0000001 to A-<N>).
	Request(rec domain.Record) error
	// Child receives one of party B's child records (Kind child, ExternalID
	// B-0000001 to B-<N>).
	Child(rec domain.Record) error
	// Pair receives the ground truth for one matched request, after both
	// records it names have been passed to Request and Child.
	Pair(p Pair) error
}

// Pair links a request to the child record of the child it seeks.
type Pair struct {
	RequestID, ChildID string // ExternalIDs
	// Variations lists how the two records depart from the facts they
	// share: first how B wrote the child (the Var… constants without the
	// "request_" prefix), then how A wrote the request (those with it). A
	// variation is listed only when it changed what the record says.
	Variations []string
}

// Variations a Pair may list. Those without the "request_" prefix are how B
// wrote the child, each drawn independently with the probability given in
// child.go (for DifficultyHard, in difficulty.go, where caps keep some from
// coming together); those with it are how A wrote the request.
const (
	VarRussifiedGiven      = "russified_given"      // Russian form of the given name (Олександр → Александр)
	VarRussifiedPatronymic = "russified_patronymic" // Russian form of the patronymic (Андрійович → Андреевич)
	VarRussifiedFamily     = "russified_family"     // Russian spelling of the family name (Олійник → Олейник)
	VarLatinICAO           = "latin_icao"           // name in Latin, ICAO 2013 (Aleksandr)
	VarLatinGOST           = "latin_gost"           // name in Latin, GOST 2006 (Tcarev)
	VarLatinMVD            = "latin_mvd"            // name in Latin, MVD 1997 (Yuliya)
	VarLatinInformal       = "latin_informal"       // name in Latin, informal (Alexander, Sergey)
	VarLatinNational       = "latin_national"       // name in Latin, Ukrainian 2010 (Oleksandr)
	VarTypoGiven           = "typo_given"           // one letter swapped, dropped or doubled
	VarTypoFamily          = "typo_family"          // the same in the family name
	VarChangedFamily       = "changed_family"       // a Russian surname given after displacement
	VarBirthNameAlias      = "birth_name_alias"     // with changed_family: the birth name kept as a second name
	VarAliasDiminutive     = "alias_diminutive"     // a Russian diminutive (Саша) added as an alias
	VarMissingPatronymic   = "missing_patronymic"   // patronymic left out
	VarSwappedDayMonth     = "swapped_day_month"    // birth date with day and month swapped
	VarWrongYear           = "wrong_year"           // birth year off by one
	VarMonthOnly           = "month_only"           // birth date to the month only
	VarYearOnly            = "year_only"            // birth date to the year only
	VarMissingBirthDate    = "missing_birth_date"   // no birth date
	VarMissingBirthPlace   = "missing_birth_place"  // no birth place
	VarMissingRelatives    = "missing_relatives"    // no relatives named
	VarRussianPlaces       = "russian_place_names"  // place names in Russian spelling (Мариуполь)
	VarSeparationLater     = "separation_later"     // separation dated by registration, days to months later

	VarRequestLatin             = "request_latin"              // A wrote the name in Latin (Ukrainian 2010)
	VarRequestMissingPatronymic = "request_missing_patronymic" // A left the patronymic out
	VarRequestBirthMonth        = "request_birth_month"        // A knew the birth date to the month
	VarRequestBirthYear         = "request_birth_year"         // A knew the birth year only
	VarRequestBirthAbout        = "request_birth_about"        // A knew the birth year roughly (~YYYY)
)

// SinkFuncs adapts functions to Sink; a nil function accepts and drops.
type SinkFuncs struct {
	RequestFunc func(domain.Record) error
	ChildFunc   func(domain.Record) error
	PairFunc    func(Pair) error
}

func (s SinkFuncs) Request(rec domain.Record) error { return call(s.RequestFunc, rec) }
func (s SinkFuncs) Child(rec domain.Record) error   { return call(s.ChildFunc, rec) }
func (s SinkFuncs) Pair(p Pair) error               { return call(s.PairFunc, p) }

func call[T any](f func(T) error, v T) error {
	if f == nil {
		return nil
	}
	return f(v)
}

// Generate writes cfg.N requests and cfg.N child records to sink, and one
// Pair for each of the round(cfg.Overlap·cfg.N) matched requests. Records
// come in index order, request i then child i, so that a sink can write the
// two lists side by side; pairs follow as soon as both their records have
// been written. It stops early with ctx's error when ctx is done.
func Generate(ctx context.Context, cfg Config, sink Sink) error {
	cfg, err := cfg.resolve()
	if err != nil {
		return err
	}
	g := newGenerator(cfg)
	var reqVars, childVars, otherVars []string
	for t := range cfg.N {
		if t%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		req := g.request(t, &reqVars)
		if err := sink.Request(req); err != nil {
			return fmt.Errorf("synth: request %s: %w", req.ExternalID, err)
		}
		child := g.child(t, &childVars)
		if err := sink.Child(child); err != nil {
			return fmt.Errorf("synth: child %s: %w", child.ExternalID, err)
		}
		// A pair is written once its later record is: the earlier one is
		// generated again (it is a pure function of its index) for its
		// variations, so nothing has to be remembered meanwhile.
		if j, ok := g.pairs.childOf(t); ok && j < t {
			g.child(j, &otherVars)
			if err := sink.Pair(newPair(t, j, otherVars, reqVars)); err != nil {
				return fmt.Errorf("synth: pair: %w", err)
			}
		}
		if g.pairs.childMatched(t) {
			if i := g.pairs.requestOf(t); i < t {
				g.request(i, &otherVars)
				if err := sink.Pair(newPair(i, t, childVars, otherVars)); err != nil {
					return fmt.Errorf("synth: pair: %w", err)
				}
			}
		}
	}
	return nil
}

func newPair(i, j int, childVars, reqVars []string) Pair {
	vars := make([]string, 0, len(childVars)+len(reqVars))
	vars = append(append(vars, childVars...), reqVars...)
	return Pair{RequestID: requestID(i), ChildID: childID(j), Variations: vars}
}

func requestID(i int) string { return externalID('A', i) }
func childID(j int) string   { return externalID('B', j) }

// externalID formats index i as the party's reference: A-0000001 for i = 0.
func externalID(party byte, i int) string {
	var b [9]byte
	b[0], b[1] = party, '-'
	n := i + 1
	for k := len(b) - 1; k >= 2; k-- {
		b[k] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// generator holds what generating one record needs; its sources and truth
// are scratch space reset for every record.
type generator struct {
	cfg     Config
	profile *profile
	cat     *catalogue
	pairs   pairing
	today   int // day number of cfg.Today
	truth   truth
	truthR  *source
	present *source
	// For namesakes: the matched child an unmatched record is named after.
	other  truth
	otherR *source
}

func newGenerator(cfg Config) *generator {
	return &generator{
		cfg:     cfg,
		profile: profileOf(cfg.Difficulty),
		cat:     newCatalogue(),
		pairs:   newPairing(cfg.Seed, cfg.N, cfg.pairCount()),
		today:   dayNumber(cfg.Today),
		truthR:  newSource(),
		present: newSource(),
		otherR:  newSource(),
	}
}

// request returns request i, and in *vars how it departs from the truth.
func (g *generator) request(i int, vars *[]string) domain.Record {
	if j, ok := g.pairs.childOf(i); ok {
		g.truthR.reset(g.cfg.Seed, streamTruthMatched, j)
		g.cat.draw(&g.truth, g.truthR, g.today)
	} else {
		g.truthR.reset(g.cfg.Seed, streamTruthRequest, i)
		g.cat.draw(&g.truth, g.truthR, g.today)
		g.maybeNamesake()
	}
	g.present.reset(g.cfg.Seed, streamRequest, i)
	*vars = (*vars)[:0]
	return g.presentRequest(requestID(i), vars)
}

// child returns child record j, and in *vars how it departs from the truth.
func (g *generator) child(j int, vars *[]string) domain.Record {
	if g.pairs.childMatched(j) {
		g.truthR.reset(g.cfg.Seed, streamTruthMatched, j)
		g.cat.draw(&g.truth, g.truthR, g.today)
	} else {
		g.truthR.reset(g.cfg.Seed, streamTruthChild, j)
		g.cat.draw(&g.truth, g.truthR, g.today)
		g.maybeNamesake()
	}
	g.present.reset(g.cfg.Seed, streamChild, j)
	*vars = (*vars)[:0]
	return g.presentChild(childID(j), vars)
}

// maybeNamesake makes the child in g.truth, that of an unmatched request
// or child record, with the profile's probability a namesake of a random
// matched child: same sex, given and
// family name, a home in the same oblast, and half the time a birth date
// within a year of theirs. Everything else (parents, patronymic, places
// within the oblast, features) stays the record's own, which is how a
// careful reader tells them apart.
//
// Only matched children are named after, and they are never rewritten, so
// a namesake's model is a pure function of its slot, as every record must
// be. The draws continue the record's own truth stream, after everything
// the standard generator draws from it.
func (g *generator) maybeNamesake() {
	pr, t, r, c := g.profile, &g.truth, g.truthR, g.cat
	if pr.namesake == 0 || g.pairs.m == 0 || !r.chance(pr.namesake) {
		return
	}
	slot := int(g.pairs.pi.inverse(uint64(r.IntN(g.pairs.m)))) // π(slot) < m: matched
	g.otherR.reset(g.cfg.Seed, streamTruthMatched, slot)
	o := &g.other
	c.draw(o, g.otherR, g.today)

	oldFamily := t.family
	t.sex, t.given, t.family = o.sex, o.given, o.family
	// The relatives who bore the old family name bear the new one.
	if t.motherFamily == oldFamily {
		t.motherFamily = t.family
	}
	if t.grandFamily == oldFamily {
		t.grandFamily = t.family
	}
	ob := c.settlements[o.home].oblast
	t.home = c.settlementIn(ob, r)
	t.birthPlace, t.separationPlace = t.home, t.home
	if r.chance(0.3) {
		t.birthPlace = c.settlementIn(ob, r)
	}
	if r.chance(0.35) {
		t.separationPlace = c.settlementIn(ob, r)
	}
	if r.chance(0.5) {
		// Born within a year of the model, if that fits this child's
		// separation and today's age range; else the own date stays.
		lo, hi := birthWindow(t.separation, g.today)
		offset := 1 + r.IntN(365)
		if r.IntN(2) == 0 {
			offset = -offset
		}
		if b := o.birth + offset; lo <= b && b <= hi {
			t.birth = b
		}
	}
}
