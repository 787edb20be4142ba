//! The real `merx` binary: migrate, openapi, and serve (with --demo) on both engines.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use merx_db::testing::TestDb;
use merx_db::{query, Backend, Db};
use serde_json::{json, Value};

fn merx() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_merx"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("MERX_ADDR")
        .env_remove("MERX_CONFIG")
        .env("MERX_LOG", "warn");
    cmd
}

/// A running `merx serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
    /// The demo's publishable key, when started with `--demo`.
    publishable_key: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn start(database_url: &str, extra: &[&str]) -> Server {
    start_at(database_url, "127.0.0.1:0", extra)
}

/// `merx serve` on `addr`, once it has printed its banner (with `--demo`, up to the publishable key).
fn start_at(database_url: &str, addr: &str, extra: &[&str]) -> Server {
    let mut child = merx()
        .args(["serve", "--addr", addr])
        .args(extra)
        .env("DATABASE_URL", database_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn merx");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let demo = extra.contains(&"--demo");
    let mut banner = String::new();
    let (mut base, mut publishable_key) = (None, None);
    while base.is_none() || (demo && publishable_key.is_none()) {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("merx exited before printing its banner:\n{banner}"))
            .unwrap();
        banner.push_str(&line);
        banner.push('\n');
        let line = line.trim();
        if let Some(url) = line.strip_prefix("Health:") {
            base = Some(url.trim().trim_end_matches("/health").to_string());
        }
        if let Some(key) = line.strip_prefix("Publishable key (x-publishable-api-key):") {
            publishable_key = Some(key.trim().to_string());
        }
    }
    std::thread::spawn(move || for _ in lines {});
    assert!(banner.contains("Merx"), "{banner}");
    Server {
        child,
        base: base.unwrap(),
        publishable_key,
    }
}

/// A new admin API key on the database at `url`, made by `merx api-key create`; its token.
fn admin_key(url: &str) -> String {
    let key = merx()
        .args(["api-key", "create", "--title", "test", "--role", "admin"])
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        key.status.success(),
        "{}",
        String::from_utf8_lossy(&key.stderr)
    );
    String::from_utf8(key.stdout).unwrap().trim().to_string()
}

/// A minimal HTTP/1.1 GET over a plain socket: (status, body).
fn get(base: &str, path: &str) -> (u16, String) {
    request(base, "GET", path, &[], "")
}

/// A minimal HTTP/1.1 request over a plain socket: (status, body).
fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    try_request(base, method, path, headers, body, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// [`request`] that reports a failed connection or a read longer than `timeout` instead of
/// panicking.
fn try_request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(timeout))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    write!(stream, "{head}\r\n{body}")?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {raw:?}")))?;
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Ok((status, body))
}

