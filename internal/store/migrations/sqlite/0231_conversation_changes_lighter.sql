-- The change log (0230) costs the write path less: a message's row names
-- its conversation alone (the reader looks up the state and assignee of a
-- batch in one query, store.ChangeCursor), and pruning goes by seq, so no
-- index on at. Measured with BenchmarkInsertMessage/per_commit=100.
DROP INDEX conversation_changes_at;
DROP TRIGGER conversation_changes_msg_insert;
DROP TRIGGER conversation_changes_msg_update;
CREATE TRIGGER conversation_changes_msg_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
    VALUES (NEW.conversation_id, 'message', '', '', NEW.updated_at);
END;
CREATE TRIGGER conversation_changes_msg_update AFTER UPDATE OF status, reaction_enc ON messages
BEGIN
    INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
    VALUES (NEW.conversation_id, 'message', '', '', NEW.updated_at);
END;
