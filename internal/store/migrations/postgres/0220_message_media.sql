-- Files customers send (issue 13), kept only when DOWNLOAD_MEDIA is on.
-- One row per media message, queued by the flow in the transaction that
-- stores the message ('pending'), filled by the media worker once the file
-- was downloaded and checked ('stored'), or given up on ('failed', with a
-- reason that holds no personal data). ref_enc is what the webhook said of
-- the file (Meta's media id, MIME type, SHA-256, file name) as JSON and
-- data_enc the file itself, both sealed under the contact's key like
-- body_enc: erasing the contact's key makes them unreadable, and the rows
-- go with their message (retention, the erasure scrubber) by the cascade.
CREATE TABLE message_media (
    message_id      TEXT    PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    contact_id      TEXT    NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'stored', 'failed')),
    ref_enc         BYTEA   NOT NULL,
    data_enc        BYTEA,
    size            BIGINT NOT NULL DEFAULT 0,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX message_media_due ON message_media (next_attempt_at) WHERE state = 'pending';
CREATE INDEX message_media_contact ON message_media (contact_id);
