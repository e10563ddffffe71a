package domain

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Script tells how a name was written. Knowing the script (and, for Cyrillic,
// the language) lets the matcher pick the right transliteration.
type Script string

const (
	ScriptUkrainian Script = "uk-Cyrl" // Ukrainian Cyrillic
	ScriptRussian   Script = "ru-Cyrl" // Russian Cyrillic
	ScriptCyrillic  Script = "Cyrl"    // Cyrillic, language not known
	ScriptLatin     Script = "Latn"    // Latin letters, any transliteration
)

// Scripts lists the valid scripts.
var Scripts = []Script{ScriptUkrainian, ScriptRussian, ScriptCyrillic, ScriptLatin}

// NameSource tells where a name comes from.
type NameSource string

const (
	SourceBirth    NameSource = "birth"    // the name given at birth
	SourceDocument NameSource = "document" // as written on a document the party holds
	SourceAlias    NameSource = "alias"    // a nickname, diminutive or other known form
	// SourceChanged is a name given after displacement (new documents,
	// adoption, Russification): the case the matcher must see through.
	SourceChanged NameSource = "changed_after_displacement"
)

// NameSources lists the valid name sources.
var NameSources = []NameSource{SourceBirth, SourceDocument, SourceAlias, SourceChanged}

// Name is one name of a person, as written.
type Name struct {
	Given      string     `json:"given,omitempty"`
	Patronymic string     `json:"patronymic,omitempty"`
	Family     string     `json:"family,omitempty"`
	Script     Script     `json:"script,omitempty"`
	Source     NameSource `json:"source,omitempty"`
}

// Full returns the name in the order given, patronymic, family.
func (n Name) Full() string {
	return joinNonEmpty(" ", n.Given, n.Patronymic, n.Family)
}

// IsZero reports whether no part of the name is known.
func (n Name) IsZero() bool { return n.Given == "" && n.Patronymic == "" && n.Family == "" }

// ParseFullName splits "Given [Patronymic] Family" written as one string, as
// in the interchange CSV's other_names cells: one word is a given name (an
// alias such as "Sasha" usually is), two are given and family, and with three
// or more the last is the family name and the ones between are the patronymic.
func ParseFullName(s string) Name {
	words := strings.Fields(s)
	switch len(words) {
	case 0:
		return Name{}
	case 1:
		return Name{Given: words[0]}
	case 2:
		return Name{Given: words[0], Family: words[1]}
	}
	return Name{Given: words[0], Patronymic: strings.Join(words[1:len(words)-1], " "), Family: words[len(words)-1]}
}

// DetectScript guesses the script of a text: letters only Ukrainian has (і ї є ґ)
// mean Ukrainian, letters only Russian has (ы э ъ ё) mean Russian, other
// Cyrillic is Cyrillic of unknown language. It returns "" for text with no letters.
func DetectScript(s string) Script {
	var cyr, lat int
	var uk, ru bool
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
			switch unicode.ToLower(r) {
			case 'і', 'ї', 'є', 'ґ':
				uk = true
			case 'ы', 'э', 'ъ', 'ё':
				ru = true
			}
		case unicode.Is(unicode.Latin, r):
			lat++
		}
	}
	switch {
	case cyr == 0 && lat == 0:
		return ""
	case lat > cyr:
		return ScriptLatin
	case uk && !ru:
		return ScriptUkrainian
	case ru && !uk:
		return ScriptRussian
	}
	return ScriptCyrillic
}

// Sex as recorded.
type Sex string

const (
	SexFemale  Sex = "female"
	SexMale    Sex = "male"
	SexUnknown Sex = "unknown"
)

// Sexes lists the valid values.
var Sexes = []Sex{SexFemale, SexMale, SexUnknown}

// Category is why the child and family are apart.
type Category string

const (
	// CategoryFrontline: moved to the other country because of frontline fighting.
	CategoryFrontline Category = "displaced_by_frontline_fighting"
	// CategoryAcrossBorder: separated from family members across the border.
	CategoryAcrossBorder Category = "separated_across_border"
	// CategoryInstitution: moved with an evacuated institution (orphanage, boarding school, hospital).
	CategoryInstitution Category = "institution_evacuated"
	CategoryOther       Category = "other"
)

// Categories lists the valid categories.
var Categories = []Category{CategoryFrontline, CategoryAcrossBorder, CategoryInstitution, CategoryOther}

