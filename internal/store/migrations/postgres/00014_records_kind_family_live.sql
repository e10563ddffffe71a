-- +goose Up
-- Kept in step with SQLite's migration 00014, which adds an index for
-- SQLite's plan of a page by family name; PostgreSQL reads that page as
-- before (records_kind_family), so nothing changes here.
SELECT 1;

-- +goose Down
SELECT 1;
