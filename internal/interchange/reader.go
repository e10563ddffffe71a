package interchange

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// Limits that keep a hostile or broken file from exhausting memory. A cell
// of more than MaxCellBytes bytes is a field error on its row. A row (which
// may span lines inside quotes) of more than MaxRowBytes ends reading with
// ErrRowTooLong, because encoding/csv buffers a whole row: the input is cut
// off beneath it. Rows up to MaxRowBytes are always read; rows longer than
// MaxRowBytes plus the 64 KiB read buffer never are.
//
// MaxCellBytes leaves room for the longest text the domain accepts
// (domain.MaxLongText characters) at four bytes a character, so that any
// record the API accepts can travel in a file.
const (
	MaxCellBytes = 4 * domain.MaxLongText
	MaxRowBytes  = 1 << 20
)

// ErrRowTooLong is returned (wrapped) by Reader.Next for a row of more than
// about MaxRowBytes: reading cannot go on after it.
var ErrRowTooLong = errors.New("row is longer than 1 MiB (is the file CSV? is a quote left open?)")

// bufSize is the read buffer. It also bounds the header sniffed for the
// delimiter, and the slack in the row limit.
const bufSize = 64 << 10

// Options configure a Reader.
type Options struct {
	// Mapping renames the file's columns to interchange columns.
	Mapping Mapping
	// Today is the date dates in the future are checked against; the zero
	// Date means the current day (UTC).
	Today domain.Date
}

// Reader reads records from an interchange CSV file one row at a time.
type Reader struct {
	csv   *csv.Reader
	src   *boundedReader
	skip  int64 // bytes before csv's input (the byte order mark)
	kind  domain.Kind
	today domain.Date
	cols  []column // file position → interchange column
	idPos int      // file position of the id column, or -1

	// The last cell read and the line it starts on tell where the next row
	// starts, for errors that end reading (worked out only then: it costs a
	// scan of the cell).
	lastLine  int
	lastCell  string
	fatal     error // once set, every Next returns it, on fatalLine
	fatalLine int
}

