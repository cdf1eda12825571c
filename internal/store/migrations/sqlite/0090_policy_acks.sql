-- Operators' acknowledgements of the business's data-handling policy, one
-- row per operator and policy version (team training evidence).
CREATE TABLE operator_policy_acks (
    operator_id TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    acked_at    INTEGER NOT NULL,
    PRIMARY KEY (operator_id, version)
);
