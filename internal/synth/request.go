package synth

import (
	"strings"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/names"
)

// presentRequest writes g.truth as party A, the child's family, would: in
// Ukrainian, knowing the family well, but not always the exact dates.
func (g *generator) presentRequest(id string, vars *[]string) domain.Record {
	t, c, r, pr := &g.truth, g.cat, g.present, g.profile
	child := c.given[t.sex][t.given]
	name := domain.Name{
		Given:      child.uk,
		Patronymic: c.given[male][t.father].ukPatronymic[t.sex],
		Family:     c.surnames[t.family].uk[t.sex],
		Script:     domain.ScriptUkrainian,
		Source:     domain.SourceBirth,
	}
	if r.chance(pr.requestMissingPatronymic) {
		name.Patronymic = ""
		*vars = append(*vars, VarRequestMissingPatronymic)
	}
	if r.chance(pr.requestLatin) {
		name = latin(name, names.UkrainianNational2010)
		*vars = append(*vars, VarRequestLatin)
	}

	bw := pr.requestBirth
	birthPrecision := choose(r, w(bw[0], toDay), w(bw[1], toMonth), w(bw[2], toYear), w(bw[3], toAbout))
	switch birthPrecision {
	case toMonth:
		*vars = append(*vars, VarRequestBirthMonth)
	case toYear:
		*vars = append(*vars, VarRequestBirthYear)
	case toAbout:
		*vars = append(*vars, VarRequestBirthAbout)
	}
	home, sepPlace := c.settlements[t.home], c.settlements[t.separationPlace]
	p := domain.Person{
		Names:     []domain.Name{name},
		Sex:       sexOf(t.sex),
		BirthDate: fuzzy(dateOf(t.birth), birthPrecision),
		LastHome:  domain.Place{Settlement: home.uk, Oblast: c.oblasts[home.oblast].uk, Country: "UA"},
		Separation: domain.Separation{
			Date:     fuzzy(dateOf(t.separation), choose(r, w(55, toDay), w(40, toMonth), w(5, toYear))),
			Place:    sepPlace.uk,
			Category: t.category,
		},
	}
	if r.chance(0.9) {
		p.BirthPlace = c.settlements[t.birthPlace].uk
	}
	if t.feature >= 0 && r.chance(0.8) {
		p.Features = features[t.feature][0]
	}

	enquirer := choose(r,
		w(55, domain.RelationMother),
		w(17, domain.RelationFather),
		w(22, domain.RelationGrandparent),
		w(6, domain.RelationAuntUncle))
	if enquirer == domain.RelationFather && !t.fatherKnown || enquirer == domain.RelationGrandparent && !t.hasGrandparent {
		enquirer = domain.RelationMother
	}
	rel := relatives{c: c, t: t, lang: ukrainian, r: r}
	mother := rel.mother(0.8)
	p.Relatives = append(p.Relatives, mother.relative())
	asker := mother
	if t.fatherKnown && (enquirer == domain.RelationFather || r.chance(0.95)) {
		father := rel.father(0.8)
		p.Relatives = append(p.Relatives, father.relative())
		if enquirer == domain.RelationFather {
			asker = father
		}
	}
	if t.hasSibling {
		p.Relatives = append(p.Relatives, rel.sibling().relative())
	}
	if t.hasGrandparent && (enquirer == domain.RelationGrandparent || r.chance(0.7)) {
		gp := rel.grandparent()
		p.Relatives = append(p.Relatives, gp.relative())
		if enquirer == domain.RelationGrandparent {
			asker = gp
		}
	}
	if enquirer == domain.RelationAuntUncle {
		asker = rel.aunt()
		p.Relatives = append(p.Relatives, asker.relative())
	}

	return domain.Record{
		Kind:       domain.KindRequest,
		ExternalID: id,
		Person:     p,
		Enquirer:   &domain.Enquirer{Name: asker.full(), Relation: asker.relation},
		Sensitive:  domain.Sensitive{EnquirerContact: contact(asker, r)},
	}
}

