package synth

import (
	"strings"
	"unicode/utf8"
)

// sex indexes the masculine and feminine forms of names.
const (
	male   = 0
	female = 1
)

// given is a given name ready for use, with the patronymics a child of a
// father of that name has (for male names), in both languages.
type given struct {
	givenRow
	ukPatronymic, ruPatronymic [2]string // by the child's sex
}

// surname holds a surname's four forms: language × sex.
type surname struct {
	uk, ru [2]string
}

type oblast struct {
	uk, ru      string
	first, n    int     // its settlements are catalogue.settlements[first:first+n]
	settlements weights // over those n
}

type settlement struct {
	uk, ru string
	oblast int
}

// catalogue is the name and place data in the form generation uses, with
// the weighted pickers over it. It is built once per Generate and only read.
type catalogue struct {
	given           [2][]given // by sex
	childW, parentW [2]weights
	surnames        []surname // head (data_surnames.go), then tail (surnames.go)
	surnameW        weights
	russian         []surname // for changed family names; only .ru is set
	oblasts         []oblast
	oblastW         weights
	settlements     []settlement
}

func newCatalogue() *catalogue {
	c := &catalogue{}
	for sex, rows := range [2][]givenRow{maleGiven, femaleGiven} {
		c.given[sex] = make([]given, len(rows))
		for i, r := range rows {
			g := given{givenRow: r}
			if sex == male {
				for s := range 2 {
					g.ukPatronymic[s] = ukrainianPatronymic(r.uk, s)
					g.ruPatronymic[s] = russianPatronymic(r.ru, s)
				}
			}
			c.given[sex][i] = g
		}
		c.childW[sex] = newWeights(len(rows), func(i int) int { return rows[i].child })
		c.parentW[sex] = newWeights(len(rows), func(i int) int { return rows[i].parent })
	}
	// The listed surnames, then the long tail (surnames.go); built once and
	// shared, since nothing writes to them.
	st := surnamesTable()
	c.surnames, c.surnameW = st.forms, st.pick
	c.russian = make([]surname, len(russianSurnames))
	for i, s := range russianSurnames {
		c.russian[i] = surname{ru: [2]string{s, feminineSurname(s, possessive, true)}}
	}
	for i, o := range oblasts {
		n := len(o.settlements)
		// The first settlement is the largest: weights n, n-1, …, 1.
		c.oblasts = append(c.oblasts, oblast{
			uk: o.uk, ru: o.ru, first: len(c.settlements), n: n,
			settlements: newWeights(n, func(j int) int { return n - j }),
		})
		for _, s := range o.settlements {
			c.settlements = append(c.settlements, settlement{s[0], s[1], i})
		}
	}
	c.oblastW = newWeights(len(oblasts), func(i int) int { return oblasts[i].weight })
	return c
}

// ukrainianPatronymic forms a patronymic from a father's Ukrainian given
// name: Олександр → Олександрович/Олександрівна, Андрій →
// Андрійович/Андріївна, Василь → Васильович/Василівна, Дмитро →
// Дмитрович/Дмитрівна, Микита → Микитович/Микитівна, and the irregular ones.
func ukrainianPatronymic(father string, sex int) string {
	irregular := map[string][2]string{
		"Микола":   {"Миколайович", "Миколаївна"},
		"Ілля":     {"Ілліч", "Іллівна"},
		"Лука":     {"Лукич", "Луківна"},
		"Яків":     {"Якович", "Яківна"},
		"Федір":    {"Федорович", "Федорівна"},
		"Григорій": {"Григорович", "Григорівна"},
		"Лев":      {"Львович", "Львівна"},
	}
	if p, ok := irregular[father]; ok {
		return p[sex]
	}
	stem, last := cutLast(father)
	switch last {
	case 'й': // Андрій → Андрійович, Андріївна
		return bySex(sex, father+"ович", stem+"ївна")
	case 'ь': // Василь → Васильович, Василівна
		return bySex(sex, father+"ович", stem+"івна")
	case 'о', 'а': // Петро → Петрович, Петрівна
		return bySex(sex, stem+"ович", stem+"івна")
	}
	return bySex(sex, father+"ович", father+"івна")
}

// russianPatronymic forms a patronymic from a father's Russian given name:
// Александр → Александрович/Александровна, Андрей → Андреевич/Андреевна,
// Николай → Николаевич/Николаевна, Юрий → Юрьевич/Юрьевна, Дмитрий →
// Дмитриевич/Дмитриевна, Игорь → Игоревич/Игоревна, and the irregular ones.
func russianPatronymic(father string, sex int) string {
	irregular := map[string][2]string{
		"Илья":   {"Ильич", "Ильинична"},
		"Никита": {"Никитич", "Никитична"},
		"Лука":   {"Лукич", "Лукинична"},
		"Пётр":   {"Петрович", "Петровна"},
		"Павел":  {"Павлович", "Павловна"},
		"Лев":    {"Львович", "Львовна"},
		"Яков":   {"Яковлевич", "Яковлевна"},
		"Михаил": {"Михайлович", "Михайловна"},
	}
	if p, ok := irregular[father]; ok {
		return p[sex]
	}
	if stem, ok := strings.CutSuffix(father, "ий"); ok {
		// After two consonants the и stays (Дмитриевич); else it becomes ь
		// (Юрьевич, Витальевич, Евгеньевич).
		rs := []rune(stem)
		if len(rs) >= 2 && !isVowel(rs[len(rs)-1]) && !isVowel(rs[len(rs)-2]) {
			return bySex(sex, stem+"иевич", stem+"иевна")
		}
		return bySex(sex, stem+"ьевич", stem+"ьевна")
	}
	stem, last := cutLast(father)
	switch last {
	case 'й', 'ь': // Андрей → Андреевич, Николай → Николаевич, Игорь → Игоревич
		return bySex(sex, stem+"евич", stem+"евна")
	}
	return bySex(sex, father+"ович", father+"овна")
}

// feminineSurname returns the form a woman of a family with surname m
// bears: unchanged for invariant surnames, Ковальський → Ковальська
// (Ковальский → Ковальская, Бережной → Бережная) for adjectival ones,
// Іванов → Іванова for possessive ones.
func feminineSurname(m string, kind surnameKind, russian bool) string {
	switch kind {
	case adjectival:
		stem, _ := cutLast(m)
		stem, _ = cutLast(stem)
		if russian {
			return stem + "ая"
		}
		return stem + "а"
	case possessive:
		return m + "а"
	}
	return m
}

func cutLast(s string) (string, rune) {
	r, size := utf8.DecodeLastRuneInString(s)
	return s[:len(s)-size], r
}

func isVowel(r rune) bool {
	return strings.ContainsRune("аеёиоуыэюяіїєАЕЁИОУЫЭЮЯІЇЄ", r)
}

func bySex(sex int, m, f string) string {
	if sex == female {
		return f
	}
	return m
}
