-- +goose Up
-- A record's documents (person, enquirer, sensitive fields, past versions)
-- become json rather than jsonb. The store never queries inside them: it
-- writes what encoding/json made and reads it back whole. jsonb parsed each
-- one on the way in and printed it again on the way out, with its keys
-- reordered and spaces added, which cost PostgreSQL's CPU on every listing
-- and kept the store's reader of its own documents (scanRecord) from
-- recognising them. json keeps the text as written, still checked to be
-- JSON. Rewriting the tables takes a moment on a large database; documents
-- already stored keep jsonb's spelling, which the store reads as before.
ALTER TABLE records ALTER COLUMN person TYPE json USING person::json,
                    ALTER COLUMN enquirer TYPE json USING enquirer::json;
ALTER TABLE record_sensitive ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE record_history ALTER COLUMN snapshot TYPE json USING snapshot::json;

-- +goose Down
ALTER TABLE record_history ALTER COLUMN snapshot TYPE jsonb USING snapshot::jsonb;
ALTER TABLE record_sensitive ALTER COLUMN data TYPE jsonb USING data::jsonb;
ALTER TABLE records ALTER COLUMN person TYPE jsonb USING person::jsonb,
                    ALTER COLUMN enquirer TYPE jsonb USING enquirer::jsonb;
