// Package interchange reads and writes the interchange CSV: the file format in
// which the parties exchange lists of child records and tracing requests.
//
// # Format
//
// The first line is a header naming the columns; any order is allowed, and
// names are matched case-insensitively after trimming space. The columns are
//
//	id, given_name, patronymic, family_name, other_names, sex, birth_date,
//	birth_place, home_settlement, home_oblast, home_country, separation_date,
//	separation_place, category, mother_name, father_name, other_relatives, notes
//
// Any of them may be left out, except that given_name or family_name must be
// there. A column the format does not know is an error unless a Mapping
// renames it (or maps it to Ignore).
//
// The file is UTF-8, with or without a byte order mark. The delimiter is a
// comma or a semicolon (as spreadsheets in many European locales write),
// whichever splits the header into more known column names.
//
// Cells:
//   - id is the sending party's own reference (Record.ExternalID).
//   - given_name, patronymic and family_name make the primary name.
//   - other_names is a list separated by ";" of other known names, each
//     written "Given [Patronymic] Family" as domain.ParseFullName reads it;
//     they become names with source alias.
//   - sex is female, male or unknown; also f, m, u (any case), and the
//     Ukrainian ж (жіноча) and ч (чоловіча) and Russian ж and м.
//   - birth_date and separation_date are YYYY-MM-DD, YYYY-MM, YYYY, ~YYYY
//     (about) or YYYY/YYYY (some time in these years).
//   - home_country is an ISO 3166-1 alpha-2 code such as UA.
//   - category is one of the domain.Category values, or empty.
//   - mother_name and father_name are one name each; other_relatives is a
//     list separated by ";" of other relatives' names.
//
// The kind of the records (child records or tracing requests) is not in the
// file: the caller says which list it is importing.
//
// Reading stores cells as written, apart from the domain's normalisation
// (Record.Normalize): in particular it does not strip the "'" that Writer's
// formula guard adds. A cell may hold at most MaxCellBytes bytes and a row at
// most MaxRowBytes.
package interchange

import (
	"fmt"
	"slices"
	"strings"
)

// column is one of the interchange columns.
type column int

const (
	colID column = iota
	colGiven
	colPatronymic
	colFamily
	colOtherNames
	colSex
	colBirthDate
	colBirthPlace
	colHomeSettlement
	colHomeOblast
	colHomeCountry
	colSeparationDate
	colSeparationPlace
	colCategory
	colMother
	colFather
	colOtherRelatives
	colNotes
	numColumns

	// colIgnore marks a file column that a Mapping says to skip.
	colIgnore column = -1
)

var columnNames = [numColumns]string{
	"id", "given_name", "patronymic", "family_name", "other_names", "sex", "birth_date",
	"birth_place", "home_settlement", "home_oblast", "home_country", "separation_date",
	"separation_place", "category", "mother_name", "father_name", "other_relatives", "notes",
}

func (c column) String() string { return columnNames[c] }

var columnByName = func() map[string]column {
	m := make(map[string]column, numColumns)
	for c, name := range columnNames {
		m[name] = column(c)
	}
	return m
}()

// Columns returns the interchange column names in the order Writer writes them.
func Columns() []string { return slices.Clone(columnNames[:]) }

// listSep separates the items of the list cells other_names and other_relatives.
const listSep = ";"

// Ignore as a Mapping target says to skip the file's column, for files that
// carry columns of their own that have no place in the interchange format.
const Ignore = "-"

// Mapping renames a file's columns to interchange columns: key is the column
// name in the file, value the interchange column name (or Ignore). Keys are
// matched case-insensitively after trimming, like header names.
type Mapping map[string]string

// ParseMapping parses the --map flag syntax: comma-separated pairs from=to,
// such as "Прізвище=family_name,DOB=birth_date,Internal ref=-". Space around
// names is ignored. Column names containing "," or "=" cannot be mapped this
// way; build a Mapping directly for them. Blank pairs (as a trailing comma
// leaves) are skipped, so an empty string is an empty mapping.
func ParseMapping(s string) (Mapping, error) {
	m := Mapping{}
	seen := map[string]string{} // lower-cased from → from as written
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		from, to, ok := strings.Cut(pair, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		switch {
		case !ok:
			return nil, fmt.Errorf("mapping %q: want from=to", pair)
		case from == "":
			return nil, fmt.Errorf("mapping %q: the file's column name is empty", pair)
		}
		target, err := mappingTarget(to)
		if err != nil {
			return nil, fmt.Errorf("mapping %q: %w", pair, err)
		}
		key := strings.ToLower(from)
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("mapping %q: column %q is already mapped", pair, prev)
		}
		seen[key] = from
		m[from] = target
	}
	return m, nil
}

// mappingTarget checks and canonicalises a mapping's target name.
func mappingTarget(to string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(to))
	if _, ok := columnByName[t]; !ok && t != Ignore {
		return "", fmt.Errorf("%q is not an interchange column (want one of %s, or %q to ignore the column)",
			to, strings.Join(columnNames[:], ", "), Ignore)
	}
	return t, nil
}

// normalized returns m with keys lower-cased and trimmed and targets checked.
func (m Mapping) normalized() (map[string]string, error) {
	out := make(map[string]string, len(m))
	for from, to := range m {
		key := strings.ToLower(strings.TrimSpace(from))
		if key == "" {
			return nil, fmt.Errorf("mapping: empty column name (mapped to %q)", to)
		}
		target, err := mappingTarget(to)
		if err != nil {
			return nil, fmt.Errorf("mapping %s=%s: %w", from, to, err)
		}
		if prev, dup := out[key]; dup && prev != target {
			return nil, fmt.Errorf("mapping: column %q is mapped to both %q and %q", from, prev, target)
		}
		out[key] = target
	}
	return out, nil
}
