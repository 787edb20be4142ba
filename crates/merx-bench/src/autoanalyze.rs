//! Postgres' autoanalyze, for a server that runs without autovacuum (as the local one here does).
//!
//! A store that has been running has planner statistics for its cart, payment and order tables. A
//! benchmark database starts with those tables empty, and without autovacuum their statistics
//! would stay "empty" for the whole run: Postgres then keeps planning sequential scans over tables
//! that grow by thousands of rows a minute (a prepared statement's cached plan is only replanned
//! when statistics change). This task applies autoanalyze's own rule instead: a table is analyzed
//! once more than 50 rows plus 10% of it changed since its last analyze. With autovacuum on it
//! does nothing.

use std::time::Duration;

use anyhow::Context;
use merx_db::{query, Backend, Db, DbOptions};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often changed tables are looked for (autovacuum's own nap is a minute per database; a
/// benchmark scenario lasts seconds).
const NAP: Duration = Duration::from_secs(2);

pub struct AutoAnalyze {
    stop: watch::Sender<bool>,
    task: JoinHandle<u64>,
}

impl AutoAnalyze {
    /// Starts analyzing `url`'s changed tables, unless it is SQLite or its server autovacuums.
    pub async fn start(url: &str) -> anyhow::Result<Option<AutoAnalyze>> {
        if Db::backend_of(url)? != Backend::Postgres {
            return Ok(None);
        }
        let options = DbOptions {
            max_connections: 1,
            ..DbOptions::default()
        };
        let db = Db::connect(url, &options)
            .await
            .context("connecting for autoanalyze")?;
        let autovacuum = db
            .fetch_one(query(
                "SELECT setting FROM pg_settings WHERE name = 'autovacuum'",
            ))
            .await?
            .text("setting")?;
        if autovacuum == "on" {
            db.close().await;
            return Ok(None);
        }
        eprintln!(
            "autovacuum is off on this server: changed tables are analyzed every {}s, as autoanalyze would",
            NAP.as_secs()
        );
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut analyzed = 0;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(NAP) => {}
                    _ = stopped.changed() => break,
                }
                match analyze_changed(&db).await {
                    Ok(n) => analyzed += n,
                    Err(e) => eprintln!("autoanalyze: {e:#}"),
                }
            }
            db.close().await;
            analyzed
        });
        Ok(Some(AutoAnalyze { stop, task }))
    }

    /// Stops; returns how many times a table was analyzed.
    pub async fn stop(self) -> u64 {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or(0)
    }
}

async fn analyze_changed(db: &Db) -> anyhow::Result<u64> {
    let due = db
        .fetch_all(query(
            "SELECT relname FROM pg_stat_user_tables \
             WHERE n_mod_since_analyze > 50 + 0.1 * GREATEST(n_live_tup, 0)",
        ))
        .await?;
    let mut n = 0;
    for row in due {
        let table = row.text("relname")?;
        // The name comes from the catalogue; quoting keeps it one identifier whatever it holds.
        db.execute_script(&format!("ANALYZE \"{}\"", table.replace('"', "\"\"")))
            .await
            .with_context(|| format!("ANALYZE {table}"))?;
        n += 1;
    }
    Ok(n)
}
