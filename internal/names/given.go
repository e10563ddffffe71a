package names

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed data/given_names.csv
var givenNamesCSV string

// givenClass is one row of the name table: one given name in all its forms.
type givenClass struct {
	id     int32
	female bool
	uk     []string // Ukrainian forms, the standard one first
	ru     []string // Russian forms
	dim    []string // diminutives and short forms, either language
	latin  []string // informal Latin spellings
}

// cyrillic returns the class's Cyrillic forms: Ukrainian, Russian,
// diminutives, in that order.
func (c *givenClass) cyrillic() []string {
	out := make([]string, 0, len(c.uk)+len(c.ru)+len(c.dim))
	out = append(out, c.uk...)
	out = append(out, c.ru...)
	return append(out, c.dim...)
}

// patronymic is an entry of the patronymic index.
type patronymic struct {
	class  int32
	female bool
	// clash is set when patronymics of two classes share the key
	// (Арсенівна of Арсен, Арсеніївна of Арсеній): the exact spelling then
	// decides, through nameData.exactPatronymics.
	clash bool
}

// nameData is the parsed table with its indexes. It is built once and only
// read afterwards.
type nameData struct {
	classes []givenClass // by id-1
	// given maps the key of every form of every class, and of its
	// transliteration by every system, to the classes that have it. The
	// slices are shared: callers must not change them.
	given map[string][]int32
	// patronymics maps the key of every patronymic formed from a male class
	// (both languages, both sexes, every system) to the class.
	patronymics map[string]patronymic
	// exactPatronymics maps the lower-case spellings (Cyrillic and every
	// system) of the patronymics whose key clashes to their class.
	exactPatronymics map[string]patronymic
	// patronymicForms lists the Cyrillic patronymics, for ToCyrillic.
	patronymicForms map[string][]string
	// cyrillicForms maps a key to the Cyrillic forms (given names and
	// patronymics) whose key or informal Latin spelling it is, in table
	// order: what ToCyrillic offers first.
	cyrillicForms map[string][]formEntry
}

// formEntry is a Cyrillic form of the table and its language.
type formEntry struct {
	text string
	lang int // langBoth, langUkrainian, langRussian
}

const (
	langBoth = iota
	langUkrainian
	langRussian
)

var tableData = sync.OnceValue(func() *nameData {
	d, err := parseNameData(givenNamesCSV)
	if err != nil {
		panic("names: " + err.Error())
	}
	return d
})

