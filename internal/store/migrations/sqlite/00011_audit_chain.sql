-- +goose Up
-- The audit trail becomes a hash chain (internal/store/audit.go). Each row
-- gets its place in the chain (seq: 1, 2, 3 … with no gaps), the hash of
-- the row before it (prev_hash; 32 zero bytes before the first) and its
-- own hash, SHA-256 of prev_hash and the row's canonical bytes. Removing,
-- editing or reordering a row breaks the chain at that row.
--
-- audit_state holds the head: the last seq and its hash. Every append
-- reads and rewrites it in the appending transaction (SQLite: under the one
-- write lock; PostgreSQL: SELECT … FOR UPDATE), so the order of the chain
-- is the order in which transactions committed their audit rows, and two
-- transactions never take the same seq.
--
-- Rows already in audit_log have no seq yet. unchained_through is the last
-- id of them; the store chains them, in id order, the first time it opens
-- the database after this migration (in Go: SQL cannot compute the
-- hashes portably), and then sets it to 0. A row without a seq after that
-- is a row written outside the application, and `reunite audit verify`
-- says so.
ALTER TABLE audit_log ADD COLUMN seq bigint;
ALTER TABLE audit_log ADD COLUMN prev_hash blob;
ALTER TABLE audit_log ADD COLUMN hash blob;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);

CREATE TABLE audit_state (
    id                integer PRIMARY KEY CHECK (id = 1),
    seq               bigint NOT NULL CHECK (seq >= 0),
    head              blob NOT NULL,
    unchained_through bigint NOT NULL
);
INSERT INTO audit_state (id, seq, head, unchained_through)
    SELECT 1, 0, zeroblob(32), COALESCE(MAX(id), 0) FROM audit_log;

-- Erasure on a lawful request (app.EraseRecord) leaves, of a record, its
-- row in records emptied of personal data (kept: other rows refer to its
-- id, and the ledger's entries name it) and this tombstone: what was
-- erased, whose it was, when, by whom and on what legal basis. It sits in
-- this migration because it belongs to the same piece of work as the chain
-- (the erasure is audited on it).
CREATE TABLE record_erasures (
    record_id   text PRIMARY KEY REFERENCES records (id),
    kind        text NOT NULL,
    org_id      text NOT NULL REFERENCES organisations (id),
    erased_at   timestamp NOT NULL,
    erased_by   text NOT NULL,
    legal_basis text NOT NULL
);

-- +goose Down
DROP TABLE record_erasures;
DROP TABLE audit_state;
DROP INDEX audit_log_seq;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
ALTER TABLE audit_log DROP COLUMN seq;
