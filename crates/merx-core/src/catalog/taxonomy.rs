//! Collections, categories (a ranked tree), tags and types.

use merx_db::{query, Db, DbResult};
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest, Sort, TimeBounds};
use serde_json::{json, Value};

use super::model::{Category, Collection, Label};
use super::service::slugify;
use super::store::{category_from_row, collection_from_row, label_from_row, CATEGORY_COLUMNS};
use crate::error::{CoreError, CoreResult};
use crate::platform::events::{append, NewEvent};

/// Tags and types share one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    Tag,
    Type,
}

impl LabelKind {
    fn table(self) -> &'static str {
        match self {
            LabelKind::Tag => "product_tag",
            LabelKind::Type => "product_type",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            LabelKind::Tag => prefix::TAG,
            LabelKind::Type => prefix::TYPE,
        }
    }
    fn noun(self) -> &'static str {
        match self {
            LabelKind::Tag => "Product tag",
            LabelKind::Type => "Product type",
        }
    }
    fn event(self) -> &'static str {
        match self {
            LabelKind::Tag => "product_tag",
            LabelKind::Type => "product_type",
        }
    }
}

/// Filters for taxonomy lists.
#[derive(Debug, Clone, Default)]
pub struct TaxonomyFilter {
    pub ids: Vec<String>,
    /// Handle (collections, categories) or value (tags, types).
    pub names: Vec<String>,
    pub q: Option<String>,
    /// Categories: only this parent (`Some(None)`: roots).
    pub parent_category_id: Option<Option<String>>,
    /// Categories: hide inactive and internal ones (the Store API's view).
    pub public_only: bool,
    /// One of the listing's sortable fields (`TaxonomyService::COLLECTION_SORTS` …); `None` is the
    /// listing's own order.
    pub sort: Option<Sort>,
    pub times: TimeBounds,
}

/// A category to create or the new values of one.
#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub name: String,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub parent_category_id: Option<String>,
    pub rank: Option<i64>,
    pub is_active: Option<bool>,
    pub is_internal: Option<bool>,
    pub metadata: Option<Value>,
}

fn dup(e: merx_db::DbError, what: String) -> CoreError {
    if e.is_unique_violation() {
        DomainError::duplicate(format!("{what} already exists")).into()
    } else {
        e.into()
    }
}

fn filter_sql(
    f: &TaxonomyFilter,
    name_col: &str,
    search_col: &str,
) -> (String, Vec<merx_db::Value>) {
    let mut sql = String::from("deleted_at IS NULL");
    let mut args: Vec<merx_db::Value> = Vec::new();
    if !f.ids.is_empty() {
        sql.push_str(&format!(
            " AND id IN ({})",
            merx_db::sql::placeholders(f.ids.len())
        ));
        args.extend(f.ids.iter().map(|v| v.clone().into()));
    }
    if !f.names.is_empty() {
        sql.push_str(&format!(
            " AND {name_col} IN ({})",
            merx_db::sql::placeholders(f.names.len())
        ));
        args.extend(f.names.iter().map(|v| v.clone().into()));
    }
    if let Some(q) = &f.q {
        sql.push_str(&format!(" AND LOWER({search_col}) LIKE ?"));
        args.push(format!("%{}%", q.to_lowercase().replace(['%', '_'], "")).into());
    }
    let (times, values) = f.times.sql("");
    sql.push_str(&times);
    args.extend(values.into_iter().map(Into::into));
    (sql, args)
}

/// Which table to page through, which columns to read, in what order.
struct Listing<'a> {
    table: &'a str,
    columns: &'a str,
    order: String,
}

/// The filter's sort, else the listing's own order.
fn order(f: &TaxonomyFilter, default: &str) -> String {
    f.sort
        .map_or_else(|| default.to_string(), |s| s.order_by(""))
}

