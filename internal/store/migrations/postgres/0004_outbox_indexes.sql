-- The sender claims the oldest pending item of each customer: walk pending
-- items in order (and stop at the LIMIT), and look up a customer's other
-- items by state and order. The old (state, next_attempt_at) index made
-- the planner sort every pending item on each claim.
CREATE INDEX outbox_state_seq ON outbox (state, seq);
CREATE INDEX outbox_contact_state ON outbox (contact_id, state, seq);
DROP INDEX outbox_contact;
DROP INDEX outbox_ready;

-- A conversation's last messages, newest first, straight from the index
-- (ties on the millisecond broken by id) without sorting its whole history.
CREATE INDEX messages_conversation_order ON messages (conversation_id, created_at, id);
DROP INDEX messages_conversation;
