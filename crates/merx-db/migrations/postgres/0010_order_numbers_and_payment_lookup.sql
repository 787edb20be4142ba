-- Order display ids come from a sequence: a counter row is locked by every placing transaction
-- until it commits, which queued concurrent checkouts one behind another. A sequence hands out
-- numbers without waiting (a rolled-back order leaves a gap, as Medusa's serial ids do).
CREATE SEQUENCE order_display_id_seq;
SELECT setval('order_display_id_seq', GREATEST(
    COALESCE((SELECT value FROM merx_counter WHERE name = 'order'), 0),
    COALESCE((SELECT MAX(display_id) FROM orders), 0)
) + 1, false);

-- Authorizing looks a collection's payment up by collection (it was a sequential scan).
CREATE INDEX payment_collection_payment ON payment (payment_collection_id);
