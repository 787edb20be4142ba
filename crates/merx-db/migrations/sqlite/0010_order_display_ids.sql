-- Postgres only (its order display ids move to a sequence); SQLite's one writer already keeps the
-- counter row from being a queue.
SELECT 1;
