package interchange

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Writer writes records as an interchange CSV file: every column, in the
// order of Columns, comma-delimited, UTF-8 without a byte order mark, quoted
// as RFC 4180 says, lines ending in "\n".
//
// What a Reader reads back equals what was written, for records the format
// can carry. It cannot carry: distinguishing features, enquirer and sensitive
// fields; names' script and source (the reader detects the script again, and
// other names come back as aliases); relations other than mother, father and
// other (they come back as other); a second mother or father (written among
// other_relatives); other names that domain.ParseFullName would split
// differently (a two-word given name); a ";" inside a list item; and cells
// that the formula guard below changes.
//
// Formula guard: a cell that begins with "=", "+", "-", "@", a tab or a
// carriage return gets a leading "'", as the OWASP guidance on CSV injection
// advises, so that a spreadsheet opening an export does not run it as a
// formula. No date or code the format writes begins with one of these, and no
// real name does, but a note may ("- scar on left knee") and then comes back
// with the "'": Reader stores cells as written and never strips it.
type Writer struct {
	csv         *csv.Writer
	wroteHeader bool
	row         [numColumns]string
}

// NewWriter returns a Writer writing to w. Call Flush when done.
func NewWriter(w io.Writer) *Writer { return &Writer{csv: csv.NewWriter(w)} }

// Write writes rec as one row, after the header if this is the first row.
func (w *Writer) Write(rec domain.Record) error {
	if err := w.header(); err != nil {
		return err
	}
	cells(&rec, &w.row)
	for i, v := range w.row {
		w.row[i] = guardFormula(v)
	}
	return w.csv.Write(w.row[:])
}

// Flush writes any buffered data. With no record written it writes the
// header, so that an empty list is still a valid file.
func (w *Writer) Flush() error {
	if err := w.header(); err != nil {
		return err
	}
	w.csv.Flush()
	return w.csv.Error()
}

func (w *Writer) header() error {
	if w.wroteHeader {
		return nil
	}
	w.wroteHeader = true
	return w.csv.Write(columnNames[:])
}

// cells fills row with rec's cells, before the formula guard.
func cells(rec *domain.Record, row *[numColumns]string) {
	p := &rec.Person
	primary := p.PrimaryName()
	var others []string
	for i := 1; i < len(p.Names); i++ {
		if full := p.Names[i].Full(); full != "" {
			others = append(others, full)
		}
	}
	var mother, father string
	var rels []string
	for _, r := range p.Relatives {
		switch {
		case r.Relation == domain.RelationMother && mother == "":
			mother = r.Name
		case r.Relation == domain.RelationFather && father == "":
			father = r.Name
		default:
			rels = append(rels, r.Name)
		}
	}
	*row = [numColumns]string{
		colID:              rec.ExternalID,
		colGiven:           primary.Given,
		colPatronymic:      primary.Patronymic,
		colFamily:          primary.Family,
		colOtherNames:      strings.Join(others, listSep),
		colSex:             string(p.Sex),
		colBirthDate:       p.BirthDate.String(),
		colBirthPlace:      p.BirthPlace,
		colHomeSettlement:  p.LastHome.Settlement,
		colHomeOblast:      p.LastHome.Oblast,
		colHomeCountry:     p.LastHome.Country,
		colSeparationDate:  p.Separation.Date.String(),
		colSeparationPlace: p.Separation.Place,
		colCategory:        string(p.Separation.Category),
		colMother:          mother,
		colFather:          father,
		colOtherRelatives:  strings.Join(rels, listSep),
		colNotes:           p.Notes,
	}
}

// guardFormula prefixes "'" to a cell a spreadsheet would take for a formula.
func guardFormula(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
