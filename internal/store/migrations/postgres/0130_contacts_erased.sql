-- Erasure in two steps (issue 10), on SQLite: see the SQLite migration of
-- the same number. PostgreSQL deletes a customer's rows in the erasure
-- transaction itself (34 ms for 10,000 messages) and so never sets
-- erased_at; the column is here so both backends run the same queries,
-- and a non-zero value would be deleted by the scrubber the same way.
ALTER TABLE contacts ADD COLUMN erased_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX contacts_erased ON contacts (erased_at) WHERE erased_at > 0;