// parseNameData parses the table and builds its indexes.
func parseNameData(text string) (*nameData, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	r.FieldsPerRecord = 5
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "sex,uk,ru,dim,latin" {
		return nil, fmt.Errorf("given_names.csv: bad header")
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		parts := strings.Split(s, "|")
		for i, p := range parts {
			parts[i] = Normalize(p)
		}
		return parts
	}
	d := &nameData{
		given:            map[string][]int32{},
		patronymics:      map[string]patronymic{},
		exactPatronymics: map[string]patronymic{},
		patronymicForms:  map[string][]string{},
		cyrillicForms:    map[string][]formEntry{},
	}
	for i, row := range rows[1:] {
		c := givenClass{
			id:    int32(i + 1),
			uk:    split(row[1]),
			ru:    split(row[2]),
			dim:   split(row[3]),
			latin: split(row[4]),
		}
		switch row[0] {
		case "m":
		case "f":
			c.female = true
		default:
			return nil, fmt.Errorf("given_names.csv row %d: sex %q", i+1, row[0])
		}
		if len(c.uk) == 0 || len(c.ru) == 0 {
			return nil, fmt.Errorf("given_names.csv row %d: no Ukrainian or Russian form", i+1)
		}
		d.classes = append(d.classes, c)
	}
	type pat struct {
		p     patronymicForm
		class int32
		lang  int
	}
	var pats []pat
	for i := range d.classes {
		c := &d.classes[i]
		formKeys := map[string]bool{}
		for _, f := range c.cyrillic() {
			k := Key(f)
			formKeys[k] = true
			d.addGiven(k, c.id)
			for _, sys := range Systems {
				d.addGiven(Key(Transliterate(f, sys)), c.id)
			}
		}
		for _, f := range c.uk {
			d.addForm(Key(f), formEntry{f, langUkrainian})
		}
		for _, f := range c.ru {
			d.addForm(Key(f), formEntry{f, langRussian})
		}
		for _, f := range c.dim {
			d.addForm(Key(f), formEntry{f, langBoth})
		}
		for _, l := range c.latin {
			k := Key(l)
			d.addGiven(k, c.id)
			if !formKeys[k] {
				// An informal spelling that no Cyrillic form explains
				// (Victoria, Eugene): offer the class's forms, Russian
				// first, as informal spellings mostly follow them.
				for _, f := range c.ru {
					d.addForm(k, formEntry{f, langBoth})
				}
				for _, f := range c.uk {
					d.addForm(k, formEntry{f, langBoth})
				}
			}
		}
		if c.female {
			continue
		}
		for _, f := range c.uk {
			for _, p := range ukrainianPatronymics(f) {
				pats = append(pats, pat{p, c.id, langUkrainian})
			}
		}
		for _, f := range c.ru {
			for _, p := range russianPatronymics(f) {
				pats = append(pats, pat{p, c.id, langRussian})
			}
		}
	}
	for _, x := range pats {
		d.addPatronymic(x.p, x.class, x.lang)
	}
	// Where keys clash, index the exact spellings.
	for _, x := range pats {
		for _, v := range spellings(x.p.form) {
			if e := d.patronymics[Key(v)]; e.clash {
				d.exactPatronymics[exactForm(v)] = patronymic{x.class, x.p.female, false}
			}
		}
	}
	return d, nil
}

// exactForm is the spelling of s by which exactPatronymics is keyed.
func exactForm(s string) string {
	return strings.ToLower(strings.ReplaceAll(Normalize(s), string(Apostrophe), "'"))
}

// spellings returns a Cyrillic form and its transliteration by every system.
func spellings(form string) []string {
	out := []string{form}
	for _, sys := range Systems {
		out = append(out, Transliterate(form, sys))
	}
	return out
}

func (d *nameData) addGiven(k string, id int32) {
	if k == "" {
		return
	}
	if ids := d.given[k]; !slices.Contains(ids, id) {
		// Full slices, so that an append by a careless caller copies.
		ids = append(ids, id)
		d.given[k] = ids[:len(ids):len(ids)]
	}
}

// addForm adds a Cyrillic form under a key; a form of both languages
// (Максим, Анна) becomes langBoth.
func (d *nameData) addForm(k string, e formEntry) {
	forms := d.cyrillicForms[k]
	if i := slices.IndexFunc(forms, func(o formEntry) bool { return o.text == e.text }); i >= 0 {
		if forms[i].lang != e.lang {
			forms[i].lang = langBoth
		}
		return
	}
	d.cyrillicForms[k] = append(forms, e)
}

// addPatronymic indexes one patronymic form. When two classes give the same
// key the first keeps it, marked as a clash.
func (d *nameData) addPatronymic(p patronymicForm, class int32, lang int) {
	d.addForm(Key(p.form), formEntry{p.form, lang})
	if k := Key(p.form); !slices.Contains(d.patronymicForms[k], p.form) {
		d.patronymicForms[k] = append(d.patronymicForms[k], p.form)
	}
	for _, v := range spellings(p.form) {
		k := Key(v)
		if k == "" {
			continue
		}
		e, ok := d.patronymics[k]
		switch {
		case !ok:
			d.patronymics[k] = patronymic{class, p.female, false}
		case e.class != class || e.female != p.female:
			e.clash = true
			d.patronymics[k] = e
		}
	}
}

