-- +goose Up
-- Meetings between the parties and the mediator, the commitments made at
-- them, and the handover operations that carry reunifications out (issue
-- 9). A meeting is visible to the organisations that took part, and so are
-- its commitments and operations. A commitment's status is not stored: it
-- is computed from the cases it covers (only a withdrawal is recorded).

CREATE TABLE meetings (
    id             uuid PRIMARY KEY,
    held_on        text NOT NULL,             -- YYYY-MM-DD
    place          text NOT NULL DEFAULT '',
    channel        text NOT NULL DEFAULT '',  -- video call, exchange of letters…
    recorded_by    text NOT NULL,
    recorded_org   uuid NOT NULL REFERENCES organisations (id),
    recorded_at    timestamptz NOT NULL,
    -- The minutes are free text about people: sealed (AEAD) like case
    -- attachments, bound to the meeting's id.
    minutes_key_id text NOT NULL DEFAULT '',
    minutes_sealed bytea
);
CREATE TABLE meeting_orgs (
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    org_id     uuid NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (meeting_id, org_id)
);
CREATE INDEX meeting_orgs_org ON meeting_orgs (org_id);
CREATE TABLE meeting_lists (
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    list_id    uuid NOT NULL REFERENCES lists (id),
    PRIMARY KEY (meeting_id, list_id)
);
CREATE TABLE meeting_attachments (
    id           uuid PRIMARY KEY,
    meeting_id   uuid NOT NULL REFERENCES meetings (id),
    org_id       uuid NOT NULL,
    author       text NOT NULL,
    at           timestamptz NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL,
    key_id       text NOT NULL,
    sealed       bytea NOT NULL
);
CREATE INDEX meeting_attachments_meeting ON meeting_attachments (meeting_id);

CREATE TABLE commitments (
    id              uuid PRIMARY KEY,
    meeting_id      uuid NOT NULL REFERENCES meetings (id),
    from_org        uuid NOT NULL REFERENCES organisations (id),
    to_org          uuid NOT NULL REFERENCES organisations (id),
    kind            text NOT NULL CHECK (kind IN ('return_children', 'search_and_answer', 'verify_identities', 'allow_contact', 'return_turned_18')),
    made_on         text NOT NULL,   -- the meeting's day
    due_on          text NOT NULL,
    made_by         text NOT NULL,
    made_org        text NOT NULL,
    made_at         timestamptz NOT NULL,
    withdrawn_at    timestamptz,
    withdrawn_by    text NOT NULL DEFAULT '',
    withdraw_reason text NOT NULL DEFAULT ''
);
CREATE INDEX commitments_meeting ON commitments (meeting_id);
CREATE TABLE commitment_cases (
    commitment_id uuid NOT NULL REFERENCES commitments (id),
    case_id       uuid NOT NULL REFERENCES cases (id),
    PRIMARY KEY (commitment_id, case_id)
);
CREATE TABLE commitment_rows (
    commitment_id uuid NOT NULL REFERENCES commitments (id),
    list_id       uuid NOT NULL REFERENCES lists (id),
    record_id     uuid NOT NULL REFERENCES records (id),
    PRIMARY KEY (commitment_id, list_id, record_id)
);

CREATE TABLE operations (
    id             uuid PRIMARY KEY,
    meeting_id     uuid NOT NULL REFERENCES meetings (id),
    planned_on     text NOT NULL,
    crossing_point text NOT NULL DEFAULT '',
    route          text NOT NULL DEFAULT '',  -- a third-country route
    escorts        text NOT NULL,             -- JSON: [{"organisation_id", "name"}]
    status         text NOT NULL CHECK (status IN ('planned', 'completed')),
    planned_by     text NOT NULL,
    planned_org    text NOT NULL,
    planned_at     timestamptz NOT NULL,
    completed_by   text NOT NULL DEFAULT '',
    completed_at   timestamptz
);
CREATE INDEX operations_meeting ON operations (meeting_id);
-- One row per child of an operation: planned, then handed over (by whom,
-- to whom, when, with which documents) or stayed behind (why).
CREATE TABLE operation_children (
    operation_id uuid NOT NULL REFERENCES operations (id),
    case_id      uuid NOT NULL REFERENCES cases (id),
    outcome      text NOT NULL CHECK (outcome IN ('planned', 'handed_over', 'stayed_behind')),
    handed_by    text NOT NULL DEFAULT '',
    received_by  text NOT NULL DEFAULT '',
    handed_at    timestamptz,
    documents    text NOT NULL DEFAULT '[]',  -- JSON array of strings
    reason       text NOT NULL DEFAULT '',
    PRIMARY KEY (operation_id, case_id)
);
CREATE INDEX operation_children_case ON operation_children (case_id);

-- +goose Down
DROP TABLE operation_children;
DROP TABLE operations;
DROP TABLE commitment_rows;
DROP TABLE commitment_cases;
DROP TABLE commitments;
DROP TABLE meeting_attachments;
DROP TABLE meeting_lists;
DROP TABLE meeting_orgs;
DROP TABLE meetings;
