-- Order display ids stay on the counter row here: Postgres moves them to a sequence, but SQLite's
-- one writer already keeps the row from being a queue.

-- Authorizing looks a collection's payment up by collection (it was a full scan).
CREATE INDEX payment_collection_payment ON payment (payment_collection_id);
