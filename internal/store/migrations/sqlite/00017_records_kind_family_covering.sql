-- +goose Up
-- Kept in step with PostgreSQL's migration 00017, which replaces its index
-- of records by kind and family name with one that covers deleted_at too,
-- as SQLite's migration 00014 added here (records_kind_family_live).
SELECT 1;

-- +goose Down
SELECT 1;
