//! The database layer on both engines: values round-trip, transactions roll back, constraints are
//! recognised, writers queue instead of failing, and the two schemas describe the same tables.

use std::collections::BTreeSet;

use merx_db::migrate::{self, MIGRATIONS};
use merx_db::testing::TestDb;
use merx_db::{both_engines, query, Backend, Db};

async fn create_scratch(db: &Db) {
    let ddl = match db.backend() {
        Backend::Sqlite => "CREATE TABLE scratch (id TEXT PRIMARY KEY, n BIGINT NOT NULL, flag INTEGER, doc TEXT, at TEXT)",
        Backend::Postgres => "CREATE TABLE scratch (id TEXT PRIMARY KEY, n BIGINT NOT NULL, flag BOOLEAN, doc JSONB, at TIMESTAMPTZ)",
    };
    db.execute_script(ddl).await.unwrap();
}

async fn values_round_trip(db: Db) {
    create_scratch(&db).await;
    let at = merx_types::time::now();
    let doc = serde_json::json!({"a": [1, 2], "b": "x?y"});
    db.execute(
        query("INSERT INTO scratch (id, n, flag, doc, at) VALUES (?, ?, ?, ?, ?)")
            .bind("a")
            .bind(-42i64)
            .bind(true)
            .bind(doc.clone())
            .bind(at),
    )
    .await
    .unwrap();
    db.execute(
        query("INSERT INTO scratch (id, n, flag, doc, at) VALUES (?, ?, ?, ?, ?)")
            .bind("b")
            .bind(7i64)
            .bind(None::<bool>)
            .bind(None::<serde_json::Value>)
            .bind(None::<time::OffsetDateTime>),
    )
    .await
    .unwrap();
    let row = db
        .fetch_one(query("SELECT * FROM scratch WHERE id = ?").bind("a"))
        .await
        .unwrap();
    assert_eq!(row.int("n").unwrap(), -42);
    assert!(row.bool("flag").unwrap());
    assert_eq!(row.json("doc").unwrap(), doc);
    assert_eq!(row.time("at").unwrap(), at);
    let row = db
        .fetch_one(query("SELECT * FROM scratch WHERE id = ?").bind("b"))
        .await
        .unwrap();
    assert_eq!(row.opt_bool("flag").unwrap(), None);
    assert_eq!(row.opt_json("doc").unwrap(), None);
    assert_eq!(row.opt_time("at").unwrap(), None);
    // Time comparisons work in SQL on both engines.
    let later = db
        .fetch_all(
            query("SELECT id FROM scratch WHERE at < ?").bind(at + time::Duration::seconds(1)),
        )
        .await
        .unwrap();
    assert_eq!(later.len(), 1);
}
both_engines!(values_round_trip_on_both_engines, values_round_trip);

