-- Audit events have their own retention (TREMENT_AUDIT_RETENTION_DAYS):
-- the oldest events may go, but only below the floor, a keyed seal
-- (HMAC under the audit key, its own domain) of the last event removed.
-- The verifier starts the chain from the floor, so a log cut back by
-- retention still verifies, and one cut back by anyone without the key
-- (deleting events above the floor, or moving the floor, whose MAC they
-- cannot make) does not. The floor only moves forward and is never removed.
CREATE TABLE audit_floor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        BIGINT  NOT NULL,
    hash       BYTEA   NOT NULL,
    mac        BYTEA   NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE FUNCTION audit_floor_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'audit_floor only moves forward';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_floor_only_forward BEFORE UPDATE ON audit_floor
    FOR EACH ROW EXECUTE FUNCTION audit_floor_forward();
CREATE TRIGGER audit_floor_no_delete BEFORE DELETE OR TRUNCATE ON audit_floor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_floor_forward();

-- Updates and truncation stay refused for every event; a delete only for
-- events at or below the floor.
DROP TRIGGER audit_events_no_change ON audit_events;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
CREATE FUNCTION audit_events_below_floor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq > COALESCE((SELECT seq FROM audit_floor WHERE id = 1), 0) THEN
        RAISE EXCEPTION 'audit_events is append-only above the retention floor';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_below_floor();
