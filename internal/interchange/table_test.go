package interchange

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func xlsx(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadTable(t *testing.T) {
	hostile := [][]string{
		{"id", "given_name", "family_name"},
		{"X-1", "=cmd|' /C calc'!A0", "+1-2"},
		{"X-2", "@SUM(A1:A2)", "-Шевченко"},
	}
	for _, tc := range []struct {
		name    string
		file    string
		data    []byte
		rows    int
		errPart string
	}{
		{"csv", "list.csv", []byte("id,given_name\nX-1,Тарас\n"), 1, ""},
		{"semicolons", "list.csv", []byte("id;given_name;family_name\nX-1;Тарас;Бойко\n"), 1, ""},
		{"byte order mark", "list.csv", []byte("\ufeffid,given_name\nX-1,Тарас\n"), 1, ""},
		{"xlsx", "list.xlsx", xlsx(t, hostile), 2, ""},
		{"empty", "list.csv", nil, 0, "empty"},
		{"utf-16", "list.csv", []byte{0xff, 0xfe, 'i', 0, 'd', 0}, 0, "UTF-16"},
		{"broken quote", "list.csv", []byte("id,given_name\n\"X-1,Тарас\n"), 0, "not a readable CSV"},
		{"not a zip", "list.xlsx", []byte("PK\x03\x04 not a zip"), 0, "not a readable XLSX"},
		{"too large", "list.csv", bytes.Repeat([]byte("a,b\n"), MaxTableBytes/4+1), 0, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header, rows, err := ReadTable(tc.file, bytes.NewReader(tc.data))
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("err %v, want one saying %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if header[0] != "id" || len(rows) != tc.rows {
				t.Fatalf("header %q, %d rows", header, len(rows))
			}
		})
	}
	// Formula-like cells come back as the text they are, never evaluated.
	_, rows, err := ReadTable("x.xlsx", bytes.NewReader(xlsx(t, hostile)))
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][1] != "=cmd|' /C calc'!A0" || rows[1][1] != "@SUM(A1:A2)" {
		t.Fatalf("formula cells read as %q", rows)
	}
}

// zipBomb is an XLSX-shaped zip whose one worksheet unpacks to size bytes
// from a few hundred kilobytes.
func zipBomb(t testing.TB, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	for name, content := range parts {
		w, _ := zw.Create(name)
		io.WriteString(w, content)
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`)
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for written := 0; written < size; written += len(chunk) {
		w.Write(chunk)
	}
	io.WriteString(w, `</t></is></c></row></sheetData></worksheet>`)
	zw.Close()
	return b.Bytes()
}

func TestReadTableRefusesZipBomb(t *testing.T) {
	bomb := zipBomb(t, 4*MaxXLSXUnzipBytes)
	if len(bomb) > MaxTableBytes/8 {
		t.Fatalf("the bomb is %d bytes: not a small file", len(bomb))
	}
	start := time.Now()
	_, _, err := ReadTable("bomb.xlsx", bytes.NewReader(bomb))
	if err == nil || !strings.Contains(err.Error(), "not a readable XLSX") {
		t.Fatalf("zip bomb (%d bytes packed, %d MiB unpacked): %v", len(bomb), 4*MaxXLSXUnzipBytes>>20, err)
	}
	t.Logf("refused %d-byte bomb in %v: %v", len(bomb), time.Since(start), err)
}

func FuzzReadTable(f *testing.F) {
	f.Add("a.csv", []byte("id,given_name\nX-1,Тарас\n"))
	f.Add("a.csv", []byte("id;given_name\n\"X;1\";\"Ta\"\"ras\"\n"))
	f.Add("a.xlsx", xlsx(f, [][]string{{"id", "given_name"}, {"X-1", "=1+1"}}))
	f.Add("a.xlsx", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		header, rows, err := ReadTable(name, bytes.NewReader(data))
		if err != nil {
			return
		}
		if header == nil {
			t.Fatalf("no error and no header")
		}
		_ = rows
	})
}
