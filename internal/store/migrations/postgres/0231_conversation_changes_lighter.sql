-- The change log (0230) costs the write path less: a message's row names
-- its conversation alone (the reader looks up the state and assignee of a
-- batch in one query, store.ChangeCursor), and pruning goes by seq, so no
-- index on at. Measured with BenchmarkInsertMessage/per_commit=100.
DROP INDEX conversation_changes_at;
CREATE OR REPLACE FUNCTION conversation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'conversations' THEN
        INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
        VALUES (NEW.id, 'conversation', NEW.state, NEW.assigned_to, NEW.updated_at);
    ELSE
        INSERT INTO conversation_changes (conversation_id, kind, state, assigned_to, at)
        VALUES (NEW.conversation_id, 'message', '', '', NEW.updated_at);
    END IF;
    RETURN NULL;
END;
$$;
