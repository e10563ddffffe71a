package synth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// collector keeps everything generated, and checks the order promises of
// Sink as it goes.
type collector struct {
	t         testing.TB
	requests  []domain.Record
	children  []domain.Record
	pairs     []Pair
	byID      map[string]*domain.Record
	callOrder []string // "request", "child", "pair", for order checks
}

func newCollector(t testing.TB) *collector {
	return &collector{t: t, byID: map[string]*domain.Record{}}
}

func (c *collector) Request(r domain.Record) error {
	c.requests = append(c.requests, r)
	c.callOrder = append(c.callOrder, "request")
	return nil
}

func (c *collector) Child(r domain.Record) error {
	c.children = append(c.children, r)
	c.callOrder = append(c.callOrder, "child")
	return nil
}

func (c *collector) Pair(p Pair) error {
	c.pairs = append(c.pairs, p)
	c.callOrder = append(c.callOrder, "pair")
	// Both records must already have been passed.
	ri, ci := indexOf(c.t, p.RequestID), indexOf(c.t, p.ChildID)
	if ri >= len(c.requests) || ci >= len(c.children) {
		c.t.Errorf("pair %v before its records (%d requests, %d children so far)", p, len(c.requests), len(c.children))
	}
	return nil
}

func (c *collector) index() {
	for i := range c.requests {
		c.byID[c.requests[i].ExternalID] = &c.requests[i]
	}
	for i := range c.children {
		c.byID[c.children[i].ExternalID] = &c.children[i]
	}
}

func generate(t testing.TB, cfg Config) *collector {
	t.Helper()
	c := newCollector(t)
	if err := Generate(context.Background(), cfg, c); err != nil {
		t.Fatal(err)
	}
	c.index()
	return c
}

// indexOf returns the 0-based index in an ExternalID such as A-0000001.
func indexOf(t testing.TB, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id[2:])
	if err != nil || len(id) != 9 {
		t.Fatalf("bad external id %q", id)
	}
	return n - 1
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{N: 100}, true},
		{"max", Config{N: MaxN, Overlap: 1}, true},
		{"too few", Config{N: 99}, false},
		{"too many", Config{N: MaxN + 1}, false},
		{"negative overlap", Config{N: 100, Overlap: -0.1}, false},
		{"overlap above one", Config{N: 100, Overlap: 1.5}, false},
		{"overlap NaN", Config{N: 100, Overlap: math.NaN()}, false},
		{"today not a date", Config{N: 100, Today: domain.Date{Year: 2026, Month: 2, Day: 30}}, false},
		{"today too early", Config{N: 100, Today: domain.Date{Year: 2014, Month: 12, Day: 31}}, false},
		{"today early but fine", Config{N: 100, Today: domain.Date{Year: 2015, Month: 1, Day: 1}}, true},
		{"today far", Config{N: 100, Today: domain.Date{Year: 2099, Month: 12, Day: 31}}, true},
		{"today too far", Config{N: 100, Today: domain.Date{Year: 2100, Month: 1, Day: 1}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok {
				// Generate refuses the same configurations, before calling the sink.
				c := newCollector(t)
				if err := Generate(context.Background(), tc.cfg, c); err == nil || len(c.callOrder) > 0 {
					t.Fatalf("Generate() = %v after %d calls, want an error first", err, len(c.callOrder))
				}
			}
		})
	}
}