// RowError is a row that could not be read or is not a valid record. Reading
// can go on with the next row.
type RowError struct {
	Line int    // the line on which the row starts (the header is line 1)
	ID   string // the row's id cell, if it could be read
	// Err is a problem with the row as a whole, such as malformed CSV or the
	// wrong number of cells; nil if the problems are all in Fields.
	Err error
	// Fields lists every problem found in the row's cells, each naming its
	// interchange column (such as "birth_date"), in column order.
	Fields []domain.FieldError
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString("line ")
	b.WriteString(strconv.Itoa(e.Line))
	if e.ID != "" {
		b.WriteString(" (id " + e.ID + ")")
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	for i, f := range e.Fields {
		if i > 0 || e.Err != nil {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

func (e *RowError) Unwrap() error { return e.Err }

var (
	bomUTF8    = []byte("\uFEFF")
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// NewReader reads and checks the header of an interchange file whose rows
// are records of the given kind. The error names every unknown or duplicate
// column.
func NewReader(r io.Reader, kind domain.Kind, opts Options) (*Reader, error) {
	if !slices.Contains(domain.Kinds, kind) {
		return nil, fmt.Errorf("interchange: record kind %q is not one of %v", kind, domain.Kinds)
	}
	mapping, err := opts.Mapping.normalized()
	if err != nil {
		return nil, err
	}
	today := opts.Today
	if today == (domain.Date{}) {
		today = domain.DateOf(time.Now())
	}

	src := &boundedReader{r: r, max: MaxRowBytes + bufSize}
	br := bufio.NewReaderSize(src, bufSize)
	head, err := br.Peek(bufSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	var skip int64
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		skip = int64(len(bomUTF8))
		head = head[skip:]
		br.Discard(int(skip)) // cannot fail: the bytes are buffered
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		return nil, errors.New("header: the file is UTF-16; save it as CSV in UTF-8")
	}

	c := csv.NewReader(br) // uses br as is, so br's offsets are csv's
	c.Comma = detectDelimiter(head, mapping)
	c.ReuseRecord = true // the per-row slice is the only allocation csv would repeat
	header, err := c.Read()
	switch {
	case err == io.EOF:
		return nil, errors.New("header: the file is empty")
	case err != nil:
		return nil, fmt.Errorf("header: %w", err)
	}
	// FieldsPerRecord is now the header's length: csv checks every row against it.

	rd := &Reader{csv: c, src: src, skip: skip, kind: kind, today: today, idPos: -1}
	if rd.cols, err = resolveHeader(header, mapping); err != nil {
		return nil, err
	}
	for p, col := range rd.cols {
		if col == colID {
			rd.idPos = p
		}
	}
	rd.rowRead(header)
	return rd, nil
}

// detectDelimiter picks "," or ";", whichever splits the first line of head
// into more known column names (preferring the comma on a tie).
func detectDelimiter(head []byte, mapping map[string]string) rune {
	head = bytes.TrimLeft(head, "\r\n") // csv skips blank lines too
	line, _, _ := bytes.Cut(head, []byte("\n"))
	known := func(sep string) int {
		n := 0
		for name := range strings.SplitSeq(string(line), sep) {
			name = strings.ToLower(strings.Trim(name, " \t\r\""))
			_, isCol := columnByName[name]
			_, isMapped := mapping[name]
			if isCol || isMapped {
				n++
			}
		}
		return n
	}
	if known(";") > known(",") {
		return ';'
	}
	return ','
}

// resolveHeader maps each header cell to its column.
func resolveHeader(header []string, mapping map[string]string) ([]column, error) {
	cols := make([]column, len(header))
	var where [numColumns][]string // column → positions in the file that give it
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		target, mapped := mapping[name]
		if !mapped {
			target = name
		} else if target == Ignore {
			cols[i] = colIgnore
			continue
		}
		c, ok := columnByName[target]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q (column %d)", h, i+1))
			continue
		}
		cols[i] = c
		where[c] = append(where[c], fmt.Sprintf("%q (column %d)", h, i+1))
	}
	var problems []string
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("unknown columns %s: rename them with a mapping, or map them to %q to ignore them",
			strings.Join(unknown, ", "), Ignore))
	}
	for c, w := range where {
		if len(w) > 1 {
			problems = append(problems, fmt.Sprintf("column %s given more than once: %s", column(c), strings.Join(w, ", ")))
		}
	}
	if where[colGiven] == nil && where[colFamily] == nil {
		problems = append(problems, "a given_name or family_name column is required")
	}
	if problems != nil {
		return nil, errors.New("header: " + strings.Join(problems, "; "))
	}
	return cols, nil
}

// Next returns the next record and the line on which its row starts. A row
// that cannot be read or is not a valid record gives a *RowError, after which
// reading can go on; the end of the file gives io.EOF. Any other error (an
// over-long row, a failure to read) ends reading: Next keeps returning it.
func (r *Reader) Next() (rec domain.Record, line int, err error) {
	if r.fatal != nil {
		return domain.Record{}, r.fatalLine, r.fatal
	}
	r.src.start = r.skip + r.csv.InputOffset()
	fields, err := r.csv.Read()
	if r.src.tripped {
		err = ErrRowTooLong
	}
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return domain.Record{}, 0, io.EOF
	case errors.As(err, &pe):
		return domain.Record{}, pe.StartLine, r.malformed(pe, fields)
	case err != nil:
		r.fatalLine = r.lastLine + strings.Count(r.lastCell, "\n") + 1
		r.fatal = fmt.Errorf("line %d: %w", r.fatalLine, err)
		return domain.Record{}, r.fatalLine, r.fatal
	}
	line, _ = r.csv.FieldPos(0)
	r.rowRead(fields)
	rec, rerr := r.record(fields)
	if rerr != nil {
		rerr.Line = line
		return domain.Record{}, line, rerr
	}
	return rec, line, nil
}

// rowRead notes where the row csv has just returned as fields ends.
func (r *Reader) rowRead(fields []string) {
	last := len(fields) - 1
	r.lastLine, _ = r.csv.FieldPos(last)
	r.lastCell = fields[last]
}

// malformed turns a CSV syntax error into a RowError.
func (r *Reader) malformed(pe *csv.ParseError, fields []string) *RowError {
	e := &RowError{Line: pe.StartLine}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		// csv returns the row's cells with this error only.
		r.rowRead(fields)
		e.Err = fmt.Errorf("%w: the row has %d cells, the header %d", csv.ErrFieldCount, len(fields), len(r.cols))
		if r.idPos >= 0 && r.idPos < len(fields) && utf8.ValidString(fields[r.idPos]) && len(fields[r.idPos]) <= domain.MaxShortText {
			e.ID = domain.Clean(fields[r.idPos])
		}
		return e
	}
	r.lastLine, r.lastCell = pe.Line, ""
	e.Err = fmt.Errorf("%w (line %d, byte %d)", pe.Err, pe.Line, pe.Column)
	return e
}

