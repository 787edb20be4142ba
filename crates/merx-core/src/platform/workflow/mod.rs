//! The workflow (saga) engine. A workflow is a list of steps, each with `invoke` and `compensate`.
//! Every execution has a journal in the database: the execution row and one row per completed step
//! with its output. If a step fails, the completed steps are compensated in reverse order. If the
//! process dies, another (or the restarted one) finds the execution through its expired lease and
//! resumes it from the journal — completed steps are not run again — or compensates it, as the
//! workflow chooses.

mod engine;
mod store;

use std::sync::Arc;

pub use engine::{Completed, WorkflowEngine};

use merx_db::Db;
use merx_types::DomainError;
use serde_json::Value;

use super::BoxFuture;

/// What a step sees.
pub struct StepContext<'a> {
    pub db: &'a Db,
    pub execution_id: &'a str,
    /// Position of this step in the workflow.
    pub index: usize,
    /// The workflow's input.
    pub input: &'a Value,
    /// Outputs of the steps before this one, in order.
    pub outputs: &'a [Value],
    pub(crate) step_name: &'a str,
    /// Lease to renew when journalling this step.
    pub(crate) lease_until: time::OffsetDateTime,
    /// Whether this is the workflow's last step (journalling it also completes the execution).
    pub(crate) last: bool,
    /// Set once the step journalled itself in its own transaction.
    pub(crate) journaled: std::sync::atomic::AtomicBool,
    /// Earlier steps' outputs not journalled yet ([`Step::defer_journal`]); the next journal
    /// write, this step's included, writes them first.
    pub(crate) deferred: &'a [Deferred],
    /// What the caller of this run already had in hand (see [`WorkflowEngine::run_warm`]);
    /// `None` on recovery.
    pub(crate) warm: Option<&'a (dyn std::any::Any + Send + Sync)>,
    /// The execution row not written yet ([`Step::opens_execution`]): `journal_in` writes it.
    pub(crate) unopened: Option<Unopened<'a>>,
    /// Set when `journal_in` found the key held by another execution.
    pub(crate) key_taken: std::sync::atomic::AtomicBool,
}

/// What the execution row of a run not written yet holds.
#[derive(Clone, Copy)]
pub(crate) struct Unopened<'a> {
    pub workflow: &'a str,
    pub key: Option<&'a str>,
    pub owner: &'a str,
}

/// A step output whose journal entry waits for the next journal write.
#[derive(Clone)]
pub(crate) struct Deferred {
    pub index: usize,
    pub name: String,
    pub output: Value,
}

impl StepContext<'_> {
    /// Journals this step's `output` inside the step's own transaction `tx`, so the step's effect
    /// and its journal entry commit together (and the engine skips its separate journal write).
    /// Call it last, right before committing `tx`.
    pub async fn journal_in(&self, tx: &mut merx_db::Tx, output: &Value) -> merx_db::DbResult<()> {
        let outputs = self.last.then(|| {
            let mut all = self.outputs.to_vec();
            all.push(output.clone());
            Value::Array(all)
        });
        if let Some(u) = self.unopened {
            let opened = store::insert(
                tx,
                self.execution_id,
                u.workflow,
                u.key,
                self.input,
                self.lease_until,
                u.owner,
            )
            .await;
            if let Err(e) = &opened {
                if e.is_unique_violation() {
                    self.key_taken
                        .store(true, std::sync::atomic::Ordering::Release);
                }
            }
            opened?;
        }
        let mut entries = self.deferred.to_vec();
        entries.push(Deferred {
            index: self.index,
            name: self.step_name.to_string(),
            output: output.clone(),
        });
        store::insert_steps(tx, self.execution_id, &entries).await?;
        // A row written just now already holds this lease.
        let renew = self.unopened.is_none().then_some(self.lease_until);
        store::advance(tx, self.execution_id, renew, outputs.as_ref()).await?;
        self.journaled
            .store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// What the caller of this run passed in hand, if it is a `T` (never on recovery: read the
    /// state afresh then).
    pub fn warm<T: 'static>(&self) -> Option<&T> {
        self.warm.and_then(|w| w.downcast_ref::<T>())
    }

    /// A key unique to this step of this execution, to pass to external providers so that a step
    /// re-run after a crash is recognised as the same request.
    pub fn idempotency_key(&self) -> String {
        format!("{}:{}", self.execution_id, self.index)
    }
}

/// Why a step failed: the client's mistake (reported as such) or anything else.
#[derive(Debug)]
pub enum StepError {
    Domain(DomainError),
    Other(anyhow::Error),
}

impl From<DomainError> for StepError {
    fn from(e: DomainError) -> Self {
        StepError::Domain(e)
    }
}

impl From<anyhow::Error> for StepError {
    fn from(e: anyhow::Error) -> Self {
        StepError::Other(e)
    }
}

impl From<crate::CoreError> for StepError {
    fn from(e: crate::CoreError) -> Self {
        match e {
            crate::CoreError::Domain(d) => StepError::Domain(d),
            other => StepError::Other(anyhow::Error::new(other)),
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Domain(e) => write!(f, "{}", e.message),
            StepError::Other(e) => write!(f, "{e:#}"),
        }
    }
}

/// One step of a workflow.
pub trait Step: Send + Sync + 'static {
    fn name(&self) -> &str;
    /// Does the step's work; the output is journalled and handed to later steps and to
    /// `compensate`.
    fn invoke<'a>(&'a self, ctx: &'a StepContext<'a>) -> BoxFuture<'a, Result<Value, StepError>>;
    /// True when the step may go unjournalled until the next step's journal write: it costs a
    /// transaction less, and a crash in between runs the step again on recovery, so only steps
    /// that find their own earlier effect (and return the same output) may say so.
    fn defer_journal(&self) -> bool {
        false
    }
    /// True when the step's every effect is in the one transaction it journals itself in
    /// ([`StepContext::journal_in`]). As a workflow's first step it then also writes the execution
    /// row there, a transaction less; a run whose key is taken rolls back with it and is answered
    /// as [`WorkflowEngine::run`] says.
    fn opens_execution(&self) -> bool {
        false
    }
    /// Undoes a completed invoke. Must tolerate being called again after a crash.
    fn compensate<'a>(
        &'a self,
        ctx: &'a StepContext<'a>,
        output: &'a Value,
    ) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// What to do with an execution found unfinished after a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Continue with the first step that has no journalled output.
    Resume,
    /// Undo the completed steps.
    Compensate,
}

/// A named list of steps.
#[derive(Clone)]
pub struct Workflow {
    pub name: String,
    pub steps: Vec<Arc<dyn Step>>,
    pub recovery: Recovery,
}

impl Workflow {
    pub fn new(name: impl Into<String>, recovery: Recovery) -> Self {
        Self {
            name: name.into(),
            steps: Vec::new(),
            recovery,
        }
    }

    pub fn step(mut self, step: impl Step) -> Self {
        self.steps.push(Arc::new(step));
        self
    }
}
