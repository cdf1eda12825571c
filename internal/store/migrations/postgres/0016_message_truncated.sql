-- Stored text bodies are capped at WhatsApp's own text limit, 4,096
-- characters (issue 9 item 10): a longer inbound body is cut there and
-- marked, so what is stored, shown and given to the agent is bounded.
ALTER TABLE messages ADD COLUMN truncated BOOLEAN NOT NULL DEFAULT FALSE;