// GivenClasses returns the ids (> 0) of the given-name classes s can be a
// form of: a Ukrainian or Russian form, a diminutive or short form of either
// language, the transliteration of any of these by any System, or a common
// informal Latin spelling (Alexander, Sergey, Dmitry, Natalya, Tatyana). The
// lookup is by Key, so spelling variants that Key folds together are found
// too. Male and female names are different classes (Олександр, Олександра);
// a form that belongs to several classes returns all of them, in table
// order: the diminutives Саша and Шура (Олександр, Олександра), Женя, Валя,
// Слава (every -слав and -слава name), Сеня (Семен, Арсеній), Тима (Тимофій,
// Тимур), Стася, Леся; and Russian forms shared by two Ukrainian names
// (Дарья for Дарія and Дарина). It returns nil for a name not in the table,
// and for a name of several words (split those with Tokens first).
//
// The returned slice is shared: do not change it. GivenClasses does not
// allocate for names in ASCII or Cyrillic.
func GivenClasses(s string) []int32 {
	var buf [64]byte
	k := appendKey(buf[:0], s)
	if len(k) == 0 {
		return nil
	}
	return tableData().given[string(k)]
}

// GivenClassName returns the standard Ukrainian form of a class, for
// explanations, or "" for an unknown id.
func GivenClassName(id int32) string {
	c := class(id)
	if c == nil {
		return ""
	}
	return c.uk[0]
}

// GivenClassFemale reports whether a class is of female names (false for an
// unknown id).
func GivenClassFemale(id int32) bool {
	c := class(id)
	return c != nil && c.female
}

// GivenClassCount returns the number of classes: ids run from 1 to it.
func GivenClassCount() int { return len(tableData().classes) }

func class(id int32) *givenClass {
	d := tableData()
	if id < 1 || int(id) > len(d.classes) {
		return nil
	}
	return &d.classes[id-1]
}

// PatronymicClass returns the class of the father's given name a patronymic
// is formed from, and whether it is the female form: Олександрович,
// Олександрівна, Александрович, Александровна, Oleksandrovych and
// Aleksandrovich all give the class of Олександр (Миколайович and
// Николаевич that of Микола, Ілліч and Ильич that of Ілля). It recognises
// the patronymics of every male class of the table in both languages, in
// Cyrillic and in any System or a spelling Key folds with one, and returns
// 0, false for anything else. Where Key folds patronymics of two names
// together (Арсенівна of Арсен, Арсеніївна of Арсеній: both arsenivna) the
// exact spelling decides, and a spelling of neither gives the first class of
// the table.
func PatronymicClass(s string) (class int32, female bool) {
	var buf [64]byte
	k := appendKey(buf[:0], s)
	if len(k) == 0 {
		return 0, false
	}
	d := tableData()
	p, ok := d.patronymics[string(k)]
	if !ok {
		return 0, false
	}
	if p.clash {
		if e, ok := d.exactPatronymics[exactForm(s)]; ok {
			return e.class, e.female
		}
	}
	return p.class, p.female
}

// patronymicForm is a patronymic and its sex.
type patronymicForm struct {
	form   string
	female bool
}

// Irregular Ukrainian patronymics: the male form first, then the female.
// Several have a second, regular or colloquial, form that is also written.
var ukrainianIrregular = map[string][]string{
	"Микола":   {"Миколайович", "Миколаївна"},
	"Ілля":     {"Ілліч", "Іллівна", "Іллічівна"},
	"Лука":     {"Лукич", "Луківна", "Лукович"},
	"Кузьма":   {"Кузьмич", "Кузьмівна", "Кузьмович"},
	"Хома":     {"Хомич", "Хомівна", "Хомович"},
	"Сава":     {"Савич", "Савівна", "Савович"},
	"Яків":     {"Якович", "Яківна"},
	"Федір":    {"Федорович", "Федорівна"},
	"Сидір":    {"Сидорович", "Сидорівна"},
	"Григорій": {"Григорович", "Григорівна", "Григорійович", "Григоріївна"},
	"Лев":      {"Львович", "Львівна", "Левович", "Левівна"},
	"Павло":    {"Павлович", "Павлівна"},
	"Петро":    {"Петрович", "Петрівна"},
}

