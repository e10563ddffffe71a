package cli

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestMemTotal(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       int64
	}{
		{"linux", "MemTotal:       24579644 kB\nMemFree:        22580756 kB\n", 24579644 << 10},
		{"later line", "Foo: 1 kB\nMemTotal: 2048 kB\n", 2048 << 10},
		{"no line", "MemFree: 1 kB\n", 0},
		{"other unit", "MemTotal: 2 MB\n", 0},
		{"not a number", "MemTotal: lots kB\n", 0},
		{"empty", "", 0},
	} {
		path := filepath.Join(t.TempDir(), "meminfo")
		if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := memTotal(path); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if got := memTotal(filepath.Join(t.TempDir(), "missing")); got != 0 {
		t.Errorf("missing file: %d", got)
	}
}

// TestTuneGC: serve's collector target unless GOGC names one, and a
// memory limit unless GOMEMLIMIT does.
func TestTuneGC(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer debug.SetGCPercent(percent)
	defer debug.SetMemoryLimit(limit)

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(1 << 62)
	tuneGC(log)
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Errorf("GOGC unset: percent %d, want %d", got, serveGCPercent)
	}
	if total := memTotal("/proc/meminfo"); total > 0 {
		if got := debug.SetMemoryLimit(-1); got != total/2 {
			t.Errorf("GOMEMLIMIT unset: limit %d, want half of %d", got, total)
		}
	}

	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 40)
	tuneGC(log)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: percent changed to %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("GOMEMLIMIT set: limit changed to %d", got)
	}
}
