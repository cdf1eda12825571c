-- The agent's per-conversation memory (issue 12): the language the customer
-- last wrote in (a reply's fallback when a message says nothing about its
-- language; the region's language comes after it), consecutive answers the
-- agent was unsure of (repeated failure hands over), and the wait for a
-- person: when it started, and whether the customer was told that no one
-- took it in time (the assistant then answers again while it waits).
ALTER TABLE conversations ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN waiting_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN wait_expired BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX conversations_waiting ON conversations (state, waiting_since);
