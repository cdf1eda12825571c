-- Audit events have their own retention (TREMENT_AUDIT_RETENTION_DAYS):
-- the oldest events may go, but only below the floor, a keyed seal
-- (HMAC under the audit key, its own domain) of the last event removed.
-- The verifier starts the chain from the floor, so a log cut back by
-- retention still verifies, and one cut back by anyone without the key
-- (deleting events above the floor, or moving the floor, whose MAC they
-- cannot make) does not. The floor only moves forward and is never removed.
CREATE TABLE audit_floor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    hash       BLOB    NOT NULL,
    mac        BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TRIGGER audit_floor_only_forward BEFORE UPDATE ON audit_floor
WHEN NEW.seq <= OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'audit_floor only moves forward');
END;
CREATE TRIGGER audit_floor_no_delete BEFORE DELETE ON audit_floor
BEGIN
    SELECT RAISE(ABORT, 'audit_floor only moves forward');
END;
DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.seq > COALESCE((SELECT seq FROM audit_floor WHERE id = 1), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only above the retention floor');
END;