// rowErrors collects the problems of one row.
type rowErrors struct {
	fields []domain.FieldError
	cols   []column // parallel to fields, for sorting
	bad    [numColumns]bool
}

func (e *rowErrors) add(c column, detail string) {
	e.fields = append(e.fields, domain.FieldError{Field: c.String(), Detail: detail})
	e.cols = append(e.cols, c)
	e.bad[c] = true
}

// record builds, normalises and validates the record in one row's cells.
func (r *Reader) record(fields []string) (domain.Record, *RowError) {
	var errs rowErrors
	var cell [numColumns]string
	for p, v := range fields {
		c := r.cols[p]
		switch {
		case c == colIgnore:
		case !utf8.ValidString(v):
			errs.add(c, "is not valid UTF-8")
		case len(v) > MaxCellBytes:
			errs.add(c, fmt.Sprintf("is longer than %d bytes", MaxCellBytes))
		default:
			cell[c] = v
		}
	}

	// Lists are split after normalising, not before: NFC turns some
	// characters into the separator (U+037E GREEK QUESTION MARK becomes ";"),
	// and an item must not gain one that the next reader would split on.
	cell[colOtherNames], cell[colOtherRelatives] = domain.Clean(cell[colOtherNames]), domain.Clean(cell[colOtherRelatives])

	rec := domain.Record{Kind: r.kind, ExternalID: cell[colID]}
	p := &rec.Person
	p.Names = append(make([]domain.Name, 0, 1+strings.Count(cell[colOtherNames], listSep)+1),
		domain.Name{Given: cell[colGiven], Patronymic: cell[colPatronymic], Family: cell[colFamily]})
	for item := range strings.SplitSeq(cell[colOtherNames], listSep) {
		if n := domain.ParseFullName(item); !n.IsZero() {
			n.Source = domain.SourceAlias
			p.Names = append(p.Names, n)
		}
	}
	if v := cell[colSex]; v != "" {
		if p.Sex = parseSex(v); p.Sex == "" {
			errs.add(colSex, fmt.Sprintf("%q is not one of female, male, unknown (or f, m, u, ж, ч, м)", v))
		}
	}
	var err error
	if p.BirthDate, err = domain.ParseFuzzyDate(cell[colBirthDate]); err != nil {
		errs.add(colBirthDate, err.Error())
	}
	if p.Separation.Date, err = domain.ParseFuzzyDate(cell[colSeparationDate]); err != nil {
		errs.add(colSeparationDate, err.Error())
	}
	if v := cell[colCategory]; v != "" {
		if p.Separation.Category = parseCategory(v); p.Separation.Category == "" {
			errs.add(colCategory, fmt.Sprintf("%q is not one of %v", v, domain.Categories))
		}
	}
	p.BirthPlace = cell[colBirthPlace]
	p.LastHome = domain.Place{Settlement: cell[colHomeSettlement], Oblast: cell[colHomeOblast], Country: cell[colHomeCountry]}
	p.Separation.Place = cell[colSeparationPlace]
	p.Relatives = relatives(cell[colMother], cell[colFather], cell[colOtherRelatives])
	p.Notes = cell[colNotes]

	rec.Normalize()
	if c := p.LastHome.Country; c != "" && !isAlpha2(c) {
		errs.add(colHomeCountry, fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code such as UA", c))
	}
	if err := rec.Validate(r.today); err != nil {
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			panic(fmt.Sprintf("interchange: Validate returned %T, want *domain.ValidationError", err))
		}
		parseBad := errs.bad // cells already reported are not reported twice
		for _, f := range ve.Fields {
			switch c, detail := columnOf(f, &rec); {
			case c == colIgnore: // a field no column gives: cannot happen, but never hide a problem
				errs.fields = append(errs.fields, f)
				errs.cols = append(errs.cols, numColumns)
			case !parseBad[c]:
				errs.add(c, detail)
			}
		}
	}
	if len(errs.fields) == 0 {
		return rec, nil
	}
	e := &RowError{ID: rec.ExternalID}
	if !utf8.ValidString(e.ID) || len(e.ID) > domain.MaxShortText {
		e.ID = "" // an id that is itself the problem would garble the message
	}
	e.Fields = sortByColumn(errs.fields, errs.cols)
	return domain.Record{}, e
}

// sortByColumn orders fields by their columns, keeping the order within one.
func sortByColumn(fields []domain.FieldError, cols []column) []domain.FieldError {
	idx := make([]int, len(fields))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(cols[a], cols[b]) })
	out := make([]domain.FieldError, len(fields))
	for i, j := range idx {
		out[i] = fields[j]
	}
	return out
}

