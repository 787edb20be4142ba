use merx_db::{query, Db, DbResult, Row};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerGroup {
    pub id: String,
    pub name: String,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

fn from_row(r: &Row) -> DbResult<CustomerGroup> {
    Ok(CustomerGroup {
        id: r.text("id")?,
        name: r.text("name")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn not_found(id: &str) -> crate::CoreError {
    DomainError::not_found(format!("Customer group with id: {id} was not found")).into()
}

async fn announce(tx: &mut merx_db::Tx, name: &str, id: &str) -> CoreResult<()> {
    append(
        tx,
        NewEvent::new(name, "customer_group", id, json!({"id": id})),
    )
    .await?;
    Ok(())
}

#[derive(Clone)]
pub struct CustomerGroupService {
    db: Db,
}

impl CustomerGroupService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub async fn create(&self, name: &str, metadata: Option<Value>) -> CoreResult<CustomerGroup> {
        if name.trim().is_empty() {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        let at = now();
        let g = CustomerGroup {
            id: new_id("cusgroup"),
            name: name.to_string(),
            metadata,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        tx.execute(query("INSERT INTO customer_group (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").bind(&g.id).bind(&g.name).bind(g.metadata.clone()).bind(at).bind(at))
            .await?;
        append(
            &mut tx,
            NewEvent::new(
                "customer_group.created",
                "customer_group",
                &g.id,
                json!({"id": g.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(g)
    }

    pub async fn get(&self, id: &str) -> CoreResult<CustomerGroup> {
        self.db
            .fetch_optional(query("SELECT id, name, metadata, created_at, updated_at FROM customer_group WHERE id = ? AND deleted_at IS NULL").bind(id))
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?
            .ok_or_else(|| not_found(id))
    }

    pub async fn list(&self, page: PageRequest) -> CoreResult<Page<CustomerGroup>> {
        let count = self
            .db
            .fetch_one(query(
                "SELECT COUNT(*) AS n FROM customer_group WHERE deleted_at IS NULL",
            ))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(query("SELECT id, name, metadata, created_at, updated_at FROM customer_group WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT ? OFFSET ?").bind(page.limit).bind(page.offset))
            .await?;
        Ok(Page {
            items: rows.iter().map(from_row).collect::<DbResult<_>>()?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Renames a group and/or replaces its metadata (`Some(None)` clears it).
    pub async fn update(
        &self,
        id: &str,
        name: Option<String>,
        metadata: Option<Option<Value>>,
    ) -> CoreResult<CustomerGroup> {
        if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                query(
                    "UPDATE customer_group SET name = COALESCE(?, name), \
                     metadata = CASE WHEN ? THEN ? ELSE metadata END, updated_at = ? \
                     WHERE id = ? AND deleted_at IS NULL",
                )
                .bind(name.map(|n| n.trim().to_string()))
                .bind(metadata.is_some())
                .bind(metadata.flatten())
                .bind(at)
                .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(not_found(id));
        }
        announce(&mut tx, "customer_group.updated", id).await?;
        tx.commit().await?;
        self.get(id).await
    }

    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx.execute(query("UPDATE customer_group SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").bind(at).bind(at).bind(id)).await?;
        if n == 0 {
            return Err(not_found(id));
        }
        tx.execute(
            query("DELETE FROM customer_group_customer WHERE customer_group_id = ?").bind(id),
        )
        .await?;
        announce(&mut tx, "customer_group.deleted", id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds and removes members.
    pub async fn batch_customers(
        &self,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> CoreResult<CustomerGroup> {
        let g = self.get(id).await?;
        let mut tx = self.db.begin().await?;
        for c in add {
            tx.execute(query("INSERT INTO customer_group_customer (customer_group_id, customer_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").bind(id).bind(c).bind(now()))
                .await?;
        }
        for c in remove {
            tx.execute(query("DELETE FROM customer_group_customer WHERE customer_group_id = ? AND customer_id = ?").bind(id).bind(c)).await?;
        }
        append(
            &mut tx,
            NewEvent::new(
                "customer_group.updated",
                "customer_group",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(g)
    }
}
