//! The real binary, with tiny settings: it seeds, starts `merx`, runs every scenario, prints a
//! JSON line for each, and the flash sale sells no unit twice. Needs the `merx` binary in the
//! same target directory (`cargo test --workspace` builds it; alone: `cargo build -p merx-cli`).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const SCENARIOS: [&str; 9] = [
    "ceiling",
    "list",
    "starter-list",
    "detail",
    "search",
    "checkout",
    "flash-sale",
    "spots",
    "feed",
];

/// Runs every scenario briefly against `servers` `merx serve` processes on one database.
fn run_all(database_url: Option<&str>, servers: usize) {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_merx-bench"));
    let merx = bench.with_file_name(format!("merx{}", std::env::consts::EXE_SUFFIX));
    assert!(
        merx.is_file(),
        "{} is missing: run `cargo build -p merx-cli` first (merx-bench starts the real server)",
        merx.display()
    );
    let mut cmd = Command::new(&bench);
    cmd.args([
        "--products",
        "20",
        "--duration",
        "1",
        "--max-requests",
        "200",
        "--concurrency",
        "4",
        "--scenario",
        "all",
        "--units",
        "5",
        "--buyers",
        "20",
        "--json",
    ])
    .env_remove("MERX_BENCH_DATABASE_URL");
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    cmd.args(["--servers", &servers.to_string()]);
    let out = cmd.output().expect("run merx-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "merx-bench failed ({}):\n{stdout}\n{stderr}",
        out.status
    );

    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let line = |name: &str| {
        lines
            .iter()
            .find(|v| v["scenario"] == name)
            .unwrap_or_else(|| panic!("no JSON line for {name}:\n{stdout}\n{stderr}"))
    };
    for name in SCENARIOS {
        let v = line(name);
        if name == "spots" || name == "feed" {
            assert_eq!(v["skipped"], true, "{v}");
        } else {
            assert_eq!(v["skipped"], false, "{v}");
            assert!(
                v["ok"].as_u64().unwrap_or(0) > 0,
                "{name} had no success: {v}"
            );
        }
    }
    let flash = &line("flash-sale")["invariants"];
    assert_eq!(flash["units_oversold"], 0, "{flash}");
    assert_eq!(flash["units_sold"], 5, "{flash}");
    assert_eq!(flash["failed_with_5xx"], 0, "{flash}");
    assert_eq!(flash["ok"], true, "{flash}");
    assert_eq!(flash["servers"], servers, "{flash}");
    assert!(
        lines
            .iter()
            .any(|v| v["setup"] == true && v["start_to_health_ms"].is_number()),
        "no setup line:\n{stdout}"
    );
}

#[test]
fn every_scenario_runs_on_sqlite() {
    run_all(None, 1);
}

/// Two processes on one Postgres: the flash sale's buyers race through both.
#[test]
fn every_scenario_runs_on_postgres_with_two_servers() {
    match std::env::var("MERX_TEST_POSTGRES_URL") {
        Ok(url) => run_all(Some(&url), 2),
        Err(_) => {
            eprintln!("skipped on PostgreSQL: set MERX_TEST_POSTGRES_URL to run it there too")
        }
    }
}
