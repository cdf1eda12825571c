-- Raised alerts, one row per rule and subject: the row de-duplicates
-- (across replicas and restarts) and is what the console lists.
CREATE TABLE alerts (
    rule     TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    severity TEXT    NOT NULL,
    summary  TEXT    NOT NULL,
    first_at INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    fired    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (rule, key)
);
CREATE INDEX alerts_last ON alerts (last_at);
