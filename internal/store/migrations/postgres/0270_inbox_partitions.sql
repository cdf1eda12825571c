-- Inbox processing is partitioned across replicas (see store/partitions.go):
-- each body carries the partition of the customer it concerns, a keyed
-- hash of their number modulo 64, so one partition's bodies are processed
-- in order by whichever replica holds its transaction lock.
ALTER TABLE inbox ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_part_seq ON inbox (part, seq);
