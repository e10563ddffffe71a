package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStmtCache: a statement is run unprepared the first time and
// prepared in the background for the next; a text of several statements
// or too long is never prepared; the cache holds a bounded number; what it
// holds runs, in writer and reader transactions alike.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "stmts.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const q = `SELECT seq FROM audit_state WHERE id = $1`
	for _, c := range []struct {
		name  string
		cache *stmtCache
		run   func(func(*Tx) error) error
	}{
		{"writer", s.stmts, func(fn func(*Tx) error) error { return s.InTx(ctx, fn) }},
		{"readers", s.rstmts, func(fn func(*Tx) error) error { return s.ReadTx(ctx, fn) }},
	} {
		if c.cache.get(q) != nil {
			t.Fatalf("%s: prepared before first use", c.name)
		}
		deadline := time.Now().Add(10 * time.Second)
		for c.cache.get(q) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("%s: never prepared", c.name)
			}
			time.Sleep(time.Millisecond)
		}
		for range 3 { // through the prepared statement
			var seq int64
			if err := c.run(func(tx *Tx) error { return tx.queryRow(ctx, q, 1).Scan(&seq) }); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
	}
	for _, q := range []string{`SELECT 1; SELECT 2`, `SELECT '` + strings.Repeat("x", maxCachedSQL) + `'`} {
		s.stmts.get(q)
		time.Sleep(10 * time.Millisecond)
		if s.stmts.get(q) != nil {
			t.Errorf("%.40q…: prepared", q)
		}
	}
	for i := range 2 * maxCachedStmts {
		s.rstmts.get(`SELECT ` + strings.Repeat("1+", i) + `1`)
	}
	s.rstmts.mu.Lock()
	n := len(s.rstmts.m)
	s.rstmts.mu.Unlock()
	if n > maxCachedStmts {
		t.Errorf("%d statements cached, want at most %d", n, maxCachedStmts)
	}
}
