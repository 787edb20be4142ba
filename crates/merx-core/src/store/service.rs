use merx_db::Db;
use merx_types::id::new_id;
use merx_types::time::now;

use super::{table, Store};
use crate::error::CoreResult;
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// Reads and creates the store's settings.
#[derive(Clone)]
pub struct StoreService {
    db: Db,
    /// The store once it exists (every new cart asks for its defaults).
    settings: Memo<Store>,
}

impl StoreService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            settings: Memo::new(ReadModel::Catalog, MEMO_TTL),
        }
    }

    /// The store, if one has been created.
    pub async fn get(&self) -> CoreResult<Option<Store>> {
        if let Some(hit) = self.settings.get("store") {
            return Ok(Some(hit));
        }
        let version = self.settings.version();
        let store = table::first(&self.db).await?;
        if let Some(s) = &store {
            self.settings.put("store", version, s.clone());
        }
        Ok(store)
    }

    /// Changes the store's name and defaults.
    pub async fn update(
        &self,
        id: &str,
        name: Option<String>,
        default_region_id: Option<Option<String>>,
        default_sales_channel_id: Option<Option<String>>,
    ) -> CoreResult<Store> {
        let mut tx = self.db.begin().await?;
        let mut s = table::first_in(&mut tx)
            .await?
            .filter(|s| s.id == id)
            .ok_or_else(|| {
                merx_types::DomainError::not_found(format!("Store with id: {id} was not found"))
            })?;
        if let Some(n) = name {
            s.name = n;
        }
        if let Some(r) = default_region_id {
            s.default_region_id = r;
        }
        if let Some(c) = default_sales_channel_id {
            s.default_sales_channel_id = c;
        }
        s.updated_at = now();
        table::update(&mut tx, &s).await?;
        crate::platform::events::append(
            &mut tx,
            crate::platform::events::NewEvent::new(
                "store.updated",
                "store",
                id,
                serde_json::json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The store, created with `name` if there is none yet (idempotent, safe to race).
    pub async fn ensure(&self, name: &str) -> CoreResult<Store> {
        let mut tx = self.db.begin().await?;
        if let Some(existing) = table::first_in(&mut tx).await? {
            return Ok(existing);
        }
        let at = now();
        let created = Store {
            id: new_id("store"),
            name: name.to_string(),
            default_currency_code: None,
            default_region_id: None,
            default_sales_channel_id: None,
            default_location_id: None,
            metadata: None,
            created_at: at,
            updated_at: at,
        };
        table::insert(&mut tx, &created).await?;
        tx.commit().await?;
        Ok(created)
    }
}
