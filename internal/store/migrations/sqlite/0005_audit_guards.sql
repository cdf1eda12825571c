-- The checkpoints and the head are append-only / forward-only too, so the
-- log cannot be cut back by ordinary SQL: a checkpoint is never changed or
-- removed, and the head (a counter that can only grow) is never removed
-- and only moves to a later event (or keeps its event and changes its seal,
-- for the one-time re-seal under the head's own MAC domain). trement checks
-- at start-up that these triggers are still there (AuditGuardsMissing).
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_head_only_forward BEFORE UPDATE ON audit_head
WHEN NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash)
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
