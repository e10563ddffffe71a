-- +goose Up
-- Sign-in to the web pages. A session is kept as the SHA-256 of its cookie
-- value, so a copy of the database does not hold live cookies. A session
-- whose second factor is still owed (mfa_pending) can do nothing but
-- present it.
CREATE TABLE web_sessions (
    hash         bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    csrf         text NOT NULL,
    mfa_pending  boolean NOT NULL DEFAULT false,
    created_at   timestamp NOT NULL,
    last_seen_at timestamp NOT NULL,
    expires_at   timestamp NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Lockout after repeated failures, and the TOTP second factor. The TOTP
-- secret is sealed with the data keys (as attachments are), never stored
-- in the clear.
ALTER TABLE users ADD COLUMN failed_signins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamp;
ALTER TABLE users ADD COLUMN totp_key_id text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_sealed bytea;
ALTER TABLE organisations ADD COLUMN require_totp boolean NOT NULL DEFAULT false;

-- Each case's ledger receipts, so that a case page can show the entry of
-- every act without reading the whole ledger. Written in the act's
-- transaction, with the entry; the ledger itself stays the authority.
CREATE TABLE case_receipts (
    case_id uuid NOT NULL REFERENCES cases (id),
    idx     bigint NOT NULL,
    kind    text NOT NULL,
    at      timestamp NOT NULL,
    PRIMARY KEY (case_id, idx)
);

-- +goose Down
DROP TABLE case_receipts;
ALTER TABLE organisations DROP COLUMN require_totp;
ALTER TABLE users DROP COLUMN totp_sealed;
ALTER TABLE users DROP COLUMN totp_key_id;
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE users DROP COLUMN failed_signins;
DROP TABLE web_sessions;