func TestCountsAndIDs(t *testing.T) {
	tests := []struct {
		n       int
		overlap float64
	}{
		{100, 0}, {101, 0.3}, {1000, 0.1}, {1000, 0.5}, {777, 1}, {5000, 0.3},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("n=%d,overlap=%v", tc.n, tc.overlap), func(t *testing.T) {
			c := generate(t, Config{Seed: 7, N: tc.n, Overlap: tc.overlap})
			if len(c.requests) != tc.n || len(c.children) != tc.n {
				t.Fatalf("%d requests, %d children, want %d each", len(c.requests), len(c.children), tc.n)
			}
			overlap := tc.overlap
			if overlap == 0 {
				overlap = DefaultOverlap
			}
			if want := int(math.Round(overlap * float64(tc.n))); len(c.pairs) != want {
				t.Errorf("%d pairs, want %d", len(c.pairs), want)
			}
			for i := range tc.n {
				if r := c.requests[i]; r.ExternalID != fmt.Sprintf("A-%07d", i+1) || r.Kind != domain.KindRequest {
					t.Fatalf("request %d is %s %s", i, r.Kind, r.ExternalID)
				}
				if r := c.children[i]; r.ExternalID != fmt.Sprintf("B-%07d", i+1) || r.Kind != domain.KindChild {
					t.Fatalf("child %d is %s %s", i, r.Kind, r.ExternalID)
				}
			}
			// Records alternate request, child, then any pairs completed.
			for i, k := 0, 0; i < len(c.callOrder); {
				if c.callOrder[i] != "request" || c.callOrder[i+1] != "child" {
					t.Fatalf("call %d: %v, want request then child", i, c.callOrder[i:i+2])
				}
				i += 2
				for i < len(c.callOrder) && c.callOrder[i] == "pair" {
					i++
				}
				k++
			}
		})
	}
}

func TestPairsReferenceRecords(t *testing.T) {
	c := generate(t, Config{Seed: 3, N: 3000, Overlap: 0.4})
	seenReq, seenChild := map[string]bool{}, map[string]bool{}
	sameIndex := 0
	for _, p := range c.pairs {
		req, child := c.byID[p.RequestID], c.byID[p.ChildID]
		if req == nil || req.Kind != domain.KindRequest || child == nil || child.Kind != domain.KindChild {
			t.Fatalf("pair %v names records not emitted", p)
		}
		if seenReq[p.RequestID] || seenChild[p.ChildID] {
			t.Fatalf("pair %v: a record is in two pairs", p)
		}
		seenReq[p.RequestID], seenChild[p.ChildID] = true, true
		if indexOf(t, p.RequestID) == indexOf(t, p.ChildID) {
			sameIndex++
		}
		if req.Person.Sex != child.Person.Sex {
			t.Errorf("pair %v: sex %s vs %s", p, req.Person.Sex, child.Person.Sex)
		}
	}
	if sameIndex > 0 {
		t.Errorf("%d pairs share their index, which gives the pairing away", sameIndex)
	}
	// The matched children are spread over B's list, not bunched.
	var firstHalf int
	for id := range seenChild {
		if indexOf(t, id) < 1500 {
			firstHalf++
		}
	}
	if frac := float64(firstHalf) / float64(len(seenChild)); frac < 0.4 || frac > 0.6 {
		t.Errorf("%.2f of matched children in the first half of B's list", frac)
	}
}

// digest hashes everything emitted, in order.
type digest struct{ lines []string }

func (d *digest) add(v any) error {
	b, err := json.Marshal(v)
	d.lines = append(d.lines, string(b))
	return err
}

