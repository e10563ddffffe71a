-- +goose Up
-- An act that shows several records (a page of a list, the review queue,
-- an export) is one audit row naming them all, rather than a row per
-- record: record_ids holds their ids, space-separated, and the row's hash
-- covers them (audit_chain.go). record_id stays for an act on one record.
--
-- Finding the acts that named a record ("who saw this child's record?"):
-- record_id's index for acts on one record; for the others,
-- audit_record_refs, one row per (record, act), filled after the acts'
-- commits, in sorted bulk, by the store's indexer (audit_refs.go). A
-- reference inserted with each act would put nearly every one on a page of
-- its own (the index is by record), a page write each: the audit batches
-- of reads were most of the writer's time (docs/BENCHMARKS.md, HTTP load).
-- audit_refs_state.seq is the chain's seq up to which the table is
-- complete; a query by record reads the acts past it from audit_log
-- itself, so it never misses an act the indexer has not reached.
--
-- No foreign key to audit_log: audit rows are never deleted, and the check
-- would cost a lookup per reference.
ALTER TABLE audit_log ADD COLUMN record_ids text NOT NULL DEFAULT '';

CREATE TABLE audit_record_refs (
    record_id uuid NOT NULL,
    audit_id  bigint NOT NULL,
    PRIMARY KEY (record_id, audit_id)
);

CREATE TABLE audit_refs_state (
    id  integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL CHECK (seq >= 0)
);
INSERT INTO audit_refs_state (id, seq) VALUES (1, 0);

-- +goose Down
DROP TABLE audit_refs_state;
DROP TABLE audit_record_refs;
ALTER TABLE audit_log DROP COLUMN record_ids;
