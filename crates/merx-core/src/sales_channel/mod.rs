//! Sales channels: where products are sold. Publishable API keys are linked to channels, and a
//! Store API request sees only the products of its key's channels.

use merx_db::{query, sql::placeholders, Db, DbResult, Row};
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::api_key::{hash_token, KeyType};
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

#[derive(Debug, Clone, PartialEq)]
pub struct SalesChannel {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub is_disabled: bool,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A publishable key's scope, as the Store API uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyScope {
    pub api_key_id: String,
    /// Enabled channels linked to the key.
    pub sales_channel_ids: Vec<String>,
}

const COLUMNS: &str = "id, name, description, is_disabled, metadata, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<SalesChannel> {
    Ok(SalesChannel {
        id: r.text("id")?,
        name: r.text("name")?,
        description: r.opt_text("description")?,
        is_disabled: r.bool("is_disabled")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// Whether a live sales channel `id` exists (in the caller's transaction).
pub(crate) async fn exists_in(tx: &mut merx_db::Tx, id: &str) -> DbResult<bool> {
    Ok(tx
        .fetch_optional(
            query("SELECT id FROM sales_channel WHERE id = ? AND deleted_at IS NULL").bind(id),
        )
        .await?
        .is_some())
}

#[derive(Clone)]
pub struct SalesChannelService {
    db: Db,
    /// Resolved publishable-key scopes by token (every Store request asks), forgotten when a key
    /// is revoked or its channels change, here and in other processes.
    scopes: Memo<Option<KeyScope>>,
}

impl SalesChannelService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            scopes: Memo::new(ReadModel::Access, MEMO_TTL),
        }
    }

    pub async fn create(
        &self,
        name: &str,
        description: Option<String>,
        is_disabled: bool,
        metadata: Option<Value>,
    ) -> CoreResult<SalesChannel> {
        if name.trim().is_empty() {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        let at = now();
        let c = SalesChannel {
            id: new_id(prefix::SALES_CHANNEL),
            name: name.to_string(),
            description,
            is_disabled,
            metadata,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!(
                "INSERT INTO sales_channel ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(&c.id)
            .bind(&c.name)
            .bind(c.description.clone())
            .bind(c.is_disabled)
            .bind(c.metadata.clone())
            .bind(at)
            .bind(at),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "sales_channel.created",
                "sales_channel",
                &c.id,
                json!({"id": c.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn get(&self, id: &str) -> CoreResult<SalesChannel> {
        self.db
            .fetch_optional(
                query(format!(
                    "SELECT {COLUMNS} FROM sales_channel WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(format!("Sales channel with id: {id} was not found")).into()
            })
    }

    pub async fn list(&self, page: PageRequest) -> CoreResult<Page<SalesChannel>> {
        let count = self
            .db
            .fetch_one(query(
                "SELECT COUNT(*) AS n FROM sales_channel WHERE deleted_at IS NULL",
            ))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(query(format!("SELECT {COLUMNS} FROM sales_channel WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT ? OFFSET ?")).bind(page.limit).bind(page.offset))
            .await?;
        Ok(Page {
            items: rows.iter().map(from_row).collect::<DbResult<_>>()?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn update(
        &self,
        id: &str,
        name: Option<String>,
        description: Option<Option<String>>,
        is_disabled: Option<bool>,
        metadata: Option<Option<Value>>,
    ) -> CoreResult<SalesChannel> {
        let mut c = self.get(id).await?;
        if let Some(n) = name {
            if n.trim().is_empty() {
                return Err(DomainError::invalid("name must not be empty").into());
            }
            c.name = n;
        }
        if let Some(d) = description {
            c.description = d;
        }
        if let Some(d) = is_disabled {
            c.is_disabled = d;
        }
        if let Some(m) = metadata {
            c.metadata = m;
        }
        c.updated_at = now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("UPDATE sales_channel SET name = ?, description = ?, is_disabled = ?, metadata = ?, updated_at = ? WHERE id = ?")
                .bind(&c.name)
                .bind(c.description.clone())
                .bind(c.is_disabled)
                .bind(c.metadata.clone())
                .bind(c.updated_at)
                .bind(id),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "sales_channel.updated",
                "sales_channel",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(query("UPDATE sales_channel SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").bind(at).bind(at).bind(id))
            .await?;
        if n == 0 {
            return Err(DomainError::not_found(format!(
                "Sales channel with id: {id} was not found"
            ))
            .into());
        }
        tx.execute(query("DELETE FROM api_key_sales_channel WHERE sales_channel_id = ?").bind(id))
            .await?;
        tx.execute(query("DELETE FROM product_sales_channel WHERE sales_channel_id = ?").bind(id))
            .await?;
        append(
            &mut tx,
            NewEvent::new(
                "sales_channel.deleted",
                "sales_channel",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn check_channels(&self, ids: &[String]) -> CoreResult<()> {
        for id in ids {
            self.get(id)
                .await
                .map_err(|_| DomainError::invalid(format!("Sales channel {id} does not exist")))?;
        }
        Ok(())
    }

    /// Links and unlinks products; returns the channel.
    pub async fn batch_products(
        &self,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> CoreResult<SalesChannel> {
        let c = self.get(id).await?;
        let mut tx = self.db.begin().await?;
        if !add.is_empty() {
            let found = tx
                .fetch_all(
                    query(format!(
                        "SELECT id FROM product WHERE deleted_at IS NULL AND id IN ({})",
                        placeholders(add.len())
                    ))
                    .bind_all(add.iter().cloned()),
                )
                .await?;
            if found.len() != add.iter().collect::<std::collections::HashSet<_>>().len() {
                return Err(DomainError::invalid("some products to add do not exist").into());
            }
        }
        for p in add {
            tx.execute(query("INSERT INTO product_sales_channel (product_id, sales_channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING").bind(p).bind(id)).await?;
        }
        for p in remove {
            tx.execute(query("DELETE FROM product_sales_channel WHERE product_id = ? AND sales_channel_id = ?").bind(p).bind(id)).await?;
        }
        for p in add.iter().chain(remove) {
            append(
                &mut tx,
                NewEvent::new(
                    "product.updated",
                    "product",
                    p,
                    json!({"id": p, "sales_channel_id": id}),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(c)
    }

    /// Links and unlinks a publishable key's channels.
    pub async fn link_key(
        &self,
        api_key_id: &str,
        add: &[String],
        remove: &[String],
    ) -> CoreResult<Vec<String>> {
        let key = self
            .db
            .fetch_optional(
                query("SELECT type FROM api_key WHERE id = ? AND deleted_at IS NULL")
                    .bind(api_key_id),
            )
            .await?
            .ok_or_else(|| {
                DomainError::not_found(format!("API key with id: {api_key_id} was not found"))
            })?;
        if key.text("type")? != KeyType::Publishable.as_str() {
            return Err(DomainError::invalid(
                "Sales channels can only be associated with publishable API keys",
            )
            .into());
        }
        self.check_channels(add).await?;
        let mut tx = self.db.begin().await?;
        for c in add {
            tx.execute(query("INSERT INTO api_key_sales_channel (api_key_id, sales_channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING").bind(api_key_id).bind(c)).await?;
        }
        for c in remove {
            tx.execute(query("DELETE FROM api_key_sales_channel WHERE api_key_id = ? AND sales_channel_id = ?").bind(api_key_id).bind(c)).await?;
        }
        append(
            &mut tx,
            NewEvent::new(
                "api_key.sales_channels_changed",
                "api_key",
                api_key_id,
                json!({"id": api_key_id, "add": add, "remove": remove}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.key_channels(api_key_id).await
    }

    pub async fn key_channels(&self, api_key_id: &str) -> CoreResult<Vec<String>> {
        Ok(self
            .db
            .fetch_all(query("SELECT sales_channel_id FROM api_key_sales_channel WHERE api_key_id = ? ORDER BY sales_channel_id").bind(api_key_id))
            .await?
            .iter()
            .map(|r| r.text("sales_channel_id"))
            .collect::<DbResult<_>>()?)
    }

    /// The scope of a publishable key token; `None` if the token is unknown or revoked.
    pub async fn scope_of_publishable(&self, token: &str) -> CoreResult<Option<KeyScope>> {
        self.scopes.get_or_read(token, self.read_scope(token)).await
    }

    async fn read_scope(&self, token: &str) -> CoreResult<Option<KeyScope>> {
        let row = self
            .db
            .fetch_optional(
                query("SELECT id FROM api_key WHERE token_hash = ? AND type = 'publishable' AND revoked_at IS NULL AND deleted_at IS NULL")
                    .bind(hash_token(token)),
            )
            .await?;
        let scope = match row {
            None => None,
            Some(r) => {
                let id = r.text("id")?;
                let channels = self
                    .db
                    .fetch_all(
                        query(
                            "SELECT l.sales_channel_id FROM api_key_sales_channel l JOIN sales_channel c ON c.id = l.sales_channel_id \
                             WHERE l.api_key_id = ? AND c.deleted_at IS NULL AND c.is_disabled = ? ORDER BY l.sales_channel_id",
                        )
                        .bind(&id)
                        .bind(false),
                    )
                    .await?
                    .iter()
                    .map(|r| r.text("sales_channel_id"))
                    .collect::<DbResult<_>>()?;
                Some(KeyScope {
                    api_key_id: id,
                    sales_channel_ids: channels,
                })
            }
        };
        Ok(scope)
    }
}
