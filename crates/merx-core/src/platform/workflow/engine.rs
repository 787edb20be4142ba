use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use merx_db::Db;
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::{DomainError, ErrorKind};
use serde_json::Value;

use super::store::{self, ExecutionRow, SUCCEEDED};
use super::{Deferred, Recovery, StepContext, StepError, Unopened, Workflow};
use crate::error::{CoreError, CoreResult};

/// A finished execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    pub execution_id: String,
    /// Each step's output, in order.
    pub outputs: Vec<Value>,
    /// True when this result was stored by an earlier run with the same key.
    pub replayed: bool,
}

/// Runs registered workflows and recovers interrupted ones.
#[derive(Clone)]
pub struct WorkflowEngine {
    db: Db,
    workflows: HashMap<String, Arc<Workflow>>,
    lease: Duration,
    /// Who runs this engine's executions (see [`WorkflowEngine::with_owner`]).
    owner: Arc<str>,
}

/// How long an execution is reserved for the process running it; renewed every third of it while a
/// step runs, so that only a dead process's executions run out.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Journal statuses.
const RUNNING: &str = "running";
const COMPENSATING: &str = "compensating";
const COMPENSATED: &str = "compensated";

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidData => "invalid_data",
        ErrorKind::NotAllowed => "not_allowed",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Duplicate => "duplicate_error",
        ErrorKind::Conflict => "conflict",
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::PaymentAuthorization => "payment_authorization_error",
        ErrorKind::TooManyRequests => "too_many_requests",
        ErrorKind::Unexpected => "unexpected_state",
    }
}

