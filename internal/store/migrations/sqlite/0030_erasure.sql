-- Erasure that holds. erasures is the minimal tombstone an erasure leaves:
-- the blind index of the number (never the number), when, on what legal
-- basis, and whether the customer had opted out, so an opted-out customer
-- who writes again is never messaged until they say START. One row per
-- number: a second erasure of the same number replaces the first.
CREATE TABLE erasures (
    wa_index      BLOB    PRIMARY KEY,
    contact_id    TEXT    NOT NULL,
    erased_at     INTEGER NOT NULL,
    basis         TEXT    NOT NULL,
    opted_out     BOOLEAN NOT NULL DEFAULT FALSE,
    blocked_until INTEGER NOT NULL DEFAULT 0
);

-- Blocking (Spain LOPDGDD Art. 32, Mexico's block-then-suppress): the data
-- key of a blocked customer leaves data_keys, so no ordinary read opens
-- their rows; it waits here, re-wrapped on rotation like any data key,
-- until the DPO opens it for an authority (audited) or the blocking period
-- ends and the purger destroys it.
CREATE TABLE blocked_keys (
    owner_id      TEXT    PRIMARY KEY,
    wa_index      BLOB    NOT NULL,
    kek_version   INTEGER NOT NULL REFERENCES master_keys (version),
    wrapped       BLOB    NOT NULL,
    blocked_at    INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL
);
CREATE INDEX blocked_keys_until ON blocked_keys (blocked_until);
CREATE INDEX blocked_keys_kek_version ON blocked_keys (kek_version);
