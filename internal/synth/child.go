package synth

import (
	"slices"
	"strconv"
	"time"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/names"
)

// Probabilities of the variations party B applies at DifficultyStandard,
// each drawn on its own (the hard profile is in difficulty.go). Unmatched
// children are written by exactly the same process, so nothing in a record
// tells whether it has a pair.
const (
	pRussify           = 0.60 // name in Russian form (ru-Cyrl)
	pLatin             = 0.12 // name in Latin letters
	pTypoGiven         = 0.05
	pTypoFamily        = 0.08
	pChangedFamily     = 0.07
	pBirthNameAlias    = 0.5 // of changed_family
	pAliasDiminutive   = 0.12
	pMissingPatronymic = 0.12
	pMissingBirthDate  = 0.04
	pWrongYear         = 0.05
	pSwappedDayMonth   = 0.04 // when the day is 12 or less and not the month
	pMonthOnly         = 0.05
	pYearOnly          = 0.10
	pMissingBirthPlace = 0.25
	pMissingRelatives  = 0.45
	pRussianPlaces     = 0.85
)

// presentChild writes g.truth as party B would: from documents and what
// the child or an institution said, mostly in Russian, often incompletely.
func (g *generator) presentChild(id string, vars *[]string) domain.Record {
	t, c, r, pr := &g.truth, g.cat, g.present, g.profile
	add := func(v string) { *vars = append(*vars, v) }
	lang := ukrainian
	if r.chance(pr.russify) {
		lang = russian
	}
	rel := relatives{c: c, t: t, lang: lang, r: r}
	child := c.given[t.sex][t.given]

	// Names.
	name := domain.Name{
		Given:      rel.givenName(t.sex, t.given),
		Patronymic: rel.patronymic(t.father, t.sex),
		Family:     rel.family(t.family, t.sex),
		Script:     domain.ScriptUkrainian,
		Source:     domain.SourceDocument,
	}
	if r.chance(pr.missingPatronymic) {
		name.Patronymic = ""
		add(VarMissingPatronymic)
	}
	if lang == russian {
		name.Script = domain.ScriptRussian
		ukPatronymic := c.given[male][t.father].ukPatronymic[t.sex]
		if name.Given != child.uk {
			add(VarRussifiedGiven)
		}
		if name.Patronymic != "" && name.Patronymic != ukPatronymic {
			add(VarRussifiedPatronymic)
		}
		if name.Family != c.surnames[t.family].uk[t.sex] {
			add(VarRussifiedFamily)
		}
	}
	var birthName *domain.Name
	changed := r.chance(pr.changedFamily)
	if changed {
		kept := name
		kept.Source = domain.SourceBirth
		for old := name.Family; name.Family == old; { // Попов may already be Попов
			name.Family = c.russian[r.IntN(len(c.russian))].ru[t.sex]
		}
		name.Source = domain.SourceChanged
		add(VarChangedFamily)
		if r.chance(pr.birthNameAlias) {
			birthName = &kept
			add(VarBirthNameAlias)
		} else {
			// The Russian spelling of the old surname is no longer seen.
			*vars = slices.DeleteFunc(*vars, func(v string) bool { return v == VarRussifiedFamily })
		}
	}
	if r.chance(pr.latin) {
		sys, v := latinSystem(r, lang)
		name = latin(name, sys)
		if v == VarLatinInformal && child.informal != "" && lang == russian {
			name.Given = child.informal
		}
		if birthName != nil {
			*birthName = latin(*birthName, sys)
		}
		add(v)
	}
	typoGiven := r.chance(pr.typoGiven)
	if typoGiven {
		name.Given = typo(name.Given, r)
		add(VarTypoGiven)
	}
	// Cap 1: a typo only in the real family name. The chance is drawn
	// first, so the stream is the same whether or not the cap applies.
	if r.chance(pr.typoFamily) && !(pr.capped && changed) {
		name.Family = typo(name.Family, r)
		add(VarTypoFamily)
	}
	p := domain.Person{Names: make([]domain.Name, 1, 3), Sex: sexOf(t.sex)}
	p.Names[0] = name
	if birthName != nil {
		p.Names = append(p.Names, *birthName)
	}
	if child.dim != "" && r.chance(pr.aliasDiminutive) {
		p.Names = append(p.Names, domain.Name{Given: child.dim, Script: domain.ScriptRussian, Source: domain.SourceAlias})
		add(VarAliasDiminutive)
	}

	// Dates: the separation first, since the birth date must stay before it.
	separated := t.separation
	if pr.separationLater > 0 && r.chance(pr.separationLater) {
		// B often knows only when it registered the child, not when the
		// family lost them.
		// Still a child then, and not in the future.
		adult := dayNumber(addYears(dateOf(t.birth), 18)) - 1
		separated = min(separated+1+r.IntN(pr.separationLaterDays), g.today, max(adult, t.separation))
		if separated != t.separation {
			add(VarSeparationLater)
		}
	}
	p.Separation = domain.Separation{
		Date:     fuzzy(dateOf(separated), choose(r, w(35, toDay), w(50, toMonth), w(15, unknown))),
		Category: t.category,
	}
	// Cap 2: with the given name mistyped and the family name changed, the
	// birth date is the anchor left, so it must not be wrong too.
	dateMayErr := !(pr.capped && typoGiven && changed)
	var dateDamaged bool
	p.BirthDate, dateDamaged = g.childBirthDate(p.Separation.Date, dateMayErr, add)
	damaged := 0
	for _, d := range []bool{typoGiven, changed, dateDamaged} {
		if d {
			damaged++
		}
	}

	// Places.
	placeLang := ukrainian
	if r.chance(pr.russianPlaces) {
		placeLang = russian
	}
	differs := false
	place := func(s int) string {
		st := c.settlements[s]
		if placeLang == russian {
			differs = differs || st.ru != st.uk
			return st.ru
		}
		return st.uk
	}
	if r.chance(pr.missingBirthPlace) {
		add(VarMissingBirthPlace)
	} else {
		p.BirthPlace = place(t.birthPlace)
	}
	if r.chance(0.7) {
		ob := c.oblasts[c.settlements[t.home].oblast]
		p.LastHome = domain.Place{Settlement: place(t.home), Oblast: ob.uk, Country: "UA"}
		if placeLang == russian {
			p.LastHome.Oblast = ob.ru
		}
	}
	if r.chance(0.7) {
		p.Separation.Place = place(t.separationPlace)
	}
	if differs {
		add(VarRussianPlaces)
	}

	// Relatives, features. Cap 3: two anchors damaged, relatives kept.
	// Cap 5: a changed family name, relatives kept.
	if r.chance(pr.missingRelatives) && !(pr.capped && (damaged >= 2 || changed)) {
		add(VarMissingRelatives)
	} else {
		p.Relatives = append(p.Relatives, rel.mother(0.6).relative())
		if t.fatherKnown && r.chance(0.6) {
			p.Relatives = append(p.Relatives, rel.father(0.6).relative())
		}
		if t.hasSibling && r.chance(0.5) {
			p.Relatives = append(p.Relatives, rel.sibling().relative())
		}
	}
	if t.feature >= 0 && r.chance(0.5) {
		p.Features = features[t.feature][1]
	}

	return domain.Record{
		Kind:       domain.KindChild,
		ExternalID: id,
		Person:     p,
		Sensitive:  g.whereabouts(),
	}
}

