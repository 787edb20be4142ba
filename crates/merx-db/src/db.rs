use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use crate::readers::Readers;
use crate::writer::{SqliteTx, Writer};
use crate::{sql, DbError, DbResult, Query, Row, Value};

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Pools {
    /// SQLite allows one writer at a time: writes go through a single connection (so they queue in
    /// the process instead of spinning on SQLITE_BUSY), reads through a pool of their own.
    Sqlite {
        /// `None` for an in-memory database, which exists once per connection: reads share the
        /// writer's.
        read: Option<Arc<Readers>>,
        write: Arc<Writer>,
    },
    Postgres(PgPool),
}

/// A handle on the database: cheap to clone, shared by every service.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pools: Pools,
}

impl Db {
    /// Connects to `url`, choosing the engine from its scheme: `sqlite:` (file created if missing)
    /// or `postgres:`/`postgresql:`.
    pub async fn connect(url: &str, options: &DbOptions) -> anyhow::Result<Db> {
        match Self::backend_of(url)? {
            Backend::Sqlite => Self::connect_sqlite(url, options).await,
            Backend::Postgres => {
                let pg = PgConnectOptions::from_str(url)?;
                Self::connect_postgres(pg, options).await
            }
        }
    }

    /// The engine a URL names, or an error saying which schemes are understood.
    pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL {:?}: use sqlite://FILE or postgres://…",
                redact(url)
            )
        }
    }

    async fn connect_sqlite(url: &str, options: &DbOptions) -> anyhow::Result<Db> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // No mmap: each connection maps the file on its own, and every mapped page counts as
            // resident memory once per connection (363 MB after a `list` run at 10k products).
            .busy_timeout(Duration::from_secs(10));
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let write = Arc::new(Writer::new(opts.clone(), options.acquire_timeout));
        // Connect now, so a bad path or a locked file is reported here.
        drop(write.lock().await?);
        // An in-memory database exists once per connection, so it must share the writer's.
        let read = (!in_memory).then(|| {
            Arc::new(Readers::new(
                opts,
                options.max_connections.max(2) as usize,
                options.acquire_timeout,
            ))
        });
        Ok(Db {
            pools: Pools::Sqlite { read, write },
        })
    }

    /// Connects to Postgres with explicit options (used by tests to pick a fresh database).
    pub async fn connect_postgres(pg: PgConnectOptions, options: &DbOptions) -> anyhow::Result<Db> {
        // Ping a connection only when it sat idle long enough for the server or the network to have
        // dropped it; a busy pool skips the extra round trip per query.
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > Duration::from_secs(30) {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(pg)
            .await?;
        Ok(Db {
            pools: Pools::Postgres(pool),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so the write lock is taken up
    /// front and a read-then-write transaction can never fail half-way on a lock upgrade.
    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => {
                Tx::new(TxInner::Sqlite(SqliteTx::new(write.begin().await?)))
            }
            Pools::Postgres(pool) => Tx::new(TxInner::Postgres(pool.begin().await?)),
        })
    }

    /// Runs `sql` as-is (several statements allowed), outside any transaction.
    pub async fn execute_script(&self, sql: &str) -> DbResult<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                let mut guard = write.lock().await?;
                on_conn::script(guard.conn()?, sql).await?;
            }
            Pools::Postgres(pool) => {
                sqlx::raw_sql(sql).execute(pool).await?;
            }
        }
        Ok(())
    }

    pub async fn fetch_all(&self, q: Query) -> DbResult<Vec<Row>> {
        match &self.pools {
            Pools::Sqlite {
                read: Some(readers),
                ..
            } => {
                let mut reader = readers.get().await?;
                let rows = on_conn::fetch_all(reader.conn(), &q).await;
                reader.finish();
                Ok(rows?.into_iter().map(Row::Sqlite).collect())
            }
            Pools::Sqlite { write, .. } => {
                let mut guard = write.lock().await?;
                let rows = on_conn::fetch_all(guard.conn()?, &q).await?;
                Ok(rows.into_iter().map(Row::Sqlite).collect())
            }
            Pools::Postgres(pool) => {
                let sql = sql::to_postgres(&q.sql);
                Ok(pg_query(&sql, &q)
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .map(Row::Postgres)
                    .collect())
            }
        }
    }

    pub async fn fetch_optional(&self, q: Query) -> DbResult<Option<Row>> {
        match &self.pools {
            Pools::Sqlite {
                read: Some(readers),
                ..
            } => {
                let mut reader = readers.get().await?;
                let row = on_conn::fetch_optional(reader.conn(), &q).await;
                reader.finish();
                Ok(row?.map(Row::Sqlite))
            }
            Pools::Sqlite { write, .. } => {
                let mut guard = write.lock().await?;
                let row = on_conn::fetch_optional(guard.conn()?, &q).await?;
                Ok(row.map(Row::Sqlite))
            }
            Pools::Postgres(pool) => {
                let sql = sql::to_postgres(&q.sql);
                Ok(pg_query(&sql, &q)
                    .fetch_optional(pool)
                    .await?
                    .map(Row::Postgres))
            }
        }
    }

    pub async fn fetch_one(&self, q: Query) -> DbResult<Row> {
        self.fetch_optional(q)
            .await?
            .ok_or(DbError(sqlx::Error::RowNotFound))
    }

    /// Runs a single write statement in its own transaction; returns the rows affected.
    pub async fn execute(&self, q: Query) -> DbResult<u64> {
        if let Pools::Postgres(pool) = &self.pools {
            // A lone statement commits by itself: no BEGIN/COMMIT round trips.
            let sql = sql::to_postgres(&q.sql);
            return Ok(pg_query(&sql, &q).execute(pool).await?.rows_affected());
        }
        let mut tx = self.begin().await?;
        let n = tx.execute(q).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Runs a single write statement with `RETURNING` in its own transaction; returns its row.
    pub async fn execute_returning(&self, q: Query) -> DbResult<Option<Row>> {
        if let Pools::Postgres(pool) = &self.pools {
            let sql = sql::to_postgres(&q.sql);
            return Ok(pg_query(&sql, &q)
                .fetch_optional(pool)
                .await?
                .map(Row::Postgres));
        }
        let mut tx = self.begin().await?;
        let row = tx.fetch_optional(q).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Closes every pool (waits for connections to be returned).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                if let Some(readers) = read {
                    readers.close().await;
                }
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    inner: TxInner,
    after_commit: Vec<Box<dyn FnOnce() + Send>>,
}

enum TxInner {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    fn new(inner: TxInner) -> Self {
        Self {
            inner,
            after_commit: Vec::new(),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` once this transaction has committed (never if it rolls back): how a change tells
    /// in-process readers, e.g. caches, that committed state moved on.
    pub fn after_commit(&mut self, f: impl FnOnce() + Send + 'static) {
        self.after_commit.push(Box::new(f));
    }

    pub async fn fetch_all(&mut self, q: Query) -> DbResult<Vec<Row>> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Ok(on_conn::fetch_all(tx.conn()?, &q)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect()),
            TxInner::Postgres(tx) => {
                let sql = sql::to_postgres(&q.sql);
                Ok(pg_query(&sql, &q)
                    .fetch_all(&mut **tx)
                    .await?
                    .into_iter()
                    .map(Row::Postgres)
                    .collect())
            }
        }
    }

    pub async fn fetch_optional(&mut self, q: Query) -> DbResult<Option<Row>> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Ok(on_conn::fetch_optional(tx.conn()?, &q)
                .await?
                .map(Row::Sqlite)),
            TxInner::Postgres(tx) => {
                let sql = sql::to_postgres(&q.sql);
                Ok(pg_query(&sql, &q)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(Row::Postgres))
            }
        }
    }

    pub async fn fetch_one(&mut self, q: Query) -> DbResult<Row> {
        self.fetch_optional(q)
            .await?
            .ok_or(DbError(sqlx::Error::RowNotFound))
    }

    /// Runs a write statement; returns the rows affected.
    pub async fn execute(&mut self, q: Query) -> DbResult<u64> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Ok(on_conn::execute(tx.conn()?, &q).await?.rows_affected()),
            TxInner::Postgres(tx) => {
                let sql = sql::to_postgres(&q.sql);
                Ok(pg_query(&sql, &q).execute(&mut **tx).await?.rows_affected())
            }
        }
    }

    /// Runs `sql` as-is (several statements allowed) inside this transaction.
    pub async fn execute_script(&mut self, sql: &str) -> DbResult<()> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => {
                on_conn::script(tx.conn()?, sql).await?;
            }
            TxInner::Postgres(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    pub async fn commit(self) -> DbResult<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        for f in self.after_commit {
            f();
        }
        Ok(())
    }

    pub async fn rollback(self) -> DbResult<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

type SqliteArgs<'q> = sqlx::sqlite::SqliteArguments<'q>;
type PgArgs = sqlx::postgres::PgArguments;

fn sqlite_query(q: &Query) -> sqlx::query::Query<'_, Sqlite, SqliteArgs<'_>> {
    let mut query = sqlx::query(&q.sql);
    for arg in &q.args {
        query = match arg {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_deref()),
            Value::Bool(v) => query.bind(*v),
            Value::Json(v) => query.bind(v.as_ref().map(|j| j.to_string())),
            Value::Time(v) => query.bind(v.map(merx_types::time::to_storage)),
        };
    }
    query
}

fn pg_query<'q>(sql: &'q str, q: &'q Query) -> sqlx::query::Query<'q, Postgres, PgArgs> {
    let mut query = sqlx::query(sql);
    for arg in &q.args {
        query = match arg {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_deref()),
            Value::Bool(v) => query.bind(*v),
            Value::Json(v) => query.bind(v.as_ref().map(sqlx::types::Json)),
            Value::Time(v) => query.bind(*v),
        };
    }
    query
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_picks_the_engine() {
        assert_eq!(Db::backend_of("sqlite://merx.db").unwrap(), Backend::Sqlite);
        assert_eq!(Db::backend_of("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(
            Db::backend_of("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Db::backend_of("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Db::backend_of("mysql://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}

/// Statements on a bare SQLite connection (ours, not a pool's). Plain functions returning boxed
/// futures: spelled inline, sqlx's `Executor<'c>` bound makes rustc unable to prove the callers'
/// futures `Send` for every lifetime, and tasks that spawn them fail to compile.
mod on_conn {
    use std::future::Future;
    use std::pin::Pin;

    use sqlx::sqlite::{SqliteConnection, SqliteQueryResult, SqliteRow};

    use super::sqlite_query;
    use crate::Query;

    type Fut<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

    pub fn fetch_all<'c>(conn: &'c mut SqliteConnection, q: &'c Query) -> Fut<'c, Vec<SqliteRow>> {
        Box::pin(sqlite_query(q).fetch_all(conn))
    }

    pub fn fetch_optional<'c>(
        conn: &'c mut SqliteConnection,
        q: &'c Query,
    ) -> Fut<'c, Option<SqliteRow>> {
        Box::pin(sqlite_query(q).fetch_optional(conn))
    }

    pub fn execute<'c>(conn: &'c mut SqliteConnection, q: &'c Query) -> Fut<'c, SqliteQueryResult> {
        Box::pin(sqlite_query(q).execute(conn))
    }

    pub fn script<'c>(conn: &'c mut SqliteConnection, sql: &'c str) -> Fut<'c, SqliteQueryResult> {
        // `Executor::execute` runs every statement of an argument-less string on SQLite.
        sqlx::Executor::execute(conn, sql)
    }
}
