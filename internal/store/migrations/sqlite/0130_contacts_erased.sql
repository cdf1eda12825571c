-- Erasure in two steps (issue 10). Deleting a customer's 10,000 message
-- rows in the erasure transaction cost ~360 ms on SQLite, and the rows
-- cannot go later on their own: conversations and messages reference
-- contacts (id) ON DELETE CASCADE, so the contact row must stay until they
-- are gone. The erasure therefore destroys the data key (nothing of the
-- customer opens from then on), frees the number and sets erased_at; the
-- contact row is then a detached shell, skipped by every reader that does
-- not go through the data key, and the scrubber deletes its rows in
-- batches before it checkpoints. A non-zero erased_at is also how a
-- restart finds deletions a crash interrupted.
ALTER TABLE contacts ADD COLUMN erased_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX contacts_erased ON contacts (erased_at) WHERE erased_at > 0;
