//! Periodic jobs, safe with several processes: each run is claimed by a conditional update of the
//! job's `next_run_at`, so in any period exactly one process runs a job.

use std::sync::Arc;
use std::time::Duration;

use merx_db::{query, Db};
use merx_types::time::now;
use tokio::sync::watch;

use super::BoxFuture;
use crate::error::CoreResult;

type JobFn = Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// A job: a name, a period and the work.
#[derive(Clone)]
pub struct Job {
    pub name: String,
    pub every: Duration,
    run: JobFn,
}

impl Job {
    pub fn new<F>(name: impl Into<String>, every: Duration, run: F) -> Self
    where
        F: Fn() -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync + 'static,
    {
        Self {
            name: name.into(),
            every,
            run: Arc::new(run),
        }
    }
}

/// Runs the registered jobs when they are due.
#[derive(Clone)]
pub struct Scheduler {
    db: Db,
    jobs: Vec<Job>,
}

impl Scheduler {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            jobs: Vec::new(),
        }
    }

    pub fn add(&mut self, job: Job) {
        self.jobs.push(job);
    }

    /// Runs every job that is due and that this process wins; returns their names.
    pub async fn tick(&self) -> CoreResult<Vec<String>> {
        let mut ran = Vec::new();
        for job in &self.jobs {
            let at = now();
            self.db
                .execute(
                    query(
                        "INSERT INTO job_schedule (name, next_run_at, runs) VALUES (?, ?, 0) \
                         ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(&job.name)
                    .bind(at),
                )
                .await?;
            let won = self
                .db
                .execute(
                    query(
                        "UPDATE job_schedule SET next_run_at = ?, last_run_at = ?, runs = runs + 1 \
                         WHERE name = ? AND next_run_at <= ?",
                    )
                    .bind(at + job.every)
                    .bind(at)
                    .bind(&job.name)
                    .bind(at),
                )
                .await?
                == 1;
            if !won {
                continue;
            }
            let error = (job.run)().await.err().map(|e| format!("{e:#}"));
            if let Some(e) = &error {
                tracing::warn!(job = %job.name, error = %e, "scheduled job failed");
            }
            self.db
                .execute(
                    query("UPDATE job_schedule SET last_error = ? WHERE name = ?")
                        .bind(error)
                        .bind(&job.name),
                )
                .await?;
            ran.push(job.name.clone());
        }
        Ok(ran)
    }

    /// Ticks every `interval` until `shutdown` turns true.
    pub async fn run(self, interval: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "job scheduler tick failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}
