-- SQLite only (its FTS5 index needs a rowid map); Postgres searches through an expression index.
SELECT 1;
