//! Messages between processes sharing one Postgres database (`LISTEN`/`NOTIFY`). SQLite has no
//! such channel: there, [`Db::listen`] answers `None` and [`Db::notify`] sends nothing.

use sqlx::postgres::{PgListener, PgPoolOptions};

use crate::db::Pools;
use crate::{Db, DbResult};

/// Notifications on the channels a [`Db::listen`] call subscribed to.
pub struct Listener(PgListener);

/// What [`Listener::next`] heard.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    /// A notification's payload.
    Message(String),
    /// The connection was lost and is being re-established: whatever was sent meanwhile is lost.
    Reconnecting,
}

impl Listener {
    /// Waits for the next notification (or the news that some may have been missed).
    pub async fn next(&mut self) -> DbResult<Heard> {
        Ok(match self.0.try_recv().await? {
            Some(n) => Heard::Message(n.payload().to_string()),
            None => Heard::Reconnecting,
        })
    }
}

impl Db {
    /// Subscribes to `channel` on a connection of its own (not taken from the pool); `None` on
    /// SQLite.
    pub async fn listen(&self, channel: &str) -> DbResult<Option<Listener>> {
        let Pools::Postgres(pool) = &self.pools else {
            return Ok(None);
        };
        let own = PgPoolOptions::new()
            .max_connections(1)
            .connect_with((*pool.connect_options()).clone())
            .await?;
        let mut listener = PgListener::connect_with(&own).await?;
        listener.listen(channel).await?;
        Ok(Some(Listener(listener)))
    }

    /// Sends `payload` to every listener on `channel`, now (not at a transaction's commit); nothing
    /// on SQLite.
    pub async fn notify(&self, channel: &str, payload: &str) -> DbResult<()> {
        if let Pools::Postgres(pool) = &self.pools {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}
