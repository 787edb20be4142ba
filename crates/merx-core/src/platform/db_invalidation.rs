//! Cache invalidation between `merx serve` processes that share one Postgres database and no NATS:
//! keys travel as `NOTIFY merx_invalidate '<node>\n<key>'`. Without it, another process's caches
//! would only expire by their TTLs. On SQLite there is nothing to connect.

use std::sync::Arc;
use std::time::Duration;

use merx_db::{Db, Heard};
use merx_types::id::new_id;

use super::bus::{Invalidator, RemoteInvalidation};
use super::freshness::ReadModel;
use super::BoxFuture;

const CHANNEL: &str = "merx_invalidate";

struct Notify {
    db: Db,
    /// This process, so that it skips its own notifications (it delivered them locally already).
    node: String,
}

impl RemoteInvalidation for Notify {
    fn publish<'a>(&'a self, key: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.db
                .notify(CHANNEL, &format!("{}\n{key}", self.node))
                .await?;
            Ok(())
        })
    }
}

/// Connects `invalidator` to the other processes on `db`: local invalidations are notified, and
/// theirs delivered here. Returns it unchanged on SQLite.
pub async fn connect(db: &Db, invalidator: Invalidator) -> anyhow::Result<Invalidator> {
    let Some(mut listener) = db.listen(CHANNEL).await? else {
        return Ok(invalidator);
    };
    let node = new_id("node");
    let local = invalidator.clone();
    let me = node.clone();
    tokio::spawn(async move {
        let mut backoff = Duration::from_secs(1);
        loop {
            let heard = listener.next().await;
            if heard.is_ok() {
                backoff = Duration::from_secs(1);
            }
            match heard {
                Ok(Heard::Message(text)) => {
                    if let Some((from, key)) = text.split_once('\n') {
                        if from != me {
                            local.deliver_local(key);
                        }
                    }
                }
                // Invalidations sent while the connection was down are lost: forget everything.
                Ok(Heard::Reconnecting) => {
                    tracing::warn!(
                        "cache invalidation listener reconnecting; dropping cached reads"
                    );
                    for model in ReadModel::ALL {
                        local.deliver_local(model.key());
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cache invalidation listener failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    });
    Ok(invalidator.with_remote(Arc::new(Notify {
        db: db.clone(),
        node,
    })))
}
