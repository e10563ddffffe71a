-- +goose Up
-- Kept in step with PostgreSQL's migration 00016, which stores records'
-- documents as json rather than jsonb; SQLite keeps them as text already.
SELECT 1;

-- +goose Down
SELECT 1;
