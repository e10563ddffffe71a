package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"github.com/reunite-ftr/reunite/internal/ledger"
)

// LedgerTx is the ledger's storage (ledger.Store) within one transaction:
// a ledger.Log built on it appends in the caller's transaction, so an act
// and its entry are committed together or not at all.
//
// Get one with Tx.Ledger, after Tx.LockLedger if the transaction appends.
type LedgerTx struct{ t *Tx }

var _ ledger.Store = LedgerTx{}

// Ledger returns the ledger's storage in this transaction.
func (t *Tx) Ledger() LedgerTx { return LedgerTx{t} }

// ledgerLockKey is the PostgreSQL advisory lock that serialises making the
// ledger_state row (whose row lock then serialises appends, see LockLedger).
// Any 64-bit constant will do as long as nothing else uses it.
const ledgerLockKey = 0x7265756e6974654c // "reuniteL"

// LockLedger makes this transaction the only one appending to the ledger
// until it ends. Entries take consecutive positions, so two transactions
// appending at once would both take position n and one would fail at its
// insert, which in PostgreSQL aborts the whole transaction (and the act
// with it). Taking the lock first makes the second wait for the first to
// commit and then read the new size. In SQLite every write transaction
// already holds the database's one write lock.
//
// In PostgreSQL the lock is the row lock on ledger_state, taken by the
// query that reads it (SELECT … FOR UPDATE, which after waiting returns the
// row as the transaction it waited for committed it), so locking and
// reading the border are one round trip; the border is kept for the Log
// opened next in this transaction (see Frontier). While there is no state
// row yet (a new ledger, or one written before it existed), an advisory
// lock serialises making it. Taking the lock again in the same transaction
// costs nothing.
func (t *Tx) LockLedger(ctx context.Context) error {
	if t.dialect != Postgres || t.ledgerLocked {
		return nil
	}
	ok, err := t.lockLedgerState(ctx)
	if err != nil {
		return err
	}
	if !ok {
		if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(ledgerLockKey)); err != nil {
			return fmt.Errorf("lock ledger: %w", err)
		}
		// Size 0: a ledger that has entries reads them, as for any state
		// not of its size, and its next append writes the state.
		if _, err := t.exec(ctx, `INSERT INTO ledger_state (id, size, frontier) VALUES (1, 0, '') ON CONFLICT (id) DO NOTHING`); err != nil {
			return fmt.Errorf("lock ledger: %w", err)
		}
		if ok, err = t.lockLedgerState(ctx); err != nil {
			return err
		} else if !ok {
			return errors.New("lock ledger: no ledger_state row")
		}
	}
	t.ledgerLocked = true
	return nil
}

// lockLedgerState locks and reads the ledger_state row, if there is one.
func (t *Tx) lockLedgerState(ctx context.Context) (bool, error) {
	var size int64
	var b []byte
	err := t.queryRow(ctx, `SELECT size, frontier FROM ledger_state WHERE id = 1 FOR UPDATE`).Scan(&size, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock ledger: %w", err)
	}
	t.ledgerState = &ledgerState{size: uint64(size), frontier: b}
	return true, nil
}

// ledgerState is the ledger's size and border as this transaction last
// read or wrote them while holding the ledger lock.
type ledgerState struct {
	size     uint64
	frontier []byte // concatenated hashes
}

// Size implements ledger.Store: one past the last entry. MAX rather than
// COUNT: it is one primary-key lookup at any size, and a row deleted from
// the middle does not move the end (a verifier then finds the hole).
func (l LedgerTx) Size(ctx context.Context) (uint64, error) {
	var n sql.NullInt64
	if err := l.t.queryRow(ctx, `SELECT MAX(idx) FROM ledger_entries`).Scan(&n); err != nil {
		return 0, fmt.Errorf("ledger size: %w", err)
	}
	if !n.Valid {
		return 0, nil
	}
	return uint64(n.Int64) + 1, nil
}

