package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite's WAL is copied back into the database file by checkpoints. By
// default the connection that commits runs one whenever the WAL has grown
// past 1,000 pages, inside its commit: on the one writer, so every writer
// waits for it, and the audit trail (its index by record takes pages all
// over) makes one every few batches, with two fsyncs. Instead a
// checkpointer of the store's own runs PASSIVE checkpoints on a connection
// of its own, beside the writer and the readers (a PASSIVE checkpoint takes
// no lock a writer or reader waits for), every checkpointEvery; the
// writer's automatic checkpoint stays as a backstop, past
// walBackstopPages, should the checkpointer fall behind. What a commit
// guarantees is unchanged: it is durable once in the WAL (synchronous =
// NORMAL in WAL mode: across a crash of the process).
const (
	checkpointEvery  = 100 * time.Millisecond
	walBackstopPages = 10000
)

// checkpointer runs PASSIVE checkpoints until stopped.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
	// copied is the number of WAL frames in the database file after the
	// last checkpoint, and walFrames the WAL's (for tests).
	copied, walFrames atomic.Int64
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Go(func() {
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				// Errors (a busy checkpointer lock) are for the next tick.
				var busy, log, copied int64
				if c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied) == nil {
					c.walFrames.Store(log)
					c.copied.Store(copied)
				}
			}
		}
	})
	return c
}

// close stops the checkpointer and closes its connection (once: a store
// may be closed twice).
func (c *checkpointer) close() {
	if c == nil {
		return
	}
	c.once.Do(func() {
		close(c.stop)
		c.done.Wait()
		c.db.Close()
	})
}
