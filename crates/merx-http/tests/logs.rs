//! Secrets never reach the logs. A test binary of its own: it captures log lines with a
//! thread-local subscriber, and tracing caches per-callsite interest process-wide, so tests running
//! beside it on other threads (with no subscriber) could switch its callsites off.

use std::sync::{Arc, Mutex};

use axum::http::Method;
use axum::Router;
use merx_core::Core;
use merx_http::HttpConfig;
use serde_json::json;

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use helpers::{TestApp, TestResponse};

fn token(res: &TestResponse) -> String {
    res.ok()["token"].as_str().unwrap().to_string()
}

/// Captures every log line written while `f` runs on this thread.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn passwords_and_tokens_never_appear_in_logs() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let t = merx_db::testing::TestDb::sqlite().await;
    let core = Core::with_auth(
        t.db.clone(),
        b"secret".to_vec(),
        Arc::new(merx_core::notification::LogNotifier),
    );
    let app = TestApp::with_core(core, HttpConfig::default(), Router::new());
    let password = "very-secret-password-123";
    let reg = token(
        &app.post_json(
            "/auth/customer/emailpass/register",
            &json!({"email": "log@example.com", "password": password}),
        )
        .await,
    );
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "log@example.com", "password": "wrong-password-456"}),
    )
    .await;
    app.post_json(
        "/auth/customer/emailpass/reset-password",
        &json!({"identifier": "log@example.com"}),
    )
    .await;
    app.call(
        Method::POST,
        "/auth/token/refresh?token=x",
        Some(&reg),
        None,
        &[],
    )
    .await;
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("notification sent"),
        "logging happened: {logs}"
    );
    assert!(
        logs.contains("/auth/customer/emailpass"),
        "requests are logged: {logs}"
    );
    for secret in [
        password,
        "wrong-password-456",
        &reg,
        reg.split('.').nth(2).unwrap(),
        "token=x",
    ] {
        assert!(!logs.contains(secret), "{secret:?} leaked into the logs");
    }
    t.cleanup().await;
}