// Append implements ledger.Store: the entry's leaf bytes, its leaf hash and
// the subtree roots it completes, in the caller's transaction. It leaves
// ledger_state as it is, which then no longer matches the size and is not
// used (a Log appends with AppendBatch).
func (l LedgerTx) Append(ctx context.Context, e ledger.Entry, leaf ledger.Hash, parents []ledger.Node) error {
	l.t.ledgerState = nil
	c := []ledger.BatchLeaf{{Entry: e, Data: e.LeafData(), Hash: leaf, Parents: parents}}
	if l.t.dialect == Postgres {
		return l.appendPostgres(ctx, c, nil)
	}
	return l.appendSQLite(ctx, c, nil)
}

var _ ledger.FrontierStore = LedgerTx{}

// Statements of every append in SQLite (prepared once, see
// preparedSQLite).
const (
	ledgerFrontierQuery = `SELECT s.size, s.frontier, COALESCE((SELECT MAX(idx) FROM ledger_entries), -1)
		FROM ledger_state s WHERE s.id = 1`
	ledgerInsertOne = `INSERT INTO ledger_entries (idx, leaf, leaf_hash)
		SELECT ?, ?, ? WHERE COALESCE((SELECT MAX(idx) FROM ledger_entries), -1) = ?`
	ledgerNodeOne     = `INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)`
	ledgerStateUpsert = `INSERT INTO ledger_state (id, size, frontier) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier`
)

// Frontier implements ledger.FrontierStore: the border kept in
// ledger_state, in one query, if its size is one past the last entry.
//
// In a transaction that holds the ledger lock it is the state read with the
// lock or written by this transaction's last append, without a query, and
// without comparing with the last entry (the query read under the lock may
// have a snapshot older than the row it waited for): a state not of the
// ledger's size then makes the next append's size check fail
// (ledger.ErrConflict), which drops it, and the Log reloads from here,
// this time with the query.
func (l LedgerTx) Frontier(ctx context.Context) (uint64, []ledger.Hash, bool, error) {
	const n = len(ledger.Hash{})
	if st := l.t.ledgerState; st != nil && len(st.frontier)%n == 0 {
		return st.size, splitHashes(st.frontier), true, nil
	}
	var size, last int64
	var b []byte
	err := l.t.queryRow(ctx, ledgerFrontierQuery).Scan(&size, &b, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("ledger state: %w", err)
	}
	if size != last+1 || len(b)%n != 0 {
		return 0, nil, false, nil // stale: read the rows
	}
	return uint64(size), splitHashes(b), true, nil
}

func splitHashes(b []byte) []ledger.Hash {
	const n = len(ledger.Hash{})
	out := make([]ledger.Hash, len(b)/n)
	for i := range out {
		out[i] = ledger.Hash(b[i*n : (i+1)*n])
	}
	return out
}

func joinHashes(hs []ledger.Hash) []byte {
	b := make([]byte, 0, len(hs)*len(ledger.Hash{}))
	for _, h := range hs {
		b = append(b, h[:]...)
	}
	return b
}

// AppendFrontier implements ledger.FrontierStore: Append, and the border
// after it into ledger_state.
func (l LedgerTx) AppendFrontier(ctx context.Context, e ledger.Entry, leaf ledger.Hash, parents []ledger.Node, border []ledger.Hash) error {
	return l.AppendBatch(ctx, []ledger.BatchLeaf{{Entry: e, Data: e.LeafData(), Hash: leaf, Parents: parents}}, border)
}

var _ ledger.BatchStore = LedgerTx{}

// ledgerChunk is how many entries one statement writes (with their
// subtree hashes: about as many again). In SQLite three parameters a row,
// well under its limit of 32,766; in PostgreSQL the rows are arrays (eight
// parameters whatever the size), and the chunk only bounds one message.
// Variables so that tests can make batches of several chunks.
var (
	ledgerChunkSQLite   = 1_000
	ledgerChunkPostgres = 10_000
)