async fn page_of<T>(
    db: &Db,
    listing: Listing<'_>,
    where_sql: &str,
    args: Vec<merx_db::Value>,
    page: PageRequest,
    map: impl Fn(&merx_db::Row) -> DbResult<T>,
) -> DbResult<Page<T>> {
    let Listing {
        table,
        columns,
        order,
    } = listing;
    let count = db
        .fetch_one(merx_db::Query::from_parts(
            format!("SELECT COUNT(*) AS n FROM {table} WHERE {where_sql}"),
            args.clone(),
        ))
        .await?
        .int("n")?;
    let rows = db
        .fetch_all(
            merx_db::Query::from_parts(
                format!("SELECT {columns} FROM {table} WHERE {where_sql} ORDER BY {order} LIMIT ? OFFSET ?"),
                args,
            )
            .bind(page.limit)
            .bind(page.offset),
        )
        .await?;
    Ok(Page {
        items: rows.iter().map(map).collect::<DbResult<_>>()?,
        count,
        limit: page.limit,
        offset: page.offset,
    })
}

/// Collections, categories, tags and types.
#[derive(Clone)]
pub struct TaxonomyService {
    db: Db,
}

impl TaxonomyService {
    /// Fields collections sort by.
    pub const COLLECTION_SORTS: &'static [&'static str] =
        &["id", "title", "handle", "created_at", "updated_at"];
    /// Fields categories sort by.
    pub const CATEGORY_SORTS: &'static [&'static str] =
        &["id", "name", "handle", "rank", "created_at", "updated_at"];
    /// Fields tags and types sort by.
    pub const LABEL_SORTS: &'static [&'static str] = &["id", "value", "created_at", "updated_at"];

    pub fn new(db: Db) -> Self {
        Self { db }
    }

    // ---- collections

    pub async fn create_collection(
        &self,
        title: &str,
        handle: Option<&str>,
        metadata: Option<Value>,
    ) -> CoreResult<Collection> {
        if title.trim().is_empty() {
            return Err(DomainError::invalid("title must not be empty").into());
        }
        let at = now();
        let c = Collection {
            id: new_id(prefix::COLLECTION),
            title: title.to_string(),
            handle: handle.map(str::to_string).unwrap_or_else(|| slugify(title)),
            metadata,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("INSERT INTO product_collection (id, title, handle, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(&c.id)
                .bind(&c.title)
                .bind(&c.handle)
                .bind(c.metadata.clone())
                .bind(at)
                .bind(at),
        )
        .await
        .map_err(|e| dup(e, format!("Collection with handle: {}", c.handle)))?;
        append(
            &mut tx,
            NewEvent::new(
                "product_collection.created",
                "product_collection",
                &c.id,
                json!({"id": c.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn update_collection(
        &self,
        id: &str,
        title: Option<String>,
        handle: Option<String>,
        metadata: Option<Option<Value>>,
    ) -> CoreResult<Collection> {
        let mut c = self.collection(id).await?;
        if let Some(t) = title {
            c.title = t;
        }
        if let Some(h) = handle {
            c.handle = h;
        }
        if let Some(m) = metadata {
            c.metadata = m;
        }
        c.updated_at = now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("UPDATE product_collection SET title = ?, handle = ?, metadata = ?, updated_at = ? WHERE id = ?")
                .bind(&c.title)
                .bind(&c.handle)
                .bind(c.metadata.clone())
                .bind(c.updated_at)
                .bind(id),
        )
        .await
        .map_err(|e| dup(e, format!("Collection with handle: {}", c.handle)))?;
        append(
            &mut tx,
            NewEvent::new(
                "product_collection.updated",
                "product_collection",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn collection(&self, id: &str) -> CoreResult<Collection> {
        self.db
            .fetch_optional(query("SELECT id, title, handle, metadata, created_at, updated_at FROM product_collection WHERE id = ? AND deleted_at IS NULL").bind(id))
            .await?
            .as_ref()
            .map(collection_from_row)
            .transpose()?
            .ok_or_else(|| DomainError::not_found(format!("Collection with id: {id} was not found")).into())
    }

    pub async fn collections(
        &self,
        f: &TaxonomyFilter,
        page: PageRequest,
    ) -> CoreResult<Page<Collection>> {
        let (w, args) = filter_sql(f, "handle", "title");
        Ok(page_of(
            &self.db,
            Listing {
                table: "product_collection",
                columns: "id, title, handle, metadata, created_at, updated_at",
                order: order(f, "created_at, id"),
            },
            &w,
            args,
            page,
            collection_from_row,
        )
        .await?)
    }

    pub async fn delete_collection(&self, id: &str) -> CoreResult<()> {
        self.soft_delete(
            "product_collection",
            id,
            "Collection",
            "product_collection.deleted",
            "UPDATE product SET collection_id = NULL WHERE collection_id = ?",
        )
        .await
    }

    /// Marks `id` deleted and runs `detach` (which takes the id) to take it off its products, in
    /// one transaction with the event, so readers never see a product pointing at a deleted row.
    async fn soft_delete(
        &self,
        table: &str,
        id: &str,
        noun: &str,
        event: &str,
        detach: &'static str,
    ) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(query(format!("UPDATE {table} SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL")).bind(at).bind(at).bind(id))
            .await?;
        if n == 0 {
            return Err(
                DomainError::not_found(format!("{noun} with id: {id} was not found")).into(),
            );
        }
        tx.execute(query(detach).bind(id)).await?;
        append(&mut tx, NewEvent::new(event, table, id, json!({"id": id}))).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- tags and types

    pub async fn create_label(
        &self,
        kind: LabelKind,
        value: &str,
        metadata: Option<Value>,
    ) -> CoreResult<Label> {
        if value.trim().is_empty() {
            return Err(DomainError::invalid("value must not be empty").into());
        }
        let at = now();
        let l = Label {
            id: new_id(kind.prefix()),
            value: value.to_string(),
            metadata,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!("INSERT INTO {} (id, value, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", kind.table()))
                .bind(&l.id)
                .bind(&l.value)
                .bind(l.metadata.clone())
                .bind(at)
                .bind(at),
        )
        .await
        .map_err(|e| dup(e, format!("{} with value: {}", kind.noun(), l.value)))?;
        append(
            &mut tx,
            NewEvent::new(
                format!("{}.created", kind.event()),
                kind.table(),
                &l.id,
                json!({"id": l.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(l)
    }

    pub async fn update_label(
        &self,
        kind: LabelKind,
        id: &str,
        value: Option<String>,
        metadata: Option<Option<Value>>,
    ) -> CoreResult<Label> {
        let mut l = self.label(kind, id).await?;
        if let Some(v) = value {
            if v.trim().is_empty() {
                return Err(DomainError::invalid("value must not be empty").into());
            }
            l.value = v;
        }
        if let Some(m) = metadata {
            l.metadata = m;
        }
        l.updated_at = now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!(
                "UPDATE {} SET value = ?, metadata = ?, updated_at = ? WHERE id = ?",
                kind.table()
            ))
            .bind(&l.value)
            .bind(l.metadata.clone())
            .bind(l.updated_at)
            .bind(id),
        )
        .await
        .map_err(|e| dup(e, format!("{} with value: {}", kind.noun(), l.value)))?;
        append(
            &mut tx,
            NewEvent::new(
                format!("{}.updated", kind.event()),
                kind.table(),
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(l)
    }

    pub async fn label(&self, kind: LabelKind, id: &str) -> CoreResult<Label> {
        self.db
            .fetch_optional(query(format!("SELECT id, value, metadata, created_at, updated_at FROM {} WHERE id = ? AND deleted_at IS NULL", kind.table())).bind(id))
            .await?
            .as_ref()
            .map(label_from_row)
            .transpose()?
            .ok_or_else(|| DomainError::not_found(format!("{} with id: {id} was not found", kind.noun())).into())
    }

    pub async fn labels(
        &self,
        kind: LabelKind,
        f: &TaxonomyFilter,
        page: PageRequest,
    ) -> CoreResult<Page<Label>> {
        let (w, args) = filter_sql(f, "value", "value");
        Ok(page_of(
            &self.db,
            Listing {
                table: kind.table(),
                columns: "id, value, metadata, created_at, updated_at",
                order: order(f, "value, id"),
            },
            &w,
            args,
            page,
            label_from_row,
        )
        .await?)
    }

    pub async fn delete_label(&self, kind: LabelKind, id: &str) -> CoreResult<()> {
        self.soft_delete(
            kind.table(),
            id,
            kind.noun(),
            &format!("{}.deleted", kind.event()),
            match kind {
                LabelKind::Tag => "DELETE FROM product_tag_link WHERE tag_id = ?",
                LabelKind::Type => "UPDATE product SET type_id = NULL WHERE type_id = ?",
            },
        )
        .await
    }

    // ---- categories

    pub async fn create_category(&self, input: CategoryInput) -> CoreResult<Category> {
        if input.name.trim().is_empty() {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        let mut tx = self.db.begin().await?;
        if let Some(parent) = &input.parent_category_id {
            let found = tx
                .fetch_optional(
                    query("SELECT id FROM product_category WHERE id = ? AND deleted_at IS NULL")
                        .bind(parent),
                )
                .await?;
            if found.is_none() {
                return Err(DomainError::invalid(format!(
                    "Parent category {parent} does not exist"
                ))
                .into());
            }
        }
        let rank = match input.rank {
            Some(r) => r,
            None => tx
                .fetch_one(
                    query("SELECT COUNT(*) AS n FROM product_category WHERE deleted_at IS NULL AND parent_category_id IS NOT DISTINCT FROM ?")
                        .bind(input.parent_category_id.clone()),
                )
                .await?
                .int("n")?,
        };
        let at = now();
        let c = Category {
            id: new_id(prefix::CATEGORY),
            handle: input.handle.unwrap_or_else(|| slugify(&input.name)),
            name: input.name,
            description: input.description.unwrap_or_default(),
            parent_category_id: input.parent_category_id,
            rank,
            is_active: input.is_active.unwrap_or(true),
            is_internal: input.is_internal.unwrap_or(false),
            metadata: input.metadata,
            created_at: at,
            updated_at: at,
        };
        tx.execute(
            query(
                "INSERT INTO product_category (id, name, description, handle, parent_category_id, rank, is_active, is_internal, \
                 metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&c.id)
            .bind(&c.name)
            .bind(&c.description)
            .bind(&c.handle)
            .bind(c.parent_category_id.clone())
            .bind(c.rank)
            .bind(c.is_active)
            .bind(c.is_internal)
            .bind(c.metadata.clone())
            .bind(at)
            .bind(at),
        )
        .await
        .map_err(|e| dup(e, format!("Product category with handle: {}", c.handle)))?;
        append(
            &mut tx,
            NewEvent::new(
                "product_category.created",
                "product_category",
                &c.id,
                json!({"id": c.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn category(&self, id: &str, public_only: bool) -> CoreResult<Category> {
        let c = self
            .db
            .fetch_optional(query(format!("SELECT {CATEGORY_COLUMNS} FROM product_category WHERE id = ? AND deleted_at IS NULL")).bind(id))
            .await?
            .as_ref()
            .map(category_from_row)
            .transpose()?;
        match c {
            Some(c) if !public_only || (c.is_active && !c.is_internal) => Ok(c),
            _ => Err(DomainError::not_found(format!(
                "Product category with id: {id} was not found"
            ))
            .into()),
        }
    }

    pub async fn categories(
        &self,
        f: &TaxonomyFilter,
        page: PageRequest,
    ) -> CoreResult<Page<Category>> {
        let (mut w, mut args) = filter_sql(f, "handle", "name");
        if f.public_only {
            w.push_str(" AND is_active = ? AND is_internal = ?");
            args.push(true.into());
            args.push(false.into());
        }
        match &f.parent_category_id {
            Some(None) => w.push_str(" AND parent_category_id IS NULL"),
            Some(Some(p)) => {
                w.push_str(" AND parent_category_id = ?");
                args.push(p.clone().into());
            }
            None => {}
        }
        Ok(page_of(
            &self.db,
            Listing {
                table: "product_category",
                columns: CATEGORY_COLUMNS,
                order: order(f, "rank, id"),
            },
            &w,
            args,
            page,
            category_from_row,
        )
        .await?)
    }

    /// The categories with these ids (public ones only when `public_only`), in no particular
    /// order; missing ids are skipped.
    pub async fn categories_by_ids(
        &self,
        ids: &[String],
        public_only: bool,
    ) -> CoreResult<Vec<Category>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT {CATEGORY_COLUMNS} FROM product_category WHERE deleted_at IS NULL AND id IN ({})",
            merx_db::sql::placeholders(ids.len())
        );
        if public_only {
            sql.push_str(" AND is_active = ? AND is_internal = ?");
        }
        let mut q = query(sql).bind_all(ids.iter().cloned());
        if public_only {
            q = q.bind(true).bind(false);
        }
        Ok(self
            .db
            .fetch_all(q)
            .await?
            .iter()
            .map(category_from_row)
            .collect::<DbResult<_>>()?)
    }

    /// Direct children of the given categories.
    pub async fn children(
        &self,
        parent_ids: &[String],
        public_only: bool,
    ) -> CoreResult<Vec<Category>> {
        if parent_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT {CATEGORY_COLUMNS} FROM product_category WHERE deleted_at IS NULL AND parent_category_id IN ({})",
            merx_db::sql::placeholders(parent_ids.len())
        );
        if public_only {
            sql.push_str(" AND is_active = ? AND is_internal = ?");
        }
        sql.push_str(" ORDER BY rank, id");
        let mut q = query(sql).bind_all(parent_ids.iter().cloned());
        if public_only {
            q = q.bind(true).bind(false);
        }
        Ok(self
            .db
            .fetch_all(q)
            .await?
            .iter()
            .map(category_from_row)
            .collect::<DbResult<_>>()?)
    }

    pub async fn update_category(&self, id: &str, input: CategoryInput) -> CoreResult<Category> {
        let mut c = self.category(id, false).await?;
        if !input.name.is_empty() {
            c.name = input.name;
        }
        if let Some(d) = input.description {
            c.description = d;
        }
        if let Some(h) = input.handle {
            c.handle = h;
        }
        if let Some(p) = input.parent_category_id {
            if p == id {
                return Err(DomainError::invalid("a category cannot be its own parent").into());
            }
            c.parent_category_id = Some(p);
        }
        if let Some(r) = input.rank {
            c.rank = r;
        }
        if let Some(a) = input.is_active {
            c.is_active = a;
        }
        if let Some(i) = input.is_internal {
            c.is_internal = i;
        }
        if input.metadata.is_some() {
            c.metadata = input.metadata;
        }
        c.updated_at = now();
        let mut tx = self.db.begin().await?;
        if let Some(parent) = &c.parent_category_id {
            // The new parent exists, and is not this category's descendant: following parents up
            // from it must end at a root without meeting this category, or the tree would loop.
            let mut at = Some(parent.clone());
            while let Some(current) = at {
                if current == id {
                    return Err(DomainError::invalid(
                        "a category cannot be moved under its own descendant",
                    )
                    .into());
                }
                let row = tx
                    .fetch_optional(
                        query("SELECT parent_category_id FROM product_category WHERE id = ? AND deleted_at IS NULL")
                            .bind(&current),
                    )
                    .await?;
                let Some(row) = row else {
                    return Err(DomainError::invalid(format!(
                        "Parent category {current} does not exist"
                    ))
                    .into());
                };
                at = row.opt_text("parent_category_id")?;
            }
        }
        tx.execute(
            query(
                "UPDATE product_category SET name = ?, description = ?, handle = ?, parent_category_id = ?, rank = ?, \
                 is_active = ?, is_internal = ?, metadata = ?, updated_at = ? WHERE id = ?",
            )
            .bind(&c.name)
            .bind(&c.description)
            .bind(&c.handle)
            .bind(c.parent_category_id.clone())
            .bind(c.rank)
            .bind(c.is_active)
            .bind(c.is_internal)
            .bind(c.metadata.clone())
            .bind(c.updated_at)
            .bind(id),
        )
        .await
        .map_err(|e| dup(e, format!("Product category with handle: {}", c.handle)))?;
        append(
            &mut tx,
            NewEvent::new(
                "product_category.updated",
                "product_category",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn delete_category(&self, id: &str) -> CoreResult<()> {
        let children = self.children(&[id.to_string()], false).await?;
        if !children.is_empty() {
            return Err(DomainError::not_allowed(format!(
                "Deleting product category ({id}) with category children is not allowed"
            ))
            .into());
        }
        self.soft_delete(
            "product_category",
            id,
            "Product category",
            "product_category.deleted",
            "DELETE FROM product_category_link WHERE category_id = ?",
        )
        .await
    }
}
