-- Operators, sessions, API tokens, login throttling and the audit log.
-- Secrets are never stored in clear: passwords as argon2id PHC strings,
-- session and API tokens and recovery codes as SHA-256 hashes, TOTP secrets
-- sealed under the operator's own data key (owner 'operator:<id>').

CREATE TABLE operators (
    id                  TEXT    PRIMARY KEY,
    username            TEXT    NOT NULL UNIQUE,
    role                TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    totp_secret_enc     BYTEA,
    mfa_enrolled        BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at BIGINT NOT NULL DEFAULT 0,
    last_login_at       BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX operators_role ON operators (role);

CREATE TABLE operator_recovery_codes (
    operator_id TEXT    NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    code_hash   BYTEA   NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (operator_id, code_hash)
);

-- state: 'mfa' (password accepted, TOTP due), 'enrol' (password accepted,
-- TOTP enrolment due) or 'full'.
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    token_hash   BYTEA   NOT NULL UNIQUE,
    operator_id  TEXT    NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    state        TEXT    NOT NULL,
    source_ip    TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_operator ON sessions (operator_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY,
    token_hash   BYTEA   NOT NULL UNIQUE,
    operator_id  TEXT    NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_operator ON api_tokens (operator_id);

-- Failed sign-ins per account and per source address; key is a keyed
-- pseudonym, never the username or address itself.
CREATE TABLE login_throttle (
    key          TEXT    PRIMARY KEY,
    failures     BIGINT NOT NULL DEFAULT 0,
    lockouts     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);

-- The audit log: hash-chained, append-only. seq is assigned by the
-- appender (head seq + 1) under the writer lock, never by the database.
CREATE TABLE audit_events (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_type TEXT    NOT NULL,
    actor_id   TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    source_ip  TEXT    NOT NULL,
    prev_hash  BYTEA   NOT NULL,
    hash       BYTEA   NOT NULL
);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_at ON audit_events (at);

-- Keyed seals over (seq, hash): every 100 events and on demand.
CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    hash       BYTEA   NOT NULL,
    mac        BYTEA   NOT NULL,
    created_at BIGINT NOT NULL
);

-- The sealed head: the newest event's seq and hash, MAC'd. One row.
CREATE TABLE audit_head (
    id         SMALLINT PRIMARY KEY CHECK (id = 1),
    seq        BIGINT NOT NULL,
    hash       BYTEA   NOT NULL,
    mac        BYTEA   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Append-only in the schema too: rows of the log cannot be changed or
-- removed through ordinary SQL. (Someone who owns the database can drop
-- these triggers; the hash chain and keyed checkpoints catch that.)
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
