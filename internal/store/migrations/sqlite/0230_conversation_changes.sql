-- Live updates of the console (issue 11): every change to a conversation
-- or its messages appends a row here, in the same transaction, so each
-- replica's console follows one monotonic cursor (seq) instead of
-- re-reading the inbox. A row holds ids and the conversation's state and
-- assignee, nothing about the customer; rows older than an hour are pruned
-- (store.PruneChanges).
CREATE TABLE conversation_changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('conversation', 'message')),
    state           TEXT    NOT NULL,
    assigned_to     TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX conversation_changes_at ON conversation_changes (at);

CREATE TRIGGER conversation_changes_conv_insert AFTER INSERT ON conversations
BEGIN
    INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
    VALUES (NEW.id, 'conversation', NEW.state, NEW.assigned_to, NEW.updated_at);
END;
CREATE TRIGGER conversation_changes_conv_update AFTER UPDATE ON conversations
BEGIN
    INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
    VALUES (NEW.id, 'conversation', NEW.state, NEW.assigned_to, NEW.updated_at);
END;
CREATE TRIGGER conversation_changes_msg_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
    SELECT c.id, 'message', c.state, c.assigned_to, NEW.updated_at FROM conversations c WHERE c.id = NEW.conversation_id;
END;
-- A delivery tick or a reaction changes what the thread shows; a scrub of
-- the body (erasure) does not need a live update.
CREATE TRIGGER conversation_changes_msg_update AFTER UPDATE OF status, reaction_enc ON messages
BEGIN
    INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
    SELECT c.id, 'message', c.state, c.assigned_to, NEW.updated_at FROM conversations c WHERE c.id = NEW.conversation_id;
END;
