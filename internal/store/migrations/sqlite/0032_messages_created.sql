-- The retention purger deletes messages by age in batches: an index on
-- created_at lets each batch read only expired rows instead of scanning
-- the table from its start.
CREATE INDEX messages_created ON messages (created_at);
