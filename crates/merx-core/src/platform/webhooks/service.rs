use merx_db::Db;
use merx_types::id::random_token;
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest};
use serde_json::json;

use super::{store, Attempt, Endpoint, EndpointChanges, NewEndpoint};
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};

/// Admin operations on webhook endpoints.
#[derive(Clone)]
pub struct WebhookService {
    db: Db,
}

fn validate_url(url: &str) -> Result<(), DomainError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| DomainError::invalid(format!("url is not a valid URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(DomainError::invalid(
            "url must be an http:// or https:// URL with a host",
        ));
    }
    Ok(())
}

fn validate_events(events: &[String]) -> Result<(), DomainError> {
    if events.is_empty() {
        return Err(DomainError::invalid(
            "events must list at least one event name or pattern (e.g. \"order.*\" or \"*\")",
        ));
    }
    for e in events {
        let body = e.strip_suffix('*').unwrap_or(e);
        let ok = !e.is_empty()
            && body
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
        if !ok {
            return Err(DomainError::invalid(format!(
                "events: {e:?} is not an event name or pattern (lower-case words separated by dots, optionally ending in *)"
            )));
        }
    }
    Ok(())
}

/// The endpoint as events describe it: never the secret.
fn public_payload(e: &Endpoint) -> serde_json::Value {
    json!({"id": e.id, "url": e.url, "events": e.events, "is_active": e.is_active})
}

impl WebhookService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub async fn create(&self, input: NewEndpoint) -> CoreResult<Endpoint> {
        validate_url(&input.url)?;
        validate_events(&input.events)?;
        let at = now();
        let endpoint = Endpoint {
            id: store::new_endpoint_id(),
            url: input.url,
            description: input.description,
            events: input.events,
            secret: random_token("whsec_", 32),
            is_active: input.is_active.unwrap_or(true),
            metadata: input.metadata,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, &endpoint).await?;
        append(
            &mut tx,
            NewEvent::new(
                "webhook.created",
                "webhook",
                &endpoint.id,
                public_payload(&endpoint),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(endpoint)
    }

    pub async fn get(&self, id: &str) -> CoreResult<Endpoint> {
        store::get(&self.db, id).await?.ok_or_else(|| {
            DomainError::not_found(format!("Webhook with id: {id} was not found")).into()
        })
    }

    pub async fn list(&self, page: PageRequest) -> CoreResult<Page<Endpoint>> {
        Ok(store::list(&self.db, page).await?)
    }

    pub async fn update(&self, id: &str, changes: EndpointChanges) -> CoreResult<Endpoint> {
        if let Some(url) = &changes.url {
            validate_url(url)?;
        }
        if let Some(events) = &changes.events {
            validate_events(events)?;
        }
        let mut tx = self.db.begin().await?;
        let mut e = store::get_in(&mut tx, id).await?.ok_or_else(|| {
            DomainError::not_found(format!("Webhook with id: {id} was not found"))
        })?;
        if let Some(url) = changes.url {
            e.url = url;
        }
        if let Some(description) = changes.description {
            e.description = description;
        }
        if let Some(events) = changes.events {
            e.events = events;
        }
        if let Some(active) = changes.is_active {
            e.is_active = active;
        }
        if let Some(metadata) = changes.metadata {
            e.metadata = metadata;
        }
        e.updated_at = now();
        store::update(&mut tx, &e).await?;
        append(
            &mut tx,
            NewEvent::new("webhook.updated", "webhook", &e.id, public_payload(&e)),
        )
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let mut tx = self.db.begin().await?;
        if !store::soft_delete(&mut tx, id).await? {
            return Err(
                DomainError::not_found(format!("Webhook with id: {id} was not found")).into(),
            );
        }
        append(
            &mut tx,
            NewEvent::new("webhook.deleted", "webhook", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The delivery log of an endpoint, newest first.
    pub async fn attempts(&self, id: &str, page: PageRequest) -> CoreResult<Page<Attempt>> {
        self.get(id).await?;
        Ok(store::attempts(&self.db, id, page).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_patterns_are_validated() {
        assert!(validate_url("https://erp.example/hooks").is_ok());
        assert!(validate_url("http://127.0.0.1:8080/x").is_ok());
        assert!(validate_url("ftp://x").is_err());
        assert!(validate_url("not a url").is_err());
        assert!(validate_events(&["order.*".into(), "*".into(), "product.updated".into()]).is_ok());
        assert!(validate_events(&[]).is_err());
        assert!(validate_events(&["Order Placed".into()]).is_err());
        assert!(validate_events(&["".into()]).is_err());
    }
}
