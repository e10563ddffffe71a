-- +goose Up
-- The exchange between parties: what each shares with whom, the lists they
-- hand over, each side's vote on a proposed pair, and the reunification
-- cases that follow. Nothing here is ever deleted: a case ends in a state,
-- a vote stays as cast.

-- Which fields of records owned by owner_org the users of viewer_org may
-- see: "listed" once a record is in a list sent to viewer_org, "handover"
-- to the parties of a case from handover planning on. A pair without a row
-- has the default policy (internal/sharing).
CREATE TABLE sharing_policies (
    owner_org  text NOT NULL REFERENCES organisations (id),
    viewer_org text NOT NULL REFERENCES organisations (id),
    listed     text NOT NULL,
    handover   text NOT NULL,
    updated_at timestamp NOT NULL,
    updated_by text NOT NULL,
    PRIMARY KEY (owner_org, viewer_org)
);

CREATE TABLE lists (
    id           text PRIMARY KEY,
    org_id       text NOT NULL REFERENCES organisations (id),
    number       integer NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('child', 'request')),
    count        integer NOT NULL,
    submitted_by text NOT NULL,
    submitted_at timestamp NOT NULL,
    note         text NOT NULL DEFAULT '',
    UNIQUE (org_id, number)
);
CREATE TABLE list_records (
    list_id   text NOT NULL REFERENCES lists (id),
    record_id text NOT NULL REFERENCES records (id),
    PRIMARY KEY (list_id, record_id)
);
CREATE INDEX list_records_record ON list_records (record_id);
CREATE TABLE list_recipients (
    list_id         text NOT NULL REFERENCES lists (id),
    org_id          text NOT NULL REFERENCES organisations (id),
    acknowledged_at timestamp,
    acknowledged_by text,
    PRIMARY KEY (list_id, org_id)
);
CREATE INDEX list_recipients_org ON list_recipients (org_id);

-- One vote per party on a proposed pair.
CREATE TABLE candidate_votes (
    candidate_id text NOT NULL REFERENCES match_candidates (id),
    org_id       text NOT NULL REFERENCES organisations (id),
    voter        text NOT NULL,
    confirm      boolean NOT NULL,
    reason       text NOT NULL DEFAULT '',
    voted_at     timestamp NOT NULL,
    PRIMARY KEY (candidate_id, org_id)
);

CREATE TABLE cases (
    id           text PRIMARY KEY,
    number       integer NOT NULL UNIQUE,
    candidate_id text NOT NULL UNIQUE REFERENCES match_candidates (id),
    request_id   text NOT NULL REFERENCES records (id),
    child_id     text NOT NULL REFERENCES records (id),
    request_org  text NOT NULL REFERENCES organisations (id),
    child_org    text NOT NULL REFERENCES organisations (id),
    mediator_org text REFERENCES organisations (id),
    state        text NOT NULL,
    category     text NOT NULL,
    turned18     text NOT NULL,
    opened_at    timestamp NOT NULL,
    state_since  timestamp NOT NULL,
    reunited_on  text,
    version      integer NOT NULL
);
CREATE INDEX cases_state ON cases (state);
CREATE TABLE case_events (
    id         text PRIMARY KEY,
    case_id    text NOT NULL REFERENCES cases (id),
    seq        integer NOT NULL,
    from_state text NOT NULL,
    to_state   text NOT NULL,
    at         timestamp NOT NULL,
    actor      text NOT NULL,
    actor_org  text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    data       text NOT NULL DEFAULT '{}',
    UNIQUE (case_id, seq)
);
CREATE TABLE case_messages (
    id        text PRIMARY KEY,
    case_id   text NOT NULL REFERENCES cases (id),
    parent_id text REFERENCES case_messages (id),
    org_id    text NOT NULL,
    author    text NOT NULL,
    at        timestamp NOT NULL,
    body      text NOT NULL
);
CREATE INDEX case_messages_case ON case_messages (case_id, at);
-- Attachments are sealed (AEAD) before they reach the database; key_id
-- names the key, so keys can be rotated.
CREATE TABLE case_attachments (
    id           text PRIMARY KEY,
    case_id      text NOT NULL REFERENCES cases (id),
    message_id   text REFERENCES case_messages (id),
    org_id       text NOT NULL,
    author       text NOT NULL,
    at           timestamp NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL,
    key_id       text NOT NULL,
    sealed       blob NOT NULL
);

-- +goose Down
DROP TABLE case_attachments;
DROP TABLE case_messages;
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE candidate_votes;
DROP TABLE list_recipients;
DROP TABLE list_records;
DROP TABLE lists;
DROP TABLE sharing_policies;
