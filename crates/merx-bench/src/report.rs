//! The results: a table for people, one JSON object per scenario for machines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::stats::{Latency, Recorder};

/// One scenario's result.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub scenario: &'static str,
    pub skipped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Requests made (checkouts for `checkout` and `flash-sale`), successful or not.
    pub requests: u64,
    pub ok: u64,
    pub seconds: f64,
    pub req_per_s: f64,
    /// Percentiles of the successful requests; absent when there were none.
    #[serde(flatten)]
    pub latency: Option<Latency>,
    /// Failed requests by status code (or `transport`, `unexpected`).
    pub errors: BTreeMap<String, u64>,
    /// The first response body seen for each kind of failure.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub error_samples: BTreeMap<String, String>,
    /// Scenario-specific fields: `invariants`, `calls`, `server_rss_mb`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ScenarioReport {
    pub fn measured(scenario: &'static str, recorder: &Recorder, seconds: f64) -> Self {
        let requests = recorder.successes() + recorder.failures();
        ScenarioReport {
            scenario,
            skipped: false,
            reason: None,
            requests,
            ok: recorder.successes(),
            seconds: round(seconds, 3),
            req_per_s: if seconds > 0.0 {
                round(requests as f64 / seconds, 1)
            } else {
                0.0
            },
            latency: recorder.latency().map(|l| Latency {
                p50_ms: round(l.p50_ms, 3),
                p95_ms: round(l.p95_ms, 3),
                p99_ms: round(l.p99_ms, 3),
                max_ms: round(l.max_ms, 3),
            }),
            errors: recorder.errors.clone(),
            error_samples: recorder.samples.clone(),
            extra: Map::new(),
        }
    }

    pub fn skipped(scenario: &'static str, reason: &str) -> Self {
        ScenarioReport {
            scenario,
            skipped: true,
            reason: Some(reason.to_string()),
            requests: 0,
            ok: 0,
            seconds: 0.0,
            req_per_s: 0.0,
            latency: None,
            errors: BTreeMap::new(),
            error_samples: BTreeMap::new(),
            extra: Map::new(),
        }
    }

    pub fn json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn ms(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn errors_cell(errors: &BTreeMap<String, u64>) -> String {
    if errors.is_empty() {
        return "-".into();
    }
    errors
        .iter()
        .map(|(k, n)| format!("{k}×{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line about the set-up (seeding, start, idle memory), above the table.
pub fn setup_line(setup: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(t) = setup["target"].as_str() {
        parts.push(format!("target {t}"));
    }
    if let Some(e) = setup["engine"].as_str() {
        parts.push(e.to_string());
    }
    parts.push(format!(
        "{} products ({} variants)",
        setup["products"], setup["variants"]
    ));
    if let Some(s) = setup["seed_seconds"].as_f64() {
        parts.push(format!("seeded in {s:.1} s"));
    }
    if let Some(ms) = setup["start_to_health_ms"].as_f64() {
        parts.push(format!("start to first /health {ms:.1} ms"));
    }
    if let Some(mb) = setup["server_rss_idle_mb"].as_f64() {
        parts.push(format!("server RSS idle {mb:.1} MB"));
    }
    parts.push(format!("{} connections", setup["concurrency"]));
    parts.join(", ")
}

/// The table, with a line per scenario and notes (skips, invariants, failures) below it.
pub fn table(reports: &[ScenarioReport]) -> String {
    let header = [
        "scenario", "requests", "seconds", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
        "errors",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for r in reports {
        if r.skipped {
            rows.push(vec![
                r.scenario.into(),
                "skipped".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        let l = r.latency;
        let cell = |f: fn(&Latency) -> f64| l.as_ref().map(|l| ms(f(l))).unwrap_or("-".into());
        rows.push(vec![
            r.scenario.into(),
            r.requests.to_string(),
            format!("{:.2}", r.seconds),
            format!("{:.1}", r.req_per_s),
            cell(|l| l.p50_ms),
            cell(|l| l.p95_ms),
            cell(|l| l.p99_ms),
            cell(|l| l.max_ms),
            errors_cell(&r.errors),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = widths[c] - cell.chars().count();
                if c == 0 || c == header.len() - 1 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
        if i == 0 {
            let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            let _ = writeln!(out, "{}", "-".repeat(total));
        }
    }
    for r in reports {
        notes(&mut out, r);
    }
    out
}

fn notes(out: &mut String, r: &ScenarioReport) {
    if let Some(reason) = &r.reason {
        let _ = writeln!(out, "{}: {reason}", r.scenario);
    }
    if let (Some(server), Some(bench)) = (
        r.extra.get("server_cpu_s").and_then(Value::as_f64),
        r.extra.get("bench_cpu_s").and_then(Value::as_f64),
    ) {
        let per_request = if r.requests > 0 {
            format!(
                " ({:.2} ms per request)",
                server * 1000.0 / r.requests as f64
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}: CPU used by merx {server:.2} s{per_request}, by merx-bench {bench:.2} s",
            r.scenario
        );
    }
    if let Some(rss) = r.extra.get("server_rss_mb") {
        let _ = writeln!(
            out,
            "{}: server RSS after the scenario {rss} MB",
            r.scenario
        );
    }
    if let Some(Value::Object(calls)) = r.extra.get("calls") {
        let _ = writeln!(out, "{} per call:", r.scenario);
        for (name, c) in calls {
            let p = |k: &str| c[k].as_f64().map(ms).unwrap_or("-".into());
            let errors = c["errors"]
                .as_object()
                .filter(|e| !e.is_empty())
                .map(|e| {
                    let list: Vec<String> = e.iter().map(|(k, n)| format!("{k}×{n}")).collect();
                    format!("  errors {}", list.join(" "))
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {name:<55} p50 {:>6} ms  p99 {:>6} ms{errors}",
                p("p50_ms"),
                p("p99_ms")
            );
        }
    }
    if let Some(inv) = r.extra.get("invariants") {
        let _ = writeln!(out, "{} invariants: {inv}", r.scenario);
    }
    for (label, body) in &r.error_samples {
        let _ = writeln!(out, "{} first {label}: {body}", r.scenario);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn json_has_the_table_fields() {
        let mut rec = Recorder::default();
        rec.ok(Duration::from_millis(2));
        rec.error("409".into(), || "conflict".into());
        let r = ScenarioReport::measured("list", &rec, 0.5);
        let v: Value = serde_json::from_str(&r.json_line()).expect("json");
        assert_eq!(v["scenario"], "list");
        assert_eq!(v["requests"], 2);
        assert_eq!(v["req_per_s"], 4.0);
        assert_eq!(v["p50_ms"], 2.0);
        assert_eq!(v["errors"]["409"], 1);
        assert_eq!(v["skipped"], false);
        let s: Value = serde_json::from_str(&ScenarioReport::skipped("spots", "n/a").json_line())
            .expect("json");
        assert_eq!(s["skipped"], true);
        assert!(table(&[r]).contains("409×1"));
    }
}
