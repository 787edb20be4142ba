use std::time::Duration;

use merx_db::Db;
use merx_types::id::{new_id, prefix, random_token};
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest};
use sha2::{Digest, Sha256};

use super::{store, ApiKey, KeyType};
use crate::auth::Role;
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};

/// SHA-256 of a token, hex: what is stored and looked up.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `api_key.revoked`: the Store API stops accepting the key in every process.
async fn revoked(
    tx: &mut merx_db::Tx,
    aggregate: &str,
    payload: serde_json::Value,
) -> CoreResult<()> {
    append(
        tx,
        NewEvent::new("api_key.revoked", "api_key", aggregate, payload),
    )
    .await?;
    Ok(())
}

fn redact(token: &str) -> String {
    let head: String = token.chars().take(7).collect();
    let tail: String = token
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}…{tail}")
}

/// Creates, lists, revokes and authenticates API keys.
#[derive(Clone)]
pub struct ApiKeyService {
    db: Db,
}

impl ApiKeyService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Creates a key; returns it and its token (the only time a secret token is available).
    pub async fn create(
        &self,
        title: &str,
        key_type: KeyType,
        role: Option<Role>,
        created_by: Option<&str>,
    ) -> CoreResult<(ApiKey, String)> {
        let title = title.trim();
        if title.is_empty() {
            return Err(DomainError::invalid("title must not be empty").into());
        }
        let role = match key_type {
            KeyType::Secret => Some(role.ok_or_else(|| {
                DomainError::invalid(
                    "a secret key needs a role (owner, admin, merchandiser, support)",
                )
            })?),
            KeyType::Publishable => None,
        };
        let token = match key_type {
            KeyType::Secret => random_token("sk_", 32),
            KeyType::Publishable => random_token("pk_", 32),
        };
        let at = now();
        let key = ApiKey {
            id: new_id(prefix::API_KEY),
            token: (key_type == KeyType::Publishable).then(|| token.clone()),
            redacted: redact(&token),
            title: title.to_string(),
            key_type,
            role,
            created_by: created_by.map(str::to_string),
            revoked_by: None,
            revoked_at: None,
            last_used_at: None,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, &key, &hash_token(&token)).await?;
        tx.commit().await?;
        Ok((key, token))
    }

    /// Replaces any unrevoked key titled `title` with a new one (used by the demo, which prints a
    /// fresh admin key at every start because stored keys cannot be shown again).
    pub async fn rotate_titled(&self, title: &str, role: Role) -> CoreResult<(ApiKey, String)> {
        let mut tx = self.db.begin().await?;
        if store::revoke_titled(&mut tx, title).await? > 0 {
            revoked(&mut tx, title, serde_json::json!({"title": title})).await?;
        }
        tx.commit().await?;
        self.create(title, KeyType::Secret, Some(role), None).await
    }

    /// The unrevoked key of this type whose token is `token`.
    pub async fn authenticate(&self, token: &str, key_type: KeyType) -> CoreResult<Option<ApiKey>> {
        let Some(key) = store::by_hash(&self.db, &hash_token(token)).await? else {
            return Ok(None);
        };
        if key.key_type != key_type || key.is_revoked() {
            return Ok(None);
        }
        // Record use at most once a minute per key, so reads do not become writes.
        let stale = key
            .last_used_at
            .is_none_or(|t| now() - t > Duration::from_secs(60));
        if stale {
            store::touch(&self.db, &key.id).await?;
        }
        Ok(Some(key))
    }

    pub async fn get(&self, id: &str) -> CoreResult<ApiKey> {
        store::get(&self.db, id).await?.ok_or_else(|| {
            DomainError::not_found(format!("API key with id: {id} was not found")).into()
        })
    }

    pub async fn list(
        &self,
        key_type: Option<KeyType>,
        page: PageRequest,
    ) -> CoreResult<Page<ApiKey>> {
        Ok(store::list(&self.db, key_type, page).await?)
    }

    /// Revokes a key at once; revoking twice is refused.
    pub async fn revoke(&self, id: &str, by: Option<&str>) -> CoreResult<ApiKey> {
        let key = self.get(id).await?;
        if key.is_revoked() {
            return Err(
                DomainError::not_allowed(format!("API key {id} is already revoked")).into(),
            );
        }
        let mut tx = self.db.begin().await?;
        store::revoke(&mut tx, id, by).await?;
        revoked(&mut tx, id, serde_json::json!({"id": id})).await?;
        tx.commit().await?;
        self.get(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hashed_and_redacted() {
        assert_eq!(hash_token("abc").len(), 64);
        assert_ne!(hash_token("abc"), hash_token("abd"));
        let r = redact("sk_0123456789abcdef");
        assert!(r.starts_with("sk_0123") && r.ends_with("cdef"));
        assert!(!r.contains("89ab"));
    }
}
