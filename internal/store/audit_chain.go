package store

// The audit trail is a hash chain. Every row has a place (seq = 1, 2, 3 …,
// no gaps), the hash of the row before it (prev_hash, 32 zero bytes before
// the first) and its own hash:
//
//	hash = SHA-256("reunite audit v1\n" || prev_hash || canonical(row))
//
// where canonical(row) is seq and every column but id, each length-prefixed
// (auditCanonical); record_ids (migration 00015) only when it is not empty,
// so that rows written before it hash as they did. audit_state keeps the head: the last seq and its hash.
//
// Order. The chain's order is seq, assigned under the head: an append reads
// audit_state inside its transaction (SQLite: the transaction already holds
// the database's one write lock, taken at BEGIN IMMEDIATE; PostgreSQL:
// SELECT … FOR UPDATE, so a second appender waits for the first to commit
// and then, at READ COMMITTED, reads the head the first one left), writes
// its rows at seq+1 … seq+n chained on the head, and rewrites the head, all
// in the same transaction. A transaction that rolls back leaves neither its
// rows nor its head. The id column (an autoincrement) need not follow seq
// on PostgreSQL, where ids are handed out before the head is taken.
//
// What verification finds (VerifyAudit, `reunite audit verify`), walking the
// rows in seq order with O(1) memory:
//   - an edited row: its hash is not the hash of its contents;
//   - a removed row: a gap in seq, or, if the later rows were renumbered,
//     a row whose hash (which covers seq) no longer matches;
//   - reordered rows: the same, since seq is inside the hash and each row
//     names the hash of the one before it;
//   - a truncated tail: the last row is before the head in audit_state;
//   - a row written outside the application: no seq, or a seq past the head;
//   - the index by record (audit_refs.go) not matching the rows it covers:
//     a reference removed, added or changed, which would hide an act from
//     a query by record (the sums of both sides, refSum).
//
// What it cannot find on its own: someone with write access to the database
// who removes or edits rows and then recomputes every later hash and the
// head. The chain is plain SHA-256 with no secret, so only a copy of the
// head kept outside the database catches that. `reunite audit verify`
// prints the head (seq and hash) it verified; the operator records it
// elsewhere (a ticket, the mediator's minutes, a printed page) and passes
// it back with --head at the next verification, which then checks that the
// chain still holds that row with that hash at that place: a history
// rewritten or truncated below a recorded head fails. Rows appended after
// the last recorded head, and then removed, are not detectable: anchoring
// more often shortens that window.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// AuditHashSize is the size of a chain hash.
const AuditHashSize = sha256.Size

// auditPending is a transaction's side of the chain: entries waiting to be
// written, and the head once the transaction holds it.
type auditPending struct {
	entries []AuditEntry
	held    bool
	seq     int64
	head    []byte
}

// auditTimeLayout writes the time of a row for hashing: UTC, microseconds
// (what both databases keep).
const auditTimeLayout = "2006-01-02T15:04:05.000000Z"