async fn rollback_leaves_nothing(db: Db) {
    create_scratch(&db).await;
    let mut tx = db.begin().await.unwrap();
    tx.execute(
        query("INSERT INTO scratch (id, n) VALUES (?, ?)")
            .bind("x")
            .bind(1i64),
    )
    .await
    .unwrap();
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    tx.execute(
        query("INSERT INTO scratch (id, n) VALUES (?, ?)")
            .bind("y")
            .bind(1i64),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    let rows = db.fetch_all(query("SELECT id FROM scratch")).await.unwrap();
    assert!(rows.is_empty());
    // The connection is usable again, and a transaction dropped mid-way never reaches the next.
    let mut tx = db.begin().await.unwrap();
    tx.execute(query("INSERT INTO scratch (id, n) VALUES ('z', 1)"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let rows = db.fetch_all(query("SELECT id FROM scratch")).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].text("id").unwrap(), "z");
}
both_engines!(
    a_dropped_or_rolled_back_transaction_writes_nothing,
    rollback_leaves_nothing
);

async fn unique_violations_are_recognised(db: Db) {
    create_scratch(&db).await;
    db.execute(
        query("INSERT INTO scratch (id, n) VALUES (?, ?)")
            .bind("x")
            .bind(1i64),
    )
    .await
    .unwrap();
    let err = db
        .execute(
            query("INSERT INTO scratch (id, n) VALUES (?, ?)")
                .bind("x")
                .bind(2i64),
        )
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
}
both_engines!(
    unique_violations_are_told_apart,
    unique_violations_are_recognised
);

async fn concurrent_writers_all_commit(db: Db) {
    create_scratch(&db).await;
    db.execute(query("INSERT INTO scratch (id, n) VALUES ('c', 0)"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            // Read, then write: on SQLite this is exactly what a deferred transaction can't do
            // under contention; BEGIN IMMEDIATE makes it safe.
            let mut tx = db.begin().await.unwrap();
            let n = tx
                .fetch_one(query("SELECT n FROM scratch WHERE id = 'c'"))
                .await
                .unwrap()
                .int("n")
                .unwrap();
            if db.backend() == Backend::Postgres {
                // Postgres needs the row lock for read-modify-write; take it and re-read.
                let n2 = tx
                    .fetch_one(query("SELECT n FROM scratch WHERE id = 'c' FOR UPDATE"))
                    .await
                    .unwrap()
                    .int("n")
                    .unwrap();
                tx.execute(query("UPDATE scratch SET n = ? WHERE id = 'c'").bind(n2 + 1))
                    .await
                    .unwrap();
            } else {
                tx.execute(query("UPDATE scratch SET n = ? WHERE id = 'c'").bind(n + 1))
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = db
        .fetch_one(query("SELECT n FROM scratch WHERE id = 'c'"))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    assert_eq!(n, 40);
}
both_engines!(
    concurrent_read_modify_write_transactions_all_commit,
    concurrent_writers_all_commit
);

async fn migrating_again_applies_nothing(db: Db) {
    assert!(migrate::run(&db).await.unwrap().is_empty());
    let last = MIGRATIONS.last().unwrap().version;
    assert_eq!(migrate::current_version(&db).await.unwrap(), Some(last));
}
both_engines!(migrating_twice_is_a_no_op, migrating_again_applies_nothing);

#[test]
fn every_migration_file_is_registered_for_both_engines() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for engine in ["sqlite", "postgres"] {
        let mut on_disk: Vec<String> = std::fs::read_dir(dir.join(engine))
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".sql")
                    .to_string()
            })
            .collect();
        on_disk.sort();
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| m.name.to_string()).collect();
        assert_eq!(
            on_disk, listed,
            "{engine} migrations on disk vs. MIGRATIONS"
        );
    }
    for (i, m) in MIGRATIONS.iter().enumerate() {
        assert_eq!(m.version, i as i64 + 1, "versions are consecutive");
        assert!(m.name.starts_with(&format!("{:04}_", m.version)));
    }
}

async fn columns(db: &Db) -> BTreeSet<(String, String)> {
    let q = match db.backend() {
        Backend::Sqlite => query(
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '%_fts%'",
        ),
        Backend::Postgres => query(
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public'",
        ),
    };
    db.fetch_all(q)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.text("t").unwrap(), r.text("c").unwrap()))
        .collect()
}

/// SQLite's FTS5 tables (`*_fts*`) are left out: Postgres searches through expression indexes.
#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let lite = TestDb::sqlite().await;
    let (a, b) = (columns(&lite.db).await, columns(&pg.db).await);
    assert!(!a.is_empty());
    let only_sqlite: Vec<_> = a.difference(&b).collect();
    let only_pg: Vec<_> = b.difference(&a).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_sqlite:?}\nonly in Postgres: {only_pg:?}"
    );
    lite.cleanup().await;
    pg.cleanup().await;
}

/// `sslmode=require` (as managed Postgres services demand) connects over TLS. Needs a server with
/// TLS on (Debian's Postgres has it, with its snakeoil certificate); says so and skips otherwise.
#[tokio::test]
async fn postgres_urls_with_sslmode_require_connect_over_tls() {
    let Some(t) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let ssl =
        t.db.fetch_one(query("SELECT current_setting('ssl') AS ssl"))
            .await
            .unwrap()
            .text("ssl")
            .unwrap();
    if ssl != "on" {
        eprintln!(
            "skipped: the Postgres server at {} has TLS off",
            merx_db::redact_url(&t.url)
        );
        t.cleanup().await;
        return;
    }
    let sep = if t.url.contains('?') { '&' } else { '?' };
    let tls = Db::connect(
        &format!("{}{sep}sslmode=require", t.url),
        &merx_db::DbOptions::default(),
    )
    .await
    .expect("a TLS connection with sslmode=require");
    let over_tls = tls
        .fetch_one(query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .unwrap()
        .bool("ssl")
        .unwrap();
    assert!(over_tls, "the connection is encrypted");
    tls.close().await;
    t.cleanup().await;
}
