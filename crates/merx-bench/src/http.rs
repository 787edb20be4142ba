//! One shared HTTP/1.1 keep-alive client and the calls the scenarios make.

use std::time::{Duration, Instant};

use serde_json::Value;

/// How a call failed: a status the server answered with, or no answer at all.
#[derive(Debug, Clone)]
pub enum CallError {
    Status {
        status: u16,
        body: String,
    },
    Transport(String),
    /// A 2xx whose body was not what the flow needs.
    Unexpected(String),
}

impl CallError {
    /// The label errors are counted under: the status code, `transport` or `unexpected`.
    pub fn label(&self) -> String {
        match self {
            CallError::Status { status, .. } => status.to_string(),
            CallError::Transport(_) => "transport".into(),
            CallError::Unexpected(_) => "unexpected".into(),
        }
    }

    /// What to show a reader: the body or the error, cut short.
    pub fn detail(&self) -> String {
        let text = match self {
            CallError::Status { body, .. } => body.as_str(),
            CallError::Transport(e) | CallError::Unexpected(e) => e.as_str(),
        };
        text.chars().take(300).collect()
    }

    pub fn is_client_error(&self) -> bool {
        matches!(self, CallError::Status { status, .. } if (400..500).contains(status))
    }

    pub fn is_server_error(&self) -> bool {
        matches!(self, CallError::Status { status, .. } if *status >= 500)
    }
}

/// The server under test and the keys to call it with.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    publishable_key: String,
    admin_key: Option<String>,
}

impl Api {
    pub fn new(
        base: &str,
        publishable_key: String,
        admin_key: Option<String>,
        connections: usize,
    ) -> anyhow::Result<Api> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Api {
            client,
            base: base.trim_end_matches('/').to_string(),
            publishable_key,
            admin_key,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn has_admin_key(&self) -> bool {
        self.admin_key.is_some()
    }

    /// GET with the publishable key (or without, for `/health`); the body is read in full and
    /// dropped, as read scenarios need no parsing.
    pub async fn get_raw(&self, path: &str, with_key: bool) -> Result<(), CallError> {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if with_key {
            request = request.header("x-publishable-api-key", &self.publishable_key);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(transport)?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(CallError::Status {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        }
    }

    pub async fn store_get(&self, path: &str) -> Result<Value, CallError> {
        let request = self
            .client
            .get(format!("{}{path}", self.base))
            .header("x-publishable-api-key", &self.publishable_key);
        json_of(request).await
    }

    pub async fn store_post(&self, path: &str, body: &Value) -> Result<Value, CallError> {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-publishable-api-key", &self.publishable_key)
            .json(body);
        json_of(request).await
    }

    fn admin(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, CallError> {
        let key = self
            .admin_key
            .as_deref()
            .ok_or_else(|| CallError::Unexpected("an admin key is needed (--admin-key)".into()))?;
        Ok(request.bearer_auth(key))
    }

    pub async fn admin_get(&self, path: &str) -> Result<Value, CallError> {
        json_of(self.admin(self.client.get(format!("{}{path}", self.base)))?).await
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> Result<Value, CallError> {
        json_of(
            self.admin(self.client.post(format!("{}{path}", self.base)))?
                .json(body),
        )
        .await
    }
}

fn transport(e: reqwest::Error) -> CallError {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "io"
    };
    CallError::Transport(format!("{kind}: {e}"))
}

async fn json_of(request: reqwest::RequestBuilder) -> Result<Value, CallError> {
    let response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(transport)?;
    if !(200..300).contains(&status) {
        return Err(CallError::Status {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    serde_json::from_slice(&body)
        .map_err(|e| CallError::Unexpected(format!("{status} with a body that is not JSON: {e}")))
}

/// Polls `GET /health` until it answers 200 or `limit` passes; returns when it first did.
pub async fn wait_for_health(
    base: &str,
    limit: Duration,
    mut alive: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Instant> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()?;
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(r) = client.get(format!("{base}/health")).send().await {
            if r.status().is_success() {
                return Ok(Instant::now());
            }
        }
        alive()?;
        anyhow::ensure!(
            Instant::now() < deadline,
            "{base}/health did not answer within {}s",
            limit.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
