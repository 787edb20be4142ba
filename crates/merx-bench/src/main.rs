//! `merx-bench`: seeds a store, starts the real `merx` server on loopback, and measures it under
//! load (or measures a server already running, with `--target`). See `docs/benchmarks.md`.

mod autoanalyze;
mod cli;
mod database;
mod fixture;
mod http;
mod report;
mod scenarios;
mod seed;
mod server;
mod stats;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use serde_json::{json, Value};

use autoanalyze::AutoAnalyze;
use cli::{Cli, Scenario};
use database::Database;
use fixture::Fixture;
use http::Api;
use report::round;
use server::Server;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("merx-bench: starting the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("merx-bench: an invariant failed (see the flash-sale line above)");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("merx-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Ok(false) when a scenario broke an invariant.
async fn run(cli: Cli) -> anyhow::Result<bool> {
    cli.validate()?;
    match cli.target.clone() {
        Some(target) => run_against(&cli, &target).await,
        None => run_local(&cli).await,
    }
}

/// Seeds, starts the server, runs, and removes what it made (unless --keep-db).
async fn run_local(cli: &Cli) -> anyhow::Result<bool> {
    // Before minutes of seeding: is there a server to start at all?
    let binary = server::merx_binary()?;
    let work = database::work_dir()?;
    let database = Database::create(cli.database_url.as_deref(), &work).await;
    let result = match database {
        Ok(database) => {
            let result = seed_and_measure(cli, &binary, &work, &database).await;
            if cli.keep_db {
                database.db.close().await;
                eprintln!("kept the database: {}", merx_db::redact_url(&database.url));
            } else if let Err(e) = database.remove().await {
                eprintln!("merx-bench: removing the benchmark database: {e:#}");
            }
            result
        }
        Err(e) => Err(e),
    };
    if cli.keep_db {
        eprintln!("kept the work directory: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    result
}

async fn seed_and_measure(
    cli: &Cli,
    binary: &Path,
    work: &Path,
    database: &Database,
) -> anyhow::Result<bool> {
    eprintln!(
        "seeding {} products into a fresh {} database ({})",
        cli.products,
        database.engine(),
        merx_db::redact_url(&database.url)
    );
    let core = merx_core::Core::new(database.db.clone());
    // SQLite has one writer, so more tasks only queue; Postgres takes writers in parallel.
    let tasks = match database.backend {
        merx_db::Backend::Sqlite => 2,
        merx_db::Backend::Postgres => 6,
    };
    let started = Instant::now();
    let fixture = seed::seed(&core, cli.products, cli.units, tasks)
        .await
        .context("seeding")?;
    let seed_seconds = started.elapsed().as_secs_f64();
    eprintln!("seeding took {seed_seconds:.1}s in all");
    // The server gets the database to itself.
    database.db.close().await;

    let mut server = Server::start(binary, &database.url, work, "server").await?;
    let start_ms = server.start_to_health.as_secs_f64() * 1000.0;
    let idle_rss = server.rss_mb();
    eprintln!(
        "merx (pid {}) at {}: start to first /health {start_ms:.1} ms, RSS idle {} MB",
        server.pid(),
        server.base,
        idle_rss.map(|r| format!("{r:.1}")).unwrap_or("?".into())
    );
    let setup = json!({
        "setup": true,
        "engine": database.engine(),
        "products": cli.products,
        "variants": fixture.variants.len(),
        "seed_seconds": round(seed_seconds, 1),
        "start_to_health_ms": round(start_ms, 1),
        "server_rss_idle_mb": idle_rss.map(|r| round(r, 1)),
        "concurrency": cli.concurrency,
    });
    // More processes on the same database, started once the first has migrated it.
    let mut others = Vec::new();
    for n in 2..=cli.servers {
        let other = Server::start(binary, &database.url, work, &format!("server-{n}")).await?;
        eprintln!("merx (pid {}) at {}", other.pid(), other.base);
        others.push(other);
    }
    let api_of = |base: &str| {
        Api::new(
            base,
            fixture.publishable_key.clone(),
            fixture.admin_key.clone(),
            cli.concurrency,
        )
    };
    let api = api_of(&server.base)?;
    let mut apis = vec![api.clone()];
    for other in &others {
        apis.push(api_of(&other.base)?);
    }
    let autoanalyze = AutoAnalyze::start(&database.url).await?;
    let ok = run_scenarios(cli, apis, fixture, Some(&mut server), setup).await;
    if let Some(a) = autoanalyze {
        eprintln!("autoanalyze analyzed {} tables", a.stop().await);
    }
    let ok = ok?;
    server.check_alive()?;
    for other in &mut others {
        other.check_alive()?;
    }
    Ok(ok)
}

/// Drives a server that is already running.
async fn run_against(cli: &Cli, target: &str) -> anyhow::Result<bool> {
    let publishable_key = cli
        .publishable_key
        .clone()
        .context("--target needs --publishable-key")?;
    let api = Api::new(
        target,
        publishable_key.clone(),
        cli.admin_key.clone(),
        cli.concurrency,
    )?;
    let mut fixture =
        fixture::discover(&api, publishable_key, cli.admin_key.clone(), cli.products).await?;
    if cli.scenarios().contains(&Scenario::FlashSale) && api.has_admin_key() {
        fixture.flash = Some(
            fixture::flash_on_target(&api, &fixture, cli.units)
                .await
                .context("preparing the flash sale through the Admin API")?,
        );
    }
    let setup = json!({
        "setup": true,
        "target": api.base(),
        "products": fixture.products.len(),
        "variants": fixture.variants.len(),
        "concurrency": cli.concurrency,
    });
    run_scenarios(cli, vec![api], fixture, None, setup).await
}

async fn run_scenarios(
    cli: &Cli,
    apis: Vec<Api>,
    fixture: Fixture,
    mut server: Option<&mut Server>,
    setup: Value,
) -> anyhow::Result<bool> {
    if cli.json {
        emit(&setup.to_string());
    }
    let ctx = scenarios::Ctx {
        api: apis[0].clone(),
        apis,
        fixture: Arc::new(fixture),
        concurrency: cli.concurrency,
        duration: cli.duration(),
        max_requests: cli.max_requests,
        buyers: cli.buyers,
    };
    let mut reports = Vec::new();
    for scenario in cli.scenarios() {
        eprintln!("running {} …", scenario.name());
        let server_pid = server.as_deref().map(Server::pid);
        let cpu_before = cpu_now(server_pid);
        let mut report = scenarios::run(&ctx, scenario).await;
        if let (Some((s0, b0)), Some((s1, b1))) = (cpu_before, cpu_now(server_pid)) {
            if !report.skipped {
                report
                    .extra
                    .insert("server_cpu_s".into(), json!(round(s1 - s0, 2)));
                report
                    .extra
                    .insert("bench_cpu_s".into(), json!(round(b1 - b0, 2)));
            }
        }
        if let Some(reason) = &report.reason {
            eprintln!("  {}: {reason}", scenario.name());
        }
        if let Some(server) = server.as_deref_mut() {
            server.check_alive()?;
            if scenario == Scenario::List {
                if let Some(rss) = server.rss_mb() {
                    report
                        .extra
                        .insert("server_rss_mb".into(), json!(round(rss, 1)));
                }
            }
        }
        if cli.json {
            emit(&report.json_line());
        }
        reports.push(report);
    }
    let table = format!(
        "{}\n{}",
        report::setup_line(&setup),
        report::table(&reports)
    );
    if cli.json {
        eprint!("{table}");
    } else {
        print!("{table}");
    }
    Ok(!reports.iter().any(scenarios::failed))
}

/// (server, merx-bench) CPU seconds so far: where the two shared cores went during a scenario.
fn cpu_now(server_pid: Option<u32>) -> Option<(f64, f64)> {
    Some((
        server::cpu_seconds(server_pid?)?,
        server::cpu_seconds(std::process::id())?,
    ))
}

/// One line on stdout, flushed at once so a long run can be followed.
fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
