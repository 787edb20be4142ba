//! SQL for the catalog.

use std::collections::HashMap;

use merx_db::{query, sql::placeholders, Backend, Db, DbResult, Query, Row, Tx};
use merx_types::{Page, PageRequest};

use super::model::*;
use super::search;

fn physical(r: &Row) -> DbResult<Physical> {
    Ok(Physical {
        weight: r.opt_int("weight")?,
        length: r.opt_int("length")?,
        height: r.opt_int("height")?,
        width: r.opt_int("width")?,
        hs_code: r.opt_text("hs_code")?,
        origin_country: r.opt_text("origin_country")?,
        mid_code: r.opt_text("mid_code")?,
        material: r.opt_text("material")?,
    })
}

pub const PRODUCT_COLUMNS: &str = "p.id, p.title, p.subtitle, p.description, p.handle, p.status, p.is_giftcard, \
    p.discountable, p.thumbnail, p.collection_id, p.type_id, p.weight, p.length, p.height, p.width, p.hs_code, \
    p.origin_country, p.mid_code, p.material, p.external_id, p.metadata, p.created_at, p.updated_at, p.deleted_at";

pub fn product_from_row(r: &Row) -> DbResult<Product> {
    Ok(Product {
        id: r.text("id")?,
        title: r.text("title")?,
        subtitle: r.opt_text("subtitle")?,
        description: r.opt_text("description")?,
        handle: r.text("handle")?,
        status: ProductStatus::parse(&r.text("status")?).unwrap_or(ProductStatus::Draft),
        is_giftcard: r.bool("is_giftcard")?,
        discountable: r.bool("discountable")?,
        thumbnail: r.opt_text("thumbnail")?,
        collection_id: r.opt_text("collection_id")?,
        type_id: r.opt_text("type_id")?,
        physical: physical(r)?,
        external_id: r.opt_text("external_id")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        deleted_at: r.opt_time("deleted_at")?,
    })
}

const VARIANT_COLUMNS: &str = "id, product_id, title, sku, barcode, ean, upc, allow_backorder, manage_inventory, \
    weight, length, height, width, hs_code, origin_country, mid_code, material, variant_rank, thumbnail, metadata, \
    created_at, updated_at, deleted_at";

fn variant_from_row(r: &Row) -> DbResult<Variant> {
    Ok(Variant {
        id: r.text("id")?,
        product_id: r.text("product_id")?,
        title: r.text("title")?,
        sku: r.opt_text("sku")?,
        barcode: r.opt_text("barcode")?,
        ean: r.opt_text("ean")?,
        upc: r.opt_text("upc")?,
        allow_backorder: r.bool("allow_backorder")?,
        manage_inventory: r.bool("manage_inventory")?,
        physical: physical(r)?,
        variant_rank: r.int("variant_rank")?,
        thumbnail: r.opt_text("thumbnail")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        deleted_at: r.opt_time("deleted_at")?,
    })
}

