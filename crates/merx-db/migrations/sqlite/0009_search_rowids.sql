-- Where each product's row sits in product_fts. FTS5 cannot index product_id, so deleting a
-- product's row by product_id scanned the whole index (39 ms per product write at 100k products);
-- by rowid it is a lookup.
CREATE TABLE product_fts_rowid (
    product_id TEXT PRIMARY KEY,
    fts_rowid INTEGER NOT NULL
);

INSERT INTO product_fts_rowid (product_id, fts_rowid)
SELECT product_id, MAX(rowid) FROM product_fts GROUP BY product_id;
