-- +goose Up
-- A page of a party's records by family name prefix (RecordFilter.FamilyPrefix)
-- reads the records whose folded family name is in the prefix's range,
-- whoever owns them, and keeps those the party sees (record_visibility),
-- when few records have the prefix (see familyPlan in records.go). Walking
-- the party's own records instead read most of them to fill a page when
-- the name was rare. records_family (org_id, kind, family_fold) serves one
-- owner only, not the records a party received. Collation "C": a prefix's
-- range is a range of bytes whatever the database's collation, and the
-- store compares in "C" too.
CREATE INDEX records_kind_family ON records (kind, family_fold COLLATE "C", id);

-- +goose Down
DROP INDEX records_kind_family;
