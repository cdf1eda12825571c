-- One row a durable transaction updates to make every relaxed commit
-- before it durable (DB.Sync, store/durability.go): an fsync of the WAL
-- needs a frame to write.
CREATE TABLE durability_barrier (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO durability_barrier (id, n) VALUES (1, 0);
