// Package store persists reunite's data in SQLite or PostgreSQL.
//
// One implementation serves both databases through database/sql: the SQL is
// written once, portable, with $N placeholders (both drivers accept them),
// and only the schema (embedded migrations, one set per database) differs.
// The conformance tests run unchanged against both.
//
// Every use of the store is a transaction. A user action that changes state
// runs in Store.InTx: it checks access, changes state and writes its audit
// entry in one unit, so a crash leaves all of it or none. A user action
// that only reads runs in Store.ReadTx: its reads in a read-only
// transaction, beside other readers, and its audit entries then written on
// the chain together with those of the readers beside it, in one write
// transaction (audit_batch.go); ReadTx returns only once they are
// committed, so nothing read is shown without its audit.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/reunite-ftr/reunite/internal/seal"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors callers tell apart.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change was based on a version that is no longer current.
	ErrConflict = errors.New("conflict: the record was changed by someone else")
	// ErrDeleted: the record is a tombstone and cannot be changed.
	ErrDeleted = errors.New("the record has been deleted")
	// ErrDuplicate: a unique value (slug, e-mail, external id) is taken.
	ErrDuplicate = errors.New("already exists")
)

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	// db runs the transactions that write (SQLite: its one connection).
	db *sql.DB
	// rdb runs the reads of ReadTx: on SQLite a pool of query_only
	// connections to the same file (WAL lets them read beside the
	// writer), on PostgreSQL a pool whose sessions are read-only.
	rdb     *sql.DB
	dialect Dialect
	now     func() time.Time
	keys    seal.KeyWrapper // nil: no master key (nothing may be encrypted yet)
	// stmts and rstmts keep statements prepared on SQLite's writer and
	// readers (stmtcache.go); nil on PostgreSQL.
	stmts, rstmts *stmtCache
	// audit gathers the audit entries of read-only transactions into
	// shared write transactions (audit_batch.go).
	audit auditBatcher
	// ckpt checkpoints SQLite's WAL beside the writer (checkpoint.go).
	ckpt *checkpointer
	// refs writes the audit trail's references by record (audit_refs.go).
	refs *refIndexer
	log  *slog.Logger
	// families are the recent counts of records by family name prefix
	// that choose how a page is read (familyPlan).
	families familyCounts
	// deks are records' data keys recently unwrapped (dek_cache.go).
	deks dekCache
	// kek is the last choice of the master key new data keys are wrapped
	// by (chooseKEK), nil before the first.
	kek atomic.Pointer[kekChoice]
	// principals counts the write transactions of this Store that changed
	// an organisation, a user or an API token (see PrincipalEpoch).
	principals atomic.Uint64
}

// PrincipalEpoch changes whenever a transaction of this Store writes to
// organisations, users or API tokens: once as the statement runs and once
// more as the transaction ends, committed or not. A cache of who a token
// stands for, filled from what was read while the epoch had one value, is
// stale once it has another. Changes made through another Store (another
// process, such as the command line) do not change it.
func (s *Store) PrincipalEpoch() uint64 { return s.principals.Load() }

// Options tune Open.
type Options struct {
	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time
	// Keys are the master keys records' data keys are wrapped with. Open
	// fails if the database holds data under a master key that is not
	// among them, or if one of them is not the key it claims to be (see
	// checkKeys). Without keys, Open fails on a database that holds
	// encrypted data, and writing a record fails with ErrNoMasterKey.
	Keys seal.KeyWrapper
	// Log receives what the store's background work (audit_refs.go) has
	// to report. Defaults to slog.Default().
	Log *slog.Logger
}

// Open connects to dsn and brings its schema up to date. A dsn starting with
// postgres:// or postgresql:// is PostgreSQL; anything else is the path of a
// SQLite file, created (with its directory) if missing.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	s := &Store{now: opts.Now, keys: opts.Keys, log: opts.Log}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.audit.s = s
	var err error
	if IsPostgres(dsn) {
		s.dialect = Postgres
		s.db, err = sql.Open("pgx", dsn)
		if err == nil {
			// 16 connections in all, as before there were two pools:
			// writers pass one at a time through the audit chain's
			// head anyway, so most go to the readers.
			s.db.SetMaxOpenConns(pgWriters)
			s.db.SetMaxIdleConns(pgWriters)
			// Readers (ReadTx): a pool whose sessions are read-only.
			var ro string
			if ro, err = readOnlyDSN(dsn); err == nil {
				s.rdb, err = sql.Open("pgx", ro)
			}
			if err == nil {
				s.rdb.SetMaxOpenConns(pgReaders)
				s.rdb.SetMaxIdleConns(pgReaders)
			} else {
				s.db.Close()
			}
		}
	} else {
		s.dialect = SQLite
		s.db, err = openSQLite(dsn, false)
	}
	if err != nil {
		return nil, err
	}
	if err := s.open(ctx, dsn); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// open brings the database up to date and readies the store.
