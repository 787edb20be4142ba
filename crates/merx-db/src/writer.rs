//! The one SQLite write connection, behind an async mutex. Holding the mutex is holding SQLite's
//! write lock, so the time between a transaction's `BEGIN IMMEDIATE` and the next one's is what
//! bounds write throughput. sqlx's pool pings a connection when it is handed back, inside that
//! window; here the next transaction starts as soon as `COMMIT` returns.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::SqliteQueryResult;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{DbError, DbResult};

pub(crate) struct Writer {
    options: SqliteConnectOptions,
    conn: Arc<Mutex<WriteConn>>,
    acquire_timeout: Duration,
}

#[derive(Default)]
pub(crate) struct WriteConn {
    conn: Option<SqliteConnection>,
    /// A transaction was left open (its `Tx` dropped mid-way): roll it back before reuse.
    open: bool,
}

impl WriteConn {
    /// The connection; an error only after [`Writer::close`].
    pub fn conn(&mut self) -> DbResult<&mut SqliteConnection> {
        self.conn.as_mut().ok_or(DbError(sqlx::Error::PoolClosed))
    }
}

/// The locked write connection.
pub(crate) type WriteGuard = OwnedMutexGuard<WriteConn>;

impl Writer {
    pub fn new(options: SqliteConnectOptions, acquire_timeout: Duration) -> Self {
        Self {
            options,
            conn: Arc::new(Mutex::new(WriteConn::default())),
            acquire_timeout,
        }
    }

    /// The connection, locked, connected and outside any transaction.
    pub async fn lock(&self) -> DbResult<WriteGuard> {
        let mut guard = tokio::time::timeout(self.acquire_timeout, self.conn.clone().lock_owned())
            .await
            .map_err(|_| DbError(sqlx::Error::PoolTimedOut))?;
        if guard.conn.is_none() {
            guard.conn = Some(self.options.connect().await?);
        }
        if guard.open {
            // Fails harmlessly when SQLite already ended the transaction (e.g. after an error).
            let _ = run(guard.conn()?, "ROLLBACK").await;
            guard.open = false;
        }
        Ok(guard)
    }

    /// Locks the connection and begins a write transaction.
    pub async fn begin(&self) -> DbResult<WriteGuard> {
        let mut guard = self.lock().await?;
        guard.open = true;
        run(guard.conn()?, "BEGIN IMMEDIATE").await?;
        Ok(guard)
    }

    pub async fn close(&self) {
        let mut guard = self.conn.lock().await;
        if let Some(conn) = guard.conn.take() {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

/// Runs a transaction-control statement. A plain function returning the boxed future, so the
/// callers' futures stay `Send` for every lifetime (tasks spawn them).
fn run<'c>(
    conn: &'c mut SqliteConnection,
    statement: &'static str,
) -> Pin<Box<dyn Future<Output = Result<SqliteQueryResult, sqlx::Error>> + Send + 'c>> {
    conn.execute(statement)
}

/// Ends the transaction on `guard` with `COMMIT` or `ROLLBACK`.
pub(crate) async fn finish(guard: &mut WriteGuard, statement: &'static str) -> DbResult<()> {
    run(guard.conn()?, statement).await?;
    guard.open = false;
    Ok(())
}

/// A transaction dropped without commit: roll it back now if a runtime is at hand (so SQLite's
/// write lock is not held until the next write), else the next `lock` does.
pub(crate) fn abandon(mut guard: WriteGuard) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(async move {
            let _ = finish(&mut guard, "ROLLBACK").await;
        });
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// An open write transaction on the locked connection; dropped unfinished, it rolls back.
pub(crate) struct SqliteTx(Option<WriteGuard>);

impl SqliteTx {
    pub fn new(guard: WriteGuard) -> Self {
        Self(Some(guard))
    }

    /// The connection; an error only once the transaction has ended.
    pub fn conn(&mut self) -> DbResult<&mut SqliteConnection> {
        match self.0.as_mut() {
            Some(guard) => guard.conn(),
            None => Err(DbError(sqlx::Error::PoolClosed)),
        }
    }

    pub async fn commit(mut self) -> DbResult<()> {
        match self.0.take() {
            Some(mut guard) => finish(&mut guard, "COMMIT").await,
            None => Ok(()),
        }
    }

    pub async fn rollback(mut self) -> DbResult<()> {
        match self.0.take() {
            Some(mut guard) => finish(&mut guard, "ROLLBACK").await,
            None => Ok(()),
        }
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(guard) = self.0.take() {
            abandon(guard);
        }
    }
}