async fn serve_demo_answers_health(backend: Backend) {
    let Some(t) = TestDb::new(backend).await else {
        return;
    };
    let url = t.url.clone();
    let server = tokio::task::spawn_blocking(move || start(&url, &["--demo"]))
        .await
        .unwrap();
    let (status, body) = get(&server.base, "/health");
    assert_eq!((status, body.as_str()), (200, "OK"));
    let (status, _) = get(&server.base, "/health/ready");
    assert_eq!(status, 200);
    let (status, body) = get(&server.base, "/no/such/route");
    assert_eq!(status, 404);
    assert!(body.contains("\"type\":\"not_found\""), "{body}");
    let stores =
        t.db.fetch_all(query("SELECT name FROM store"))
            .await
            .unwrap();
    assert_eq!(stores.len(), 1, "the demo seeded its store");
    drop(server);

    // A second start of the demo keeps the one store.
    let url = t.url.clone();
    let server = tokio::task::spawn_blocking(move || start(&url, &["--demo"]))
        .await
        .unwrap();
    assert_eq!(get(&server.base, "/health").0, 200);
    drop(server);
    let stores =
        t.db.fetch_all(query("SELECT name FROM store"))
            .await
            .unwrap();
    assert_eq!(stores.len(), 1);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_answers_health_on_sqlite() {
    serve_demo_answers_health(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_answers_health_on_postgres() {
    serve_demo_answers_health(Backend::Postgres).await
}

/// GET an absolute `http://` URL over a plain socket, as a storefront's image loader would: the
/// status, the headers (lower-cased names) and the body's bytes.
fn fetch_url(url: &str) -> (u16, HashMap<String, String>, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(authority).unwrap_or_else(|e| panic!("{url}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

/// The thumbnails of the first products of a running demo.
fn demo_thumbnails(server: &Server) -> Vec<String> {
    let key = server.publishable_key.as_deref().unwrap();
    let (status, body) = request(
        &server.base,
        "GET",
        "/store/products?limit=5",
        &[("x-publishable-api-key", key)],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    body["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["thumbnail"].as_str().unwrap().to_string())
        .collect()
}

/// `serve --demo` serves its products' pictures itself: the thumbnails are absolute URLs on the
/// server's own address (as `localhost`, which storefronts allow), and they answer PNGs. A restart
/// on another port moves them along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_serves_its_own_product_images() {
    let Some(t) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    for _start in 0..2 {
        let url = t.url.clone();
        let server = tokio::task::spawn_blocking(move || start(&url, &["--demo"]))
            .await
            .unwrap();
        let port = server.base.rsplit(':').next().unwrap().to_string();
        let thumbnails = demo_thumbnails(&server);
        assert_eq!(thumbnails.len(), 5);
        let fetched = tokio::task::spawn_blocking(move || {
            thumbnails
                .iter()
                .map(|u| (u.clone(), fetch_url(u)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        for (url, (status, headers, body)) in fetched {
            assert!(
                url.starts_with(&format!("http://localhost:{port}/static/demo/")),
                "{url} is on this server ({port})"
            );
            assert_eq!(status, 200, "{url}");
            assert_eq!(headers["content-type"], "image/png", "{url}");
            assert!(headers["cache-control"].contains("max-age"), "{url}");
            assert!(body.starts_with(b"\x89PNG\r\n\x1a\n"), "{url}");
        }
        let (status, body) = get(&server.base, "/static/demo/not-a-product.png");
        assert_eq!(status, 404);
        assert!(body.contains("\"type\":\"not_found\""), "{body}");
        drop(server);
    }
    t.cleanup().await;
}

#[test]
fn a_bad_public_url_fails_with_a_clear_message() {
    let out = merx()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--public-url",
            "shop.example",
        ])
        .env("DATABASE_URL", "sqlite:///nonexistent-dir/never-opened.db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--public-url"), "{err}");
}

#[test]
fn serve_creates_a_missing_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("merx-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fresh.db");
    std::fs::remove_file(&file).ok();
    let started = Instant::now();
    let server = start(&format!("sqlite://{}", file.display()), &[]);
    assert_eq!(get(&server.base, "/health").0, 200);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(file.exists());
    drop(server);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn migrate_reports_the_schema_version_and_is_repeatable() {
    let dir = std::env::temp_dir().join(format!("merx-cli-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("m.db").display());
    let first = merx()
        .args(["migrate"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    let last = merx_db::migrate::MIGRATIONS.last().unwrap().version;
    assert!(out.contains(&format!("version {last}")), "{out}");
    let again = merx()
        .args(["--database-url", &url, "migrate"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied 0 migration(s)"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_database_urls_fail_with_a_clear_message() {
    let out = merx()
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://root:hunter2@localhost/x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL"), "{err}");
    assert!(!err.contains("hunter2"), "passwords are not printed: {err}");
}

#[test]
fn bad_trusted_proxies_fail_with_a_clear_message() {
    let db = std::env::temp_dir().join(format!("merx-cli-proxies-{}.db", std::process::id()));
    let out = merx()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(["--trusted-proxies", "10.0.0.0/8,proxy.internal"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--trusted-proxies") && err.contains("\"proxy.internal\""),
        "{err}"
    );
    std::fs::remove_file(db).ok();
}

#[test]
fn config_file_is_read_and_typos_in_it_are_errors() {
    let dir = std::env::temp_dir().join(format!("merx-cli-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("merx.toml");
    let db = dir.join("from-file.db");
    std::fs::write(
        &cfg,
        format!("database_url = \"sqlite://{}\"\n", db.display()),
    )
    .unwrap();
    let out = merx()
        .args(["--config"])
        .arg(&cfg)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists(), "the file's database_url was used");
    std::fs::write(&cfg, "databse_url = \"x\"\n").unwrap();
    let out = merx()
        .args(["--config"])
        .arg(&cfg)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("databse_url"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn openapi_prints_the_spec() {
    let out = merx().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["paths"]["/health"].is_object());
}

/// One `merx serve` process publishes an event; this test process, a separate NATS client,
/// receives it from JetStream.
async fn events_cross_processes_through_nats(backend: Backend) {
    use futures_util::StreamExt;
    let Ok(nats_url) = std::env::var("MERX_TEST_NATS_URL") else {
        eprintln!("skipped: set MERX_TEST_NATS_URL to run the NATS tests");
        return;
    };
    let Some(t) = TestDb::new(backend).await else {
        return;
    };
    let url = t.url.clone();
    let token = admin_key(&url);

    let (url2, nats2) = (url.clone(), nats_url.clone());
    let server = tokio::task::spawn_blocking(move || start(&url2, &["--nats-url", &nats2]))
        .await
        .unwrap();
    let client = async_nats::connect(&nats_url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js
        .get_stream("MERX_EVENTS")
        .await
        .expect("merx serve created the stream");
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: "merx.events.webhook.created".into(),
            deliver_policy: async_nats::jetstream::consumer::DeliverPolicy::New,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();

    let base = server.base.clone();
    let auth = format!("Bearer {token}");
    let (status, body) = tokio::task::spawn_blocking(move || {
        request(
            &base,
            "POST",
            "/admin/webhooks",
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            "{\"url\":\"https://erp.example/hooks\",\"events\":[\"order.*\"]}",
        )
    })
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    let webhook_id = created["webhook"]["id"].as_str().unwrap().to_string();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let msg = tokio::time::timeout_at(deadline, messages.next())
            .await
            .expect("the event arrived through NATS within 15 s")
            .unwrap()
            .unwrap();
        let event: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
        if event["data"]["id"] == webhook_id.as_str() {
            assert_eq!(event["type"], "webhook.created");
            assert!(event["data"].get("secret").is_none());
            break;
        }
    }
    drop(server);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_dispatched_by_one_process_reaches_a_subscriber_in_another_through_nats_on_sqlite()
{
    events_cross_processes_through_nats(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_dispatched_by_one_process_reaches_a_subscriber_in_another_through_nats_on_postgres(
) {
    events_cross_processes_through_nats(Backend::Postgres).await
}

/// Two `merx serve` on one Postgres database and no NATS: a product changed through one is shown
/// by the other's Store API at once, not when its read cache expires (set to 10 minutes here), and a
/// publishable key revoked through one is refused by the other at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_through_one_process_reach_another_through_postgres_without_nats() {
    let Some(t) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let url = t.url.clone();
    let admin = format!("Bearer {}", admin_key(&url));
    let (u1, u2) = (url.clone(), url.clone());
    let (a, b) = tokio::task::spawn_blocking(move || {
        let ttl = ["--read-cache-ttl-secs", "600"];
        (start(&u1, &ttl), start(&u2, &ttl))
    })
    .await
    .unwrap();

    let (a_base, b_base) = (a.base.clone(), b.base.clone());
    let (product, pk) = tokio::task::spawn_blocking(move || {
        let json = |(status, body): (u16, String)| -> serde_json::Value {
            assert_eq!(status, 200, "{body}");
            serde_json::from_str(&body).unwrap()
        };
        let admin_post = |path: &str, body: &str| {
            json(request(
                &a_base,
                "POST",
                path,
                &[
                    ("authorization", admin.as_str()),
                    ("content-type", "application/json"),
                ],
                body,
            ))
        };
        let channel =
            admin_post("/admin/sales-channels", r#"{"name":"Web"}"#)["sales_channel"]["id"].clone();
        let key = admin_post("/admin/api-keys", r#"{"title":"web","type":"publishable"}"#);
        admin_post(
            &format!(
                "/admin/api-keys/{}/sales-channels",
                key["api_key"]["id"].as_str().unwrap()
            ),
            &format!(r#"{{"add":[{channel}]}}"#),
        );
        let product = admin_post(
            "/admin/products",
            &format!(
                r#"{{"title":"Before","status":"published","sales_channels":[{{"id":{channel}}}]}}"#
            ),
        )["product"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let pk = key["api_key"]["token"].as_str().unwrap().to_string();
        let title = |base: &str| {
            let read = json(request(
                base,
                "GET",
                &format!("/store/products/{product}"),
                &[("x-publishable-api-key", pk.as_str())],
                "",
            ));
            read["product"]["title"].as_str().unwrap().to_string()
        };
        assert_eq!(title(&b_base), "Before", "b read and cached it");
        assert_eq!(title(&b_base), "Before");
        admin_post(
            &format!("/admin/products/{product}"),
            r#"{"title":"After"}"#,
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while title(&b_base) != "After" {
            assert!(
                Instant::now() < deadline,
                "b still shows the old title after 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // B remembers the key's scope for up to 10 s; the revocation must reach it well before.
        let key_id = key["api_key"]["id"].as_str().unwrap();
        admin_post(&format!("/admin/api-keys/{key_id}/revoke"), "{}");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (status, body) = request(
                &b_base,
                "GET",
                &format!("/store/products/{product}"),
                &[("x-publishable-api-key", pk.as_str())],
                "",
            );
            if status == 400 {
                assert!(body.contains("not_allowed"), "{body}");
                break;
            }
            assert_eq!(status, 200, "{body}");
            assert!(
                Instant::now() < deadline,
                "b still accepts the revoked key after 5 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        (product, pk)
    })
    .await
    .unwrap();
    assert!(!product.is_empty() && !pk.is_empty());
    drop((a, b));
    t.cleanup().await;
}

/// The published `@medusajs/js-sdk` runs a full storefront checkout (guest and logged-in customer)
/// against a real `merx serve --demo`. Needs Node and `npm ci` in tests/js-sdk: CI sets
/// `MERX_REQUIRE_JS_SDK=1` so that a missing toolchain fails instead of skipping.
#[test]
fn js_sdk_storefront_checkout() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js-sdk");
    let required = std::env::var("MERX_REQUIRE_JS_SDK").is_ok();
    let ready = dir.join("node_modules/@medusajs/js-sdk").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !ready {
        assert!(!required, "MERX_REQUIRE_JS_SDK is set but node or tests/js-sdk/node_modules is missing (run npm ci there)");
        eprintln!(
            "skipped: run `npm ci` in tests/js-sdk (and install Node) to run the js-sdk checkout"
        );
        return;
    }
    let db_dir = std::env::temp_dir().join(format!("merx-js-sdk-{}", std::process::id()));
    std::fs::create_dir_all(&db_dir).unwrap();
    let mut child = merx()
        .args(["serve", "--demo", "--addr", "127.0.0.1:0"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", db_dir.join("demo.db").display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut key) = (String::new(), String::new());
    while base.is_empty() || key.is_empty() {
        let line = lines.next().expect("merx printed its banner").unwrap();
        if let Some(url) = line.trim().strip_prefix("Health:") {
            base = url.trim().trim_end_matches("/health").to_string();
        }
        if let Some(k) = line
            .trim()
            .strip_prefix("Publishable key (x-publishable-api-key):")
        {
            key = k.trim().to_string();
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let out = Command::new("node")
        .args(["--test", "checkout.test.mjs"])
        .current_dir(&dir)
        .env("MERX_URL", &base)
        .env("MERX_PUBLISHABLE_KEY", &key)
        .output()
        .unwrap();
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(db_dir).ok();
    assert!(
        out.status.success(),
        "js-sdk checkout failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the server has closed `socket` (end of stream or reset) by `deadline`. Bytes it sends
/// first (a 408, say) are read past; a socket still open at the deadline is not closed.
fn closed_by_peer(mut socket: &TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        socket.set_read_timeout(Some(left)).unwrap();
        match socket.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}

/// Slowloris: 2,000 clients that send part of a request head and then nothing neither keep the
/// server from answering another client at once nor keep their sockets past the header timeout.
async fn half_open_connections_do_not_block_others_and_are_closed_after_the_header_timeout(
    backend: Backend,
) {
    const SOCKETS: usize = 2000;
    let Some(t) = TestDb::new(backend).await else {
        return;
    };
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        let server = start(&url, &["--demo", "--header-timeout-secs", "2"]);
        let host = server.base.trim_start_matches("http://").to_string();
        let mut idle = Vec::with_capacity(SOCKETS);
        for _ in 0..SOCKETS {
            let mut socket = TcpStream::connect(&host).expect("connect a half-open client");
            socket
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            idle.push(socket);
        }
        let opened = Instant::now();

        let asked = Instant::now();
        let answer = try_request(
            &server.base,
            "GET",
            "/health",
            &[],
            "",
            Duration::from_secs(1),
        );
        let took = asked.elapsed();
        let (status, body) = answer.unwrap_or_else(|e| {
            panic!("/health did not answer within 1 s beside {SOCKETS} half-open connections: {e}")
        });
        assert_eq!((status, body.as_str()), (200, "OK"));
        assert!(
            took < Duration::from_secs(1),
            "/health took {took:?} beside {SOCKETS} half-open connections"
        );

        // The header timeout is 2 s: at 3 s every half-open socket must be gone (stragglers get
        // until 4 s, as the server may have accepted the last ones a little after they connected).
        std::thread::sleep((opened + Duration::from_secs(3)).saturating_duration_since(Instant::now()));
        let deadline = opened + Duration::from_secs(4);
        let open = idle
            .iter()
            .filter(|socket| !closed_by_peer(socket, deadline))
            .count();
        assert_eq!(
            open, 0,
            "{open} of {SOCKETS} connections that never finished their headers are still open 3 s after they were made"
        );
        drop(server);
    })
    .await
    .unwrap();
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_do_not_block_others_and_are_closed_after_the_header_timeout_on_sqlite(
) {
    half_open_connections_do_not_block_others_and_are_closed_after_the_header_timeout(
        Backend::Sqlite,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_do_not_block_others_and_are_closed_after_the_header_timeout_on_postgres(
) {
    half_open_connections_do_not_block_others_and_are_closed_after_the_header_timeout(
        Backend::Postgres,
    )
    .await
}

const STRIPE_KEY: &str = "sk_test_x";

/// A local server answering as Stripe's PaymentIntents API does. While `slow` is set, reading an
/// intent (what authorizing a payment does) is held back for up to 20 s.
#[derive(Clone, Default)]
struct FakeStripe {
    intents: Arc<Mutex<HashMap<String, Value>>>,
    slow: Arc<AtomicBool>,
    /// Intent reads held back by `slow`.
    held: Arc<AtomicUsize>,
}

type StripeAnswer = (axum::http::StatusCode, axum::Json<Value>);

fn stripe_error(status: u16, message: &str) -> StripeAnswer {
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"error": {"type": "invalid_request_error", "message": message}})),
    )
}

fn stripe_ok(v: Value) -> StripeAnswer {
    (axum::http::StatusCode::OK, axum::Json(v))
}

fn stripe_authorized(h: &axum::http::HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {STRIPE_KEY}"))
}

async fn fake_stripe() -> (String, FakeStripe) {
    use axum::body::Bytes;
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    use axum::routing::{get, post};

    async fn create(State(f): State<FakeStripe>, h: HeaderMap, body: Bytes) -> StripeAnswer {
        if !stripe_authorized(&h) {
            return stripe_error(401, "Invalid API Key provided");
        }
        let form: HashMap<String, String> = String::from_utf8_lossy(&body)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let Some(amount) = form.get("amount").and_then(|a| a.parse::<i64>().ok()) else {
            return stripe_error(400, "Missing required param: amount.");
        };
        let mut intents = f.intents.lock().unwrap();
        let id = format!("pi_{}", intents.len() + 1);
        let intent = json!({"id": id, "object": "payment_intent", "amount": amount,
            "currency": form.get("currency"), "status": "requires_payment_method",
            "client_secret": format!("{id}_secret_x")});
        intents.insert(id, intent.clone());
        stripe_ok(intent)
    }

    async fn retrieve(
        State(f): State<FakeStripe>,
        h: HeaderMap,
        Path(id): Path<String>,
    ) -> StripeAnswer {
        if !stripe_authorized(&h) {
            return stripe_error(401, "Invalid API Key provided");
        }
        if f.slow.load(Ordering::SeqCst) {
            f.held.fetch_add(1, Ordering::SeqCst);
            let until = tokio::time::Instant::now() + Duration::from_secs(20);
            while f.slow.load(Ordering::SeqCst) && tokio::time::Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        // The customer has confirmed it with Stripe.js.
        match f.intents.lock().unwrap().get(&id) {
            Some(intent) => {
                let mut intent = intent.clone();
                intent["status"] = json!("requires_capture");
                stripe_ok(intent)
            }
            None => stripe_error(404, "No such payment_intent"),
        }
    }

    async fn act(
        State(f): State<FakeStripe>,
        h: HeaderMap,
        Path((id, action)): Path<(String, String)>,
    ) -> StripeAnswer {
        if !stripe_authorized(&h) {
            return stripe_error(401, "Invalid API Key provided");
        }
        let mut intents = f.intents.lock().unwrap();
        let Some(intent) = intents.get_mut(&id) else {
            return stripe_error(404, "No such payment_intent");
        };
        intent["status"] = match action.as_str() {
            "capture" => json!("succeeded"),
            "cancel" => json!("canceled"),
            _ => return stripe_error(404, "Unrecognized request URL"),
        };
        stripe_ok(intent.clone())
    }

    async fn refund(h: HeaderMap) -> StripeAnswer {
        if !stripe_authorized(&h) {
            return stripe_error(401, "Invalid API Key provided");
        }
        stripe_ok(json!({"id": "re_1", "object": "refund", "status": "succeeded"}))
    }

    let fake = FakeStripe::default();
    let app = axum::Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}", get(retrieve))
        .route("/v1/payment_intents/{id}/{action}", post(act))
        .route("/v1/refunds", post(refund))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, fake)
}

/// An address on this machine no one listens on now.
fn free_addr() -> String {
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().to_string()
}

/// The one number `sql` (a `SELECT COUNT(*) AS n …`) counts.
async fn count(db: &Db, sql: &'static str) -> i64 {
    db.fetch_one(query(sql)).await.unwrap().int("n").unwrap()
}

/// A request answered 200; its JSON body.
fn ok_json(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Value {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    let (status, text) = request(base, method, path, &all, body);
    assert_eq!(status, 200, "{method} {path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// Live reservations whose cart line did not become an order's line.
const RESERVATIONS_WITHOUT_ORDER: &str = "SELECT COUNT(*) AS n FROM reservation_item r \
     WHERE r.deleted_at IS NULL AND NOT EXISTS \
     (SELECT 1 FROM order_line_item o WHERE o.cart_line_item_id = r.line_item_id)";
const UNFINISHED_EXECUTIONS: &str = "SELECT COUNT(*) AS n FROM workflow_execution \
     WHERE status IN ('running', 'compensating')";
const LIVE_PAYMENTS_WITHOUT_ORDER: &str =
    "SELECT COUNT(*) AS n FROM payment WHERE order_id IS NULL AND canceled_at IS NULL";

/// `merx serve` killed (SIGKILL) while six checkouts wait on Stripe's authorization: restarted on
/// the same address, it takes back its own unfinished executions at once (not after their
/// leases) and turns each into its order, so nothing stays reserved or authorized without an
/// order and the customers' retried `complete` calls get their orders.
async fn checkouts_killed_mid_authorization_become_orders_right_after_a_restart(backend: Backend) {
    const CARTS: usize = 6;
    let Some(t) = TestDb::new(backend).await else {
        return;
    };
    let (stripe_url, stripe) = fake_stripe().await;
    let addr = free_addr();
    let args: Vec<String> = [
        "--demo",
        "--stripe-api-key",
        STRIPE_KEY,
        "--stripe-api-base",
        &stripe_url,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    // A demo store with Stripe in Europe, and carts ready to complete with it.
    let (url, a, ar) = (t.url.clone(), addr.clone(), args.clone());
    let (mut first, pk, carts) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = ar.iter().map(String::as_str).collect();
        let server = start_at(&url, &a, &args);
        let pk = server.publishable_key.clone().expect("the demo's publishable key");
        let admin = format!("Bearer {}", admin_key(&url));
        let base = server.base.clone();
        let store = [("x-publishable-api-key", pk.as_str())];
        let regions = ok_json(&base, "GET", "/store/regions", &store, "");
        let region = regions["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["currency_code"] == "eur")
            .expect("the demo's Europe region")["id"]
            .as_str()
            .unwrap()
            .to_string();
        ok_json(
            &base,
            "POST",
            &format!("/admin/regions/{region}"),
            &[("authorization", admin.as_str())],
            r#"{"payment_providers":["pp_system_default","pp_stripe_stripe"]}"#,
        );
        let products = ok_json(
            &base,
            "GET",
            &format!("/store/products?region_id={region}&limit={CARTS}"),
            &store,
            "",
        );
        let products = products["products"].as_array().unwrap();
        assert_eq!(products.len(), CARTS);
        let mut carts = Vec::new();
        for product in products {
            let body = json!({"region_id": region, "email": "buyer@example.com",
                "shipping_address": {"first_name": "Ada", "last_name": "Buyer", "address_1": "Str 1",
                    "city": "Berlin", "country_code": "de", "postal_code": "10115"}});
            let cart = ok_json(&base, "POST", "/store/carts", &store, &body.to_string());
            let cart = cart["cart"]["id"].as_str().unwrap().to_string();
            let line = json!({"variant_id": product["variants"][0]["id"], "quantity": 1});
            ok_json(
                &base,
                "POST",
                &format!("/store/carts/{cart}/line-items"),
                &store,
                &line.to_string(),
            );
            let options = ok_json(
                &base,
                "GET",
                &format!("/store/shipping-options?cart_id={cart}"),
                &store,
                "",
            );
            let option = json!({"option_id": options["shipping_options"][0]["id"]});
            ok_json(
                &base,
                "POST",
                &format!("/store/carts/{cart}/shipping-methods"),
                &store,
                &option.to_string(),
            );
            let pc = ok_json(
                &base,
                "POST",
                "/store/payment-collections",
                &store,
                &json!({"cart_id": cart}).to_string(),
            );
            let pc = pc["payment_collection"]["id"].as_str().unwrap();
            let session = ok_json(
                &base,
                "POST",
                &format!("/store/payment-collections/{pc}/payment-sessions"),
                &store,
                r#"{"provider_id":"pp_stripe_stripe"}"#,
            );
            let sessions = &session["payment_collection"]["payment_sessions"];
            assert_eq!(sessions[0]["provider_id"], "pp_stripe_stripe", "{session}");
            carts.push(cart);
        }
        (server, pk, carts)
    })
    .await
    .unwrap();
    assert_eq!(stripe.intents.lock().unwrap().len(), CARTS);

    // The customers complete; Stripe holds every authorization back.
    stripe.slow.store(true, Ordering::SeqCst);
    let completes: Vec<_> = carts
        .iter()
        .map(|cart| {
            let (base, pk, path) = (
                first.base.clone(),
                pk.clone(),
                format!("/store/carts/{cart}/complete"),
            );
            std::thread::spawn(move || {
                try_request(
                    &base,
                    "POST",
                    &path,
                    &[
                        ("x-publishable-api-key", pk.as_str()),
                        ("content-type", "application/json"),
                    ],
                    "{}",
                    Duration::from_secs(60),
                )
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let running = count(
            &t.db,
            "SELECT COUNT(*) AS n FROM workflow_execution WHERE status = 'running'",
        )
        .await;
        let reserved = count(&t.db, RESERVATIONS_WITHOUT_ORDER).await;
        let held = stripe.held.load(Ordering::SeqCst);
        if running == CARTS as i64 && reserved == CARTS as i64 && held == CARTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 15 s only {running} checkouts run, {reserved} lines are reserved and {held} \
             authorizations reached Stripe (of {CARTS})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // kill -9: no graceful shutdown, nothing finished or undone.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    drop(first);
    for complete in completes {
        if let Ok((status, body)) = complete.join().unwrap() {
            assert!(
                !body.contains("\"type\":\"order\""),
                "a killed server answered with an order ({status}): {body}"
            );
        }
    }
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) AS n FROM workflow_execution WHERE status = 'running'"
        )
        .await,
        CARTS as i64,
        "the killed checkouts are still running in the journal"
    );
    let owners =
        t.db.fetch_all(query(
            "SELECT owner FROM workflow_execution WHERE status = 'running'",
        ))
        .await
        .unwrap();
    for row in owners {
        let owner = row.opt_text("owner").unwrap().unwrap_or_default();
        assert!(
            owner.ends_with(&format!("/{addr}")),
            "the execution's owner is the killed process ({addr}): {owner:?}"
        );
    }
    assert_eq!(
        count(&t.db, RESERVATIONS_WITHOUT_ORDER).await,
        CARTS as i64,
        "the killed checkouts' reservations are held without an order"
    );
    assert_eq!(count(&t.db, "SELECT COUNT(*) AS n FROM orders").await, 0);
    assert_eq!(
        count(&t.db, "SELECT COUNT(*) AS n FROM payment").await,
        0,
        "the authorizations were in progress at Stripe, not recorded"
    );

    // Restarted on the same address and database, with Stripe answering at once.
    stripe.slow.store(false, Ordering::SeqCst);
    let restarted = Instant::now();
    let (url, a, ar) = (t.url.clone(), addr.clone(), args.clone());
    let second = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = ar.iter().map(String::as_str).collect();
        start_at(&url, &a, &args)
    })
    .await
    .unwrap();
    let deadline = restarted + Duration::from_secs(10);
    loop {
        let unfinished = count(&t.db, UNFINISHED_EXECUTIONS).await;
        let reserved = count(&t.db, RESERVATIONS_WITHOUT_ORDER).await;
        let payments = count(&t.db, LIVE_PAYMENTS_WITHOUT_ORDER).await;
        let orders = count(&t.db, "SELECT COUNT(*) AS n FROM orders").await;
        if unfinished == 0 && reserved == 0 && payments == 0 && orders == CARTS as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "10 s after the restart: {unfinished} executions unfinished, {reserved} reservations \
             and {payments} payments without an order, {orders} of {CARTS} orders"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) AS n FROM workflow_execution WHERE status = 'succeeded'"
        )
        .await,
        CARTS as i64,
        "every interrupted checkout was resumed, not undone"
    );

    // Each customer's retried complete answers with the cart's one order.
    let base = second.base.clone();
    let retried = tokio::task::spawn_blocking(move || {
        carts
            .iter()
            .map(|cart| {
                let asked = Instant::now();
                let (status, body) = request(
                    &base,
                    "POST",
                    &format!("/store/carts/{cart}/complete"),
                    &[
                        ("x-publishable-api-key", pk.as_str()),
                        ("content-type", "application/json"),
                    ],
                    "{}",
                );
                let took = asked.elapsed();
                assert_eq!(status, 200, "{body}");
                assert!(took < Duration::from_secs(5), "complete took {took:?}");
                let done: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(done["type"], "order", "{body}");
                (
                    cart.clone(),
                    done["order"]["id"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (cart, order) in retried {
        let orders =
            t.db.fetch_all(query("SELECT id FROM orders WHERE cart_id = ?").bind(cart.as_str()))
                .await
                .unwrap();
        let ids: Vec<String> = orders.iter().map(|r| r.text("id").unwrap()).collect();
        assert_eq!(
            ids,
            vec![order.clone()],
            "cart {cart} has exactly its one order"
        );
        let payments =
            t.db.fetch_one(
                query(
                    "SELECT COUNT(*) AS n FROM payment WHERE order_id = ? AND canceled_at IS NULL",
                )
                .bind(order.as_str()),
            )
            .await
            .unwrap()
            .int("n")
            .unwrap();
        assert_eq!(payments, 1, "order {order} has its one authorized payment");
    }
    drop(second);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkouts_killed_mid_authorization_become_orders_right_after_a_restart_on_sqlite() {
    checkouts_killed_mid_authorization_become_orders_right_after_a_restart(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkouts_killed_mid_authorization_become_orders_right_after_a_restart_on_postgres() {
    checkouts_killed_mid_authorization_become_orders_right_after_a_restart(Backend::Postgres).await
}
