package cli

import (
	"bufio"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// serveGCPercent is the garbage collector's target serve runs with, unless
// GOGC says otherwise. The server's live heap is small (the matching
// engine's index and the caches: 30–40 MB with 16,000 records) and most of
// what a request allocates is garbage once it is answered, so at Go's
// default of 100 the collector ran every few hundred requests and took
// about a tenth of the process's CPU. At 400 the heap peaks near five
// times the live heap (about 200 MB there) and bench http on PostgreSQL
// served 7–11% more requests a second (docs/BENCHMARKS.md).
const serveGCPercent = 400

// tuneGC sets serve's garbage collector: serveGCPercent unless GOGC is
// set, and, unless GOMEMLIMIT is set, a soft limit of half the machine's
// memory, past which the collector runs as often as it must, whatever
// the percentage, so that a large heap cannot grow five-fold unchecked.
func tuneGC(log *slog.Logger) {
	var set []any
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
		set = append(set, "percent", serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := memTotal("/proc/meminfo"); total > 0 {
			debug.SetMemoryLimit(total / 2)
			set = append(set, "limit_mib", total/2>>20)
		}
	}
	if len(set) > 0 {
		log.Debug("garbage collector", set...)
	}
}

// memTotal reads MemTotal, in bytes, from a Linux meminfo file; 0 if it
// cannot (another system, or no such line).
func memTotal(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "MemTotal" {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}
