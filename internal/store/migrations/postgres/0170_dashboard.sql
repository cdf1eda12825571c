-- The console's dashboard (issue 11) counts the last 30 days by day.
-- The consent ledger's events by creation time: the dashboard reads only
-- the period's rows instead of the whole append-only ledger.
CREATE INDEX consent_events_created ON consent_events (created_at);
-- Operators' messages by conversation and time, for the time from an
-- escalation to the first human reply: each escalation finds its reply in
-- one index step instead of reading the bot's and the customer's messages
-- after it. Partial, so the bot's and customers' messages do not pay for it.
CREATE INDEX messages_operator ON messages (conversation_id, created_at) WHERE direction = 'out' AND author LIKE 'operator:%';
