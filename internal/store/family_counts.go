package store

import (
	"sync"
	"time"
)

// familyCounts remembers, for a while, how many records have a family name
// prefix (of one kind), as familyPlan counted them: the count only chooses
// how a page is read, never what it holds, and a count a few seconds old
// chooses as well as a fresh one. Counting cost a statement that read up
// to familyPlanMost + 1 index entries for every page by family name (on
// PostgreSQL 0.26 ms of the server's time, a sixth of all the statements
// of bench http's record lists), for prefixes users ask again and again.
type familyCounts struct {
	mu      sync.Mutex
	entries map[familyKey]familyCount
}

// familyKey is what was counted: records of kind with a family name from lo
// up to hi, counted up to most + 1 (familyPlanMost then).
type familyKey struct {
	kind, lo, hi string
	most         int
}

type familyCount struct {
	n  int
	at time.Time
}

const (
	// familyCountFor is how long a count is used: the drift it allows
	// (records created meanwhile) moves a prefix across familyPlanMost
	// only when it is already near it, where both plans cost about the same.
	familyCountFor = 10 * time.Second
	// familyCountsMost bounds the memory: past it, everything is forgotten.
	familyCountsMost = 4096
)

// get returns the count for k taken at or after now - familyCountFor.
func (c *familyCounts) get(k familyKey, now time.Time) (int, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || now.Sub(e.at) >= familyCountFor || now.Before(e.at) {
		return 0, false
	}
	return e.n, true
}

// put remembers n as k's count at now.
func (c *familyCounts) put(k familyKey, n int, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= familyCountsMost {
		c.entries = make(map[familyKey]familyCount)
	}
	c.entries[k] = familyCount{n: n, at: now}
}