// ukrainianPatronymics forms the patronymics of a Ukrainian father's name by
// the rules of Ukrainian grammar: -ович/-івна after a consonant (Олександр),
// -йович/-ївна after й (Андрій), -ьович/-івна after ь (Василь),
// the final -о/-а replaced (Петро, Микита), and the irregular ones.
func ukrainianPatronymics(father string) []patronymicForm {
	if forms, ok := ukrainianIrregular[father]; ok {
		out := []patronymicForm{{forms[0], false}, {forms[1], true}}
		for _, f := range forms[2:] {
			out = append(out, patronymicForm{f, strings.HasSuffix(f, "на")})
		}
		return out
	}
	stem, last := cutLastRune(father)
	switch last {
	case 'й':
		return []patronymicForm{{father + "ович", false}, {stem + "ївна", true}}
	case 'ь':
		return []patronymicForm{{father + "ович", false}, {stem + "івна", true}}
	case 'о', 'а', 'я':
		return []patronymicForm{{stem + "ович", false}, {stem + "івна", true}}
	}
	return []patronymicForm{{father + "ович", false}, {father + "івна", true}}
}

// Irregular Russian patronymics: male, female, and further forms in use.
var russianIrregular = map[string][]string{
	"Илья":    {"Ильич", "Ильинична"},
	"Никита":  {"Никитич", "Никитична"},
	"Лука":    {"Лукич", "Лукинична"},
	"Фома":    {"Фомич", "Фоминична"},
	"Кузьма":  {"Кузьмич", "Кузьминична"},
	"Савва":   {"Саввич", "Саввична"},
	"Пётр":    {"Петрович", "Петровна"},
	"Петр":    {"Петрович", "Петровна"},
	"Павел":   {"Павлович", "Павловна"},
	"Лев":     {"Львович", "Львовна"},
	"Яков":    {"Яковлевич", "Яковлевна", "Яковевич"},
	"Михаил":  {"Михайлович", "Михайловна"},
	"Гавриил": {"Гаврилович", "Гавриловна", "Гавриилович", "Гаврииловна"},
	"Даниил":  {"Даниилович", "Данииловна", "Данилович", "Даниловна"},
	"Самуил":  {"Самуилович", "Самуиловна"},
}

// russianPatronymics forms the patronymics of a Russian father's name:
// -ович/-овна after a hard consonant (Александр), -евич/-евна after й or ь
// (Андрей → Андреевич, Игорь → Игоревич), -ий → -ьевич or -иевич (both are
// formed: Юрьевич, Дмитриевич), -а → -ич/-ична or -ович/-овна (Данила →
// Данилович), and the irregular ones.
func russianPatronymics(father string) []patronymicForm {
	if forms, ok := russianIrregular[father]; ok {
		out := []patronymicForm{{forms[0], false}, {forms[1], true}}
		for _, f := range forms[2:] {
			out = append(out, patronymicForm{f, strings.HasSuffix(f, "на")})
		}
		return out
	}
	if stem, ok := strings.CutSuffix(father, "ий"); ok {
		return []patronymicForm{
			{stem + "ьевич", false}, {stem + "ьевна", true},
			{stem + "иевич", false}, {stem + "иевна", true},
		}
	}
	stem, last := cutLastRune(father)
	switch last {
	case 'й', 'ь':
		return []patronymicForm{{stem + "евич", false}, {stem + "евна", true}}
	case 'а', 'я':
		return []patronymicForm{{stem + "ович", false}, {stem + "овна", true}}
	}
	return []patronymicForm{{father + "ович", false}, {father + "овна", true}}
}

func cutLastRune(s string) (string, rune) {
	r, size := utf8.DecodeLastRuneInString(s)
	return s[:len(s)-size], r
}
