-- On SQLite the inbox lives in a database file of its own (trement.inbox.db),
-- so acknowledging webhooks never waits for the main file's one writer.
DROP TABLE inbox;
