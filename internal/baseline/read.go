package baseline

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/interchange"
)

// readToday is the date ReadInterchange checks "not in the future"
// against. Synthetic data is generated for a fixed reference date that may
// lie ahead of the wall clock, and the baseline only wants names and years,
// so no row is refused for its dates.
var readToday = domain.Date{Year: 2099, Month: 12, Day: 31}

// ReadInterchange reads an interchange CSV file (as reunite synth writes
// requests.csv and children.csv) into rows: the primary name in full and
// the birth year. A row that is not a valid record is an error, with its
// line: a benchmark must not silently run on less data than it names.
func ReadInterchange(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The kind only matters for fields the file format does not carry
	// (whereabouts, enquirer contacts), so child fits either list.
	r, err := interchange.NewReader(f, domain.KindChild, interchange.Options{Today: readToday})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rows []Row
	for {
		rec, _, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err) // err names the line
		}
		rows = append(rows, Row{
			ID:        rec.ExternalID,
			FullName:  rec.Person.PrimaryName().Full(),
			BirthYear: birthYear(rec.Person.BirthDate),
		})
	}
}

// birthYear is the year of a fuzzy birth date, the middle one of a range
// (~2012, written for 2011–2013, gives 2012), or 0 when unknown.
func birthYear(d domain.FuzzyDate) int {
	if d.IsZero() {
		return 0
	}
	return (d.Earliest.Year + d.Latest.Year) / 2
}

// truthHeader is the header of the truth file reunite synth writes.
var truthHeader = []string{"request_id", "child_id", "variations"}

// ReadTruth reads the true pairs of a synthetic dataset (reunite synth's
// truth.csv: request_id,child_id,variations) as request id → child id.
func ReadTruth(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		if err == io.EOF {
			err = errors.New("empty file")
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !slices.Equal(header, truthHeader) {
		return nil, fmt.Errorf("%s: header %q, want %q", path, header, truthHeader)
	}
	truth := map[string]string{}
	for {
		row, err := r.Read()
		if err == io.EOF {
			return truth, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		req, child := row[0], row[1]
		if req == "" || child == "" {
			return nil, fmt.Errorf("%s: line %d: empty request or child id", path, line)
		}
		if prev, dup := truth[req]; dup {
			return nil, fmt.Errorf("%s: line %d: request %s paired twice (with %s and %s)", path, line, req, prev, child)
		}
		truth[req] = child
	}
}
