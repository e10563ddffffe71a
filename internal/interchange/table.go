package interchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits of an uploaded table. A list is thousands of rows, not millions;
// an XLSX file is a zip whose content must not be allowed to balloon (a zip
// bomb of a few hundred kilobytes can unpack to gigabytes).
const (
	MaxTableBytes     = 32 << 20 // the file as uploaded
	MaxXLSXUnzipBytes = 64 << 20 // all of an XLSX file's parts, unpacked
	MaxXLSXSheetBytes = 48 << 20 // one worksheet's XML, unpacked
)

// ErrTableTooLarge is returned for a file over MaxTableBytes.
var ErrTableTooLarge = fmt.Errorf("the file is larger than %d MiB", MaxTableBytes>>20)

// ReadTable reads an uploaded CSV or XLSX file (by its name's extension;
// anything but .xlsx is CSV) into its header and rows, for a person to map
// its columns before it is imported. Cells are returned as written: the
// interchange reader checks them when the mapped table is imported.
func ReadTable(name string, r io.Reader) (header []string, rows [][]string, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxTableBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxTableBytes {
		return nil, nil, ErrTableTooLarge
	}
	if strings.EqualFold(filepath.Ext(name), ".xlsx") {
		rows, err = readXLSX(data)
	} else {
		rows, err = readCSV(data)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("the file is empty")
	}
	return rows[0], rows[1:], nil
}

func readXLSX(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxXLSXUnzipBytes, UnzipXMLSizeLimit: MaxXLSXSheetBytes})
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX file: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("not a readable XLSX file: the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX file: %w", err)
	}
	return rows, nil
}

func readCSV(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, errors.New("not a readable CSV file: it is UTF-16; save it as CSV in UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head := data[:min(len(data), 4096)]
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		r.Comma = ';'
	}
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("not a readable CSV file: %w", err)
	}
	return rows, nil
}
