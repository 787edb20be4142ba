//! Idempotency keys: a client sends `Idempotency-Key` with a mutating request; the first request
//! with a key runs and its response is stored; a repeat with the same key and the same request
//! gets the stored response; the same key with a different request is a conflict; a repeat while
//! the first is still running waits for it (or gets a conflict if it takes too long).

use std::time::Duration;

use merx_db::{query, Db};
use merx_types::time::now;
use merx_types::DomainError;

use crate::error::CoreResult;

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First time (or the earlier attempt died): run it, then call `complete` or `abandon`.
    Proceed,
    /// Already done: answer with this.
    Replay(StoredResponse),
    /// The same key was used for a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

#[derive(Clone)]
pub struct IdempotencyService {
    db: Db,
    /// How long a running request holds its key before a retry may take over.
    lease: Duration,
}

/// Checks a client's key: 1–255 visible ASCII characters.
pub fn validate_key(key: &str) -> Result<(), DomainError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(DomainError::invalid(
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(())
}

/// Whether a key is unguessable enough to stand for a caller who has no credentials (a guest
/// creating a cart, someone logging in): at least 128 bits written as
/// - 32 or more hex digits, hyphens ignored (so any UUID), when the key is written only in hex
///   digits (and hyphens), or otherwise
/// - 22 or more characters of base64 or base64url (`A–Z a–z 0–9 + / _ -`, trailing `=` ignored),
///
/// with at least 8 different characters, so a long run of one pattern does not pass. The server
/// cannot see how a key was made; this refuses the short, counted keys (`order-1`) another
/// client would also send, and a client is expected to send random ones.
pub fn is_unguessable(key: &str) -> bool {
    let distinct = key
        .bytes()
        .collect::<std::collections::BTreeSet<u8>>()
        .len();
    if distinct < 8 {
        return false;
    }
    // Hex carries 4 bits a character, so a key written only in hex digits needs 32 of them even
    // though it would also read as base64.
    let hex: Vec<u8> = key.bytes().filter(|&b| b != b'-').collect();
    if hex.iter().all(u8::is_ascii_hexdigit) {
        return hex.len() >= 32;
    }
    let body = key.trim_end_matches('=');
    body.len() >= 22
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-'))
}

impl IdempotencyService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            lease: Duration::from_secs(60),
        }
    }

    pub async fn begin(&self, key: &str, scope: &str, request_hash: &str) -> CoreResult<Begin> {
        validate_key(key)?;
        let at = now();
        let mut tx = self.db.begin().await?;
        let inserted = tx
            .execute(
                query(
                    "INSERT INTO idempotency_key (idem_key, scope, request_hash, status, locked_until, created_at, updated_at) \
                     VALUES (?, ?, ?, 'in_progress', ?, ?, ?) ON CONFLICT (idem_key, scope) DO NOTHING",
                )
                .bind(key)
                .bind(scope)
                .bind(request_hash)
                .bind(at + self.lease)
                .bind(at)
                .bind(at),
            )
            .await?;
        if inserted == 1 {
            tx.commit().await?;
            return Ok(Begin::Proceed);
        }
        let row = tx
            .fetch_one(
                query(
                    "SELECT request_hash, status, response_status, response_content_type, response_body, locked_until \
                     FROM idempotency_key WHERE idem_key = ? AND scope = ?",
                )
                .bind(key)
                .bind(scope),
            )
            .await?;
        if row.text("request_hash")? != request_hash {
            return Ok(Begin::Mismatch);
        }
        if row.text("status")? == "done" {
            return Ok(Begin::Replay(StoredResponse {
                status: u16::try_from(row.opt_int("response_status")?.unwrap_or(200))
                    .unwrap_or(200),
                content_type: row.opt_text("response_content_type")?,
                body: row.opt_text("response_body")?.unwrap_or_default(),
            }));
        }
        if row.time("locked_until")? > at {
            return Ok(Begin::InProgress);
        }
        // The first attempt's process died without finishing: this one takes over.
        let taken = tx
            .execute(
                query(
                    "UPDATE idempotency_key SET locked_until = ?, updated_at = ? WHERE idem_key = ? AND scope = ? \
                     AND status = 'in_progress' AND locked_until <= ?",
                )
                .bind(at + self.lease)
                .bind(at)
                .bind(key)
                .bind(scope)
                .bind(at),
            )
            .await?;
        tx.commit().await?;
        Ok(if taken == 1 {
            Begin::Proceed
        } else {
            Begin::InProgress
        })
    }

    /// Stores the response of a request that ran.
    pub async fn complete(
        &self,
        key: &str,
        scope: &str,
        response: &StoredResponse,
    ) -> CoreResult<()> {
        self.db
            .execute(
                query(
                    "UPDATE idempotency_key SET status = 'done', response_status = ?, response_content_type = ?, \
                     response_body = ?, updated_at = ? WHERE idem_key = ? AND scope = ?",
                )
                .bind(i64::from(response.status))
                .bind(response.content_type.clone())
                .bind(&response.body)
                .bind(now())
                .bind(key)
                .bind(scope),
            )
            .await?;
        Ok(())
    }

    /// Forgets a key whose request failed on the server's side, so the client can retry it.
    pub async fn abandon(&self, key: &str, scope: &str) -> CoreResult<()> {
        self.db
            .execute(
                query("DELETE FROM idempotency_key WHERE idem_key = ? AND scope = ? AND status = 'in_progress'")
                    .bind(key)
                    .bind(scope),
            )
            .await?;
        Ok(())
    }

    /// Removes keys older than `age` (a scheduled job).
    pub async fn prune(&self, age: Duration) -> CoreResult<u64> {
        Ok(self
            .db
            .execute(query("DELETE FROM idempotency_key WHERE created_at < ?").bind(now() - age))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::is_unguessable;

    #[test]
    fn unguessable_keys() {
        for good in [
            "0b1e2f3a-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
            "0B1E2F3A4C5D4E6F8A9B0C1D2E3F4A5B",
            "Zm9vYmFyYmF6cXV4cXV1eA",
            "q83vEjRWeJq83vEjRWeJqw==",
            "kTz8-_Qw3LmN0pRsTuVwXy",
        ] {
            assert!(is_unguessable(good), "{good}");
        }
        for bad in [
            "order-1",
            "create-1",
            "0b1e2f3a-4c5d-4e6f-8a9b",
            "00000000-0000-0000-0000-000000000000",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "order-1-order-1-order-1-order-1",
            "this key has spaces in it!!",
            "Zm9vYmFyYmF6cXV4cXV1",
            "1234567890123456789012345",
        ] {
            assert!(!is_unguessable(bad), "{bad}");
        }
    }
}
