//! The platform on both engines: outbox delivery guarantees, subscribers, dead letters, the
//! workflow engine's compensation and recovery, and the job scheduler.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use merx_core::platform::bus::Invalidator;
use merx_core::platform::db_invalidation;
use merx_core::platform::events::{append, Event, NewEvent};
use merx_core::platform::freshness::{self, ReadModel};
use merx_core::platform::jobs::{Job, Scheduler};
use merx_core::platform::outbox::{
    DeliveryFilter, DeliveryStatus, DispatchConfig, Dispatcher, OutboxService,
};
use merx_core::platform::subscribers::{Subscriber, Subscribers};
use merx_core::platform::workflow::{
    Recovery, Step, StepContext, StepError, Workflow, WorkflowEngine,
};
use merx_core::platform::BoxFuture;
use merx_db::testing::TestDb;
use merx_db::{both_engines, query, Backend, Db, DbOptions, Tx};
use merx_types::{DomainError, PageRequest};
use serde_json::{json, Value};

fn fast() -> DispatchConfig {
    DispatchConfig {
        base_backoff: Duration::ZERO,
        max_attempts: 5,
        ..DispatchConfig::default()
    }
}

async fn effects_table(db: &Db) {
    db.execute_script("CREATE TABLE effect (event_id TEXT NOT NULL, subscriber TEXT NOT NULL, seen_seq BIGINT NOT NULL)")
        .await
        .unwrap();
}

async fn effects(db: &Db, subscriber: &str) -> Vec<(String, i64)> {
    db.fetch_all(
        query("SELECT event_id, seen_seq FROM effect WHERE subscriber = ? ORDER BY seen_seq")
            .bind(subscriber),
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.text("event_id").unwrap(), r.int("seen_seq").unwrap()))
    .collect()
}

/// Writes an effect row per event; fails (after writing, so the write must roll back) while
/// `failures_left` is positive.
struct Recorder {
    name: String,
    calls: AtomicUsize,
    failures_left: AtomicUsize,
}

impl Recorder {
    fn new(name: &str, failures: usize) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            calls: AtomicUsize::new(0),
            failures_left: AtomicUsize::new(failures),
        })
    }
}

impl Subscriber for Recorder {
    fn name(&self) -> &str {
        &self.name
    }
    fn events(&self) -> Vec<String> {
        vec!["test.*".into()]
    }
    fn handle<'a>(&'a self, event: &'a Event, tx: &'a mut Tx) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tx.execute(
                query("INSERT INTO effect (event_id, subscriber, seen_seq) VALUES (?, ?, ?)")
                    .bind(&event.id)
                    .bind(&self.name)
                    .bind(event.seq),
            )
            .await?;
            let left = self.failures_left.load(Ordering::SeqCst);
            if left > 0 {
                self.failures_left.store(left - 1, Ordering::SeqCst);
                anyhow::bail!("simulated failure");
            }
            Ok(())
        })
    }
}

