-- +goose Up
-- The name search's index (RecordFilter.Name): the cross-script keys of
-- every name a record's person holds, one row each. They are computed in
-- Go by package names (nameKeys in namekeys.go), written in the transaction
-- that writes the record, and removed when it is deleted. Keys are
-- prefixed by kind: f: family name, g: given-name class, n: given name,
-- p: patronymic.
--
-- The primary key is the index on (key, record_id) a search reads. A
-- record's keys are removed by key and id (the store computes them from
-- the record), so no second index on record_id is needed. No foreign key:
-- the rows are derived data only the store writes, beside the record, and
-- a check per key row would cost the import more than the rows themselves.
CREATE TABLE record_name_keys (
    record_id uuid NOT NULL,
    key       text NOT NULL,
    PRIMARY KEY (key, record_id)
);

-- The fingerprint of the key rules the keys were written with (see
-- nameKeysFingerprint). When it differs from the running binary's, Open
-- rebuilds record_name_keys: after this migration (the records written
-- before it have no keys yet) and after any change to the rules.
CREATE TABLE record_name_keys_state (
    id          integer PRIMARY KEY CHECK (id = 1),
    fingerprint text NOT NULL
);
INSERT INTO record_name_keys_state (id, fingerprint) VALUES (1, '');

-- +goose Down
DROP TABLE record_name_keys_state;
DROP TABLE record_name_keys;
