-- +goose Up
-- Parties, their people, and the records they own. Timestamps are UTC.

CREATE TABLE organisations (
    id         text PRIMARY KEY,
    slug       text NOT NULL UNIQUE,
    name       text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('government', 'mediator', 'humanitarian')),
    country    text NOT NULL DEFAULT '',
    created_at timestamp NOT NULL
);

CREATE TABLE users (
    id            text PRIMARY KEY,
    org_id        text NOT NULL REFERENCES organisations (id),
    email         text NOT NULL UNIQUE,
    name          text NOT NULL DEFAULT '',
    roles         text NOT NULL,              -- comma-separated domain.Role values
    password_hash text NOT NULL DEFAULT '',   -- argon2id, PHC string form
    disabled      boolean NOT NULL DEFAULT 0,
    created_at    timestamp NOT NULL
);
CREATE INDEX users_org ON users (org_id);

-- API tokens are stored as SHA-256 hashes: the token itself is shown once.
CREATE TABLE api_tokens (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    name       text NOT NULL DEFAULT '',
    hash       blob NOT NULL UNIQUE,
    scopes     text NOT NULL,                 -- comma-separated
    created_at timestamp NOT NULL,
    expires_at timestamp,
    revoked_at timestamp
);

-- Child records and tracing requests. The person description is a JSON
-- document; the columns after it are derived from it for filtering.
CREATE TABLE records (
    id             text PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('child', 'request')),
    org_id         text NOT NULL REFERENCES organisations (id),
    external_id    text NOT NULL DEFAULT '',
    version        integer NOT NULL,
    person         text NOT NULL,
    enquirer       text,
    family_fold    text NOT NULL DEFAULT '',
    given_fold     text NOT NULL DEFAULT '',
    sex            text NOT NULL DEFAULT '',
    birth_earliest text NOT NULL DEFAULT '',  -- YYYY-MM-DD, '' when unknown
    birth_latest   text NOT NULL DEFAULT '',
    category       text NOT NULL DEFAULT '',
    created_at     timestamp NOT NULL,
    created_by     text NOT NULL,
    updated_at     timestamp NOT NULL,
    updated_by     text NOT NULL,
    deleted_at     timestamp,
    deleted_by     text,
    delete_reason  text
);
CREATE UNIQUE INDEX records_external_id ON records (org_id, kind, external_id) WHERE external_id <> '';
CREATE INDEX records_org_kind ON records (org_id, kind, id);
CREATE INDEX records_family ON records (org_id, kind, family_fold);

-- Sensitive fields live apart from identifying ones, so that no query that
-- serves matching or listing ever touches them by accident.
CREATE TABLE record_sensitive (
    record_id text PRIMARY KEY REFERENCES records (id),
    data      text NOT NULL
);

-- Every superseded version of a record, as it stood (sensitive fields
-- included), before the change that replaced it. The current version is the
-- row in records; together they keep every version, so nothing is ever lost.
-- Who made each version and when are its own updated_by and updated_at.
CREATE TABLE record_history (
    record_id text NOT NULL REFERENCES records (id),
    version   integer NOT NULL,
    snapshot  text NOT NULL,
    PRIMARY KEY (record_id, version)
);

CREATE TABLE audit_log (
    id          integer PRIMARY KEY AUTOINCREMENT,
    at          timestamp NOT NULL,
    actor       text NOT NULL,                -- user id, or a label such as cli:root
    actor_org   text,
    action      text NOT NULL,
    outcome     text NOT NULL,
    record_id   text,
    record_org  text,
    record_kind text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_actor_org ON audit_log (actor_org, id);
CREATE INDEX audit_record_org ON audit_log (record_org, id);
CREATE INDEX audit_record ON audit_log (record_id, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE record_history;
DROP TABLE record_sensitive;
DROP TABLE records;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE organisations;