func (l LedgerTx) ledgerChunk() int {
	if l.t.dialect == Postgres {
		return ledgerChunkPostgres
	}
	return ledgerChunkSQLite
}

// AppendBatch implements ledger.BatchStore: the entries, their subtree
// hashes and the state after them, a few statements per chunk of entries
// rather than per entry. The size check is inside the first insert
// (INSERT … SELECT … WHERE the last entry is the one before), not a query
// of its own. In PostgreSQL a chunk is one statement (data-modifying WITH,
// rows passed as arrays: one round trip, and the same text whatever the
// size, so the driver's prepared statement is reused); in SQLite, which
// runs in the process, up to three. When that is more than one statement,
// they run in a savepoint, rolled back on error, so a failed batch leaves
// nothing even in a transaction that goes on.
func (l LedgerTx) AppendBatch(ctx context.Context, b []ledger.BatchLeaf, border []ledger.Hash) (err error) {
	if len(b) == 0 {
		return nil
	}
	first := b[0].Entry.Index
	for i := range b {
		if b[i].Entry.Index != first+uint64(i) {
			return fmt.Errorf("ledger append: batch entry %d has index %d, want %d", i, b[i].Entry.Index, first+uint64(i))
		}
		if b[i].Data == nil {
			b[i].Data = b[i].Entry.LeafData()
		}
	}
	l.t.ledgerState = nil // unless all goes well
	chunk := l.ledgerChunk()
	if len(b) > chunk || (l.t.dialect == SQLite && len(b) > 1) {
		if _, err := l.t.exec(ctx, `SAVEPOINT ledger_batch`); err != nil {
			return fmt.Errorf("ledger append: %w", err)
		}
		defer func() {
			if err != nil {
				l.t.exec(ctx, `ROLLBACK TO SAVEPOINT ledger_batch`)
			}
			if _, rerr := l.t.exec(ctx, `RELEASE SAVEPOINT ledger_batch`); rerr != nil && err == nil {
				err = fmt.Errorf("ledger append: %w", rerr)
			}
		}()
	}
	frontier := joinHashes(border)
	for from := 0; from < len(b); from += chunk {
		c := b[from:min(len(b), from+chunk)]
		var state []byte
		if from+chunk >= len(b) {
			state = frontier
		}
		if l.t.dialect == Postgres {
			err = l.appendPostgres(ctx, c, state)
		} else {
			err = l.appendSQLite(ctx, c, state)
		}
		if err != nil {
			return err
		}
	}
	l.t.ledgerState = &ledgerState{size: first + uint64(len(b)), frontier: frontier}
	return nil
}

// conflict names the error of an insert into ledger_entries.
func (l LedgerTx) conflict(idx uint64, err error) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: entry %d: %v", ledger.ErrConflict, idx, err)
	}
	return fmt.Errorf("ledger append %d: %w", idx, err)
}

// notNext is the error of an append whose first index is not one past the
// last entry.
func (l LedgerTx) notNext(ctx context.Context, idx uint64) error {
	size, err := l.Size(ctx)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: entry %d, size %d", ledger.ErrConflict, idx, size)
}

// pgAppend writes a chunk of entries (if the first is one past the last
// entry), their parents and, when $8 is not null, the state, in one
// statement.
const pgAppend = `WITH e AS (INSERT INTO ledger_entries (idx, leaf, leaf_hash)
	SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])
	WHERE COALESCE((SELECT MAX(idx) FROM ledger_entries), -1) = ($1::bigint[])[1] - 1
	RETURNING 1),
n AS (INSERT INTO ledger_nodes (level, idx, hash)
	SELECT * FROM unnest($4::int[], $5::bigint[], $6::bytea[]) WHERE EXISTS (SELECT FROM e)),
s AS (INSERT INTO ledger_state (id, size, frontier)
	SELECT 1, $7::bigint, $8::bytea WHERE $8::bytea IS NOT NULL AND EXISTS (SELECT FROM e)
	ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier)
SELECT count(*) FROM e`