// auditCanonical is the bytes a row's hash covers, after prev_hash: seq, then
// each column but id, each as a varint length and its bytes. A NULL and ""
// are the same here.
func auditCanonical(seq int64, e AuditEntry) []byte {
	fields := []string{
		e.At.UTC().Truncate(time.Microsecond).Format(auditTimeLayout),
		e.Actor, e.ActorOrg, e.Action, e.Outcome,
		e.RecordID, e.RecordOrg, string(e.RecordKind), e.Detail,
	}
	n := 8
	for _, f := range fields {
		n += binary.MaxVarintLen64 + len(f)
	}
	ids := joinRecordIDs(e.RecordIDs)
	if ids != "" {
		fields = append(fields, ids)
		n += binary.MaxVarintLen64 + len(ids)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// joinRecordIDs writes an entry's RecordIDs as audit_log.record_ids holds
// them: separated by one space.
func joinRecordIDs(ids []string) string { return strings.Join(ids, " ") }

// splitRecordIDs reads audit_log.record_ids.
func splitRecordIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// AuditHash is a row's hash in the chain, given the hash of the row before.
func AuditHash(prev []byte, seq int64, e AuditEntry) []byte {
	h := sha256.New()
	h.Write([]byte("reunite audit v1\n"))
	h.Write(prev)
	h.Write(auditCanonical(seq, e))
	return h.Sum(nil)
}

// canonicalID writes an id the way PostgreSQL's uuid columns give it back
// (lower case, dashes), so that a row hashes the same before and after it
// is stored. Anything that is not a UUID is left as it is.
func canonicalID(s string) string {
	if s == "" {
		return s
	}
	if u, err := uuid.Parse(s); err == nil {
		return u.String()
	}
	return s
}

// holdAuditHead takes the chain's head for this transaction, once.
func (t *Tx) holdAuditHead(ctx context.Context) error {
	if t.audit.held {
		return nil
	}
	q := `SELECT seq, head FROM audit_state WHERE id = 1`
	if t.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	if err := t.queryRow(ctx, q).Scan(&t.audit.seq, &t.audit.head); err != nil {
		return fmt.Errorf("audit chain head: %w", err)
	}
	t.audit.held = true
	return nil
}

// auditChunks are the numbers of rows one insert of audit rows carries on
// SQLite: a few fixed sizes, so that the statements' texts repeat and stay
// prepared (the statement cache), the largest at most MaxBatch; 50 is a
// page of records.
var auditChunks = []int{250, 50, 10, 1}

// auditChunk is the size of the next insert for n waiting entries.
func auditChunk(n int) int {
	for _, c := range auditChunks {
		if n >= c {
			return c
		}
	}
	return n
}

// flushAudit writes the waiting entries on the chain and the new head, in
// the transaction: on PostgreSQL in one statement, on SQLite in multi-row
// inserts of auditChunks rows and an update of the head.
func (t *Tx) flushAudit(ctx context.Context) error {
	if len(t.audit.entries) == 0 {
		return nil
	}
	if err := t.holdAuditHead(ctx); err != nil {
		return err
	}
	// The rows on the chain: each one's place and hash, after the head.
	rows := make([]chainRow, len(t.audit.entries))
	seq, head := t.audit.seq, t.audit.head
	for i, e := range t.audit.entries {
		if e.At.IsZero() {
			// Entries a ReadTx gathered keep the time of their read;
			// the others take the transaction's.
			e.At = t.now
		}
		e.ActorOrg, e.RecordID, e.RecordOrg = canonicalID(e.ActorOrg), canonicalID(e.RecordID), canonicalID(e.RecordOrg)
		if len(e.RecordIDs) > 0 {
			if e.RecordID != "" {
				return fmt.Errorf("append audit %s: an entry names one record (RecordID) or several (RecordIDs), not both", e.Action)
			}
			ids := make([]string, 0, len(e.RecordIDs))
			for _, id := range e.RecordIDs {
				if id == "" || strings.Contains(id, " ") {
					return fmt.Errorf("append audit %s: record id %q", e.Action, id)
				}
				if id = canonicalID(id); !slices.Contains(ids, id) { // each named once
					ids = append(ids, id)
				}
			}
			e.RecordIDs = ids
		}
		seq++
		h := AuditHash(head, seq, e)
		rows[i] = chainRow{entry: e, seq: sql.NullInt64{Int64: seq, Valid: true}, prev: head, hash: h}
		head = h
	}
	var err error
	if t.dialect == Postgres {
		err = t.appendAuditPostgres(ctx, rows, seq, head)
	} else {
		err = t.appendAuditSQLite(ctx, rows, seq, head)
	}
	if err != nil {
		return err
	}
	t.audit.seq, t.audit.head = seq, head
	t.audit.entries = t.audit.entries[:0]
	return nil
}

// pgAuditAppend writes audit rows given as arrays, one per column, and the
// chain's new head, in one statement whose text does not depend on the
// number of rows (so the driver's prepared statement is reused).
// (A data-modifying WITH runs whether or not it is referred to.)
const pgAuditAppend = `WITH i AS (INSERT INTO audit_log (at, actor, actor_org, action, outcome, record_id, record_org, record_kind, detail, seq, prev_hash, hash, record_ids)
	SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], $10::bigint[], $11::bytea[], $12::bytea[], $13::text[]))
UPDATE audit_state SET seq = $14, head = $15 WHERE id = 1`

func (t *Tx) appendAuditPostgres(ctx context.Context, rows []chainRow, seq int64, head []byte) error {
	n := len(rows)
	at := make([]time.Time, n)
	actor, action, outcome, kind, detail, ids := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	actorOrg, recID, recOrg := make([]*string, n), make([]*string, n), make([]*string, n)
	seqs := make([]int64, n)
	prev, hash := make([][]byte, n), make([][]byte, n)
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	for i, r := range rows {
		e := r.entry
		at[i], actor[i], action[i], outcome[i], kind[i], detail[i] = e.At, e.Actor, e.Action, e.Outcome, string(e.RecordKind), e.Detail
		ids[i] = joinRecordIDs(e.RecordIDs)
		actorOrg[i], recID[i], recOrg[i] = orNull(e.ActorOrg), orNull(e.RecordID), orNull(e.RecordOrg)
		seqs[i], prev[i], hash[i] = r.seq.Int64, r.prev, r.hash
	}
	if _, err := t.exec(ctx, pgAuditAppend, at, actor, actorOrg, action, outcome, recID, recOrg, kind, detail, seqs, prev, hash, ids, seq, head); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// appendAuditSQLite writes audit rows in multi-row inserts of auditChunks
// rows, then the chain's new head.
func (t *Tx) appendAuditSQLite(ctx context.Context, rows []chainRow, seq int64, head []byte) error {
	const cols = 13
	for len(rows) > 0 {
		n := auditChunk(len(rows))
		args := make([]any, 0, n*cols)
		for _, r := range rows[:n] {
			e := r.entry
			args = append(args, e.At, e.Actor, nullable(e.ActorOrg), e.Action, e.Outcome,
				nullable(e.RecordID), nullable(e.RecordOrg), string(e.RecordKind), e.Detail, r.seq.Int64, r.prev, r.hash, joinRecordIDs(e.RecordIDs))
		}
		// OR ROLLBACK: a row the table refuses ends the whole
		// transaction at once (as an error from here does anyway), so
		// SQLite keeps no statement journal of the pages the insert
		// changes in case it had to undo the statement alone (bench
		// http: 0.44 s of 23 s CPU).
		ins := t.multiInsert(`INSERT OR ROLLBACK INTO audit_log (at, actor, actor_org, action, outcome, record_id, record_org, record_kind, detail, seq, prev_hash, hash, record_ids) VALUES `, cols, n)
		if _, err := t.exec(ctx, ins, args...); err != nil {
			return fmt.Errorf("append audit: %w", err)
		}
		rows = rows[n:]
	}
	if _, err := t.exec(ctx, `UPDATE audit_state SET seq = $1, head = $2 WHERE id = 1`, seq, head); err != nil {
		return fmt.Errorf("append audit: head: %w", err)
	}
	return nil
}

// chainUnchainedAudit puts on the chain, in id order, the rows the audit
// trail held when migration 00011 added the chain (up to
// audit_state.unchained_through), in batches within one transaction, and
// then marks that done. It runs at every Open and costs one query once done.
func (s *Store) chainUnchainedAudit(ctx context.Context) error {
	var through int64
	if err := s.db.QueryRowContext(ctx, `SELECT unchained_through FROM audit_state WHERE id = 1`).Scan(&through); err != nil {
		return fmt.Errorf("audit chain state: %w", err)
	}
	if through == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.holdAuditHead(ctx); err != nil {
			return err
		}
		after := int64(0)
		for {
			rows, err := tx.query(ctx, `SELECT `+auditChainColumns+` FROM audit_log
				WHERE seq IS NULL AND id > $1 AND id <= $2 ORDER BY id LIMIT 2000`, after, through)
			if err != nil {
				return fmt.Errorf("chain existing audit rows: %w", err)
			}
			var batch []chainRow
			for rows.Next() {
				r, err := scanChainRow(rows)
				if err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			var q strings.Builder
			args := make([]any, 0, 4*len(batch))
			if tx.dialect == Postgres {
				q.WriteString(`UPDATE audit_log SET seq = v.seq, prev_hash = v.prev, hash = v.hash FROM (VALUES `)
			} else {
				q.WriteString(`UPDATE audit_log SET seq = v.column2, prev_hash = v.column3, hash = v.column4 FROM (VALUES `)
			}
			for i, r := range batch {
				tx.audit.seq++
				h := AuditHash(tx.audit.head, tx.audit.seq, r.entry)
				args = append(args, r.entry.ID, tx.audit.seq, tx.audit.head, h)
				tx.audit.head = h
				if i > 0 {
					q.WriteString(", ")
				}
				if tx.dialect == Postgres {
					fmt.Fprintf(&q, "($%d::bigint, $%d::bigint, $%d::bytea, $%d::bytea)", len(args)-3, len(args)-2, len(args)-1, len(args))
				} else {
					q.WriteString("(?, ?, ?, ?)")
				}
				after = r.entry.ID
			}
			if tx.dialect == Postgres {
				q.WriteString(`) AS v(id, seq, prev, hash) WHERE audit_log.id = v.id`)
			} else {
				q.WriteString(`) AS v WHERE audit_log.id = v.column1`)
			}
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("chain existing audit rows: %w", err)
			}
		}
		_, err := tx.exec(ctx, `UPDATE audit_state SET seq = $1, head = $2, unchained_through = 0 WHERE id = 1`, tx.audit.seq, tx.audit.head)
		return err
	})
}

const auditChainColumns = `id, seq, at, actor, actor_org, action, outcome, record_id, record_org, record_kind, detail, prev_hash, hash, record_ids`

// chainRow is a stored row with its place in the chain.
type chainRow struct {
	entry      AuditEntry
	seq        sql.NullInt64
	prev, hash []byte
}

func scanChainRow(rows *sql.Rows) (chainRow, error) {
	var r chainRow
	var at nullTime
	var actorOrg, recID, recOrg sql.NullString
	var ids string
	err := rows.Scan(&r.entry.ID, &r.seq, &at, &r.entry.Actor, &actorOrg, &r.entry.Action, &r.entry.Outcome,
		&recID, &recOrg, &r.entry.RecordKind, &r.entry.Detail, &r.prev, &r.hash, &ids)
	r.entry.At, r.entry.ActorOrg, r.entry.RecordID, r.entry.RecordOrg = at.Time, actorOrg.String, recID.String, recOrg.String
	r.entry.RecordIDs = splitRecordIDs(ids)
	r.entry.Seq = r.seq.Int64
	return r, err
}

// AuditHead is a place in the chain and the hash of the row there.
type AuditHead struct {
	Seq  int64
	Hash []byte
}

func (h AuditHead) String() string { return fmt.Sprintf("%d:%x", h.Seq, h.Hash) }

// ParseAuditHead reads a head as AuditHead.String writes it: SEQ:HEX.
func ParseAuditHead(s string) (AuditHead, error) {
	seq, hx, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 {
		return AuditHead{}, fmt.Errorf("audit head %q: want SEQ:SHA256HEX, SEQ ≥ 1", s)
	}
	h, err := hex.DecodeString(hx)
	if err != nil || len(h) != AuditHashSize {
		return AuditHead{}, fmt.Errorf("audit head %q: want SEQ:SHA256HEX (64 hex digits)", s)
	}
	return AuditHead{Seq: n, Hash: h}, nil
}

// AuditVerdict is what VerifyAudit found.
type AuditVerdict struct {
	Rows int64     // rows verified on the chain
	Head AuditHead // the head in audit_state when verification began
	// Problem is "" when the chain verified; else the first break, with
	// the seq and id of the row it was found at (0 when none applies).
	Problem string
	Seq, ID int64
}

// OK reports whether the chain verified.
func (v AuditVerdict) OK() bool { return v.Problem == "" }

// ErrAuditBroken: the audit chain did not verify.
var ErrAuditBroken = errors.New("audit chain does not verify")

// VerifyAudit walks the audit chain in seq order, page by page (each page
// a query of its own, so nothing is held open or in memory), and reports
// the first break: see the top of this file. Rows appended while it runs
// are past the head it read at the start and are left for the next run.
// anchors are heads recorded earlier outside the database: each must still
// be on the chain.
func (s *Store) VerifyAudit(ctx context.Context, anchors ...AuditHead) (AuditVerdict, error) {
	var v AuditVerdict
	// The index by record is complete up to its mark, read before the
	// head so that the mark is not past it.
	var indexed int64
	if err := s.db.QueryRowContext(ctx, `SELECT seq FROM audit_refs_state WHERE id = 1`).Scan(&indexed); err != nil {
		return v, fmt.Errorf("audit references: %w", err)
	}
	var names refSum // of the names in the rows up to the mark
	if err := s.db.QueryRowContext(ctx, `SELECT seq, head FROM audit_state WHERE id = 1`).Scan(&v.Head.Seq, &v.Head.Hash); err != nil {
		return v, fmt.Errorf("audit chain head: %w", err)
	}
	fail := func(seq, id int64, format string, args ...any) (AuditVerdict, error) {
		v.Problem, v.Seq, v.ID = fmt.Sprintf(format, args...), seq, id
		return v, nil
	}
	for _, a := range anchors {
		if a.Seq > v.Head.Seq {
			return fail(a.Seq, 0, "the recorded head %s is past the chain's head %d: the tail of the trail was removed (and the head rewritten)", a, v.Head.Seq)
		}
	}
	const page = 5000
	prev := make([]byte, AuditHashSize)
	last := int64(0)
	for last < v.Head.Seq {
		rows, err := s.db.QueryContext(ctx, `SELECT `+auditChainColumns+` FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT `+strconv.Itoa(page), last, v.Head.Seq)
		if err != nil {
			return v, fmt.Errorf("read audit chain: %w", err)
		}
		n := 0
		for rows.Next() {
			r, err := scanChainRow(rows)
			if err != nil {
				rows.Close()
				return v, err
			}
			n++
			seq, id := r.seq.Int64, r.entry.ID
			switch {
			case seq != last+1:
				rows.Close()
				return fail(last+1, 0, "audit row seq %d is missing (removed); the chain resumes at seq %d (id %d)", last+1, seq, id)
			case !bytes.Equal(AuditHash(r.prev, seq, r.entry), r.hash):
				rows.Close()
				return fail(seq, id, "audit row seq %d (id %d) does not match its hash: edited, or moved to another place", seq, id)
			case !bytes.Equal(r.prev, prev):
				rows.Close()
				return fail(seq, id, "audit row seq %d (id %d) does not follow the row before it: rows before it were removed, replaced or reordered", seq, id)
			}
			for _, a := range anchors {
				if a.Seq == seq && !bytes.Equal(a.Hash, r.hash) {
					rows.Close()
					return fail(seq, id, "audit row seq %d (id %d) is not the row of the recorded head %s: the trail was rewritten from there or before", seq, id, a)
				}
			}
			if seq <= indexed {
				for _, id := range r.entry.RecordIDs {
					names.add(id, r.entry.ID)
				}
			}
			prev, last = r.hash, seq
			v.Rows++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return v, err
		}
		if n == 0 {
			break
		}
	}
	if last < v.Head.Seq {
		return fail(last+1, 0, "the audit trail ends at seq %d but its head is at seq %d: rows %d to %d were removed (truncated tail)", last, v.Head.Seq, last+1, v.Head.Seq)
	}
	if !bytes.Equal(prev, v.Head.Hash) {
		return fail(last, 0, "the last audit row (seq %d) is not the head recorded in audit_state", last)
	}
	// Rows past the head, in one statement with the head as it is now, so
	// that rows appended during the walk (past the head it read) are not
	// taken for rows written behind the application's back.
	var seq, id sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT a.seq, a.id FROM audit_log a, audit_state s
		WHERE s.id = 1 AND a.seq > s.seq ORDER BY a.seq LIMIT 1`).Scan(&seq, &id)
	if err == nil {
		return fail(seq.Int64, id.Int64, "audit row seq %d (id %d) is past the chain's head: written outside the application", seq.Int64, id.Int64)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return v, err
	}
	if refs, err := s.sumAuditRefs(ctx, indexed); err != nil {
		return v, err
	} else if refs != names {
		return fail(0, 0, "the index of the audit trail by record does not match the rows up to seq %d: references were removed, added or changed (a query by record may miss acts; the chain itself holds)", indexed)
	}
	var through int64
	err = s.db.QueryRowContext(ctx, `SELECT a.id, s.unchained_through FROM audit_log a, audit_state s
		WHERE s.id = 1 AND a.seq IS NULL ORDER BY a.id LIMIT 1`).Scan(&id, &through)
	if err == nil && id.Int64 <= through {
		return fail(0, id.Int64, "audit row id %d predates the chain and has not been chained yet (the store chains such rows when it opens the database)", id.Int64)
	} else if err == nil {
		return fail(0, id.Int64, "audit row id %d is not on the chain: written outside the application", id.Int64)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return v, err
	}
	return v, nil
}

// refSum sums a multiset of references (record id, audit row id), in any
// order: two sums differ, but for a 2⁻⁶⁴ chance, when the multisets do.
type refSum struct{ n, sum uint64 }

func (r *refSum) add(recordID string, auditID int64) {
	h := sha256.New()
	h.Write([]byte(canonicalID(recordID)))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(auditID))
	h.Write(b[:])
	r.n++
	r.sum += binary.BigEndian.Uint64(h.Sum(nil))
}

// sumAuditRefs sums the references to the rows up to seq.
func (s *Store) sumAuditRefs(ctx context.Context, seq int64) (refSum, error) {
	var sum refSum
	rows, err := s.db.QueryContext(ctx, `SELECT r.record_id, r.audit_id FROM audit_record_refs r
		LEFT JOIN audit_log a ON a.id = r.audit_id WHERE a.seq IS NULL OR a.seq <= $1`, seq)
	if err != nil {
		return sum, fmt.Errorf("audit references: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var audit int64
		if err := rows.Scan(&id, &audit); err != nil {
			return sum, fmt.Errorf("audit references: %w", err)
		}
		sum.add(id, audit)
	}
	return sum, rows.Err()
}