// contact is a made-up phone number in the unused Ukrainian operator code
// 00, or an address in the reserved example.org domain.
func contact(p person, r *source) string {
	if r.chance(0.7) {
		b := []byte("+380 00 ddd dddd")
		for k := 8; k < len(b); k++ {
			if b[k] == 'd' {
				b[k] = byte('0' + r.IntN(10))
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(names.Transliterate(p.given, names.UkrainianNational2010)))
	b.WriteByte('.')
	b.WriteString(strings.ToLower(names.Transliterate(p.family, names.UkrainianNational2010)))
	b.WriteByte(byte('0' + r.IntN(10)))
	b.WriteByte(byte('0' + r.IntN(10)))
	b.WriteString("@example.org")
	return b.String()
}

func sexOf(sex int) domain.Sex {
	if sex == female {
		return domain.SexFemale
	}
	return domain.SexMale
}

// latin writes a name in Latin letters by sys.
func latin(n domain.Name, sys names.System) domain.Name {
	n.Given = names.Transliterate(n.Given, sys)
	n.Patronymic = names.Transliterate(n.Patronymic, sys)
	n.Family = names.Transliterate(n.Family, sys)
	n.Script = domain.ScriptLatin
	return n
}

type language int

const (
	ukrainian language = iota
	russian
)

// person is a relative as one side names them.
type person struct {
	given, patronymic, family string
	relation                  domain.Relation
}

func (p person) full() string {
	s := p.given
	if p.patronymic != "" {
		s += " " + p.patronymic
	}
	return s + " " + p.family
}

func (p person) relative() domain.Relative {
	return domain.Relative{Relation: p.relation, Name: p.full()}
}

// relatives names the members of the family of truth t in one language.
type relatives struct {
	c    *catalogue
	t    *truth
	lang language
	r    *source
}

func (x relatives) givenName(sex, i int) string {
	if x.lang == russian {
		return x.c.given[sex][i].ru
	}
	return x.c.given[sex][i].uk
}

func (x relatives) patronymic(father, sex int) string {
	if x.lang == russian {
		return x.c.given[male][father].ruPatronymic[sex]
	}
	return x.c.given[male][father].ukPatronymic[sex]
}

func (x relatives) family(s, sex int) string {
	if x.lang == russian {
		return x.c.surnames[s].ru[sex]
	}
	return x.c.surnames[s].uk[sex]
}

// adult is an adult's name, the patronymic given with probability p.
func (x relatives) adult(rel domain.Relation, sex, given, father, family int, p float64) person {
	a := person{given: x.givenName(sex, given), family: x.family(family, sex), relation: rel}
	if x.r.chance(p) {
		a.patronymic = x.patronymic(father, sex)
	}
	return a
}

func (x relatives) mother(p float64) person {
	return x.adult(domain.RelationMother, female, x.t.mother, x.t.motherFather, x.t.motherFamily, p)
}

func (x relatives) father(p float64) person {
	return x.adult(domain.RelationFather, male, x.t.father, x.t.fatherFather, x.t.family, p)
}

func (x relatives) grandparent() person {
	return x.adult(domain.RelationGrandparent, x.t.grandSex, x.t.grandGiven, x.t.grandFather, x.t.grandFamily, 0.8)
}

func (x relatives) sibling() person {
	t := x.t
	return person{
		given:    x.givenName(t.siblingSex, t.siblingGiven),
		family:   x.family(t.family, t.siblingSex),
		relation: domain.RelationSibling,
	}
}

// aunt is the mother's sister: she shares the mother's patronymic and, half
// the time, her maiden name.
func (x relatives) aunt() person {
	family := x.t.motherFamily
	if x.r.chance(0.5) {
		family = x.c.surnameW.pick(x.r)
	}
	return x.adult(domain.RelationAuntUncle, female, x.c.parentW[female].pick(x.r), x.t.motherFather, family, 0.8)
}
