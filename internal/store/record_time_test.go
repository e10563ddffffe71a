package store

import (
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// timeDB is an SQLite database with a column declared like the records'
// times, for comparing what the driver parses with what recordTime does.
func timeDB(t testing.TB) *sql.DB {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE times (at timestamp)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// sameTime stores v and checks that recordTime scanning +at (as at) gives what
// nullTime gave scanning at (parsed by the driver), value and error.
func sameTime(t *testing.T, db *sql.DB, v any) {
	t.Helper()
	if _, err := db.Exec(`DELETE FROM times`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO times (at) VALUES ($1)`, v); err != nil {
		t.Fatal(err)
	}
	var want nullTime
	var got recordTime
	wantErr := db.QueryRow(`SELECT at FROM times`).Scan(&want)
	gotErr := db.QueryRow(`SELECT +at AS at FROM times`).Scan(&got)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("%q: error %v, the driver's way %v", v, gotErr, wantErr)
	}
	if got != recordTime(want) {
		t.Fatalf("%q: got %v (%v), the driver's way %v (%v)", v, got.Time, got.Valid, want.Time, want.Valid)
	}
}

func TestRecordTimeLikeDriver(t *testing.T) {
	db := timeDB(t)
	now := time.Now()
	for _, v := range []any{
		nil, now, now.UTC(), now.In(time.FixedZone("", -(3*3600 + 30*60))), time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		"2026-11-25 11:46:24.605123+00:00", "2026-11-25 11:46:24+00:00", "2026-11-25 11:46:24.6+02:00", "2026-11-25 11:46:24.605123456-05:30",
		"2026-11-25 11:46:24.6051234567+00:00", "2026-11-25 11:46:24,605+00:00", "2026-11-25 1:46:24+00:00", "2026-11-25 11:46:24.+00:00",
		"2026-02-29 11:46:24+00:00", "2024-02-29 11:46:24+00:00", "2026-11-31 11:46:24+00:00", "2026-13-01 11:46:24+00:00",
		"2026-11-25 24:00:00+00:00", "2026-11-25 11:60:00+00:00", "2026-11-25 11:46:60+00:00", "2026-11-25 11:46:24+24:00",
		"2026-11-25 11:46:24+23:59", "2026-11-25 11:46:24+00:60", "2026-11-25 11:46:24+0000", "2026-11-25 11:46:24 +00:00",
		"2026-11-25 11:46:24Z", "2026-11-25T11:46:24Z", "2026-11-25T11:46:24.5+01:00", "2026-11-25 11:46:24.123", "2026-11-25 11:46",
		"2026-11-25", "2026-11-25 11:46:24.605 +0000 UTC", "2026-11-25 11:46:24.605 +0000 UTC m=+0.001", "0000-01-01 00:00:00+00:00",
		"2026-11-25 11:46:24+00:00x", "not a time", "", int64(1700000000),
	} {
		sameTime(t, db, v)
	}
	for _, s := range []string{"2026-11-25 11:46:24.605123+00:00", "2024-02-29 00:00:00-23:59", "2026-11-25 11:46:24.000000001+00:00"} {
		if _, ok := parseStoredTime(s); !ok {
			t.Errorf("%s: not read by the fast path", s)
		}
	}
}

func FuzzRecordTime(f *testing.F) {
	for _, s := range []string{"2026-11-25 11:46:24.605123+00:00", "2026-11-25 11:46:24+05:00", "2024-02-29 23:59:59.999999999-11:30", "2026-11-25T11:46:24Z"} {
		f.Add(s)
	}
	db := timeDB(f)
	f.Fuzz(func(t *testing.T, s string) {
		sameTime(t, db, s)
	})
}

func BenchmarkRecordTime(b *testing.B) {
	s := time.Date(2026, 11, 25, 11, 46, 24, 605123000, time.UTC).Format("2006-01-02 15:04:05.999999999-07:00")
	b.Run("parseStoredTime", func(b *testing.B) {
		for b.Loop() {
			var n recordTime
			if err := n.Scan(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("driver", func(b *testing.B) {
		for b.Loop() {
			if _, ok := driverTime(s); !ok {
				b.Fatal(fmt.Errorf("%q", s))
			}
		}
	})
}