impl WorkflowEngine {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            workflows: HashMap::new(),
            lease: DEFAULT_LEASE,
            owner: new_id("node").into(),
        }
    }

    /// Names the process that runs executions. A process restarted under the same name (e.g. the
    /// host and address it serves) takes its unfinished executions back at once with
    /// [`recover_owned`](Self::recover_owned), instead of waiting for their leases to run out.
    /// Two live processes must never share a name.
    pub fn with_owner(mut self, owner: &str) -> Self {
        self.owner = owner.into();
        self
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// How long an execution is reserved for the process running it before others may recover it.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    pub fn register(&mut self, workflow: Workflow) {
        self.workflows
            .insert(workflow.name.clone(), Arc::new(workflow));
    }

    fn workflow(&self, name: &str) -> CoreResult<Arc<Workflow>> {
        self.workflows
            .get(name)
            .cloned()
            .ok_or_else(|| CoreError::Other(anyhow::anyhow!("no workflow named {name:?}")))
    }

    /// Runs `workflow` with `input`. With a `key`, at most one live execution per key exists: a
    /// repeat after success returns the stored result, a repeat while running is a conflict, and a
    /// repeat after a failure runs afresh. A failed step's domain error is returned as-is after the
    /// completed steps were compensated.
    pub async fn run(
        &self,
        workflow: &str,
        key: Option<&str>,
        input: Value,
    ) -> CoreResult<Completed> {
        self.run_warm(workflow, key, input, None).await
    }

    /// [`run`](Self::run), handing the steps state the caller already read (`StepContext::warm`),
    /// so that they need not read it again. Recovery never has it: steps must not depend on it.
    pub async fn run_warm(
        &self,
        workflow: &str,
        key: Option<&str>,
        input: Value,
        warm: Option<&(dyn std::any::Any + Send + Sync)>,
    ) -> CoreResult<Completed> {
        let wf = self.workflow(workflow)?;
        let id = new_id(prefix::WORKFLOW_EXECUTION);
        let unopened = Unopened {
            workflow,
            key,
            owner: &self.owner,
        };
        if wf.steps.first().is_some_and(|s| s.opens_execution()) {
            // The first step writes the execution row in its own transaction.
            return self
                .drive(&wf, &id, &input, Vec::new(), warm, Some(unopened))
                .await;
        }
        let mut tx = self.db.begin().await?;
        let inserted = store::insert(
            &mut tx,
            &id,
            workflow,
            key,
            &input,
            now() + self.lease,
            &self.owner,
        )
        .await;
        match inserted {
            Ok(()) => tx.commit().await?,
            Err(e) if e.is_unique_violation() => {
                drop(tx);
                return self.held_key(workflow, key).await;
            }
            Err(e) => return Err(e.into()),
        }
        self.drive(&wf, &id, &input, Vec::new(), warm, None).await
    }

    /// The answer to a run whose key a live execution holds: its stored result once it
    /// succeeded, else a conflict.
    async fn held_key(&self, workflow: &str, key: Option<&str>) -> CoreResult<Completed> {
        let key = key.unwrap_or_default();
        match store::find_live_by_key(&self.db, workflow, key).await? {
            Some(existing) if existing.status == SUCCEEDED => Ok(Completed {
                execution_id: existing.id,
                outputs: outputs_of(existing.output),
                replayed: true,
            }),
            _ => Err(
                DomainError::conflict(format!("{workflow} for {key} is already in progress"))
                    .into(),
            ),
        }
    }

    /// Runs the steps from the first one without a journalled output.
    async fn drive(
        &self,
        wf: &Workflow,
        id: &str,
        input: &Value,
        mut outputs: Vec<Value>,
        warm: Option<&(dyn std::any::Any + Send + Sync)>,
        mut unopened: Option<Unopened<'_>>,
    ) -> CoreResult<Completed> {
        let steps = wf.steps.len();
        let mut deferred: Vec<Deferred> = Vec::new();
        for (index, step) in wf.steps.iter().enumerate().skip(outputs.len()) {
            let last = index + 1 == steps;
            let ctx = StepContext {
                db: &self.db,
                execution_id: id,
                index,
                input,
                outputs: &outputs,
                step_name: step.name(),
                lease_until: now() + self.lease,
                last,
                journaled: AtomicBool::new(false),
                deferred: &deferred,
                warm,
                unopened,
                key_taken: AtomicBool::new(false),
            };
            let result = self.heartbeat(id, step.invoke(&ctx)).await;
            let journaled = ctx.journaled.load(Ordering::Acquire);
            if let (Some(u), Err(_)) = (unopened, &result) {
                // Nothing the step did is kept: its transaction held the execution row too.
                if ctx.key_taken.load(Ordering::Acquire) {
                    return self.held_key(u.workflow, u.key).await;
                }
            }
            match result {
                Ok(output) => {
                    let pending = unopened.take();
                    if let Some(u) = pending.filter(|_| !journaled) {
                        // A step that said it journals itself did not: open the row now.
                        let mut tx = self.db.begin().await?;
                        store::insert(
                            &mut tx,
                            id,
                            u.workflow,
                            u.key,
                            input,
                            now() + self.lease,
                            u.owner,
                        )
                        .await?;
                        tx.commit().await?;
                    }
                    // A step may have journalled itself (and the deferred entries before it) in
                    // its own transaction, and, as the last step, completed the execution there.
                    if journaled {
                        deferred.clear();
                    } else {
                        deferred.push(Deferred {
                            index,
                            name: step.name().to_string(),
                            output: output.clone(),
                        });
                        if last || !step.defer_journal() {
                            let all = last.then(|| {
                                let mut v = outputs.clone();
                                v.push(output.clone());
                                Value::Array(v)
                            });
                            store::record_steps(
                                &self.db,
                                id,
                                &deferred,
                                now() + self.lease,
                                all.as_ref(),
                            )
                            .await?;
                            deferred.clear();
                        }
                    }
                    outputs.push(output);
                    if last {
                        return Ok(Completed {
                            execution_id: id.to_string(),
                            outputs,
                            replayed: false,
                        });
                    }
                }
                Err(error) => {
                    if let Some(u) = unopened {
                        // The first step failed with nothing written: journal the failed run.
                        let (kind, message) = failure(&error);
                        store::insert_failed(
                            &self.db,
                            id,
                            u.workflow,
                            u.key,
                            input,
                            (kind, &message),
                        )
                        .await?;
                        return Err(into_core(error));
                    }
                    tracing::info!(workflow = %wf.name, execution = id, step = step.name(), %error, "step failed; compensating");
                    // Compensation and its recovery work from the journal: complete it first.
                    if !journaled && !deferred.is_empty() {
                        store::record_steps(&self.db, id, &deferred, now() + self.lease, None)
                            .await?;
                        deferred.clear();
                    }
                    let (kind, message) = failure(&error);
                    store::set_status(
                        &self.db,
                        id,
                        COMPENSATING,
                        None,
                        Some((kind, &message)),
                        Some(now() + self.lease),
                    )
                    .await?;
                    self.compensate(wf, id, input, &outputs).await?;
                    return Err(into_core(error));
                }
            }
        }
        store::set_status(
            &self.db,
            id,
            SUCCEEDED,
            Some(&Value::Array(outputs.clone())),
            None,
            None,
        )
        .await?;
        Ok(Completed {
            execution_id: id.to_string(),
            outputs,
            replayed: false,
        })
    }

    /// Compensates completed steps in reverse order, journalling each, then marks the execution
    /// compensated. If a compensation fails the execution stays `compensating` and recovery retries.
    async fn compensate(
        &self,
        wf: &Workflow,
        id: &str,
        input: &Value,
        outputs: &[Value],
    ) -> CoreResult<()> {
        let journal = store::done_steps(&self.db, id).await?;
        for index in (0..outputs.len()).rev() {
            let already = journal
                .iter()
                .any(|(i, status, _)| *i == index && status == COMPENSATED);
            if already {
                continue;
            }
            let Some(step) = wf.steps.get(index) else {
                continue;
            };
            let ctx = StepContext {
                db: &self.db,
                execution_id: id,
                index,
                input,
                outputs: &outputs[..index],
                step_name: step.name(),
                lease_until: now() + self.lease,
                last: false,
                journaled: AtomicBool::new(false),
                deferred: &[],
                warm: None,
                unopened: None,
                key_taken: AtomicBool::new(false),
            };
            if let Err(e) = step.compensate(&ctx, &outputs[index]).await {
                tracing::error!(workflow = %wf.name, execution = id, step = step.name(), error = %e, "compensation failed; will retry");
                store::set_status(
                    &self.db,
                    id,
                    COMPENSATING,
                    None,
                    None,
                    Some(now() + self.lease),
                )
                .await?;
                return Err(CoreError::Other(
                    e.context(format!("compensating {}", step.name())),
                ));
            }
            store::mark_step_compensated(&self.db, id, index).await?;
        }
        store::set_status(&self.db, id, COMPENSATED, None, None, None).await?;
        Ok(())
    }

    /// Finds executions left unfinished by a dead process (lease expired) and resumes or
    /// compensates them. Returns how many it took over.
    pub async fn recover(&self) -> CoreResult<usize> {
        let mut recovered = 0;
        for row in store::orphaned(&self.db, 100).await? {
            let Some(wf) = self.workflows.get(&row.workflow).cloned() else {
                continue;
            };
            if !store::claim(&self.db, &row.id, now() + self.lease, &self.owner).await? {
                continue;
            }
            recovered += 1;
            if let Err(e) = self.recover_one(&wf, row).await {
                tracing::warn!(error = %e, "recovered workflow did not complete");
            }
        }
        Ok(recovered)
    }

    /// Recovers the executions this engine's owner held before a restart, without waiting for
    /// their leases. Call it once the process is sure it is the only one with its name (e.g. once
    /// it holds its listening address). Returns how many it took back.
    pub async fn recover_owned(&self) -> CoreResult<usize> {
        let mut recovered = 0;
        for row in store::owned_by(&self.db, &self.owner, 1000).await? {
            let Some(wf) = self.workflows.get(&row.workflow).cloned() else {
                continue;
            };
            if !store::reclaim(&self.db, &row.id, now() + self.lease, &self.owner).await? {
                continue;
            }
            recovered += 1;
            if let Err(e) = self.recover_one(&wf, row).await {
                tracing::warn!(error = %e, "recovered workflow did not complete");
            }
        }
        Ok(recovered)
    }

    /// When the execution holding `key` was left by a process that died (its lease ran out), takes
    /// it over and finishes it now (a caller waiting for it need not wait for the recovery loop).
    /// True when it did; false while its owner is alive or when nothing holds the key.
    pub async fn take_over_orphan(&self, workflow: &str, key: &str) -> CoreResult<bool> {
        let Some((row, expired)) = store::unfinished_by_key(&self.db, workflow, key).await? else {
            return Ok(false);
        };
        if !expired {
            return Ok(false);
        }
        let wf = self.workflow(workflow)?;
        if !store::claim(&self.db, &row.id, now() + self.lease, &self.owner).await? {
            return Ok(false);
        }
        self.recover_one(&wf, row).await?;
        Ok(true)
    }

    /// Runs a step, renewing the execution's lease every third of it while the step takes. The
    /// renewals run on a task of their own: the step may hold a transaction that locked the
    /// execution's row, and must go on being polled while a renewal waits for that lock.
    async fn heartbeat<T>(&self, id: &str, step: impl std::future::Future<Output = T>) -> T {
        let period = (self.lease / 3).max(Duration::from_millis(100));
        let (db, id, owner, lease) = (
            self.db.clone(),
            id.to_string(),
            self.owner.clone(),
            self.lease,
        );
        // Aborted when the step ends, and also when the run is dropped (its caller went away):
        // then the lease runs out and recovery takes the execution over.
        let _renewals = AbortOnDrop(tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                if let Err(e) = store::renew(&db, &id, now() + lease, &owner).await {
                    tracing::warn!(error = %e, execution = %id, "renewing a workflow lease failed");
                }
            }
        }));
        step.await
    }

    async fn recover_one(&self, wf: &Workflow, row: ExecutionRow) -> CoreResult<()> {
        let journal = store::done_steps(&self.db, &row.id).await?;
        let outputs: Vec<Value> = journal.into_iter().map(|(_, _, output)| output).collect();
        tracing::info!(workflow = %wf.name, execution = %row.id, completed_steps = outputs.len(), status = %row.status, "recovering workflow");
        if row.status == RUNNING && wf.recovery == Recovery::Resume {
            self.drive(wf, &row.id, &row.input, outputs, None, None)
                .await
                .map(|_| ())
        } else {
            if row.status == RUNNING {
                store::set_status(
                    &self.db,
                    &row.id,
                    COMPENSATING,
                    None,
                    Some(("unexpected_state", "interrupted; compensated on recovery")),
                    Some(now() + self.lease),
                )
                .await?;
            }
            self.compensate(wf, &row.id, &row.input, &outputs).await
        }
    }

    /// The journal status of an execution (`running`, `compensating`, `succeeded`, `compensated`).
    pub async fn status(&self, execution_id: &str) -> CoreResult<Option<(String, Option<String>)>> {
        Ok(store::get(&self.db, execution_id)
            .await?
            .map(|r| (r.status, r.error_kind.or(r.error))))
    }
}

/// A task that ends with its handle.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The journal's error kind and message for a failed step.
fn failure(error: &StepError) -> (&'static str, String) {
    match error {
        StepError::Domain(d) => (kind_name(d.kind), d.message.clone()),
        StepError::Other(e) => ("unexpected_state", format!("{e:#}")),
    }
}

fn into_core(error: StepError) -> CoreError {
    match error {
        StepError::Domain(d) => d.into(),
        StepError::Other(e) => CoreError::Other(e),
    }
}

fn outputs_of(output: Option<Value>) -> Vec<Value> {
    match output {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}
