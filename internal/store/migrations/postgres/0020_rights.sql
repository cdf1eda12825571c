-- Data-subject requests gain what internal/rights tracks: how the
-- requester's identity stands, who entered the request, when it last
-- moved, and the free-text statement of a correction request (sealed
-- under the customer's data key, so erasure shreds it). kind is the type,
-- channel the source, state the status and note the outcome.
ALTER TABLE dsar_requests ADD COLUMN identity TEXT NOT NULL DEFAULT 'verified';
ALTER TABLE dsar_requests ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE dsar_requests ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dsar_requests ADD COLUMN detail_enc BYTEA;
CREATE INDEX dsar_requests_contact ON dsar_requests (contact_id, created_at);

-- Access and portability exports waiting to be downloaded. key_enc is the
-- export's own key sealed under the customer's data key: deleting the row
-- (after the download or at expiry) or erasing the customer shreds every
-- chunk. token_hash is SHA-256 of the download link's token; the token
-- itself is never stored.
CREATE TABLE dsar_exports (
    id          TEXT    PRIMARY KEY,
    request_id  TEXT    NOT NULL,
    contact_id  TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('building', 'ready', 'fetched')),
    key_enc     BYTEA    NOT NULL,
    token_hash  BYTEA    UNIQUE,
    size        BIGINT NOT NULL DEFAULT 0,
    chunks      BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    fetched_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX dsar_exports_contact ON dsar_exports (contact_id);
CREATE INDEX dsar_exports_expires ON dsar_exports (expires_at);

-- The export's ZIP, in order, each chunk sealed under the export's key.
CREATE TABLE dsar_export_chunks (
    export_id TEXT    NOT NULL,
    seq       BIGINT NOT NULL,
    data_enc  BYTEA    NOT NULL,
    PRIMARY KEY (export_id, seq)
);