fn option_from_row(r: &Row) -> DbResult<ProductOption> {
    Ok(ProductOption {
        id: r.text("id")?,
        product_id: r.text("product_id")?,
        title: r.text("title")?,
        rank: r.int("rank")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn value_from_row(r: &Row) -> DbResult<OptionValue> {
    Ok(OptionValue {
        id: r.text("id")?,
        option_id: r.text("option_id")?,
        value: r.text("value")?,
        rank: r.int("rank")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn image_from_row(r: &Row) -> DbResult<Image> {
    Ok(Image {
        id: r.text("id")?,
        product_id: r.text("product_id")?,
        url: r.text("url")?,
        rank: r.int("rank")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub fn collection_from_row(r: &Row) -> DbResult<Collection> {
    Ok(Collection {
        id: r.text("id")?,
        title: r.text("title")?,
        handle: r.text("handle")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub fn label_from_row(r: &Row) -> DbResult<Label> {
    Ok(Label {
        id: r.text("id")?,
        value: r.text("value")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub const CATEGORY_COLUMNS: &str =
    "id, name, description, handle, parent_category_id, rank, is_active, is_internal, \
    metadata, created_at, updated_at";

pub fn category_from_row(r: &Row) -> DbResult<Category> {
    Ok(Category {
        id: r.text("id")?,
        name: r.text("name")?,
        description: r.text("description")?,
        handle: r.text("handle")?,
        parent_category_id: r.opt_text("parent_category_id")?,
        rank: r.int("rank")?,
        is_active: r.bool("is_active")?,
        is_internal: r.bool("is_internal")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// `WHERE` clause and its values for a product filter.
fn filter_sql(backend: Backend, f: &ProductFilter) -> (String, Vec<merx_db::Value>) {
    let mut sql = String::from("p.deleted_at IS NULL");
    let mut args: Vec<merx_db::Value> = Vec::new();
    let in_list =
        |sql: &mut String, args: &mut Vec<merx_db::Value>, fragment: &str, values: &[String]| {
            if !values.is_empty() {
                sql.push_str(&fragment.replace("{}", &placeholders(values.len())));
                args.extend(values.iter().map(|v| v.clone().into()));
            }
        };
    in_list(&mut sql, &mut args, " AND p.id IN ({})", &f.ids);
    in_list(&mut sql, &mut args, " AND p.handle IN ({})", &f.handles);
    in_list(
        &mut sql,
        &mut args,
        " AND p.collection_id IN ({})",
        &f.collection_ids,
    );
    in_list(&mut sql, &mut args, " AND p.type_id IN ({})", &f.type_ids);
    in_list(
        &mut sql,
        &mut args,
        " AND EXISTS (SELECT 1 FROM product_tag_link t WHERE t.product_id = p.id AND t.tag_id IN ({}))",
        &f.tag_ids,
    );
    in_list(
        &mut sql,
        &mut args,
        " AND EXISTS (SELECT 1 FROM product_category_link c WHERE c.product_id = p.id AND c.category_id IN ({}))",
        &f.category_ids,
    );
    if let Some(channels) = &f.sales_channel_ids {
        if channels.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            in_list(
                &mut sql,
                &mut args,
                " AND EXISTS (SELECT 1 FROM product_sales_channel s WHERE s.product_id = p.id AND s.sales_channel_id IN ({}))",
                channels,
            );
        }
    }
    if !f.statuses.is_empty() {
        let statuses: Vec<String> = f.statuses.iter().map(|s| s.as_str().to_string()).collect();
        in_list(&mut sql, &mut args, " AND p.status IN ({})", &statuses);
    }
    if let Some(title) = &f.title {
        sql.push_str(" AND p.title = ?");
        args.push(title.clone().into());
    }
    if let Some(g) = f.is_giftcard {
        sql.push_str(" AND p.is_giftcard = ?");
        args.push(g.into());
    }
    for (cmp, t) in &f.created_at {
        sql.push_str(&format!(" AND p.created_at {} ?", cmp.sql()));
        args.push((*t).into());
    }
    for (cmp, t) in &f.updated_at {
        sql.push_str(&format!(" AND p.updated_at {} ?", cmp.sql()));
        args.push((*t).into());
    }
    if let Some(q) = &f.q {
        match search::condition(backend, q) {
            Some((fragment, value)) => {
                sql.push_str(" AND ");
                sql.push_str(&fragment);
                args.push(value.into());
            }
            None => sql.push_str(" AND 1 = 0"),
        }
    }
    (sql, args)
}

/// How many products match `f`.
pub async fn count(db: &Db, f: &ProductFilter) -> DbResult<i64> {
    let (where_sql, args) = filter_sql(db.backend(), f);
    db.fetch_one(Query::from_parts(
        format!("SELECT COUNT(*) AS n FROM product p WHERE {where_sql}"),
        args,
    ))
    .await?
    .int("n")
}

/// Ids of the products matching `f`, in order, one page of them; `count` is how many match in all.
pub async fn list_ids(
    db: &Db,
    f: &ProductFilter,
    page: PageRequest,
    count: i64,
) -> DbResult<Page<String>> {
    let (where_sql, args) = filter_sql(db.backend(), f);
    let dir = if f.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT p.id FROM product p WHERE {where_sql} ORDER BY {} {dir}, p.id {dir} LIMIT ? OFFSET ?",
        f.order.column()
    );
    let rows = db
        .fetch_all(
            Query::from_parts(sql, args)
                .bind(page.limit)
                .bind(page.offset),
        )
        .await?;
    Ok(Page {
        items: rows.iter().map(|r| r.text("id")).collect::<DbResult<_>>()?,
        count,
        limit: page.limit,
        offset: page.offset,
    })
}

/// `(owner, product id)` for the published products in `channels` whose `owner_column` (in
/// `from`, joined to `product p` on `p.id = {product_column}`) is one of `owners`, oldest first.
async fn published_under(
    db: &Db,
    from: &str,
    owner_column: &str,
    product_column: &str,
    owners: &[String],
    channels: &[String],
) -> DbResult<Vec<(String, String)>> {
    if owners.is_empty() || channels.is_empty() {
        return Ok(Vec::new());
    }
    let join = if from == "product p" {
        String::from("product p")
    } else {
        format!("{from} JOIN product p ON p.id = {product_column}")
    };
    let sql = format!(
        "SELECT {owner_column} AS owner_id, p.id AS id FROM {join} \
         WHERE {owner_column} IN ({}) AND p.deleted_at IS NULL AND p.status = ? \
         AND EXISTS (SELECT 1 FROM product_sales_channel s WHERE s.product_id = p.id AND s.sales_channel_id IN ({})) \
         ORDER BY p.created_at, p.id",
        placeholders(owners.len()),
        placeholders(channels.len()),
    );
    let rows = db
        .fetch_all(
            query(sql)
                .bind_all(owners.iter().cloned())
                .bind(ProductStatus::Published.as_str())
                .bind_all(channels.iter().cloned()),
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.text("owner_id")?, r.text("id")?)))
        .collect()
}

/// `(category id, product id)` for the published products in `channels` linked to `categories`.
pub async fn published_in_categories(
    db: &Db,
    categories: &[String],
    channels: &[String],
) -> DbResult<Vec<(String, String)>> {
    published_under(
        db,
        "product_category_link l",
        "l.category_id",
        "l.product_id",
        categories,
        channels,
    )
    .await
}

/// `(collection id, product id)` for the published products in `channels` of `collections`.
pub async fn published_in_collections(
    db: &Db,
    collections: &[String],
    channels: &[String],
) -> DbResult<Vec<(String, String)>> {
    published_under(
        db,
        "product p",
        "p.collection_id",
        "p.id",
        collections,
        channels,
    )
    .await
}

fn in_query(sql: &str, ids: &[String]) -> Query {
    query(sql.replace("{}", &placeholders(ids.len()))).bind_all(ids.iter().cloned())
}

/// Loads products with the requested relations, in the order of `ids` (missing ids are skipped).
pub async fn load(db: &Db, ids: &[String], rel: Relations) -> DbResult<Vec<ProductBundle>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = db
        .fetch_all(in_query(
            &format!("SELECT {PRODUCT_COLUMNS} FROM product p WHERE p.deleted_at IS NULL AND p.id IN ({{}})"),
            ids,
        ))
        .await?;
    let mut products: HashMap<String, Product> = HashMap::new();
    for r in &rows {
        let p = product_from_row(r)?;
        products.insert(p.id.clone(), p);
    }
    let mut bundles: Vec<ProductBundle> = ids
        .iter()
        .filter_map(|id| products.remove(id))
        .map(|product| ProductBundle {
            product,
            variants: Vec::new(),
            options: Vec::new(),
            images: Vec::new(),
            tags: Vec::new(),
            product_type: None,
            collection: None,
            categories: Vec::new(),
            sales_channel_ids: Vec::new(),
        })
        .collect();
    if bundles.is_empty() {
        return Ok(bundles);
    }
    let ids: Vec<String> = bundles.iter().map(|b| b.product.id.clone()).collect();
    let index: HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i))
        .collect();

    let mut options_by_id: HashMap<String, ProductOption> = HashMap::new();
    let mut values_by_id: HashMap<String, OptionValue> = HashMap::new();
    if rel.options || rel.variants {
        let rows = db
            .fetch_all(in_query(
                "SELECT id, product_id, title, rank, metadata, created_at, updated_at FROM product_option \
                 WHERE deleted_at IS NULL AND product_id IN ({}) ORDER BY rank, id",
                &ids,
            ))
            .await?;
        let options: Vec<ProductOption> =
            rows.iter().map(option_from_row).collect::<DbResult<_>>()?;
        let option_ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
        let values: Vec<OptionValue> = if option_ids.is_empty() {
            Vec::new()
        } else {
            db.fetch_all(in_query(
                "SELECT id, option_id, value, rank, metadata, created_at, updated_at FROM product_option_value \
                 WHERE deleted_at IS NULL AND option_id IN ({}) ORDER BY rank, id",
                &option_ids,
            ))
            .await?
            .iter()
            .map(value_from_row)
            .collect::<DbResult<_>>()?
        };
        if rel.options {
            for o in &options {
                let vals = values
                    .iter()
                    .filter(|v| v.option_id == o.id)
                    .cloned()
                    .collect();
                if let Some(&i) = index.get(&o.product_id) {
                    bundles[i].options.push(OptionWithValues {
                        option: o.clone(),
                        values: vals,
                    });
                }
            }
        }
        for o in options {
            options_by_id.insert(o.id.clone(), o);
        }
        for v in values {
            values_by_id.insert(v.id.clone(), v);
        }
    }
    if rel.variants {
        let rows = db
            .fetch_all(in_query(
                &format!(
                    "SELECT {VARIANT_COLUMNS} FROM product_variant WHERE deleted_at IS NULL AND product_id IN ({{}}) \
                     ORDER BY variant_rank, created_at, id"
                ),
                &ids,
            ))
            .await?;
        let variants: Vec<Variant> = rows.iter().map(variant_from_row).collect::<DbResult<_>>()?;
        let variant_ids: Vec<String> = variants.iter().map(|v| v.id.clone()).collect();
        let mut links: HashMap<String, Vec<String>> = HashMap::new();
        if !variant_ids.is_empty() {
            for r in db
                .fetch_all(in_query(
                    "SELECT variant_id, option_value_id FROM product_variant_option WHERE variant_id IN ({})",
                    &variant_ids,
                ))
                .await?
            {
                links.entry(r.text("variant_id")?).or_default().push(r.text("option_value_id")?);
            }
        }
        for v in variants {
            let mut options = Vec::new();
            for value_id in links.remove(&v.id).unwrap_or_default() {
                if let Some(value) = values_by_id.get(&value_id) {
                    if let Some(option) = options_by_id.get(&value.option_id) {
                        options.push((value.clone(), option.clone()));
                    }
                }
            }
            options.sort_by_key(|(_, o)| (o.rank, o.id.clone()));
            if let Some(&i) = index.get(&v.product_id) {
                bundles[i].variants.push(VariantWithOptions {
                    variant: v,
                    options,
                });
            }
        }
    }
    if rel.images {
        for r in db
            .fetch_all(in_query(
                "SELECT id, product_id, url, rank, metadata, created_at, updated_at FROM product_image \
                 WHERE deleted_at IS NULL AND product_id IN ({}) ORDER BY rank, id",
                &ids,
            ))
            .await?
        {
            let img = image_from_row(&r)?;
            if let Some(&i) = index.get(&img.product_id) {
                bundles[i].images.push(img);
            }
        }
    }
    if rel.tags {
        for r in db
            .fetch_all(in_query(
                "SELECT l.product_id, t.id, t.value, t.metadata, t.created_at, t.updated_at FROM product_tag_link l \
                 JOIN product_tag t ON t.id = l.tag_id WHERE t.deleted_at IS NULL AND l.product_id IN ({}) ORDER BY t.value",
                &ids,
            ))
            .await?
        {
            if let Some(&i) = index.get(&r.text("product_id")?) {
                bundles[i].tags.push(label_from_row(&r)?);
            }
        }
    }
    if rel.categories {
        for r in db
            .fetch_all(in_query(
                "SELECT l.product_id, c.id, c.name, c.description, c.handle, c.parent_category_id, c.rank, c.is_active, \
                 c.is_internal, c.metadata, c.created_at, c.updated_at FROM product_category_link l \
                 JOIN product_category c ON c.id = l.category_id WHERE c.deleted_at IS NULL AND l.product_id IN ({}) \
                 ORDER BY c.rank, c.id",
                &ids,
            ))
            .await?
        {
            if let Some(&i) = index.get(&r.text("product_id")?) {
                bundles[i].categories.push(category_from_row(&r)?);
            }
        }
    }
    if rel.sales_channels {
        for r in db
            .fetch_all(in_query(
                "SELECT product_id, sales_channel_id FROM product_sales_channel WHERE product_id IN ({}) ORDER BY sales_channel_id",
                &ids,
            ))
            .await?
        {
            if let Some(&i) = index.get(&r.text("product_id")?) {
                bundles[i].sales_channel_ids.push(r.text("sales_channel_id")?);
            }
        }
    }
    if rel.product_type {
        let types = load_referenced(
            db,
            "SELECT id, value, metadata, created_at, updated_at FROM product_type WHERE id IN ({})",
            bundles.iter().filter_map(|b| b.product.type_id.clone()),
            label_from_row,
            |l: &Label| l.id.clone(),
        )
        .await?;
        for b in &mut bundles {
            b.product_type = b
                .product
                .type_id
                .as_ref()
                .and_then(|id| types.get(id).cloned());
        }
    }
    if rel.collection {
        let collections = load_referenced(
            db,
            "SELECT id, title, handle, metadata, created_at, updated_at FROM product_collection WHERE id IN ({})",
            bundles.iter().filter_map(|b| b.product.collection_id.clone()),
            collection_from_row,
            |c: &Collection| c.id.clone(),
        )
        .await?;
        for b in &mut bundles {
            b.collection = b
                .product
                .collection_id
                .as_ref()
                .and_then(|id| collections.get(id).cloned());
        }
    }
    Ok(bundles)
}

/// A live variant of a live product, with what a cart line snapshots; `None` when either is gone.
/// Filters as [`load`] does (types and collections are taken as linked, taxonomy rows must be live).
pub async fn line_source(db: &Db, variant_id: &str) -> DbResult<Option<LineSource>> {
    let Some(r) = db
        .fetch_optional(
            query(format!(
                "SELECT {PRODUCT_COLUMNS}, v.title AS v_title, v.sku AS v_sku, v.barcode AS v_barcode, \
                 v.manage_inventory AS v_manage_inventory, v.allow_backorder AS v_allow_backorder, \
                 t.value AS type_value, c.title AS collection_title \
                 FROM product_variant v JOIN product p ON p.id = v.product_id \
                 LEFT JOIN product_type t ON t.id = p.type_id \
                 LEFT JOIN product_collection c ON c.id = p.collection_id \
                 WHERE v.id = ? AND v.deleted_at IS NULL AND p.deleted_at IS NULL"
            ))
            .bind(variant_id),
        )
        .await?
    else {
        return Ok(None);
    };
    let product = product_from_row(&r)?;
    let options = db
        .fetch_all(
            query(
                "SELECT o.title, ov.value FROM product_variant_option vo \
                 JOIN product_option_value ov ON ov.id = vo.option_value_id \
                 JOIN product_option o ON o.id = ov.option_id \
                 WHERE vo.variant_id = ? AND ov.deleted_at IS NULL AND o.deleted_at IS NULL \
                 ORDER BY o.rank, o.id",
            )
            .bind(variant_id),
        )
        .await?
        .iter()
        .map(|o| Ok((o.text("title")?, o.text("value")?)))
        .collect::<DbResult<_>>()?;
    let links = db
        .fetch_all(
            query(
                "SELECT 'tag' AS kind, t.id, t.value AS sort_text, 0 AS sort_rank FROM product_tag_link l \
                 JOIN product_tag t ON t.id = l.tag_id WHERE t.deleted_at IS NULL AND l.product_id = ? \
                 UNION ALL SELECT 'category', c.id, c.id, c.rank FROM product_category_link l \
                 JOIN product_category c ON c.id = l.category_id WHERE c.deleted_at IS NULL AND l.product_id = ? \
                 UNION ALL SELECT 'channel', sales_channel_id, sales_channel_id, 0 FROM product_sales_channel \
                 WHERE product_id = ?",
            )
            .bind(&product.id)
            .bind(&product.id)
            .bind(&product.id),
        )
        .await?;
    let mut tags: Vec<(String, String)> = Vec::new();
    let mut categories: Vec<(i64, String)> = Vec::new();
    let mut sales_channel_ids: Vec<String> = Vec::new();
    for l in &links {
        let id = l.text("id")?;
        match l.text("kind")?.as_str() {
            "tag" => tags.push((l.text("sort_text")?, id)),
            "category" => categories.push((l.int("sort_rank")?, id)),
            _ => sales_channel_ids.push(id),
        }
    }
    tags.sort();
    categories.sort();
    sales_channel_ids.sort();
    Ok(Some(LineSource {
        variant_title: r.text("v_title")?,
        sku: r.opt_text("v_sku")?,
        barcode: r.opt_text("v_barcode")?,
        manage_inventory: r.bool("v_manage_inventory")?,
        allow_backorder: r.bool("v_allow_backorder")?,
        options,
        type_value: r.opt_text("type_value")?,
        collection_title: r.opt_text("collection_title")?,
        category_ids: categories.into_iter().map(|(_, id)| id).collect(),
        tag_ids: tags.into_iter().map(|(_, id)| id).collect(),
        sales_channel_ids,
        product,
    }))
}

/// Loads the rows a page of products points at (its types, its collections), each id asked once.
async fn load_referenced<T>(
    db: &Db,
    sql: &str,
    ids: impl Iterator<Item = String>,
    from_row: fn(&Row) -> DbResult<T>,
    key: fn(&T) -> String,
) -> DbResult<HashMap<String, T>> {
    let mut ids: Vec<String> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    db.fetch_all(in_query(sql, &ids))
        .await?
        .iter()
        .map(|r| from_row(r).map(|v| (key(&v), v)))
        .collect()
}

pub async fn insert_product(tx: &mut Tx, p: &Product) -> DbResult<()> {
    tx.execute(
        query(
            "INSERT INTO product (id, title, subtitle, description, handle, status, is_giftcard, discountable, thumbnail, \
             collection_id, type_id, weight, length, height, width, hs_code, origin_country, mid_code, material, \
             external_id, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.id)
        .bind(&p.title)
        .bind(p.subtitle.clone())
        .bind(p.description.clone())
        .bind(&p.handle)
        .bind(p.status.as_str())
        .bind(p.is_giftcard)
        .bind(p.discountable)
        .bind(p.thumbnail.clone())
        .bind(p.collection_id.clone())
        .bind(p.type_id.clone())
        .bind(p.physical.weight)
        .bind(p.physical.length)
        .bind(p.physical.height)
        .bind(p.physical.width)
        .bind(p.physical.hs_code.clone())
        .bind(p.physical.origin_country.clone())
        .bind(p.physical.mid_code.clone())
        .bind(p.physical.material.clone())
        .bind(p.external_id.clone())
        .bind(p.metadata.clone())
        .bind(p.created_at)
        .bind(p.updated_at),
    )
    .await?;
    search::index(tx, p).await
}

pub async fn update_product(tx: &mut Tx, p: &Product) -> DbResult<()> {
    tx.execute(
        query(
            "UPDATE product SET title = ?, subtitle = ?, description = ?, handle = ?, status = ?, is_giftcard = ?, \
             discountable = ?, thumbnail = ?, collection_id = ?, type_id = ?, weight = ?, length = ?, height = ?, width = ?, \
             hs_code = ?, origin_country = ?, mid_code = ?, material = ?, external_id = ?, metadata = ?, updated_at = ? \
             WHERE id = ? AND deleted_at IS NULL",
        )
        .bind(&p.title)
        .bind(p.subtitle.clone())
        .bind(p.description.clone())
        .bind(&p.handle)
        .bind(p.status.as_str())
        .bind(p.is_giftcard)
        .bind(p.discountable)
        .bind(p.thumbnail.clone())
        .bind(p.collection_id.clone())
        .bind(p.type_id.clone())
        .bind(p.physical.weight)
        .bind(p.physical.length)
        .bind(p.physical.height)
        .bind(p.physical.width)
        .bind(p.physical.hs_code.clone())
        .bind(p.physical.origin_country.clone())
        .bind(p.physical.mid_code.clone())
        .bind(p.physical.material.clone())
        .bind(p.external_id.clone())
        .bind(p.metadata.clone())
        .bind(p.updated_at)
        .bind(&p.id),
    )
    .await?;
    search::index(tx, p).await
}

pub async fn get_product_in(tx: &mut Tx, id: &str) -> DbResult<Option<Product>> {
    tx.fetch_optional(
        query(format!(
            "SELECT {PRODUCT_COLUMNS} FROM product p WHERE p.id = ? AND p.deleted_at IS NULL"
        ))
        .bind(id),
    )
    .await?
    .as_ref()
    .map(product_from_row)
    .transpose()
}

pub async fn soft_delete_product(
    tx: &mut Tx,
    id: &str,
    at: time::OffsetDateTime,
) -> DbResult<bool> {
    let n = tx
        .execute(query("UPDATE product SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").bind(at).bind(at).bind(id))
        .await?;
    tx.execute(
        query(
            "UPDATE product_variant SET deleted_at = ? WHERE product_id = ? AND deleted_at IS NULL",
        )
        .bind(at)
        .bind(id),
    )
    .await?;
    search::remove(tx, id).await?;
    Ok(n > 0)
}

pub async fn insert_option(tx: &mut Tx, o: &ProductOption) -> DbResult<()> {
    tx.execute(
        query("INSERT INTO product_option (id, product_id, title, rank, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&o.id)
            .bind(&o.product_id)
            .bind(&o.title)
            .bind(o.rank)
            .bind(o.metadata.clone())
            .bind(o.created_at)
            .bind(o.updated_at),
    )
    .await?;
    Ok(())
}

pub async fn insert_value(tx: &mut Tx, v: &OptionValue) -> DbResult<()> {
    tx.execute(
        query("INSERT INTO product_option_value (id, option_id, value, rank, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&v.id)
            .bind(&v.option_id)
            .bind(&v.value)
            .bind(v.rank)
            .bind(v.metadata.clone())
            .bind(v.created_at)
            .bind(v.updated_at),
    )
    .await?;
    Ok(())
}

pub async fn insert_variant(tx: &mut Tx, v: &Variant, option_value_ids: &[String]) -> DbResult<()> {
    tx.execute(
        query(
            "INSERT INTO product_variant (id, product_id, title, sku, barcode, ean, upc, allow_backorder, manage_inventory, \
             weight, length, height, width, hs_code, origin_country, mid_code, material, variant_rank, thumbnail, metadata, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&v.id)
        .bind(&v.product_id)
        .bind(&v.title)
        .bind(v.sku.clone())
        .bind(v.barcode.clone())
        .bind(v.ean.clone())
        .bind(v.upc.clone())
        .bind(v.allow_backorder)
        .bind(v.manage_inventory)
        .bind(v.physical.weight)
        .bind(v.physical.length)
        .bind(v.physical.height)
        .bind(v.physical.width)
        .bind(v.physical.hs_code.clone())
        .bind(v.physical.origin_country.clone())
        .bind(v.physical.mid_code.clone())
        .bind(v.physical.material.clone())
        .bind(v.variant_rank)
        .bind(v.thumbnail.clone())
        .bind(v.metadata.clone())
        .bind(v.created_at)
        .bind(v.updated_at),
    )
    .await?;
    for value_id in option_value_ids {
        tx.execute(
            query("INSERT INTO product_variant_option (variant_id, option_value_id) VALUES (?, ?)")
                .bind(&v.id)
                .bind(value_id),
        )
        .await?;
    }
    Ok(())
}

/// Removes (softly) every image of a product.
pub async fn remove_images(
    tx: &mut Tx,
    product_id: &str,
    at: time::OffsetDateTime,
) -> DbResult<()> {
    tx.execute(
        query("UPDATE product_image SET deleted_at = ?, updated_at = ? WHERE product_id = ? AND deleted_at IS NULL")
            .bind(at)
            .bind(at)
            .bind(product_id),
    )
    .await?;
    Ok(())
}

pub async fn insert_image(tx: &mut Tx, i: &Image) -> DbResult<()> {
    tx.execute(
        query("INSERT INTO product_image (id, product_id, url, rank, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&i.id)
            .bind(&i.product_id)
            .bind(&i.url)
            .bind(i.rank)
            .bind(i.metadata.clone())
            .bind(i.created_at)
            .bind(i.updated_at),
    )
    .await?;
    Ok(())
}

/// Replaces a product's links in `table` (`product_tag_link.tag_id`, …) with `ids`.
pub async fn set_links(
    tx: &mut Tx,
    table: &str,
    column: &str,
    product_id: &str,
    ids: &[String],
) -> DbResult<()> {
    tx.execute(query(format!("DELETE FROM {table} WHERE product_id = ?")).bind(product_id))
        .await?;
    for id in ids {
        tx.execute(
            query(format!(
                "INSERT INTO {table} (product_id, {column}) VALUES (?, ?)"
            ))
            .bind(product_id)
            .bind(id),
        )
        .await?;
    }
    Ok(())
}

/// Which of `ids` exist (not deleted) in `table`.
pub async fn existing(tx: &mut Tx, table: &str, ids: &[String]) -> DbResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM {table} WHERE deleted_at IS NULL AND id IN ({})",
        placeholders(ids.len())
    );
    tx.fetch_all(query(sql).bind_all(ids.iter().cloned()))
        .await?
        .iter()
        .map(|r| r.text("id"))
        .collect()
}