// childBirthDate is the birth date B writes: the true one, perhaps with the
// year off by one or day and month swapped, to the day, month or year, and
// whether it is damaged (missing or in the wrong year). Unless mayErr it is
// neither. Every variation keeps the date before the separation and not in
// the future, so that the record stays valid.
func (g *generator) childBirthDate(sep domain.FuzzyDate, mayErr bool, add func(string)) (_ domain.FuzzyDate, damaged bool) {
	t, r, pr := &g.truth, g.present, g.profile
	if r.chance(pr.missingBirthDate) && mayErr {
		add(VarMissingBirthDate)
		return domain.FuzzyDate{}, true
	}
	limit := min(g.today, t.separation)
	if !sep.IsZero() {
		limit = min(g.today, dayNumber(sep.Latest))
	}
	d := dateOf(t.birth)
	wrongYear := r.chance(pr.wrongYear) && mayErr
	if wrongYear {
		later := addYears(d, 1)
		if r.IntN(2) == 0 || dayNumber(later) > limit {
			later = addYears(d, -1)
		}
		d = later
		add(VarWrongYear)
	}
	prec := toDay
	switch x := r.Float64(); {
	case x < pr.yearOnly:
		prec = toYear
	case x < pr.yearOnly+pr.monthOnly:
		prec = toMonth
	}
	// A swap is only seen when the month is written, and only possible
	// when the day could be a month. Cap 4: one error to a date.
	if r.chance(pr.swappedDayMonth) && prec != toYear && d.Day <= 12 && d.Day != int(d.Month) && !(pr.capped && wrongYear) {
		swapped := domain.Date{Year: d.Year, Month: time.Month(d.Day), Day: int(d.Month)}
		if dayNumber(swapped) <= limit {
			d = swapped
			add(VarSwappedDayMonth)
		}
	}
	switch prec {
	case toYear:
		add(VarYearOnly)
	case toMonth:
		add(VarMonthOnly)
	}
	return fuzzy(d, prec), wrongYear
}

