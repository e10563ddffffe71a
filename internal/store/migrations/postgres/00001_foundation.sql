-- +goose Up
-- Parties, their people, and the records they own. Timestamps are UTC.

CREATE TABLE organisations (
    id         uuid PRIMARY KEY,
    slug       text NOT NULL UNIQUE,
    name       text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('government', 'mediator', 'humanitarian')),
    country    text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organisations (id),
    email         text NOT NULL UNIQUE,
    name          text NOT NULL DEFAULT '',
    roles         text NOT NULL,              -- comma-separated domain.Role values
    password_hash text NOT NULL DEFAULT '',   -- argon2id, PHC string form
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);
CREATE INDEX users_org ON users (org_id);

-- API tokens are stored as SHA-256 hashes: the token itself is shown once.
CREATE TABLE api_tokens (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    name       text NOT NULL DEFAULT '',
    hash       bytea NOT NULL UNIQUE,
    scopes     text NOT NULL,                 -- comma-separated
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);

-- Child records and tracing requests. The person description is a JSON
-- document; the columns after it are derived from it for filtering.
CREATE TABLE records (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('child', 'request')),
    org_id         uuid NOT NULL REFERENCES organisations (id),
    external_id    text NOT NULL DEFAULT '',
    version        integer NOT NULL,
    person         jsonb NOT NULL,
    enquirer       jsonb,
    family_fold    text NOT NULL DEFAULT '',
    given_fold     text NOT NULL DEFAULT '',
    sex            text NOT NULL DEFAULT '',
    birth_earliest text NOT NULL DEFAULT '',  -- YYYY-MM-DD, '' when unknown
    birth_latest   text NOT NULL DEFAULT '',
    category       text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    created_by     text NOT NULL,
    updated_at     timestamptz NOT NULL,
    updated_by     text NOT NULL,
    deleted_at     timestamptz,
    deleted_by     text,
    delete_reason  text
);
CREATE UNIQUE INDEX records_external_id ON records (org_id, kind, external_id) WHERE external_id <> '';
CREATE INDEX records_org_kind ON records (org_id, kind, id);
CREATE INDEX records_family ON records (org_id, kind, family_fold);

-- Sensitive fields live apart from identifying ones, so that no query that
-- serves matching or listing ever touches them by accident.
CREATE TABLE record_sensitive (
    record_id uuid PRIMARY KEY REFERENCES records (id),
    data      jsonb NOT NULL
);

-- Every superseded version of a record, as it stood (sensitive fields
-- included), before the change that replaced it. The current version is the
-- row in records; together they keep every version, so nothing is ever lost.
-- Who made each version and when are its own updated_by and updated_at.
CREATE TABLE record_history (
    record_id uuid NOT NULL REFERENCES records (id),
    version   integer NOT NULL,
    snapshot  jsonb NOT NULL,
    PRIMARY KEY (record_id, version)
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,                -- user id, or a label such as cli:root
    actor_org   uuid,
    action      text NOT NULL,
    outcome     text NOT NULL,
    record_id   uuid,
    record_org  uuid,
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
