package names

import (
	_ "embed"
	"encoding/csv"
	"strings"
	"sync"
)

//go:embed data/places.csv
var placesCSV string

// PlaceKey returns the comparison key of a settlement's name: Key of its
// Ukrainian name when the table in data/places.csv knows the name under
// another form (Николаев for Миколаїв, Артёмовск for Бахмут), else Key of
// the name itself. Names the table does not list still compare across
// scripts through Key.
func PlaceKey(s string) string {
	k := Key(s)
	if canon, ok := placeTable()[k]; ok {
		return canon
	}
	return k
}

var placeTable = sync.OnceValue(func() map[string]string {
	r := csv.NewReader(strings.NewReader(placesCSV))
	r.Comment = '#'
	r.FieldsPerRecord = 2
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != "uk,other" {
		panic("names: places.csv: bad table")
	}
	m := map[string]string{}
	for _, row := range rows[1:] {
		canon := Key(row[0])
		for _, other := range strings.Split(row[1], "|") {
			for _, v := range spellings(Normalize(other)) {
				m[Key(v)] = canon
			}
		}
		for _, v := range spellings(Normalize(row[0])) {
			m[Key(v)] = canon
		}
	}
	return m
})
