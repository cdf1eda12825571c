-- Live updates of the console (issue 11): every change to a conversation
-- or its messages appends a row here, in the same transaction, so each
-- replica's console follows one cursor (seq) instead of re-reading the
-- inbox. A row holds ids and the conversation's state and assignee, nothing
-- about the customer; rows older than an hour are pruned
-- (store.PruneChanges). A sequence is not commit-ordered on PostgreSQL: the
-- reader keeps a window for late commits (store.ChangeCursor).
CREATE TABLE conversation_changes (
    seq             BIGSERIAL PRIMARY KEY,
    conversation_id TEXT   NOT NULL,
    kind            TEXT   NOT NULL CHECK (kind IN ('conversation', 'message')),
    state           TEXT   NOT NULL,
    assigned_to     TEXT   NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX conversation_changes_at ON conversation_changes (at);

CREATE FUNCTION conversation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'conversations' THEN
        INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
        VALUES (NEW.id, 'conversation', NEW.state, NEW.assigned_to, NEW.updated_at);
    ELSE
        INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
        SELECT c.id, 'message', c.state, c.assigned_to, NEW.updated_at FROM conversations c WHERE c.id = NEW.conversation_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER conversation_changes_conv AFTER INSERT OR UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_changed();
CREATE TRIGGER conversation_changes_msg_insert AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION conversation_changed();
-- A delivery tick or a reaction changes what the thread shows; a scrub of
-- the body (erasure) does not need a live update.
CREATE TRIGGER conversation_changes_msg_update AFTER UPDATE OF status, reaction_enc ON messages
    FOR EACH ROW EXECUTE FUNCTION conversation_changed();