func (s *Store) open(ctx context.Context, dsn string) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to %s: %w", Redact(dsn), err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if s.rdb == nil {
		// SQLite's readers, opened once the file is in WAL mode and
		// migrated (query_only connections cannot do either).
		var err error
		if s.rdb, err = openSQLite(dsn, true); err != nil {
			return err
		}
		if err := s.rdb.PingContext(ctx); err != nil {
			return fmt.Errorf("connect readers to %s: %w", dsn, err)
		}
		ck, err := openSQLite(dsn, false)
		if err != nil {
			return err
		}
		s.ckpt = startCheckpointer(ck)
	}
	if err := s.prepare(ctx); err != nil {
		return err
	}
	if err := s.checkKeys(ctx); err != nil {
		return err
	}
	if err := s.chainUnchainedAudit(ctx); err != nil {
		return err
	}
	s.refs = s.startRefIndexer()
	if _, err := s.syncNameKeys(ctx); err != nil {
		return err
	}
	return nil
}

// The connections a store opens to PostgreSQL at most: for transactions
// that write, and for ReadTx.
const pgWriters, pgReaders = 6, 10

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns dsn without its password, for messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// openSQLite opens the SQLite file at path: for the writer (one connection,
// every transaction takes the write lock at BEGIN) or, if readers, a pool of
// read-only connections for ReadTx.
func openSQLite(path string, readers bool) (*sql.DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// WAL lets readers run beside the writer; synchronous=NORMAL is durable
	// across process crashes in WAL mode (only an OS crash may lose the last
	// commits). _txlock=immediate takes the write lock at BEGIN, so two
	// transactions never deadlock upgrading from read to write.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "busy_timeout(10000)")
	// A 64 MiB page cache (the default is 2 MiB) keeps a large import's
	// transaction from spilling pages to the WAL before it commits.
	q.Add("_pragma", "cache_size(-65536)")
	// Statement journals (kept while a statement that may fail midway,
	// such as a multi-row insert, runs in a transaction) and temporary
	// b-trees in memory rather than in temporary files: they never outlive
	// the statement, and a file cost a write system call per page.
	q.Add("_pragma", "temp_store(MEMORY)")
	// The writer reads the database file through a memory map rather
	// than a read system call a page. Readers do not: a reader whose
	// WAL changed since its last transaction (every few milliseconds,
	// with the audit trail's commits) empties its page cache and unmaps
	// the whole file (SQLite's pagerBeginReadTransaction), and mapping it
	// again page by page cost more than the reads it saved (bench http:
	// munmap alone 0.8 s of 22 s CPU; 1.20 → 1.12 ms CPU a request
	// without it).
	if !readers {
		q.Add("_pragma", "mmap_size(1073741824)")
	}
	// The store checkpoints the WAL itself, beside the writer
	// (checkpoint.go); the writer's own automatic checkpoint is the
	// backstop.
	q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
	q.Set("_time_format", "sqlite")
	if readers {
		// Readers: deferred BEGIN (a read takes no write lock) and
		// query_only, so that a write by mistake in a ReadTx fails
		// rather than slipping past the writer.
		q.Set("_query_only", "1")
	} else {
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetConnMaxLifetime(0)
	if readers {
		// As many readers as cores: SQLite runs in the process, so a
		// reader is a core's work while it runs.
		n := max(2, runtime.GOMAXPROCS(0))
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		return db, nil
	}
	// SQLite has one writer at a time, so one connection for every
	// transaction that writes avoids lock waits altogether (the audit
	// entries of reads are gathered into shared transactions: see
	// audit_batch.go).
	db.SetMaxOpenConns(1)
	return db, nil
}

// Dialect tells which database is behind the store.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the database.
func (s *Store) Close() error {
	s.refs.close()
	s.ckpt.close()
	s.stmts.close()
	s.rstmts.close()
	if s.rdb != nil && s.rdb != s.db {
		s.rdb.Close()
	}
	return s.db.Close()
}

// preparedSQLite are the statements run for every act, prepared once: in
// SQLite, which runs in the process, preparing (parsing and planning) a
// statement costs as much as running it. The driver of PostgreSQL keeps
// its own cache of prepared statements on each connection.
var preparedSQLite = []string{ledgerFrontierQuery, ledgerInsertOne, ledgerNodeOne, ledgerStateUpsert}

// prepare readies SQLite's statement caches and prepares preparedSQLite on
// the writer's one connection, before any transaction holds it (a
// statement cannot be prepared on the database while a transaction has its
// only connection).
func (s *Store) prepare(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	s.stmts, s.rstmts = newStmtCache(s.db), newStmtCache(s.rdb)
	for _, q := range preparedSQLite {
		if err := s.stmts.add(ctx, q); err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Now returns the store's clock reading in UTC, truncated to microseconds
// (PostgreSQL's precision) so that what is written reads back equal.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Tx is one transaction. Its methods are the store's operations.
type Tx struct {
	// tx runs the statements: the database transaction, or for a ReadTx
	// on PostgreSQL a connection of the read-only pool (see readTx).
	tx sqlRunner
	// sqlTx is the transaction, nil for such a connection.
	sqlTx   *sql.Tx
	dialect Dialect
	now     time.Time // one timestamp for everything the transaction writes
	keys    seal.KeyWrapper
	// onCommit runs after a successful commit: effects outside the
	// database (caches, receipts handed to the caller) that must not
	// happen for an attempt that rolled back or is retried.
	onCommit []func()
	// audit holds the audit entries appended but not yet written, and
	// where the chain stands once this transaction holds its head
	// (audit.go).
	audit auditPending
	// stmts are the prepared statements of the transaction's pool
	// (SQLite), nil on PostgreSQL.
	stmts *stmtCache
	// ledgerLocked: LockLedger has taken the ledger lock (PostgreSQL).
	ledgerLocked bool
	// ledgerState is the ledger's size and border as read under the
	// ledger lock or written by this transaction's last append (see
	// LedgerTx.Frontier); nil if not known.
	ledgerState *ledgerState
	// readOnly: a ReadTx, whose audit entries are kept for the audit
	// batcher rather than written in the transaction.
	readOnly bool
	// auditBatch: the audit batcher's own transaction, which takes no
	// readers from the queue (see steal).
	auditBatch bool
	// principals is the Store's PrincipalEpoch counter (nil in a ReadTx);
	// principalsChanged: a statement of this transaction wrote to
	// organisations, users or API tokens.
	principals        *atomic.Uint64
	principalsChanged bool
	// families and deks are the Store's familyCounts and dekCache.
	families *familyCounts
	deks     *dekCache
	kek      *atomic.Pointer[kekChoice] // the Store's
	// statements counts the statements run; held is the record Record
	// read last, with the count after it (heldRecord).
	statements uint64
	held       *heldRecord
}

// sqlRunner runs statements: *sql.Tx, *sql.Conn.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// OnCommit registers fn to run once this transaction has committed. It
// never runs for a transaction that rolls back, so InTx's retries cannot
// run it twice.
func (t *Tx) OnCommit(fn func()) { t.onCommit = append(t.onCommit, fn) }

// Now is the transaction's timestamp.
func (t *Tx) Now() time.Time { return t.now }

// maxAttempts bounds retries of transactions that failed only because of
// concurrent access (PostgreSQL serialization failures, SQLite busy).
const maxAttempts = 5

// InTx runs fn in a transaction and commits it if fn returns nil. A
// transaction that fails only because of concurrent access is retried, so fn
// must not have effects outside the transaction.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = s.inTx(ctx, fn)
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
	return err
}

// InTxOnce is InTx without the retry, for a transaction that consumes
// something it cannot rewind, such as an import reading its file: run again,
// it would start in the middle of the stream.
func (s *Store) InTxOnce(ctx context.Context, fn func(*Tx) error) error {
	return s.inTx(ctx, fn)
}

func (s *Store) inTx(ctx context.Context, fn func(*Tx) error) (err error) {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	t := &Tx{tx: sqlTx, sqlTx: sqlTx, dialect: s.dialect, now: s.Now(), keys: s.keys, stmts: s.stmts, principals: &s.principals, families: &s.families, deks: &s.deks, kek: &s.kek}
	defer func() {
		if t.principalsChanged {
			// After the commit (or rollback): a principal read from
			// here on is read with the change, or not cached.
			s.principals.Add(1)
		}
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	if err = fn(t); err != nil {
		return err
	}
	committed := false
	if len(t.audit.entries) > 0 && !t.auditBatch {
		// This write holds the chain's head anyway: readers waiting for
		// the next audit batch ride with it (audit_batch.go).
		taken := s.audit.steal()
		defer func() { s.audit.settle(taken, committed) }() // a panic too
		if len(taken) > 0 {
			if hook := s.audit.afterSteal; hook != nil {
				if err = hook(len(taken)); err != nil {
					return err
				}
			}
			for _, w := range taken {
				t.audit.entries = append(t.audit.entries, w.entries...)
			}
		}
	}
	if err = t.flushAudit(ctx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	for _, fn := range t.onCommit {
		fn()
	}
	return nil
}

// ReadTx runs fn in a read-only transaction, for a user action that writes
// nothing but its audit entries. Its reads run beside other readers (on
// SQLite, on a connection of its own while the writer writes; the
// database refuses any write fn attempts). The audit entries fn appends are
// stamped with the transaction's time and, once it has ended, written on
// the chain in one write transaction shared with the entries of other
// ReadTx that end meanwhile (auditBatcher). ReadTx returns nil only once
// they are committed: if the audit cannot be written, ReadTx fails, and
// what was read must not be shown. Like InTx, it retries fn when the read
// failed only because of concurrent access, so fn must not have effects
// outside the transaction; the functions given to Tx.OnCommit run once
// the audit entries are committed.
func (s *Store) ReadTx(ctx context.Context, fn func(*Tx) error) error {
	var t *Tx
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		t, err = s.readTx(ctx, fn)
		if !retryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	if len(t.audit.entries) > 0 {
		if err := s.audit.commit(ctx, t.audit.entries); err != nil {
			return err
		}
	}
	for _, fn := range t.onCommit {
		fn()
	}
	return nil
}

func (s *Store) readTx(ctx context.Context, fn func(*Tx) error) (_ *Tx, err error) {
	if s.dialect == Postgres {
		return s.readConn(ctx, fn)
	}
	sqlTx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin read transaction: %w", err)
	}
	t := &Tx{tx: sqlTx, sqlTx: sqlTx, dialect: s.dialect, now: s.Now(), keys: s.keys, stmts: s.rstmts, readOnly: true, families: &s.families, deks: &s.deks, kek: &s.kek}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	if err = fn(t); err != nil {
		return nil, err
	}
	// Ends the snapshot; nothing was written.
	if err = sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("end read transaction: %w", err)
	}
	for i := range t.audit.entries {
		t.audit.entries[i].At = t.now
	}
	return t, nil
}

// readConn is readTx on PostgreSQL: fn's statements run on one connection
// of the read-only pool (default_transaction_read_only, so that any write
// fails), each in a transaction of its own, without BEGIN and COMMIT. That
// is what a transaction at READ COMMITTED (every one of the store's) gives
// a reader anyway, each statement seeing the data committed when it starts,
// for two round trips fewer.
func (s *Store) readConn(ctx context.Context, fn func(*Tx) error) (*Tx, error) {
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read connection: %w", err)
	}
	defer conn.Close()
	t := &Tx{tx: conn, dialect: s.dialect, now: s.Now(), keys: s.keys, readOnly: true, families: &s.families, deks: &s.deks, kek: &s.kek}
	if err := fn(t); err != nil {
		return nil, err
	}
	for i := range t.audit.entries {
		t.audit.entries[i].At = t.now
	}
	return t, nil
}

// readOnlyDSN is dsn (a postgres:// URL) with every transaction read-only.
func readOnlyDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// Not the parser's message: it quotes the URL, password and all.
		return "", errors.New("the PostgreSQL URL cannot be parsed")
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01" // serialization failure, deadlock
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// isUniqueViolation reports whether err is a unique-constraint failure.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.statements++
	if t.principals != nil && writesPrincipals(query) {
		t.principalsChanged = true
		t.principals.Add(1)
	}
	if st := t.stmts.get(query); st != nil {
		return t.sqlTx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// writesPrincipals reports whether a statement run by exec may change who
// a token stands for: it names organisations, users or API tokens (more
// than that is harmless: a cache of principals is only refilled).
func writesPrincipals(query string) bool {
	return strings.Contains(query, "organisations") || strings.Contains(query, "users") || strings.Contains(query, "api_tokens")
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.statements++
	return t.tx.QueryContext(ctx, query, args...)
}

// queryPrepared is query through the statement cache, for a caller that
// runs no other statement of the same text while the rows are open (see
// stmtCache).
func (t *Tx) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.statements++
	if st := t.stmts.get(query); st != nil {
		return t.sqlTx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	t.statements++
	if st := t.stmts.get(query); st != nil {
		return t.sqlTx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// scanAll reads every row with scan and closes rows, so that the caller may
// run further queries at once (SQLite has one connection).
func scanAll[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// nullTime scans a nullable timestamp from either driver.
type nullTime struct {
	Time  time.Time
	Valid bool
}

func (n *nullTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		n.Valid = false
	case time.Time:
		n.Time, n.Valid = v.UTC(), true
	case string:
		t, err := parseSQLiteTime(v)
		n.Time, n.Valid = t, err == nil
		return err
	default:
		return fmt.Errorf("cannot scan %T into a time", v)
	}
	return nil
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", s)
}

// nullable returns nil for "", so optional references store NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeOrNil returns nil for the zero time.
func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