// Place is where something happened, as precisely as known.
type Place struct {
	Settlement string `json:"settlement,omitempty"`
	Oblast     string `json:"oblast,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2 where known
}

// IsZero reports whether nothing about the place is known.
func (p Place) IsZero() bool { return p == Place{} }

// String returns "settlement, oblast, country" with unknown parts left out.
func (p Place) String() string { return joinNonEmpty(", ", p.Settlement, p.Oblast, p.Country) }

// Separation describes when, where and why the child was separated.
type Separation struct {
	Date     FuzzyDate `json:"date,omitzero"`
	Place    string    `json:"place,omitempty"`
	Category Category  `json:"category,omitempty"`
}

// Relation of a relative to the child.
type Relation string

const (
	RelationMother      Relation = "mother"
	RelationFather      Relation = "father"
	RelationSibling     Relation = "sibling"
	RelationGrandparent Relation = "grandparent"
	RelationAuntUncle   Relation = "aunt_uncle"
	RelationGuardian    Relation = "guardian"
	RelationOther       Relation = "other"
)

// Relations lists the valid relations.
var Relations = []Relation{RelationMother, RelationFather, RelationSibling, RelationGrandparent, RelationAuntUncle, RelationGuardian, RelationOther}

// Relative is a family member named in a record.
type Relative struct {
	Relation Relation `json:"relation"`
	Name     string   `json:"name"`
}

// Person is the description of a child that both child records and tracing
// requests carry, and that matching compares.
type Person struct {
	// Names[0] is the primary name; others are other known forms.
	Names      []Name     `json:"names"`
	Sex        Sex        `json:"sex,omitempty"`
	BirthDate  FuzzyDate  `json:"birth_date,omitzero"`
	BirthPlace string     `json:"birth_place,omitempty"`
	LastHome   Place      `json:"last_home,omitzero"`
	Separation Separation `json:"separation,omitzero"`
	Relatives  []Relative `json:"relatives,omitempty"`
	Features   string     `json:"distinguishing_features,omitempty"`
	Notes      string     `json:"notes,omitempty"`
}

// PrimaryName returns the first name, or the zero Name.
func (p Person) PrimaryName() Name {
	if len(p.Names) == 0 {
		return Name{}
	}
	return p.Names[0]
}

// RelativeName returns the first relative's name with the relation, or "".
func (p Person) RelativeName(rel Relation) string {
	for _, r := range p.Relatives {
		if r.Relation == rel {
			return r.Name
		}
	}
	return ""
}

// Normalize puts every text field into Unicode NFC with surrounding space
// trimmed and inner runs of space folded, and fills in each name's script when
// it was not given. Names are otherwise kept exactly as written.
func (p *Person) Normalize() {
	for i := range p.Names {
		n := &p.Names[i]
		n.Given, n.Patronymic, n.Family = Clean(n.Given), Clean(n.Patronymic), Clean(n.Family)
		if n.Script == "" {
			n.Script = DetectScript(n.Full())
		}
		if n.Source == "" {
			n.Source = SourceBirth
		}
	}
	p.BirthPlace = Clean(p.BirthPlace)
	p.LastHome = Place{Clean(p.LastHome.Settlement), Clean(p.LastHome.Oblast), strings.ToUpper(Clean(p.LastHome.Country))}
	p.Separation.Place = Clean(p.Separation.Place)
	for i := range p.Relatives {
		p.Relatives[i].Name = Clean(p.Relatives[i].Name)
	}
	p.Features = cleanText(p.Features)
	p.Notes = cleanText(p.Notes)
}

// Clean returns s in NFC with leading and trailing space removed and every
// inner run of white space replaced by one space.
func Clean(s string) string {
	if isClean(s, false) {
		return s
	}
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// isClean reports, cheaply and conservatively, whether s is already clean:
// no space at either end, no run of spaces, no white space but the space
// (and, if lines, the line feed), and only characters NFC leaves alone
// whatever surrounds them: below U+0300 or Cyrillic letters.
func isClean(s string, lines bool) bool {
	prevSpace := true
	for _, r := range s {
		switch {
		case r == ' ' || (lines && r == '\n'):
			if prevSpace && !lines {
				return false
			}
			prevSpace = true
			continue
		case r < 0x20 || r == 0x85 || r == 0xA0:
			return false
		case r < 0x300, r >= 0x400 && r <= 0x482, r >= 0x48A && r <= 0x52F:
		default:
			return false
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}

// cleanText is Clean for free text: line breaks are kept.
func cleanText(s string) string {
	if isClean(s, true) && s != "" && s[0] != ' ' && s[0] != '\n' {
		return s
	}
	return strings.TrimSpace(norm.NFC.String(s))
}

func joinNonEmpty(sep string, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}
