-- Core schema. Timestamps are Unix milliseconds (INTEGER). Columns ending in
-- _enc hold vault ciphertext sealed under the owning contact's data key;
-- columns ending in _index hold keyed HMAC blind indexes. Nothing personal
-- is stored in clear.

CREATE TABLE master_keys (
    version     INTEGER PRIMARY KEY,
    check_value BLOB    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('active', 'pending', 'retiring', 'retired')),
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

-- One data key per owner: a contact id, or 'system' for the system secret.
-- Deleting a row crypto-shreds everything sealed under it.
CREATE TABLE data_keys (
    owner_id    TEXT    PRIMARY KEY,
    kek_version INTEGER NOT NULL REFERENCES master_keys (version),
    wrapped     BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX data_keys_kek_version ON data_keys (kek_version);

CREATE TABLE contacts (
    id               TEXT    PRIMARY KEY,
    wa_index         BLOB    NOT NULL UNIQUE,
    wa_id_enc        BLOB    NOT NULL,
    profile_name_enc BLOB,
    region           TEXT    NOT NULL,
    region_reason    TEXT    NOT NULL,
    language         TEXT    NOT NULL,
    consent_state    TEXT    NOT NULL DEFAULT 'none',
    notice_version   TEXT    NOT NULL DEFAULT '',
    pending_action   TEXT    NOT NULL DEFAULT '',
    last_inbound_at  INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE conversations (
    id              TEXT    PRIMARY KEY,
    contact_id      TEXT    NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    phone_number_id TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'bot',
    assigned_to     TEXT    NOT NULL DEFAULT '',
    sensitive       BOOLEAN NOT NULL DEFAULT FALSE,
    not_helpful     INTEGER NOT NULL DEFAULT 0,
    last_inbound_at INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    closed_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_contact ON conversations (contact_id, closed_at);
CREATE INDEX conversations_state ON conversations (state, updated_at);

CREATE TABLE messages (
    id              TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id      TEXT    NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    direction       TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    wa_message_id   TEXT    UNIQUE,
    type            TEXT    NOT NULL,
    body_enc        BLOB,
    author          TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    error_code      INTEGER NOT NULL DEFAULT 0,
    error_title     TEXT    NOT NULL DEFAULT '',
    wa_timestamp    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
CREATE INDEX messages_contact ON messages (contact_id, created_at);

-- De-duplication of webhook events (Meta redelivers for up to 7 days):
-- 'm:<wamid>' for inbound messages, 's:<wamid>:<status>' for statuses.
CREATE TABLE seen_events (
    key     TEXT    PRIMARY KEY,
    seen_at INTEGER NOT NULL
);
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);

-- Durable inbox: raw webhook bodies, sealed under a system key, committed
-- before the 200 and deleted once processed.
CREATE TABLE inbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    received_at     INTEGER NOT NULL,
    payload_enc     BLOB    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT ''
);

-- Durable outbox: what to send, written in the transaction that decided it.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    message_id      TEXT    NOT NULL DEFAULT '',
    conversation_id TEXT    NOT NULL DEFAULT '',
    contact_id      TEXT    NOT NULL,
    phone_number_id TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    payload_enc     BLOB    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    locked_by       TEXT    NOT NULL DEFAULT '',
    locked_until    INTEGER NOT NULL DEFAULT 0,
    wa_message_id   TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at);
CREATE INDEX outbox_contact ON outbox (contact_id);

-- Consent ledger: append-only evidence. No foreign key to contacts, so the
-- evidence outlives an erasure; wa_index links it without the number.
CREATE TABLE consent_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id     TEXT    NOT NULL,
    wa_index       BLOB    NOT NULL,
    kind           TEXT    NOT NULL,
    notice_version TEXT    NOT NULL,
    purpose        TEXT    NOT NULL,
    region         TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    wa_message_id  TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events (contact_id, seq);
CREATE INDEX consent_events_wa_index ON consent_events (wa_index, seq);

-- Data-subject requests (access, erasure, correction, portability).
CREATE TABLE dsar_requests (
    id           TEXT    PRIMARY KEY,
    contact_id   TEXT    NOT NULL,
    wa_index     BLOB    NOT NULL,
    kind         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER NOT NULL DEFAULT 0,
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX dsar_requests_state ON dsar_requests (state, due_at);

CREATE TABLE incidents (
    id            TEXT    PRIMARY KEY,
    title         TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    details       TEXT    NOT NULL DEFAULT '{}',
    discovered_at INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
