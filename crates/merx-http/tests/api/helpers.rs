use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use merx_core::Core;
use merx_db::testing::TestDb;
use merx_db::{Backend, Db};
use merx_http::{AppState, HttpConfig};
use serde_json::Value;
use tower::ServiceExt;

/// The application on a fresh database (clones share it, e.g. to race requests from tasks).
#[derive(Clone)]
pub struct TestApp {
    pub router: Router,
    pub core: Core,
    pub db: Db,
}

/// A response with its body read.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    /// Asserts 200 and returns the JSON body.
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.text());
        self.json()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// Asserts a Medusa-style error body with this status and type.
    pub fn assert_error(&self, status: StatusCode, kind: &str) {
        assert_eq!(self.status, status, "body: {}", self.text());
        let body = self.json();
        assert_eq!(body["type"], kind, "body: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "body: {body}"
        );
    }
}

impl TestApp {
    pub fn build(db: Db, config: HttpConfig, extensions: Router<AppState>) -> TestApp {
        Self::with_core(Core::new(db.clone()), config, extensions)
    }

    /// The application over services the test configured (e.g. a capturing notifier).
    pub fn with_core(core: Core, config: HttpConfig, extensions: Router<AppState>) -> TestApp {
        let db = core.db.clone();
        let state = AppState::new(core.clone(), config);
        TestApp {
            router: merx_http::router_with_extensions(state, extensions),
            core,
            db,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::builder().uri(path).body(Body::empty()).unwrap())
            .await
    }

    /// A new secret API key with `role`; returns its token.
    pub async fn admin_key(&self, role: merx_core::auth::Role) -> String {
        self.core
            .api_keys
            .create(
                "test key",
                merx_core::api_key::KeyType::Secret,
                Some(role),
                None,
            )
            .await
            .unwrap()
            .1
    }

    /// A request with optional bearer credentials, JSON body and extra headers.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(token) = bearer {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    pub async fn get_as(&self, path: &str, token: &str) -> TestResponse {
        self.call(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post_as(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.call(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    pub async fn delete_as(&self, path: &str, token: &str) -> TestResponse {
        self.call(Method::DELETE, path, Some(token), None, &[])
            .await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }
}

/// Runs `test` against the default application on a fresh database of `backend`.
pub async fn with_app<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    with_custom_app(backend, HttpConfig::default(), Router::new(), test).await
}

/// Like [`with_app`], with settings and extra routes of the test's choosing.
pub async fn with_custom_app<F, Fut>(
    backend: Backend,
    config: HttpConfig,
    extensions: Router<AppState>,
    test: F,
) where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(t) = TestDb::new(backend).await {
        test(TestApp::build(t.db.clone(), config, extensions)).await;
        t.cleanup().await;
    }
}

/// `app_test!(name, async_fn_taking_TestApp)`: runs it on SQLite and on Postgres.
#[macro_export]
macro_rules! app_test {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::with_app(merx_db::Backend::Sqlite, super::$test).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::with_app(merx_db::Backend::Postgres, super::$test).await
            }
        }
    };
}

/// A dispatcher over the app's database that retries at once.
pub fn dispatcher(app: &TestApp, max_attempts: i64) -> merx_core::platform::outbox::Dispatcher {
    merx_core::platform::outbox::Dispatcher::new(
        app.db.clone(),
        merx_core::platform::subscribers::Subscribers::new(),
        merx_core::platform::outbox::DispatchConfig {
            base_backoff: std::time::Duration::ZERO,
            max_attempts,
            ..Default::default()
        },
    )
}

/// `GET path` on the Store API with publishable key `pk`.
pub async fn store(app: &TestApp, pk: &str, path: &str) -> TestResponse {
    app.call(
        Method::GET,
        path,
        None,
        None,
        &[("x-publishable-api-key", pk)],
    )
    .await
}

/// A registered, logged-in customer (through the Store API with publishable key `pk`): their
/// token and id.
pub async fn customer(app: &TestApp, pk: &str, email: &str) -> (String, String) {
    let creds = serde_json::json!({"email": email, "password": "correct-horse-battery"});
    let token = |res: TestResponse| res.ok()["token"].as_str().unwrap().to_string();
    let registration = token(
        app.post_json("/auth/customer/emailpass/register", &creds)
            .await,
    );
    let created = app
        .call(
            Method::POST,
            "/store/customers",
            Some(&registration),
            Some(&serde_json::json!({"email": email})),
            &[("x-publishable-api-key", pk)],
        )
        .await
        .ok();
    let login = token(app.post_json("/auth/customer/emailpass", &creds).await);
    (
        login,
        created["customer"]["id"].as_str().unwrap().to_string(),
    )
}
