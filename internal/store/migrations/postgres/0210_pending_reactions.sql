-- A reaction whose message is not recorded yet (a reply whose send
-- Meta's answer has not confirmed, a webhook out of order) is kept as a
-- row of its own (type 'reaction', reply_to_wamid the blind index of the
-- message it reacts to) until the message gets that id. Every batch of
-- sends looks for such rows: partial, so only the reactions waiting pay
-- for it and the look is one step in a near-empty index.
CREATE INDEX messages_pending_reactions ON messages (reply_to_wamid) WHERE type = 'reaction';
