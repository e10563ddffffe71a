-- +goose Up
-- Encryption at rest (internal/seal): every record has a data key (DEK) of
-- its own, stored beside it wrapped by a master key (KEK); the record's
-- sensitive fields, notes and superseded versions are encrypted with it.

-- The master keys that have wrapped data keys here, each with a canary (a
-- known value it wrapped) so that a wrong key is caught at start. One wraps
-- new data keys (wraps_new); `reunite keys rotate` moves that to a new key
-- and re-wraps every data key under it.
CREATE TABLE master_keys (
    id        text PRIMARY KEY,
    canary    blob NOT NULL,
    wraps_new boolean NOT NULL DEFAULT 0,
    added_at  timestamp NOT NULL
);
CREATE UNIQUE INDEX master_keys_wraps_new ON master_keys (wraps_new) WHERE wraps_new;

-- kek_id and dek: the record's data key, wrapped by master key kek_id.
-- notes_sealed: the person's notes (the person document then has none).
-- sealed: nothing of the record is left in plaintext (rows written before
-- this migration are sealed by `reunite keys encrypt-existing`, by `serve`
-- in the background, or when they are next changed).
ALTER TABLE records ADD COLUMN kek_id text;
ALTER TABLE records ADD COLUMN dek blob;
ALTER TABLE records ADD COLUMN notes_sealed blob;
ALTER TABLE records ADD COLUMN sealed boolean NOT NULL DEFAULT 0;
CREATE INDEX records_kek ON records (kek_id, id);
CREATE INDEX records_plaintext ON records (id) WHERE NOT sealed;

-- The sensitive fields and a superseded version's sensitive fields and
-- notes, encrypted with the record's data key. data and snapshot then hold
-- only what is not sensitive.
ALTER TABLE record_sensitive ADD COLUMN sealed blob;
ALTER TABLE record_history ADD COLUMN sealed blob;

-- +goose Down
ALTER TABLE record_history DROP COLUMN sealed;
ALTER TABLE record_sensitive DROP COLUMN sealed;
DROP INDEX records_plaintext;
DROP INDEX records_kek;
ALTER TABLE records DROP COLUMN sealed;
ALTER TABLE records DROP COLUMN notes_sealed;
ALTER TABLE records DROP COLUMN dek;
ALTER TABLE records DROP COLUMN kek_id;
DROP TABLE master_keys;