async fn emit(db: &Db, name: &str, aggregate: &str) -> String {
    let mut tx = db.begin().await.unwrap();
    let id = append(
        &mut tx,
        NewEvent::new(name, "thing", aggregate, json!({"a": aggregate})),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn subscribers(list: &[Arc<Recorder>]) -> Subscribers {
    let mut s = Subscribers::new();
    for r in list {
        s.register(r.clone());
    }
    s
}

async fn rolled_back_events_are_never_delivered(db: Db) {
    effects_table(&db).await;
    let rec = Recorder::new("rec", 0);
    let dispatcher = Dispatcher::new(db.clone(), subscribers(std::slice::from_ref(&rec)), fast());
    let mut tx = db.begin().await.unwrap();
    append(
        &mut tx,
        NewEvent::new("test.rolled_back", "thing", "t1", json!({})),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    let committed = emit(&db, "test.committed", "t2").await;
    dispatcher.run_once().await.unwrap();
    assert_eq!(rec.calls.load(Ordering::SeqCst), 1);
    let seen = effects(&db, "rec").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, committed);
}
both_engines!(
    an_event_in_a_rolled_back_transaction_is_never_delivered,
    rolled_back_events_are_never_delivered
);

async fn failing_subscriber_sees_three_times_effect_once(db: Db) {
    effects_table(&db).await;
    let rec = Recorder::new("flaky", 2);
    let dispatcher = Dispatcher::new(db.clone(), subscribers(std::slice::from_ref(&rec)), fast());
    emit(&db, "test.happened", "t1").await;
    dispatcher.run_once().await.unwrap();
    assert_eq!(
        rec.calls.load(Ordering::SeqCst),
        3,
        "two failures then a success"
    );
    assert_eq!(
        effects(&db, "flaky").await.len(),
        1,
        "the effect happened once"
    );
    let outbox = OutboxService::new(db.clone());
    let page = outbox
        .list_deliveries(
            &DeliveryFilter::default(),
            PageRequest {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].status, DeliveryStatus::Delivered);
    assert_eq!(page.items[0].attempts, 3);
    // Delivering again (e.g. a duplicate after a crash) does not repeat the effect.
    dispatcher.run_once().await.unwrap();
    assert_eq!(effects(&db, "flaky").await.len(), 1);
}
both_engines!(
    a_subscriber_failing_twice_sees_the_event_three_times_and_its_effect_once,
    failing_subscriber_sees_three_times_effect_once
);

async fn order_is_kept_per_aggregate(db: Db) {
    effects_table(&db).await;
    // The first delivery fails once; the second event of the same aggregate must wait for it.
    let rec = Recorder::new("ordered", 1);
    let dispatcher = Dispatcher::new(db.clone(), subscribers(std::slice::from_ref(&rec)), fast());
    let first = emit(&db, "test.one", "agg").await;
    let second = emit(&db, "test.two", "agg").await;
    dispatcher.deliver_due().await.unwrap();
    dispatcher.fan_out().await.unwrap();
    let (delivered, failed) = dispatcher.deliver_due().await.unwrap();
    assert_eq!(
        (delivered, failed),
        (0, 1),
        "only the first event was attempted"
    );
    dispatcher.run_once().await.unwrap();
    let seen: Vec<String> = effects(&db, "ordered")
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(seen, vec![first, second]);
}
both_engines!(
    deliveries_keep_event_order_per_aggregate_even_across_retries,
    order_is_kept_per_aggregate
);

async fn dead_letters_and_replay(db: Db) {
    effects_table(&db).await;
    let rec = Recorder::new("broken", 100);
    let config = DispatchConfig {
        max_attempts: 3,
        ..fast()
    };
    let dispatcher = Dispatcher::new(db.clone(), subscribers(std::slice::from_ref(&rec)), config);
    emit(&db, "test.doomed", "t1").await;
    dispatcher.run_once().await.unwrap();
    assert_eq!(rec.calls.load(Ordering::SeqCst), 3);
    let outbox = OutboxService::new(db.clone());
    let dead = DeliveryFilter {
        status: Some(DeliveryStatus::Dead),
        ..DeliveryFilter::default()
    };
    let page = outbox
        .list_deliveries(
            &dead,
            PageRequest {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.count, 1);
    assert!(page.items[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("simulated failure"));
    dispatcher.run_once().await.unwrap();
    assert_eq!(
        rec.calls.load(Ordering::SeqCst),
        3,
        "dead letters are not retried"
    );
    // The subscriber is fixed; the operator replays.
    rec.failures_left.store(0, Ordering::SeqCst);
    outbox.replay(&page.items[0].id).await.unwrap();
    dispatcher.run_once().await.unwrap();
    assert_eq!(effects(&db, "broken").await.len(), 1);
    let delivered = outbox
        .list_deliveries(
            &DeliveryFilter::default(),
            PageRequest {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(delivered.items[0].status, DeliveryStatus::Delivered);
    let again = outbox.replay(&delivered.items[0].id).await.unwrap_err();
    assert!(
        again.to_string().contains("only dead deliveries"),
        "{again}"
    );
    assert!(outbox.replay("dlv_missing").await.is_err());
}
both_engines!(
    deliveries_are_dead_lettered_after_the_limit_and_can_be_replayed,
    dead_letters_and_replay
);

async fn two_dispatchers_exactly_once(backend: Backend) {
    let Some(t) = TestDb::new(backend).await else {
        return;
    };
    let db = t.db.clone();
    effects_table(&db).await;
    // Two processes: each with its own connection pool and its own instances of the subscribers.
    let other = Db::connect(&t.url, &DbOptions::default()).await.unwrap();
    let a = [Recorder::new("s1", 0), Recorder::new("s2", 0)];
    let b = [Recorder::new("s1", 0), Recorder::new("s2", 0)];
    let da = Dispatcher::new(
        db.clone(),
        subscribers(&a),
        DispatchConfig {
            batch_size: 7,
            ..fast()
        },
    );
    let dbb = Dispatcher::new(
        other.clone(),
        subscribers(&b),
        DispatchConfig {
            batch_size: 5,
            ..fast()
        },
    );
    let n = 60;
    let producer = {
        let db = db.clone();
        tokio::spawn(async move {
            for i in 0..n {
                emit(&db, "test.tick", &format!("agg{}", i % 7)).await;
            }
        })
    };
    let run = |d: Dispatcher| {
        tokio::spawn(async move {
            for _ in 0..40 {
                d.run_once().await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let (ta, tb) = (run(da.clone()), run(dbb.clone()));
    producer.await.unwrap();
    ta.await.unwrap();
    tb.await.unwrap();
    da.run_once().await.unwrap();
    for sub in ["s1", "s2"] {
        let seen = effects(&db, sub).await;
        assert_eq!(seen.len(), n, "{sub} saw every event exactly once");
        let mut ids: Vec<_> = seen.iter().map(|e| e.0.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
    let calls: usize = a
        .iter()
        .chain(b.iter())
        .map(|r| r.calls.load(Ordering::SeqCst))
        .sum();
    assert_eq!(calls, 2 * n, "no delivery was attempted twice");
    other.close().await;
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_on_one_sqlite_file_deliver_each_event_exactly_once_to_each_subscriber() {
    two_dispatchers_exactly_once(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_on_one_postgres_deliver_each_event_exactly_once_to_each_subscriber() {
    two_dispatchers_exactly_once(Backend::Postgres).await
}

/// A failed delivery falls due while other events keep waking the dispatcher (so its polling timer
/// never fires): the retry still happens, and the woken passes, which only deliver what they fanned
/// out, do not starve it.
async fn retries_happen_under_steady_appends(db: Db) {
    effects_table(&db).await;
    let rec = Recorder::new("flaky", 1);
    let config = DispatchConfig {
        base_backoff: Duration::from_millis(300),
        ..DispatchConfig::default()
    };
    let dispatcher = Dispatcher::new(db.clone(), subscribers(std::slice::from_ref(&rec)), config);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(dispatcher.run(stopped));
    emit(&db, "test.first", "t1").await;
    let started = std::time::Instant::now();
    let mut delivered = false;
    while started.elapsed() < Duration::from_secs(5) {
        // Not for the subscriber: these only wake the dispatcher.
        emit(&db, "other.tick", "noise").await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        if effects(&db, "flaky").await.len() == 1 && rec.calls.load(Ordering::SeqCst) == 2 {
            delivered = true;
            break;
        }
    }
    let _ = stop.send(true);
    running.await.unwrap();
    assert!(
        delivered,
        "the retry was made while appends continued ({} calls)",
        rec.calls.load(Ordering::SeqCst)
    );
}
both_engines!(
    a_failed_delivery_is_retried_while_other_events_keep_arriving,
    retries_happen_under_steady_appends
);

/// A step that logs its invokes and compensations, and fails or hangs on demand.
struct Logged {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
    fail: bool,
    /// Hang (never complete) on the first invoke, as a process that dies mid-workflow would.
    hang_first: Arc<AtomicUsize>,
    /// Let the next journal write carry this step's entry.
    defer: bool,
}

impl Step for Logged {
    fn name(&self) -> &str {
        self.name
    }
    fn defer_journal(&self) -> bool {
        self.defer
    }
    fn invoke<'a>(&'a self, ctx: &'a StepContext<'a>) -> BoxFuture<'a, Result<Value, StepError>> {
        Box::pin(async move {
            if self.hang_first.fetch_sub(1, Ordering::SeqCst) == 1 {
                std::future::pending::<()>().await;
            }
            self.log
                .lock()
                .unwrap()
                .push(format!("invoke {}", self.name));
            if self.fail {
                return Err(DomainError::not_allowed(format!("{} refused", self.name)).into());
            }
            Ok(
                json!({"step": self.name, "index": ctx.index, "saw": ctx.outputs.len(),
                      "warm": ctx.warm::<String>()}),
            )
        })
    }
    fn compensate<'a>(
        &'a self,
        _: &'a StepContext<'a>,
        output: &'a Value,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            assert_eq!(output["step"], self.name);
            self.log
                .lock()
                .unwrap()
                .push(format!("compensate {}", self.name));
            Ok(())
        })
    }
}

fn step(name: &'static str, log: &Arc<Mutex<Vec<String>>>, fail: bool, hang: usize) -> Logged {
    Logged {
        name,
        log: log.clone(),
        fail,
        hang_first: Arc::new(AtomicUsize::new(hang)),
        defer: false,
    }
}

/// A step whose journal entry waits for the next journal write.
fn deferred(name: &'static str, log: &Arc<Mutex<Vec<String>>>, hang: usize) -> Logged {
    Logged {
        defer: true,
        ..step(name, log, false, hang)
    }
}

/// The journal: (index, status) of each step row.
async fn journal(db: &Db) -> Vec<(i64, String)> {
    db.fetch_all(merx_db::query(
        "SELECT idx, status FROM workflow_step ORDER BY execution_id, idx",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| (r.int("idx").unwrap(), r.text("status").unwrap()))
    .collect()
}

async fn third_step_failure_compensates_in_reverse(db: Db) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut engine = WorkflowEngine::new(db.clone());
    engine.register(
        Workflow::new("three", Recovery::Compensate)
            .step(step("one", &log, false, 0))
            .step(step("two", &log, false, 0))
            .step(step("three", &log, true, 0)),
    );
    let err = engine
        .run("three", Some("k1"), json!({}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("three refused"), "{err}");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "invoke one",
            "invoke two",
            "invoke three",
            "compensate two",
            "compensate one"
        ]
    );
    // A failed run frees its key: the same key may run again.
    log.lock().unwrap().clear();
    assert!(engine.run("three", Some("k1"), json!({})).await.is_err());
    assert_eq!(log.lock().unwrap().len(), 5);
}
both_engines!(
    a_workflow_whose_third_step_fails_compensates_steps_two_and_one_in_that_order,
    third_step_failure_compensates_in_reverse
);

async fn succeeded_key_replays(db: Db) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut engine = WorkflowEngine::new(db.clone());
    engine.register(Workflow::new("once", Recovery::Resume).step(step("only", &log, false, 0)));
    let first = engine
        .run("once", Some("cart_1"), json!({"x": 1}))
        .await
        .unwrap();
    let second = engine
        .run("once", Some("cart_1"), json!({"x": 1}))
        .await
        .unwrap();
    assert!(!first.replayed && second.replayed);
    assert_eq!(first.execution_id, second.execution_id);
    assert_eq!(first.outputs, second.outputs);
    assert_eq!(log.lock().unwrap().len(), 1, "ran once");
}
both_engines!(
    a_workflow_run_twice_with_one_key_runs_once,
    succeeded_key_replays
);

async fn interrupted_workflow_resumes(db: Db) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let build = |hang: usize| {
        let mut engine = WorkflowEngine::new(db.clone()).with_lease(Duration::from_millis(200));
        engine.register(
            Workflow::new("resumable", Recovery::Resume)
                .step(step("one", &log, false, 0))
                .step(step("two", &log, false, hang))
                .step(step("three", &log, false, 0)),
        );
        engine
    };
    // The first process runs step one, then dies while in step two.
    let first = build(1);
    let run = tokio::spawn(async move {
        first
            .run("resumable", Some("r1"), json!({"order": 7}))
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    run.abort();
    assert!(run.await.is_err(), "the run was killed");
    assert_eq!(*log.lock().unwrap(), ["invoke one"]);

    // A new process: nothing to recover while the dead one's lease holds, then it resumes.
    let second = build(0);
    assert_eq!(second.recover().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(second.recover().await.unwrap(), 1);
    assert_eq!(
        *log.lock().unwrap(),
        ["invoke one", "invoke two", "invoke three"],
        "step one was not run twice"
    );
    let replay = second
        .run("resumable", Some("r1"), json!({"order": 7}))
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.outputs.len(), 3);
    assert_eq!(
        replay.outputs[2]["saw"], 2,
        "step three saw the journalled outputs"
    );
    assert_eq!(second.recover().await.unwrap(), 0);
}
both_engines!(
    a_workflow_interrupted_between_steps_is_resumed_from_its_journal,
    interrupted_workflow_resumes
);

async fn interrupted_workflow_compensates_when_asked(db: Db) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let build = |hang: usize| {
        let mut engine = WorkflowEngine::new(db.clone()).with_lease(Duration::from_millis(100));
        engine.register(
            Workflow::new("undo", Recovery::Compensate)
                .step(step("one", &log, false, 0))
                .step(step("two", &log, false, hang)),
        );
        engine
    };
    let first = build(1);
    let run = tokio::spawn(async move { first.run("undo", None, json!({})).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    run.abort();
    let _ = run.await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(build(0).recover().await.unwrap(), 1);
    assert_eq!(*log.lock().unwrap(), ["invoke one", "compensate one"]);
}
both_engines!(
    an_interrupted_workflow_that_asks_for_it_is_compensated_on_recovery,
    interrupted_workflow_compensates_when_asked
);

async fn deferred_journal_entries(db: Db) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut engine = WorkflowEngine::new(db.clone());
    engine.register(
        Workflow::new("pay", Recovery::Resume)
            .step(step("reserve", &log, false, 0))
            .step(deferred("authorize", &log, 0))
            .step(step("order", &log, false, 0)),
    );
    let warm = "in hand".to_string();
    let done = engine
        .run_warm("pay", Some("c1"), json!({}), Some(&warm))
        .await
        .unwrap();
    assert_eq!(
        done.outputs[1]["warm"], "in hand",
        "steps see the warm value"
    );
    assert_eq!(done.outputs[2]["saw"], 2);
    assert_eq!(
        journal(&db).await,
        [(0, "done".into()), (1, "done".into()), (2, "done".into())],
        "the deferred entry was written with the next one"
    );
    assert!(
        engine
            .run("pay", Some("c1"), json!({}))
            .await
            .unwrap()
            .replayed
    );

    // A failure right after a deferred step still compensates it, journalled as such.
    let mut failing = WorkflowEngine::new(db.clone());
    failing.register(
        Workflow::new("refused", Recovery::Compensate)
            .step(deferred("authorize", &log, 0))
            .step(step("order", &log, true, 0)),
    );
    log.lock().unwrap().clear();
    assert!(failing.run("refused", None, json!({})).await.is_err());
    assert_eq!(
        *log.lock().unwrap(),
        ["invoke authorize", "invoke order", "compensate authorize"]
    );
    let rows = journal(&db).await;
    assert!(
        rows.contains(&(0, "compensated".into())) && rows.len() == 4,
        "{rows:?}"
    );
}
both_engines!(
    a_deferred_journal_entry_is_written_by_the_next_step_and_compensated_on_failure,
    deferred_journal_entries
);

async fn deferred_step_reruns_after_a_crash(db: Db) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let build = |hang: usize| {
        let mut engine = WorkflowEngine::new(db.clone()).with_lease(Duration::from_millis(200));
        engine.register(
            Workflow::new("pay", Recovery::Resume)
                .step(step("reserve", &log, false, 0))
                .step(deferred("authorize", &log, 0))
                .step(step("order", &log, false, hang)),
        );
        engine
    };
    let first = build(1);
    let warm = "in hand".to_string();
    let run = tokio::spawn(async move {
        first
            .run_warm("pay", Some("c2"), json!({}), Some(&warm))
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    run.abort();
    assert!(run.await.is_err(), "the run was killed");
    assert_eq!(*log.lock().unwrap(), ["invoke reserve", "invoke authorize"]);
    assert_eq!(
        journal(&db).await,
        [(0, "done".into())],
        "authorize not journalled yet"
    );

    tokio::time::sleep(Duration::from_millis(250)).await;
    let second = build(0);
    assert_eq!(second.recover().await.unwrap(), 1);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "invoke reserve",
            "invoke authorize",
            "invoke authorize",
            "invoke order"
        ],
        "the unjournalled step ran again, the journalled one did not"
    );
    let replay = second.run("pay", Some("c2"), json!({})).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(
        replay.outputs[1]["warm"],
        Value::Null,
        "no warm value on recovery"
    );
}
both_engines!(
    a_deferred_step_interrupted_before_its_journal_entry_runs_again_on_recovery,
    deferred_step_reruns_after_a_crash
);

/// A first step that does its work in one transaction and writes the execution row there: an
/// effect row, a pause (so that runs overlap), then its journal entry.
struct Opening {
    fail: bool,
    pause: Duration,
}

impl Step for Opening {
    fn name(&self) -> &str {
        "open"
    }
    fn opens_execution(&self) -> bool {
        true
    }
    fn invoke<'a>(&'a self, ctx: &'a StepContext<'a>) -> BoxFuture<'a, Result<Value, StepError>> {
        Box::pin(async move {
            let other = |e: merx_db::DbError| StepError::Other(e.into());
            let mut tx = ctx.db.begin().await.map_err(other)?;
            tx.execute(
                query("INSERT INTO effect (event_id, subscriber, seen_seq) VALUES (?, 'open', 0)")
                    .bind(ctx.execution_id),
            )
            .await
            .map_err(other)?;
            if self.fail {
                return Err(DomainError::not_allowed("open refused").into());
            }
            tokio::time::sleep(self.pause).await;
            let output = json!({"opened": ctx.execution_id});
            ctx.journal_in(&mut tx, &output).await.map_err(other)?;
            tx.commit().await.map_err(other)?;
            Ok(output)
        })
    }
    fn compensate<'a>(
        &'a self,
        _: &'a StepContext<'a>,
        _: &'a Value,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// (id, status, error_kind) of every execution.
async fn executions(db: &Db) -> Vec<(String, String, Option<String>)> {
    db.fetch_all(query(
        "SELECT id, status, error_kind FROM workflow_execution ORDER BY created_at, id",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.text("id").unwrap(),
            r.text("status").unwrap(),
            r.opt_text("error_kind").unwrap(),
        )
    })
    .collect()
}

fn opening_engine(db: &Db, log: &Arc<Mutex<Vec<String>>>, fail: bool) -> WorkflowEngine {
    let mut engine = WorkflowEngine::new(db.clone());
    engine.register(
        Workflow::new("opened", Recovery::Resume)
            .step(Opening {
                fail,
                pause: Duration::from_millis(150),
            })
            .step(step("then", log, false, 0)),
    );
    engine
}

async fn first_step_opens_the_execution(db: Db) {
    effects_table(&db).await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let engine = opening_engine(&db, &log, false);
    let (a, b) = tokio::join!(
        engine.run("opened", Some("cart_9"), json!({})),
        engine.run("opened", Some("cart_9"), json!({}))
    );
    let (won, lost) = match (a, b) {
        (Ok(w), other) if !w.replayed => (w, other),
        (other, Ok(w)) if !w.replayed => (w, other),
        (a, b) => panic!("no run won: {a:?} / {b:?}"),
    };
    match lost {
        Ok(replay) => assert!(replay.replayed && replay.execution_id == won.execution_id),
        Err(e) => assert!(e.to_string().contains("already in progress"), "{e}"),
    }
    let opened: Vec<String> = db
        .fetch_all(query(
            "SELECT event_id FROM effect WHERE subscriber = 'open'",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.text("event_id").unwrap())
        .collect();
    assert_eq!(
        opened,
        std::slice::from_ref(&won.execution_id),
        "the losing run's effect rolled back"
    );
    assert_eq!(
        executions(&db).await,
        [(won.execution_id.clone(), "succeeded".into(), None)],
        "the losing run left no execution"
    );
    assert_eq!(journal(&db).await, [(0, "done".into()), (1, "done".into())]);
    assert_eq!(*log.lock().unwrap(), ["invoke then"]);
    let replay = engine
        .run("opened", Some("cart_9"), json!({}))
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.outputs, won.outputs);
}
both_engines!(
    a_first_step_that_opens_its_execution_runs_once_per_key_and_a_concurrent_run_rolls_back,
    first_step_opens_the_execution
);

async fn failed_opening_step_is_journalled(db: Db) {
    effects_table(&db).await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let err = opening_engine(&db, &log, true)
        .run("opened", Some("cart_8"), json!({}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("open refused"), "{err}");
    let failed = executions(&db).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].1.as_str(), failed[0].2.as_deref()),
        ("compensated", Some("not_allowed")),
        "the failed run is journalled, holding no key"
    );
    let effects = db
        .fetch_all(query("SELECT event_id FROM effect"))
        .await
        .unwrap();
    assert!(effects.is_empty(), "the failed step's write rolled back");
    let done = opening_engine(&db, &log, false)
        .run("opened", Some("cart_8"), json!({}))
        .await
        .unwrap();
    assert!(!done.replayed, "the key was free for a retry");
    assert_eq!(executions(&db).await.len(), 2);
}
both_engines!(
    a_first_step_that_fails_before_opening_its_execution_is_journalled_as_failed,
    failed_opening_step_is_journalled
);

/// Two processes on one Postgres database, no NATS: an invalidation in one reaches the other's
/// caches through the database, and the sender does not hear its own a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_invalidations_reach_other_processes_through_postgres() {
    let Some(t) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let other = Db::connect(&t.url, &DbOptions::default()).await.unwrap();
    let a = db_invalidation::connect(&t.db, Invalidator::new())
        .await
        .unwrap();
    let b = db_invalidation::connect(&other, Invalidator::new())
        .await
        .unwrap();
    let (mut heard_a, mut heard_b) = (a.subscribe(), b.subscribe());
    let before = freshness::version(ReadModel::Logistics);
    b.invalidate(ReadModel::Logistics.key()).await;
    a.invalidate("product:p_1").await;
    let got_b = tokio::time::timeout(Duration::from_secs(5), heard_b.recv())
        .await
        .expect("b heard its own at once")
        .unwrap();
    assert_eq!(got_b, ReadModel::Logistics.key());
    let got_b = tokio::time::timeout(Duration::from_secs(5), heard_b.recv())
        .await
        .expect("a's invalidation reached b")
        .unwrap();
    assert_eq!(got_b, "product:p_1");
    let mut got_a = Vec::new();
    for _ in 0..2 {
        got_a.push(
            tokio::time::timeout(Duration::from_secs(5), heard_a.recv())
                .await
                .expect("a heard both")
                .unwrap(),
        );
    }
    got_a.sort();
    assert_eq!(got_a, ["product:p_1", ReadModel::Logistics.key()]);
    assert!(
        freshness::version(ReadModel::Logistics) > before,
        "a read model's key moves its version on"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(heard_a.try_recv().is_err(), "a heard its own only once");
    assert!(heard_b.try_recv().is_err(), "b heard its own only once");
    t.cleanup().await;
}

/// On SQLite there is no channel between processes: the invalidator stays local.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_invalidations_stay_local_on_sqlite() {
    let Some(t) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let a = db_invalidation::connect(&t.db, Invalidator::new())
        .await
        .unwrap();
    let mut heard = a.subscribe();
    a.invalidate("product:p_2").await;
    assert_eq!(heard.recv().await.unwrap(), "product:p_2");
    t.cleanup().await;
}

async fn jobs_run_once_per_period_across_processes(db: Db) {
    let runs = Arc::new(AtomicUsize::new(0));
    let scheduler = || {
        let mut s = Scheduler::new(db.clone());
        let runs = runs.clone();
        s.add(Job::new("count", Duration::from_secs(3600), move || {
            let runs = runs.clone();
            Box::pin(async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        }));
        s
    };
    let (a, b) = (scheduler(), scheduler());
    let ticks: Vec<_> = (0..6)
        .map(|i| {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { s.tick().await.unwrap() })
        })
        .collect();
    for t in ticks {
        t.await.unwrap();
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "one run in the period, whoever ticked"
    );
}
both_engines!(
    a_job_runs_once_per_period_whatever_the_number_of_schedulers,
    jobs_run_once_per_period_across_processes
);
