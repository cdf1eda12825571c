-- Numbering kept in step with SQLite, where 0003 moves the inbox to a file
-- of its own. On PostgreSQL the inbox stays a table: nothing to do.
SELECT 1;
