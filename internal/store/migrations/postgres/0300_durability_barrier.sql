-- One row a synchronous transaction updates to make every asynchronous
-- commit before it durable (DB.Sync, store/durability.go): a read-only
-- transaction waits for no WAL flush.
CREATE TABLE durability_barrier (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO durability_barrier (id, n) VALUES (1, 0);
