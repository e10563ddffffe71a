-- +goose Up
-- A page of a party's records by family name prefix, on SQLite, first
-- finds the ids of the page from indexes alone: the records not deleted
-- whose folded family name is in the prefix's range (this index covers
-- kind, name and id), each kept if the party sees it (record_visibility),
-- sorted by id; then reads the page's records, and only those (see
-- RecordFilter.listQuery). records_kind_family needed each candidate's row
-- for deleted_at, and a reader's page cache is emptied by every commit, so
-- each row was a page read from the file. (deleted_at, NULL in every
-- entry, is a column of the index so that SQLite counts the index as
-- covering the test deleted_at IS NULL.)
CREATE INDEX records_kind_family_live ON records (kind, family_fold, id, deleted_at) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX records_kind_family_live;
