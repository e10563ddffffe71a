package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps statements prepared on one of SQLite's pools (the
// writer's, the readers'), by their text. SQLite runs in the process, so
// preparing a statement (parsing and planning it) costs about as much as
// running it; a prepared statement is reused by every later transaction
// on the pool (database/sql prepares it once per connection, on the
// transaction's own connection: Tx.StmtContext). PostgreSQL's driver keeps
// its own cache on each connection, so this is for SQLite only.
//
// A statement is prepared in the background the first time it is asked
// for, and run unprepared meanwhile: preparing on a pool needs one of its
// connections, which the asking transaction holds (the writer's pool has
// only that one).
//
// Only statements that leave no cursor open are run through the cache
// (exec, queryRow, and the list query of Records, which runs no other
// query while it reads): a prepared statement is one cursor per
// connection, so running it again while its rows are open would disturb
// them.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt // nil: being prepared, or could not be
	closed bool
}

// The cache holds at most maxCachedStmts statements (the first asked
// for; texts built for many sizes of input, such as a batch's multi-row
// insert, would otherwise fill it), each of at most maxCachedSQL bytes.
const (
	maxCachedStmts = 256
	maxCachedSQL   = 16 << 10
)

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// add prepares q now; for statements wanted from the first transaction.
// It must not be called while a transaction holds the writer's connection.
func (c *stmtCache) add(ctx context.Context, q string) error {
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[q]; old != nil {
		old.Close()
	}
	c.m[q] = st
	return nil
}

// get returns q prepared, or nil if it is not (yet): then it is prepared
// in the background for the next time.
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil || len(q) > maxCachedSQL || strings.Contains(q, ";") {
		// (A prepared statement is the first statement of its text only.)
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st, seen := c.m[q]
	if !seen && !c.closed && len(c.m) < maxCachedStmts {
		c.m[q] = nil
		go c.prepare(q)
	}
	return st
}

func (c *stmtCache) prepare(q string) {
	st, err := c.db.PrepareContext(context.Background(), q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		return // stays nil: run unprepared, as before
	}
	if c.closed {
		st.Close()
		return
	}
	c.m[q] = st
}

// close closes the statements; later ones are not prepared.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.m {
		if st != nil {
			st.Close()
		}
		delete(c.m, q)
	}
}