func streamDigest(t *testing.T, cfg Config) ([32]byte, []string) {
	var d digest
	err := Generate(context.Background(), cfg, SinkFuncs{
		RequestFunc: func(r domain.Record) error { return d.add(r) },
		ChildFunc:   func(r domain.Record) error { return d.add(r) },
		PairFunc:    func(p Pair) error { return d.add(p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256([]byte(strings.Join(d.lines, "\n"))), d.lines
}

func TestDeterminism(t *testing.T) {
	base := Config{Seed: 42, N: 2000}
	a, lines := streamDigest(t, base)
	b, _ := streamDigest(t, base)
	if a != b {
		t.Fatal("same seed and config gave different output")
	}
	for _, other := range []Config{
		{Seed: 43, N: 2000},
		{Seed: 42, N: 2000, Overlap: 0.5},
		{Seed: 42, N: 2000, Today: domain.Date{Year: 2027, Month: 1, Day: 1}},
	} {
		c, otherLines := streamDigest(t, other)
		if c == a {
			t.Errorf("%+v gave the same output as %+v", other, base)
		}
		same := 0
		for i := range min(len(lines), len(otherLines)) {
			if lines[i] == otherLines[i] {
				same++
			}
		}
		if other.Seed != base.Seed && same > 0 {
			t.Errorf("seed %d: %d lines identical to seed %d", other.Seed, same, base.Seed)
		}
	}
}

// TestRecordsValidate checks 20,000 records: each validates, is already
// normalised, and stays within the ages and dates promised.
func TestRecordsValidate(t *testing.T) {
	for _, today := range []domain.Date{{}, {Year: 2015, Month: 6, Day: 1}, {Year: 2060, Month: 1, Day: 1}} {
		n := 10_000
		if today != (domain.Date{}) {
			n = 1000
		}
		cfg := Config{Seed: 11, N: n, Today: today}
		c := generate(t, cfg)
		cfg, _ = cfg.resolve()
		for _, r := range slices.Concat(c.requests, c.children) {
			checkRecord(t, r, cfg.Today)
		}
	}
}

func checkRecord(t *testing.T, r domain.Record, today domain.Date) {
	t.Helper()
	norm := r
	norm.Person.Names = slices.Clone(r.Person.Names)
	norm.Person.Relatives = slices.Clone(r.Person.Relatives)
	norm.Sensitive.DocumentsHeld = slices.Clone(r.Sensitive.DocumentsHeld)
	if r.Enquirer != nil {
		e := *r.Enquirer
		norm.Enquirer = &e
	}
	norm.Normalize()
	if !reflect.DeepEqual(norm, r) {
		t.Fatalf("%s changes when normalised:\n%+v\n%+v", r.ExternalID, r, norm)
	}
	if err := norm.Validate(today); err != nil {
		t.Fatalf("%s: %v", r.ExternalID, err)
	}
	p := r.Person
	for _, n := range p.Names {
		if d := domain.DetectScript(n.Full()); d != n.Script && !(d == domain.ScriptCyrillic && n.Script != domain.ScriptLatin) {
			t.Fatalf("%s: name %q marked %s, looks %s", r.ExternalID, n.Full(), n.Script, d)
		}
	}
	if p.Sex != domain.SexFemale && p.Sex != domain.SexMale {
		t.Fatalf("%s: sex %q", r.ExternalID, p.Sex)
	}
	// Children are about 2 to 21 on the default day; whatever the day, they
	// were minors when separated.
	if b := p.BirthDate; !b.IsZero() && b.Precision != domain.PrecisionAbout {
		if young, _, _ := domain.AgeRange(b, today); today == defaultToday && (young > 22 || young < 1) {
			t.Fatalf("%s: born %s, %d on %s", r.ExternalID, b, young, today)
		}
		if sep := p.Separation.Date; !sep.IsZero() {
			if young, _, _ := domain.AgeRange(b, sep.Earliest); young > 18 {
				t.Fatalf("%s: born %s, %d when separated on %s", r.ExternalID, b, young, sep)
			}
		}
	}
	if p.Separation.Category == "" {
		t.Fatalf("%s: no separation category", r.ExternalID)
	}
	if r.Kind == domain.KindRequest {
		contact := r.Sensitive.EnquirerContact
		if !strings.HasPrefix(contact, "+380 00 ") && !strings.HasSuffix(contact, "@example.org") {
			t.Fatalf("%s: contact %q is not obviously made up", r.ExternalID, contact)
		}
		if r.Enquirer == nil || r.Enquirer.Name == "" || r.Person.RelativeName(r.Enquirer.Relation) == "" {
			t.Fatalf("%s: enquirer %+v not among the relatives", r.ExternalID, r.Enquirer)
		}
	} else if r.Sensitive.CurrentLocation == "" || r.Sensitive.CurrentCaregiver == "" {
		t.Fatalf("%s: no whereabouts", r.ExternalID)
	}
}

func TestDistributions(t *testing.T) {
	cfg := Config{Seed: 5, N: 20_000}
	c := generate(t, cfg)
	cfg, _ = cfg.resolve()

	var turned18, sepRecent, latinReq, dayPrecision int
	ages := map[int]int{}
	categories := map[domain.Category]int{}
	oblasts := map[string]int{}
	for _, r := range c.requests {
		p := r.Person
		if p.Names[0].Script == domain.ScriptLatin {
			latinReq++
		}
		if p.BirthDate.Precision == domain.PrecisionDay {
			dayPrecision++
			age, _, _ := domain.AgeRange(p.BirthDate, cfg.Today)
			ages[age]++
			atSep, _, _ := domain.AgeRange(p.BirthDate, p.Separation.Date.Earliest)
			if age >= 18 && atSep < 18 {
				turned18++
			}
		}
		if p.Separation.Date.Earliest.Year >= 2022 {
			sepRecent++
		}
		categories[p.Separation.Category]++
		oblasts[p.LastHome.Oblast]++
	}
	n := float64(len(c.requests))
	within := func(what string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s = %.3f, want %.2f to %.2f", what, got, lo, hi)
		}
	}
	within("latin requests", float64(latinReq)/n, 0.05, 0.11)
	within("day-precision birth dates", float64(dayPrecision)/n, 0.78, 0.86)
	within("separations since 2022", float64(sepRecent)/n, 0.75, 0.85)
	within("turned 18 since separation", float64(turned18)/float64(dayPrecision), 0.05, 0.3)
	within("frontline category", float64(categories[domain.CategoryFrontline])/n, 0.5, 0.6)
	within("from Donetsk oblast", float64(oblasts["Донецька область"])/n, 0.15, 0.25)
	if len(oblasts) != 25 {
		t.Errorf("%d oblasts seen, want all 25", len(oblasts))
	}
	for age := range ages {
		if age < 1 || age > 22 {
			t.Errorf("%d children aged %d", ages[age], age)
		}
	}
	for _, a := range []int{2, 10, 18, 21} {
		if ages[a] == 0 {
			t.Errorf("no child aged %d", a)
		}
	}

	// Every variation occurs, at about its stated rate.
	counts := map[string]int{}
	for _, p := range c.pairs {
		for _, v := range p.Variations {
			counts[v]++
		}
	}
	pairs := float64(len(c.pairs))
	for _, v := range []string{
		VarRussifiedGiven, VarRussifiedPatronymic, VarRussifiedFamily, VarLatinICAO, VarLatinGOST, VarLatinMVD,
		VarLatinInformal, VarLatinNational, VarTypoGiven, VarTypoFamily, VarChangedFamily,
		VarBirthNameAlias, VarAliasDiminutive, VarMissingPatronymic, VarSwappedDayMonth,
		VarWrongYear, VarMonthOnly, VarYearOnly, VarMissingBirthDate, VarMissingBirthPlace,
		VarMissingRelatives, VarRussianPlaces, VarRequestLatin, VarRequestMissingPatronymic,
		VarRequestBirthMonth, VarRequestBirthYear, VarRequestBirthAbout,
	} {
		if counts[v] == 0 {
			t.Errorf("variation %s never applied", v)
		}
	}
	within("typo_family rate", float64(counts[VarTypoFamily])/pairs, pTypoFamily*0.7, pTypoFamily*1.3)
	within("year_only rate", float64(counts[VarYearOnly])/(pairs*(1-pMissingBirthDate)), pYearOnly*0.8, pYearOnly*1.2)
	within("missing_relatives rate", float64(counts[VarMissingRelatives])/pairs, pMissingRelatives*0.9, pMissingRelatives*1.1)

	// Matched and unmatched children look alike: the share written in
	// Russian is the same in both.
	matched := map[string]bool{}
	for _, p := range c.pairs {
		matched[p.ChildID] = true
	}
	var ru [2]int
	var total [2]int
	for _, r := range c.children {
		k := 0
		if matched[r.ExternalID] {
			k = 1
		}
		total[k]++
		if r.Person.Names[0].Script == domain.ScriptRussian {
			ru[k]++
		}
	}
	un, ma := float64(ru[0])/float64(total[0]), float64(ru[1])/float64(total[1])
	if math.Abs(un-ma) > 0.03 {
		t.Errorf("Russian names: %.3f of unmatched children, %.3f of matched ones", un, ma)
	}
}

// TestVariationsSpotCheck checks that a pair's child really differs from its
// request as the variations say, and only so.
func TestVariationsSpotCheck(t *testing.T) {
	for _, d := range Difficulties {
		t.Run(string(d), func(t *testing.T) { spotCheckVariations(t, d) })
	}
}

func spotCheckVariations(t *testing.T, d Difficulty) {
	c := generate(t, Config{Seed: 9, N: 10_000, Overlap: 0.5, Difficulty: d})
	checked := map[string]int{}
	for _, p := range c.pairs {
		req, child := c.byID[p.RequestID].Person, c.byID[p.ChildID].Person
		has := func(v string) bool { return slices.Contains(p.Variations, v) }
		hasPrefix := func(prefix string) bool {
			return slices.ContainsFunc(p.Variations, func(v string) bool { return strings.HasPrefix(v, prefix) })
		}
		rn, cn := req.Names[0], child.Names[0]
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("%s ↔ %s %v: %s\nrequest %+v\nchild   %+v", p.RequestID, p.ChildID, p.Variations, fmt.Sprintf(format, args...), req, child)
		}
		if has(VarRequestLatin) != (rn.Script == domain.ScriptLatin) {
			fail("request script %s", rn.Script)
		}
		if has(VarRequestMissingPatronymic) != (rn.Patronymic == "") {
			fail("request patronymic %q", rn.Patronymic)
		}
		latin := hasPrefix("latin_")
		if latin != (cn.Script == domain.ScriptLatin) {
			fail("child script %s", cn.Script)
		}
		if !latin && (has(VarRussifiedGiven) || has(VarRussifiedPatronymic)) && cn.Script != domain.ScriptRussian {
			fail("russified but script %s", cn.Script)
		}

		// Names, when the request is in Cyrillic.
		if rn.Script == domain.ScriptUkrainian {
			plainGiven := !has(VarRussifiedGiven) && !latin && !has(VarTypoGiven)
			// A typo in a Russian form may happen to undo it (Ульяна → Уляна).
			undone := has(VarRussifiedGiven) && has(VarTypoGiven) && !latin
			if plainGiven != (cn.Given == rn.Given) && !undone {
				fail("given %q vs %q", cn.Given, rn.Given)
			}
			plainPatronymic := !has(VarRussifiedPatronymic) && !latin && !has(VarMissingPatronymic) && rn.Patronymic != ""
			if plainPatronymic && cn.Patronymic != rn.Patronymic || has(VarRussifiedPatronymic) && !latin && cn.Patronymic == rn.Patronymic {
				fail("patronymic %q vs %q", cn.Patronymic, rn.Patronymic)
			}
			plainFamily := !has(VarRussifiedFamily) && !latin && !has(VarTypoFamily) && !has(VarChangedFamily)
			if plainFamily != (cn.Family == rn.Family) {
				fail("family %q vs %q", cn.Family, rn.Family)
			}
			if has(VarTypoFamily) && !has(VarRussifiedFamily) && !latin && !has(VarChangedFamily) {
				if d := editDistance(cn.Family, rn.Family); d < 1 || d > 2 {
					fail("typo at distance %d", d)
				}
				checked[VarTypoFamily]++
			}
			if has(VarRussifiedGiven) && !latin && !has(VarTypoGiven) {
				checked[VarRussifiedGiven]++
			}
			if has(VarBirthNameAlias) && !latin && !has(VarRussifiedFamily) {
				if len(child.Names) < 2 || child.Names[1].Source != domain.SourceBirth || child.Names[1].Family != rn.Family {
					fail("birth name not kept as %q", rn.Family)
				}
				checked[VarBirthNameAlias]++
			}
		}
		if has(VarMissingPatronymic) != (cn.Patronymic == "") {
			fail("child patronymic %q", cn.Patronymic)
		}
		if has(VarChangedFamily) != (cn.Source == domain.SourceChanged) {
			fail("child name source %s", cn.Source)
		}
		if has(VarAliasDiminutive) != slices.ContainsFunc(child.Names, func(n domain.Name) bool { return n.Source == domain.SourceAlias }) {
			fail("alias")
		}

		// Birth dates.
		cb, rb := child.BirthDate, req.BirthDate
		if has(VarMissingBirthDate) != cb.IsZero() {
			fail("child birth date %s", cb)
		}
		if has(VarYearOnly) != (cb.Precision == domain.PrecisionYear) || has(VarMonthOnly) != (cb.Precision == domain.PrecisionMonth) {
			fail("child birth precision %s", cb.Precision)
		}
		if rb.Precision == domain.PrecisionDay && !cb.IsZero() {
			r, d := rb.Earliest, cb.Earliest
			switch {
			case has(VarSwappedDayMonth):
				if int(d.Month) != r.Day || (cb.Precision == domain.PrecisionDay && d.Day != int(r.Month)) {
					fail("not swapped: %s vs %s", cb, rb)
				}
				checked[VarSwappedDayMonth]++
			case !has(VarYearOnly) && !has(VarMonthOnly) && !has(VarWrongYear):
				if cb != rb {
					fail("birth date %s vs %s", cb, rb)
				}
			}
			if has(VarWrongYear) != (d.Year != r.Year) || has(VarWrongYear) && (d.Year-r.Year)*(d.Year-r.Year) != 1 {
				fail("birth year %d vs %d", d.Year, r.Year)
			}
		}
		if has(VarMissingBirthPlace) != (child.BirthPlace == "") {
			fail("birth place %q", child.BirthPlace)
		}
		if has(VarMissingRelatives) != (len(child.Relatives) == 0) {
			fail("%d relatives", len(child.Relatives))
		}
		if len(p.Variations) == 0 && (cn.Full() != rn.Full() || cb != rb) {
			fail("no variations, yet %q %s vs %q %s", cn.Full(), cb, rn.Full(), rb)
		}
	}
	for _, v := range []string{VarTypoFamily, VarRussifiedGiven, VarBirthNameAlias, VarSwappedDayMonth} {
		if checked[v] < 5 {
			t.Errorf("only %d pairs with %s checked", checked[v], v)
		}
	}
}

func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur := make([]int, len(y)+1)
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(y)]
}