func relatives(mother, father, others string) []domain.Relative {
	if mother == "" && father == "" && others == "" {
		return nil
	}
	rels := make([]domain.Relative, 0, 2+strings.Count(others, listSep)+1)
	if strings.TrimSpace(mother) != "" {
		rels = append(rels, domain.Relative{Relation: domain.RelationMother, Name: mother})
	}
	if strings.TrimSpace(father) != "" {
		rels = append(rels, domain.Relative{Relation: domain.RelationFather, Name: father})
	}
	for item := range strings.SplitSeq(others, listSep) {
		if strings.TrimSpace(item) != "" {
			rels = append(rels, domain.Relative{Relation: domain.RelationOther, Name: item})
		}
	}
	if len(rels) == 0 {
		return nil // as a record without relatives has them
	}
	return rels
}

// parseSex reads the spellings the format accepts, or returns "".
func parseSex(s string) domain.Sex {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "female", "f", "ж": // ж: жіноча (uk), женский (ru)
		return domain.SexFemale
	case "male", "m", "ч", "м": // ч: чоловіча (uk); м: мужской (ru)
		return domain.SexMale
	case "unknown", "u":
		return domain.SexUnknown
	}
	return ""
}

// parseCategory returns the category s names, or "".
func parseCategory(s string) domain.Category {
	c := domain.Category(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(domain.Categories, c) {
		return c
	}
	return ""
}

func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// columnByField maps the domain's validation field paths that are one column.
var columnByField = map[string]column{
	"external_id":                 colID,
	"person.names[0].given":       colGiven,
	"person.names[0].patronymic":  colPatronymic,
	"person.names[0].family":      colFamily,
	"person.names":                colOtherNames, // too many names: only other_names adds them
	"person.sex":                  colSex,
	"person.birth_date":           colBirthDate,
	"person.birth_place":          colBirthPlace,
	"person.last_home.settlement": colHomeSettlement,
	"person.last_home.oblast":     colHomeOblast,
	"person.last_home.country":    colHomeCountry,
	"person.separation.date":      colSeparationDate,
	"person.separation.place":     colSeparationPlace,
	"person.separation.category":  colCategory,
	"person.relatives":            colOtherRelatives, // too many: only other_relatives adds many
	"person.notes":                colNotes,
}

// columnOf maps a validation problem of rec back to the CSV column it came
// from, with its detail saying which list item is meant for list columns. It
// returns colIgnore for a field no column gives.
func columnOf(f domain.FieldError, rec *domain.Record) (column, string) {
	if c, ok := columnByField[f.Field]; ok {
		return c, f.Detail
	}
	// Indexed paths: person.names[i].part, person.relatives[i].part.
	list, rest, ok := strings.Cut(f.Field, "[")
	if !ok {
		return colIgnore, f.Detail
	}
	num, part, _ := strings.Cut(rest, "].")
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 {
		return colIgnore, f.Detail
	}
	switch list {
	case "person.names":
		if i == 0 { // the primary name's parts are in columnByField; this is the whole name
			return colGiven, f.Detail
		}
		// names[i] is other_names' item i.
		return colOtherNames, fmt.Sprintf("name %d: %s %s", i, part, f.Detail)
	case "person.relatives":
		rels := rec.Person.Relatives
		if i < len(rels) {
			switch rels[i].Relation {
			case domain.RelationMother:
				return colMother, f.Detail
			case domain.RelationFather:
				return colFather, f.Detail
			}
			k := 0 // position among other_relatives' items
			for _, rel := range rels[:i+1] {
				if rel.Relation == domain.RelationOther {
					k++
				}
			}
			return colOtherRelatives, fmt.Sprintf("relative %d: %s", k, f.Detail)
		}
	}
	return colIgnore, f.Detail
}

// boundedReader fails a read that would take the current row past max bytes,
// so that a pathological line (a multi-gigabyte file without newlines, or a
// quote never closed) fails cleanly instead of being buffered whole by
// encoding/csv. start is the offset of the current row, set before each row.
type boundedReader struct {
	r        io.Reader
	n, start int64 // bytes read so far; offset where the current row starts
	max      int64
	tripped  bool
}

func (b *boundedReader) Read(p []byte) (int, error) {
	room := b.start + b.max - b.n
	if room <= 0 {
		b.tripped = true
		return 0, ErrRowTooLong
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}
