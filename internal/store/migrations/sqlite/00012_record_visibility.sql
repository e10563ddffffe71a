-- +goose Up
-- Which organisations see which records: the owner, and every recipient of
-- a list the record is in. A page of a party's records then walks this
-- table's key in id order, whatever share of the database the party owns
-- or has received; the condition "owned, or in a list received" that it
-- replaces made the database walk every record to find a small party's.
-- Rows are added with the record and with each list, in the same
-- transaction; what a viewer may see of a shared record is still for the
-- sharing policy to say.
CREATE TABLE record_visibility (
    org_id    text NOT NULL,
    kind      text NOT NULL,
    record_id text NOT NULL,
    PRIMARY KEY (org_id, kind, record_id)
) WITHOUT ROWID;
INSERT INTO record_visibility (org_id, kind, record_id) SELECT org_id, kind, id FROM records;
INSERT INTO record_visibility (org_id, kind, record_id)
    SELECT DISTINCT rc.org_id, r.kind, r.id FROM list_records lr
    JOIN list_recipients rc ON rc.list_id = lr.list_id
    JOIN records r ON r.id = lr.record_id
    WHERE true
    ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE record_visibility;
