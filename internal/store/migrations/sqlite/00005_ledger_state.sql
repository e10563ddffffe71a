-- +goose Up
-- The ledger's size and border (the roots of the perfect subtrees
-- [0, size) is made of, left to right: at most 64 hashes of 32 bytes,
-- concatenated), rewritten by every append in its transaction. It saves an
-- append re-reading the border from ledger_entries and ledger_nodes. It is
-- only a cache of what those rows hold: a reader uses it only while its size
-- is one past the last entry, and otherwise reads the rows (a ledger
-- appended to before this table existed, or by an older binary).
CREATE TABLE ledger_state (
    id       integer PRIMARY KEY CHECK (id = 1),
    size     bigint NOT NULL CHECK (size >= 0),
    frontier blob NOT NULL
);

-- +goose Down
DROP TABLE ledger_state;
