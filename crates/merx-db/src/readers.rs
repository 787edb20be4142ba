//! SQLite read connections, pooled by hand. sqlx's pool pings a connection each time it is handed
//! back (a round trip to the connection's worker thread); for a local file that costs as much as the
//! query itself and can never find anything wrong. A reader whose query did not run to completion
//! (its future was dropped) is closed instead of reused, which is the case that ping guards.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::ConnectOptions;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{DbError, DbResult};

pub(crate) struct Readers {
    options: SqliteConnectOptions,
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
}

impl Readers {
    pub fn new(options: SqliteConnectOptions, max: usize, acquire_timeout: Duration) -> Self {
        Self {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max.max(1))),
            acquire_timeout,
        }
    }

    /// A connection for one read, waiting while `max` are in use.
    pub async fn get(self: &Arc<Self>) -> DbResult<Reader> {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| DbError(sqlx::Error::PoolTimedOut))?
                .map_err(|_| DbError(sqlx::Error::PoolClosed))?;
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => self.options.connect().await?,
        };
        Ok(Reader {
            conn,
            readers: self.clone(),
            _permit: permit,
        })
    }

    /// Closes the idle connections and refuses new reads.
    pub async fn close(&self) {
        self.permits.close();
        let idle: Vec<SqliteConnection> =
            std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        for conn in idle {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

/// A checked-out connection. [`Reader::finish`] hands it back for the next read; dropped without
/// it (the query's future was dropped mid-way), the connection is closed instead.
pub(crate) struct Reader {
    conn: SqliteConnection,
    readers: Arc<Readers>,
    _permit: OwnedSemaphorePermit,
}

impl Reader {
    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }

    /// The query ran to completion: the connection may serve the next read.
    pub fn finish(self) {
        let Reader { conn, readers, .. } = self;
        if !readers.permits.is_closed() {
            readers
                .idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
        }
    }
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("available", &self.permits.available_permits())
            .finish()
    }
}