// latinSystem picks how B writes a name in Latin letters: a Russian form by
// one of the Russian passport systems or informally, a Ukrainian form as on
// the child's Ukrainian documents or by ICAO.
func latinSystem(r *source, lang language) (names.System, string) {
	type option struct {
		sys names.System
		v   string
	}
	var o option
	if lang == russian {
		o = choose(r,
			w(45, option{names.RussianICAO2013, VarLatinICAO}),
			w(15, option{names.RussianGOST2006, VarLatinGOST}),
			w(20, option{names.RussianMVD1997, VarLatinMVD}),
			// Informal spellings follow English habits, as BGN/PCGN does
			// (Sergeyev, Yelena), with the usual forms of common given
			// names (Alexander, Dmitry) from the name table.
			w(20, option{names.RussianBGNPCGN, VarLatinInformal}))
	} else {
		o = choose(r,
			w(70, option{names.UkrainianNational2010, VarLatinNational}),
			w(30, option{names.RussianICAO2013, VarLatinICAO}))
	}
	return o.sys, o.v
}

// typo changes one letter of s, never the first: swaps it with the next
// (when they differ), drops it, or doubles it, as hurried typing does. The
// result always differs from s.
func typo(s string, r *source) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s + string(rs[len(rs)-1]) // too short to touch inside: double the last
	}
	i := 1 + r.IntN(len(rs)-2) // 1 … len-2, so i+1 is a letter too
	switch r.IntN(3) {
	case 0:
		if rs[i] != rs[i+1] {
			rs[i], rs[i+1] = rs[i+1], rs[i]
			return string(rs)
		}
		fallthrough
	case 1:
		return string(append(rs[:i:i], rs[i+1:]...))
	}
	return string(append(rs[:i+1:i+1], rs[i:]...))
}

// whereabouts is what B holds apart as sensitive: where the child is now,
// who looks after them, which documents B has. Institution names are made
// up; guardians' names are random combinations like every other name.
func (g *generator) whereabouts() domain.Sensitive {
	t, c, r := &g.truth, g.cat, g.present
	var s domain.Sensitive
	x := r.Float64()
	if t.category == domain.CategoryInstitution {
		x *= 0.6 // children evacuated with their institution mostly stay in one
	}
	switch {
	case x < 0.55:
		s.CurrentLocation = placementKinds[r.IntN(len(placementKinds))] + " «" +
			placementNames[r.IntN(len(placementNames))] + "» № " + strconv.Itoa(1+r.IntN(40))
		s.CurrentCaregiver = "администрация учреждения"
	case x < 0.9 || !t.hasGrandparent:
		s.CurrentLocation = "приёмная семья, адрес в деле органа опеки № " + strconv.Itoa(1000+r.IntN(9000))
		sex := r.IntN(2)
		guardian := person{
			given:      c.given[sex][c.parentW[sex].pick(r)].ru,
			patronymic: c.given[male][c.parentW[male].pick(r)].ruPatronymic[sex],
			family:     c.russian[r.IntN(len(c.russian))].ru[sex],
		}
		s.CurrentCaregiver = "опекун: " + guardian.full()
	default:
		s.CurrentLocation = "проживает у родственника, адрес в деле органа опеки № " + strconv.Itoa(1000+r.IntN(9000))
		gp := relatives{c: c, t: t, lang: russian, r: r}.grandparent()
		s.CurrentCaregiver = "родственник (бабушка или дедушка): " + gp.full()
	}
	if r.chance(0.7) {
		s.DocumentsHeld = append(s.DocumentsHeld, docBirthUA)
	}
	if r.chance(0.3) {
		s.DocumentsHeld = append(s.DocumentsHeld, docBirthRU)
	}
	if g.today-t.birth >= 14*365 {
		if r.chance(0.3) {
			s.DocumentsHeld = append(s.DocumentsHeld, docPassportUA)
		}
		if r.chance(0.25) {
			s.DocumentsHeld = append(s.DocumentsHeld, docPassportRU)
		}
	}
	if r.chance(0.5) {
		s.DocumentsHeld = append(s.DocumentsHeld, docMedical)
	}
	if g.today-t.birth >= 7*365 && r.chance(0.4) {
		s.DocumentsHeld = append(s.DocumentsHeld, docSchool)
	}
	return s
}