func (l LedgerTx) appendPostgres(ctx context.Context, c []ledger.BatchLeaf, state []byte) error {
	idx := make([]int64, len(c))
	leaf := make([][]byte, len(c))
	hash := make([][]byte, len(c))
	var nl []int32
	var ni []int64
	var nh [][]byte
	for i := range c {
		idx[i] = int64(c[i].Entry.Index)
		leaf[i] = c[i].Data
		hash[i] = c[i].Hash[:]
		for _, n := range c[i].Parents {
			nl = append(nl, int32(n.ID.Level))
			ni = append(ni, int64(n.ID.Index))
			nh = append(nh, n.Hash[:])
		}
	}
	if nl == nil { // empty arrays, not NULL
		nl, ni, nh = []int32{}, []int64{}, [][]byte{}
	}
	end := int64(c[len(c)-1].Entry.Index) + 1
	var n int
	if err := l.t.queryRow(ctx, pgAppend, idx, leaf, hash, nl, ni, nh, end, state).Scan(&n); err != nil {
		return l.conflict(c[0].Entry.Index, err)
	}
	if n != len(c) {
		return l.notNext(ctx, c[0].Entry.Index)
	}
	return nil
}

func (l LedgerTx) appendSQLite(ctx context.Context, c []ledger.BatchLeaf, state []byte) error {
	first := c[0].Entry.Index
	var res sql.Result
	var err error
	if len(c) == 1 { // one act: prepared statements
		res, err = l.t.exec(ctx, ledgerInsertOne, int64(first), c[0].Data, c[0].Hash[:], int64(first)-1)
	} else {
		args := make([]any, 0, 3*len(c)+1)
		for i := range c {
			args = append(args, int64(c[i].Entry.Index), c[i].Data, c[i].Hash[:])
		}
		args = append(args, int64(first)-1)
		res, err = l.t.exec(ctx, l.t.multiInsert(`INSERT INTO ledger_entries (idx, leaf, leaf_hash)
		SELECT column1, column2, column3 FROM (VALUES `, 3, len(c))+
			`) WHERE COALESCE((SELECT MAX(idx) FROM ledger_entries), -1) = ?`, args...)
	}
	if err != nil {
		return l.conflict(first, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != int64(len(c)) {
		return l.notNext(ctx, first)
	}
	var args []any
	for i := range c {
		for _, n := range c[i].Parents {
			args = append(args, int(n.ID.Level), int64(n.ID.Index), n.Hash[:])
		}
	}
	switch {
	case len(c) == 1:
		// One act completes one subtree on average: one prepared insert
		// each.
		for i := 0; i < len(args); i += 3 {
			if _, err := l.t.exec(ctx, ledgerNodeOne, args[i:i+3]...); err != nil {
				return fmt.Errorf("ledger append %d: nodes: %w", first, err)
			}
		}
	case len(args) > 0:
		if _, err := l.t.exec(ctx, l.t.multiInsert(`INSERT INTO ledger_nodes (level, idx, hash) VALUES `, 3, len(args)/3), args...); err != nil {
			return fmt.Errorf("ledger append %d: nodes: %w", first, err)
		}
	}
	if state != nil {
		end := int64(c[len(c)-1].Entry.Index) + 1
		if _, err := l.t.exec(ctx, ledgerStateUpsert, end, state); err != nil {
			return fmt.Errorf("ledger append %d: state: %w", first, err)
		}
	}
	return nil
}

// LedgerLeaf is one stored row of the ledger, as stored.
type LedgerLeaf struct {
	Index uint64
	Leaf  []byte
}

// LedgerLeaves returns the stored rows [from, to) as they are, in order of
// position, without parsing or checking them: what the API serves, so that
// a verifier sees exactly what the database holds (a missing row is missing
// from the answer).
func (t *Tx) LedgerLeaves(ctx context.Context, from, to uint64) ([]LedgerLeaf, error) {
	rows, err := t.query(ctx, `SELECT idx, leaf FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`, int64(from), int64(to))
	if err != nil {
		return nil, fmt.Errorf("ledger leaves: %w", err)
	}
	defer rows.Close()
	var out []LedgerLeaf
	for rows.Next() {
		var idx int64
		var leaf []byte
		if err := rows.Scan(&idx, &leaf); err != nil {
			return nil, err
		}
		out = append(out, LedgerLeaf{Index: uint64(idx), Leaf: leaf})
	}
	return out, rows.Err()
}

// Entries implements ledger.Store. A row that is missing or does not parse
// is an error naming it.
func (l LedgerTx) Entries(ctx context.Context, from, to uint64) ([]ledger.Entry, error) {
	if from > to {
		return nil, fmt.Errorf("ledger entries [%d, %d): empty range", from, to)
	}
	rows, err := l.t.LedgerLeaves(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Entry, 0, len(rows))
	for i, r := range rows {
		if want := from + uint64(i); r.Index != want {
			return nil, fmt.Errorf("ledger entry %d is missing", want)
		}
		e, err := ledger.ParseLeaf(r.Leaf)
		if err != nil {
			return nil, fmt.Errorf("ledger entry %d: %w", r.Index, err)
		}
		out = append(out, e)
	}
	if uint64(len(out)) != to-from {
		return nil, fmt.Errorf("ledger entries [%d, %d) out of range: %d stored", from, to, len(out))
	}
	return out, nil
}

// Hashes implements ledger.Store: level 0 from the entries' leaf hashes,
// the others from ledger_nodes, in two queries whatever the number of ids
// (a proof or a border is at most a few dozen).
func (l LedgerTx) Hashes(ctx context.Context, ids []compact.NodeID) ([]ledger.Hash, error) {
	found := make(map[compact.NodeID]ledger.Hash, len(ids))
	var leaves, nodes []any
	var leafQ, nodeQ []string
	for _, id := range ids {
		if id.Level == 0 {
			leaves = append(leaves, int64(id.Index))
			leafQ = append(leafQ, fmt.Sprintf("$%d", len(leaves)))
		} else {
			nodes = append(nodes, int(id.Level), int64(id.Index))
			nodeQ = append(nodeQ, fmt.Sprintf("(level = $%d AND idx = $%d)", len(nodes)-1, len(nodes)))
		}
	}
	scan := func(q string, args []any, level bool) error {
		rows, err := l.t.query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("ledger hashes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var lv int
			var idx int64
			var h []byte
			dst := []any{&idx, &h}
			if level {
				dst = append([]any{&lv}, dst...)
			}
			if err := rows.Scan(dst...); err != nil {
				return err
			}
			if len(h) != len(ledger.Hash{}) {
				return fmt.Errorf("ledger node (%d, %d): hash of %d bytes", lv, idx, len(h))
			}
			found[compact.NewNodeID(uint(lv), uint64(idx))] = ledger.Hash(h)
		}
		return rows.Err()
	}
	if len(leaves) > 0 {
		if err := scan(`SELECT idx, leaf_hash FROM ledger_entries WHERE idx IN (`+strings.Join(leafQ, ", ")+`)`, leaves, false); err != nil {
			return nil, err
		}
	}
	if len(nodes) > 0 {
		if err := scan(`SELECT level, idx, hash FROM ledger_nodes WHERE `+strings.Join(nodeQ, " OR "), nodes, true); err != nil {
			return nil, err
		}
	}
	out := make([]ledger.Hash, len(ids))
	for i, id := range ids {
		h, ok := found[id]
		if !ok {
			return nil, fmt.Errorf("ledger: no stored node %v", id)
		}
		out[i] = h
	}
	return out, nil
}

// Purposes of ledger keys.
const (
	LedgerKeyOrg  = "org"
	LedgerKeyLog  = "log"
	LedgerKeySalt = "salt"
)

// LedgerKey is one of the ledger's secrets, sealed by the application
// (the store never sees it in the clear).
type LedgerKey struct {
	ID        string    `json:"id"`
	Purpose   string    `json:"purpose"`
	Owner     string    `json:"owner"`
	Public    string    `json:"public,omitempty"`
	SealKeyID string    `json:"-"`
	Sealed    []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

const ledgerKeyColumns = `id, purpose, owner, public, seal_key_id, sealed, created_at, retired_at`

func scanLedgerKey(row interface{ Scan(...any) error }) (LedgerKey, error) {
	var k LedgerKey
	var created, retired nullTime
	err := row.Scan(&k.ID, &k.Purpose, &k.Owner, &k.Public, &k.SealKeyID, &k.Sealed, &created, &retired)
	k.CreatedAt, k.RetiredAt = created.Time, retired.Time
	return k, err
}

// CurrentLedgerKey returns the current (not retired) key of a purpose and
// owner, or ErrNotFound.
func (t *Tx) CurrentLedgerKey(ctx context.Context, purpose, owner string) (LedgerKey, error) {
	k, err := scanLedgerKey(t.queryRow(ctx, `SELECT `+ledgerKeyColumns+` FROM ledger_keys
		WHERE purpose = $1 AND owner = $2 AND retired_at IS NULL`, purpose, owner))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("ledger %s key of %s: %w", purpose, owner, ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("ledger %s key of %s: %w", purpose, owner, err)
	}
	return k, nil
}

// InsertLedgerKey adds a key; its CreatedAt is the transaction's time. A
// second current key of a purpose and owner is ErrDuplicate.
func (t *Tx) InsertLedgerKey(ctx context.Context, k *LedgerKey) error {
	k.CreatedAt = t.now
	_, err := t.exec(ctx, `INSERT INTO ledger_keys (`+ledgerKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`,
		k.ID, k.Purpose, k.Owner, k.Public, k.SealKeyID, k.Sealed, k.CreatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("ledger %s key of %s: %w", k.Purpose, k.Owner, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert ledger key: %w", err)
	}
	return nil
}

// RetireLedgerKey retires a key: it no longer signs, and its public half is
// kept for what it signed.
func (t *Tx) RetireLedgerKey(ctx context.Context, id string) error {
	res, err := t.exec(ctx, `UPDATE ledger_keys SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL`, t.now, id)
	if err != nil {
		return fmt.Errorf("retire ledger key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("ledger key %s: %w", id, ErrNotFound)
	}
	return nil
}

// LedgerKeys returns every key of a purpose, current and retired, oldest
// first.
func (t *Tx) LedgerKeys(ctx context.Context, purpose string) ([]LedgerKey, error) {
	rows, err := t.query(ctx, `SELECT `+ledgerKeyColumns+` FROM ledger_keys WHERE purpose = $1 ORDER BY created_at, id`, purpose)
	if err != nil {
		return nil, fmt.Errorf("ledger keys: %w", err)
	}
	return scanAll(rows, scanLedgerKey)
}

// AddCosignature keeps a witness's cosignature line of the checkpoint of
// size and root, replacing the witness's earlier one for that size (a
// witness may cosign the same checkpoint again, later).
func (t *Tx) AddCosignature(ctx context.Context, witness string, size uint64, root ledger.Hash, line string) error {
	_, err := t.exec(ctx, `INSERT INTO ledger_cosignatures (witness, size, root, line, received_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (witness, size) DO UPDATE SET root = excluded.root, line = excluded.line, received_at = excluded.received_at`,
		witness, int64(size), root[:], line, t.now)
	if err != nil {
		return fmt.Errorf("add cosignature: %w", err)
	}
	return nil
}

// Cosignatures returns the cosignature lines for the checkpoint of size and
// root, by witness name.
func (t *Tx) Cosignatures(ctx context.Context, size uint64, root ledger.Hash) ([]string, error) {
	rows, err := t.query(ctx, `SELECT line FROM ledger_cosignatures WHERE size = $1 AND root = $2 ORDER BY witness`, int64(size), root[:])
	if err != nil {
		return nil, fmt.Errorf("cosignatures: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	return out, rows.Err()
}
