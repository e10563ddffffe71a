-- +goose Up
-- The tamper-evident ledger of cross-party acts (internal/ledger): an
-- append-only RFC 6962 Merkle tree. The rows are written only by
-- ledger.Log.Append, in the same transaction as the act they record; they
-- are never updated or deleted. Nothing here is personal data: entries hold
-- ids and salted hashes.

-- One row per entry: its position, the leaf bytes exactly as hashed
-- (ledger.Entry.LeafData, which a verifier re-parses and re-hashes) and the
-- leaf hash, which is also node (0, idx) of the tree.
CREATE TABLE ledger_entries (
    idx       bigint PRIMARY KEY CHECK (idx >= 0),
    leaf      blob NOT NULL,
    leaf_hash blob NOT NULL
);

-- The roots of the perfect subtrees of level >= 1 (compact.NodeID): about
-- one per entry, and what makes appends and proofs O(log n) reads.
CREATE TABLE ledger_nodes (
    level integer NOT NULL CHECK (level > 0),
    idx   bigint NOT NULL CHECK (idx >= 0),
    hash  blob NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The ledger's secrets, each sealed with the data keys (internal/seal, bound
-- to its row): every organisation's entry-signing keys ('org', owner = the
-- organisation's id, or 'operator' for acts of the system itself), the
-- log's checkpoint-signing key ('log') and the salt of the data hashes
-- ('salt'). public is the signed-note verifier key ('' for the salt). A key
-- is rotated by retiring it and adding a new one: old public keys stay, so
-- what they signed stays verifiable.
CREATE TABLE ledger_keys (
    id          text PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('org', 'log', 'salt')),
    owner       text NOT NULL,
    public      text NOT NULL,
    seal_key_id text NOT NULL,
    sealed      blob NOT NULL,
    created_at  timestamp NOT NULL,
    retired_at  timestamp
);
-- At most one current key per purpose and owner.
CREATE UNIQUE INDEX ledger_keys_current ON ledger_keys (purpose, owner) WHERE retired_at IS NULL;

-- Witness cosignatures (C2SP tlog-cosignature) posted by witnesses, served
-- with the checkpoint of the same size and root.
CREATE TABLE ledger_cosignatures (
    witness     text NOT NULL,
    size        bigint NOT NULL,
    root        blob NOT NULL,
    line        text NOT NULL,
    received_at timestamp NOT NULL,
    PRIMARY KEY (witness, size)
);

-- +goose Down
DROP TABLE ledger_cosignatures;
DROP TABLE ledger_keys;
DROP TABLE ledger_nodes;
DROP TABLE ledger_entries;