func TestStopsOnSinkErrorAndCancel(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	err := Generate(context.Background(), Config{Seed: 1, N: 1000}, SinkFuncs{
		ChildFunc: func(domain.Record) error {
			calls++
			if calls == 10 {
				return boom
			}
			return nil
		},
	})
	if !errors.Is(err, boom) || calls != 10 {
		t.Errorf("err = %v after %d calls, want boom after 10", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	err = Generate(ctx, Config{Seed: 1, N: 100_000}, SinkFuncs{
		RequestFunc: func(domain.Record) error {
			if calls++; calls == 2000 {
				cancel()
			}
			return nil
		},
	})
	if !errors.Is(err, context.Canceled) || calls > 4000 {
		t.Errorf("err = %v after %d records, want to stop soon after cancel", err, calls)
	}
}

func TestTypo(t *testing.T) {
	r := newSource()
	for i, s := range []string{"Мельник", "Ab", "Анна", "Лук'яненко", "Kovalenko", "Ян", "Ковальчук"} {
		for k := range 200 {
			r.reset(1, streamChild, i*1000+k)
			got := typo(s, r)
			if got == s || !utf8.ValidString(got) {
				t.Fatalf("typo(%q) = %q", s, got)
			}
			if d := editDistance(got, s); d > 2 {
				t.Fatalf("typo(%q) = %q at distance %d", s, got, d)
			}
			if []rune(got)[0] != []rune(s)[0] {
				t.Fatalf("typo(%q) = %q changed the first letter", s, got)
			}
		}
	}
}

func TestExternalID(t *testing.T) {
	for _, tc := range []struct {
		party byte
		i     int
		want  string
	}{{'A', 0, "A-0000001"}, {'B', 455, "B-0000456"}, {'A', 999_999, "A-1000000"}} {
		if got := externalID(tc.party, tc.i); got != tc.want {
			t.Errorf("externalID(%c, %d) = %q, want %q", tc.party, tc.i, got, tc.want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var records int
			for b.Loop() {
				err := Generate(context.Background(), Config{Seed: 1, N: n}, SinkFuncs{
					RequestFunc: func(domain.Record) error { records++; return nil },
					ChildFunc:   func(domain.Record) error { records++; return nil },
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
