-- +goose Up
-- Pairs the matching engine proposes: a tracing request and a child record
-- that may be the same child, with the engine's explanation. Each pair is
-- kept once; a rejected pair is proposed again only when one side's data
-- has changed since (its version differs from the one rejected).
CREATE TABLE match_candidates (
    id              text PRIMARY KEY,
    request_id      text NOT NULL REFERENCES records (id),
    child_id        text NOT NULL REFERENCES records (id),
    request_org     text NOT NULL,
    child_org       text NOT NULL,
    request_version integer NOT NULL,
    child_version   integer NOT NULL,
    probability     real NOT NULL,
    explanation     text NOT NULL,
    status          text NOT NULL CHECK (status IN ('proposed', 'confirmed', 'rejected')),
    proposed_at     timestamp NOT NULL,
    decided_at      timestamp,
    decided_by      text,
    decided_org     text,
    reason          text NOT NULL DEFAULT '',
    UNIQUE (request_id, child_id)
);
CREATE INDEX match_candidates_queue ON match_candidates (status, probability DESC);
CREATE INDEX match_candidates_child ON match_candidates (child_id);

-- +goose Down
DROP TABLE match_candidates;
